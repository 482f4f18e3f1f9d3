//! Scenario parameters: the physical truth a scenario is generated from, per host.
//! `draw.rs` draws them at random from documented ranges.

use super::ScenarioKind;
use crate::verdict::Verdict;
use serde::Serialize;
use std::collections::BTreeMap;

/// 2025-11-01T00:00:00Z, the default start of every generated window.
pub const DEFAULT_START_UNIX_S: i64 = 1_761_955_200;

/// Everything a scenario is generated from. Serialized into `truth.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioParams {
    pub kind: ScenarioKind,
    /// Seed of every random stream of the scenario (noise, GC timing, restarts).
    pub seed: u64,
    /// Start of the window, Unix seconds (a multiple of `step_s`).
    pub start_unix_s: i64,
    pub duration_s: i64,
    /// Resolution of the output, as `query_range` with `step=` would return it.
    pub step_s: i64,
    /// Scrape interval of the exporters; a `query_range` point shows the last scrape
    /// before it, so values lag their timestamp by up to one interval. One scrape per
    /// step is generated: the effective interval is the smaller of this and the step.
    pub scrape_interval_s: f64,
    /// `true`: timestamps on the step grid (`query_range` shape). `false`: raw scrape
    /// times, off the grid by the scrape phase and a few hundred ms of jitter.
    pub aligned_timestamps: bool,
    /// The service: prom-client `job` label and the container's `name`.
    pub service: String,
    /// Default labels the app adds to its metrics (prom-client `register.setDefaultLabels`).
    pub app_labels: BTreeMap<String, String>,
    pub hosts: Vec<HostParams>,
    /// Missing scrapes on one host (all its exporters), as when the collection VPN drops.
    pub gap: Option<Gap>,
    /// Probability that an app sample is NaN.
    pub nan_probability: f64,
    /// Whether the hosts also run Redis with redis-exporter.
    pub with_redis: bool,
}

/// A stretch of missing scrapes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    /// Index into `hosts`.
    pub host: usize,
    /// Seconds after the window start.
    pub offset_s: i64,
    pub duration_s: i64,
}

/// One machine running one instance of the service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostParams {
    /// IP address; exporters add their own port (3000 app, 8080 cAdvisor, 9100 node, 9121 redis).
    pub ip: String,
    pub nodename: String,
    /// `uname -r`.
    pub kernel: String,
    /// `uname -v`.
    pub kernel_version: String,
    /// cgroup v2 with the systemd driver (`/system.slice/docker-<id>.scope`) rather than
    /// cgroup v1 with cgroupfs (`/docker/<id>`).
    pub cgroup_v2: bool,
    pub cpus: u32,
    pub mem_total_bytes: f64,
    /// Anonymous memory of everything else on the host (other VMs' guests, databases).
    pub other_anon_bytes: f64,
    /// A host under memory pressure: other workloads use whatever leaves this much room
    /// for the container's page cache at the window start (`other_anon_bytes` is then
    /// derived, not taken from above).
    pub cache_room_bytes: Option<f64>,
    /// Relative daily swing of `other_anon_bytes` (load follows the day).
    pub other_anon_daily_swing: f64,
    /// Page cache held by everything else on the host.
    pub other_cache_bytes: f64,
    /// Container memory limit; 0 means unlimited (cAdvisor reports 0).
    pub cgroup_limit_bytes: f64,
    pub process: ProcessParams,
    pub cache: CacheParams,
    /// The verdict this host's target was built to deserve.
    pub expected: Verdict,
}

/// The Node.js process: V8 heap, off-heap memory, restarts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcessParams {
    /// Process age at the window start, hours (0 means it starts with the window).
    pub age_at_start_h: f64,
    /// Live old-space bytes of a warmed-up process (the post-GC floor without growth).
    pub old_live_bytes: f64,
    pub heap_growth: HeapGrowth,
    /// Garbage promoted to old space per second; with `major_gc_garbage_ratio` it sets
    /// how often mark-compact runs.
    pub promotion_bytes_per_s: f64,
    /// Garbage allowed to pile up in old space before a major GC, relative to live bytes.
    pub major_gc_garbage_ratio: f64,
    /// Semi-space size of the young generation.
    pub semi_space_bytes: f64,
    /// Seconds between scavenges at the observed allocation rate.
    pub minor_gc_period_s: f64,
    pub external_bytes: f64,
    /// Native (malloc) memory outside the V8 heap: libuv, OpenSSL, ICU, arenas.
    pub native_bytes: f64,
    /// Growth of native memory per hour of process age (glibc arena fragmentation).
    pub native_bytes_per_hour: f64,
    /// Resident file-backed pages of the node binary and its libraries.
    pub binary_resident_bytes: f64,
    /// Relative standard deviation of RSS noise.
    pub rss_noise: f64,
    /// pm2 `max_memory_restart`: restart when RSS crosses this many bytes.
    pub restart_above_rss_bytes: Option<f64>,
    /// A deploy restarts the process once at this many hours into the window.
    pub deploy_at_h: Option<f64>,
}

/// How the live old-space bytes change with process age.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "shape", rename_all = "snake_case")]
pub enum HeapGrowth {
    Flat,
    /// Retained objects pile up: `live = base + rate * age`.
    Linear {
        bytes_per_hour: f64,
    },
    /// A warming in-memory cache: `live = base + amplitude * (1 - exp(-age / tau))`.
    Saturating {
        amplitude_bytes: f64,
        tau_h: f64,
    },
}

/// Page cache charged to the container.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CacheParams {
    /// Page cache (beyond mapped files) at the window start.
    pub initial_bytes: f64,
    /// Files written or read per hour (pm2 log files, uploads, static assets).
    pub fill_bytes_per_hour: f64,
    /// Share of that page cache on the inactive file LRU (not in the working set).
    pub inactive_fraction: f64,
}

/// Memory the kernel itself holds (slab, page tables, stacks) on a host of `total` bytes.
pub(crate) fn kernel_bytes(total: f64) -> f64 {
    total * 0.025
}

/// Free memory below which the kernel reclaims page cache on a host of `total` bytes.
pub(crate) fn low_watermark_bytes(total: f64) -> f64 {
    total * 0.01
}

impl ScenarioParams {
    /// Number of output points per series (before gaps).
    pub fn points(&self) -> usize {
        if self.step_s <= 0 || self.duration_s < 0 {
            return 0;
        }
        (self.duration_s / self.step_s) as usize + 1
    }
}

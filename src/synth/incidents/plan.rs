//! The physical plan of one labelled case: the window and how it was scraped, the machine
//! and container, the Node.js process and its builds (code versions), what grows and
//! how, the load cycle and the noise. `classes.rs` draws a plan per class; `sim.rs` turns
//! it into exporter samples.

use super::load::Cycle;
use serde::Serialize;

pub(crate) const MIB: f64 = 1024.0 * 1024.0;
pub(crate) const GIB: f64 = 1024.0 * MIB;
pub(crate) const HOUR_S: f64 = 3600.0;

/// What runs in the container and which exporters see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Runtime {
    /// A Node.js app scraped with prom-client's default metrics, run by pm2 inside the
    /// container (`pm2-runtime`) or as the container's own process.
    Node { pm2: bool },
    /// A container whose own metrics nobody scrapes: cAdvisor and node-exporter only.
    Container,
}

impl Runtime {
    pub fn scrapes_app(self) -> bool {
        matches!(self, Runtime::Node { .. })
    }

    pub fn pm2(self) -> bool {
        matches!(self, Runtime::Node { pm2: true })
    }
}

/// Where a shape's time starts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Clock {
    /// Process age: the shape starts again with every restart (a leak in the code).
    ProcessStart,
    /// Wall-clock: the shape starts at this Unix second (a feature flag, a new client).
    At(f64),
}

/// How one component of memory changes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "shape", rename_all = "snake_case")]
pub enum Shape {
    Flat,
    Linear {
        bytes_per_hour: f64,
        from: Clock,
    },
    /// `amplitude * (1 - exp(-elapsed / tau))`: a cache warming toward its capacity.
    Saturating {
        amplitude_bytes: f64,
        tau_h: f64,
        from: Clock,
    },
}

impl Shape {
    /// Bytes added at `t` (Unix seconds) by a process started at `started`.
    pub(crate) fn value(&self, started: f64, t: f64) -> f64 {
        let elapsed_h = |from: &Clock| {
            let origin = match from {
                Clock::ProcessStart => started,
                Clock::At(at) => *at,
            };
            ((t - origin) / HOUR_S).max(0.0)
        };
        match self {
            Shape::Flat => 0.0,
            Shape::Linear {
                bytes_per_hour,
                from,
            } => bytes_per_hour * elapsed_h(from),
            Shape::Saturating {
                amplitude_bytes,
                tau_h,
                from,
            } => amplitude_bytes * (1.0 - (-elapsed_h(from) / tau_h.max(1e-6)).exp()),
        }
    }

    pub(crate) fn is_flat(&self) -> bool {
        matches!(self, Shape::Flat)
    }
}

/// A code version: how its process's live old space and native memory grow.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Build {
    pub old_space: Shape,
    pub native: Shape,
}

impl Build {
    pub(crate) const FLAT: Build = Build {
        old_space: Shape::Flat,
        native: Shape::Flat,
    };
}

/// A deploy inside the window: a new process of the next build.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Deploy {
    /// Unix seconds.
    pub at: f64,
    /// `docker compose up` of a new image: a new container (cAdvisor series get a new
    /// `id` and `image`), a fresh cgroup page cache. Otherwise `pm2 reload` in the same one.
    pub new_container: bool,
}

/// The Node.js process and the container around it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Process {
    /// Live old-space bytes of a warmed-up process before any growth.
    pub old_live_bytes: f64,
    /// Share of the live set a fresh process still lacks, and how fast it fills.
    pub warm_share: f64,
    pub warm_tau_s: f64,
    /// Garbage promoted before a mark-compact, relative to the live bytes.
    pub garbage_ratio: f64,
    /// Mean seconds between mark-compacts at mean traffic.
    pub major_gc_period_s: f64,
    pub semi_space_bytes: f64,
    pub scavenge_period_s: f64,
    pub code_bytes: f64,
    pub map_bytes: f64,
    pub large_object_bytes: f64,
    pub external_bytes: f64,
    /// malloc memory outside the V8 heap (libuv, OpenSSL, ICU, arenas).
    pub native_bytes: f64,
    /// File-backed resident pages of the node binary and its libraries.
    pub binary_resident_bytes: f64,
    /// Relative standard deviation of RSS noise per scrape.
    pub rss_noise: f64,
    /// pm2's daemon inside the container (anonymous and mapped).
    pub pm2_anon_bytes: f64,
    pub pm2_mapped_bytes: f64,
    /// Kernel memory charged to the cgroup.
    pub kmem_bytes: f64,
}

/// Noise on the live set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Noise {
    /// AR(1) coefficient at the scrape interval.
    pub phi: f64,
    /// Marginal standard deviation, relative to the live set.
    pub sd_share: f64,
    /// Slow mean-reverting wander: time constant (hours) and sd relative to the live set.
    pub wander_tau_h: Option<f64>,
    pub wander_sd_share: f64,
}

/// Page cache charged to the container (files written and read in it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageCache {
    pub initial_bytes: f64,
    /// Growth of the cache over wall-clock time (the clock restarts with a new container).
    pub fill: Shape,
    /// Share of the cache on the inactive file list (outside the working set).
    pub inactive_fraction: f64,
}

/// The machine: node-exporter's view and what the container competes with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Machine {
    pub kernel: usize,
    pub cgroup_v2: bool,
    pub cpus: u32,
    pub mem_total_bytes: f64,
    /// Anonymous memory of everything else, relative to the total.
    pub other_anon_share: f64,
    pub other_cache_share: f64,
}

/// Everything one case is generated from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub service: String,
    pub runtime: Runtime,
    /// Window start, Unix seconds, a multiple of the step.
    pub start_s: i64,
    pub duration_s: i64,
    /// `query_range` step; equal to the scrape interval for raw samples.
    pub step_s: i64,
    pub scrape_interval_s: f64,
    /// `true`: `query_range` points on the step grid; `false`: raw scrape timestamps.
    pub aligned: bool,
    pub machine: Machine,
    /// Container memory limit (0: unlimited).
    pub limit_bytes: f64,
    /// pm2 `max_memory_restart`, bytes of RSS.
    pub pm2_restart_above: Option<f64>,
    /// Process age at the window start, seconds.
    pub age_at_start_s: f64,
    pub process: Process,
    /// `builds[0]` runs at the window start; `builds[i + 1]` from `deploys[i]` on.
    pub builds: Vec<Build>,
    pub deploys: Vec<Deploy>,
    pub cycle: Option<Cycle>,
    pub noise: Noise,
    pub cache: PageCache,
    /// Missing scrapes: offset from the window start and length, seconds.
    pub gap: Option<(i64, i64)>,
    pub nan_probability: f64,
    pub with_redis: bool,
    /// `false`: the target exports no memory series at all (a registry with only
    /// `process_start_time_seconds`, cAdvisor not scraped).
    pub exports_memory: bool,
}

impl Plan {
    pub(crate) fn end_s(&self) -> f64 {
        (self.start_s + self.duration_s) as f64
    }

    /// The build running at `t`.
    pub(crate) fn build_at(&self, t: f64) -> Build {
        let n = self.deploys.iter().filter(|d| d.at <= t).count();
        self.builds
            .get(n)
            .or(self.builds.last())
            .copied()
            .unwrap_or(Build::FLAT)
    }

    /// Live old-space bytes of a process started at `started`, at `t`, without load
    /// and noise.
    pub(crate) fn live_old(&self, started: f64, t: f64) -> f64 {
        let p = &self.process;
        let age = (t - started).max(0.0);
        let warm = 1.0 - p.warm_share * (-age / p.warm_tau_s.max(1.0)).exp();
        p.old_live_bytes * warm + self.build_at(t).old_space.value(started, t)
    }

    /// Native bytes of a process started at `started`, at `t`.
    pub(crate) fn native(&self, started: f64, t: f64) -> f64 {
        let p = &self.process;
        let age = (t - started).max(0.0);
        let warm = 1.0 - 0.5 * p.warm_share * (-age / p.warm_tau_s.max(1.0)).exp();
        p.native_bytes * warm + self.build_at(t).native.value(started, t)
    }

    /// V8's committed old space for a live set: room for the garbage between two
    /// mark-compacts, in 256 KiB pages.
    pub(crate) fn old_committed(&self, live: f64) -> f64 {
        let page = 256.0 * 1024.0;
        (live * (1.0 + 1.3 * self.process.garbage_ratio) * 1.03 / page).ceil() * page
    }

    /// Process RSS without noise or sawtooth: the heap V8 commits for the live set, external
    /// and native memory, the binary's resident pages.
    pub(crate) fn rss_clean(&self, started: f64, t: f64) -> f64 {
        let p = &self.process;
        let live = self.live_old(started, t);
        let heap_total = self.old_committed(live)
            + 2.0 * p.semi_space_bytes
            + p.code_bytes * 1.15
            + p.map_bytes * 1.1
            + p.large_object_bytes * 1.1;
        heap_total + p.external_bytes * 1.08 + self.native(started, t) + p.binary_resident_bytes
    }

    /// What the OOM killer counts against the limit (anonymous memory, kernel memory,
    /// mapped files), without noise or sawtooth: what a projection extrapolates.
    pub(crate) fn charged_clean(&self, started: f64, t: f64) -> f64 {
        let p = &self.process;
        let pm2 = if self.runtime.pm2() {
            p.pm2_anon_bytes + p.pm2_mapped_bytes
        } else {
            0.0
        };
        self.rss_clean(started, t) + pm2 + p.kmem_bytes
    }
}

//! Drawing scenario parameters at random from the ranges documented in
//! `fixtures/README.md`: the same (kind, seed) always gives the same parameters.

use super::ScenarioKind;
use super::params::{
    CacheParams, DEFAULT_START_UNIX_S, Gap, HeapGrowth, HostParams, ProcessParams, ScenarioParams,
};
use crate::verdict::Verdict;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

const MIB: f64 = 1024.0 * 1024.0;
const GIB: f64 = 1024.0 * MIB;

/// Draws a value uniformly from `[lo, hi)`.
pub(crate) fn uniform(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f64 {
    if hi <= lo {
        return lo;
    }
    rng.random_range(lo..hi)
}

pub(crate) fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    let i = rng.random_range(0..items.len().max(1));
    &items[i.min(items.len().saturating_sub(1))]
}

/// Kernel releases and `uname -v` strings the hosts are drawn from (Ubuntu LTS kernels).
pub(crate) const KERNELS: [(&str, &str, bool); 4] = [
    (
        "5.4.0-169-generic",
        "#187-Ubuntu SMP Thu Nov 23 14:52:28 UTC 2023",
        false,
    ),
    (
        "5.15.0-91-generic",
        "#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023",
        true,
    ),
    (
        "6.5.0-14-generic",
        "#14~22.04.1-Ubuntu SMP PREEMPT_DYNAMIC Mon Nov 20 18:15:30 UTC 2",
        true,
    ),
    (
        "6.8.0-49-generic",
        "#49-Ubuntu SMP PREEMPT_DYNAMIC Mon Nov  4 02:06:24 UTC 2024",
        true,
    ),
];

impl ScenarioParams {
    /// Draws varied parameters of one scenario kind from the documented ranges
    /// (fixtures/README.md). The same `(kind, seed)` always gives the same parameters.
    pub fn random(kind: ScenarioKind, seed: u64) -> ScenarioParams {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(0x7061_7261_6d73); // "params"
        let step_s: i64 = *pick(&mut rng, &[60, 120, 300, 300, 300]);
        let days = uniform(&mut rng, 5.0, 10.0);
        let mut duration_s = ((days * 86_400.0) as i64 / step_s) * step_s;
        let mut step = step_s;
        if kind == ScenarioKind::InsufficientData {
            step = *pick(&mut rng, &[60, 120, 300]);
            duration_s = (uniform(&mut rng, 15.0, 45.0) * 60.0) as i64 / step * step;
        }
        let start_days = rng.random_range(0..60_i64);
        let start_unix_s = (DEFAULT_START_UNIX_S + start_days * 86_400) / step * step;
        let n_hosts = match kind {
            ScenarioKind::NativeGrowth | ScenarioKind::OtlTwoHosts => 2,
            ScenarioKind::InsufficientData => 1,
            _ => rng.random_range(1..=3),
        };
        let mut hosts = Vec::with_capacity(n_hosts);
        for i in 0..n_hosts {
            hosts.push(draw_host(&mut rng, kind, i, duration_s as f64 / 3600.0));
        }
        let gap = if kind == ScenarioKind::InsufficientData {
            None
        } else {
            let len = (uniform(&mut rng, 30.0, 90.0) * 60.0) as i64;
            let offset = (uniform(&mut rng, 0.15, 0.85) * duration_s as f64) as i64;
            Some(Gap {
                host: rng.random_range(0..n_hosts),
                offset_s: offset,
                duration_s: len,
            })
        };
        let mut app_labels = BTreeMap::new();
        if rng.random_bool(0.5) {
            app_labels.insert("app".to_string(), "otl-server".to_string());
        }
        ScenarioParams {
            kind,
            seed,
            app_labels,
            start_unix_s,
            duration_s,
            step_s: step,
            scrape_interval_s: *pick(&mut rng, &[15.0, 15.0, 30.0]),
            aligned_timestamps: true,
            service: "otl-api".to_string(),
            hosts,
            gap,
            nan_probability: 0.0002,
            with_redis: kind == ScenarioKind::OtlTwoHosts,
        }
    }
}

/// Draws one host for a scenario. Index 0 and 1 matter for the two-host scenarios.
fn draw_host(rng: &mut ChaCha8Rng, kind: ScenarioKind, index: usize, window_h: f64) -> HostParams {
    let ip = format!("10.0.0.{}", 5 + index);
    let (kernel, kernel_version, cgroup_v2) = *pick(rng, &KERNELS);
    let mem_total = *pick(rng, &[8.0, 16.0, 16.0, 32.0, 64.0]) * GIB;
    // A roomy host: other workloads use 20-50% of memory.
    let other_anon = mem_total * uniform(rng, 0.2, 0.5);
    let old_live = uniform(rng, 60.0, 160.0) * MIB;
    let process = ProcessParams {
        age_at_start_h: uniform(rng, 6.0, 96.0),
        old_live_bytes: old_live,
        heap_growth: HeapGrowth::Flat,
        promotion_bytes_per_s: uniform(rng, 8.0, 40.0) * 1024.0,
        major_gc_garbage_ratio: uniform(rng, 0.3, 0.8),
        semi_space_bytes: *pick(rng, &[8.0, 16.0, 16.0, 32.0]) * MIB,
        minor_gc_period_s: uniform(rng, 60.0, 300.0),
        external_bytes: uniform(rng, 2.0, 24.0) * MIB,
        native_bytes: uniform(rng, 30.0, 80.0) * MIB,
        native_bytes_per_hour: 0.0,
        binary_resident_bytes: uniform(rng, 38.0, 52.0) * MIB,
        rss_noise: uniform(rng, 0.002, 0.01),
        restart_above_rss_bytes: None,
        deploy_at_h: None,
    };
    let cache = CacheParams {
        initial_bytes: uniform(rng, 5.0, 120.0) * MIB,
        fill_bytes_per_hour: 0.0,
        inactive_fraction: uniform(rng, 0.7, 0.95),
    };
    let mut host = HostParams {
        ip,
        nodename: format!("otl-prod-{}", index + 1),
        kernel: kernel.to_string(),
        kernel_version: kernel_version.to_string(),
        cgroup_v2,
        cpus: *pick(rng, &[2, 4, 4, 8, 16]),
        mem_total_bytes: mem_total,
        other_anon_bytes: other_anon,
        cache_room_bytes: None,
        other_anon_daily_swing: uniform(rng, 0.02, 0.1),
        other_cache_bytes: mem_total * uniform(rng, 0.05, 0.2),
        cgroup_limit_bytes: if rng.random_bool(0.5) {
            *pick(rng, &[2.0, 3.0, 4.0]) * GIB
        } else {
            0.0
        },
        process,
        cache,
        expected: Verdict::Stable,
    };
    shape_host(rng, kind, index, window_h, &mut host);
    host
}

/// Applies what the scenario is about to a drawn host, and records the verdict it deserves.
fn shape_host(
    rng: &mut ChaCha8Rng,
    kind: ScenarioKind,
    index: usize,
    window_h: f64,
    host: &mut HostParams,
) {
    let p = &mut host.process;
    match kind {
        ScenarioKind::Stable => {
            if rng.random_bool(0.5) {
                p.deploy_at_h = Some(uniform(rng, 12.0, 100.0));
            }
            host.expected = Verdict::Stable;
        }
        ScenarioKind::Leak => {
            p.heap_growth = HeapGrowth::Linear {
                bytes_per_hour: uniform(rng, 0.8, 4.0) * MIB,
            };
            host.cgroup_limit_bytes = 0.0;
            host.expected = Verdict::Leak;
        }
        ScenarioKind::RestartMaskedLeak => {
            let rate = uniform(rng, 4.0, 12.0) * MIB;
            p.heap_growth = HeapGrowth::Linear {
                bytes_per_hour: rate,
            };
            // pm2's max_memory_restart, or a container limit that the OOM killer
            // enforces, set so that a restart comes every 6-18 hours.
            let by_oom_killer = rng.random_bool(0.5);
            let hours = uniform(rng, 6.0, 18.0);
            p.age_at_start_h = uniform(rng, 0.0, hours * 0.8);
            // V8 commits old space in proportion to its live bytes, so RSS grows faster
            // than the live bytes themselves.
            let committed = (1.0 + 1.3 * p.major_gc_garbage_ratio) * 1.03;
            let base_rss = p.old_live_bytes * committed
                + 2.0 * p.semi_space_bytes
                + 12.0 * MIB
                + p.external_bytes
                + p.native_bytes
                + p.binary_resident_bytes;
            let threshold = base_rss + rate * committed * hours;
            if by_oom_killer {
                // The container also holds pm2's daemon, mapped files and kernel memory.
                p.restart_above_rss_bytes = None;
                host.cgroup_limit_bytes = ((threshold + 96.0 * MIB) / MIB).round() * MIB;
            } else {
                p.restart_above_rss_bytes = Some((threshold / MIB).round() * MIB);
                host.cgroup_limit_bytes = 0.0;
            }
            host.expected = Verdict::RestartMaskedLeak;
        }
        ScenarioKind::NativeGrowth => {
            p.age_at_start_h = uniform(rng, 1.0, 12.0);
            // glibc creates up to 8 arenas per CPU; fragmentation grows with their number.
            if index == 0 {
                host.cpus = *pick(rng, &[2, 4]);
                host.expected = Verdict::Stable;
            } else {
                host.cpus = *pick(rng, &[24, 32, 48, 64]);
                p.native_bytes_per_hour = uniform(rng, 0.1, 0.3) * MIB * host.cpus as f64;
                host.expected = Verdict::NativeGrowth;
            }
            host.cgroup_limit_bytes = 0.0;
        }
        ScenarioKind::CacheGrowth => {
            host.mem_total_bytes = *pick(rng, &[32.0, 64.0]) * GIB;
            host.other_anon_bytes = host.mem_total_bytes * uniform(rng, 0.1, 0.3);
            host.cache.fill_bytes_per_hour = uniform(rng, 6.0, 40.0) * MIB;
            host.cgroup_limit_bytes = 0.0;
            host.expected = Verdict::CacheGrowth;
        }
        ScenarioKind::Plateau => {
            p.age_at_start_h = uniform(rng, 0.1, 1.0);
            // Saturation within the window: tau between a thirtieth and a tenth of it.
            p.heap_growth = HeapGrowth::Saturating {
                amplitude_bytes: uniform(rng, 120.0, 300.0) * MIB,
                tau_h: uniform(rng, window_h / 30.0, window_h / 10.0),
            };
            host.expected = Verdict::Plateau;
        }
        ScenarioKind::InsufficientData => {
            p.heap_growth = HeapGrowth::Linear {
                bytes_per_hour: uniform(rng, 1.0, 4.0) * MIB,
            };
            host.expected = Verdict::InsufficientData;
        }
        ScenarioKind::OtlTwoHosts => shape_otl_host(rng, index, host),
    }
}

/// The seed's case: page cache climbs on a roomy host with an older kernel and cgroup v1,
/// and is reclaimed on a host under memory pressure with a newer kernel and cgroup v2.
fn shape_otl_host(rng: &mut ChaCha8Rng, index: usize, host: &mut HostParams) {
    // pm2 writes its log files inside the container: page cache on both hosts.
    host.cache.fill_bytes_per_hour = uniform(rng, 8.0, 30.0) * MIB;
    host.cgroup_limit_bytes = 0.0;
    host.process.restart_above_rss_bytes = None;
    host.process.deploy_at_h = None;
    if index == 0 {
        let (k, v, _) = KERNELS[0];
        host.kernel = k.to_string();
        host.kernel_version = v.to_string();
        host.cgroup_v2 = false;
        host.cpus = *pick(rng, &[8, 16]);
        host.mem_total_bytes = *pick(rng, &[32.0, 64.0]) * GIB;
        host.other_anon_bytes = host.mem_total_bytes * uniform(rng, 0.15, 0.3);
        host.expected = Verdict::CacheGrowth;
    } else {
        let (k, v, _) = KERNELS[1];
        host.kernel = k.to_string();
        host.kernel_version = v.to_string();
        host.cgroup_v2 = true;
        host.cpus = *pick(rng, &[2, 4]);
        host.mem_total_bytes = *pick(rng, &[4.0, 8.0]) * GIB;
        host.other_cache_bytes = host.mem_total_bytes * uniform(rng, 0.03, 0.06);
        host.other_anon_daily_swing = uniform(rng, 0.005, 0.015);
        // Other workloads leave room for only 30-80 MiB of this container's page cache
        // (on average over the day): the simulation sizes their memory accordingly.
        let room = uniform(rng, 30.0, 80.0) * MIB;
        host.cache_room_bytes = Some(room);
        host.other_anon_bytes = 0.0;
        host.cache.initial_bytes = room;
        host.expected = Verdict::Stable;
    }
}

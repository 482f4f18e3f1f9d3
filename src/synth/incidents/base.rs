//! What every class draws the same way: how the window was scraped and queried, the
//! machine, the Node.js process and its container, background noise and page cache, and
//! a roomy limit. Classes (`classes.rs`) then plant what they are about.

use super::load::Cycle;
use super::plan::{
    Build, GIB, HOUR_S, MIB, Machine, Noise, PageCache, Plan, Process, Runtime, Shape,
};
use crate::prom::{AUTO_STEP_POINTS, auto_step};
use crate::synth::DEFAULT_START_UNIX_S;
use crate::synth::draw::KERNELS;
use crate::synth::draw::{pick, uniform};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Scrape intervals seen in practice (Prometheus' default is 1 m, most setups use 15-30 s).
const SCRAPE_INTERVALS_S: [f64; 6] = [10.0, 15.0, 15.0, 30.0, 30.0, 60.0];

/// Most points per series for which a user would query at the scrape interval.
const MAX_RAW_POINTS: f64 = 20_000.0;

/// Container limits people set (Kubernetes `resources.limits.memory`, compose `mem_limit`).
pub(crate) const LIMITS_MIB: [f64; 9] = [
    512.0, 768.0, 1024.0, 1536.0, 2048.0, 3072.0, 4096.0, 6144.0, 8192.0,
];

/// A value drawn log-uniformly from `[lo, hi)`: scales (sizes, periods) span decades.
pub(crate) fn log_uniform(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f64 {
    uniform(rng, lo.ln(), hi.ln()).exp()
}

/// A plan of `duration_s` with everything drawn but the class's own shape: flat builds,
/// no deploy, no cycle, short-memory noise, no limit.
pub(crate) fn base_plan(rng: &mut ChaCha8Rng, duration_s: f64, runtime: Runtime) -> Plan {
    let scrape = *pick(rng, &SCRAPE_INTERVALS_S);
    let raw_points = duration_s / scrape;
    // How the series were read: a `query_range` at the step the CLI picks, at the scrape
    // interval (`--step`), or raw samples (an export of the TSDB).
    let mode = rng.random_range(0..20);
    let (step_s, aligned) = if raw_points <= MAX_RAW_POINTS && mode < 3 {
        (scrape as i64, false)
    } else if raw_points <= MAX_RAW_POINTS && mode < 8 {
        (scrape as i64, true)
    } else {
        (auto_step(duration_s, scrape, AUTO_STEP_POINTS), true)
    };
    let duration = (duration_s as i64 / step_s).max(1) * step_s;
    let start = DEFAULT_START_UNIX_S
        + rng.random_range(0..60_i64) * 86_400
        + rng.random_range(0..24_i64) * 3600;
    let start_s = start / step_s * step_s;
    let kernel = rng.random_range(0..KERNELS.len());
    let machine = Machine {
        kernel,
        cgroup_v2: KERNELS[kernel].2,
        cpus: *pick(rng, &[2, 4, 4, 8, 16]),
        mem_total_bytes: *pick(rng, &[8.0, 16.0, 16.0, 32.0, 64.0]) * GIB,
        other_anon_share: uniform(rng, 0.2, 0.5),
        other_cache_share: uniform(rng, 0.05, 0.2),
    };
    let cgroup_v2 = machine.cgroup_v2;
    let process = Process {
        old_live_bytes: log_uniform(rng, 40.0, 400.0) * MIB,
        warm_share: uniform(rng, 0.15, 0.5),
        warm_tau_s: log_uniform(rng, 2.0, 60.0) * 60.0,
        garbage_ratio: uniform(rng, 0.3, 0.8),
        major_gc_period_s: log_uniform(rng, 2.0, 90.0) * 60.0,
        semi_space_bytes: *pick(rng, &[8.0, 16.0, 16.0, 32.0]) * MIB,
        scavenge_period_s: log_uniform(rng, 2.0, 60.0),
        code_bytes: uniform(rng, 3.0, 8.0) * MIB,
        map_bytes: uniform(rng, 1.0, 3.0) * MIB,
        large_object_bytes: log_uniform(rng, 1.0, 20.0) * MIB,
        external_bytes: log_uniform(rng, 1.0, 64.0) * MIB,
        native_bytes: uniform(rng, 30.0, 150.0) * MIB,
        binary_resident_bytes: uniform(rng, 38.0, 52.0) * MIB,
        rss_noise: uniform(rng, 0.001, 0.006),
        pm2_anon_bytes: uniform(rng, 35.0, 60.0) * MIB,
        pm2_mapped_bytes: uniform(rng, 10.0, 18.0) * MIB,
        kmem_bytes: if cgroup_v2 {
            uniform(rng, 6.0, 20.0)
        } else {
            uniform(rng, 1.0, 4.0)
        } * MIB,
    };
    let noise = Noise {
        phi: uniform(rng, 0.0, 0.99),
        sd_share: log_uniform(rng, 0.003, 0.03),
        wander_tau_h: None,
        wander_sd_share: 0.0,
    };
    // Most containers hold a little page cache that barely moves; some read or write a
    // few files early on (a config, a template cache, a log that rotates).
    let fill = if rng.random_bool(0.3) {
        Shape::Saturating {
            amplitude_bytes: uniform(rng, 1.0, 16.0) * MIB,
            tau_h: uniform(rng, 1.0, 24.0),
            from: super::plan::Clock::ProcessStart,
        }
    } else {
        Shape::Flat
    };
    let cache = PageCache {
        initial_bytes: uniform(rng, 5.0, 120.0) * MIB,
        fill,
        inactive_fraction: uniform(rng, 0.6, 0.95),
    };
    let gap = (duration_s > 6.0 * HOUR_S && rng.random_bool(0.2)).then(|| {
        let len = uniform(rng, 10.0, 90.0) * 60.0;
        let offset = uniform(rng, 0.1, 0.9) * duration_s;
        (offset as i64, len as i64)
    });
    Plan {
        service: pick(rng, &["otl-api", "checkout", "timetable-api", "auth"]).to_string(),
        runtime,
        start_s,
        duration_s: duration,
        step_s,
        scrape_interval_s: scrape,
        aligned,
        machine,
        limit_bytes: 0.0,
        pm2_restart_above: None,
        age_at_start_s: log_uniform(rng, 2.0, 14.0 * 24.0) * HOUR_S,
        process,
        builds: vec![Build::FLAT],
        deploys: Vec::new(),
        cycle: None,
        noise,
        cache,
        gap,
        nan_probability: if rng.random_bool(0.1) { 0.0005 } else { 0.0 },
        with_redis: rng.random_bool(0.2),
        exports_memory: true,
    }
}

/// Node with prom-client (pm2 or not) in `node_share` of draws, else a bare container.
pub(crate) fn runtime(rng: &mut ChaCha8Rng, node_share: f64) -> Runtime {
    if rng.random_bool(node_share) {
        Runtime::Node {
            pm2: rng.random_bool(0.5),
        }
    } else {
        Runtime::Container
    }
}

/// With probability `p`, the smallest usual limit that leaves at least `margin` times
/// the memory the plan charges at the window's end (and its page cache) free.
pub(crate) fn roomy_limit(rng: &mut ChaCha8Rng, plan: &Plan, p: f64, margin: f64) -> f64 {
    if !rng.random_bool(p) {
        return 0.0;
    }
    let end = plan.end_s();
    let started = plan
        .deploys
        .last()
        .map_or(plan.start_s as f64 - plan.age_at_start_s, |d| d.at);
    let charged = plan.charged_clean(started, end)
        + plan.cache.initial_bytes
        + plan.cache.fill.value(plan.start_s as f64, end);
    let needed = charged * margin / MIB;
    LIMITS_MIB
        .iter()
        .copied()
        .find(|l| *l >= needed)
        .map_or(0.0, |l| l * MIB)
}

/// A load cycle: daily traffic peaks (business hours in the service's time zone), with
/// quieter weekends when `weekly`.
pub(crate) fn cycle(rng: &mut ChaCha8Rng, amplitude: f64, weekly: bool) -> Cycle {
    let utc_offset_h = *pick(rng, &[9.0, 9.0, 1.0, 0.0, -5.0, -8.0]);
    let local_peak = uniform(rng, 10.0, 16.0);
    Cycle {
        amplitude,
        peak_hour_utc: (local_peak - utc_offset_h).rem_euclid(24.0),
        sharpness: uniform(rng, 0.5, 2.0),
        utc_offset_h,
        weekend_factor: if weekly {
            uniform(rng, 0.3, 0.7)
        } else {
            uniform(rng, 0.95, 1.0)
        },
    }
}

//! The Node.js process over time: V8 spaces with scavenges and mark-compact cycles,
//! heap growth by process age, off-heap memory and the resulting RSS.

use super::params::{HeapGrowth, HostParams};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

pub(crate) const MIB: f64 = 1024.0 * 1024.0;
/// V8 commits old space in 256 KiB pages.
const V8_PAGE: f64 = 256.0 * 1024.0;
pub(crate) const OS_PAGE: f64 = 4096.0;

/// The V8 spaces reported as `nodejs_heap_space_size_used_bytes{space=...}`.
pub const SPACES: [&str; 5] = ["new", "old", "code", "map", "large_object"];

/// The app's view (prom-client) at one sample.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct AppSample {
    pub heap_used: f64,
    pub heap_total: f64,
    /// Used bytes per space, in `SPACES` order.
    pub spaces: [f64; 5],
    pub external: f64,
    pub rss: f64,
    pub start_time_s: f64,
}

pub(crate) fn normal(rng: &mut ChaCha8Rng) -> f64 {
    StandardNormal.sample(rng)
}

fn ceil_to(v: f64, unit: f64) -> f64 {
    (v / unit).ceil() * unit
}

pub(crate) fn round_to(v: f64, unit: f64) -> f64 {
    (v / unit).round() * unit
}

/// Mark-compact schedule and the state of the current process lifetime.
pub(crate) struct Process {
    /// Unix seconds the current process started.
    pub(crate) started: f64,
    last_major: f64,
    next_major: f64,
    scavenge_phase: f64,
}

impl Process {
    pub(crate) fn new(rng: &mut ChaCha8Rng, started: f64) -> Self {
        Process {
            started,
            last_major: started,
            next_major: started,
            scavenge_phase: rng.random::<f64>(),
        }
    }
}

/// Live old-space bytes at a process age.
fn live_old(h: &HostParams, age_s: f64) -> f64 {
    let p = &h.process;
    let age_h = age_s.max(0.0) / 3600.0;
    // A fresh process loads its modules and caches over its first half hour.
    let warm = 1.0 - 0.4 * (-age_s.max(0.0) / 1800.0).exp();
    let base = p.old_live_bytes * warm;
    match p.heap_growth {
        HeapGrowth::Flat => base,
        HeapGrowth::Linear { bytes_per_hour } => base + bytes_per_hour * age_h,
        HeapGrowth::Saturating {
            amplitude_bytes,
            tau_h,
        } => base + amplitude_bytes * (1.0 - (-age_h / tau_h.max(1e-3)).exp()),
    }
}

/// The V8 heap and process RSS at `eval`, advancing the mark-compact schedule.
pub(crate) fn app_sample(
    h: &HostParams,
    proc: &mut Process,
    rng: &mut ChaCha8Rng,
    eval: f64,
    code_max: f64,
    map_max: f64,
    large_object: f64,
) -> AppSample {
    let p = &h.process;
    let promo = p.promotion_bytes_per_s.max(1.0);
    // Mark-compact runs when the garbage promoted since the last one reaches a share of
    // the live bytes; the exact moment varies with allocation bursts.
    while proc.next_major <= eval {
        proc.last_major = proc.next_major;
        let live = live_old(h, proc.last_major - proc.started);
        let period = p.major_gc_garbage_ratio * live / promo;
        proc.next_major = proc.last_major + period.max(60.0) * rng.random_range(0.7..1.3);
    }
    let age = eval - proc.started;
    let live = live_old(h, age);
    let garbage = promo * (eval - proc.last_major) * (1.0 + 0.05 * normal(rng)).max(0.5);
    let old_used = round_to(live + garbage.max(0.0), 8.0);
    let live_at_major = live_old(h, proc.last_major - proc.started);
    let old_size = ceil_to(
        (live_at_major * (1.0 + 1.3 * p.major_gc_garbage_ratio)).max(old_used) * 1.03,
        V8_PAGE,
    );

    let scavenges = age / p.minor_gc_period_s.max(1.0) + proc.scavenge_phase;
    let new_used = round_to(
        0.3 * MIB + (p.semi_space_bytes - 0.3 * MIB) * scavenges.fract(),
        8.0,
    );
    let new_size = 2.0 * p.semi_space_bytes;
    let warm = 1.0 - (-age.max(0.0) / 1800.0).exp();
    let code_used = round_to(code_max * (0.4 + 0.6 * warm), 8.0);
    let code_size = ceil_to(code_used * 1.15, V8_PAGE);
    let map_used = round_to(map_max * (0.5 + 0.5 * warm), 8.0);
    let map_size = ceil_to(map_used * 1.1, V8_PAGE);
    let lo_used = round_to(large_object * (1.0 + 0.3 * normal(rng).abs()), 8.0);
    let lo_size = ceil_to(lo_used, OS_PAGE);

    let spaces = [new_used, old_used, code_used, map_used, lo_used];
    let heap_used: f64 = spaces.iter().sum();
    let heap_total = new_size + old_size + code_size + map_size + lo_size;
    let external = round_to(p.external_bytes * (1.0 + 0.1 * normal(rng).abs()), 8.0);
    let native = p.native_bytes + p.native_bytes_per_hour * age.max(0.0) / 3600.0;
    let rss = round_to(
        (heap_total + external + native + p.binary_resident_bytes)
            * (1.0 + p.rss_noise * normal(rng)),
        OS_PAGE,
    );
    AppSample {
        heap_used,
        heap_total,
        spaces,
        external,
        rss,
        start_time_s: proc.started.round(),
    }
}

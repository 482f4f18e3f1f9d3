//! The memory physics of one host: a Node.js process (V8 spaces with scavenges and
//! mark-compact cycles, off-heap memory, restarts), its container's cgroup (anon, page
//! cache with reclaim, working set) and the host's memory, sampled on the output grid.

use super::params::{HeapGrowth, HostParams, ScenarioParams, kernel_bytes, low_watermark_bytes};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

const MIB: f64 = 1024.0 * 1024.0;
/// V8 commits old space in 256 KiB pages.
const V8_PAGE: f64 = 256.0 * 1024.0;
const OS_PAGE: f64 = 4096.0;

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

/// One cgroup's memory as cAdvisor reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CgroupSample {
    pub usage: f64,
    pub working_set: f64,
    pub rss: f64,
    pub cache: f64,
    pub mapped_file: f64,
    pub swap: f64,
}

/// node-exporter's memory view of the host at one sample.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostSample {
    pub mem_available: f64,
    pub cached: f64,
    /// Per-CPU idle seconds since boot.
    pub cpu_idle: Vec<f64>,
}

/// Everything one host's exporters show, sample by sample.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostTrace {
    /// The step grid, Unix ms: `query_range` timestamps.
    pub grid_ms: Vec<i64>,
    /// When each sample was scraped, Unix ms: always before its grid point, by the
    /// scrape phase and a few hundred ms of jitter, so a `query_range` at the grid point
    /// returns exactly this sample.
    pub scrape_ms: Vec<i64>,
    pub app: Vec<AppSample>,
    pub container: Vec<CgroupSample>,
    /// An unrelated container on the same host (Redis).
    pub neighbour: Vec<CgroupSample>,
    /// The root cgroup `/`: the whole machine.
    pub root: Vec<CgroupSample>,
    pub host: Vec<HostSample>,
    pub redis_used: Vec<f64>,
    pub redis_max: f64,
    /// Unix seconds of each restart inside the window.
    pub restarts: Vec<f64>,
    /// `container_oom_events_total` at each sample.
    pub oom_events: Vec<f64>,
    /// 64-hex container ids and machine identity, for labels.
    pub container_id: String,
    pub neighbour_id: String,
    pub machine_id: String,
    pub boot_id: String,
    pub system_uuid: String,
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    StandardNormal.sample(rng)
}

fn ceil_to(v: f64, unit: f64) -> f64 {
    (v / unit).ceil() * unit
}

fn round_to(v: f64, unit: f64) -> f64 {
    (v / unit).round() * unit
}

fn hex(rng: &mut ChaCha8Rng, digits: usize) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    (0..digits)
        .map(|_| HEX[rng.random_range(0..16usize)] as char)
        .collect()
}

fn uuid(rng: &mut ChaCha8Rng) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        hex(rng, 8),
        hex(rng, 4),
        hex(rng, 4),
        hex(rng, 4),
        hex(rng, 12)
    )
}

/// The random stream of one host (independent of every other host and stream).
pub(crate) fn host_rng(seed: u64, host: usize, purpose: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(purpose * 1_000 + host as u64 + 1);
    rng
}

/// Mark-compact schedule and the state of the current process lifetime.
struct Process {
    /// Unix seconds the current process started.
    started: f64,
    last_major: f64,
    next_major: f64,
    scavenge_phase: f64,
}

impl Process {
    fn new(rng: &mut ChaCha8Rng, started: f64) -> Self {
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

/// Simulates one host over the scenario window.
pub fn simulate_host(params: &ScenarioParams, index: usize) -> HostTrace {
    let Some(h) = params.hosts.get(index) else {
        return HostTrace::default();
    };
    let p = &h.process;
    let mut rng = host_rng(params.seed, index, 1);
    let mut ids = host_rng(params.seed, index, 2);
    let mut trace = HostTrace {
        container_id: hex(&mut ids, 64),
        neighbour_id: hex(&mut ids, 64),
        machine_id: hex(&mut ids, 32),
        boot_id: uuid(&mut ids),
        system_uuid: uuid(&mut ids),
        ..HostTrace::default()
    };

    // Constants of this host's process and machine that the parameters leave to chance.
    let code_max = rng.random_range(3.0..6.5) * MIB;
    let map_max = rng.random_range(1.0..2.6) * MIB;
    let large_object = rng.random_range(2.0..10.0) * MIB;
    let pm2_anon = rng.random_range(35.0..60.0) * MIB;
    let pm2_mapped = rng.random_range(10.0..18.0) * MIB;
    let kmem = if h.cgroup_v2 {
        rng.random_range(6.0..20.0) * MIB
    } else {
        rng.random_range(1.0..4.0) * MIB
    };
    let redis_level = rng.random_range(30.0..200.0) * MIB;
    trace.redis_max = if params.with_redis { 256.0 * MIB } else { 0.0 };
    let uptime_s = rng.random_range(3.0..60.0) * 86_400.0;
    let idle_frac: Vec<f64> = (0..h.cpus).map(|_| rng.random_range(0.85..0.97)).collect();
    // One scrape per step, always before its grid point and after the previous one.
    let interval = params.scrape_interval_s.min(params.step_s as f64).max(0.01);
    let scrape_phase = rng.random_range(0.0..interval);

    let start = params.start_unix_s as f64;
    let boot = start - uptime_s;
    let mut proc = Process::new(&mut rng, start - p.age_at_start_h * 3600.0);
    let mut deployed = false;
    let mut oom_kills = 0u32;
    let mut page_cache = h.cache.initial_bytes;
    let mut prev_eval = start - params.step_s as f64;
    let total = h.mem_total_bytes;

    for k in 0..params.points() {
        let grid = start + (k as i64 * params.step_s) as f64;
        let jitter = (0.1 * normal(&mut rng)).clamp(-0.4, 0.4);
        let lag = (scrape_phase + jitter).clamp(0.002, interval - 0.002);
        let eval = (grid - lag).max(prev_eval + 0.001);
        let dt_h = (eval - prev_eval) / 3600.0;

        // Deploys and pm2 restarts start a new process.
        if let Some(at_h) = p.deploy_at_h {
            let at = start + at_h * 3600.0;
            if !deployed && eval >= at {
                deployed = true;
                proc = Process::new(&mut rng, at);
                trace.restarts.push(at);
            }
        }
        // The container's anonymous memory: node's plus pm2's daemon.
        let mapped = round_to(p.binary_resident_bytes + pm2_mapped, OS_PAGE);
        let anon_of = |app: &AppSample, noise: f64| {
            round_to(
                app.rss - p.binary_resident_bytes + pm2_anon * (1.0 + 0.01 * noise),
                OS_PAGE,
            )
        };
        let mut app = app_sample(
            h,
            &mut proc,
            &mut rng,
            eval,
            code_max,
            map_max,
            large_object,
        );
        let mut anon = anon_of(&app, normal(&mut rng));
        // pm2's max_memory_restart, or the cgroup OOM killer once page cache cannot be
        // reclaimed any further; pm2 then starts node again inside the same container.
        let pm2_restart = p
            .restart_above_rss_bytes
            .is_some_and(|limit| app.rss > limit);
        let oom_kill =
            h.cgroup_limit_bytes > 0.0 && anon + kmem + mapped + 4.0 * MIB > h.cgroup_limit_bytes;
        if pm2_restart || oom_kill {
            let at = prev_eval + rng.random_range(0.0..1.0) * (eval - prev_eval);
            proc = Process::new(&mut rng, at);
            trace.restarts.push(at);
            if oom_kill {
                oom_kills += 1;
            }
            app = app_sample(
                h,
                &mut proc,
                &mut rng,
                eval,
                code_max,
                map_max,
                large_object,
            );
            anon = anon_of(&app, normal(&mut rng));
        }
        trace.oom_events.push(oom_kills as f64);

        let hour_of_day = (eval.rem_euclid(86_400.0)) / 3600.0;
        let load = (std::f64::consts::TAU * (hour_of_day - 9.0) / 24.0).sin();
        let other_anon =
            h.other_anon_bytes * (1.0 + h.other_anon_daily_swing * load + 0.002 * normal(&mut rng));
        let other_cache = h.other_cache_bytes * (1.0 + 0.01 * normal(&mut rng));
        let redis_used = if params.with_redis {
            redis_level * (1.0 + 0.02 * normal(&mut rng))
        } else {
            redis_level
        };
        let neighbour_rss = round_to(redis_used + 8.0 * MIB, OS_PAGE);
        let neighbour_cache = round_to(24.0 * MIB * (1.0 + 0.02 * normal(&mut rng)), OS_PAGE);
        let room = total
            - kernel_bytes(total)
            - low_watermark_bytes(total)
            - other_anon
            - other_cache
            - anon
            - kmem
            - mapped
            - neighbour_rss
            - neighbour_cache;
        page_cache += h.cache.fill_bytes_per_hour * dt_h;
        let floor = 4.0 * MIB;
        page_cache = page_cache.min(room.max(floor));
        if h.cgroup_limit_bytes > 0.0 {
            // The cgroup reclaims its own cache before it would exceed its limit.
            let cap = h.cgroup_limit_bytes - anon - kmem - mapped - 8.0 * MIB;
            page_cache = page_cache.min(cap.max(floor));
        }
        page_cache = page_cache.max(floor);
        let cache = round_to(
            mapped + page_cache * (1.0 + 0.003 * normal(&mut rng)),
            OS_PAGE,
        );
        let inactive = round_to(
            (cache - mapped).max(0.0) * h.cache.inactive_fraction,
            OS_PAGE,
        );
        let usage = anon + cache + round_to(kmem, OS_PAGE);
        let container = CgroupSample {
            usage,
            working_set: usage - inactive,
            rss: anon,
            cache,
            mapped_file: mapped,
            swap: 0.0,
        };
        let n_usage = neighbour_rss + neighbour_cache + OS_PAGE * 64.0;
        let neighbour = CgroupSample {
            usage: n_usage,
            working_set: n_usage - round_to(neighbour_cache * 0.8, OS_PAGE),
            rss: neighbour_rss,
            cache: neighbour_cache,
            mapped_file: round_to(4.0 * MIB, OS_PAGE),
            swap: 0.0,
        };

        // The host as node-exporter and the root cgroup see it.
        let anon_total = other_anon + anon + kmem + neighbour_rss;
        let cached_total = other_cache + cache + neighbour_cache;
        let kernel = kernel_bytes(total);
        let free = (total - kernel - anon_total - cached_total).max(0.0);
        let wmark = low_watermark_bytes(total);
        let available = (free + cached_total - (cached_total / 2.0).min(wmark)).clamp(0.0, total);
        let host = HostSample {
            mem_available: round_to(available, 1024.0),
            cached: round_to(cached_total, 1024.0),
            cpu_idle: idle_frac
                .iter()
                .map(|f| ((eval - boot) * f * 100.0).round() / 100.0)
                .collect(),
        };
        let root_usage = round_to(total - free - kernel * 0.5, OS_PAGE);
        let root_rss = round_to(anon_total, OS_PAGE);
        let root_cache = round_to(cached_total, OS_PAGE);
        let root = CgroupSample {
            usage: root_usage,
            working_set: root_usage - round_to(cached_total * 0.6, OS_PAGE),
            rss: root_rss,
            cache: root_cache,
            mapped_file: round_to(cached_total * 0.1, OS_PAGE),
            swap: 0.0,
        };

        trace.grid_ms.push((grid * 1000.0).round() as i64);
        trace
            .scrape_ms
            .push(((eval * 1000.0).floor() as i64).min((grid * 1000.0) as i64 - 1));
        trace.app.push(app);
        trace.container.push(container);
        trace.neighbour.push(neighbour);
        trace.root.push(root);
        trace.host.push(host);
        trace.redis_used.push(round_to(redis_used, 8.0));
        prev_eval = eval;
    }
    trace
        .restarts
        .retain(|t| *t >= start - params.step_s as f64);
    trace
}

/// The V8 heap and process RSS at `eval`, advancing the mark-compact schedule.
fn app_sample(
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

//! The memory physics of one host: its Node.js process (`v8.rs`), the container's cgroup
//! (anon, page cache with reclaim, working set, OOM kills) and the host's memory, sampled
//! on the output grid.

use super::params::{ScenarioParams, kernel_bytes, low_watermark_bytes};
use super::v8::{AppSample, MIB, OS_PAGE, Process, app_sample, normal, round_to};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

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
    /// cAdvisor's `container_start_time_seconds` of the service container at each
    /// sample; empty when the scenario does not simulate it (then it is not exported).
    pub container_started_s: Vec<f64>,
    /// `container_start_time_seconds` of the neighbour container.
    pub neighbour_started_s: f64,
    /// 64-hex container ids and machine identity, for labels.
    pub container_id: String,
    pub neighbour_id: String,
    pub machine_id: String,
    pub boot_id: String,
    pub system_uuid: String,
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

/// What a cgroup holds besides page cache: anonymous memory, kernel memory, mapped files.
pub(crate) struct Charged {
    pub anon: f64,
    pub kmem: f64,
    pub mapped: f64,
}

/// The service container at one sample. Its page cache (carried in `page_cache`) is
/// held within the host's free `room` and reclaimed before the cgroup would exceed its
/// `limit` (0: none); usage and working set follow.
pub(crate) fn container_sample(
    rng: &mut ChaCha8Rng,
    page_cache: &mut f64,
    room: f64,
    limit: f64,
    c: Charged,
    inactive_fraction: f64,
) -> CgroupSample {
    let floor = 4.0 * MIB;
    *page_cache = page_cache.min(room.max(floor));
    if limit > 0.0 {
        // The cgroup reclaims its own cache before it would exceed its limit.
        let cap = limit - c.anon - c.kmem - c.mapped - 8.0 * MIB;
        *page_cache = page_cache.min(cap.max(floor));
    }
    *page_cache = page_cache.max(floor);
    let cache = round_to(
        c.mapped + *page_cache * (1.0 + 0.003 * normal(rng)),
        OS_PAGE,
    );
    let inactive = round_to((cache - c.mapped).max(0.0) * inactive_fraction, OS_PAGE);
    let usage = c.anon + cache + round_to(c.kmem, OS_PAGE);
    CgroupSample {
        usage,
        working_set: usage - inactive,
        rss: c.anon,
        cache,
        mapped_file: c.mapped,
        swap: 0.0,
    }
}

/// The rest of the machine at one sample: the Redis container beside the service, the
/// root cgroup `/` and node-exporter's memory and CPU counters.
pub(crate) struct MachineView {
    pub neighbour: CgroupSample,
    pub root: CgroupSample,
    pub host: HostSample,
}

/// The machine's view from its totals: `anon_total` and `cached_total` are the anonymous
/// memory and page cache of everything on it (the Redis container's included), `idle`
/// the idle share of each CPU, `since_boot_s` the machine's uptime.
pub(crate) fn machine_view(
    total: f64,
    anon_total: f64,
    cached_total: f64,
    neighbour_rss: f64,
    neighbour_cache: f64,
    idle: &[f64],
    since_boot_s: f64,
) -> MachineView {
    let n_usage = neighbour_rss + neighbour_cache + OS_PAGE * 64.0;
    let neighbour = CgroupSample {
        usage: n_usage,
        working_set: n_usage - round_to(neighbour_cache * 0.8, OS_PAGE),
        rss: neighbour_rss,
        cache: neighbour_cache,
        mapped_file: round_to(4.0 * MIB, OS_PAGE),
        swap: 0.0,
    };
    let kernel = kernel_bytes(total);
    let free = (total - kernel - anon_total - cached_total).max(0.0);
    let wmark = low_watermark_bytes(total);
    let available = (free + cached_total - (cached_total / 2.0).min(wmark)).clamp(0.0, total);
    let host = HostSample {
        mem_available: round_to(available, 1024.0),
        cached: round_to(cached_total, 1024.0),
        cpu_idle: idle
            .iter()
            .map(|f| (since_boot_s * f * 100.0).round() / 100.0)
            .collect(),
    };
    let root_usage = round_to(total - free - kernel * 0.5, OS_PAGE);
    let root = CgroupSample {
        usage: root_usage,
        working_set: root_usage - round_to(cached_total * 0.6, OS_PAGE),
        rss: round_to(anon_total, OS_PAGE),
        cache: round_to(cached_total, OS_PAGE),
        mapped_file: round_to(cached_total * 0.1, OS_PAGE),
        swap: 0.0,
    };
    MachineView {
        neighbour,
        root,
        host,
    }
}

/// The random stream of one host (independent of every other host and stream).
pub(crate) fn host_rng(seed: u64, host: usize, purpose: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(purpose * 1_000 + host as u64 + 1);
    rng
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
    let mut others_mean: Option<f64> = None;
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
        let other_cache = h.other_cache_bytes * (1.0 + 0.01 * normal(&mut rng));
        let redis_used = if params.with_redis {
            redis_level * (1.0 + 0.02 * normal(&mut rng))
        } else {
            redis_level
        };
        let neighbour_rss = round_to(redis_used + 8.0 * MIB, OS_PAGE);
        let neighbour_cache = round_to(24.0 * MIB * (1.0 + 0.02 * normal(&mut rng)), OS_PAGE);
        // Everything but the other workloads' anonymous memory.
        let used_without_others = kernel_bytes(total)
            + low_watermark_bytes(total)
            + other_cache
            + anon
            + kmem
            + mapped
            + neighbour_rss
            + neighbour_cache;
        let others_mean = *others_mean.get_or_insert_with(|| match h.cache_room_bytes {
            Some(room) => (total - used_without_others - room).max(0.0),
            None => h.other_anon_bytes,
        });
        let other_anon =
            others_mean * (1.0 + h.other_anon_daily_swing * load + 0.002 * normal(&mut rng));
        let room = total - used_without_others - other_anon;
        page_cache += h.cache.fill_bytes_per_hour * dt_h;
        let container = container_sample(
            &mut rng,
            &mut page_cache,
            room,
            h.cgroup_limit_bytes,
            Charged { anon, kmem, mapped },
            h.cache.inactive_fraction,
        );
        // The host as node-exporter and the root cgroup see it.
        let anon_total = other_anon + anon + kmem + neighbour_rss;
        let cached_total = other_cache + container.cache + neighbour_cache;
        let MachineView {
            neighbour,
            root,
            host,
        } = machine_view(
            total,
            anon_total,
            cached_total,
            neighbour_rss,
            neighbour_cache,
            &idle_frac,
            eval - boot,
        );

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

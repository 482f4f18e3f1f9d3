//! Simulates a [`Plan`] into what the exporters see, sample by sample: the V8 heap with
//! its mark-compact sawtooth (garbage promoted at a rate that follows traffic), process
//! RSS, the container's cgroup (anonymous memory, page cache filled by the workload and
//! reclaimed at the limit or under host pressure, working set, OOM kills) and the host.
//! Restarts (deploys, pm2's `max_memory_restart`, OOM kills) start a new process.

use super::load::Ar1;
use super::plan::{HOUR_S, MIB, Plan};
use crate::synth::physics::{Charged, MachineView, container_sample, host_rng, machine_view};
use crate::synth::v8::{OS_PAGE, normal, round_to};
use crate::synth::{AppSample, HostTrace};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// A trace and what happened in it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Simulated {
    pub trace: HostTrace,
    /// Unix seconds of every restart inside the window, in order.
    pub restarts: Vec<f64>,
    /// Restarts that were the cgroup OOM killer.
    pub oom_kills: usize,
    /// Unix ms of the first scrape of each new container (a deploy of a new image).
    pub new_container_ms: Vec<i64>,
}

/// The current process: its start and its mark-compact state.
struct ProcState {
    started: f64,
    last_eval: f64,
    garbage: f64,
    threshold: f64,
    live_at_major: f64,
    scavenge_phase: f64,
}

impl ProcState {
    fn new(plan: &Plan, rng: &mut ChaCha8Rng, started: f64) -> ProcState {
        let live = plan.live_old(started, started);
        ProcState {
            started,
            last_eval: started,
            garbage: rng.random_range(0.0..1.0) * plan.process.garbage_ratio * live,
            threshold: plan.process.garbage_ratio * live,
            live_at_major: live,
            scavenge_phase: rng.random::<f64>(),
        }
    }
}

fn ceil_to(v: f64, unit: f64) -> f64 {
    (v / unit).ceil() * unit
}

/// Load and noise at one sample, shared by the process and the host.
struct Moment {
    eval: f64,
    traffic: f64,
    /// Relative deviation of the live set from its plan (AR(1) noise plus wander).
    deviation: f64,
}

/// prom-client's view of the process at `m.eval`, advancing its GC schedule.
fn app_sample(plan: &Plan, st: &mut ProcState, rng: &mut ChaCha8Rng, m: &Moment) -> AppSample {
    let p = &plan.process;
    let age = (m.eval - st.started).max(0.0);
    let planned = plan.live_old(st.started, m.eval);
    let cycle = plan
        .cycle
        .as_ref()
        .map_or(0.0, |c| c.amplitude * p.old_live_bytes * m.traffic);
    let live = (planned * (1.0 + m.deviation) + cycle).max(0.3 * p.old_live_bytes);
    // Garbage is promoted faster under load; mark-compact runs when it reaches a share of
    // the live bytes (the exact moment varies with allocation bursts).
    let load = if plan.cycle.is_some() {
        0.4 + 1.2 * m.traffic
    } else {
        1.0
    };
    let promotion = p.garbage_ratio * p.old_live_bytes / p.major_gc_period_s.max(1.0) * load;
    st.garbage += promotion * (m.eval - st.last_eval).max(0.0);
    st.last_eval = m.eval;
    let mut cycles = 0;
    while st.garbage >= st.threshold && cycles < 100_000 {
        st.garbage -= st.threshold;
        st.live_at_major = live;
        st.threshold = p.garbage_ratio * live * rng.random_range(0.7..1.3);
        cycles += 1;
    }
    let old_used = round_to(live + st.garbage * (1.0 + 0.05 * normal(rng)).max(0.5), 8.0);
    let old_size = plan
        .old_committed(st.live_at_major)
        .max(ceil_to(old_used * 1.03, 256.0 * 1024.0));
    let scavenges = age / p.scavenge_period_s.max(1.0) + st.scavenge_phase;
    let new_used = round_to(
        0.3 * MIB + (p.semi_space_bytes - 0.3 * MIB) * scavenges.fract(),
        8.0,
    );
    let warm = 1.0 - (-age / p.warm_tau_s.max(1.0)).exp();
    let code = round_to(p.code_bytes * (0.4 + 0.6 * warm), 8.0);
    let map = round_to(p.map_bytes * (0.5 + 0.5 * warm), 8.0);
    let large = round_to(p.large_object_bytes * (1.0 + 0.2 * normal(rng).abs()), 8.0);
    let spaces = [new_used, old_used, code, map, large];
    let heap_total = 2.0 * p.semi_space_bytes
        + old_size
        + ceil_to(code * 1.15, 256.0 * 1024.0)
        + ceil_to(map * 1.1, 256.0 * 1024.0)
        + ceil_to(large, OS_PAGE);
    let external = round_to(p.external_bytes * (1.0 + 0.1 * normal(rng).abs()), 8.0);
    let rss = round_to(
        (heap_total + external + plan.native(st.started, m.eval) + p.binary_resident_bytes)
            * (1.0 + p.rss_noise * normal(rng)),
        OS_PAGE,
    );
    AppSample {
        heap_used: spaces.iter().sum(),
        heap_total,
        spaces,
        external,
        rss,
        start_time_s: st.started.round(),
    }
}

/// The machine's other tenants: a Redis container and everything outside cgroups.
struct Neighbours {
    other_anon: f64,
    other_cache: f64,
    redis_used: f64,
    boot: f64,
    idle_share: Vec<f64>,
}

/// Simulates the plan. Deterministic in `seed`.
pub(crate) fn simulate(plan: &Plan, seed: u64) -> Simulated {
    let mut rng = host_rng(seed, 0, 11);
    let mut ids = host_rng(seed, 0, 12);
    let mut noise_rng = host_rng(seed, 0, 13);
    let hex = |rng: &mut ChaCha8Rng, n: usize| -> String {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16usize)]))
            .collect()
    };
    let mut out = Simulated::default();
    let t = &mut out.trace;
    t.container_id = hex(&mut ids, 64);
    t.neighbour_id = hex(&mut ids, 64);
    t.machine_id = hex(&mut ids, 32);
    t.boot_id = format!(
        "{}-{}-4{}",
        hex(&mut ids, 8),
        hex(&mut ids, 4),
        hex(&mut ids, 3)
    );
    t.system_uuid = format!("{}-{}", hex(&mut ids, 8), hex(&mut ids, 12));
    let m = &plan.machine;
    let total = m.mem_total_bytes;
    let hosts = Neighbours {
        other_anon: total * m.other_anon_share,
        other_cache: total * m.other_cache_share,
        redis_used: rng.random_range(30.0..200.0) * MIB,
        boot: plan.start_s as f64 - rng.random_range(3.0..60.0) * 86_400.0,
        idle_share: (0..m.cpus).map(|_| rng.random_range(0.85..0.97)).collect(),
    };
    t.redis_max = if plan.with_redis { 256.0 * MIB } else { 0.0 };

    let p = &plan.process;
    let step = plan.step_s.max(1) as f64;
    let interval = plan.scrape_interval_s.min(step).max(0.01);
    let phase = rng.random_range(0.0..interval);
    let start = plan.start_s as f64;
    let points = (plan.duration_s.max(0) / plan.step_s.max(1)) as usize + 1;
    let mut ar = Ar1::new(
        &mut noise_rng,
        plan.noise.phi,
        plan.scrape_interval_s,
        plan.noise.sd_share,
    );
    let mut wander = plan.noise.wander_tau_h.map(|tau| {
        Ar1::with_time_constant(&mut noise_rng, tau * HOUR_S, plan.noise.wander_sd_share)
    });
    let mut proc = ProcState::new(plan, &mut rng, start - plan.age_at_start_s);
    // The container starts with its first process, and again when a deploy recreates it
    // or its main process dies (under pm2 the container outlives its Node processes).
    let mut container_started = start - plan.age_at_start_s;
    out.trace.neighbour_started_s = (hosts.boot + 90.0).round();
    let mut next_deploy = 0;
    let mut oom_events = 0.0;
    let mut page_cache = plan.cache.initial_bytes;
    let mut cache_origin = start;
    let mut prev_eval = start - step;
    let kmem = round_to(p.kmem_bytes, OS_PAGE);
    let (pm2_anon, pm2_mapped) = if plan.runtime.pm2() {
        (p.pm2_anon_bytes, p.pm2_mapped_bytes)
    } else {
        (0.0, 0.0)
    };
    let mapped = round_to(p.binary_resident_bytes + pm2_mapped, OS_PAGE);

    for k in 0..points {
        let grid = start + k as f64 * step;
        let jitter = (0.1 * normal(&mut rng)).clamp(-0.4, 0.4);
        let lag = (phase + jitter).clamp(0.002, interval - 0.002);
        let eval = (grid - lag).max(prev_eval + 0.001);
        let dt = eval - prev_eval;
        while let Some(d) = plan.deploys.get(next_deploy).filter(|d| d.at <= eval) {
            next_deploy += 1;
            proc = ProcState::new(plan, &mut rng, d.at);
            out.restarts.push(d.at);
            if d.new_container || !plan.runtime.pm2() {
                container_started = d.at;
            }
            if d.new_container {
                out.new_container_ms.push((eval * 1000.0).floor() as i64);
                page_cache = rng.random_range(4.0..16.0) * MIB;
                cache_origin = d.at;
                oom_events = 0.0;
            }
        }
        let traffic = plan.cycle.as_ref().map_or(0.0, |c| c.traffic(eval));
        let deviation = ar.advance(&mut noise_rng, dt)
            + wander
                .as_mut()
                .map_or(0.0, |w| w.advance(&mut noise_rng, dt));
        let moment = Moment {
            eval,
            traffic,
            deviation,
        };
        let anon_of = |app: &AppSample, rng: &mut ChaCha8Rng| {
            round_to(
                app.rss - p.binary_resident_bytes + pm2_anon * (1.0 + 0.01 * normal(rng)),
                OS_PAGE,
            )
        };
        let mut app = app_sample(plan, &mut proc, &mut rng, &moment);
        let mut anon = anon_of(&app, &mut rng);
        let pm2_restart = plan.pm2_restart_above.is_some_and(|above| app.rss > above);
        let oom_kill =
            plan.limit_bytes > 0.0 && anon + kmem + mapped + 4.0 * MIB > plan.limit_bytes;
        if pm2_restart || oom_kill {
            let at = prev_eval + rng.random_range(0.0..1.0) * dt;
            proc = ProcState::new(plan, &mut rng, at);
            out.restarts.push(at);
            if !plan.runtime.pm2() {
                container_started = at;
            }
            if oom_kill {
                out.oom_kills += 1;
                oom_events += 1.0;
            }
            app = app_sample(plan, &mut proc, &mut rng, &moment);
            anon = anon_of(&app, &mut rng);
        }

        // Page cache: filled by the workload, reclaimed before the cgroup would exceed its
        // limit and when the host runs out of free memory.
        let fill = &plan.cache.fill;
        page_cache +=
            fill.value(cache_origin, eval) - fill.value(cache_origin, prev_eval.max(cache_origin));
        let neighbour_rss = round_to(hosts.redis_used + 8.0 * MIB, OS_PAGE);
        let neighbour_cache = round_to(24.0 * MIB, OS_PAGE);
        let other_anon = hosts.other_anon * (1.0 + 0.05 * traffic + 0.002 * normal(&mut rng));
        let used = total * 0.035
            + other_anon
            + hosts.other_cache
            + anon
            + kmem
            + mapped
            + neighbour_rss
            + neighbour_cache;
        let container = container_sample(
            &mut rng,
            &mut page_cache,
            total - used,
            plan.limit_bytes,
            Charged { anon, kmem, mapped },
            plan.cache.inactive_fraction,
        );
        let cache = container.cache;
        let MachineView {
            neighbour,
            root,
            host,
        } = machine_view(
            total,
            other_anon + anon + kmem + neighbour_rss,
            hosts.other_cache + cache + neighbour_cache,
            neighbour_rss,
            neighbour_cache,
            &hosts.idle_share,
            eval - hosts.boot,
        );
        let t = &mut out.trace;
        t.host.push(host);
        t.grid_ms.push((grid * 1000.0).round() as i64);
        t.scrape_ms
            .push(((eval * 1000.0).floor() as i64).min((grid * 1000.0) as i64 - 1));
        t.app.push(app);
        t.container.push(container);
        t.neighbour.push(neighbour);
        t.root.push(root);
        t.redis_used.push(round_to(
            hosts.redis_used * (1.0 + 0.02 * normal(&mut rng)),
            8.0,
        ));
        t.oom_events.push(oom_events);
        t.container_started_s.push(container_started.round());
        prev_eval = eval;
    }
    out.trace.restarts = out.restarts.clone();
    out
}

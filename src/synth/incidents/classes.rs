//! One draw per class: the window it needs and what it plants (where and how memory
//! grows, deploys, limits, cycles, wander). The ranges are the ones documented in
//! `docs/verdicts.md` ("Labelled incident generator"); every case starts from
//! [`base_plan`], so scrape intervals, steps, levels, GC and noise vary alike in all
//! classes.

use super::IncidentClass;
use super::base::{LIMITS_MIB, base_plan, cycle, log_uniform, roomy_limit, runtime};
use super::plan::{Build, Clock, Deploy, HOUR_S, MIB, Plan, Runtime, Shape};
use crate::synth::draw::{pick, uniform};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const DAY_S: f64 = 86_400.0;

/// Growth below this over its span is too small for anyone to call a leak.
const MIN_GROWTH_BYTES: f64 = 24.0 * MIB;

/// The plan of one case. Deterministic in `(class, seed)`.
pub(crate) fn draw(class: IncidentClass, seed: u64) -> Plan {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(0x696e_6369_0000 + class as u64); // "inci"
    let rng = &mut rng;
    use IncidentClass as C;
    match class {
        C::SteadyLeak => steady_leak(rng),
        C::DeployLeak => deploy_leak(rng),
        C::FlagLeak => flag_leak(rng),
        C::NearLimitSlow => near_limit(rng, false),
        C::NearLimitFast => near_limit(rng, true),
        C::DailyLeak => cycle_leak(rng, false),
        C::WeeklyLeak => cycle_leak(rng, true),
        C::RestartMaskedLeak => restart_masked(rng),
        C::NativeGrowth => native_growth(rng),
        C::CacheLinear => cache_growth(rng, false),
        C::CacheSaturating => cache_growth(rng, true),
        C::Plateau => plateau(rng, None),
        C::DailyPlateau => plateau(rng, Some(false)),
        C::WeeklyPlateau => plateau(rng, Some(true)),
        C::Stable => stable(rng),
        C::CycleStable => cycle_stable(rng),
        C::Ar1Wander => ar1_wander(rng),
        C::RandomWalk => random_walk(rng),
        C::FixedByDeploy => fixed_by_deploy(rng),
        C::WarmUp => warm_up(rng),
        C::TooLittleData => too_little_data(rng),
    }
}

/// A linear leak of the live set that adds `share` of it (at least 24 MiB) over `span_h`.
fn leak(plan: &Plan, share: f64, span_h: f64, from: Clock) -> Shape {
    let total = (share * plan.process.old_live_bytes).max(MIN_GROWTH_BYTES);
    Shape::Linear {
        bytes_per_hour: total / span_h.max(1e-3),
        from,
    }
}

/// The plan with a leak from the process start that adds `share` of the live set over
/// the window, and a roomy limit half the time.
fn leaking_over_window(rng: &mut ChaCha8Rng, mut plan: Plan, share: f64) -> Plan {
    let shape = leak(&plan, share, window_h(&plan), Clock::ProcessStart);
    plan.builds = vec![leaky_build(shape)];
    plan.limit_bytes = roomy_limit(rng, &plan, 0.5, 1.5);
    plan
}

fn leaky_build(old_space: Shape) -> Build {
    Build {
        old_space,
        native: Shape::Flat,
    }
}

/// A base plan whose window lasts between `lo` and `hi` days.
fn plan_of_days(rng: &mut ChaCha8Rng, lo: f64, hi: f64, rt: Runtime) -> Plan {
    let days = uniform(rng, lo, hi);
    base_plan(rng, days * DAY_S, rt)
}

fn window_h(plan: &Plan) -> f64 {
    plan.duration_s as f64 / HOUR_S
}

/// A deploy at `at`: a new container for a bare container (nothing else shows it),
/// otherwise `pm2 reload` or a new container.
fn deploy(rng: &mut ChaCha8Rng, plan: &Plan, at: f64) -> Deploy {
    Deploy {
        at,
        new_container: plan.runtime == Runtime::Container || rng.random_bool(0.4),
    }
}

fn steady_leak(rng: &mut ChaCha8Rng) -> Plan {
    let rt = runtime(rng, 0.75);
    let mut plan = plan_of_days(rng, 1.0, 10.0, rt);
    plan.age_at_start_s = log_uniform(rng, 1.0, 72.0) * HOUR_S;
    let share = log_uniform(rng, 0.15, 1.0);
    leaking_over_window(rng, plan, share)
}

fn deploy_leak(rng: &mut ChaCha8Rng) -> Plan {
    let rt = runtime(rng, 0.75);
    let mut plan = plan_of_days(rng, 4.0, 9.0, rt);
    let after_h = uniform(rng, 24.0, (0.45 * window_h(&plan)).min(96.0));
    let d = deploy(rng, &plan, plan.end_s() - after_h * HOUR_S);
    let share = uniform(rng, 0.2, 1.0);
    plan.builds = vec![
        Build::FLAT,
        leaky_build(leak(&plan, share, after_h, Clock::ProcessStart)),
    ];
    plan.deploys = vec![d];
    plan.limit_bytes = roomy_limit(rng, &plan, 0.5, 1.5);
    plan
}

fn flag_leak(rng: &mut ChaCha8Rng) -> Plan {
    let rt = runtime(rng, 0.75);
    let mut plan = plan_of_days(rng, 3.0, 8.0, rt);
    let onset = plan.start_s as f64 + uniform(rng, 0.3, 0.7) * plan.duration_s as f64;
    let share = uniform(rng, 0.2, 1.0);
    let span_h = (plan.end_s() - onset) / HOUR_S;
    plan.builds = vec![leaky_build(leak(&plan, share, span_h, Clock::At(onset)))];
    plan.limit_bytes = roomy_limit(rng, &plan, 0.5, 1.5);
    plan
}

/// The live set at which the plan's process reaches `limit` `hours` after the window end.
fn solve_old_live(plan: &mut Plan, limit: f64, hours: f64) {
    let (mut lo, mut hi) = (1.0 * MIB, 16_384.0 * MIB);
    let started = plan.start_s as f64 - plan.age_at_start_s;
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        plan.process.old_live_bytes = mid;
        let at = plan.charged_clean(started, plan.end_s() + hours * HOUR_S) + 4.0 * MIB;
        if at > limit {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    plan.process.old_live_bytes = lo;
}

/// A leak close to the container limit: slow (a large limit reached in 1.5-7 days) or
/// fast (a small limit reached within a day, seen over a few hours).
fn near_limit(rng: &mut ChaCha8Rng, fast: bool) -> Plan {
    let rt = runtime(rng, 0.75);
    let mut last = None;
    for _ in 0..64 {
        let (days, limits, rate, hours, fill) = if fast {
            (
                uniform(rng, 3.0, 12.0) / 24.0,
                &LIMITS_MIB[0..4],
                log_uniform(rng, 3.0, 15.0),
                uniform(rng, 4.0, 24.0),
                0.0,
            )
        } else {
            (
                uniform(rng, 2.0, 7.0),
                &LIMITS_MIB[2..7],
                log_uniform(rng, 0.5, 3.0),
                uniform(rng, 36.0, 168.0),
                uniform(rng, 0.0, 8.0),
            )
        };
        let mut plan = base_plan(rng, days * DAY_S, rt);
        plan.age_at_start_s = log_uniform(rng, 1.0, 48.0) * HOUR_S;
        plan.builds = vec![leaky_build(Shape::Linear {
            bytes_per_hour: rate * MIB,
            from: Clock::ProcessStart,
        })];
        plan.cache.fill = Shape::Linear {
            bytes_per_hour: fill * MIB,
            from: Clock::ProcessStart,
        };
        let limit = *pick(rng, limits) * MIB;
        plan.limit_bytes = limit;
        solve_old_live(&mut plan, limit, hours);
        let started = plan.start_s as f64 - plan.age_at_start_s;
        let charged = plan.charged_clean(started, plan.end_s());
        let lowest = if fast { 0.6 } else { 0.8 };
        // Not killed inside the window: the headroom left at its end exceeds the noise
        // on the live set five times over, and the RSS noise and a margin besides.
        let p = &plan.process;
        let noise = 5.0 * (plan.noise.sd_share + p.rss_noise) * charged + 16.0 * MIB;
        let ok = p.old_live_bytes >= 40.0 * MIB
            && (lowest..=0.97).contains(&(charged / limit))
            && limit - charged - 4.0 * MIB > noise;
        if ok {
            return plan;
        }
        last = Some(plan);
    }
    last.unwrap_or_else(|| base_plan(rng, DAY_S, rt))
}

/// A linear leak under a daily or weekly load cycle.
fn cycle_leak(rng: &mut ChaCha8Rng, weekly: bool) -> Plan {
    let rt = runtime(rng, 0.75);
    let days = if weekly {
        uniform(rng, 14.0, 28.0)
    } else {
        uniform(rng, 3.0, 14.0)
    };
    let mut plan = base_plan(rng, days * DAY_S, rt);
    plan.age_at_start_s = log_uniform(rng, 1.0, 48.0) * HOUR_S;
    let amplitude = uniform(rng, 0.05, 0.35);
    plan.cycle = Some(cycle(rng, amplitude, weekly));
    // The leak adds half to three times the daily swing over the window.
    let share = (uniform(rng, 0.5, 3.0) * amplitude).max(0.15);
    leaking_over_window(rng, plan, share)
}

/// pm2's `max_memory_restart` (Node under pm2) or the OOM killer at the container limit
/// restarts a leaking process every 4-24 hours.
fn restart_masked(rng: &mut ChaCha8Rng) -> Plan {
    let rt = runtime(rng, 0.75);
    let cycle_h = uniform(rng, 4.0, 24.0);
    let days = uniform(
        rng,
        (4.0 * cycle_h / 24.0).max(2.0),
        7.0_f64.max(4.0 * cycle_h / 24.0),
    );
    let mut plan = base_plan(rng, days * DAY_S, rt);
    let rate = log_uniform(rng, 4.0, 20.0) * MIB;
    let per_cycle = (rate * cycle_h).max(0.3 * plan.process.old_live_bytes);
    plan.builds = vec![leaky_build(Shape::Linear {
        bytes_per_hour: per_cycle / cycle_h,
        from: Clock::ProcessStart,
    })];
    plan.age_at_start_s = uniform(rng, 0.0, 0.8 * cycle_h) * HOUR_S;
    let t = plan.start_s as f64;
    let at_cycle = t + cycle_h * HOUR_S;
    if rt.pm2() && rng.random_bool(0.5) {
        plan.pm2_restart_above = Some((plan.rss_clean(t, at_cycle) / MIB).round() * MIB);
    } else {
        plan.limit_bytes = ((plan.charged_clean(t, at_cycle) + 4.0 * MIB) / MIB).round() * MIB;
        // The cgroup reclaims page cache before it kills: keep the cache from filling.
        plan.cache.fill = Shape::Flat;
    }
    plan
}

fn native_growth(rng: &mut ChaCha8Rng) -> Plan {
    let rt = runtime(rng, 1.0);
    let mut plan = plan_of_days(rng, 1.0, 10.0, rt);
    // glibc creates up to 8 arenas per CPU; fragmentation grows with their number.
    plan.machine.cpus = *pick(rng, &[16, 24, 32, 48, 64]);
    plan.age_at_start_s = log_uniform(rng, 1.0, 48.0) * HOUR_S;
    let t = plan.start_s as f64;
    let rss = plan.rss_clean(t - plan.age_at_start_s, t);
    let total = (log_uniform(rng, 0.15, 1.0) * rss).max(MIN_GROWTH_BYTES);
    plan.builds = vec![Build {
        old_space: Shape::Flat,
        native: Shape::Linear {
            bytes_per_hour: total / window_h(&plan),
            from: Clock::ProcessStart,
        },
    }];
    plan.limit_bytes = roomy_limit(rng, &plan, 0.5, 1.5);
    plan
}

/// Files written (linear: logs inside the container) or a working set of files read
/// (saturating: static assets, a SQLite file) on a host with memory to spare.
fn cache_growth(rng: &mut ChaCha8Rng, saturating: bool) -> Plan {
    let rt = runtime(rng, 0.75);
    let mut plan = plan_of_days(rng, 1.0, 10.0, rt);
    plan.machine.mem_total_bytes = *pick(rng, &[32.0, 64.0]) * super::plan::GIB;
    plan.machine.other_anon_share = uniform(rng, 0.1, 0.3);
    let t = plan.start_s as f64;
    let charged = plan.charged_clean(t - plan.age_at_start_s, t);
    let total = (log_uniform(rng, 0.3, 4.0) * charged).max(64.0 * MIB);
    let w = window_h(&plan);
    plan.cache.fill = if saturating {
        Shape::Saturating {
            amplitude_bytes: total,
            tau_h: uniform(rng, w / 20.0, w / 4.0),
            from: Clock::ProcessStart,
        }
    } else {
        Shape::Linear {
            bytes_per_hour: total / w,
            from: Clock::ProcessStart,
        }
    };
    plan.limit_bytes = roomy_limit(rng, &plan, 0.3, 1.3);
    plan
}

/// An in-memory cache warming after a deploy toward its capacity; with a daily or
/// weekly load cycle when `cycle_weekly` is set.
fn plateau(rng: &mut ChaCha8Rng, cycle_weekly: Option<bool>) -> Plan {
    let rt = runtime(rng, 0.75);
    let days = match cycle_weekly {
        None => uniform(rng, 2.0, 10.0),
        Some(false) => uniform(rng, 4.0, 14.0),
        Some(true) => uniform(rng, 14.0, 28.0),
    };
    let mut plan = base_plan(rng, days * DAY_S, rt);
    let w = window_h(&plan);
    let tau_h = uniform(rng, w / 25.0, w / 8.0);
    plan.age_at_start_s = uniform(rng, 60.0 / HOUR_S, tau_h / 3.0) * HOUR_S;
    let amplitude = (uniform(rng, 0.3, 1.0) * plan.process.old_live_bytes).max(MIN_GROWTH_BYTES);
    plan.builds = vec![leaky_build(Shape::Saturating {
        amplitude_bytes: amplitude,
        tau_h,
        from: Clock::ProcessStart,
    })];
    if let Some(weekly) = cycle_weekly {
        let a = uniform(rng, 0.05, 0.3);
        plan.cycle = Some(cycle(rng, a, weekly));
    }
    plan.limit_bytes = roomy_limit(rng, &plan, 0.5, 1.5);
    plan
}

fn stable(rng: &mut ChaCha8Rng) -> Plan {
    let rt = runtime(rng, 0.75);
    let mut plan = plan_of_days(rng, 1.0, 10.0, rt);
    if rng.random_bool(0.4) {
        let at = plan.start_s as f64 + uniform(rng, 0.1, 0.9) * plan.duration_s as f64;
        plan.deploys = vec![deploy(rng, &plan, at)];
        plan.builds = vec![Build::FLAT, Build::FLAT];
    }
    plan.limit_bytes = roomy_limit(rng, &plan, 0.5, 1.5);
    plan
}

fn cycle_stable(rng: &mut ChaCha8Rng) -> Plan {
    let rt = runtime(rng, 0.75);
    let weekly = rng.random_bool(0.5);
    let days = if weekly {
        uniform(rng, 14.0, 21.0)
    } else {
        uniform(rng, 3.0, 14.0)
    };
    let mut plan = base_plan(rng, days * DAY_S, rt);
    plan.age_at_start_s = log_uniform(rng, 1.0, 30.0) * DAY_S;
    let amplitude = uniform(rng, 0.05, 0.35);
    plan.cycle = Some(cycle(rng, amplitude, weekly));
    plan.limit_bytes = roomy_limit(rng, &plan, 0.5, 1.5);
    plan
}

fn ar1_wander(rng: &mut ChaCha8Rng) -> Plan {
    let rt = runtime(rng, 0.75);
    let mut plan = plan_of_days(rng, 1.0, 10.0, rt);
    plan.age_at_start_s = log_uniform(rng, 6.0, 14.0 * 24.0) * HOUR_S;
    plan.noise.phi = uniform(rng, 0.9, 0.99);
    plan.noise.sd_share = log_uniform(rng, 0.02, 0.08);
    plan.limit_bytes = roomy_limit(rng, &plan, 0.5, 1.5);
    plan
}

/// Memory that drifts up and down over the window, bounded: mean-reverting with a time
/// constant of a twentieth to half the window, so it looks like a random walk over it.
fn random_walk(rng: &mut ChaCha8Rng) -> Plan {
    let rt = runtime(rng, 0.75);
    let mut plan = plan_of_days(rng, 2.0, 10.0, rt);
    plan.age_at_start_s = log_uniform(rng, 6.0, 14.0 * 24.0) * HOUR_S;
    plan.noise.wander_tau_h = Some(log_uniform(rng, 0.05, 0.5) * window_h(&plan));
    plan.noise.wander_sd_share = uniform(rng, 0.03, 0.1);
    plan.limit_bytes = roomy_limit(rng, &plan, 0.5, 1.6);
    plan
}

fn fixed_by_deploy(rng: &mut ChaCha8Rng) -> Plan {
    let rt = runtime(rng, 0.75);
    let mut plan = plan_of_days(rng, 4.0, 9.0, rt);
    let w = window_h(&plan);
    let before_h = (uniform(rng, 0.4, 0.75) * w).min(w - 36.0);
    plan.age_at_start_s = log_uniform(rng, 1.0, 48.0) * HOUR_S;
    let share = uniform(rng, 0.2, 1.0);
    plan.builds = vec![
        leaky_build(leak(&plan, share, before_h, Clock::ProcessStart)),
        Build::FLAT,
    ];
    let at = plan.start_s as f64 + before_h * HOUR_S;
    plan.deploys = vec![deploy(rng, &plan, at)];
    // A limit that the old build did not reach.
    let started = plan.start_s as f64 - plan.age_at_start_s;
    if rng.random_bool(0.5) {
        let peak = plan.charged_clean(started, at - 1.0) + plan.cache.initial_bytes;
        plan.limit_bytes = LIMITS_MIB
            .iter()
            .find(|l| **l * MIB >= 1.5 * peak)
            .map_or(0.0, |l| l * MIB);
    }
    plan
}

/// A process started a few minutes before a short window: caches, pools and compiled
/// code still filling, the growth decelerating; nothing says yet where it ends.
fn warm_up(rng: &mut ChaCha8Rng) -> Plan {
    let rt = runtime(rng, 0.75);
    let minutes = uniform(rng, 10.0, 60.0);
    let mut plan = base_plan(rng, minutes * 60.0, rt);
    plan.age_at_start_s = uniform(rng, 0.5, 10.0) * 60.0;
    plan.process.warm_tau_s = uniform(rng, 0.5, 2.0) * minutes * 60.0;
    plan.process.warm_share = uniform(rng, 0.3, 0.6);
    plan.limit_bytes = roomy_limit(rng, &plan, 0.5, 1.5);
    plan
}

/// A handful of scrapes (a leak may be under way), or a day of data without a single
/// memory series.
fn too_little_data(rng: &mut ChaCha8Rng) -> Plan {
    if rng.random_bool(0.2) {
        let rt = Runtime::Node {
            pm2: rng.random_bool(0.5),
        };
        let mut plan = plan_of_days(rng, 1.0, 3.0, rt);
        plan.exports_memory = false;
        return plan;
    }
    let rt = runtime(rng, 0.75);
    let scrapes = rng.random_range(3..=20_i64);
    // An hour at most is always queried at the scrape interval.
    let mut plan = base_plan(rng, 3600.0, rt);
    plan.step_s = plan.scrape_interval_s as i64;
    plan.duration_s = (scrapes - 1) * plan.step_s;
    plan.start_s = plan.start_s / plan.step_s * plan.step_s;
    plan.age_at_start_s = log_uniform(rng, 5.0 / 60.0, 72.0) * HOUR_S;
    if rng.random_bool(0.5) {
        plan.builds = vec![leaky_build(Shape::Linear {
            bytes_per_hour: log_uniform(rng, 2.0, 20.0) * MIB,
            from: Clock::ProcessStart,
        })];
    }
    plan
}

//! The generator against its own truth: determinism, what the series show is what was
//! planted (onsets, rates, limits, restarts, new containers), counters are counters, and
//! the accuracy summary counts what it says.

use super::accuracy::{CaseRecord, run_with, summarize, worst_misses};
use super::plan::MIB;
use super::*;
use crate::kind::Kind;
use crate::report::TargetReport;
use crate::series::RawSeries;

const SEEDS: u64 = 6;

fn find<'a>(
    series: &'a [RawSeries],
    name: &str,
    extra: Option<(&str, &str)>,
) -> Vec<&'a RawSeries> {
    series
        .iter()
        .filter(|s| s.metric_name() == name)
        .filter(|s| extra.is_none_or(|(k, v)| s.labels.get(k).map(String::as_str) == Some(v)))
        .collect()
}

/// The service container's cAdvisor series of one metric, every container instance.
fn ours<'a>(series: &'a [RawSeries], t: &GroundTruth, name: &str) -> Vec<&'a RawSeries> {
    find(series, name, Some(("name", t.service.as_str())))
}

/// Samples as (Unix seconds, value), finite only, across every part.
fn points(parts: &[&RawSeries]) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = parts
        .iter()
        .flat_map(|s| s.timestamps_ms.iter().zip(&s.values))
        .filter(|(_, v)| v.is_finite())
        .map(|(t, v)| (*t as f64 / 1000.0, *v))
        .collect();
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

/// Minimum per whole `width_s` chunk within `[from, to)`: the post-GC floor.
fn floor(points: &[(f64, f64)], from: f64, to: f64, width_s: f64) -> Vec<(f64, f64)> {
    let chunks = ((to - from) / width_s).floor() as usize;
    (0..chunks)
        .filter_map(|k| {
            let lo = from + k as f64 * width_s;
            let min = points
                .iter()
                .filter(|(t, _)| *t >= lo && *t < lo + width_s)
                .map(|p| p.1)
                .fold(f64::INFINITY, f64::min);
            min.is_finite().then_some((lo + 0.5 * width_s, min))
        })
        .collect()
}

/// Least-squares slope, per hour.
fn slope_per_hour(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let mt = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mv = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = points.iter().map(|p| (p.0 - mt) * (p.1 - mv)).sum();
    let sxx: f64 = points.iter().map(|p| (p.0 - mt).powi(2)).sum();
    sxy / sxx * 3600.0
}

fn bits(series: &[RawSeries]) -> Vec<(String, Vec<i64>, Vec<u64>)> {
    series
        .iter()
        .map(|s| {
            (
                format!("{:?}", s.labels),
                s.timestamps_ms.clone(),
                s.values.iter().map(|v| v.to_bits()).collect(),
            )
        })
        .collect()
}

#[test]
fn names_round_trip_and_every_verdict_but_none_is_covered() {
    for c in IncidentClass::ALL {
        assert_eq!(IncidentClass::from_name(c.name()), Some(c));
        assert_eq!(
            serde_json::to_string(&c).expect("a case serializes"),
            format!("\"{}\"", c.name())
        );
    }
    assert_eq!(IncidentClass::from_name("leaky"), None);
    for v in crate::verdict::Verdict::ALL {
        assert!(IncidentClass::ALL.iter().any(|c| c.expected() == v), "{v}");
    }
}

#[test]
fn cases_are_deterministic_per_seed_and_differ_across_seeds() {
    for class in IncidentClass::ALL {
        let (a, ta) = generate_series(class, 7);
        let (b, tb) = generate_series(class, 7);
        let (c, _) = generate_series(class, 8);
        assert_eq!(bits(&a), bits(&b), "{class}");
        assert_eq!(ta, tb, "{class}");
        assert_ne!(bits(&a), bits(&c), "{class}");
    }
}

#[test]
fn targets_hold_the_kinds_their_exporters_emit() {
    for class in IncidentClass::ALL {
        for seed in 0..SEEDS {
            let case = generate(class, seed);
            let t = &case.truth;
            let has = |k: Kind| case.target.has_kind(k);
            let label = format!("{class} seed {seed}");
            assert_eq!(case.target.service, t.service, "{label}");
            if !t.exports_memory {
                assert!(has(Kind::StartTime), "{label}");
                assert!(!has(Kind::HeapUsed) && !has(Kind::CgroupUsage), "{label}");
                continue;
            }
            for k in [
                Kind::CgroupUsage,
                Kind::CgroupWorkingSet,
                Kind::CgroupRss,
                Kind::CgroupCache,
                Kind::CgroupLimit,
                Kind::HostMemTotal,
            ] {
                assert!(has(k), "{label}: {k}");
            }
            let node = t.runtime.scrapes_app();
            for k in [
                Kind::HeapUsed,
                Kind::HeapSpaceUsed,
                Kind::External,
                Kind::ProcessRss,
                Kind::StartTime,
            ] {
                assert_eq!(has(k), node, "{label}: {k}");
            }
        }
    }
}

#[test]
fn counters_never_decrease_and_limits_are_respected() {
    for class in IncidentClass::ALL {
        for seed in 0..SEEDS {
            let (series, t) = generate_series(class, seed);
            let label = format!("{class} seed {seed}");
            for s in series
                .iter()
                .filter(|s| s.metric_name().ends_with("_total"))
            {
                let finite: Vec<f64> = s.values.iter().copied().filter(|v| v.is_finite()).collect();
                assert!(
                    finite.windows(2).all(|w| w[1] >= w[0]),
                    "{label}: {:?}",
                    s.labels
                );
            }
            let Some(limit) = t.limit_bytes else { continue };
            for (_, usage) in points(&ours(&series, &t, "container_memory_usage_bytes")) {
                assert!(usage <= limit, "{label}: usage {usage} over limit {limit}");
            }
        }
    }
}

#[test]
fn start_time_changes_exactly_at_the_restarts() {
    for class in IncidentClass::ALL {
        for seed in 0..SEEDS {
            let (series, t) = generate_series(class, seed);
            if !t.runtime.scrapes_app() {
                continue;
            }
            let starts = points(&find(&series, "process_start_time_seconds", None));
            let mut changes = Vec::new();
            for w in starts.windows(2) {
                if w[1].1 != w[0].1 {
                    changes.push(w[1].1);
                }
            }
            let label = format!("{class} seed {seed}");
            let first = starts.first().map(|p| p.1).unwrap_or_default();
            let age = t.window_start_s - t.process_age_at_start_h * 3600.0;
            assert!(
                (first - age).abs() <= 1.0
                    || t.restarts.first().is_some_and(|r| (first - r).abs() <= 1.0),
                "{label}"
            );
            // A gap may hide a restart's first samples but not the restart.
            assert_eq!(
                changes.len(),
                t.restarts.len(),
                "{label}: {changes:?} vs {:?}",
                t.restarts
            );
            for (c, r) in changes.iter().zip(&t.restarts) {
                assert!((c - r).abs() <= 1.0, "{label}: start {c} vs restart {r}");
            }
        }
    }
}

#[test]
fn the_container_start_time_changes_when_its_main_process_restarts() {
    for class in IncidentClass::ALL {
        for seed in 0..SEEDS {
            let (series, t) = generate_series(class, seed);
            let starts = points(&ours(&series, &t, "container_start_time_seconds"));
            if starts.is_empty() {
                continue;
            }
            let label = format!("{class} seed {seed}");
            let mut changes = Vec::new();
            for w in starts.windows(2) {
                if w[1].1 != w[0].1 {
                    changes.push(w[1].1);
                }
            }
            let first = starts[0].1;
            let started = t.window_start_s - t.process_age_at_start_h * 3600.0;
            assert!(
                (first - started).abs() <= 1.0
                    || t.restarts.iter().any(|r| (first - r).abs() <= 1.0),
                "{label}: first container start {first} vs process start {started}"
            );
            if t.runtime.pm2() {
                // pm2 restarts its Node process inside the container; only a deploy that
                // recreates the container starts it anew.
                assert_eq!(changes.len(), t.new_containers, "{label}: {changes:?}");
            } else {
                assert_eq!(changes.len(), t.restarts.len(), "{label}: {changes:?}");
                for (c, r) in changes.iter().zip(&t.restarts) {
                    assert!((c - r).abs() <= 1.0, "{label}: start {c} vs restart {r}");
                }
            }
            for c in &changes {
                assert!(
                    t.restarts.iter().any(|r| (c - r).abs() <= 1.0),
                    "{label}: {c}"
                );
            }
        }
    }
}

#[test]
fn the_old_space_floor_is_flat_before_the_onset_and_rises_after_at_the_planted_rate() {
    let classes = [
        IncidentClass::DeployLeak,
        IncidentClass::FlagLeak,
        IncidentClass::FixedByDeploy,
    ];
    let mut checked = 0;
    for class in classes {
        for seed in 0..3 * SEEDS {
            let (series, t) = generate_series(class, seed);
            if !t.runtime.scrapes_app() || t.noise.sd_share > 0.015 {
                continue;
            }
            let old = points(&find(
                &series,
                "nodejs_heap_space_size_used_bytes",
                Some(("space", "old")),
            ));
            let g = &t
                .growth
                .iter()
                .find(|g| g.memory == GrowingMemory::OldSpace)
                .expect("a planted series");
            let (grow_from, grow_to, flat_from, flat_to) = match g.ended_s {
                // Fixed by a deploy: growth before it, flat after (past the warm-up).
                Some(end) => (t.window_start_s, end, end + 6.0 * 3600.0, t.window_end_s),
                None => (
                    g.onset_s + 2.0 * 3600.0,
                    t.window_end_s,
                    t.window_start_s,
                    g.onset_s,
                ),
            };
            let width = 3.0 * 3600.0;
            let growing = slope_per_hour(&floor(&old, grow_from, grow_to, width));
            let flat = slope_per_hour(&floor(&old, flat_from, flat_to, width));
            let label = format!("{class} seed {seed}: planted {:.0} B/h", g.bytes_per_hour);
            assert!(
                (growing / g.bytes_per_hour - 1.0).abs() < 0.3,
                "{label}, growing at {growing:.0}"
            );
            assert!(
                flat.abs() < 0.2 * g.bytes_per_hour,
                "{label}, flat part at {flat:.0}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} cases checked");
}

#[test]
fn near_limit_cases_reach_their_limit_within_the_class_horizon() {
    for (class, range) in [
        (IncidentClass::NearLimitSlow, 36.0..=168.0),
        (IncidentClass::NearLimitFast, 4.0..=24.0),
    ] {
        for seed in 0..3 * SEEDS {
            let (series, t) = generate_series(class, seed);
            let label = format!("{class} seed {seed}");
            let limit = t.limit_bytes.expect("a limit");
            let hours = t.hours_to_limit_at_end.expect("reaches the limit");
            assert!(range.contains(&hours), "{label}: {hours} h");
            assert_eq!(t.restarts.len(), 0, "{label}: no OOM inside the window");
            // The container's anonymous memory at the end is close to the limit.
            let rss = points(&ours(&series, &t, "container_memory_rss"));
            let tail = &rss[rss.len() * 9 / 10..];
            let level = tail.iter().map(|p| p.1).sum::<f64>() / tail.len() as f64;
            assert!(
                level > 0.5 * limit && level < limit,
                "{label}: rss {level} of {limit}"
            );
        }
    }
}

#[test]
fn warm_up_windows_hold_only_a_decelerating_warm_up() {
    for seed in 0..3 * SEEDS {
        let (series, t) = generate_series(IncidentClass::WarmUp, seed);
        let label = format!("warm_up seed {seed}");
        assert!(t.process_age_at_start_h <= 10.0 / 60.0, "{label}");
        assert!(
            t.warm_up.tau_h * 3600.0 >= 0.5 * (t.window_end_s - t.window_start_s),
            "{label}"
        );
        if !t.runtime.scrapes_app() {
            continue;
        }
        // Compiled code fills with the warm-up and has no noise: rising, decelerating.
        let code = points(&find(
            &series,
            "nodejs_heap_space_size_used_bytes",
            Some(("space", "code")),
        ));
        let mid = code.len() / 2;
        let (first, second) = (
            code[mid].1 - code[0].1,
            code[code.len() - 1].1 - code[mid].1,
        );
        assert!(
            first > second && second > 0.0,
            "{label}: {first} then {second}"
        );
    }
}

#[test]
fn restart_masked_leaks_restart_at_least_three_times() {
    for seed in 0..3 * SEEDS {
        let (series, t) = generate_series(IncidentClass::RestartMaskedLeak, seed);
        let label = format!("restart_masked_leak seed {seed}");
        assert!(t.restarts.len() >= 3, "{label}: {:?}", t.restarts);
        match t.pm2_limit_bytes {
            Some(above) => assert_eq!(t.oom_kills, 0, "{label}: pm2 at {}", above / MIB),
            None => {
                assert_eq!(t.oom_kills, t.restarts.len(), "{label}");
                let oom = points(&ours(&series, &t, "container_oom_events_total"));
                assert_eq!(oom.last().map(|p| p.1), Some(t.oom_kills as f64), "{label}");
            }
        }
    }
}

#[test]
fn a_new_container_gets_its_own_cadvisor_series_from_the_deploy_on() {
    let mut seen = 0;
    for class in [
        IncidentClass::DeployLeak,
        IncidentClass::FixedByDeploy,
        IncidentClass::Stable,
    ] {
        for seed in 0..3 * SEEDS {
            let (series, t) = generate_series(class, seed);
            if t.new_containers == 0 {
                continue;
            }
            seen += 1;
            let parts = ours(&series, &t, "container_memory_working_set_bytes");
            assert_eq!(parts.len(), 2, "{class} seed {seed}");
            let deploy = t.deploys[0] * 1000.0;
            let (old, new) = (
                parts
                    .iter()
                    .find(|p| p.labels["image"].ends_with(":1.8.3"))
                    .expect("a planted value"),
                parts
                    .iter()
                    .find(|p| p.labels["image"].ends_with(":1.8.4"))
                    .expect("a planted value"),
            );
            assert_ne!(old.labels["id"], new.labels["id"]);
            assert!(
                old.timestamps_ms
                    .iter()
                    .all(|t| (*t as f64) < deploy + 120_000.0)
            );
            assert!(new.timestamps_ms.iter().all(|t| (*t as f64) >= deploy));
        }
    }
    assert!(seen >= 3, "only {seen} cases with a new container");
}

fn record(class: IncidentClass, got: crate::verdict::Verdict, confidence: f64) -> CaseRecord {
    let (_, truth) = generate_series(IncidentClass::TooLittleData, 0);
    CaseRecord {
        class,
        seed: 0,
        expected: class.expected(),
        got,
        confidence,
        truth,
        report: TargetReport::default(),
    }
}

#[test]
fn the_summary_counts_accuracy_false_leaks_and_calibration() {
    use crate::verdict::Verdict as V;
    let records = vec![
        record(IncidentClass::Stable, V::Stable, 0.95),
        record(IncidentClass::Stable, V::Leak, 0.85),
        record(IncidentClass::Stable, V::RestartMaskedLeak, 0.15),
        record(IncidentClass::SteadyLeak, V::Leak, 0.9),
        record(IncidentClass::SteadyLeak, V::Stable, f64::NAN),
    ];
    let s = summarize(&records, 10);
    let stable = s
        .classes
        .iter()
        .find(|c| c.class == IncidentClass::Stable)
        .expect("a summary row");
    assert_eq!((stable.n, stable.correct, stable.false_leaks), (3, 1, 2));
    assert_eq!(stable.confusion, [1, 1, 0, 0, 0, 1, 0]);
    assert!((stable.false_leak_rate.expect("a false-leak rate") - 2.0 / 3.0).abs() < 1e-12);
    let leak = s
        .classes
        .iter()
        .find(|c| c.class == IncidentClass::SteadyLeak)
        .expect("a summary row");
    assert_eq!(leak.false_leak_rate, None);
    assert!(
        (leak.mean_confidence - 0.45).abs() < 1e-12,
        "NaN counts as 0"
    );
    assert!((s.accuracy - 0.4).abs() < 1e-12);
    assert!((s.worst_class_accuracy - 1.0 / 3.0).abs() < 1e-12);
    // (0.05² + 0.85² + 0.15² + 0.1² + 0²) / 5
    assert!((s.brier - (0.0025 + 0.7225 + 0.0225 + 0.01) / 5.0).abs() < 1e-12);
    let top = &s.reliability[9];
    assert_eq!((top.count, top.accuracy), (2, Some(1.0)));
    assert_eq!(s.reliability[8].accuracy, Some(0.0));
    assert_eq!(s.reliability[0].count, 1);
    assert_eq!(s.reliability[5].mean_confidence, None);
    let misses = worst_misses(&records, 2);
    assert_eq!(misses.len(), 2);
    assert_eq!(
        (misses[0].got, misses[1].got),
        (V::Leak, V::RestartMaskedLeak)
    );
}

#[test]
fn reported_onsets_and_times_to_limit_are_held_against_the_planted_ones() {
    use crate::report::{GrowthOnset, TimeToLimit};
    use crate::verdict::Verdict as V;
    let (_, deploy) = generate_series(IncidentClass::DeployLeak, 1);
    let onset = deploy.current_growth().expect("a planted onset").onset_s;
    let mut near = record(IncidentClass::DeployLeak, V::Leak, 0.9);
    near.truth = deploy.clone();
    near.report.growth_onset = Some(GrowthOnset {
        unix_seconds: onset + 3600.0,
        ..GrowthOnset::default()
    });
    let mut far = near.clone();
    far.report
        .growth_onset
        .as_mut()
        .expect("a reported onset")
        .unix_seconds = deploy.window_start_s;
    let mut silent = near.clone();
    silent.report.growth_onset = None;
    let (_, limited) = generate_series(IncidentClass::NearLimitSlow, 0);
    let hours = limited
        .hours_to_limit_at_end
        .expect("a planted time to limit");
    let mut held = record(IncidentClass::NearLimitSlow, V::Leak, 0.9);
    held.truth = limited;
    held.report.limit_source = Some("cgroup_limit".into());
    held.report.time_to_limit = Some(TimeToLimit {
        hours: 2.0 * hours,
        earliest_hours: 0.5 * hours,
        latest_hours: None,
        ..TimeToLimit::default()
    });
    let mut missed = held.clone();
    missed
        .report
        .time_to_limit
        .as_mut()
        .expect("a reported time to limit")
        .earliest_hours = 1.5 * hours;
    let s = summarize(&[near, far, silent, held, missed], 10);
    let deploys = s
        .timing
        .iter()
        .find(|t| t.class == IncidentClass::DeployLeak)
        .expect("a summary row");
    assert_eq!((deploys.onsets, deploys.onsets_reported), (3, 2));
    assert_eq!(deploys.onset_within, Some(0.5));
    let limits = s
        .timing
        .iter()
        .find(|t| t.class == IncidentClass::NearLimitSlow)
        .expect("a summary row");
    assert_eq!((limits.limits, limits.limits_reported), (2, 2));
    assert_eq!(limits.limit_median_ratio, Some(2.0));
    assert_eq!(limits.limit_covered, Some(0.5));
}

#[test]
fn runs_return_every_case_in_order_whatever_the_threads() {
    let classes = [IncidentClass::TooLittleData, IncidentClass::WarmUp];
    let judge = |case: &LabelledTarget| TargetReport {
        verdict: case.expected,
        confidence: case.truth.seed as f64 / 10.0,
        ..TargetReport::default()
    };
    let one = run_with(&classes, 0..5, 1, judge);
    let two = run_with(&classes, 0..5, 3, judge);
    let keys = |r: &[CaseRecord]| {
        r.iter()
            .map(|c| (c.class, c.seed, c.confidence.to_bits()))
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(&one), keys(&two));
    assert_eq!(one.len(), 10);
    assert!(one.iter().all(|r| r.correct()));
}

/// Per 3-hour chunk of the window: the chunk's centre and `reduce` of its samples.
fn per_chunk(
    points: &[(f64, f64)],
    t: &GroundTruth,
    reduce: fn(&mut [f64]) -> f64,
) -> Vec<(f64, f64)> {
    let width = 3.0 * 3600.0;
    let chunks = ((t.window_end_s - t.window_start_s) / width).floor() as usize;
    (0..chunks)
        .filter_map(|k| {
            let lo = t.window_start_s + k as f64 * width;
            let mut v: Vec<f64> = points
                .iter()
                .filter(|(s, _)| *s >= lo && *s < lo + width)
                .map(|p| p.1)
                .collect();
            (!v.is_empty()).then(|| (lo + 0.5 * width, reduce(&mut v)))
        })
        .collect()
}

fn min_of(v: &mut [f64]) -> f64 {
    v.iter().copied().fold(f64::INFINITY, f64::min)
}

fn median_of(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Mean of the last 15% of chunks minus mean of the first 15%, for the series and for
/// `clean` at the same chunk centres.
fn change(chunks: &[(f64, f64)], clean: impl Fn(f64) -> f64) -> (f64, f64) {
    let k = (chunks.len() * 15 / 100).max(1);
    let mean = |part: &[(f64, f64)], f: &dyn Fn(&(f64, f64)) -> f64| {
        part.iter().map(f).sum::<f64>() / part.len() as f64
    };
    let (head, tail) = (&chunks[..k], &chunks[chunks.len() - k..]);
    (
        mean(tail, &|p| p.1) - mean(head, &|p| p.1),
        mean(tail, &|p| clean(p.0)) - mean(head, &|p| clean(p.0)),
    )
}

#[test]
fn each_planted_growth_shows_in_its_own_memory_and_nowhere_else() {
    use IncidentClass as C;
    let classes = [
        C::SteadyLeak,
        C::FlagLeak,
        C::Plateau,
        C::NativeGrowth,
        C::CacheLinear,
        C::CacheSaturating,
        C::Stable,
    ];
    let mut checked = 0;
    for class in classes {
        for seed in 0..2 * SEEDS {
            let plan = classes::draw(class, seed);
            let (series, t) = generate_series(class, seed);
            if !t.runtime.scrapes_app() || !t.restarts.is_empty() || t.gap.is_some() {
                continue;
            }
            let started = t.window_start_s - t.process_age_at_start_h * 3600.0;
            let old = points(&find(
                &series,
                "nodejs_heap_space_size_used_bytes",
                Some(("space", "old")),
            ));
            let rss = points(&find(&series, "process_resident_memory_bytes", None));
            let total = points(&find(&series, "nodejs_heap_size_total_bytes", None));
            // Memory outside the V8 heap: RSS minus the committed heap at the same scrape.
            let outside: Vec<(f64, f64)> = rss
                .iter()
                .zip(&total)
                .filter(|(a, b)| a.0 == b.0)
                .map(|(a, b)| (a.0, a.1 - b.1))
                .collect();
            let cache = points(&ours(&series, &t, "container_memory_cache"));
            let live = plan.process.old_live_bytes;
            let label = format!("{class} seed {seed}");
            let (seen, planted) =
                change(&per_chunk(&old, &t, min_of), |s| plan.live_old(started, s));
            let slack = 0.25 * planted.abs() + 4.0 * plan.noise.sd_share * live + 4.0 * MIB;
            assert!(
                (seen - planted).abs() < slack,
                "{label}: old-space floor {seen:.0} vs {planted:.0}"
            );
            let (seen, planted) = change(&per_chunk(&outside, &t, median_of), |s| {
                plan.native(started, s)
            });
            assert!(
                (seen - planted).abs() < 0.25 * planted.abs() + 8.0 * MIB,
                "{label}: outside the heap {seen:.0} vs {planted:.0}"
            );
            let fill = |s: f64| plan.cache.fill.value(t.window_start_s, s);
            let (seen, planted) = change(&per_chunk(&cache, &t, median_of), fill);
            assert!(
                (seen - planted).abs() < 0.2 * planted.abs() + 8.0 * MIB,
                "{label}: page cache {seen:.0} vs {planted:.0}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 25, "only {checked} cases checked");
}

//! A realistic report built by hand for the renderer tests: seven targets (every verdict),
//! two hosts, a cross-host comparison, restarts, a plateau, projections to a limit and a
//! label with markup in it. Values come from closed-form curves with deterministic
//! jitter, so the fixture is identical on every run.

#![allow(dead_code)]

use memgrowth::report::*;
use memgrowth::verdict::Verdict;
use std::collections::BTreeMap;

#[path = "render_targets.rs"]
mod targets;
use targets::*;

pub const MIB: f64 = 1024.0 * 1024.0;
pub const GIB: f64 = 1024.0 * MIB;
/// 2026-11-01T00:00:00Z.
pub const START: f64 = 1_793_491_200.0;
pub const HOUR: f64 = 3600.0;
pub const DAYS: f64 = 7.0;
const STEP: f64 = 1800.0;

/// Deterministic jitter in [-1, 1].
fn jitter(i: usize, salt: f64) -> f64 {
    let x = ((i as f64 + salt) * 12.9898).sin() * 43_758.545_3;
    (x - x.floor()) * 2.0 - 1.0
}

fn times() -> impl Iterator<Item = (usize, f64)> {
    let n = (DAYS * 24.0 * HOUR / STEP) as usize;
    (0..=n).map(|i| (i, START + i as f64 * STEP))
}

fn sampled(f: impl Fn(usize, f64) -> f64) -> Vec<[f64; 2]> {
    times()
        .map(|(i, t)| [t, f(i, (t - START) / HOUR)])
        .collect()
}

fn curve(from: f64, to: f64, f: impl Fn(f64) -> f64) -> Vec<[f64; 2]> {
    let steps = 60;
    (0..=steps)
        .map(|k| {
            let t = from + (to - from) * k as f64 / steps as f64;
            [t, f((t - START) / HOUR)]
        })
        .collect()
}

fn summary(samples: &[[f64; 2]]) -> SeriesSummary {
    let values: Vec<f64> = samples.iter().map(|s| s[1]).collect();
    SeriesSummary {
        first: values.first().copied().unwrap_or(0.0),
        last: values.last().copied().unwrap_or(0.0),
        min: values.iter().copied().fold(f64::INFINITY, f64::min),
        max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        mean: values.iter().sum::<f64>() / values.len().max(1) as f64,
        start: samples.first().map_or(START, |s| s[0]),
        end: samples.last().map_or(START, |s| s[0]),
    }
}

fn model(
    name: &str,
    formula: &str,
    params: &[(&str, f64)],
    delta: f64,
    weight: f64,
    curve: Vec<[f64; 2]>,
) -> ModelFit {
    ModelFit {
        name: name.to_string(),
        formula: formula.to_string(),
        params: params.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        rss: 1.0e12 * (1.0 + delta),
        aicc: 5000.0 + delta,
        bic: 5010.0 + delta,
        delta_aicc: delta,
        weight,
        curve,
    }
}

fn trend(slope: f64, p: f64) -> Trend {
    Trend {
        method: "mann_kendall_hamed_rao".to_string(),
        z: if p < 0.05 { 6.2 } else { 0.4 },
        p_value: p,
        slope_per_hour: slope,
        ci95: [
            slope - slope.abs() * 0.12 - 1000.0,
            slope + slope.abs() * 0.12 + 1000.0,
        ],
        n: 337,
        n_effective: 61.5,
        significant: p < 0.05,
    }
}

fn series(
    kind: &str,
    view: &str,
    samples: Vec<[f64; 2]>,
    models: Vec<ModelFit>,
    selected: Option<&str>,
    trend: Option<Trend>,
) -> SeriesReport {
    SeriesReport {
        kind: kind.to_string(),
        space: None,
        view: view.to_string(),
        points: samples.len(),
        summary: summary(&samples),
        selected_model: selected.map(str::to_string),
        trend,
        segments: vec![SegmentInfo {
            start: START,
            end: START + DAYS * 24.0 * HOUR,
            points: samples.len(),
            slope_per_hour: None,
        }],
        models,
        samples,
        ..SeriesReport::default()
    }
}

fn plain(kind: &str, samples: Vec<[f64; 2]>) -> SeriesReport {
    series(kind, "raw", samples, Vec::new(), None, None)
}

fn target(
    service: &str,
    host: &str,
    verdict: Verdict,
    confidence: f64,
    reasons: &[&str],
) -> TargetReport {
    TargetReport {
        service: service.to_string(),
        host: host.to_string(),
        verdict,
        confidence,
        reasons: reasons.iter().map(|r| r.to_string()).collect(),
        growth: None,
        limit_bytes: Some(GIB),
        limit_source: Some("cgroup_limit".to_string()),
        time_to_limit_hours: None,
        plateau: None,
        restarts: 0,
        restart_times: Vec::new(),
        missing_kinds: Vec::new(),
        series: Vec::new(),
        ..TargetReport::default()
    }
}

const END: f64 = START + DAYS * 24.0 * HOUR;

/// A garbage-collected heap: a sawtooth above a floor.
fn heap(floor: impl Fn(f64) -> f64, salt: f64) -> (Vec<[f64; 2]>, Vec<[f64; 2]>) {
    let raw = sampled(|i, h| floor(h) + 40.0 * MIB * (0.5 + 0.5 * jitter(i, salt)));
    let low = sampled(|i, h| floor(h) + 2.0 * MIB * jitter(i, salt + 7.0));
    (raw, low)
}

fn share(component: &str, part_of: Option<&str>, difference: f64, share: f64) -> ComponentShare {
    ComponentShare {
        component: component.to_string(),
        part_of: part_of.map(str::to_string),
        difference,
        share,
    }
}

/// The sample report.
pub fn sample_report() -> Report {
    let targets = vec![
        api_host_a(),
        api_host_b(),
        cron_host_a(),
        scheduler_host_b(),
        worker_host_a(),
        worker_host_b(),
        redis_host_a(),
    ];
    let mut per_host = BTreeMap::new();
    per_host.insert(
        "host-a".to_string(),
        LevelAndSlope {
            level: 80.0 * MIB,
            slope_per_hour: Some(0.0),
        },
    );
    per_host.insert(
        "host-b".to_string(),
        LevelAndSlope {
            level: 410.0 * MIB,
            slope_per_hour: Some(3.4 * MIB),
        },
    );
    let mut heap = BTreeMap::new();
    heap.insert(
        "host-a".to_string(),
        LevelAndSlope {
            level: 480.0 * MIB,
            slope_per_hour: Some(2.1 * MIB),
        },
    );
    heap.insert(
        "host-b".to_string(),
        LevelAndSlope {
            level: 310.0 * MIB,
            slope_per_hour: None,
        },
    );
    let mut host_context = BTreeMap::new();
    host_context.insert(
        "host-a".to_string(),
        HostContext {
            kernel: Some("6.1.0-27-amd64".to_string()),
            cpus: Some(4.0),
            mem_total_bytes: Some(8.0 * GIB),
            mem_available_bytes: Some(5.2 * GIB),
            cgroup_version: Some("v2".to_string()),
            cgroup_version_evidence: Some(
                "container_memory_working_set_bytes has no total_ prefix".to_string(),
            ),
            cached_bytes: Some(1.9 * GIB),
            mem_available_fraction: Some(0.65),
        },
    );
    host_context.insert(
        "host-b".to_string(),
        HostContext {
            kernel: Some("5.15.0-91-generic".to_string()),
            cpus: Some(8.0),
            mem_total_bytes: Some(16.0 * GIB),
            mem_available_bytes: Some(12.9 * GIB),
            cgroup_version: Some("v1".to_string()),
            cgroup_version_evidence: None,
            cached_bytes: Some(9.4 * GIB),
            mem_available_fraction: Some(0.81),
        },
    );
    let mut other = BTreeMap::new();
    other.insert("min_points".to_string(), 48.0);
    other.insert("min_span_hours".to_string(), 12.0);
    Report {
        links: Vec::new(),
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo { name: "memgrowth".to_string(), version: "0.1.0".to_string() },
        window: Window {
            start: memgrowth::units::rfc3339(START),
            end: memgrowth::units::rfc3339(END),
            step_seconds: 60.0,
        },
        source: SourceInfo {
            kind: "prometheus".to_string(),
            location: "http://127.0.0.1:9090".to_string(),
            files: Vec::new(),
            series: 31,
            samples: 312_480,
            warnings: vec!["partial response from store <thanos-store-1> & retried".to_string()],
        },
        subject: SubjectInfo {
            app: Some("{job=\"otl\"}".to_string()),
            container: Some("{name=~\"otl-.*\"}".to_string()),
            by: Some("service".to_string()),
            host_label: "instance".to_string(),
        },
        verdict: Verdict::Leak,
        targets,
        comparison: Comparison {
            hosts: vec!["host-a".to_string(), "host-b".to_string()],
            divergent_kinds: vec![DivergentKind {
                service: "otl-api".to_string(),
                kind: "cgroup_usage".to_string(),
                ratio: 1.31,
                explained_by: Some("cgroup_cache".to_string()),
                share: Some(0.86),
            }],
            consistent_kinds: vec![ConsistentKind { service: "otl-api".to_string(), kind: "heap_used".to_string(), ratio: 1.04 }],
            host_context,
            kinds: vec![
                KindAcrossHosts { service: "otl-api".to_string(), kind: "cgroup_cache".to_string(), per_host, max_min_ratio: Some(5.13), coefficient_of_variation: Some(0.94) },
                KindAcrossHosts { service: "otl-api".to_string(), kind: "heap_used".to_string(), per_host: heap, max_min_ratio: Some(1.55), coefficient_of_variation: Some(0.3) },
            ],
            explanation: vec![
                "otl-api's container memory is 1.31× higher on host-b; cgroup_cache explains 86% of the difference".to_string(),
                "the Node.js heap is similar on both hosts (ratio 1.04): the application behaves the same".to_string(),
            ],
            recommendations: vec![
                "alert on cgroup_working_set or cgroup_rss, not cgroup_usage, so page cache does not page anyone".to_string(),
                "take a heap snapshot of otl-api on host-a: its heap floor grows 2.10 MiB/h".to_string(),
            ],
            attributions: vec![Attribution {
                service: "otl-api".to_string(),
                kind: "cgroup_usage".to_string(),
                basis: "level".to_string(),
                high_host: "host-b".to_string(),
                low_host: "host-a".to_string(),
                difference: 330.0 * MIB,
                components: vec![
                    share("cgroup_cache", None, 284.0 * MIB, 0.86),
                    share("cgroup_rss", None, 49.0 * MIB, 0.148),
                    share("other", None, -3.0 * MIB, -0.008),
                    share("inactive_file", Some("cgroup_cache"), 230.0 * MIB, 0.81),
                    share("active_file", Some("cgroup_cache"), 54.0 * MIB, 0.19),
                ],
            }],
            thresholds: [("materiality_ratio".to_string(), 1.2)].into_iter().collect(),
        },
        settings: AnalysisSettingsInfo { alpha: 0.05, min_relative_growth_per_day: 0.02, other },
        timeline: Vec::new(),
        baseline: None,
        bundles: Vec::new(),
    }
}

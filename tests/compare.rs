//! The cross-host comparison on hand-built cases: the seed's page-cache divergence, native
//! growth on a many-CPU host, many hosts and services, agreement, and a JSON snapshot.

mod compare_support;

use compare_support::*;
use memgrowth::compare::compare;
use memgrowth::report::{Comparison, DivergentKind, TargetReport};
use memgrowth::target::Target;
use memgrowth::verdict::Verdict;

const SEEDS: u64 = 20;

fn divergent<'c>(c: &'c Comparison, kind: &str) -> Option<&'c DivergentKind> {
    c.divergent_kinds.iter().find(|d| d.kind == kind)
}

fn consistent(c: &Comparison, kind: &str) -> bool {
    c.consistent_kinds.iter().any(|k| k.kind == kind)
}

fn text(lines: &[String]) -> String {
    lines.join("\n")
}

#[test]
fn seed_case_names_page_cache_and_a_consistent_heap_over_many_seeds() {
    for seed in 0..SEEDS {
        let c = compare(&seed_case(seed), &[]);
        let usage = divergent(&c, "cgroup_usage").unwrap_or_else(|| panic!("seed {seed}: {c:#?}"));
        assert_eq!(
            usage.explained_by.as_deref(),
            Some("cgroup_cache"),
            "seed {seed}"
        );
        let share = usage.share.unwrap();
        assert!(share > 0.9 && share <= 1.05, "seed {seed}: share {share}");
        assert!(usage.ratio > 3.0, "seed {seed}: ratio {}", usage.ratio);
        for kind in ["heap_used", "external", "process_rss", "cgroup_rss"] {
            assert!(
                consistent(&c, kind),
                "seed {seed}: {kind} should agree: {c:#?}"
            );
        }
        let explanation = text(&c.explanation);
        let pct = format!("{:.0}% of the", share * 100.0);
        assert!(explanation.contains(&pct), "seed {seed}: {explanation}");
        assert!(
            explanation.contains("page cache (cgroup_cache)"),
            "{explanation}"
        );
        assert!(explanation.contains("10.0.0.5 keeps"), "{explanation}");
        assert!(
            explanation.contains("58.0 GiB are available"),
            "{explanation}"
        );
        assert!(explanation.contains("not a leak"), "{explanation}");
        let recommendations = text(&c.recommendations);
        assert!(
            recommendations.contains("Alert on cgroup_rss"),
            "{recommendations}"
        );
        assert!(
            recommendations.contains("max_memory_restart"),
            "{recommendations}"
        );
        assert!(
            recommendations.contains("--max-old-space-size="),
            "{recommendations}"
        );
    }
}

#[test]
fn seed_case_attribution_adds_up_and_splits_the_cache() {
    let c = compare(&seed_case(7), &[]);
    let at = c
        .attributions
        .iter()
        .find(|a| a.kind == "cgroup_usage")
        .expect("usage attribution");
    assert_eq!(
        (at.high_host.as_str(), at.low_host.as_str()),
        ("10.0.0.5", "10.0.0.7")
    );
    assert_eq!(at.basis, "level");
    let top: f64 = at
        .components
        .iter()
        .filter(|c| c.part_of.is_none())
        .map(|c| c.share)
        .sum();
    assert!((top - 1.0).abs() < 1e-9, "top-level shares sum to {top}");
    let inactive = at
        .components
        .iter()
        .find(|c| c.component == "inactive_file")
        .expect("inactive file pages");
    // 80% of the cache is inactive in this case.
    let cache = at
        .components
        .iter()
        .find(|c| c.component == "cgroup_cache")
        .unwrap();
    assert!(
        (inactive.share / cache.share - 0.8).abs() < 0.03,
        "{inactive:?} {cache:?}"
    );
}

#[test]
fn seed_case_host_context_is_read_from_node_exporter() {
    let c = compare(&seed_case(1), &[]);
    let a = &c.host_context["10.0.0.5"];
    let b = &c.host_context["10.0.0.7"];
    assert_eq!(a.kernel.as_deref(), Some("5.15.0-91-generic"));
    assert_eq!((a.cpus, b.cpus), (Some(16.0), Some(4.0)));
    assert_eq!(b.mem_available_bytes, Some(0.6 * GIB));
    assert!((b.mem_available_fraction.unwrap() - 0.075).abs() < 1e-9);
    // Both kernels support cgroup v2; nothing in the series says which is mounted.
    assert_eq!(a.cgroup_version, None);
    assert!(
        a.cgroup_version_evidence
            .as_deref()
            .unwrap()
            .starts_with("unknown")
    );
}

#[test]
fn native_case_names_native_memory_and_the_cpu_difference_over_many_seeds() {
    for seed in 0..SEEDS {
        let c = compare(&native_case(seed), &[]);
        let rss = divergent(&c, "process_rss").unwrap_or_else(|| panic!("seed {seed}: {c:#?}"));
        assert_eq!(rss.explained_by.as_deref(), Some("native"), "seed {seed}");
        assert!(rss.share.unwrap() > 0.9, "seed {seed}: {rss:?}");
        assert!(consistent(&c, "heap_used"), "seed {seed}");
        assert!(consistent(&c, "cgroup_cache"), "seed {seed}");
        let explanation = text(&c.explanation);
        assert!(
            explanation.contains("node-a has 64 CPUs and node-b 8"),
            "{explanation}"
        );
        assert!(explanation.contains("512 against 64"), "{explanation}");
        assert!(
            explanation.contains("not a JavaScript leak"),
            "{explanation}"
        );
        assert!(
            !explanation.contains("page cache, not a leak"),
            "{explanation}"
        );
        let recommendations = text(&c.recommendations);
        assert!(
            recommendations.contains("MALLOC_ARENA_MAX=2"),
            "{recommendations}"
        );
        assert!(
            recommendations.contains("Do not hide the process_rss growth on node-a"),
            "{recommendations}"
        );
        assert!(!recommendations.contains("Alert on"), "{recommendations}");
    }
}

#[test]
fn native_growth_with_equal_cpus_does_not_blame_arenas() {
    let mut targets = native_case(3);
    for t in &mut targets {
        let spec = HostSpec {
            host: if t.host == "node-a" {
                "node-a"
            } else {
                "node-b"
            },
            kernel: "6.1.0-18-amd64",
            cpus: 8,
            mem_total: 32.0 * GIB,
            mem_available: 20.0 * GIB,
        };
        t.host_series = host_series(&spec);
    }
    let c = compare(&targets, &[]);
    let explanation = text(&c.explanation);
    assert!(
        explanation.contains("The CPU counts do not explain it"),
        "{explanation}"
    );
    assert!(!explanation.contains("arenas per CPU"), "{explanation}");
    assert!(!text(&c.recommendations).contains("set MALLOC_ARENA_MAX"));
}

#[test]
fn cache_without_memory_pressure_data_says_so() {
    let mut targets = seed_case(2);
    for t in &mut targets {
        t.host_series.clear();
    }
    let c = compare(&targets, &[]);
    let explanation = text(&c.explanation);
    assert!(explanation.contains("is unknown"), "{explanation}");
    assert!(
        c.host_context
            .values()
            .all(|h| h.kernel.is_none() && h.cpus.is_none())
    );
}

fn same_everywhere(service: &str, hosts: &[HostSpec], seed: u64) -> Vec<Target> {
    hosts
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let memory = Memory {
                heap: flat(200.0 * MIB),
                sawtooth: 40.0 * MIB,
                external: flat(12.0 * MIB),
                native: flat(110.0 * MIB),
                cache: flat(80.0 * MIB),
                inactive_share: 0.5,
                noise: 0.01,
            };
            target(service, spec, &memory, seed + i as u64)
        })
        .collect()
}

#[test]
fn agreeing_hosts_have_no_divergence() {
    let hosts = [
        host_a(),
        host_b(),
        HostSpec {
            host: "10.0.0.9",
            kernel: "6.1.0-18-amd64",
            cpus: 8,
            mem_total: 16.0 * GIB,
            mem_available: 9.0 * GIB,
        },
    ];
    for seed in 0..SEEDS {
        let c = compare(&same_everywhere("worker", &hosts, seed * 3), &[]);
        assert!(
            c.divergent_kinds.is_empty(),
            "seed {seed}: {:#?}",
            c.divergent_kinds
        );
        assert_eq!(c.consistent_kinds.len(), 7, "{:#?}", c.consistent_kinds);
        assert!(c.explanation[0].starts_with("Every compared kind agrees across the 3 hosts"));
        assert!(text(&c.explanation).contains("Kernels differ"));
    }
}

#[test]
fn many_services_and_hosts_are_ordered_and_labelled() {
    let third = HostSpec {
        host: "10.0.0.9",
        kernel: "6.1.0-18-amd64",
        cpus: 8,
        mem_total: 16.0 * GIB,
        mem_available: 9.0 * GIB,
    };
    let mut targets = seed_case(4);
    targets.extend(same_everywhere(
        "worker",
        &[host_b(), third.clone(), host_a()],
        11,
    ));
    // A third host for the api, agreeing with the low one.
    let mut extra = seed_case(5).pop().unwrap();
    extra.host = third.host.into();
    extra.host_series = host_series(&third);
    targets.push(extra);
    targets.reverse();
    let c = compare(&targets, &[]);
    assert_eq!(c.hosts, vec!["10.0.0.5", "10.0.0.7", "10.0.0.9"]);
    let services: Vec<&str> = c.kinds.iter().map(|k| k.service.as_str()).collect();
    let mut sorted = services.clone();
    sorted.sort();
    assert_eq!(services, sorted);
    assert!(c.kinds.iter().all(|k| k.per_host.len() == 3));
    let usage = c
        .divergent_kinds
        .iter()
        .find(|d| d.kind == "cgroup_usage")
        .unwrap();
    assert_eq!(usage.service, "otl-api");
    assert_eq!(usage.explained_by.as_deref(), Some("cgroup_cache"));
    assert!(c.divergent_kinds.iter().all(|d| d.service == "otl-api"));
    assert!(c.consistent_kinds.iter().any(|k| k.service == "worker"));
    assert!(
        c.explanation
            .iter()
            .all(|l| l.starts_with("otl-api: ") || l.starts_with("worker: "))
    );
    assert!(
        c.explanation
            .iter()
            .any(|l| l.starts_with("otl-api: cgroup_usage differs"))
    );
    // Same input in another order: same output.
    targets.reverse();
    assert_eq!(compare(&targets, &[]), c);
}

#[test]
fn one_host_has_nothing_to_compare() {
    let targets = vec![seed_case(1).remove(0)];
    let c = compare(&targets, &[]);
    assert!(c.divergent_kinds.is_empty() && c.consistent_kinds.is_empty());
    assert!(c.kinds.iter().all(|k| k.max_min_ratio.is_none()));
    assert!(c.explanation[0].contains("runs on one host (10.0.0.5)"));
}

#[test]
fn empty_input_gives_an_empty_comparison() {
    let c = compare(&[], &[]);
    assert_eq!(c.hosts.len(), 0);
    assert!(c.explanation.is_empty() && c.kinds.is_empty());
}

/// The seed's case without noise: a stable input for the JSON snapshot.
fn quiet_seed_case() -> Vec<Target> {
    let memory = |cache: Curve| Memory {
        heap: flat(150.0 * MIB),
        sawtooth: 40.0 * MIB,
        external: flat(9.0 * MIB),
        native: flat(90.0 * MIB),
        cache,
        inactive_share: 0.8,
        noise: 0.0,
    };
    vec![
        target(
            "otl-api",
            &host_a(),
            &memory(linear(60.0 * MIB, 48.0 * MIB)),
            1,
        ),
        target("otl-api", &host_b(), &memory(flat(45.0 * MIB)), 2),
    ]
}

#[test]
fn comparison_json_snapshot() {
    let c = compare(&quiet_seed_case(), &[]);
    insta::assert_json_snapshot!("seed_case_comparison", c);
}

#[test]
fn comparison_round_trips_through_json() {
    let c = compare(&quiet_seed_case(), &[]);
    let json = serde_json::to_string(&c).unwrap();
    let back: Comparison = serde_json::from_str(&json).unwrap();
    // Floats may lose their last bit in JSON; everything else is exact.
    assert_eq!(back.explanation, c.explanation);
    assert_eq!(back.recommendations, c.recommendations);
    assert_eq!(back.host_context, c.host_context);
    assert_eq!(back.divergent_kinds.len(), c.divergent_kinds.len());
    for (b, o) in back.divergent_kinds.iter().zip(&c.divergent_kinds) {
        assert_eq!((&b.kind, &b.explained_by), (&o.kind, &o.explained_by));
        assert!((b.share.unwrap() - o.share.unwrap()).abs() < 1e-12);
    }
}

fn report(service: &str, host: &str, verdict: Verdict) -> TargetReport {
    TargetReport {
        service: service.into(),
        host: host.into(),
        verdict,
        confidence: 0.9,
        reasons: Vec::new(),
        growth: None,
        limit_bytes: Some(1536.0 * MIB),
        limit_source: Some("--limit".into()),
        time_to_limit_hours: None,
        plateau: None,
        restarts: 0,
        restart_times: Vec::new(),
        missing_kinds: Vec::new(),
        series: Vec::new(),
        ..TargetReport::default()
    }
}

#[test]
fn a_leak_verdict_suppresses_threshold_advice_and_a_limit_raises_materiality() {
    let targets = seed_case(3);
    let plain = compare(&targets, &[]);
    assert!(text(&plain.recommendations).contains("max_memory_restart to"));
    let reports = vec![
        report("otl-api", "10.0.0.5", Verdict::Leak),
        report("otl-api", "10.0.0.7", Verdict::Stable),
    ];
    let c = compare(&targets, &reports);
    let recommendations = text(&c.recommendations);
    assert!(
        !recommendations.contains("max_memory_restart to"),
        "{recommendations}"
    );
    assert!(
        !recommendations.contains("--max-old-space-size"),
        "{recommendations}"
    );
    // The page-cache divergence is far above 2% of the 1.5 GiB limit: still named.
    assert_eq!(
        divergent(&c, "cgroup_usage").and_then(|d| d.explained_by.as_deref()),
        Some("cgroup_cache")
    );
}

#[test]
fn a_heap_leak_on_one_host_is_told_as_retention_there() {
    for seed in 0..SEEDS {
        let memory = |heap: Curve| Memory {
            heap,
            sawtooth: 40.0 * MIB,
            external: flat(9.0 * MIB),
            native: flat(90.0 * MIB),
            cache: flat(50.0 * MIB),
            inactive_share: 0.5,
            noise: 0.01,
        };
        let targets = vec![
            target(
                "otl-api",
                &host_a(),
                &memory(linear(150.0 * MIB, 8.0 * MIB)),
                seed,
            ),
            target("otl-api", &host_b(), &memory(flat(150.0 * MIB)), seed + 100),
        ];
        let c = compare(&targets, &[]);
        let heap = divergent(&c, "heap_used").unwrap_or_else(|| panic!("{c:#?}"));
        assert!(heap.ratio > 2.0, "{heap:?}");
        let rss = divergent(&c, "process_rss").unwrap();
        assert_eq!(rss.explained_by.as_deref(), Some("heap_used"), "{rss:?}");
        let explanation = text(&c.explanation);
        assert!(
            explanation.contains("retains memory on 10.0.0.5 only"),
            "{explanation}"
        );
        assert!(!explanation.contains("not a leak"), "{explanation}");
        assert!(
            !explanation.contains("not a JavaScript leak"),
            "{explanation}"
        );
        let recommendations = text(&c.recommendations);
        assert!(
            !recommendations.contains("--max-old-space-size"),
            "{recommendations}"
        );
        assert!(
            recommendations.contains("Do not hide the process_rss growth on 10.0.0.5"),
            "{recommendations}"
        );
    }
}

#[test]
fn kinds_missing_on_a_host_are_named() {
    let mut targets = seed_case(9);
    targets[1].series.retain(|s| {
        s.key.kind.as_str().starts_with("heap")
            || s.key.kind.as_str() == "external"
            || s.key.kind.as_str() == "process_rss"
    });
    let c = compare(&targets, &[]);
    assert!(c.divergent_kinds.is_empty(), "{:#?}", c.divergent_kinds);
    assert!(consistent(&c, "heap_used"));
    let explanation = text(&c.explanation);
    assert!(explanation.contains("Missing, so not compared there: cgroup_usage on 10.0.0.7; cgroup_working_set on 10.0.0.7"), "{explanation}");
}

#[test]
fn host_memory_is_not_taken_for_the_service_limit() {
    let targets = native_case(2);
    let mut reports = vec![
        report("otl-api", "node-a", Verdict::NativeGrowth),
        report("otl-api", "node-b", Verdict::Stable),
    ];
    for r in &mut reports {
        r.limit_bytes = Some(256.0 * GIB);
        r.limit_source = Some("host_mem_total".into());
    }
    let c = compare(&targets, &reports);
    // 2% of 256 GiB would make the 1 GiB native difference immaterial; it is not.
    let rss = divergent(&c, "process_rss").expect("process_rss diverges");
    assert_eq!(rss.explained_by.as_deref(), Some("native"));
}

#[test]
fn page_cache_without_pressure_names_the_kernels_or_the_workload() {
    let mut targets = seed_case(6);
    // The host keeping less cache now has more memory available: pressure explains nothing.
    let roomy_b = HostSpec {
        mem_available: 62.0 * GIB,
        mem_total: 64.0 * GIB,
        ..host_b()
    };
    targets[1].host_series = host_series(&roomy_b);
    let c = compare(&targets, &[]);
    let explanation = text(&c.explanation);
    assert!(
        explanation.contains("Memory pressure does not explain it"),
        "{explanation}"
    );
    assert!(
        explanation.contains(
            "the kernels differ (10.0.0.5: 5.15.0-91-generic, 10.0.0.7: 4.19.0-25-amd64)"
        ),
        "{explanation}"
    );
    assert!(
        !explanation.contains("Kernels differ ("),
        "told once: {explanation}"
    );
    // Same kernel on both: the workload is named instead.
    let same_kernel = HostSpec {
        kernel: "5.15.0-91-generic",
        ..roomy_b
    };
    targets[1].host_series = host_series(&same_kernel);
    let explanation = text(&compare(&targets, &[]).explanation);
    assert!(
        explanation.contains("reads or writes more files"),
        "{explanation}"
    );
}

#[test]
fn a_pm2_threshold_above_the_cgroup_limit_is_flagged() {
    let mut targets = seed_case(8);
    for t in &mut targets {
        for s in &mut t.series {
            if s.key.kind.as_str() == "cgroup_limit" {
                s.values.iter_mut().for_each(|v| *v = 448.0 * MIB);
            }
        }
    }
    let recommendations = text(&compare(&targets, &[]).recommendations);
    assert!(
        recommendations.contains("the memory limit of 448 MiB is below it"),
        "{recommendations}"
    );
    let plain = text(&compare(&seed_case(8), &[]).recommendations);
    assert!(!plain.contains("is below it"), "{plain}");
}

/// One engine, one meaning of growth: beside a leak verdict the comparison never says
/// "not a leak", and a series the engine judged growing is growing in the comparison.
#[test]
fn the_comparison_never_contradicts_the_verdicts() {
    let targets = seed_case(3);
    let plain = compare(&targets, &[]);
    assert!(
        text(&plain.explanation).contains("not a leak"),
        "{:?}",
        plain.explanation
    );
    let mut leak = report("otl-api", "10.0.0.5", Verdict::Leak);
    leak.series.push(memgrowth::report::SeriesReport {
        kind: "heap_used".into(),
        view: "floor".into(),
        role: Some("heap_floor".into()),
        status: Some("grows".into()),
        ..Default::default()
    });
    let reports = vec![leak, report("otl-api", "10.0.0.7", Verdict::Stable)];
    let c = compare(&targets, &reports);
    assert!(
        !text(&c.explanation).contains("not a leak"),
        "{:?}",
        c.explanation
    );
}

/// A container restarted under a new id is one series in the comparison, chained as the
/// engine chains it, not the sum of the dead and the live container.
#[test]
fn a_restarted_container_is_chained_not_summed() {
    use memgrowth::frame::{SeriesKey, TidySeries};
    use memgrowth::kind::Kind;
    let mib = 1024.0 * 1024.0;
    let part = |id: &str, from: i64, to: i64| {
        let mut labels = std::collections::BTreeMap::new();
        labels.insert("id".to_string(), id.to_string());
        TidySeries {
            key: SeriesKey {
                service: "api".into(),
                host: "h1".into(),
                kind: Kind::CgroupRss,
                space: String::new(),
            },
            labels,
            timestamps_ms: (from..to).map(|i| i * 60_000).collect(),
            values: (from..to).map(|_| 300.0 * mib).collect(),
        }
    };
    let target = Target {
        service: "api".into(),
        host: "h1".into(),
        series: vec![part("/docker/a", 0, 600), part("/docker/b", 600, 1200)],
        host_series: Vec::new(),
    };
    let levels = memgrowth::compare::levels::service_levels(&[&target]);
    let rss = levels[&Kind::CgroupRss]["h1"];
    assert!(
        (rss.level - 300.0 * mib).abs() < 1.0,
        "level {}",
        rss.level / mib
    );
    assert!((rss.span_hours - 1199.0 / 60.0).abs() < 1e-6);
}

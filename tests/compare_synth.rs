//! The comparison on generated scenarios (`crate::synth`): the seed's two-host case and
//! native growth on hosts of different CPU counts, over many seeds, and the shipped fixtures.

use memgrowth::catalog::Catalog;
use memgrowth::compare::compare;
use memgrowth::matcher::Selector;
use memgrowth::report::{Comparison, DivergentKind};
use memgrowth::subject::{Subject, select};
use memgrowth::synth::{Scenario, ScenarioKind, ScenarioParams, fixture_params, generate};
use memgrowth::target::group_targets;

const SEEDS: u64 = 40;

fn compare_scenario(scenario: &Scenario) -> Comparison {
    let service = &scenario.params.service;
    let subject = Subject {
        app: Some(Selector::parse(&format!("{{job=\"{service}\"}}")).unwrap()),
        container: Some(Selector::parse(&format!("{{name=\"{service}\"}}")).unwrap()),
        ..Subject::default()
    };
    let selection = select(scenario.series.clone(), &Catalog::default(), &subject);
    compare(&group_targets(selection.series), &[])
}

fn divergent<'c>(c: &'c Comparison, kind: &str) -> Option<&'c DivergentKind> {
    c.divergent_kinds.iter().find(|d| d.kind == kind)
}

fn consistent(c: &Comparison, kind: &str) -> bool {
    c.consistent_kinds.iter().any(|k| k.kind == kind)
}

/// The seed's case: usage diverges through page cache; the heap grows on no host. The
/// generator draws each host's heap size on its own (up to about 1.7x apart), so the heap
/// agreeing in level is only required of the shipped fixture (`strict_heap`).
fn check_otl(scenario: &Scenario, label: &str, strict_heap: bool) {
    let c = compare_scenario(scenario);
    let truth = scenario
        .truth
        .comparison
        .as_ref()
        .expect("comparison truth");
    assert_eq!(c.hosts.len(), 2, "{label}: {:?}", c.hosts);
    let d = divergent(&c, truth.divergent_kind.as_str())
        .unwrap_or_else(|| panic!("{label}: {} should diverge: {c:#?}", truth.divergent_kind));
    assert_eq!(
        d.explained_by.as_deref(),
        Some(truth.explained_by.as_str()),
        "{label}: {d:?}"
    );
    let share = d.share.unwrap();
    assert!(share > 0.5, "{label}: share {share}");
    if strict_heap {
        assert!(
            consistent(&c, "heap_used"),
            "{label}: heap should agree: {c:#?}"
        );
    }
    let explanation = c.explanation.join("\n");
    assert!(
        explanation.contains(&format!("{:.0}% of the", share * 100.0)),
        "{label}: {explanation}"
    );
    assert!(
        explanation.contains("grows on no"),
        "{label}: {explanation}"
    );
    assert!(explanation.contains("not a leak"), "{label}: {explanation}");
    assert!(
        c.recommendations.iter().any(|r| r.starts_with("Alert on")),
        "{label}: {:?}",
        c.recommendations
    );
}

/// Native growth: RSS diverges through native memory on the host with more CPUs.
fn check_native(scenario: &Scenario, label: &str) {
    let c = compare_scenario(scenario);
    let d = divergent(&c, "process_rss").unwrap_or_else(|| panic!("{label}: {c:#?}"));
    assert_eq!(d.explained_by.as_deref(), Some("native"), "{label}: {d:?}");
    assert!(d.share.unwrap() > 0.5, "{label}: {d:?}");
    assert!(consistent(&c, "heap_used"), "{label}: {c:#?}");
    let at = c
        .attributions
        .iter()
        .find(|a| a.kind == "process_rss")
        .unwrap();
    let cpus = |h: &str| c.host_context[h].cpus.unwrap();
    assert!(cpus(&at.high_host) > cpus(&at.low_host), "{label}: {at:?}");
    let explanation = c.explanation.join("\n");
    let told = format!(
        "{} has {:.0} CPUs and {} {:.0}",
        at.high_host,
        cpus(&at.high_host),
        at.low_host,
        cpus(&at.low_host)
    );
    assert!(explanation.contains(&told), "{label}: {explanation}");
    assert!(
        c.recommendations
            .iter()
            .any(|r| r.contains("MALLOC_ARENA_MAX=2")),
        "{label}"
    );
}

#[test]
fn otl_two_hosts_over_many_seeds() {
    for seed in 0..SEEDS {
        let kind = ScenarioKind::OtlTwoHosts;
        check_otl(
            &generate(kind, &ScenarioParams::random(kind, seed)),
            &format!("seed {seed}"),
            false,
        );
    }
}

#[test]
fn native_growth_over_many_seeds() {
    for seed in 0..SEEDS {
        let kind = ScenarioKind::NativeGrowth;
        check_native(
            &generate(kind, &ScenarioParams::random(kind, seed)),
            &format!("seed {seed}"),
        );
    }
}

#[test]
fn shipped_fixtures() {
    let kind = ScenarioKind::OtlTwoHosts;
    check_otl(
        &generate(kind, &fixture_params(kind)),
        "fixtures/otl-two-hosts",
        true,
    );
    let kind = ScenarioKind::NativeGrowth;
    check_native(
        &generate(kind, &fixture_params(kind)),
        "fixtures/native_growth",
    );
}

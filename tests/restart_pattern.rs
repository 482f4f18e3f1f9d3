//! A leak hidden by restarts is a pattern: growth seen to begin again after a restart, at
//! least twice. One restart is a boundary between two lives of the service (often two
//! builds), and the verdict judges the one running now. Over the labelled classes with a
//! deploy and the restart-masked class, and many seeds: no target with fewer than two
//! restarts is called `restart_masked_leak`; growth that began at a deploy is a `leak`
//! whose onset is that restart; a leak fixed by a deploy is not a leak; and the pattern is
//! still found where restarts really repeat.

use memgrowth::synth::incidents::IncidentClass;
use memgrowth::synth::incidents::accuracy::{CaseRecord, run};
use memgrowth::verdict::Verdict;

const SEEDS: u64 = 60;

fn names(cases: &[&CaseRecord]) -> Vec<String> {
    cases
        .iter()
        .map(|c| format!("{} seed {} ({:?})", c.class.name(), c.seed, c.got))
        .collect()
}

#[test]
fn one_restart_is_not_a_pattern_and_the_running_build_is_judged() {
    let classes = [
        IncidentClass::DeployLeak,
        IncidentClass::FixedByDeploy,
        IncidentClass::RestartMaskedLeak,
    ];
    let records = run(&classes, 0..SEEDS, 2);
    let one_restart: Vec<&CaseRecord> = records.iter().filter(|c| c.report.restarts == 1).collect();
    // Both deploy classes restart exactly once: the test sees the case it guards.
    for class in [IncidentClass::DeployLeak, IncidentClass::FixedByDeploy] {
        assert!(
            one_restart.iter().filter(|c| c.class == class).count() as u64 >= SEEDS / 2,
            "too few {} windows with one restart; the guard tests little",
            class.name()
        );
    }
    let masked: Vec<&CaseRecord> = one_restart
        .iter()
        .copied()
        .filter(|c| c.got == Verdict::RestartMaskedLeak)
        .collect();
    assert!(
        masked.is_empty(),
        "restart_masked_leak on one restart: {:?}",
        names(&masked)
    );

    // Growth that began with the new build: a leak, dated to the deploy.
    let deploy_leaks: Vec<&CaseRecord> = one_restart
        .iter()
        .copied()
        .filter(|c| c.class == IncidentClass::DeployLeak)
        .collect();
    let dated = deploy_leaks
        .iter()
        .filter(|c| {
            c.got == Verdict::Leak && c.report.growth_onset.as_ref().is_some_and(|o| o.at_restart)
        })
        .count();
    assert!(
        dated * 10 >= deploy_leaks.len() * 9,
        "only {dated} of {} deploy leaks are a leak dated to the deploy: {:?}",
        deploy_leaks.len(),
        names(&deploy_leaks)
    );

    // A leak the deploy fixed: never a leak of either kind.
    let false_leaks: Vec<&CaseRecord> = records
        .iter()
        .filter(|c| {
            c.class == IncidentClass::FixedByDeploy
                && matches!(c.got, Verdict::Leak | Verdict::RestartMaskedLeak)
        })
        .collect();
    assert!(
        false_leaks.is_empty(),
        "a fixed leak called a leak: {:?}",
        names(&false_leaks)
    );

    // Restarts that repeat still show the pattern.
    let repeating: Vec<&CaseRecord> = records
        .iter()
        .filter(|c| c.class == IncidentClass::RestartMaskedLeak)
        .collect();
    let found = repeating
        .iter()
        .filter(|c| c.got == Verdict::RestartMaskedLeak)
        .count();
    assert!(
        found * 10 >= repeating.len() * 8,
        "restart_masked_leak found in only {found} of {} windows with repeated restarts",
        repeating.len()
    );
}

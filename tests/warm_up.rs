//! Fresh processes warming up (`warm_up`: a process a few minutes old, its live set still
//! filling, over a window of 10-60 minutes) on 100 seeds: most cases abstain with
//! `insufficient_data` and when to judge again, and a young process whose growth is
//! material is still judged (a leak from the start of a process is not hidden as a warm-up).

use memgrowth::synth::incidents::IncidentClass;
use memgrowth::synth::incidents::accuracy::run;
use memgrowth::verdict::Verdict;

#[test]
fn a_warm_up_abstains_and_says_how_long_to_wait() {
    let cases = run(&[IncidentClass::WarmUp], 0..100, 2);
    let abstained: Vec<_> = cases
        .iter()
        .filter(|c| c.got == Verdict::InsufficientData)
        .collect();
    // Measured 61 of 100 (48 before a still-filling process abstained); the floor leaves
    // room for changes elsewhere without letting the rule go.
    assert!(
        abstained.len() >= 55,
        "{} of 100 abstained",
        abstained.len()
    );
    // The still-filling abstentions name the wait (16 of the 61 measured); the others are
    // a bending warm-up ("once it levels off") or too few GC cycles.
    let waits = abstained
        .iter()
        .filter(|c| {
            c.report
                .reasons
                .iter()
                .any(|r| r.contains("judge again in about"))
        })
        .count();
    assert!(waits >= 10, "{waits} of {} name the wait", abstained.len());
}

#[test]
fn growth_from_the_start_of_a_process_is_still_judged() {
    let cases = run(
        &[IncidentClass::DeployLeak, IncidentClass::SteadyLeak],
        0..40,
        2,
    );
    let warming = cases
        .iter()
        .filter(|c| {
            c.report
                .reasons
                .iter()
                .any(|r| r.contains("still warming up"))
        })
        .count();
    assert!(
        warming <= 2,
        "{warming} of {} leaks called a warm-up",
        cases.len()
    );
}

//! A `stable` verdict rests on evidence, not on the absence of it: over every labelled
//! incident class and many seeds, no target is called stable while its heap is unjudged
//! (the floor has too few GC cycles, the heap as scraped is neither shown to grow nor
//! flat, and nothing that holds the heap is shown flat). Unless a rule attributes growth
//! elsewhere, such a target is `insufficient_data`, and its reason says how many GC
//! cycles the floor has and needs. Nor is a target called stable beside growth it has
//! shown (a key series' interval wholly above zero) whose materiality the window cannot
//! settle, unless what the limit counts is shown flat.

use memgrowth::report::TargetReport;
use memgrowth::synth::incidents::IncidentClass;
use memgrowth::synth::incidents::accuracy::run;
use memgrowth::verdict::Verdict;

const SEEDS: u64 = 40;

fn status<'a>(r: &'a TargetReport, role: &str) -> Option<&'a str> {
    r.series
        .iter()
        .find(|s| s.role.as_deref() == Some(role))
        .and_then(|s| s.status.as_deref())
}

/// The heap cannot be judged from this report's evidence.
fn heap_unjudged(r: &TargetReport) -> bool {
    let raw_undetermined = status(r, "heap") == Some("undetermined");
    let floor_short = status(r, "heap_floor").is_none_or(|s| s == "insufficient");
    let whole_flat = matches!(status(r, "charged"), Some("flat" | "falls" | "levelled"));
    raw_undetermined && floor_short && !whole_flat
}

#[test]
fn no_target_is_stable_while_its_heap_is_unjudged() {
    let records = run(&IncidentClass::ALL, 0..SEEDS, 2);
    let unjudged: Vec<&_> = records
        .iter()
        .filter(|c| heap_unjudged(&c.report))
        .collect();
    // The warm-up class always holds such windows: the test can see the case it guards.
    assert!(
        unjudged.iter().any(|c| c.class == IncidentClass::WarmUp),
        "no warm-up window left its heap unjudged; the guard tests nothing"
    );
    let stable: Vec<String> = unjudged
        .iter()
        .filter(|c| c.got == Verdict::Stable)
        .map(|c| format!("{} seed {}", c.class.name(), c.seed))
        .collect();
    assert!(
        stable.is_empty(),
        "stable with an unjudged heap: {stable:?}"
    );
    // The reason says what the floor has and needs.
    assert!(
        unjudged.iter().any(|c| c.got == Verdict::InsufficientData
            && c.report
                .reasons
                .iter()
                .any(|r| r.contains("GC cycles of the 24 it needs"))),
        "no unjudged heap is reported with its GC cycles"
    );
}

/// A stable verdict never contradicts its own evidence: no key series it cites is shown
/// to grow (its interval wholly above zero) while called "no significant growth", and when
/// what the limit counts is not shown flat, a series shown to grow whose materiality the
/// window cannot settle makes the target `insufficient_data`, with a wait.
#[test]
fn a_stable_verdict_cites_no_growth_it_has_shown() {
    let records = run(&IncidentClass::ALL, 0..SEEDS, 2);
    let contradictory: Vec<String> = records
        .iter()
        .filter(|c| c.got == Verdict::Stable)
        .filter(|c| {
            c.report
                .reasons
                .iter()
                .any(|r| r.contains("shows no significant growth") && r.contains("interval +"))
        })
        .map(|c| format!("{} seed {}", c.class.name(), c.seed))
        .collect();
    assert!(
        contradictory.is_empty(),
        "stable beside growth shown but called not significant: {contradictory:?}"
    );
    let unsettled: Vec<String> = records
        .iter()
        .filter(|c| c.got == Verdict::Stable)
        .filter(|c| {
            !matches!(
                status(&c.report, "charged"),
                Some("flat" | "falls" | "levelled")
            )
        })
        .filter(|c| {
            c.report
                .reasons
                .iter()
                .any(|r| r.contains("grows slightly"))
        })
        .map(|c| format!("{} seed {}", c.class.name(), c.seed))
        .collect();
    assert!(
        unsettled.is_empty(),
        "stable with growth shown, its materiality unsettled, and the limit's measure not flat: {unsettled:?}"
    );
    assert!(
        records.iter().any(|c| c.got == Verdict::InsufficientData
            && c.report.reasons.iter().any(|r| r
                .contains("shows neither that the growth matters nor that it does not")
                && r.contains("judge again in about"))),
        "no window abstains on growth whose materiality it cannot settle; the guard tests nothing"
    );
}

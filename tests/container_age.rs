//! A container whose process exports no metrics of its own still has an age: cAdvisor's
//! `container_start_time_seconds`. Over many seeds of fresh containers warming up, the
//! engine reads it (a warm-up is then recognised as one, and the reason says how long
//! the process has run), and it calls fewer of them leaks than when the series is gone.

use memgrowth::analysis::{AnalysisSettings, analyze_target};
use memgrowth::kind::Kind;
use memgrowth::synth::incidents::{IncidentClass, Runtime, generate};
use memgrowth::verdict::Verdict;

const SEEDS: u64 = 100;

#[test]
fn a_bare_container_is_aged_by_its_start_time() {
    let settings = AnalysisSettings::default();
    let (mut containers, mut aged, mut leaks_with, mut leaks_without) = (0, 0, 0, 0);
    for seed in 0..SEEDS {
        let case = generate(IncidentClass::WarmUp, seed);
        if case.truth.runtime != Runtime::Container {
            continue;
        }
        containers += 1;
        let starts = case.target.of_kind(Kind::ContainerStartTime).count();
        assert_eq!(
            starts, 1,
            "seed {seed}: the service's container start time, and only it, is selected"
        );
        let with = analyze_target(&case.target, &settings);
        let mut blind = case.target.clone();
        blind
            .series
            .retain(|s| s.key.kind != Kind::ContainerStartTime);
        let without = analyze_target(&blind, &settings);
        if with
            .reasons
            .iter()
            .any(|r| r.contains("the process has run"))
        {
            aged += 1;
        }
        assert!(
            !without
                .reasons
                .iter()
                .any(|r| r.contains("the process has run")),
            "seed {seed}: without a start time no age can be given: {:?}",
            without.reasons
        );
        leaks_with += usize::from(with.verdict == Verdict::Leak);
        leaks_without += usize::from(without.verdict == Verdict::Leak);
    }
    println!(
        "{containers} bare containers warming up: {aged} given an age; leaks {leaks_with} with the start time, {leaks_without} without"
    );
    assert!(
        containers >= 20,
        "too few bare containers ({containers}) to test"
    );
    assert!(aged > 0, "no warm-up of a bare container was given its age");
    assert!(
        leaks_with < leaks_without,
        "the container's age must take warm-ups out of the leaks: {leaks_with} with, {leaks_without} without"
    );
}

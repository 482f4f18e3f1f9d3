//! `--start`, `--end` and `--range` cut files and bundles exactly as they cut a live
//! query of a real Prometheus; a window outside the data is an error naming its span.

use super::prom_servers;
use super::util::{assert_same_analysis, memgrowth, report, rfc3339, verdicts, without_around};
use memgrowth::synth::{ScenarioKind, ScenarioParams, fixture_params, generate};
use predicates::prelude::*;

/// The `otl-two-hosts` fixture's data served by a real Prometheus, with its parameters.
pub fn served_fixture() -> (prom_servers::Server, ScenarioParams) {
    let kind = ScenarioKind::OtlTwoHosts;
    let params = fixture_params(kind);
    let scenario = generate(kind, &params);
    // A lookback shorter than the step keeps scrape gaps empty, as in the offline files.
    let lookback = format!("--query.lookback-delta={}s", params.step_s - 1);
    let server = prom_servers::start_prometheus_raw(&scenario.series, &[&lookback]);
    (server, params)
}

#[test]
fn a_cut_file_and_a_cut_bundle_diagnose_like_a_live_query_of_the_window() {
    let (server, params) = served_fixture();
    let app = format!("job=\"{}\"", params.service);
    let container = format!("name=\"{}\"", params.service);
    let step = format!("{}s", params.step_s);
    let day = 86_400;
    // Two days in the middle of the week, on the sample grid.
    let start = params.start_unix_s + 2 * day;
    let end = start + 2 * day;
    let (start_text, end_text) = (start.to_string(), end.to_string());
    let subject = ["--app", &app, "--container", &container, "--format", "json"];
    let with = |head: &[&str]| -> Vec<String> {
        head.iter()
            .chain(subject.iter())
            .map(|s| s.to_string())
            .collect()
    };
    let run = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        report(&args)
    };

    let url = server.url();
    let live = run(with(&[
        "diagnose",
        "--prometheus",
        &url,
        "--start",
        &start_text,
        "--end",
        &end_text,
        "--step",
        &step,
    ]));
    let file = run(with(&[
        "diagnose",
        "--input",
        "fixtures/otl-two-hosts",
        "--start",
        &rfc3339(start),
        "--end",
        &rfc3339(end),
    ]));
    let whole = run(with(&["diagnose", "--input", "fixtures/otl-two-hosts"]));
    assert_eq!(file["window"]["start"], rfc3339(start));
    assert_eq!(file["window"]["end"], rfc3339(end));
    assert!(
        file["source"]["samples"].as_u64() < whole["source"]["samples"].as_u64(),
        "the cut read fewer samples than the whole week"
    );
    assert!(!verdicts(&live).is_empty());
    assert_eq!(verdicts(&file), verdicts(&live));
    // The same analysis and timeline events; what the events saw around them differs at
    // the window's edges by design (tests/postmortem/edges.rs).
    assert_same_analysis(
        without_around(file),
        without_around(live.clone()),
        "the cut file differs from the live query of the window",
    );

    // A bundle of the whole week, cut afterwards, with --range relative to --end.
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = dir.path().join("week");
    let bundle = bundle.to_str().expect("utf-8 path");
    let week_end = (params.start_unix_s + params.duration_s).to_string();
    memgrowth()
        .args([
            "fetch",
            "--prometheus",
            &url,
            "--start",
            &params.start_unix_s.to_string(),
            "--end",
            &week_end,
            "--step",
            &step,
            "--app",
            &app,
            "--container",
            &container,
            "--out",
            bundle,
        ])
        .assert()
        .success();
    let from_bundle = run(with(&[
        "diagnose", "--input", bundle, "--end", &end_text, "--range", "2d",
    ]));
    assert_eq!(from_bundle["source"]["kind"], "bundle");
    // The report cites the bundle by the sha256 of its manifest.
    let manifest_sum = std::process::Command::new("sha256sum")
        .arg(std::path::Path::new(bundle).join("manifest.json"))
        .output()
        .expect("run sha256sum");
    let manifest_sum = String::from_utf8_lossy(&manifest_sum.stdout);
    assert_eq!(
        from_bundle["bundles"][0]["manifest_sha256"].as_str(),
        manifest_sum.split_whitespace().next()
    );
    assert_eq!(from_bundle["bundles"][0]["fetched_from"], url.as_str());
    assert_same_analysis(
        without_around(from_bundle),
        without_around(live),
        "the cut bundle differs from the live query of the window",
    );
}

#[test]
fn a_window_outside_the_data_names_the_data_span() {
    memgrowth()
        .args([
            "diagnose",
            "--input",
            "fixtures/otl-two-hosts",
            "--start",
            "2030-01-01T00:00:00Z",
            "--end",
            "2030-01-02T00:00:00Z",
            "--format",
            "json",
        ])
        .assert()
        .code(3)
        .stdout(predicate::str::is_empty())
        .stderr(
            predicate::str::contains("2030-01-01T00:00:00Z to 2030-01-02T00:00:00Z")
                .and(predicate::str::contains("the data spans 2025-"))
                .and(predicate::str::contains("--start/--end")),
        );
}

#[test]
fn an_empty_window_is_a_usage_error() {
    memgrowth()
        .args([
            "diagnose",
            "--input",
            "fixtures/otl-two-hosts",
            "--start",
            "2025-11-03T00:00:00Z",
            "--end",
            "2025-11-02T00:00:00Z",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--start"));
}

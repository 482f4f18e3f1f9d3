//! The whole pipeline against a real Prometheus: `diagnose --prometheus` gives the same
//! report as `diagnose --input` on the same data, and `fetch` writes a bundle that
//! diagnoses the same offline.

#[path = "support/json_diff.rs"]
mod json_diff;
#[path = "support/prom_servers.rs"]
mod prom_servers;

use assert_cmd::Command;
use json_diff::differences;
use memgrowth::synth::{ScenarioKind, fixture_params, generate};
use serde_json::Value;

fn memgrowth() -> Command {
    let mut cmd = Command::cargo_bin("memgrowth").expect("binary");
    cmd.env_remove("PROMETHEUS_URL").env("NO_COLOR", "1");
    cmd
}

fn report(args: &[&str]) -> Value {
    let output = memgrowth().args(args).output().expect("run memgrowth");
    assert!(
        output.status.success(),
        "memgrowth {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("report JSON")
}

fn assert_same_analysis(a: Value, b: Value, what: &str) {
    let (a, b) = (analysis_of(a), analysis_of(b));
    let mut diff = Vec::new();
    differences(&a, &b, "", &mut diff, 20);
    assert!(diff.is_empty(), "{what}:\n{}", diff.join("\n"));
}

/// The report without `source` and `bundles`, which say where the data came from and so differ.
fn analysis_of(mut report: Value) -> Value {
    if let Some(object) = report.as_object_mut() {
        object.remove("source");
        object.remove("bundles");
    }
    report
}

#[test]
fn live_offline_and_bundle_diagnoses_are_identical() {
    let kind = ScenarioKind::OtlTwoHosts;
    let params = fixture_params(kind);
    let scenario = generate(kind, &params);
    // A lookback shorter than the step keeps scrape gaps empty, as in the offline files.
    let lookback = format!("--query.lookback-delta={}s", params.step_s - 1);
    let server = prom_servers::start_prometheus_raw(&scenario.series, &[&lookback]);
    let app = format!("job=\"{}\"", params.service);
    let container = format!("name=\"{}\"", params.service);
    let start = params.start_unix_s.to_string();
    let end = (params.start_unix_s + params.duration_s).to_string();
    let step = format!("{}s", params.step_s);

    let offline = report(&[
        "diagnose",
        "--input",
        "fixtures/otl-two-hosts",
        "--app",
        &app,
        "--container",
        &container,
        "--format",
        "json",
    ]);
    let url = server.url();
    let live = report(&[
        "diagnose",
        "--prometheus",
        &url,
        "--start",
        &start,
        "--end",
        &end,
        "--step",
        &step,
        "--app",
        &app,
        "--container",
        &container,
        "--format",
        "json",
    ]);
    assert_eq!(live["source"]["kind"], "prometheus");
    assert_same_analysis(
        live,
        offline.clone(),
        "the live diagnosis differs from the offline one",
    );

    let bundle = tempfile::tempdir().expect("tempdir");
    let bundle_dir = bundle.path().join("otl");
    let bundle_path = bundle_dir.to_str().expect("utf-8 path");
    memgrowth()
        .args([
            "fetch",
            "--prometheus",
            &url,
            "--start",
            &start,
            "--end",
            &end,
            "--step",
            &step,
            "--app",
            &app,
            "--container",
            &container,
            "--out",
            bundle_path,
        ])
        .assert()
        .success();
    let from_bundle = report(&[
        "diagnose",
        "--input",
        bundle_path,
        "--app",
        &app,
        "--container",
        &container,
        "--format",
        "json",
    ]);
    assert_eq!(from_bundle["source"]["kind"], "bundle");
    assert_same_analysis(
        from_bundle,
        offline,
        "the bundle diagnosis differs from the offline one",
    );
}

#[test]
fn discover_names_hosts_and_kinds() {
    let kind = ScenarioKind::OtlTwoHosts;
    let params = fixture_params(kind);
    let scenario = generate(kind, &params);
    let server = prom_servers::start_prometheus_raw(&scenario.series, &[]);
    let start = params.start_unix_s.to_string();
    let end = (params.start_unix_s + params.duration_s).to_string();
    let url = server.url();
    let discovery = report(&[
        "discover",
        "--prometheus",
        &url,
        "--start",
        &start,
        "--end",
        &end,
        "--app",
        &format!("job=\"{}\"", params.service),
        "--format",
        "json",
    ]);
    let hosts: Vec<&str> = discovery["hosts"]
        .as_array()
        .expect("hosts")
        .iter()
        .filter_map(|h| h["host"].as_str())
        .collect();
    assert_eq!(hosts, vec!["10.0.0.5", "10.0.0.6"], "{discovery}");
    let kinds: Vec<&str> = discovery["hosts"][0]["kinds"]
        .as_array()
        .expect("kinds")
        .iter()
        .filter_map(|k| k["kind"].as_str())
        .collect();
    for expected in [
        "heap_used",
        "process_rss",
        "cgroup_cache",
        "host_mem_available",
    ] {
        assert!(
            kinds.contains(&expected),
            "{expected} not discovered: {kinds:?}"
        );
    }
}

#[test]
fn unreachable_server_exits_3_without_leaking_credentials() {
    let port = prom_servers::free_port();
    let url = format!("http://admin:hunter2@127.0.0.1:{port}");
    let output = memgrowth()
        .args([
            "diagnose",
            "--prometheus",
            &url,
            "--range",
            "1h",
            "--timeout",
            "2s",
            "--format",
            "json",
        ])
        .env("MEMGROWTH_BEARER_TOKEN", "s3cr3t-token")
        .output()
        .expect("run memgrowth");
    assert_eq!(output.status.code(), Some(3), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&format!("127.0.0.1:{port}")), "{stderr}");
    assert!(
        !stderr.contains("hunter2") && !stderr.contains("s3cr3t"),
        "{stderr}"
    );
}

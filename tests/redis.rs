//! Redis beside the service. Replays the captures in `fixtures/redis/`: Debian's
//! redis-server watched by Debian's prometheus-redis-exporter, scraped every second by a
//! real Prometheus (`fixtures/redis/README.md`), once growing under `noeviction`, once
//! steady without maxmemory, once filling an `allkeys-lru` maxmemory. Each Redis must be
//! a target of its own with the verdict its run was built to show; and the Redis of the
//! seed's fixture must appear in every report format with its verdict.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// `memgrowth diagnose --input DIR --format json`, parsed.
fn diagnose(dir: &Path) -> Value {
    let output = Command::cargo_bin("memgrowth")
        .expect("binary")
        .arg("diagnose")
        .arg("--input")
        .arg(dir)
        .args(["--format", "json"])
        .output()
        .expect("run memgrowth");
    assert!(
        output.status.success(),
        "diagnose of {} exited with {:?}: {}",
        dir.display(),
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("a JSON report")
}

/// The one Redis target of a capture.
fn redis_target(mode: &str) -> Value {
    let report = diagnose(&repo(&format!("fixtures/redis/{mode}")));
    let targets = report["targets"].as_array().expect("targets");
    assert_eq!(targets.len(), 1, "{report:#}");
    let target = targets[0].clone();
    assert_eq!(target["service"], format!("redis-{mode}"), "{target:#}");
    assert!(target["redis"].is_object(), "{target:#}");
    target
}

/// A capture of `fixtures/redis/<mode>/` with its series edited, written to a temporary
/// directory for `diagnose --input`.
fn edited_capture(mode: &str, edit: impl FnOnce(&mut Vec<Value>)) -> tempfile::TempDir {
    let source = repo(&format!("fixtures/redis/{mode}/redis.json"));
    let mut response: Value =
        serde_json::from_slice(&std::fs::read(&source).expect("capture")).expect("JSON");
    edit(response["data"]["result"].as_array_mut().expect("matrix"));
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("redis.json"), response.to_string()).expect("write");
    dir
}

fn reasons(target: &Value) -> String {
    target["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn growth_under_noeviction_is_an_outage_ahead() {
    let t = redis_target("grow");
    assert_eq!(t["verdict"], "leak", "{}", reasons(&t));
    assert_eq!(t["redis"]["policy"], "noeviction");
    assert_eq!(t["redis"]["evicts"], false);
    assert_eq!(t["limit_source"], "redis_max");
    assert_eq!(t["limit_bytes"], 512.0 * 1024.0 * 1024.0);
    let hours = t["time_to_limit"]["hours"]
        .as_f64()
        .expect("a time to maxmemory");
    assert!(hours > 0.0 && hours < 1.0, "{hours} h to maxmemory");
    assert!(reasons(&t).contains("outage ahead"), "{}", reasons(&t));
    assert_eq!(t["growth"]["kind"], "redis_used");
}

#[test]
fn a_steady_redis_without_maxmemory_is_stable_and_says_so() {
    let t = redis_target("steady");
    assert_eq!(t["verdict"], "stable", "{}", reasons(&t));
    assert_eq!(t["redis"]["maxmemory_bytes"], 0.0);
    // No node-exporter in the capture: no host memory to stand in for maxmemory.
    assert!(t["limit_bytes"].is_null(), "{t:#}");
    assert!(
        reasons(&t).contains("maxmemory is 0 (unlimited)"),
        "{}",
        reasons(&t)
    );
    assert!(
        t["missing_kinds"]
            .as_array()
            .expect("missing kinds")
            .iter()
            .any(|k| k == "host_mem_total"),
        "{t:#}"
    );
}

#[test]
fn an_evicting_redis_at_maxmemory_is_a_plateau_by_design() {
    let t = redis_target("evict");
    assert_eq!(t["verdict"], "plateau", "{}", reasons(&t));
    assert_eq!(t["redis"]["policy"], "allkeys-lru");
    assert_eq!(t["redis"]["evicts"], true);
    assert!(t["redis"]["evicted_keys"].as_f64().expect("evictions") > 100.0);
    assert!(reasons(&t).contains("plateau by design"), "{}", reasons(&t));
}

#[test]
fn the_seed_fixture_reports_its_redis_in_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("otl");
    Command::cargo_bin("memgrowth")
        .expect("binary")
        .env("NO_COLOR", "1")
        .env("COLUMNS", "200")
        .args(["diagnose", "--input"])
        .arg(repo("fixtures/otl-two-hosts"))
        .arg("--out")
        .arg(&out)
        .args(["--format", "table"])
        .assert()
        .success();
    let report: Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("report.json"))
            .expect("JSON");
    let redis: Vec<&Value> = report["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .filter(|t| t["redis"].is_object())
        .collect();
    let hosts: Vec<&str> = redis.iter().filter_map(|t| t["host"].as_str()).collect();
    assert_eq!(hosts, ["10.0.0.5", "10.0.0.6"], "{redis:#?}");
    for t in &redis {
        assert_eq!(t["service"], "redis");
        // Flat at 147 and 108 MiB of a 256 MiB maxmemory over the week.
        assert_eq!(t["verdict"], "stable", "{}", reasons(t));
        assert_eq!(t["limit_source"], "redis_max");
    }
    let explanation = report["comparison"]["explanation"].to_string();
    assert!(
        explanation.contains("Redis shares every host with otl-api"),
        "{explanation}"
    );
    let markdown = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    let html = std::fs::read_to_string(out.join("index.html")).expect("index.html");
    let junit = std::fs::read_to_string(out.join("junit.xml")).expect("junit.xml");
    for host in &hosts {
        // JUnit: one test case per target, its verdict first in its output.
        let case = format!("name=\"redis on {host}\">\n      <system-out>verdict: stable");
        assert!(junit.contains(&case), "junit lacks {case}:\n{junit}");
    }
    for (format, text) in [("markdown", &markdown), ("html", &html)] {
        for host in &hosts {
            assert!(
                text.lines()
                    .any(|l| l.contains("redis") && l.contains(host) && l.contains("stable")),
                "{format} lacks the Redis on {host} with its verdict"
            );
        }
    }
    let terminal = Command::cargo_bin("memgrowth")
        .expect("binary")
        .env("NO_COLOR", "1")
        .env("COLUMNS", "200")
        .args(["diagnose", "--input"])
        .arg(repo("fixtures/otl-two-hosts"))
        .args(["--format", "table"])
        .output()
        .expect("run");
    let terminal = String::from_utf8_lossy(&terminal.stdout);
    for host in &hosts {
        assert!(
            terminal
                .lines()
                .any(|l| l.contains("redis") && l.contains(host) && l.contains("stable")),
            "the terminal lacks the Redis on {host}:\n{terminal}"
        );
    }
}

/// The exporter's own `process_*` series (same job and instance as its `redis_*` ones)
/// describe redis-exporter, not a service: the capture with them added still has exactly
/// one target, its Redis, and the skipped series are named.
#[test]
fn the_exporters_own_process_series_are_not_a_service() {
    let dir = edited_capture("grow", |result| {
        let used = result
            .iter()
            .find(|s| s["metric"]["__name__"] == "redis_memory_used_bytes")
            .expect("redis_memory_used_bytes")
            .clone();
        for name in [
            "process_resident_memory_bytes",
            "process_start_time_seconds",
        ] {
            let mut own = used.clone();
            own["metric"] = serde_json::json!({
                "__name__": name,
                "instance": used["metric"]["instance"],
                "job": used["metric"]["job"],
            });
            result.push(own);
        }
    });
    let output = Command::cargo_bin("memgrowth")
        .expect("binary")
        .args(["diagnose", "--input"])
        .arg(dir.path())
        .args(["--format", "json"])
        .output()
        .expect("run memgrowth");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    let targets = report["targets"].as_array().expect("targets");
    assert_eq!(targets.len(), 1, "{report:#}");
    assert!(targets[0]["redis"].is_object(), "{:#}", targets[0]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("redis-exporter's own process"), "{stderr}");
}

/// A Redis that restarted and reloaded its data (RDB or AOF) shows no drop in memory;
/// its `redis_start_time_seconds` still tells the restart, as `process_start_time_seconds`
/// does for a process.
#[test]
fn a_redis_restart_is_told_by_its_start_time() {
    let mut restarted_at = 0.0;
    let dir = edited_capture("steady", |result| {
        let start = result
            .iter_mut()
            .find(|s| s["metric"]["__name__"] == "redis_start_time_seconds")
            .expect("redis_start_time_seconds");
        let values = start["values"].as_array_mut().expect("values");
        let mid = values.len() / 2;
        restarted_at = values[mid][0].as_f64().expect("timestamp") - 0.5;
        for v in values.iter_mut().skip(mid) {
            v[1] = Value::String(format!("{restarted_at}"));
        }
    });
    let report = diagnose(dir.path());
    let target = &report["targets"][0];
    assert_eq!(target["restarts"], 1, "{target:#}");
    let at = target["restart_times"][0].as_str().expect("a restart time");
    let at = memgrowth::units::parse_timestamp(at).expect("RFC 3339");
    assert!((at - restarted_at).abs() <= 2.0, "{at} vs {restarted_at}");
    assert_eq!(target["verdict"], "stable", "{}", reasons(target));
}

//! Replays real captures: `fixtures/real/` (a 15-minute window), `fixtures/real-2/` and
//! `fixtures/real-3/` (260 s windows), one directory per workload, hold the Prometheus
//! `query_range` responses of three live runs of `e2e/run.sh` (a Node.js
//! app with the real prom-client and real kernel cgroup accounting, scraped every second
//! by a real Prometheus; see `fixtures/real/README.md`). The offline diagnosis of each
//! must give the verdict the workload was built to show, on both hosts, with the limit
//! the cgroups really had. In the second and third runs V8's memory reducer gives back
//! ~20 MiB of heap inside or just before the window on several processes.
//!
//! The 15-minute capture must give every workload its verdict on both hosts. The
//! 260-second ones hold a handful of GC cycles of a process two minutes old: there a
//! verdict may also be the honest abstention (`insufficient_data`), and a cache that
//! filled before the window began may read as stable, but never a wrong kind of verdict.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The two loopback addresses that played two hosts in the capture.
const HOSTS: [&str; 2] = ["127.0.0.2", "127.0.0.3"];

fn scenario_dir(capture: &str, workload: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(capture)
        .join(workload)
}

/// `memgrowth diagnose --input fixtures/real/<workload> --format json`, parsed.
fn diagnose(capture: &str, workload: &str) -> Value {
    let dir = scenario_dir(capture, workload);
    let output = Command::cargo_bin("memgrowth")
        .unwrap()
        .arg("diagnose")
        .arg("--input")
        .arg(&dir)
        .arg("--app")
        .arg(format!("job=\"{workload}\""))
        .arg("--container")
        .arg(format!("name=\"{workload}\""))
        .arg("--format")
        .arg("json")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "diagnose of {} exited with {:?}: {}",
        dir.display(),
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "diagnose of {} printed no JSON report ({e}): {}",
            dir.display(),
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// The cgroup memory limit of each host, as the cAdvisor-style exporter published it.
fn captured_limit(capture: &str, workload: &str, host: &str) -> f64 {
    let text =
        std::fs::read_to_string(scenario_dir(capture, workload).join("cadvisor.json")).unwrap();
    let response: Value = serde_json::from_str(&text).unwrap();
    let series = response["data"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["metric"]["__name__"] == "container_spec_memory_limit_bytes"
                && s["metric"]["instance"]
                    .as_str()
                    .is_some_and(|i| i.starts_with(&format!("{host}:")))
        })
        .unwrap_or_else(|| panic!("no limit series for {host} in {workload}/cadvisor.json"));
    let last = series["values"].as_array().unwrap().last().unwrap();
    last[1].as_str().unwrap().parse().unwrap()
}

/// The target of `host` in a report; it must be there exactly once, named after the job.
fn target<'a>(report: &'a Value, workload: &str, host: &str) -> &'a Value {
    let matching: Vec<&Value> = report["targets"]
        .as_array()
        .expect("report has targets[]")
        .iter()
        .filter(|t| t["host"] == host)
        .collect();
    assert_eq!(
        matching.len(),
        1,
        "{workload}: expected one target on host {host}, got {}: {report}",
        matching.len()
    );
    let t = matching[0];
    assert_eq!(
        t["service"], workload,
        "{workload}: service is the job label"
    );
    t
}

/// Checks the verdict on every host, and what any verdict of that kind must carry.
fn check(capture: &str, workload: &str, expected: &str) {
    check_among(capture, workload, expected, &[expected]);
}

/// Checks that every host's verdict is one of `accepted`, and what it must carry.
fn check_among(capture: &str, workload: &str, expected: &str, accepted: &[&str]) {
    let report = diagnose(capture, workload);
    assert_eq!(
        report["targets"].as_array().map(Vec::len),
        Some(HOSTS.len()),
        "{workload}: one target per host"
    );
    for host in HOSTS {
        let t = target(&report, workload, host);
        let verdict = t["verdict"].as_str().unwrap_or("");
        assert!(
            accepted.contains(&verdict),
            "{capture}/{workload} on {host}: verdict {} (expected one of {accepted:?}); reasons: {}",
            t["verdict"],
            t["reasons"]
        );
        let confidence = t["confidence"].as_f64().expect("confidence is a number");
        assert!(
            (0.0..=1.0).contains(&confidence),
            "{workload} on {host}: confidence {confidence} outside 0..1"
        );
        assert!(
            t["reasons"].as_array().is_some_and(|r| !r.is_empty()),
            "{workload} on {host}: a verdict needs reasons"
        );
        assert_eq!(
            t["limit_bytes"].as_f64(),
            Some(captured_limit(capture, workload, host)),
            "{workload} on {host}: the limit is the cgroup's"
        );
        assert_eq!(
            t["restarts"], 0,
            "{workload} on {host}: no process restarted"
        );
        if matches!(verdict, "leak" | "native_growth" | "cache_growth") {
            let growth = &t["growth"];
            let rate = growth["bytes_per_hour"].as_f64().expect("growth rate");
            let low = growth["ci95"][0].as_f64().expect("growth ci95");
            assert!(
                rate > 0.0 && low > 0.0,
                "{workload} on {host}: growth {rate} B/h with ci95 low {low} must be positive"
            );
        }
        if verdict == "plateau" {
            let asymptote = t["plateau"]["asymptote_bytes"].as_f64();
            assert!(
                asymptote.is_some_and(|a| a > 0.0),
                "{workload} on {host}: a plateau reports its asymptote, got {}",
                t["plateau"]
            );
        }
    }
    let overall = report["verdict"].as_str().unwrap_or("");
    assert!(
        accepted.contains(&overall),
        "{capture}/{workload}: overall verdict {overall} (expected {expected}, accepted {accepted:?})"
    );
}

#[test]
fn real_heap_leak_is_a_leak() {
    check("real", "heap-leak", "leak");
    for short in ["real-2", "real-3"] {
        check_among(short, "heap-leak", "leak", &["leak", "insufficient_data"]);
    }
}

#[test]
fn real_offheap_leak_is_native_growth() {
    check("real", "offheap-leak", "native_growth");
    check("real-2", "offheap-leak", "native_growth");
    check("real-3", "offheap-leak", "native_growth");
}

/// The cache fills along a saturating curve in the first minute and a half, then churns
/// at its cap.
#[test]
fn real_cache_fill_is_a_plateau() {
    check("real", "cache-plateau", "plateau");
    for short in ["real-2", "real-3"] {
        check_among(
            short,
            "cache-plateau",
            "plateau",
            &["plateau", "stable", "insufficient_data"],
        );
    }
}

/// In the second and third runs V8 gives back and recommits ~20 MiB of heap in the
/// window.
#[test]
fn real_steady_churn_is_stable() {
    check("real", "stable", "stable");
    // A handful of GC cycles leaves the heap unjudged where its sawtooth hides any trend.
    for short in ["real-2", "real-3"] {
        check_among(short, "stable", "stable", &["stable", "insufficient_data"]);
    }
}

#[test]
fn real_page_cache_is_cache_growth() {
    check("real", "page-cache", "cache_growth");
    check("real-2", "page-cache", "cache_growth");
    check("real-3", "page-cache", "cache_growth");
}

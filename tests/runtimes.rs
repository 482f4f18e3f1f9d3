//! Replays the runtime captures in `fixtures/runtimes/`: real exporter output of a Go
//! (client_golang), a JVM (the JDK's MXBeans under Micrometer's names) and a Python
//! (prometheus_client) service, each run with a planted leak and stable, scraped every
//! second by a real Prometheus (`fixtures/runtimes/README.md`). The catalog must read each
//! runtime's series under its kinds, and the offline diagnosis must give the verdict the
//! run was built to show.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

/// `memgrowth diagnose --input fixtures/runtimes/<runtime>/<mode> --format json`, parsed.
fn diagnose(runtime: &str, mode: &str) -> Value {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/runtimes")
        .join(runtime)
        .join(mode);
    let output = Command::cargo_bin("memgrowth")
        .expect("binary")
        .arg("diagnose")
        .arg("--input")
        .arg(&dir)
        .arg("--app")
        .arg(format!("job=\"{runtime}-{mode}\""))
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

/// The one target of a capture (one service on one host).
fn only_target(report: &Value) -> &Value {
    let targets = report["targets"].as_array().expect("targets");
    assert_eq!(targets.len(), 1, "{report:#}");
    &targets[0]
}

/// The raw series of `kind` (and `space`, when given) in a target.
fn series<'a>(target: &'a Value, kind: &str, space: Option<&str>) -> Option<&'a Value> {
    target["series"].as_array()?.iter().find(|s| {
        s["kind"] == kind && s["view"] == "raw" && space.is_none_or(|sp| s["space"] == sp)
    })
}

/// First and last sampled values of a series.
fn ends(series: &Value) -> (f64, f64) {
    let summary = &series["summary"];
    (
        summary["first"].as_f64().expect("first"),
        summary["last"].as_f64().expect("last"),
    )
}

#[test]
fn go_series_are_read_under_their_kinds() {
    for mode in ["leak", "stable"] {
        let report = diagnose("go", mode);
        let target = only_target(&report);
        // The memory levels are fitted; goroutines and the GC target are read too
        // (the catalog's tests) but are not levels.
        for kind in ["go_heap_inuse", "go_heap_alloc", "go_sys", "process_rss"] {
            assert!(
                series(target, kind, None).is_some(),
                "go/{mode} lacks {kind}"
            );
        }
    }
    // The planted leak: the heap in use grows several-fold.
    let report = diagnose("go", "leak");
    let target = only_target(&report);
    let (first, last) = ends(series(target, "go_heap_inuse", None).expect("heap"));
    assert!(last > 3.0 * first, "go_heap_inuse {first} -> {last}");
}

#[test]
fn jvm_pools_are_read_with_the_old_generation_as_old() {
    for mode in ["leak", "stable"] {
        let report = diagnose("jvm", mode);
        let target = only_target(&report);
        for (kind, space) in [
            ("jvm_memory_used", Some("old")),
            ("jvm_memory_used", Some("G1 Eden Space")),
            ("jvm_memory_used", Some("Metaspace")),
        ] {
            assert!(
                series(target, kind, space).is_some(),
                "jvm/{mode} lacks {kind}[{space:?}]"
            );
        }
    }
    let report = diagnose("jvm", "leak");
    let target = only_target(&report);
    let (first, last) = ends(series(target, "jvm_memory_used", Some("old")).expect("old gen"));
    assert!(last > 3.0 * first, "old gen {first} -> {last}");
}

#[test]
fn planted_leaks_are_leaks_and_stable_runs_are_stable() {
    for runtime in ["go", "jvm", "python"] {
        let leak = diagnose(runtime, "leak");
        assert_eq!(
            only_target(&leak)["verdict"],
            "leak",
            "{runtime}/leak: {:#}",
            only_target(&leak)["reasons"]
        );
        let stable = diagnose(runtime, "stable");
        assert_eq!(
            only_target(&stable)["verdict"],
            "stable",
            "{runtime}/stable: {:#}",
            only_target(&stable)["reasons"]
        );
    }
}

#[test]
fn python_memory_is_its_resident_set() {
    let report = diagnose("python", "leak");
    let target = only_target(&report);
    let (first, last) = ends(series(target, "process_rss", None).expect("rss"));
    assert!(last > 2.0 * first, "process_rss {first} -> {last}");
}

#[test]
fn a_go_leak_names_its_growing_goroutines() {
    let report = diagnose("go", "leak");
    let reasons = only_target(&report)["reasons"].to_string();
    assert!(
        reasons.contains("goroutines grow too: 56 to 296"),
        "{reasons}"
    );
}

#[test]
fn the_jvm_heap_is_projected_against_its_maximum() {
    // -Xmx384m: G1's old generation reports it as its maximum.
    let report = diagnose("jvm", "leak");
    let target = only_target(&report);
    assert_eq!(target["limit_source"], "jvm_heap_max");
    assert_eq!(target["limit_bytes"], 384.0 * 1024.0 * 1024.0);
    assert!(
        target["time_to_limit"]["hours"].as_f64().is_some(),
        "{target:#}"
    );
}

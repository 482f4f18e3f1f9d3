//! Before and after on generated data: a known change of the growth rate at a deploy is
//! recovered within its interval, and the same rate in both windows is no change.

use super::util::{md_section, report, stdout_of};
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;

const MIB: f64 = 1024.0 * 1024.0;
const T0: i64 = 1_760_000_400; // 2025-10-09T09:00:00Z, a multiple of 60
const DAY: i64 = 86_400;

/// A Prometheus range-query answer with the heap and RSS of one Node.js process over
/// six days at 60 s: the heap grows `before` MiB/h for three days, then `after` MiB/h,
/// with Gaussian noise of 2 MiB.
fn write_case(path: &Path, before: f64, after: f64, seed: u64) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let noise = Normal::new(0.0, 2.0 * MIB).expect("normal");
    let change = T0 + 3 * DAY;
    let mut heap = String::new();
    let mut rss = String::new();
    let mut start = String::new();
    let mut t = T0;
    while t <= T0 + 6 * DAY {
        let hours_before = ((t.min(change) - T0) as f64) / 3600.0;
        let hours_after = ((t - change).max(0) as f64) / 3600.0;
        let level = 200.0 * MIB + before * MIB * hours_before + after * MIB * hours_after;
        let h = level + noise.sample(&mut rng);
        let r = level + 90.0 * MIB + noise.sample(&mut rng);
        let sep = if heap.is_empty() { "" } else { "," };
        let _ = write!(heap, "{sep}[{t},\"{h:.0}\"]");
        let _ = write!(rss, "{sep}[{t},\"{r:.0}\"]");
        let _ = write!(start, "{sep}[{t},\"{}\"]", T0 - 3600);
        t += 60;
    }
    let series = |name: &str, values: &str| {
        format!(
            r#"{{"metric":{{"__name__":"{name}","job":"api","instance":"10.0.0.5:3000"}},"values":[{values}]}}"#
        )
    };
    let body = format!(
        r#"{{"status":"success","data":{{"resultType":"matrix","result":[{},{},{}]}}}}"#,
        series("nodejs_heap_size_used_bytes", &heap),
        series("process_resident_memory_bytes", &rss),
        series("process_start_time_seconds", &start),
    );
    std::fs::write(path, body).expect("write the case");
}

fn heap_row(report: &Value) -> &Value {
    let target = &report["baseline"]["targets"][0];
    target["series"]
        .as_array()
        .expect("series")
        .iter()
        .find(|s| s["series"] == "heap_used")
        .unwrap_or_else(|| panic!("no heap_used row in {target}"))
}

fn mib_per_hour(v: &Value) -> f64 {
    v.as_f64().expect("a number") / MIB
}

#[test]
fn a_known_rate_change_is_recovered_within_its_interval() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("deploy.json");
    write_case(&file, 0.1, 5.8, 7);
    let deploy = super::util::rfc3339(T0 + 3 * DAY);
    let mark = format!("{deploy}=deploy v2.3");
    let input = file.to_str().expect("utf-8");
    let spelled = |format: &str| {
        stdout_of(&[
            "diagnose",
            "--input",
            input,
            "--start",
            &deploy,
            "--baseline-range",
            "3d",
            "--mark",
            &mark,
            "--format",
            format,
        ])
    };
    let r: Value = serde_json::from_str(&spelled("json")).expect("report JSON");
    let b = &r["baseline"];
    assert_eq!(b["window"]["start"], super::util::rfc3339(T0));
    assert_eq!(b["window"]["end"], deploy);
    assert_eq!(b["boundary"], "deploy v2.3");
    let target = &b["targets"][0];
    assert_eq!(target["host"], "10.0.0.5");
    assert!(target["verdict_before"].is_string() && target["verdict_after"].is_string());
    let row = heap_row(&r);
    let before = mib_per_hour(&row["before"]["bytes_per_hour"]);
    let after = mib_per_hour(&row["after"]["bytes_per_hour"]);
    assert!((before - 0.1).abs() < 0.1, "before {before} MiB/h");
    assert!((after - 5.8).abs() < 0.1, "after {after} MiB/h");
    let low = mib_per_hour(&row["change_interval"][0]);
    let high = mib_per_hour(&row["change_interval"][1]);
    assert!(
        low <= 5.7 && 5.7 <= high,
        "the true change 5.7 MiB/h lies outside [{low}, {high}]"
    );
    assert_eq!(row["significant"], true);
    assert!(row["p_value"].as_f64().is_some_and(|p| p < 0.001));
    // The level moved too: the heap is higher after three days of fast growth.
    assert!(row["level_shift"].as_f64().is_some_and(|s| s > 100.0 * MIB));
    // The mark is on the timeline with what the heap did around it.
    let mark = &r["timeline"][0];
    assert_eq!(mark["kind"], "mark");
    assert_eq!(mark["label"], "deploy v2.3");
    let heap = mark["around"]
        .as_array()
        .expect("around")
        .iter()
        .find(|a| a["series"] == "heap_used")
        .expect("heap around the mark");
    assert!(
        heap["slope_after"].as_f64().unwrap_or(0.0) > heap["slope_before"].as_f64().unwrap_or(0.0)
    );
    // report.md opens with the sentence to quote and the decisive row of the table; the
    // terminal says the same.
    let md = spelled("markdown");
    let (_, summary) = md_section(&md, "## Before and after");
    assert!(
        summary.contains("before the deploy v2.3") && summary.contains("a change of +5."),
        "{summary}"
    );
    // The row of the series the verdict rests on: the engine's current regime.
    let name = target["decisive"].as_str().expect("a decisive series");
    let regime = r["targets"][0]["current_regime"]["series"]
        .as_str()
        .expect("the current regime's series");
    let kind = |n: &str| n.split([' ', '{']).next().unwrap_or(n).to_string();
    assert_eq!(
        kind(name),
        kind(regime),
        "{name} is not of the kind of {regime}"
    );
    let row = format!("| api on 10.0.0.5 | **{}** |", name.replace('_', "\\_"));
    let decisive = summary
        .find(&row)
        .unwrap_or_else(|| panic!("no {row} in {summary}"));
    assert!(
        summary.find("<details>").is_none_or(|d| decisive < d),
        "{summary}"
    );
    let table = spelled("table");
    assert!(table.contains("\nBefore and after:\n"), "{table}");
    assert!(table.contains("before the deploy v2.3"), "{table}");
}

#[test]
fn the_same_rate_in_both_windows_is_no_significant_change() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("steady.json");
    write_case(&file, 2.0, 2.0, 11);
    let baseline = format!(
        "{}..{}",
        super::util::rfc3339(T0),
        super::util::rfc3339(T0 + 3 * DAY)
    );
    let r = report(&[
        "diagnose",
        "--input",
        file.to_str().expect("utf-8"),
        "--start",
        &super::util::rfc3339(T0 + 3 * DAY),
        "--baseline",
        &baseline,
        "--format",
        "json",
    ]);
    let row = heap_row(&r);
    assert_eq!(row["significant"], false, "{row}");
    let low = mib_per_hour(&row["change_interval"][0]);
    let high = mib_per_hour(&row["change_interval"][1]);
    assert!(low < 0.0 && high > 0.0, "[{low}, {high}] excludes 0");
    assert!(row["p_value"].as_f64().is_some_and(|p| p > 0.05));
    assert_eq!(r["baseline"]["boundary"], Value::Null);
}

/// `diagnose --input FILE --baseline TEXT`.
fn with_baseline(file: &Path, baseline: &str) -> assert_cmd::assert::Assert {
    super::util::memgrowth()
        .args(["diagnose", "--input", file.to_str().expect("utf-8")])
        .args(["--baseline", baseline])
        .assert()
}

#[test]
fn a_baseline_outside_the_data_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("steady.json");
    write_case(&file, 2.0, 2.0, 3);
    with_baseline(&file, "2020-01-01T00:00:00Z..2020-01-02T00:00:00Z")
        .code(3)
        .stderr(predicates::prelude::PredicateBooleanExt::and(
            predicates::str::contains("baseline window 2020-01-01T00:00:00Z"),
            predicates::str::contains("the data spans"),
        ));
    with_baseline(&file, "2020-01-02")
        .code(2)
        .stderr(predicates::str::contains("--baseline"));
}

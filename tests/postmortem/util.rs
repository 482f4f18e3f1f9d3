//! Running the binary and reading its JSON report.
#![allow(dead_code)]

use assert_cmd::Command;
use serde_json::Value;

pub fn memgrowth() -> Command {
    let mut cmd = Command::cargo_bin("memgrowth").expect("binary");
    cmd.env_remove("PROMETHEUS_URL")
        .env_remove("MEMGROWTH_RANGE")
        .env_remove("MEMGROWTH_START")
        .env_remove("MEMGROWTH_END")
        .env("NO_COLOR", "1");
    cmd
}

/// Runs memgrowth, expects success, returns its stdout.
pub fn stdout_of(args: &[&str]) -> String {
    let output = memgrowth().args(args).output().expect("run memgrowth");
    assert!(
        output.status.success(),
        "memgrowth {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 stdout")
}

/// Runs memgrowth, expects success, parses stdout as the JSON report.
pub fn report(args: &[&str]) -> Value {
    serde_json::from_str(&stdout_of(args)).expect("report JSON")
}

/// The report without `source` and `bundles` (where the data came from differs by design).
pub fn analysis_of(mut report: Value) -> Value {
    if let Some(object) = report.as_object_mut() {
        object.remove("source");
        object.remove("bundles");
    }
    report
}

/// The report without what the timeline's events saw around them: a cut file reads the
/// data before and after its window there, a live query fetched none (by design).
pub fn without_around(mut report: Value) -> Value {
    if let Some(events) = report["timeline"].as_array_mut() {
        for event in events {
            if let Some(event) = event.as_object_mut() {
                event.remove("around");
            }
        }
    }
    report
}

/// JSON paths where two values differ (at most `limit`), for a readable failure.
pub fn differences(a: &Value, b: &Value, path: &str, out: &mut Vec<String>, limit: usize) {
    if out.len() >= limit || a == b {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let (va, vb) = (
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                );
                differences(va, vb, &format!("{path}.{k}"), out, limit);
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                differences(va, vb, &format!("{path}[{i}]"), out, limit);
            }
        }
        _ => {
            let short = |v: &Value| v.to_string().chars().take(120).collect::<String>();
            out.push(format!("{path}: {} != {}", short(a), short(b)));
        }
    }
}

pub fn assert_same_analysis(a: Value, b: Value, what: &str) {
    let (a, b) = (analysis_of(a), analysis_of(b));
    let mut diff = Vec::new();
    differences(&a, &b, "", &mut diff, 20);
    assert!(diff.is_empty(), "{what}:\n{}", diff.join("\n"));
}

/// (service, host, verdict) of every target.
pub fn verdicts(report: &Value) -> Vec<(String, String, String)> {
    report["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|t| {
            (
                t["service"].as_str().unwrap_or("").to_string(),
                t["host"].as_str().unwrap_or("").to_string(),
                t["verdict"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

pub fn rfc3339(unix_seconds: i64) -> String {
    memgrowth::units::rfc3339(unix_seconds as f64)
}

/// Where the Markdown section under `heading` (a `## ` line) starts, and its text up to
/// the next `## ` heading.
pub fn md_section<'a>(md: &'a str, heading: &str) -> (usize, &'a str) {
    let start = md
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("no {heading:?} in {md}"))
        + 1;
    let end = md[start..].find("\n## ").map_or(md.len(), |i| start + i);
    (start, &md[start..end])
}

//! Data pathologies: each gets a defined outcome, never a panic. The contract asserted
//! here is the same for every case and independent of how the verdict engine decides:
//! the run exits 0 with a report whose every target has a verdict from the vocabulary,
//! a confidence in [0, 1], and reasons (an `insufficient_data` verdict says what is
//! missing), and the report directory renders; or it exits 3 with an error that names
//! the input. Exit 101 (a panic) or anything else fails.

#[path = "support/prom_servers.rs"]
mod prom_servers;

use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

const T0: i64 = 1_761_955_200;
const VERDICTS: [&str; 7] = [
    "leak",
    "restart_masked_leak",
    "native_growth",
    "cache_growth",
    "plateau",
    "stable",
    "insufficient_data",
];

/// One series: (timestamp in seconds, value as Prometheus writes it).
type Samples = Vec<(f64, String)>;

fn steady(n: i64, step: i64, value: impl Fn(i64) -> f64) -> Samples {
    (0..n)
        .map(|k| ((T0 + k * step) as f64, format!("{}", value(k))))
        .collect()
}

fn cases() -> Vec<(&'static str, Vec<Samples>)> {
    let ramp = |k: i64| 80e6 + 1e4 * k as f64;
    let mut shuffled = steady(240, 60, ramp);
    shuffled.reverse();
    shuffled.swap(3, 100);
    let duplicated: Samples = steady(240, 60, ramp)
        .into_iter()
        .flat_map(|(t, v)| [(t, v), (t, "1".to_string())])
        .collect();
    let mut mixed = steady(120, 15, ramp);
    mixed.extend(
        steady(60, 300, ramp)
            .into_iter()
            .map(|(t, v)| (t + 1800.0, v)),
    );
    vec![
        ("empty series", vec![vec![]]),
        ("one point", vec![steady(1, 60, ramp)]),
        (
            "two points",
            vec![vec![
                (T0 as f64, "1e8".into()),
                ((T0 + 86_400) as f64, "2e8".into()),
            ]],
        ),
        ("constant", vec![steady(240, 60, |_| 123_456_789.0)]),
        ("all NaN", vec![steady(240, 60, |_| f64::NAN)]),
        (
            "all +Inf",
            vec![
                (0..240)
                    .map(|k| ((T0 + k * 60) as f64, "+Inf".to_string()))
                    .collect(),
            ],
        ),
        (
            "some +Inf and -Inf",
            vec![
                (0..240)
                    .map(|k| {
                        let v = match k % 17 {
                            0 => "+Inf".to_string(),
                            1 => "-Inf".to_string(),
                            _ => format!("{}", ramp(k)),
                        };
                        ((T0 + k * 60) as f64, v)
                    })
                    .collect(),
            ],
        ),
        (
            "negative values",
            vec![steady(240, 60, |k| -1e6 - 1e3 * k as f64)],
        ),
        ("zeros", vec![steady(240, 60, |_| 0.0)]),
        ("timestamps out of order", vec![shuffled]),
        ("duplicated timestamps", vec![duplicated]),
        (
            "duplicated series with conflicting values",
            vec![
                steady(240, 60, ramp),
                steady(240, 60, |k| 5e8 - 1e5 * k as f64),
            ],
        ),
        ("mixed steps", vec![mixed]),
        (
            "values near 2^53",
            vec![steady(240, 60, |k| 9_007_199_254_740_000.0 + k as f64)],
        ),
        (
            "extreme magnitudes",
            vec![steady(240, 60, |k| if k % 2 == 0 { 1e300 } else { 1e-300 })],
        ),
        (
            "before 1970",
            vec![
                (0..240)
                    .map(|k| ((-86_400 + k * 60) as f64, format!("{}", ramp(k))))
                    .collect(),
            ],
        ),
        (
            "sub-second timestamps",
            vec![
                (0..240)
                    .map(|k| (T0 as f64 + k as f64 * 0.001, format!("{}", ramp(k))))
                    .collect(),
            ],
        ),
    ]
}

fn answer(series: &[Samples], names: &[&str]) -> Value {
    let mut result = Vec::new();
    for name in names {
        for s in series {
            let values: Vec<Value> = s.iter().map(|(t, v)| json!([t, v])).collect();
            result.push(json!({
                "metric": {"__name__": name, "job": "api", "instance": "10.0.0.5:3000"},
                "values": values,
            }));
        }
    }
    json!({"status": "success", "data": {"resultType": "matrix", "result": result}})
}

/// Checks the contract on one run; returns a problem, if any.
fn check(
    case: &str,
    output: &std::process::Output,
    input: &str,
    out_dir: Option<&Path>,
) -> Option<String> {
    let stderr = String::from_utf8_lossy(&output.stderr);
    match output.status.code() {
        Some(0) => {}
        Some(3) if stderr.contains(input) => return None,
        Some(2) if case.starts_with("live") => return None,
        code => return Some(format!("{case}: exit {code:?}: {stderr}")),
    }
    let report: Value = match serde_json::from_slice(&output.stdout) {
        Ok(v) => v,
        Err(e) => return Some(format!("{case}: stdout is not a JSON report: {e}")),
    };
    let Some(targets) = report["targets"].as_array() else {
        return Some(format!("{case}: no targets array"));
    };
    for t in targets {
        let verdict = t["verdict"].as_str().unwrap_or("");
        if !VERDICTS.contains(&verdict) {
            return Some(format!(
                "{case}: verdict {verdict:?} is not in the vocabulary"
            ));
        }
        let confidence = t["confidence"].as_f64().unwrap_or(-1.0);
        if !(0.0..=1.0).contains(&confidence) {
            return Some(format!(
                "{case}: confidence {} out of [0, 1]",
                t["confidence"]
            ));
        }
        let reasons = t["reasons"].as_array().map(Vec::len).unwrap_or(0);
        if reasons == 0 {
            return Some(format!("{case}: {verdict} without a reason"));
        }
    }
    if targets.is_empty() && report["verdict"].is_null() {
        return Some(format!(
            "{case}: an empty report without an overall verdict"
        ));
    }
    if let Some(dir) = out_dir {
        for file in ["index.html", "report.md", "report.json", "junit.xml"] {
            if !dir.join(file).is_file() {
                return Some(format!("{case}: the report directory lacks {file}"));
            }
        }
    }
    None
}

#[test]
fn every_data_pathology_has_a_defined_outcome() {
    let work = tempfile::tempdir().unwrap();
    let mut problems = Vec::new();
    let mut ran = 0;
    for (i, (case, series)) in cases().into_iter().enumerate() {
        let path = work.path().join(format!("case-{i:02}.json"));
        let body = answer(
            &series,
            &[
                "nodejs_heap_size_used_bytes",
                "process_resident_memory_bytes",
            ],
        );
        std::fs::write(&path, body.to_string()).unwrap();
        let out_dir = work.path().join(format!("report-{i:02}"));
        let output = Command::new(env!("CARGO_BIN_EXE_memgrowth"))
            .env("NO_COLOR", "1")
            .args(["diagnose", "--format", "json", "--input"])
            .arg(&path)
            .arg("--out")
            .arg(&out_dir)
            .output()
            .unwrap();
        ran += 1;
        let input = path.display().to_string();
        let dir = output.status.success().then_some(out_dir.as_path());
        if let Some(p) = check(case, &output, &input, dir) {
            problems.push(p);
        }
    }
    assert!(ran >= 17);
    assert!(
        problems.is_empty(),
        "{} case(s) broke the contract:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn odd_live_windows_have_a_defined_outcome() {
    let series = vec![prom_servers::SynthSeries::linear(
        "nodejs_heap_size_used_bytes",
        &[("job", "api"), ("instance", "10.0.0.5:3000")],
        T0,
        T0 + 6 * 3600,
        15,
        80e6,
        1e3,
    )];
    let server = prom_servers::start_prometheus(&series, &[]);
    let start = T0.to_string();
    let end = (T0 + 3600).to_string();
    let future_start = (T0 + 400 * 86_400 * 365).to_string();
    let future_end = (T0 + 400 * 86_400 * 365 + 3600).to_string();
    let one_second = (T0 + 1).to_string();
    let cases: Vec<(&str, Vec<&str>)> = vec![
        (
            "live: a step larger than the window",
            vec!["--start", &start, "--end", &end, "--step", "2h"],
        ),
        (
            "live: a window in the future",
            vec!["--start", &future_start, "--end", &future_end],
        ),
        (
            "live: a window before any data",
            vec!["--start", "0", "--end", "3600"],
        ),
        (
            "live: a one-second window",
            vec!["--start", &start, "--end", &one_second],
        ),
    ];
    let mut problems = Vec::new();
    for (case, args) in cases {
        let output = Command::new(env!("CARGO_BIN_EXE_memgrowth"))
            .env_remove("PROMETHEUS_URL")
            .env("NO_COLOR", "1")
            .args([
                "diagnose",
                "--format",
                "json",
                "--app",
                "job=\"api\"",
                "--prometheus",
            ])
            .arg(server.url())
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        // A usage error (2) must name the flag; an input error (3) the server.
        let named = match output.status.code() {
            Some(2) => ["--step", "--start", "--end", "window"]
                .iter()
                .any(|f| stderr.contains(f)),
            Some(3) => stderr.contains(&server.url()),
            _ => true,
        };
        if !named {
            problems.push(format!(
                "{case}: the error names neither the flag nor the server: {stderr}"
            ));
        } else if let Some(p) = check(case, &output, &server.url(), None) {
            problems.push(p);
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

//! Regenerates the fuzzers' seed corpus from the fixtures:
//! `cargo run --release --example fuzz_seeds -- fuzz/seeds`.
//!
//! Every fixture answer is cut to a few series of a few points (libFuzzer works on small
//! inputs) and written in each format a fuzz target reads: Prometheus API JSON (matrix,
//! vector, scalar, warnings, errors), VictoriaMetrics export lines, Grafana CSV, a tidy
//! Parquet frame, a bundle manifest, label matchers, units and a saved report. The output
//! is byte-identical on every run.

use memgrowth::input::bundle::{BundleWriter, Manifest, Query};
use memgrowth::input::prom_json::parse_response;
use memgrowth::kind::Kind;
use memgrowth::report::{SourceInfo, SubjectInfo, Window};
use memgrowth::series::RawSeries;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Series kept per fixture answer, and points kept per series.
const SERIES: usize = 3;
const POINTS: usize = 12;

fn main() -> ExitCode {
    let Some(out) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: fuzz_seeds OUT_DIR (e.g. fuzz/seeds)");
        return ExitCode::from(2);
    };
    match run(&out) {
        Ok(n) => {
            eprintln!("wrote {n} seed files under {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("fuzz_seeds: {e}");
            ExitCode::FAILURE
        }
    }
}

struct Seeds {
    root: PathBuf,
    written: usize,
}

impl Seeds {
    fn put(&mut self, target: &str, name: &str, bytes: &[u8]) -> Result<(), String> {
        let dir = self.root.join(target);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        self.written += 1;
        Ok(())
    }
}

fn run(out: &Path) -> Result<usize, String> {
    let mut seeds = Seeds {
        root: out.to_path_buf(),
        written: 0,
    };
    let mut all = Vec::new();
    for path in fixture_answers(Path::new("fixtures"))? {
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let response = parse_response(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        let series: Vec<RawSeries> = response
            .series
            .into_iter()
            .take(SERIES)
            .map(shrink)
            .collect();
        let name = path
            .strip_prefix("fixtures")
            .unwrap_or(&path)
            .to_string_lossy()
            .replace(['/', '.'], "-");
        write_formats(&mut seeds, &name, &series)?;
        all.extend(series);
    }
    for (name, body) in special_answers() {
        seeds.put("prom_json", name, body.as_bytes())?;
        seeds.put("prom_decode", name, &[&[0u8][..], body.as_bytes()].concat())?;
        seeds.put(
            "prom_decode",
            &format!("{name}-500"),
            &[&[4u8][..], body.as_bytes()].concat(),
        )?;
    }
    for file in small_inputs()? {
        let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let target = if name.ends_with(".csv") {
            "grafana_csv"
        } else {
            "prom_json"
        };
        seeds.put(target, &name, &bytes)?;
    }
    write_bundle(&mut seeds, &all)?;
    for (i, text) in MATCHERS.iter().enumerate() {
        seeds.put("matcher", &format!("m{i:02}"), text.as_bytes())?;
    }
    for (i, text) in UNITS.iter().enumerate() {
        seeds.put("units", &format!("u{i:02}"), text.as_bytes())?;
    }
    for (i, text) in CLI_VALUES.iter().enumerate() {
        seeds.put("cli_values", &format!("c{i:02}"), text.as_bytes())?;
    }
    let report = Path::new("reports/otl-two-hosts/report.json");
    let bytes = std::fs::read(report).map_err(|e| format!("{}: {e}", report.display()))?;
    seeds.put("report_json", "otl-two-hosts.json", &shrink_report(&bytes)?)?;
    Ok(seeds.written)
}

/// Every `*.json` query answer under `fixtures/`, sorted, except `expected/` truths.
fn fixture_answers(root: &Path) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
            if path.is_dir() && !path.ends_with("expected") {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

fn small_inputs() -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for dir in ["tests/data/inputs", "tests/data/inputs/good"] {
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{dir}: {e}"))?;
        for entry in entries {
            let path = entry.map_err(|e| format!("{dir}: {e}"))?.path();
            if path.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

fn shrink(mut s: RawSeries) -> RawSeries {
    s.timestamps_ms.truncate(POINTS);
    s.values.truncate(POINTS);
    s
}

fn value_text(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{v}")
    }
}

fn matrix(series: &[RawSeries]) -> Value {
    let result: Vec<Value> = series
        .iter()
        .map(|s| {
            let values: Vec<Value> = s
                .timestamps_ms
                .iter()
                .zip(&s.values)
                .map(|(t, v)| json!([*t as f64 / 1000.0, value_text(*v)]))
                .collect();
            json!({"metric": s.labels, "values": values})
        })
        .collect();
    json!({"status": "success", "data": {"resultType": "matrix", "result": result}})
}

fn vector(series: &[RawSeries]) -> Value {
    let result: Vec<Value> = series
        .iter()
        .filter_map(|s| {
            let (t, v) = (s.timestamps_ms.first()?, s.values.first()?);
            Some(json!({"metric": s.labels, "value": [*t as f64 / 1000.0, value_text(*v)]}))
        })
        .collect();
    json!({"status": "success", "data": {"resultType": "vector", "result": result}})
}

fn write_formats(seeds: &mut Seeds, name: &str, series: &[RawSeries]) -> Result<(), String> {
    let matrix = matrix(series).to_string();
    let vector = vector(series).to_string();
    seeds.put("prom_json", &format!("{name}-matrix"), matrix.as_bytes())?;
    seeds.put("prom_json", &format!("{name}-vector"), vector.as_bytes())?;
    seeds.put(
        "prom_decode",
        &format!("{name}-matrix"),
        &[&[0u8][..], matrix.as_bytes()].concat(),
    )?;
    let labels: Vec<Value> = series.iter().map(|s| json!(s.labels)).collect();
    let answer = json!({"status": "success", "data": labels}).to_string();
    seeds.put(
        "prom_decode",
        &format!("{name}-series"),
        &[&[6u8][..], answer.as_bytes()].concat(),
    )?;
    let names: Vec<&String> = series.iter().flat_map(|s| s.labels.keys()).collect();
    let answer = json!({"status": "success", "data": names}).to_string();
    seeds.put(
        "prom_decode",
        &format!("{name}-labels"),
        &[&[12u8][..], answer.as_bytes()].concat(),
    )?;

    let mut export = String::new();
    for s in series {
        let values: Vec<Value> = s
            .values
            .iter()
            .map(|v| if v.is_finite() { json!(v) } else { Value::Null })
            .collect();
        export.push_str(
            &json!({"metric": s.labels, "values": values, "timestamps": s.timestamps_ms})
                .to_string(),
        );
        export.push('\n');
    }
    seeds.put("vm_export", name, export.as_bytes())?;
    seeds.put("grafana_csv", name, grafana_csv(series).as_bytes())?;
    Ok(())
}

/// A Grafana "Series joined by time" export of `series`.
fn grafana_csv(series: &[RawSeries]) -> String {
    let header: Vec<String> = series
        .iter()
        .map(|s| {
            let name = s.labels.get("__name__").cloned().unwrap_or_default();
            let labels: Vec<String> = s
                .labels
                .iter()
                .filter(|(k, _)| *k != "__name__")
                .map(|(k, v)| format!("{k}=\"\"{v}\"\""))
                .collect();
            format!("\"{name}{{{}}}\"", labels.join(", "))
        })
        .collect();
    let mut out = format!("\"Time\",{}\n", header.join(","));
    let times: Vec<i64> = series
        .first()
        .map(|s| s.timestamps_ms.clone())
        .unwrap_or_default();
    for (i, t) in times.iter().enumerate() {
        let cells: Vec<String> = series
            .iter()
            .map(|s| s.values.get(i).map(|v| format!("{v}")).unwrap_or_default())
            .collect();
        // Grafana writes local time without a zone; the reader takes it as UTC.
        let time = memgrowth::units::rfc3339(*t as f64 / 1000.0)
            .replace('T', " ")
            .replace('Z', "");
        out.push_str(&format!("{time},{}\n", cells.join(",")));
    }
    out
}

fn special_answers() -> Vec<(&'static str, String)> {
    vec![
        ("scalar", r#"{"status":"success","data":{"resultType":"scalar","result":[1762000000.5,"3"]}}"#.into()),
        ("string", r#"{"status":"success","data":{"resultType":"string","result":[1762000000,"x"]}}"#.into()),
        ("warnings", r#"{"status":"success","warnings":["partial response: store 2 down"],"infos":["cut"],"data":{"resultType":"matrix","result":[{"metric":{"__name__":"up","instance":"a:1"},"values":[[1762000000,"1"],[1762000015,"NaN"],[1762000030,"+Inf"]]}]}}"#.into()),
        ("error", r#"{"status":"error","errorType":"bad_data","error":"parse error at char 4"}"#.into()),
        ("error-timeout", r#"{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}"#.into()),
        ("empty", r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#.into()),
    ]
}

/// A complete bundle of `series` (cut to a handful), as `fetch` writes it.
fn write_bundle(seeds: &mut Seeds, series: &[RawSeries]) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let window = Window {
        start: "2026-11-01T00:00:00Z".into(),
        end: "2026-11-02T00:00:00Z".into(),
        step_seconds: 60.0,
    };
    let source = SourceInfo {
        kind: "prometheus".into(),
        location: "http://127.0.0.1:9090".into(),
        ..SourceInfo::default()
    };
    let subject = SubjectInfo {
        app: Some("{job=\"otl-api\"}".into()),
        host_label: "instance".into(),
        ..SubjectInfo::default()
    };
    let queries = vec![Query {
        kind: Kind::HeapUsed,
        promql: "nodejs_heap_size_used_bytes{job=\"otl-api\"}".into(),
    }];
    let mut manifest = Manifest::new(source, window, subject, queries);
    manifest.created_at = "2026-11-02T00:00:05Z".into();
    manifest.add_chunk("q0-c0", 0, "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z");
    let mut writer = BundleWriter::open(dir.path(), manifest).map_err(|e| e.to_string())?;
    let few: Vec<RawSeries> = series.iter().take(4).cloned().collect();
    writer
        .write_chunk("q0-c0", &few)
        .map_err(|e| e.to_string())?;
    let manifest = writer.finish().map_err(|e| e.to_string())?;
    let parquet = std::fs::read(dir.path().join("series.parquet")).map_err(|e| e.to_string())?;
    seeds.put("bundle-data", "series.parquet", &parquet)?;
    seeds.put("parquet_frame", "bundle-series.parquet", &parquet)?;
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| e.to_string())?;
    seeds.put("bundle", "manifest.json", &json)?;
    let mut incomplete = manifest.clone();
    incomplete.complete = false;
    let json = serde_json::to_vec_pretty(&incomplete).map_err(|e| e.to_string())?;
    seeds.put("bundle", "incomplete.json", &json)?;
    Ok(())
}

/// The committed report with every array cut to a few items.
fn shrink_report(bytes: &[u8]) -> Result<Vec<u8>, String> {
    fn cut(v: &mut Value) {
        match v {
            Value::Array(items) => {
                items.truncate(4);
                items.iter_mut().for_each(cut);
            }
            Value::Object(map) => map.values_mut().for_each(cut),
            _ => {}
        }
    }
    let mut value: Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    cut(&mut value);
    serde_json::to_vec(&value).map_err(|e| e.to_string())
}

const MATCHERS: &[&str] = &[
    r#"job="otl-api""#,
    r#"{job="otl-api",instance=~"10\\.0\\..*"}"#,
    r#"up{job!="x",env!~"dev|test",}"#,
    r#"name="a\"b\\c\n""#,
    r#"{"__name__"="weird.name","ü"="ü"}"#,
    r#"job="x"} or vector(1) {a="b""#,
];

const UNITS: &[&str] = &[
    "90m",
    "14d",
    "1h30m",
    "500ms",
    "1y",
    "1.5GiB",
    "800M",
    "1073741824",
    "2026-11-01T00:00:00Z",
    "1761955200.5",
    "2026-11-01T00:00:00+09:00",
];

const CLI_VALUES: &[&str] = &[
    "X-Scope-OrgID: tenant-1\nhttp://127.0.0.1:9090\nprometheus",
    "Authorization: Bearer s3cr3t-t0ken-1234\nhttps://user:pa55word-987@mimir.example:8080/x?y=1#z\n/api/v1",
    "victoriametrics\nhttp://[::1]:8428/\n",
    "20000\nftp://host/\n",
];

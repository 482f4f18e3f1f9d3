//! Offline inputs end to end: every format, malformed files (the error names the file
//! and the place), bundles (round trip, resume, truncation), label matcher semantics as
//! Prometheus documents them, and subject selection.

#[path = "inputs/matchers.rs"]
mod matchers;
#[path = "inputs/selection.rs"]
mod selection;

use memgrowth::input::bundle::{self, BundleWriter, Manifest, Query};
use memgrowth::input::{InputError, load};
use memgrowth::kind::Kind;
use memgrowth::report::{SourceInfo, SubjectInfo, Window};
use memgrowth::series::{Labels, RawSeries};
use std::path::{Path, PathBuf};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/inputs")
        .join(name)
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn series(pairs: &[(&str, &str)], points: &[(i64, f64)]) -> RawSeries {
    let mut s = RawSeries::new(labels(pairs));
    for (t, v) in points {
        s.push(*t, *v);
    }
    s
}

/// Loads a malformed file and returns the error text, checking it names the file.
fn error_of(name: &str) -> (InputError, String) {
    let path = data(name);
    let e = load(std::slice::from_ref(&path)).expect_err(name);
    let text = e.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert_eq!(e.path(), path.as_path());
    (e, text)
}

#[test]
fn prometheus_json_loads_merges_and_normalizes() {
    let loaded = load(&[data("good/range.json"), data("good/range-more.json")]).unwrap();
    assert_eq!(loaded.source.kind, "files");
    assert_eq!(loaded.source.files.len(), 2);
    assert_eq!(loaded.source.warnings, vec!["partial response".to_string()]);
    let heap: Vec<_> = loaded
        .series
        .iter()
        .filter(|s| s.metric_name() == "nodejs_heap_size_used_bytes")
        .collect();
    assert_eq!(heap.len(), 1, "same labels in two files merge");
    // Unsorted and duplicated timestamps across the files are normalized.
    assert_eq!(
        heap[0].timestamps_ms,
        vec![
            1_700_000_000_000,
            1_700_000_015_000,
            1_700_000_030_000,
            1_700_000_045_000
        ]
    );
    assert!(heap[0].values[2].is_nan());
    assert_eq!(heap[0].values[3], f64::INFINITY);
    assert_eq!(loaded.source.series, loaded.series.len());
}

#[test]
fn a_directory_reads_every_input_file_in_it() {
    let loaded = load(&[data("good")]).unwrap();
    let names: Vec<&str> = loaded.series.iter().map(|s| s.metric_name()).collect();
    assert!(names.contains(&"container_memory_cache"), "{names:?}");
    assert!(names.contains(&"nodejs_heap_size_used_bytes"), "{names:?}");
    assert!(
        loaded
            .source
            .warnings
            .iter()
            .any(|w| w.contains("notes.json")),
        "{:?}",
        loaded.source.warnings
    );
    assert!(!loaded.source.files.iter().any(|f| f.contains("notes.json")));
    // Given on its own, the same file is an error.
    let e = load(&[data("good/notes.json")]).unwrap_err();
    assert!(matches!(e, InputError::Shape { .. }), "{e}");
    let files: Vec<&String> = loaded.source.files.iter().collect();
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted);
}

#[test]
fn truncated_json_names_line_column_and_path() {
    let (e, text) = error_of("truncated.json");
    match e {
        InputError::Json {
            line, json_path, ..
        } => {
            assert!(line >= 3, "{text}");
            assert!(json_path.starts_with("data.result[1]"), "{text}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(text.contains("truncated"), "{text}");
}

#[test]
fn wrong_types_name_the_json_path() {
    let (e, text) = error_of("wrong-type.json");
    match e {
        InputError::Json {
            line,
            column,
            json_path,
            ..
        } => {
            assert_eq!(json_path, "data.result[0].values[1]", "{text}");
            assert_eq!(line, 4, "{text}");
            assert!(column > 0);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn status_error_is_reported_with_its_type() {
    let (e, text) = error_of("status-error.json");
    assert!(matches!(e, InputError::Api { ref error_type, .. } if error_type == "bad_data"));
    assert!(text.contains("invalid parameter"), "{text}");
}

#[test]
fn csv_bad_number_and_bad_header_are_located() {
    let (e, text) = error_of("bad-number.csv");
    assert!(
        matches!(
            e,
            InputError::Csv {
                line: 4,
                column: 3,
                ..
            }
        ),
        "{text}"
    );
    assert!(text.contains(":4:3"), "{text}");
    let (e, text) = error_of("bad-header.csv");
    assert!(
        matches!(
            e,
            InputError::Csv {
                line: 1,
                column: 2,
                ..
            }
        ),
        "{text}"
    );
}

#[test]
fn unknown_formats_and_empty_directories_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let e = load(&[dir.path().to_path_buf()]).unwrap_err();
    assert!(matches!(e, InputError::NoInputs { .. }), "{e}");
    let odd = dir.path().join("notes.txt");
    std::fs::write(&odd, "hello").unwrap();
    let e = load(&[odd]).unwrap_err();
    assert!(matches!(e, InputError::UnknownFormat { .. }), "{e}");
    let e = load(&[dir.path().join("missing.json")]).unwrap_err();
    assert!(matches!(e, InputError::Io { .. }), "{e}");
}

fn manifest(chunks: &[(&str, usize)]) -> Manifest {
    let mut m = Manifest::new(
        SourceInfo {
            kind: "prometheus".into(),
            location: "http://127.0.0.1:9090".into(),
            ..SourceInfo::default()
        },
        Window {
            start: "2023-11-14T22:13:20Z".into(),
            end: "2023-11-14T23:13:20Z".into(),
            step_seconds: 15.0,
        },
        SubjectInfo {
            app: Some("{job=\"api\"}".into()),
            host_label: "instance".into(),
            ..SubjectInfo::default()
        },
        vec![
            Query {
                kind: Kind::HeapUsed,
                promql: "nodejs_heap_size_used_bytes{job=\"api\"}".into(),
            },
            Query {
                kind: Kind::HostMemTotal,
                promql: "node_memory_MemTotal_bytes".into(),
            },
        ],
    );
    for (id, q) in chunks {
        m.add_chunk(id, *q, "2023-11-14T22:13:20Z", "2023-11-14T23:13:20Z");
    }
    m
}

fn bundle_input() -> Vec<Vec<RawSeries>> {
    let heap = [
        ("__name__", "nodejs_heap_size_used_bytes"),
        ("instance", "10.0.0.5:3000"),
        ("job", "api"),
    ];
    vec![
        vec![series(&heap, &[(1000, 1.0), (2000, f64::NAN)])],
        vec![series(&heap, &[(3000, 3.0), (2000, 9.0)])],
        vec![series(
            &[
                ("__name__", "node_memory_MemTotal_bytes"),
                ("instance", "10.0.0.5:9100"),
            ],
            &[(1000, 8e9), (2000, f64::INFINITY)],
        )],
    ]
}

#[test]
fn bundle_round_trip_and_resume() {
    let dir = tempfile::tempdir().unwrap();
    let plan = manifest(&[("heap-0", 0), ("heap-1", 0), ("host-0", 1)]);
    let input = bundle_input();

    let mut w = BundleWriter::open(dir.path(), plan.clone()).unwrap();
    assert!(w.done().is_empty());
    w.write_chunk("heap-0", &input[0]).unwrap();
    drop(w);

    // Interrupted: the bundle is refused, and says how to resume.
    let e = load(&[dir.path().to_path_buf()]).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("incomplete"), "{text}");
    assert!(text.contains("run `memgrowth fetch` again"), "{text}");
    assert!(text.contains(&dir.path().display().to_string()), "{text}");

    // Another plan is not resumed into this directory.
    assert!(BundleWriter::open(dir.path(), manifest(&[("x", 0)])).is_err());

    let mut w = BundleWriter::open(dir.path(), plan).unwrap();
    assert_eq!(w.done().into_iter().collect::<Vec<_>>(), vec!["heap-0"]);
    assert_eq!(w.pending().len(), 2);
    assert!(w.write_chunk("nope", &[]).is_err());
    w.write_chunk("heap-1", &input[1]).unwrap();
    w.write_chunk("host-0", &input[2]).unwrap();
    let m = w.finish().unwrap();
    assert!(m.complete);
    assert_eq!(m.files.len(), 1);

    let loaded = load(&[dir.path().to_path_buf()]).unwrap();
    assert_eq!(loaded.source.kind, "bundle");
    assert_eq!(
        loaded.kinds.get("nodejs_heap_size_used_bytes"),
        Some(&Kind::HeapUsed)
    );
    assert_eq!(
        loaded.kinds.get("node_memory_MemTotal_bytes"),
        Some(&Kind::HostMemTotal)
    );
    assert_eq!(loaded.manifest.as_ref(), Some(&m));
    let expected = memgrowth::series::merge_by_labels(input.into_iter().flatten().collect());
    assert_eq!(loaded.series.len(), expected.len());
    for (a, b) in loaded.series.iter().zip(&expected) {
        assert_eq!(a.labels, b.labels);
        assert_eq!(a.timestamps_ms, b.timestamps_ms);
        let same = a
            .values
            .iter()
            .zip(&b.values)
            .all(|(x, y)| x == y || (x.is_nan() && y.is_nan()));
        assert!(same, "{a:?} != {b:?}");
    }
    // Duplicated timestamp 2000 across chunks: the first chunk's sample wins.
    assert!(loaded.series[1].values[1].is_nan());

    // A finished bundle is not reopened for writing.
    assert!(BundleWriter::open(dir.path(), manifest(&[])).is_err());

    let (raw, manifest) = bundle::read(dir.path()).unwrap();
    assert_eq!(raw.len(), expected.len());
    assert_eq!(manifest.queries.len(), 2);
}

#[test]
fn a_truncated_bundle_file_is_never_taken_for_complete() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = BundleWriter::open(dir.path(), manifest(&[("a", 0)])).unwrap();
    w.write_chunk("a", &bundle_input()[0]).unwrap();
    w.finish().unwrap();
    let file = dir.path().join(bundle::SERIES_FILE);
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    let e = load(&[dir.path().to_path_buf()]).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("series.parquet"), "{text}");
    assert!(text.contains("truncated"), "{text}");
    assert!(
        text.contains(&format!("the manifest says {}", bytes.len())),
        "{text}"
    );

    // The same file given alone is refused by the Parquet reader, with its length.
    let alone = dir.path().join("alone.parquet");
    std::fs::write(&alone, &bytes[..bytes.len() - 10]).unwrap();
    let e = load(std::slice::from_ref(&alone)).unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, InputError::Parquet { .. }), "{text}");
    assert!(text.contains(&alone.display().to_string()), "{text}");
    assert!(
        text.contains(&format!("{}-byte", bytes.len() - 10)),
        "{text}"
    );

    // The whole file reads as a tidy frame on its own.
    std::fs::write(&alone, &bytes).unwrap();
    let loaded = load(&[alone]).unwrap();
    assert_eq!(loaded.series.len(), 1);
}

#[test]
fn a_broken_manifest_is_located() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(bundle::MANIFEST),
        "{\"format_version\": 1,\n\"tool\": ",
    )
    .unwrap();
    let e = load(&[dir.path().to_path_buf()]).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("manifest.json"), "{text}");
    assert!(text.contains("line 2"), "{text}");
}

#[test]
fn a_manifest_from_a_newer_build_says_which_build_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = serde_json::to_value(manifest(&[])).unwrap();
    m["tool"]["version"] = "99.0.0".into();
    m["queries"][0]["kind"] = "kind_of_the_future".into();
    std::fs::write(
        dir.path().join(bundle::MANIFEST),
        serde_json::to_string_pretty(&m).unwrap(),
    )
    .unwrap();
    let text = load(&[dir.path().to_path_buf()]).unwrap_err().to_string();
    assert!(text.contains("manifest.json"), "{text}");
    assert!(text.contains("kind_of_the_future"), "{text}");
    assert!(
        text.contains("read the bundle with memgrowth 99.0.0 or newer"),
        "{text}"
    );
}

#[test]
fn every_prefix_of_a_valid_file_is_an_error_or_a_result_never_a_panic() {
    let json = std::fs::read(data("good/range.json")).unwrap();
    for end in 0..json.len() {
        let _ = memgrowth::input::prom_json::parse_response(&json[..end]);
    }
    let csv = std::fs::read_to_string(data("good/panel.csv")).unwrap();
    for end in (0..csv.len()).filter(|e| csv.is_char_boundary(*e)) {
        let _ = memgrowth::input::grafana_csv::parse(&csv[..end], Path::new("p.csv"));
    }
}

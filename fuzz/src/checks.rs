//! What every fuzz target checks, one function per target, shared by the fuzz targets
//! (`fuzz_targets/*.rs`) and by the regression test that replays saved inputs
//! (`tests/fuzz_regressions.rs` includes this file). Each function panics when an
//! invariant is broken; a parser returning an error is not a failure.

#![allow(dead_code)]

use memgrowth::input::bundle::{self as bundle_dir, read_frame_with_kinds};
use memgrowth::input::grafana_csv as csv;
use memgrowth::input::prom_json::{parse_reader, parse_response};
use memgrowth::input::vm_export as vm;
use memgrowth::matcher::Selector;
use memgrowth::prom::decode::{decode_error, decode_names, decode_query, decode_series};
use memgrowth::prom::{Backend, ExtraHeader, PromConfig, PromError};
use memgrowth::render::{
    TerminalStyle, render_comparison, render_html, render_json, render_junit, render_markdown,
    render_table, render_terminal,
};
use memgrowth::report::Report;
use memgrowth::series::Labels;
use memgrowth::units::{
    format_bytes, format_hours, format_rate, parse_bytes, parse_duration, parse_timestamp, rfc3339,
};
use std::path::Path;

/// A target's check: panics when an invariant is broken.
pub type Check = fn(&[u8]);

/// The targets, by name, for the regression test.
pub const TARGETS: &[(&str, Check)] = &[
    ("prom_json", prom_json),
    ("prom_decode", prom_decode),
    ("vm_export", vm_export),
    ("grafana_csv", grafana_csv),
    ("parquet_frame", parquet_frame),
    ("bundle", bundle),
    ("units", units),
    ("matcher", matcher),
    ("cli_values", cli_values),
    ("report_json", report_json),
];

/// Prometheus API JSON (matrix, vector, scalar, string, errors, warnings): the parser
/// never panics, reading from a stream gives what reading from memory gives, and every
/// series it returns is well formed.
pub fn prom_json(data: &[u8]) {
    let from_memory = parse_response(data);
    // A reader that hands out a few bytes at a time, as a network body does.
    let from_stream = parse_reader(Trickle { data, at: 0 });
    match (&from_memory, &from_stream) {
        // Debug, not ==, so that NaN samples compare equal to themselves.
        (Ok(a), Ok(b)) => assert_eq!(
            format!("{a:?}"),
            format!("{b:?}"),
            "memory and stream disagree"
        ),
        (Err(_), Err(_)) => {}
        _ => panic!("memory and stream disagree: {from_memory:?} vs {from_stream:?}"),
    }
    if let Ok(response) = from_memory {
        for s in &response.series {
            assert_eq!(s.timestamps_ms.len(), s.values.len());
        }
    }
}

struct Trickle<'a> {
    data: &'a [u8],
    at: usize,
}

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let rest = &self.data[self.at..];
        let n = rest.len().min(buf.len()).min(7);
        buf[..n].copy_from_slice(&rest[..n]);
        self.at += n;
        Ok(n)
    }
}

const ENDPOINT: &str = "/api/v1/fuzz";

/// The client's decoders of server answers (query, series, labels, error bodies): any
/// body, with any status, decodes or fails with an error, and the error's message
/// names the endpoint.
pub fn prom_decode(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let status = [200u16, 400, 422, 429, 500, 503][usize::from(selector % 6)];
    let check = |e: &PromError| {
        let text = e.to_string();
        assert!(
            text.contains(ENDPOINT),
            "error without the endpoint: {text}"
        );
    };
    match selector / 6 % 4 {
        0 => {
            if let Err(e) = decode_query(body, ENDPOINT, status) {
                check(&e);
            }
        }
        1 => {
            if let Err(e) = decode_series(body, ENDPOINT, status) {
                check(&e);
            }
        }
        2 => {
            if let Err(e) = decode_names(body, ENDPOINT, status) {
                check(&e);
            }
        }
        _ => {
            if let Some(e) = decode_error(body, ENDPOINT, status) {
                check(&e);
            }
        }
    }
}

/// VictoriaMetrics `/api/v1/export` lines: never a panic, and series come out with as
/// many timestamps as values.
pub fn vm_export(data: &[u8]) {
    let _ = vm::looks_like_export(data);
    if let Ok(series) = vm::parse(data, Path::new("fuzz.jsonl")) {
        for s in &series {
            assert_eq!(s.timestamps_ms.len(), s.values.len());
        }
    }
}

/// Grafana panel CSV exports: never a panic; an error names the file and a line.
pub fn grafana_csv(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match csv::parse(&text, Path::new("fuzz.csv")) {
        Ok(series) => {
            for s in &series {
                assert_eq!(s.timestamps_ms.len(), s.values.len());
            }
        }
        Err(e) => assert!(e.to_string().contains("fuzz.csv"), "{e}"),
    }
    if let Some(first) = text.lines().next() {
        let _ = csv::header_labels(first);
        let _ = csv::parse_time(first);
    }
}

/// Tidy Parquet frames (a bundle's `series.parquet`, a chunk, a `--input x.parquet`):
/// any bytes read as a frame or fail with an error naming the file, never a panic.
pub fn parquet_frame(data: &[u8]) {
    match read_frame_with_kinds(Path::new("fuzz.parquet"), data.to_vec()) {
        Ok((series, _kinds)) => {
            for s in &series {
                assert_eq!(s.timestamps_ms.len(), s.values.len());
            }
        }
        Err(e) => assert!(e.to_string().contains("fuzz.parquet"), "{e}"),
    }
}

/// A small, complete tidy frame (from the seed corpus).
const SERIES: &[u8] = include_bytes!("../seeds/bundle-data/series.parquet");

/// A bundle directory whose `manifest.json` is anything at all, beside a valid
/// `series.parquet`: reading it gives series or an error naming the bundle, never a
/// panic, and never a read outside the directory.
pub fn bundle(data: &[u8]) {
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let written = std::fs::write(dir.path().join(bundle_dir::MANIFEST), data)
        .and_then(|()| std::fs::write(dir.path().join(bundle_dir::SERIES_FILE), SERIES));
    if written.is_err() {
        return;
    }
    match bundle_dir::read(dir.path()) {
        Ok((series, manifest)) => {
            assert!(manifest.complete);
            for s in &series {
                assert_eq!(s.timestamps_ms.len(), s.values.len());
            }
        }
        Err(e) => {
            let text = e.to_string();
            assert!(
                text.contains(&dir.path().display().to_string()),
                "error without the bundle path: {text}"
            );
        }
    }
}

/// Durations (`--range`, `--step`), byte sizes (`--limit`) and times (`--start`,
/// `--end`): never a panic, and what parses is a finite number the rest of the tool can
/// use (formatting it back never panics either).
pub fn units(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(seconds) = parse_duration(&text) {
        assert!(
            seconds.is_finite() && seconds > 0.0,
            "{text:?} -> {seconds}"
        );
        let _ = format_hours(seconds / 3600.0);
    }
    if let Ok(bytes) = parse_bytes(&text) {
        assert!(bytes.is_finite() && bytes >= 0.0, "{text:?} -> {bytes}");
        let _ = format_bytes(bytes);
        let _ = format_rate(bytes);
    }
    if let Ok(t) = parse_timestamp(&text) {
        assert!(t.is_finite(), "{text:?} -> {t}");
        let _ = rfc3339(t);
    }
    // Formatting any number at all, as a report may hold one.
    if data.len() >= 8 {
        let mut raw = [0u8; 8];
        raw.copy_from_slice(&data[..8]);
        let x = f64::from_le_bytes(raw);
        let _ = (format_bytes(x), format_rate(x), format_hours(x), rfc3339(x));
    }
}

/// Label matchers (`--app`, `--container`, `--match`): never a panic, and what parses
/// prints back as PromQL that parses to the same selector (escaping round-trips, so a
/// value cannot break out of its quotes into the query).
pub fn matcher(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Selector::parse(text) {
        Ok(selector) => {
            let promql = selector.to_promql();
            let again = Selector::parse(&promql)
                .unwrap_or_else(|e| panic!("{text:?} printed as {promql:?}, which fails: {e}"));
            assert_eq!(selector, again, "{text:?} printed as {promql:?}");
            let _ = selector.matches(&Labels::new());
        }
        Err(e) => {
            assert!(e.offset <= text.len(), "offset {} past the input", e.offset);
            let _ = e.to_string();
        }
    }
}

/// Whether `secret` may be checked for in `text`: long enough, and with a digit (the
/// fixed wording of the messages has none), so a hit is a leak, not a coincidence.
fn checkable(secret: &str) -> bool {
    secret.len() >= 10 && secret.bytes().any(|b| b.is_ascii_digit())
}

/// Values given on the command line that reach the HTTP client: `--header 'Name: value'`,
/// `--backend` and the server URL with a path prefix. Never a panic, and no error or
/// stored location repeats a credential (a header value, a URL password).
pub fn cli_values(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\n');
    let first = parts.next().unwrap_or("");
    let second = parts.next();
    let third = parts.next();

    if let Err(e) = ExtraHeader::parse(first) {
        if let Some((name, value)) = first.split_once(':') {
            let value = value.trim();
            // The error shows the name and its colon: a value that text also holds is the
            // user's name, not a leaked value.
            if checkable(value) && !format!("{name}:").contains(value) {
                assert!(!e.to_string().contains(value), "header value in {e}");
            }
        }
    }
    let _ = Backend::parse(first).map(Backend::max_points);

    let url = second.unwrap_or(first);
    let userinfo = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split(['/', '?', '#']).next())
        .and_then(|authority| authority.rsplit_once('@'))
        .map(|(userinfo, _)| userinfo);
    // The URL parser drops ASCII tab, LF and CR wherever they stand, in the URL and in
    // the path prefix joined to it: text compares as the parser will read it.
    let as_parsed = |text: &str| text.replace(['\t', '\n', '\r'], "");
    let password = userinfo
        .and_then(|userinfo| userinfo.split_once(':'))
        .map(|(_, password)| as_parsed(password))
        // A password that the path prefix or the URL outside its user info also holds
        // is the user's text, not a leak.
        .filter(|p| {
            let elsewhere =
                userinfo.is_some_and(|u| as_parsed(&url.replacen(u, "", 1)).contains(p.as_str()));
            let in_prefix = third.is_some_and(|t| as_parsed(t).contains(p.as_str()));
            checkable(p) && !elsewhere && !in_prefix
        });
    match PromConfig::new(url, third) {
        Ok(config) => {
            if let Some(p) = &password {
                assert!(
                    !config.location().contains(p.as_str()),
                    "password in location"
                );
                assert!(!config.url.as_str().contains(p.as_str()), "password in url");
            }
        }
        Err(e) => {
            if let Some(p) = &password {
                assert!(!e.to_string().contains(p.as_str()), "password in {e}");
            }
        }
    }
}

/// A saved `report.json` given to `memgrowth report --input`: whatever it holds (NaN
/// rates, empty series, odd labels), every renderer but the charts turns it into output
/// without a panic.
pub fn report_json(data: &[u8]) {
    let Ok(report) = serde_json::from_slice::<Report>(data) else {
        return;
    };
    let style = TerminalStyle {
        color: true,
        width: Some(100),
        verbose: true,
    };
    let _ = render_html(&report);
    let _ = render_markdown(&report, Some("charts"));
    let _ = render_json(&report);
    let _ = render_junit(&report, &[]);
    let _ = render_table(&report, style);
    let _ = render_terminal(&report, TerminalStyle::default());
    let _ = render_comparison(&report);
}

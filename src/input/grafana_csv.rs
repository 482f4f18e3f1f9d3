//! Grafana's panel CSV export, "series joined by time" layout: a `Time` column and one
//! column per series, headed by the series' display name, usually
//! `nodejs_heap_size_used_bytes{instance="10.0.0.5:3000", job="otl-api"}`; and the
//! "series per row" layout (`Series`, `Time`, `Value`).
//!
//! polars reads the CSV (every cell as text, no header inference, so duplicated or odd
//! headers survive as written); this module reads the header into labels and the cells
//! into samples, and names the line and column of anything it cannot read. Line numbers
//! assume no quoted cell spans lines (Grafana never writes one).

use super::InputError;
use super::prom_json::parse_value;
use crate::matcher::{MatchOp, Selector};
use crate::series::{Labels, RawSeries};
use chrono::{DateTime, NaiveDateTime};
use polars::prelude::*;
use std::io::Cursor;
use std::path::Path;

/// Parses a Grafana CSV export into one series per value column (samples in file order;
/// [`crate::series::RawSeries::normalize`] sorts them).
pub fn parse(text: &str, file: &Path) -> Result<Vec<RawSeries>, InputError> {
    let err = |line: usize, column: usize, message: String| InputError::Csv {
        path: file.to_path_buf(),
        line,
        column,
        message,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Grafana's "Excel" option puts `sep=,` on the first line.
    let (body, skipped_lines) = match text.split_once('\n') {
        Some((first, rest)) if first.trim().starts_with("sep=") => (rest, 1),
        _ => (text, 0),
    };
    if body.trim().is_empty() {
        return Err(err(1 + skipped_lines, 1, "the file is empty".into()));
    }
    check_shape(body)
        .map_err(|(line, column, message)| err(line + skipped_lines, column, message))?;
    let df = CsvReadOptions::default()
        .with_has_header(false)
        .with_infer_schema_length(Some(0))
        .with_n_threads(Some(1))
        .into_reader_with_file_handle(Cursor::new(body.as_bytes()))
        .finish()
        .map_err(|e| {
            err(
                1 + skipped_lines,
                1,
                format!("not a readable CSV file: {e}"),
            )
        })?;
    let columns: Vec<&StringChunked> = df
        .columns()
        .iter()
        .map(|c| c.str())
        .collect::<Result<_, _>>()
        .map_err(|e| err(1 + skipped_lines, 1, format!("unexpected cell type: {e}")))?;
    let header_line = 1 + skipped_lines;
    let headers: Vec<String> = columns.iter().map(|c| cell(c, 0).to_string()).collect();
    if let Some(layout) = SeriesPerRow::detect(&headers) {
        return layout.read(&columns, df.height(), header_line, &err);
    }
    let Some(time_header) = headers.first() else {
        return Err(err(header_line, 1, "no columns".into()));
    };
    if !matches!(
        time_header.to_ascii_lowercase().as_str(),
        "time" | "timestamp"
    ) {
        return Err(err(
            header_line,
            1,
            format!(
                "the first column is `{time_header}`, expected `Time`; export the panel with \
                 Grafana's \"Series joined by time\" layout"
            ),
        ));
    }
    if headers.len() < 2 {
        return Err(err(header_line, 2, "no series columns after `Time`".into()));
    }
    let mut series: Vec<RawSeries> = Vec::with_capacity(headers.len() - 1);
    for (i, header) in headers.iter().enumerate().skip(1) {
        let labels = header_labels(header).map_err(|m| err(header_line, i + 1, m))?;
        series.push(RawSeries::new(labels));
    }
    let (time_col, value_cols) = match columns.split_first() {
        Some(split) => split,
        None => return Ok(series),
    };
    for row in 1..df.height() {
        let line = header_line + row;
        let t = cell(time_col, row);
        if t.is_empty() {
            continue;
        }
        let ts = parse_time(t).ok_or_else(|| err(line, 1, bad_time(t)))?;
        for (i, (col, s)) in value_cols.iter().zip(series.iter_mut()).enumerate() {
            let v = cell(col, row);
            if v.is_empty() {
                continue;
            }
            let value = parse_value(v).ok_or_else(|| {
                let header = headers.get(i + 1).map(String::as_str).unwrap_or("");
                err(
                    line,
                    i + 2,
                    format!("cannot read `{v}` as a number (series `{header}`)"),
                )
            })?;
            s.push(ts, value);
        }
    }
    Ok(series)
}

fn bad_time(t: &str) -> String {
    format!(
        "cannot read time `{t}`; expected RFC 3339, `YYYY-MM-DD HH:MM:SS` (UTC) or Unix seconds/milliseconds"
    )
}

/// The "series per row" layout: `Series`, `Time` and `Value` columns, in any order.
struct SeriesPerRow {
    series: usize,
    time: usize,
    value: usize,
}

impl SeriesPerRow {
    fn detect(headers: &[String]) -> Option<SeriesPerRow> {
        let find = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
        if headers.len() != 3 {
            return None;
        }
        Some(SeriesPerRow {
            series: find("series")?,
            time: find("time")?,
            value: find("value")?,
        })
    }

    fn read(
        &self,
        columns: &[&StringChunked],
        height: usize,
        header_line: usize,
        err: &dyn Fn(usize, usize, String) -> InputError,
    ) -> Result<Vec<RawSeries>, InputError> {
        let cell = |c: usize, row: usize| {
            columns
                .get(c)
                .and_then(|col| col.get(row))
                .unwrap_or("")
                .trim()
        };
        let mut index: std::collections::BTreeMap<String, usize> = Default::default();
        let mut out: Vec<RawSeries> = Vec::new();
        for row in 1..height {
            let line = header_line + row;
            let (name, t, v) = (
                cell(self.series, row),
                cell(self.time, row),
                cell(self.value, row),
            );
            if t.is_empty() || v.is_empty() {
                continue;
            }
            let ts = parse_time(t).ok_or_else(|| err(line, self.time + 1, bad_time(t)))?;
            let value = parse_value(v).ok_or_else(|| {
                err(
                    line,
                    self.value + 1,
                    format!("cannot read `{v}` as a number"),
                )
            })?;
            let slot = match index.get(name) {
                Some(&slot) => slot,
                None => {
                    let labels = header_labels(name).map_err(|m| err(line, self.series + 1, m))?;
                    out.push(RawSeries::new(labels));
                    index.insert(name.to_string(), out.len() - 1);
                    out.len() - 1
                }
            };
            if let Some(s) = out.get_mut(slot) {
                s.push(ts, value);
            }
        }
        Ok(out)
    }
}

fn cell(col: &StringChunked, row: usize) -> &str {
    col.get(row).unwrap_or("").trim()
}

/// Reads a series header into labels: `name{a="b", ...}`, `{a="b"}` or a bare name.
pub fn header_labels(header: &str) -> Result<Labels, String> {
    let header = header.trim();
    if header.is_empty() {
        return Err("a series column has an empty header".into());
    }
    if !header.contains('{') {
        return Ok(Labels::from([("__name__".to_string(), header.to_string())]));
    }
    let selector = Selector::parse(header).map_err(|e| {
        format!(
            "cannot read header `{header}` as `name{{label=\"value\", ...}}`: {}",
            e.message
        )
    })?;
    let mut labels = Labels::new();
    for m in selector.matchers() {
        if m.op != MatchOp::Equal {
            return Err(format!(
                "header `{header}` uses `{}`; a series name has only `=`",
                m.op.as_str()
            ));
        }
        labels.insert(m.name.clone(), m.value.clone());
    }
    Ok(labels)
}

/// Reads a Grafana time cell: RFC 3339, `YYYY-MM-DD HH:MM:SS[.fff]` (UTC), or Unix
/// seconds / milliseconds (a number above 1e11 is taken as milliseconds).
pub fn parse_time(text: &str) -> Option<i64> {
    let t = text.trim();
    if let Ok(n) = t.parse::<f64>() {
        if !n.is_finite() {
            return None;
        }
        let ms = if n.abs() >= 1e11 { n } else { n * 1000.0 };
        return (ms.abs() < 9.0e15).then_some(ms.round() as i64);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Some(dt.timestamp_millis());
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, format) {
            return Some(dt.and_utc().timestamp_millis());
        }
    }
    None
}

/// Finds the first line whose number of fields differs from the header's, with quotes
/// honoured, so a ragged file is reported at its place rather than by polars' message.
fn check_shape(body: &str) -> Result<(), (usize, usize, String)> {
    let mut expected = None;
    for (i, line) in body.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut fields = 1;
        let mut quoted = false;
        for c in line.chars() {
            match c {
                '"' => quoted = !quoted,
                ',' if !quoted => fields += 1,
                _ => {}
            }
        }
        if quoted {
            return Err((i + 1, line.len(), "a quoted cell is not closed".into()));
        }
        match expected {
            None => expected = Some(fields),
            Some(n) if n != fields => {
                return Err((
                    i + 1,
                    fields.min(n) + 1,
                    format!("the line has {fields} cells, the header has {n}"),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "\"Time\",\"nodejs_heap_size_used_bytes{instance=\"\"10.0.0.5:3000\"\", job=\"\"otl-api\"\"}\",\"container_memory_cache{name=\"\"otl\\\"\"x\"\"}\"\n\
        2024-01-15 10:00:00,100,5\n\
        2024-01-15 10:00:15,,6\n\
        1705312830000,NaN,+Inf\n";

    #[test]
    fn reads_series_joined_by_time() {
        let series = parse(CSV, Path::new("x.csv")).unwrap();
        assert_eq!(series.len(), 2);
        assert_eq!(series[0].labels["job"], "otl-api");
        assert_eq!(series[0].metric_name(), "nodejs_heap_size_used_bytes");
        assert_eq!(
            series[0].timestamps_ms,
            vec![1_705_312_800_000, 1_705_312_830_000]
        );
        assert!(series[0].values[1].is_nan());
        assert_eq!(series[1].labels["name"], "otl\"x");
        assert_eq!(series[1].values, vec![5.0, 6.0, f64::INFINITY]);
    }

    #[test]
    fn reads_series_per_row() {
        let csv = "Series,Time,Value\n\"up{job=\"\"a\"\"}\",1705312800,1\n\"up{job=\"\"b\"\"}\",1705312800,2\n\"up{job=\"\"a\"\"}\",1705312815,3\n";
        let series = parse(csv, Path::new("r.csv")).unwrap();
        assert_eq!(series.len(), 2);
        assert_eq!(series[0].labels["job"], "a");
        assert_eq!(series[0].values, vec![1.0, 3.0]);
        let bad = "Series,Time,Value\nup,1705312800,x\n";
        match parse(bad, Path::new("r.csv")) {
            Err(InputError::Csv { line, column, .. }) => assert_eq!((line, column), (2, 3)),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn times_in_every_accepted_form() {
        let ms = 1_705_312_800_000;
        assert_eq!(parse_time("2024-01-15T10:00:00Z"), Some(ms));
        assert_eq!(parse_time("2024-01-15T11:00:00+01:00"), Some(ms));
        assert_eq!(parse_time("2024-01-15 10:00:00"), Some(ms));
        assert_eq!(parse_time("1705312800"), Some(ms));
        assert_eq!(parse_time("1705312800000"), Some(ms));
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn errors_name_line_and_column() {
        let bad = "Time,a{job=\"x\"},b\n2024-01-15 10:00:00,1,2\n2024-01-15 10:00:15,1,zz\n";
        match parse(bad, Path::new("f.csv")) {
            Err(InputError::Csv { line, column, .. }) => assert_eq!((line, column), (3, 3)),
            other => panic!("unexpected {other:?}"),
        }
        let bad = "Time,a{job=x}\n1,2\n";
        match parse(bad, Path::new("f.csv")) {
            Err(InputError::Csv { line, column, .. }) => assert_eq!((line, column), (1, 2)),
            other => panic!("unexpected {other:?}"),
        }
        let ragged = "Time,a\n1,2\n3,4,5\n";
        match parse(ragged, Path::new("f.csv")) {
            Err(InputError::Csv { line, .. }) => assert_eq!(line, 3),
            other => panic!("unexpected {other:?}"),
        }
    }
}

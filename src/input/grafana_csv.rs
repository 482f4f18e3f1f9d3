//! Grafana's panel CSV export, "series joined by time" layout: a `Time` column and one
//! column per series, headed by the series' display name, usually
//! `nodejs_heap_size_used_bytes{instance="10.0.0.5:3000", job="otl-api"}`; and the
//! "series per row" layout (`Series`, `Time`, `Value`).
//!
//! The `csv` crate reads the file in one pass (every cell as text, no header inference,
//! so duplicated or odd headers survive as written); this module reads the header into
//! labels and the cells into samples, and names the line and column of anything it
//! cannot read. Line numbers are the file's own, quoted cells spanning lines included.

use super::InputError;
use super::prom_json::parse_value;
use crate::matcher::{MatchOp, Selector};
use crate::series::{Labels, RawSeries};
use chrono::{DateTime, NaiveDateTime};
use std::path::Path;

/// One CSV record with the file line it starts on.
struct Row {
    line: usize,
    cells: csv::StringRecord,
}

impl Row {
    fn cell(&self, column: usize) -> &str {
        self.cells.get(column).unwrap_or("").trim()
    }
}

/// Parses a Grafana CSV export into one series per value column (samples in file order;
/// [`crate::series::RawSeries::normalize`] sorts them).
pub fn parse(text: &str, file: &Path) -> Result<Vec<RawSeries>, InputError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Grafana's "Excel" option puts `sep=,` on the first line.
    let (body, skipped_lines) = match text.split_once('\n') {
        Some((first, rest)) if first.trim().starts_with("sep=") => (rest, 1),
        _ => (text, 0),
    };
    // Lines and columns of the body, reported as lines of the file.
    let err = |line: usize, column: usize, message: String| InputError::Csv {
        path: file.to_path_buf(),
        line: line + skipped_lines,
        column,
        message,
    };
    let rows = read_rows(body).map_err(|(line, column, message)| err(line, column, message))?;
    let Some((header, rows)) = rows.split_first() else {
        return Err(err(1, 1, "the file is empty".into()));
    };
    let headers: Vec<String> = header.cells.iter().map(|c| c.trim().to_string()).collect();
    if let Some(layout) = SeriesPerRow::detect(&headers) {
        return layout.read(rows, &err);
    }
    let Some(time_header) = headers.first() else {
        return Err(err(header.line, 1, "no columns".into()));
    };
    if !matches!(
        time_header.to_ascii_lowercase().as_str(),
        "time" | "timestamp"
    ) {
        return Err(err(
            header.line,
            1,
            format!(
                "the first column is `{time_header}`, expected `Time`; export the panel with \
                 Grafana's \"Series joined by time\" layout"
            ),
        ));
    }
    if headers.len() < 2 {
        return Err(err(header.line, 2, "no series columns after `Time`".into()));
    }
    let mut series: Vec<RawSeries> = Vec::with_capacity(headers.len() - 1);
    for (i, text) in headers.iter().enumerate().skip(1) {
        let labels = header_labels(text).map_err(|m| err(header.line, i + 1, m))?;
        series.push(RawSeries::new(labels));
    }
    for row in rows {
        let t = row.cell(0);
        if t.is_empty() {
            continue;
        }
        let ts = parse_time(t).ok_or_else(|| err(row.line, 1, bad_time(t)))?;
        for (i, s) in series.iter_mut().enumerate() {
            let v = row.cell(i + 1);
            if v.is_empty() {
                continue;
            }
            let value = parse_value(v).ok_or_else(|| {
                let header = headers.get(i + 1).map(String::as_str).unwrap_or("");
                err(
                    row.line,
                    i + 2,
                    format!("cannot read `{v}` as a number (series `{header}`)"),
                )
            })?;
            s.push(ts, value);
        }
    }
    Ok(series)
}

/// Reads every non-blank record with its starting line; a record whose number of cells
/// differs from the header's, or a quoted cell left open, is an error at its place.
fn read_rows(body: &str) -> Result<Vec<Row>, (usize, usize, String)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_bytes());
    let mut rows: Vec<Row> = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line() as usize;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line() as usize);
                return Err((line, 1, format!("not a readable CSV file: {e}")));
            }
        }
        let start = record.position().map_or(line, |p| p.line() as usize);
        // A line of blanks is no record (empty lines the reader skips itself).
        if record.len() <= 1 && record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if let Some(first) = rows.first() {
            let (fields, n) = (record.len(), first.cells.len());
            if fields != n {
                return Err((
                    start,
                    fields.min(n) + 1,
                    format!("the line has {fields} cells, the header has {n}"),
                ));
            }
        }
        rows.push(Row {
            line: start,
            cells: record.clone(),
        });
    }
    // Quotes come in pairs (an escaped quote is two); an odd count means a quoted cell
    // was left open, and the reader took the rest of the file into the last record.
    if body.bytes().filter(|b| *b == b'"').count() % 2 == 1 {
        let line = rows.last().map_or(1, |r| r.line);
        return Err((line, 1, "a quoted cell is not closed".into()));
    }
    Ok(rows)
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
        rows: &[Row],
        err: &dyn Fn(usize, usize, String) -> InputError,
    ) -> Result<Vec<RawSeries>, InputError> {
        let mut index: std::collections::BTreeMap<String, usize> = Default::default();
        let mut out: Vec<RawSeries> = Vec::new();
        for row in rows {
            let (name, t, v) = (
                row.cell(self.series),
                row.cell(self.time),
                row.cell(self.value),
            );
            if t.is_empty() || v.is_empty() {
                continue;
            }
            let ts = parse_time(t).ok_or_else(|| err(row.line, self.time + 1, bad_time(t)))?;
            let value = parse_value(v).ok_or_else(|| {
                err(
                    row.line,
                    self.value + 1,
                    format!("cannot read `{v}` as a number"),
                )
            })?;
            let slot = match index.get(name) {
                Some(&slot) => slot,
                None => {
                    let labels =
                        header_labels(name).map_err(|m| err(row.line, self.series + 1, m))?;
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

    #[test]
    fn lines_count_quoted_cells_that_span_lines() {
        // The second header cell spans two lines, so the bad value sits on line 4.
        let csv = "Time,\"a{job=\"\"x\"\",\nb=\"\"y\"\"}\"\n1705312800,1\n1705312815,zz\n";
        match parse(csv, Path::new("m.csv")) {
            Err(InputError::Csv { line, column, .. }) => assert_eq!((line, column), (4, 2)),
            other => panic!("unexpected {other:?}"),
        }
        let sep = "sep=,\nTime,a\n\n1705312800,1\nnope,2\n";
        match parse(sep, Path::new("s.csv")) {
            Err(InputError::Csv { line, column, .. }) => assert_eq!((line, column), (5, 1)),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn an_open_quote_and_an_empty_file_are_errors() {
        let open = "Time,a\n1705312800,\"1\n1705312815,2\n";
        match parse(open, Path::new("o.csv")) {
            Err(InputError::Csv { line, message, .. }) => {
                assert_eq!(line, 2);
                assert!(message.contains("not closed"), "{message}");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(
            parse("\n  \n", Path::new("e.csv")),
            Err(InputError::Csv { line: 1, .. })
        ));
    }
}

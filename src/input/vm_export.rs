//! VictoriaMetrics' native JSON export (`/api/v1/export`): one JSON object per line,
//! `{"metric":{...},"values":[...],"timestamps":[...]}`, timestamps in Unix ms.
//! (VictoriaMetrics' query API answers like Prometheus and is read by `prom_json`.)

use super::InputError;
use crate::series::{Labels, RawSeries};
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
struct Line {
    #[serde(default)]
    metric: Labels,
    values: Vec<Option<f64>>,
    timestamps: Vec<i64>,
}

/// Whether `bytes` look like an export: the first object starts with its `metric` key.
pub fn looks_like_export(bytes: &[u8]) -> bool {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let rest = bytes.get(start..).unwrap_or(&[]);
    let compact: Vec<u8> = rest
        .iter()
        .take(32)
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    compact.starts_with(b"{\"metric\"")
}

/// Parses an export; `null` values become NaN.
pub fn parse(bytes: &[u8], file: &Path) -> Result<Vec<RawSeries>, InputError> {
    let mut out = Vec::new();
    let stream = serde_json::Deserializer::from_slice(bytes).into_iter::<Line>();
    for (i, line) in stream.enumerate() {
        let line = line.map_err(|e| {
            let full = e.to_string();
            let message = full
                .rfind(" at line ")
                .and_then(|k| full.get(..k))
                .unwrap_or(&full)
                .to_string();
            InputError::Json {
                path: file.to_path_buf(),
                line: e.line(),
                column: e.column(),
                json_path: format!("series {}", i + 1),
                message: if e.is_eof() {
                    format!("the JSON ends early (is the file truncated?): {message}")
                } else {
                    message
                },
            }
        })?;
        if line.values.len() != line.timestamps.len() {
            return Err(InputError::Json {
                path: file.to_path_buf(),
                line: 0,
                column: 0,
                json_path: format!("series {}", i + 1),
                message: format!(
                    "{} values but {} timestamps; export the series again",
                    line.values.len(),
                    line.timestamps.len()
                ),
            });
        }
        let mut s = RawSeries::new(line.metric);
        s.timestamps_ms = line.timestamps;
        s.values = line
            .values
            .into_iter()
            .map(|v| v.unwrap_or(f64::NAN))
            .collect();
        out.push(s);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_json_lines() {
        let body = b"{\"metric\":{\"__name__\":\"up\",\"job\":\"a\"},\"values\":[1,null],\"timestamps\":[1700000000000,1700000015000]}\n\
            {\"metric\":{\"__name__\":\"up\",\"job\":\"b\"},\"values\":[2.5],\"timestamps\":[1700000000000]}\n";
        assert!(looks_like_export(body));
        assert!(!looks_like_export(b"{\"status\":\"success\"}"));
        let s = parse(body, Path::new("e.json")).unwrap();
        assert_eq!(s.len(), 2);
        assert!(s[0].values[1].is_nan());
        assert_eq!(s[1].values, vec![2.5]);
    }

    #[test]
    fn errors_name_the_series_and_line() {
        let body = b"{\"metric\":{},\"values\":[1],\"timestamps\":[1]}\n{\"metric\":{},\"values\":[\"x\"],\"timestamps\":[1]}\n";
        match parse(body, Path::new("e.json")) {
            Err(InputError::Json {
                line, json_path, ..
            }) => {
                assert_eq!(line, 2);
                assert_eq!(json_path, "series 2");
            }
            other => panic!("unexpected {other:?}"),
        }
        let body = b"{\"metric\":{},\"values\":[1,2],\"timestamps\":[1]}";
        assert!(matches!(
            parse(body, Path::new("e.json")),
            Err(InputError::Json { .. })
        ));
    }
}

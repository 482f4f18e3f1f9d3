//! Writers for generated series: the JSON body of Prometheus's `/api/v1/query_range`,
//! byte for byte as the server formats it, and OpenMetrics text for
//! `promtool tsdb create-blocks-from openmetrics`.

use super::exporters::is_counter;
use crate::series::RawSeries;
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("cannot write `{path}`: {source}; check that the directory exists and is writable")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot serialize the truth of `{path}`: {source}")]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

/// A sample value as Prometheus writes it: Go's `strconv.FormatFloat(v, 'f', -1, 64)`
/// (shortest round-trip digits, never an exponent), and `NaN`, `+Inf`, `-Inf`.
pub fn format_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_string()
    } else if v == f64::INFINITY {
        "+Inf".to_string()
    } else if v == f64::NEG_INFINITY {
        "-Inf".to_string()
    } else {
        // Rust's Display for f64 is the shortest round-trip form without an exponent,
        // the same digits as Go's 'f' format with precision -1.
        format!("{v}")
    }
}

/// A timestamp in Unix seconds as Prometheus's JSON writes it: integer seconds, then a
/// dot and exactly three digits when the milliseconds are not zero (`1761955200.050`).
pub fn format_timestamp(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let abs = ms.unsigned_abs();
    let (secs, frac) = (abs / 1000, abs % 1000);
    if frac == 0 {
        format!("{sign}{secs}")
    } else {
        format!("{sign}{secs}.{frac:03}")
    }
}

/// Series sorted by label set, as Prometheus returns them.
fn sorted(series: &[RawSeries]) -> Vec<&RawSeries> {
    let mut order: Vec<&RawSeries> = series.iter().collect();
    order.sort_by(|a, b| a.labels.cmp(&b.labels));
    order
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

/// Writes a `query_range` matrix response, compact as the server sends it.
pub fn write_prometheus_json_to<W: Write>(series: &[RawSeries], mut w: W) -> io::Result<()> {
    w.write_all(br#"{"status":"success","data":{"resultType":"matrix","result":["#)?;
    for (i, s) in sorted(series).into_iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        w.write_all(br#"{"metric":{"#)?;
        for (j, (k, v)) in s.labels.iter().enumerate() {
            if j > 0 {
                w.write_all(b",")?;
            }
            write!(w, "{}:{}", json_string(k), json_string(v))?;
        }
        w.write_all(br#"},"values":["#)?;
        for (j, (t, v)) in s.timestamps_ms.iter().zip(&s.values).enumerate() {
            if j > 0 {
                w.write_all(b",")?;
            }
            write!(w, "[{},\"{}\"]", format_timestamp(*t), format_value(*v))?;
        }
        w.write_all(b"]}")?;
    }
    w.write_all(b"]}}")?;
    w.flush()
}

/// Writes series as a `query_range` response file, as `curl .../api/v1/query_range > path`
/// would save it.
pub fn write_prometheus_json(series: &[RawSeries], path: &Path) -> Result<(), SynthError> {
    let io_err = |source| SynthError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = fs::File::create(path).map_err(io_err)?;
    write_prometheus_json_to(series, io::BufWriter::new(file)).map_err(io_err)
}

/// Writes series as an OpenMetrics file (see [`write_openmetrics`]).
pub fn write_openmetrics_file(series: &[RawSeries], path: &Path) -> Result<(), SynthError> {
    let io_err = |source| SynthError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = fs::File::create(path).map_err(io_err)?;
    write_openmetrics(series, io::BufWriter::new(file)).map_err(io_err)
}

/// Escapes a label value for the text formats: backslash, double quote and newline.
fn escape_label(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Writes OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`: one
/// metric family after another (`# TYPE` first; counters named without `_total`, their
/// samples with it), each series' samples in time order with timestamps in seconds, and
/// the closing `# EOF`.
pub fn write_openmetrics<W: Write>(series: &[RawSeries], mut w: W) -> io::Result<()> {
    let mut families: BTreeMap<&str, Vec<&RawSeries>> = BTreeMap::new();
    for s in sorted(series) {
        families.entry(s.metric_name()).or_default().push(s);
    }
    for (metric, members) in families {
        if metric.is_empty() {
            continue;
        }
        let (family, kind) = if is_counter(metric) {
            (metric.trim_end_matches("_total"), "counter")
        } else {
            (metric, "gauge")
        };
        writeln!(w, "# TYPE {family} {kind}")?;
        for s in members {
            let labels: Vec<String> = s
                .labels
                .iter()
                .filter(|(k, _)| k.as_str() != "__name__")
                .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
                .collect();
            let head = if labels.is_empty() {
                metric.to_string()
            } else {
                format!("{metric}{{{}}}", labels.join(","))
            };
            let mut order: Vec<usize> = (0..s.timestamps_ms.len().min(s.values.len())).collect();
            order.sort_by_key(|&i| s.timestamps_ms[i]);
            for i in order {
                writeln!(
                    w,
                    "{head} {} {}",
                    format_value(s.values[i]),
                    format_timestamp(s.timestamps_ms[i])
                )?;
            }
        }
    }
    writeln!(w, "# EOF")?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_go_formatting() {
        assert_eq!(format_value(1.5e9), "1500000000");
        assert_eq!(format_value(0.25), "0.25");
        assert_eq!(format_value(123456.78), "123456.78");
        assert_eq!(format_value(1e21), "1000000000000000000000");
        assert_eq!(format_value(f64::NAN), "NaN");
        assert_eq!(format_value(f64::INFINITY), "+Inf");
        assert_eq!(format_value(f64::NEG_INFINITY), "-Inf");
    }

    #[test]
    fn timestamps_match_prometheus() {
        assert_eq!(format_timestamp(1_761_955_200_000), "1761955200");
        assert_eq!(format_timestamp(1_761_955_200_050), "1761955200.050");
        assert_eq!(format_timestamp(1_761_955_200_123), "1761955200.123");
        assert_eq!(format_timestamp(-1_500), "-1.500");
    }

    #[test]
    fn openmetrics_names_counter_families_without_total() {
        let mut s = RawSeries::new(
            [
                ("__name__".to_string(), "x_total".to_string()),
                ("a".to_string(), "q\"\\".to_string()),
            ]
            .into_iter()
            .collect(),
        );
        s.push(2000, 2.0);
        s.push(1000, 1.0);
        let mut out = Vec::new();
        write_openmetrics(&[s], &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "# TYPE x counter\nx_total{a=\"q\\\"\\\\\"} 1 1\nx_total{a=\"q\\\"\\\\\"} 2 2\n# EOF\n"
        );
    }
}

//! The tidy long frame (polars): one row per sample, with service, host, kind, space,
//! metric, the original labels, timestamp and value. Every source ends here; analysis,
//! bundles and exports start here.

use crate::kind::Kind;
use crate::series::Labels;
use polars::prelude::*;
use std::collections::BTreeMap;

/// Column names of the tidy frame, in order.
pub const COLUMNS: [&str; 8] = [
    "service",
    "host",
    "kind",
    "space",
    "metric",
    "labels",
    "timestamp",
    "value",
];

/// What identifies one classified series.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SeriesKey {
    /// The service the series belongs to; "" for host-scope series (node-exporter, redis).
    pub service: String,
    pub host: String,
    pub kind: Kind,
    /// The V8 heap space for `heap_space_used` ("old", "new", ...), "" otherwise.
    pub space: String,
}

/// One classified series in columnar form.
#[derive(Debug, Clone, PartialEq)]
pub struct TidySeries {
    pub key: SeriesKey,
    /// The original labels, `__name__` included.
    pub labels: Labels,
    pub timestamps_ms: Vec<i64>,
    pub values: Vec<f64>,
}

impl TidySeries {
    pub fn metric(&self) -> &str {
        self.labels
            .get("__name__")
            .map(String::as_str)
            .unwrap_or("")
    }

    /// Samples as (Unix seconds, value), non-finite values dropped.
    pub fn finite_points(&self) -> (Vec<f64>, Vec<f64>) {
        self.timestamps_ms
            .iter()
            .zip(&self.values)
            .filter(|(_, v)| v.is_finite())
            .map(|(t, v)| (*t as f64 / 1000.0, *v))
            .unzip()
    }
}

/// Errors building or reading the tidy frame.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("polars: {0}")]
    Polars(#[from] PolarsError),
    #[error("the frame has no column `{0}`; expected columns: {COLUMNS:?}")]
    MissingColumn(&'static str),
    #[error("row {row}: {message}")]
    BadRow { row: usize, message: String },
}

/// The tidy long frame.
#[derive(Debug, Clone)]
pub struct TidyFrame {
    df: DataFrame,
}

impl TidyFrame {
    /// Builds the frame from classified series; rows are sorted by key, then labels, then time.
    pub fn from_series(series: &[TidySeries]) -> Result<Self, FrameError> {
        let mut order: Vec<&TidySeries> = series.iter().collect();
        order.sort_by(|a, b| (&a.key, &a.labels).cmp(&(&b.key, &b.labels)));
        let rows: usize = order.iter().map(|s| s.timestamps_ms.len()).sum();
        let mut service = Vec::with_capacity(rows);
        let mut host = Vec::with_capacity(rows);
        let mut kind = Vec::with_capacity(rows);
        let mut space = Vec::with_capacity(rows);
        let mut metric = Vec::with_capacity(rows);
        let mut labels = Vec::with_capacity(rows);
        let mut timestamp = Vec::with_capacity(rows);
        let mut value = Vec::with_capacity(rows);
        for s in order {
            let labels_json = serde_json::to_string(&s.labels).unwrap_or_default();
            let n = s.timestamps_ms.len().min(s.values.len());
            for i in 0..n {
                service.push(s.key.service.as_str());
                host.push(s.key.host.as_str());
                kind.push(s.key.kind.as_str());
                space.push(s.key.space.as_str());
                metric.push(s.metric());
                labels.push(labels_json.clone());
                timestamp.push(s.timestamps_ms[i]);
                value.push(s.values[i]);
            }
        }
        let timestamp = Series::new("timestamp".into(), timestamp).cast(&DataType::Datetime(
            TimeUnit::Milliseconds,
            Some(TimeZone::UTC),
        ))?;
        let df = DataFrame::new_infer_height(vec![
            Column::new("service".into(), service),
            Column::new("host".into(), host),
            Column::new("kind".into(), kind),
            Column::new("space".into(), space),
            Column::new("metric".into(), metric),
            Column::new("labels".into(), labels),
            timestamp.into(),
            Column::new("value".into(), value),
        ])?;
        Ok(TidyFrame { df })
    }

    /// Wraps a frame read from disk after checking its columns.
    pub fn from_dataframe(df: DataFrame) -> Result<Self, FrameError> {
        for name in COLUMNS {
            if df.column(name).is_err() {
                return Err(FrameError::MissingColumn(name));
            }
        }
        Ok(TidyFrame { df })
    }

    pub fn dataframe(&self) -> &DataFrame {
        &self.df
    }

    pub fn into_dataframe(self) -> DataFrame {
        self.df
    }

    pub fn rows(&self) -> usize {
        self.df.height()
    }

    /// Splits the frame back into classified series, in frame order.
    pub fn to_series(&self) -> Result<Vec<TidySeries>, FrameError> {
        let text = |name: &'static str| -> Result<&StringChunked, FrameError> {
            Ok(self
                .df
                .column(name)
                .map_err(|_| FrameError::MissingColumn(name))?
                .str()?)
        };
        let service = text("service")?;
        let host = text("host")?;
        let kind = text("kind")?;
        let space = text("space")?;
        let labels = text("labels")?;
        let timestamp = self
            .df
            .column("timestamp")
            .map_err(|_| FrameError::MissingColumn("timestamp"))?
            .cast(&DataType::Int64)?;
        let timestamp = timestamp.i64()?;
        let value = self
            .df
            .column("value")
            .map_err(|_| FrameError::MissingColumn("value"))?
            .cast(&DataType::Float64)?;
        let value = value.f64()?;

        let mut out: Vec<TidySeries> = Vec::new();
        let mut index: BTreeMap<(SeriesKey, String), usize> = BTreeMap::new();
        for row in 0..self.df.height() {
            let bad = |message: &str| FrameError::BadRow {
                row,
                message: message.to_string(),
            };
            let kind_name = kind.get(row).ok_or_else(|| bad("kind is null"))?;
            let key = SeriesKey {
                service: service.get(row).unwrap_or("").to_string(),
                host: host.get(row).unwrap_or("").to_string(),
                kind: kind_name
                    .parse()
                    .map_err(|e: crate::kind::UnknownKind| bad(&e.to_string()))?,
                space: space.get(row).unwrap_or("").to_string(),
            };
            let labels_json = labels.get(row).unwrap_or("{}").to_string();
            let t = timestamp.get(row).ok_or_else(|| bad("timestamp is null"))?;
            let v = value.get(row).unwrap_or(f64::NAN);
            let slot = match index.get(&(key.clone(), labels_json.clone())) {
                Some(&slot) => slot,
                None => {
                    let parsed: Labels = serde_json::from_str(&labels_json)
                        .map_err(|e| bad(&format!("labels are not a JSON object: {e}")))?;
                    out.push(TidySeries {
                        key: key.clone(),
                        labels: parsed,
                        timestamps_ms: Vec::new(),
                        values: Vec::new(),
                    });
                    index.insert((key, labels_json), out.len() - 1);
                    out.len() - 1
                }
            };
            out[slot].timestamps_ms.push(t);
            out[slot].values.push(v);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(service: &str, host: &str, kind: Kind, points: &[(i64, f64)]) -> TidySeries {
        TidySeries {
            key: SeriesKey {
                service: service.into(),
                host: host.into(),
                kind,
                space: String::new(),
            },
            labels: Labels::from([
                ("__name__".into(), "m".into()),
                ("instance".into(), format!("{host}:3000")),
            ]),
            timestamps_ms: points.iter().map(|p| p.0).collect(),
            values: points.iter().map(|p| p.1).collect(),
        }
    }

    #[test]
    fn round_trips_through_polars() {
        let input = vec![
            series("api", "b", Kind::HeapUsed, &[(1000, 1.0), (2000, f64::NAN)]),
            series("api", "a", Kind::ProcessRss, &[(1000, 3.0)]),
        ];
        let frame = TidyFrame::from_series(&input).expect("frame");
        assert_eq!(frame.rows(), 3);
        assert_eq!(frame.dataframe().get_column_names().len(), COLUMNS.len());
        let back = frame.to_series().expect("series");
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].key.host, "a");
        assert_eq!(back[1].timestamps_ms, vec![1000, 2000]);
        assert!(back[1].values[1].is_nan());
    }
}

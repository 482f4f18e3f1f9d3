//! The tidy long frame: one row per sample, with service, host, kind, space, metric, the
//! original labels, timestamp and value. Every source ends here; analysis, bundles and
//! exports start here. [`parquet`] reads it as Parquet (Arrow columns), [`writer`] writes
//! it series by series.

mod parquet;
mod writer;

pub use parquet::{FrameError, decode_parquet};
pub use writer::{BATCH_ROWS, FrameWriter, encode_parquet};

use crate::kind::Kind;
use crate::series::Labels;

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

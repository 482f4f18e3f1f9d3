//! Prometheus HTTP API responses (`/api/v1/query`, `/api/v1/query_range`), as the live
//! client receives them and as `curl` saves them; VictoriaMetrics, Mimir and Thanos send
//! the same shape.
//!
//! The body is deserialized straight into columns with serde visitors: no JSON DOM, no
//! allocation per sample. While parsing, the position in the document is tracked cheaply
//! so every error names its JSON path (`data.result[3].values[17]`) besides the line and
//! column serde_json reports.

mod envelope;
mod samples;

use crate::series::RawSeries;
use envelope::{TopSeed, Track};
use serde::de::DeserializeSeed;
use std::io::Read;

/// The `data.resultType` of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultType {
    Matrix,
    Vector,
    Scalar,
    String,
}

/// A parsed response: its series (`metric` labels and samples in Unix ms) and the
/// server's `warnings` and `infos`.
#[derive(Debug, Clone, PartialEq)]
pub struct PromResponse {
    pub result_type: ResultType,
    /// One per `data.result` element of a matrix or vector; empty for scalar and string.
    pub series: Vec<RawSeries>,
    pub warnings: Vec<String>,
    pub infos: Vec<String>,
}

/// Why a response could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PromJsonError {
    /// Malformed JSON or a value of the wrong type, at a place in the document.
    #[error("{message} at line {line}, column {column}{}", at_path(path))]
    Syntax {
        line: usize,
        column: usize,
        /// The JSON path where parsing stopped, e.g. `data.result[3].values[17]`; may be empty.
        path: String,
        message: String,
    },
    /// The server answered `"status": "error"`.
    #[error("the server answered with an error ({error_type}): {message}")]
    Api { error_type: String, message: String },
    /// Valid JSON that is not a query response.
    #[error("{0}")]
    Shape(String),
    #[error("reading the response: {0}")]
    Io(#[from] std::io::Error),
}

fn at_path(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!(" (at {path})")
    }
}

/// Parses a response body.
pub fn parse_response(bytes: &[u8]) -> Result<PromResponse, PromJsonError> {
    let track = Track::default();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let top = TopSeed(&track)
        .deserialize(&mut de)
        .and_then(|top| de.end().map(|()| top))
        .map_err(|e| syntax_error(e, &track))?;
    top.finish()
}

/// Reads a whole body from `reader`, then parses it (parsing from memory is faster than
/// from a stream, and the response has to be held in memory as columns anyway).
pub fn parse_reader<R: Read>(mut reader: R) -> Result<PromResponse, PromJsonError> {
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes)?;
    parse_response(&bytes)
}

/// Parses one sample value as Prometheus writes it: decimal, `NaN`, `+Inf`, `-Inf`.
pub fn parse_value(text: &str) -> Option<f64> {
    match text {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => text.trim().parse().ok(),
    }
}

/// Converts a timestamp in float Unix seconds to Unix milliseconds (rounded).
pub fn seconds_to_ms(seconds: f64) -> Option<i64> {
    let ms = (seconds * 1000.0).round();
    (ms.is_finite() && ms.abs() < 9.0e15).then_some(ms as i64)
}

fn syntax_error(e: serde_json::Error, track: &Track) -> PromJsonError {
    let full = e.to_string();
    let message = match full.rfind(" at line ") {
        Some(i) => full.get(..i).unwrap_or(&full).to_string(),
        None => full,
    };
    let message = if e.is_eof() {
        format!("the JSON ends early (is the file truncated?): {message}")
    } else {
        message
    };
    PromJsonError::Syntax {
        line: e.line(),
        column: e.column(),
        path: track.path(),
        message,
    }
}

#[cfg(test)]
mod tests;

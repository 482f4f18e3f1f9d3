//! Prometheus HTTP API responses (`/api/v1/query`, `/api/v1/query_range`), as the live
//! client receives them and as `curl` saves them; VictoriaMetrics, Mimir and Thanos send
//! the same shape.
//!
//! The body is deserialized straight into columns with serde visitors: no JSON DOM, no
//! allocation per sample. While parsing, the position in the document is tracked cheaply
//! so every error names its JSON path (`data.result[3].values[17]`) besides the line and
//! column serde_json reports.

use crate::series::{Labels, RawSeries};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::cell::Cell;
use std::fmt;
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

/// Where the parser is, kept in cells so the visitors can update it for free.
#[derive(Default)]
struct Track {
    top: Cell<&'static str>,
    data: Cell<&'static str>,
    item: Cell<Option<usize>>,
    field: Cell<&'static str>,
    sample: Cell<Option<usize>>,
}

impl Track {
    fn path(&self) -> String {
        let mut path = String::from(self.top.get());
        if self.top.get() == "data" && !self.data.get().is_empty() {
            path.push('.');
            path.push_str(self.data.get());
        }
        if let Some(i) = self.item.get() {
            path.push_str(&format!("[{i}]"));
            if !self.field.get().is_empty() {
                path.push('.');
                path.push_str(self.field.get());
                if let Some(j) = self.sample.get() {
                    path.push_str(&format!("[{j}]"));
                }
            }
        }
        path
    }

    fn enter_item(&self, i: Option<usize>) {
        self.item.set(i);
        self.field.set("");
        self.sample.set(None);
    }
}

/// Object keys the parser knows, read without allocating.
enum Key {
    Status,
    Data,
    Warnings,
    Infos,
    ErrorType,
    Error,
    ResultType,
    Result,
    Metric,
    Values,
    Value,
    Other,
}

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(match v {
                    "status" => Key::Status,
                    "data" => Key::Data,
                    "warnings" => Key::Warnings,
                    "infos" => Key::Infos,
                    "errorType" => Key::ErrorType,
                    "error" => Key::Error,
                    "resultType" => Key::ResultType,
                    "result" => Key::Result,
                    "metric" => Key::Metric,
                    "values" => Key::Values,
                    "value" => Key::Value,
                    _ => Key::Other,
                })
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

/// What the envelope held, before it is checked.
#[derive(Default)]
struct Top {
    status: Option<String>,
    error_type: Option<String>,
    error: Option<String>,
    warnings: Vec<String>,
    infos: Vec<String>,
    data: Data,
}

#[derive(Default)]
struct Data {
    result_type: Option<String>,
    result: Option<Vec<Elem>>,
}

/// One element of `data.result`: a series, or a part of a scalar/string `[ts, "v"]`.
enum Elem {
    Series(RawSeries, bool),
    Scalar,
}

impl Top {
    fn finish(self) -> Result<PromResponse, PromJsonError> {
        if self.status.as_deref() == Some("error") || self.error.is_some() {
            return Err(PromJsonError::Api {
                error_type: self.error_type.unwrap_or_else(|| "unknown".into()),
                message: self.error.unwrap_or_default(),
            });
        }
        if let Some(status) = self.status.as_deref() {
            if status != "success" {
                return Err(PromJsonError::Shape(format!(
                    "`status` is \"{status}\"; expected \"success\" or \"error\""
                )));
            }
        }
        let Some(result) = self.data.result else {
            return Err(PromJsonError::Shape(
                "no `data.result`: this is not the body of a Prometheus /api/v1/query or \
                 /api/v1/query_range response"
                    .into(),
            ));
        };
        let mut saw_vector = false;
        let mut saw_scalar = false;
        let mut series = Vec::with_capacity(result.len());
        for elem in result {
            match elem {
                Elem::Series(s, vector) => {
                    saw_vector |= vector;
                    series.push(s);
                }
                Elem::Scalar => saw_scalar = true,
            }
        }
        let result_type = match self.data.result_type.as_deref() {
            Some("matrix") => ResultType::Matrix,
            Some("vector") => ResultType::Vector,
            Some("scalar") => ResultType::Scalar,
            Some("string") => ResultType::String,
            Some(other) => {
                return Err(PromJsonError::Shape(format!(
                    "unknown `data.resultType` \"{other}\"; expected matrix, vector, scalar or string"
                )));
            }
            None if saw_scalar => ResultType::Scalar,
            None if saw_vector => ResultType::Vector,
            None => ResultType::Matrix,
        };
        if matches!(result_type, ResultType::Scalar | ResultType::String) {
            series.clear();
        }
        Ok(PromResponse {
            result_type,
            series,
            warnings: self.warnings,
            infos: self.infos,
        })
    }
}

struct TopSeed<'t>(&'t Track);

impl<'de> DeserializeSeed<'de> for TopSeed<'_> {
    type Value = Top;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Top, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TopSeed<'_> {
    type Value = Top;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Prometheus API response object {\"status\": ..., \"data\": ...}")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top, A::Error> {
        let t = self.0;
        let mut top = Top::default();
        while let Some(key) = map.next_key::<Key>()? {
            t.data.set("");
            t.enter_item(None);
            match key {
                Key::Status => {
                    t.top.set("status");
                    top.status = map.next_value()?;
                }
                Key::ErrorType => {
                    t.top.set("errorType");
                    top.error_type = map.next_value()?;
                }
                Key::Error => {
                    t.top.set("error");
                    top.error = map.next_value()?;
                }
                Key::Warnings => {
                    t.top.set("warnings");
                    top.warnings = map.next_value::<Option<Vec<String>>>()?.unwrap_or_default();
                }
                Key::Infos => {
                    t.top.set("infos");
                    top.infos = map.next_value::<Option<Vec<String>>>()?.unwrap_or_default();
                }
                Key::Data => {
                    t.top.set("data");
                    if let Some(data) = map.next_value_seed(OptionSeed(DataSeed(t)))? {
                        top.data = data;
                    }
                }
                // A bare `data` object (`{"resultType": ..., "result": ...}`) is accepted too.
                Key::ResultType => {
                    t.top.set("resultType");
                    top.data.result_type = map.next_value()?;
                }
                Key::Result => {
                    t.top.set("result");
                    top.data.result = map.next_value_seed(ResultSeed(t))?;
                }
                _ => {
                    t.top.set("");
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        t.top.set("");
        Ok(top)
    }
}

/// `null` or the inner seed's value.
struct OptionSeed<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for OptionSeed<S> {
    type Value = Option<S::Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for OptionSeed<S> {
    type Value = Option<S::Value>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object or null")
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.0.deserialize(d).map(Some)
    }
}

struct DataSeed<'t>(&'t Track);

impl<'de> DeserializeSeed<'de> for DataSeed<'_> {
    type Value = Data;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Data, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DataSeed<'_> {
    type Value = Data;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the `data` object {\"resultType\": ..., \"result\": [...]}")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Data, A::Error> {
        let t = self.0;
        let mut data = Data::default();
        while let Some(key) = map.next_key::<Key>()? {
            t.enter_item(None);
            match key {
                Key::ResultType => {
                    t.data.set("resultType");
                    data.result_type = map.next_value()?;
                }
                Key::Result => {
                    t.data.set("result");
                    data.result = map.next_value_seed(ResultSeed(t))?;
                }
                _ => {
                    t.data.set("");
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        t.data.set("");
        Ok(data)
    }
}

struct ResultSeed<'t>(&'t Track);

impl<'de> DeserializeSeed<'de> for ResultSeed<'_> {
    type Value = Option<Vec<Elem>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ResultSeed<'_> {
    type Value = Option<Vec<Elem>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of series")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Some(Vec::new()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let t = self.0;
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(16));
        let mut i = 0;
        loop {
            t.enter_item(Some(i));
            match seq.next_element_seed(ElemSeed(t))? {
                Some(elem) => out.push(elem),
                None => break,
            }
            i += 1;
        }
        t.enter_item(None);
        Ok(Some(out))
    }
}

struct ElemSeed<'t>(&'t Track);

impl<'de> DeserializeSeed<'de> for ElemSeed<'_> {
    type Value = Elem;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Elem, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ElemSeed<'_> {
    type Value = Elem;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a series {\"metric\": {...}, \"values\": [...]} or a [time, \"value\"] pair")
    }
    // The two halves of a scalar or string result: `[1700000000, "1"]`.
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Elem, E> {
        Ok(Elem::Scalar)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Elem, E> {
        Ok(Elem::Scalar)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Elem, E> {
        Ok(Elem::Scalar)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Elem, E> {
        Ok(Elem::Scalar)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Elem, A::Error> {
        let t = self.0;
        let mut series = RawSeries::default();
        let mut vector = false;
        while let Some(key) = map.next_key::<Key>()? {
            t.sample.set(None);
            match key {
                Key::Metric => {
                    t.field.set("metric");
                    series.labels = map.next_value::<Option<Labels>>()?.unwrap_or_default();
                }
                Key::Values => {
                    t.field.set("values");
                    map.next_value_seed(SamplesSeed(t, &mut series))?;
                }
                Key::Value => {
                    t.field.set("value");
                    vector = true;
                    if let Some((ts, v)) = map.next_value_seed(OptionSeed(SampleSeed))? {
                        series.push(ts, v);
                    }
                }
                _ => {
                    t.field.set("");
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        t.field.set("");
        Ok(Elem::Series(series, vector))
    }
}

/// Appends every `[ts, "v"]` pair of a `values` array to the series' columns.
struct SamplesSeed<'t, 's>(&'t Track, &'s mut RawSeries);

impl<'de> DeserializeSeed<'de> for SamplesSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for SamplesSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of [time, \"value\"] pairs")
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let SamplesSeed(t, series) = self;
        if let Some(n) = seq.size_hint() {
            series.timestamps_ms.reserve(n);
            series.values.reserve(n);
        }
        let mut j = 0;
        loop {
            t.sample.set(Some(j));
            match seq.next_element_seed(SampleSeed)? {
                Some((ts, v)) => series.push(ts, v),
                None => break,
            }
            j += 1;
        }
        t.sample.set(None);
        Ok(())
    }
}

/// One `[ts, "v"]` pair as (Unix ms, value).
struct SampleSeed;

impl<'de> DeserializeSeed<'de> for SampleSeed {
    type Value = (i64, f64);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(i64, f64), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for SampleSeed {
    type Value = (i64, f64);
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a [time, \"value\"] pair")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(i64, f64), A::Error> {
        let secs = seq
            .next_element_seed(Number("a timestamp in Unix seconds"))?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let value = seq
            .next_element_seed(Number(
                "a sample value such as \"1.5\", \"NaN\" or \"+Inf\"",
            ))?
            .ok_or_else(|| de::Error::invalid_length(1, &self))?;
        if seq.next_element::<IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_length(3, &self));
        }
        let ts = seconds_to_ms(secs).ok_or_else(|| {
            de::Error::custom(format!(
                "timestamp {secs} is out of range (expected Unix seconds)"
            ))
        })?;
        Ok((ts, value))
    }
}

/// A number written as a JSON number or a string (`"1.5"`, `"NaN"`, `"+Inf"`).
struct Number(&'static str);

impl<'de> DeserializeSeed<'de> for Number {
    type Value = f64;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<f64, D::Error> {
        d.deserialize_any(self)
    }
}

impl Visitor<'_> for Number {
    type Value = f64;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.0)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
        parse_value(v).ok_or_else(|| de::Error::invalid_value(de::Unexpected::Str(v), &self))
    }
}

#[cfg(test)]
#[path = "prom_json_tests.rs"]
mod tests;

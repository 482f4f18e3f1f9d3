//! The response envelope (`status`, `data`, `warnings`, ...) and the position tracker
//! that lets errors name their JSON path.

use super::samples::ResultSeed;
use super::{PromJsonError, PromResponse, ResultType};
use crate::series::RawSeries;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use std::cell::Cell;
use std::fmt;

/// Where the parser is, kept in cells so the visitors can update it for free.
#[derive(Default)]
pub(super) struct Track {
    pub(super) top: Cell<&'static str>,
    pub(super) data: Cell<&'static str>,
    pub(super) item: Cell<Option<usize>>,
    pub(super) field: Cell<&'static str>,
    pub(super) sample: Cell<Option<usize>>,
}

impl Track {
    pub(super) fn path(&self) -> String {
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

    pub(super) fn enter_item(&self, i: Option<usize>) {
        self.item.set(i);
        self.field.set("");
        self.sample.set(None);
    }
}

/// Object keys the parser knows, read without allocating.
pub(super) enum Key {
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
    IsPartial,
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
                    "isPartial" => Key::IsPartial,
                    _ => Key::Other,
                })
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

/// What the envelope held, before it is checked.
#[derive(Default)]
pub(super) struct Top {
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
pub(super) enum Elem {
    Series(RawSeries, bool),
    Scalar,
}

impl Top {
    pub(super) fn finish(self) -> Result<PromResponse, PromJsonError> {
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

pub(super) struct TopSeed<'t>(pub(super) &'t Track);

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
                // VictoriaMetrics flags partial responses this way.
                Key::IsPartial => {
                    t.top.set("isPartial");
                    if map.next_value::<Option<bool>>()? == Some(true) {
                        top.warnings
                            .push("the server marked the response as partial (isPartial)".into());
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
pub(super) struct OptionSeed<S>(pub(super) S);

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

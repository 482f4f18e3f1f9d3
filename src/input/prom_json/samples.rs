//! `data.result`: series and their `[time, "value"]` samples, appended straight into
//! the columns of [`RawSeries`].

use super::envelope::{Elem, Key, OptionSeed, Track};
use super::{parse_value, seconds_to_ms};
use crate::series::{Labels, RawSeries};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

pub(super) struct ResultSeed<'t>(pub(super) &'t Track);

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

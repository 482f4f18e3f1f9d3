//! The tidy frame as Parquet: eight Arrow columns (see [`super::COLUMNS`]), one row per
//! sample, Zstandard-compressed. Reading accepts what other tools write for the same
//! columns (any string encoding, any timestamp unit or plain Int64 milliseconds, floats
//! or integers as values).

use super::{COLUMNS, SeriesKey, TidySeries};
use crate::series::Labels;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, ArrayRef, RecordBatch, StringArray};
use arrow_schema::{ArrowError, DataType, Field, Schema, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::errors::ParquetError;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Errors writing or reading the tidy frame.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("Parquet: {0}")]
    Parquet(#[from] ParquetError),
    #[error("Arrow: {0}")]
    Arrow(#[from] ArrowError),
    #[error("the frame has no column `{0}`; expected columns: {COLUMNS:?}")]
    MissingColumn(&'static str),
    #[error("column `{column}` holds {found}, expected {expected}")]
    ColumnType {
        column: &'static str,
        found: String,
        expected: &'static str,
    },
    #[error("row {row}: {message}")]
    BadRow { row: usize, message: String },
    #[error("the Parquet data is corrupt (the decoder failed on it: {0})")]
    Corrupt(String),
}

/// The text columns, in [`COLUMNS`] order.
pub(super) const TEXT: [&str; 6] = ["service", "host", "kind", "space", "metric", "labels"];

pub(super) fn schema() -> Arc<Schema> {
    let mut fields: Vec<Field> = TEXT
        .iter()
        .map(|name| Field::new(*name, DataType::Utf8, false))
        .collect();
    fields.push(Field::new(
        "timestamp",
        DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
        false,
    ));
    fields.push(Field::new("value", DataType::Float64, false));
    Arc::new(Schema::new(fields))
}

/// One record batch's columns, converted to the types the frame is read with.
struct Columns {
    text: Vec<ArrayRef>,
    timestamp: ArrayRef,
    value: ArrayRef,
}

impl Columns {
    fn of(batch: &RecordBatch) -> Result<Columns, FrameError> {
        let column = |name: &'static str| {
            batch
                .column_by_name(name)
                .ok_or(FrameError::MissingColumn(name))
        };
        let mut text = Vec::with_capacity(TEXT.len());
        for name in TEXT {
            let array = column(name)?;
            if !is_text(array.data_type()) {
                return Err(type_error(name, array.data_type(), "text"));
            }
            text.push(arrow_cast::cast(array, &DataType::Utf8)?);
        }
        let timestamp = column("timestamp")?;
        let timestamp = match timestamp.data_type() {
            DataType::Timestamp(..) | DataType::Int64 | DataType::Date64 => {
                let ms =
                    arrow_cast::cast(timestamp, &DataType::Timestamp(TimeUnit::Millisecond, None))?;
                arrow_cast::cast(&ms, &DataType::Int64)?
            }
            other => return Err(type_error("timestamp", other, "a timestamp")),
        };
        let value = column("value")?;
        if !value.data_type().is_numeric() {
            return Err(type_error("value", value.data_type(), "numbers"));
        }
        let value = arrow_cast::cast(value, &DataType::Float64)?;
        Ok(Columns {
            text,
            timestamp,
            value,
        })
    }
}

fn is_text(data_type: &DataType) -> bool {
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, values) => is_text(values),
        _ => false,
    }
}

fn type_error(column: &'static str, found: &DataType, expected: &'static str) -> FrameError {
    FrameError::ColumnType {
        column,
        found: found.to_string(),
        expected,
    }
}

/// Decodes a tidy frame from Parquet bytes into classified series, in frame order.
///
/// The Parquet decoder can panic on some malformed files instead of returning an error
/// (found by fuzzing: a null bitmap whose offset runs past its buffer); such a panic is
/// caught here and becomes [`FrameError::Corrupt`], so a damaged file is an error that
/// names it, never a crash.
pub fn decode_parquet(bytes: Vec<u8>) -> Result<Vec<TidySeries>, FrameError> {
    std::panic::catch_unwind(move || decode_parquet_unguarded(bytes)).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown failure".to_string());
        Err(FrameError::Corrupt(message))
    })
}

fn decode_parquet_unguarded(bytes: Vec<u8>) -> Result<Vec<TidySeries>, FrameError> {
    let builder = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes))?;
    if let Some(name) = COLUMNS
        .iter()
        .find(|name| builder.schema().field_with_name(name).is_err())
    {
        return Err(FrameError::MissingColumn(name));
    }
    let reader = builder.build()?;
    let mut out: Vec<TidySeries> = Vec::new();
    let mut index: BTreeMap<(SeriesKey, String), usize> = BTreeMap::new();
    let mut previous: Option<([Option<String>; 5], usize)> = None;
    let mut first_row = 0;
    for batch in reader {
        let batch = batch?;
        let columns = Columns::of(&batch)?;
        let text: Vec<&StringArray> = columns.text.iter().map(|a| a.as_string::<i32>()).collect();
        let timestamp = columns.timestamp.as_primitive::<Int64Type>();
        let value = columns.value.as_primitive::<Float64Type>();
        let cell = |column: usize, row: usize| -> Option<&str> {
            let array = text[column];
            (!array.is_null(row)).then(|| array.value(row))
        };
        for row in 0..batch.num_rows() {
            let bad = |message: &str| FrameError::BadRow {
                row: first_row + row,
                message: message.to_string(),
            };
            // Rows of one series are adjacent in a frame: a row whose key and labels
            // are the previous row's goes to the same series without a lookup.
            let now = [
                cell(0, row),
                cell(1, row),
                cell(2, row),
                cell(3, row),
                cell(5, row),
            ];
            let same = previous
                .as_ref()
                .filter(|(cells, _)| cells.iter().zip(&now).all(|(a, b)| a.as_deref() == *b))
                .map(|(_, slot)| *slot);
            let slot = match same {
                Some(slot) => slot,
                None => {
                    let slot = series_slot(&mut out, &mut index, now, &bad)?;
                    previous = Some((now.map(|c| c.map(str::to_string)), slot));
                    slot
                }
            };
            if timestamp.is_null(row) {
                return Err(bad("timestamp is null"));
            }
            let t = timestamp.value(row);
            let v = if value.is_null(row) {
                f64::NAN
            } else {
                value.value(row)
            };
            if let Some(series) = out.get_mut(slot) {
                series.timestamps_ms.push(t);
                series.values.push(v);
            }
        }
        first_row += batch.num_rows();
    }
    Ok(out)
}

/// The slot in `out` of the series a row's cells (service, host, kind, space, labels)
/// name, added when it is new.
fn series_slot(
    out: &mut Vec<TidySeries>,
    index: &mut BTreeMap<(SeriesKey, String), usize>,
    cells: [Option<&str>; 5],
    bad: &dyn Fn(&str) -> FrameError,
) -> Result<usize, FrameError> {
    let [service, host, kind, space, labels_json] = cells;
    let kind_name = kind.ok_or_else(|| bad("kind is null"))?;
    let key = SeriesKey {
        service: service.unwrap_or("").to_string(),
        host: host.unwrap_or("").to_string(),
        kind: kind_name
            .parse()
            .map_err(|e: crate::kind::UnknownKind| bad(&e.to_string()))?,
        space: space.unwrap_or("").to_string(),
    };
    let labels_json = labels_json.unwrap_or("{}");
    let lookup = (key, labels_json.to_string());
    if let Some(&slot) = index.get(&lookup) {
        return Ok(slot);
    }
    let labels: Labels = serde_json::from_str(labels_json)
        .map_err(|e| bad(&format!("labels are not a JSON object: {e}")))?;
    out.push(TidySeries {
        key: lookup.0.clone(),
        labels,
        timestamps_ms: Vec::new(),
        values: Vec::new(),
    });
    index.insert(lookup, out.len() - 1);
    Ok(out.len() - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::encode_parquet;
    use crate::kind::Kind;
    use parquet::arrow::ArrowWriter;

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
    fn round_trips_through_parquet() {
        let input = vec![
            series("api", "b", Kind::HeapUsed, &[(1000, 1.0), (2000, f64::NAN)]),
            series("api", "a", Kind::ProcessRss, &[(1000, 3.0)]),
        ];
        let (bytes, rows) = encode_parquet(&input).expect("encode");
        assert_eq!(rows, 3);
        assert!(bytes.ends_with(b"PAR1"));
        let back = decode_parquet(bytes).expect("decode");
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].key.host, "a");
        assert_eq!(back[0].labels, input[1].labels);
        assert_eq!(back[1].timestamps_ms, vec![1000, 2000]);
        assert!(back[1].values[1].is_nan());
    }

    /// Another tool's file: large strings, a nanosecond timestamp and integer values.
    #[test]
    fn reads_other_encodings_of_the_same_columns() {
        let mut fields: Vec<Field> = TEXT
            .iter()
            .map(|name| Field::new(*name, DataType::LargeUtf8, true))
            .collect();
        fields.push(Field::new(
            "timestamp",
            DataType::Timestamp(TimeUnit::Nanosecond, None),
            true,
        ));
        fields.push(Field::new("value", DataType::Int64, true));
        let schema = Arc::new(Schema::new(fields));
        let cells = ["", "h", "process_rss", "", "rss", r#"{"__name__":"rss"}"#];
        let mut columns: Vec<ArrayRef> = cells
            .iter()
            .map(|c| Arc::new(arrow_array::LargeStringArray::from(vec![*c])) as ArrayRef)
            .collect();
        columns.push(Arc::new(arrow_array::TimestampNanosecondArray::from(vec![
            1_500_000_000,
        ])));
        columns.push(Arc::new(arrow_array::Int64Array::from(vec![42])));
        let batch = RecordBatch::try_new(schema.clone(), columns).expect("batch");
        let mut bytes = Vec::new();
        let mut writer = ArrowWriter::try_new(&mut bytes, schema, None).expect("writer");
        writer.write(&batch).expect("write");
        writer.close().expect("close");
        let back = decode_parquet(bytes).expect("decode");
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].key.kind, Kind::ProcessRss);
        assert_eq!(back[0].timestamps_ms, vec![1500]);
        assert_eq!(back[0].values, vec![42.0]);
    }

    #[test]
    fn a_missing_column_or_a_wrong_type_is_named() {
        let schema = Arc::new(Schema::new(vec![Field::new(
            "host",
            DataType::Int64,
            false,
        )]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![Arc::new(arrow_array::Int64Array::from(vec![1])) as ArrayRef],
        )
        .expect("batch");
        let mut bytes = Vec::new();
        let mut writer = ArrowWriter::try_new(&mut bytes, schema, None).expect("writer");
        writer.write(&batch).expect("write");
        writer.close().expect("close");
        let error = decode_parquet(bytes).expect_err("no service column");
        assert!(
            matches!(error, FrameError::MissingColumn("service")),
            "{error}"
        );
        assert!(decode_parquet(b"not parquet".to_vec()).is_err());
    }
}

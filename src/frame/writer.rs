//! Writing the tidy frame as Parquet series by series: rows are handed to the Parquet
//! writer in record batches of at most [`BATCH_ROWS`] rows, so what writing holds besides
//! the series being written is one batch and the encoded row group, not every row of the
//! frame at once.

use super::TidySeries;
use super::parquet::{FrameError, TEXT, schema};
use arrow_array::builder::StringBuilder;
use arrow_array::{ArrayRef, Float64Array, RecordBatch, TimestampMillisecondArray};
use arrow_schema::Schema;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use std::io::Write;
use std::sync::Arc;

/// Rows per record batch. A row's text cells are copied into the batch (the labels'
/// JSON is the longest, a few hundred bytes), so a batch holds some megabytes; larger
/// batches do not make the encoding faster.
pub const BATCH_ROWS: usize = 16 * 1024;

/// Writes a tidy frame to `W`, one series after another, in the order given.
pub struct FrameWriter<W: Write + Send> {
    writer: ArrowWriter<W>,
    schema: Arc<Schema>,
    text: Vec<StringBuilder>,
    timestamp: Vec<i64>,
    value: Vec<f64>,
    rows: usize,
}

impl<W: Write + Send> FrameWriter<W> {
    /// A Zstandard-compressed frame written to `out`.
    pub fn new(out: W) -> Result<FrameWriter<W>, FrameError> {
        let schema = schema();
        let properties = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .build();
        let writer = ArrowWriter::try_new(out, schema.clone(), Some(properties))?;
        Ok(FrameWriter {
            writer,
            schema,
            text: TEXT.iter().map(|_| StringBuilder::new()).collect(),
            timestamp: Vec::with_capacity(BATCH_ROWS),
            value: Vec::with_capacity(BATCH_ROWS),
            rows: 0,
        })
    }

    /// Appends every sample of `series` (the paired ones) as rows.
    pub fn write_series(&mut self, series: &TidySeries) -> Result<(), FrameError> {
        let n = series.timestamps_ms.len().min(series.values.len());
        let labels = serde_json::to_string(&series.labels).unwrap_or_else(|_| "{}".into());
        let cells = [
            series.key.service.as_str(),
            series.key.host.as_str(),
            series.key.kind.as_str(),
            series.key.space.as_str(),
            series.metric(),
            labels.as_str(),
        ];
        let mut from = 0;
        while from < n {
            let take = (BATCH_ROWS - self.timestamp.len()).min(n - from);
            for (column, cell) in self.text.iter_mut().zip(cells) {
                column.append_value_n(cell, take);
            }
            self.timestamp
                .extend_from_slice(&series.timestamps_ms[from..from + take]);
            self.value
                .extend_from_slice(&series.values[from..from + take]);
            from += take;
            if self.timestamp.len() >= BATCH_ROWS {
                self.flush_batch()?;
            }
        }
        self.rows += n;
        Ok(())
    }

    /// Rows written so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Writes what is buffered and the file's footer; returns the output and the rows.
    pub fn finish(mut self) -> Result<(W, usize), FrameError> {
        self.flush_batch()?;
        let rows = self.rows;
        Ok((self.writer.into_inner()?, rows))
    }

    fn flush_batch(&mut self) -> Result<(), FrameError> {
        if self.timestamp.is_empty() {
            return Ok(());
        }
        let mut columns: Vec<ArrayRef> = self
            .text
            .iter_mut()
            .map(|column| Arc::new(column.finish()) as ArrayRef)
            .collect();
        let timestamp = std::mem::replace(&mut self.timestamp, Vec::with_capacity(BATCH_ROWS));
        let value = std::mem::replace(&mut self.value, Vec::with_capacity(BATCH_ROWS));
        columns.push(Arc::new(
            TimestampMillisecondArray::from(timestamp).with_timezone("UTC"),
        ));
        columns.push(Arc::new(Float64Array::from(value)));
        let batch = RecordBatch::try_new(self.schema.clone(), columns)?;
        self.writer.write(&batch)?;
        Ok(())
    }
}

/// Encodes classified series as Parquet; rows are sorted by key, then labels, then time
/// as the series hold them. Returns the file's bytes and its number of rows.
pub fn encode_parquet(series: &[TidySeries]) -> Result<(Vec<u8>, usize), FrameError> {
    let mut order: Vec<&TidySeries> = series.iter().collect();
    order.sort_by(|a, b| (&a.key, &a.labels).cmp(&(&b.key, &b.labels)));
    let mut writer = FrameWriter::new(Vec::new())?;
    for s in order {
        writer.write_series(s)?;
    }
    writer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{SeriesKey, decode_parquet};
    use crate::kind::Kind;
    use crate::series::Labels;

    fn long_series(host: &str, n: usize) -> TidySeries {
        TidySeries {
            key: SeriesKey {
                service: "api".into(),
                host: host.into(),
                kind: Kind::HeapUsed,
                space: String::new(),
            },
            labels: Labels::from([
                ("__name__".into(), "heap".into()),
                ("instance".into(), format!("{host}:3000")),
            ]),
            timestamps_ms: (0..n as i64).map(|i| i * 1000).collect(),
            values: (0..n).map(|i| i as f64).collect(),
        }
    }

    /// Series longer than a batch, and batches holding the ends of two series, read back
    /// exactly.
    #[test]
    fn series_across_batch_boundaries_round_trip() {
        let input = vec![
            long_series("a", BATCH_ROWS + 7),
            long_series("b", 3),
            long_series("c", 2 * BATCH_ROWS - 5),
        ];
        let (bytes, rows) = encode_parquet(&input).expect("encode");
        assert_eq!(rows, 3 * BATCH_ROWS + 5);
        let back = decode_parquet(bytes).expect("decode");
        assert_eq!(back, input);
    }
}

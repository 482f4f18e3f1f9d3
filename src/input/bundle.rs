//! Bundles: series fetched once, analysed offline later (docs/bundle.md).
//!
//! A bundle is a directory with `manifest.json` (where, when and how the data was
//! fetched; never credentials) and `series.parquet` (the tidy frame of
//! [`crate::frame`]). While a fetch runs, each finished chunk is written to
//! `chunks/<id>.parquet` and recorded in the manifest, both atomically (temporary file,
//! fsync, rename), so an interrupted fetch resumes where it stopped; [`BundleWriter::finish`]
//! merges the chunks into `series.parquet` and marks the bundle complete. [`read`] refuses
//! incomplete bundles and files whose length differs from the manifest's.

use super::InputError;
use crate::frame::{SeriesKey, TidyFrame, TidySeries};
use crate::kind::Kind;
use crate::report::{SourceInfo, SubjectInfo, ToolInfo, Window};
use crate::series::{RawSeries, merge_by_labels};
use crate::subject::Subject;
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

/// Name of the manifest file in a bundle directory.
pub const MANIFEST: &str = "manifest.json";
/// Name of the merged tidy frame in a complete bundle.
pub const SERIES_FILE: &str = "series.parquet";
/// Directory of the per-chunk frames while a fetch runs.
pub const CHUNK_DIR: &str = "chunks";
/// Version of the bundle layout; readers refuse newer versions.
pub const FORMAT_VERSION: u32 = 1;

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format_version: u32,
    pub tool: ToolInfo,
    /// When the fetch started, RFC 3339 UTC.
    pub created_at: String,
    /// Where the data came from (server URL without credentials, or files).
    pub source: SourceInfo,
    pub window: Window,
    pub subject: SubjectInfo,
    /// The queries sent, one per kind (or more).
    pub queries: Vec<Query>,
    /// The planned time chunks of every query and, once written, their files.
    pub chunks: Vec<Chunk>,
    /// True once `series.parquet` holds every chunk.
    pub complete: bool,
    /// The data files of a complete bundle, with their lengths.
    #[serde(default)]
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Query {
    pub kind: Kind,
    pub promql: String,
}

/// One time chunk of one query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chunk {
    /// Unique within the bundle; letters, digits, `-`, `_`, `.`.
    pub id: String,
    /// Index into `queries`.
    pub query: usize,
    /// RFC 3339 UTC.
    pub start: String,
    pub end: String,
    /// `chunks/<id>.parquet` once written; null while pending.
    #[serde(default)]
    pub file: Option<String>,
    #[serde(default)]
    pub rows: Option<usize>,
    #[serde(default)]
    pub bytes: Option<u64>,
}

impl Chunk {
    pub fn is_done(&self) -> bool {
        self.file.is_some()
    }
}

/// A data file of the bundle and its length, checked when the bundle is read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Relative to the bundle directory.
    pub path: String,
    pub bytes: u64,
    pub rows: usize,
}

impl Manifest {
    /// A new, empty plan: add chunks with [`Manifest::add_chunk`].
    pub fn new(
        source: SourceInfo,
        window: Window,
        subject: SubjectInfo,
        queries: Vec<Query>,
    ) -> Self {
        Manifest {
            format_version: FORMAT_VERSION,
            tool: ToolInfo::current(),
            created_at: crate::units::rfc3339(
                chrono::Utc::now().timestamp_millis() as f64 / 1000.0,
            ),
            source,
            window,
            subject,
            queries,
            chunks: Vec::new(),
            complete: false,
            files: Vec::new(),
        }
    }

    /// Plans one chunk of query `query` over `[start, end]` (RFC 3339).
    pub fn add_chunk(&mut self, id: &str, query: usize, start: &str, end: &str) {
        self.chunks.push(Chunk {
            id: id.to_string(),
            query,
            start: start.to_string(),
            end: end.to_string(),
            file: None,
            rows: None,
            bytes: None,
        });
    }

    /// Whether another manifest plans the same fetch (same queries, window and chunks).
    fn same_plan(&self, other: &Manifest) -> bool {
        let plan = |m: &Manifest| -> Vec<(String, usize, String, String)> {
            m.chunks
                .iter()
                .map(|c| (c.id.clone(), c.query, c.start.clone(), c.end.clone()))
                .collect()
        };
        self.queries == other.queries && self.window == other.window && plan(self) == plan(other)
    }
}

/// Writes a bundle chunk by chunk; resumable.
#[derive(Debug)]
pub struct BundleWriter {
    dir: PathBuf,
    manifest: Manifest,
}

impl BundleWriter {
    /// Opens `dir` for writing `manifest`'s plan. When `dir` holds an incomplete bundle
    /// of the same plan, its written chunks are kept ([`BundleWriter::done`] lists them).
    pub fn open(dir: &Path, mut manifest: Manifest) -> Result<BundleWriter, InputError> {
        let fail = |message: String| InputError::Bundle {
            path: dir.to_path_buf(),
            message,
        };
        let mut ids = BTreeSet::new();
        for c in &manifest.chunks {
            if !valid_id(&c.id) {
                return Err(fail(format!(
                    "chunk id `{}` may hold only letters, digits, `-`, `_` and `.`",
                    c.id
                )));
            }
            if !ids.insert(c.id.as_str()) {
                return Err(fail(format!("chunk id `{}` is planned twice", c.id)));
            }
            if c.query >= manifest.queries.len() {
                return Err(fail(format!(
                    "chunk `{}` names query {} of {}",
                    c.id,
                    c.query,
                    manifest.queries.len()
                )));
            }
        }
        std::fs::create_dir_all(dir.join(CHUNK_DIR)).map_err(|e| InputError::io(dir, e))?;
        let manifest_path = dir.join(MANIFEST);
        if manifest_path.exists() {
            let existing = read_manifest(&manifest_path)?;
            if existing.complete {
                return Err(fail(
                    "already holds a complete bundle; read it with --input, or choose another directory".into(),
                ));
            }
            if !existing.same_plan(&manifest) {
                return Err(fail(
                    "holds an incomplete bundle fetched with other arguments (queries, window or chunks differ); \
                     run the fetch with the same arguments to resume it, or choose another directory"
                        .into(),
                ));
            }
            manifest.created_at = existing.created_at;
            let written: BTreeMap<&str, &Chunk> =
                existing.chunks.iter().map(|c| (c.id.as_str(), c)).collect();
            for c in &mut manifest.chunks {
                let Some(old) = written.get(c.id.as_str()) else {
                    continue;
                };
                let (Some(file), Some(bytes)) = (&old.file, old.bytes) else {
                    continue;
                };
                // A chunk counts as done only if its file is there, whole.
                if file_len(&dir.join(file)) == Some(bytes) {
                    c.file = old.file.clone();
                    c.rows = old.rows;
                    c.bytes = old.bytes;
                }
            }
        }
        manifest.complete = false;
        manifest.files.clear();
        let writer = BundleWriter {
            dir: dir.to_path_buf(),
            manifest,
        };
        writer.save_manifest()?;
        Ok(writer)
    }

    /// Ids of the chunks already written (by this or an earlier run).
    pub fn done(&self) -> BTreeSet<String> {
        self.manifest
            .chunks
            .iter()
            .filter(|c| c.is_done())
            .map(|c| c.id.clone())
            .collect()
    }

    /// The chunks still to fetch, in plan order.
    pub fn pending(&self) -> Vec<&Chunk> {
        self.manifest
            .chunks
            .iter()
            .filter(|c| !c.is_done())
            .collect()
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes one chunk's series to `chunks/<id>.parquet` and records it, both atomically.
    pub fn write_chunk(&mut self, id: &str, series: &[RawSeries]) -> Result<(), InputError> {
        let dir = self.dir.clone();
        let fail = |message: String| InputError::Bundle {
            path: dir.clone(),
            message,
        };
        let index = self
            .manifest
            .chunks
            .iter()
            .position(|c| c.id == id)
            .ok_or_else(|| fail(format!("chunk `{id}` is not in the plan")))?;
        let query = self
            .manifest
            .chunks
            .get(index)
            .map(|c| c.query)
            .unwrap_or(0);
        let kind = self
            .manifest
            .queries
            .get(query)
            .map(|q| q.kind)
            .ok_or_else(|| fail(format!("chunk `{id}` names a missing query {query}")))?;
        let tidy = tidy_series(series, kind, &self.manifest.subject);
        let relative = format!("{CHUNK_DIR}/{id}.parquet");
        let (bytes, rows) = write_frame(&self.dir.join(&relative), &tidy)?;
        if let Some(c) = self.manifest.chunks.get_mut(index) {
            c.file = Some(relative);
            c.rows = Some(rows);
            c.bytes = Some(bytes);
        }
        self.save_manifest()
    }

    /// Merges every chunk into `series.parquet`, marks the bundle complete and removes
    /// the chunk files. Fails, leaving the bundle resumable, if a chunk is missing.
    pub fn finish(mut self) -> Result<Manifest, InputError> {
        let pending: Vec<&str> = self.pending().iter().map(|c| c.id.as_str()).collect();
        if !pending.is_empty() {
            return Err(InputError::Bundle {
                path: self.dir.clone(),
                message: format!(
                    "{} chunk(s) not written yet ({}); fetch them before finishing",
                    pending.len(),
                    pending.join(", ")
                ),
            });
        }
        let mut merged: BTreeMap<(SeriesKey, crate::series::Labels), TidySeries> = BTreeMap::new();
        for c in &self.manifest.chunks {
            let Some(file) = &c.file else { continue };
            let path = self.dir.join(file);
            let bytes = std::fs::read(&path).map_err(|e| InputError::io(&path, e))?;
            for s in read_tidy(&path, bytes)? {
                match merged.entry((s.key.clone(), s.labels.clone())) {
                    std::collections::btree_map::Entry::Vacant(v) => {
                        v.insert(s);
                    }
                    std::collections::btree_map::Entry::Occupied(mut o) => {
                        let e = o.get_mut();
                        e.timestamps_ms.extend(s.timestamps_ms);
                        e.values.extend(s.values);
                    }
                }
            }
        }
        let series: Vec<TidySeries> = merged
            .into_values()
            .map(|mut s| {
                let mut raw = RawSeries {
                    labels: Default::default(),
                    timestamps_ms: std::mem::take(&mut s.timestamps_ms),
                    values: std::mem::take(&mut s.values),
                };
                raw.normalize();
                s.timestamps_ms = raw.timestamps_ms;
                s.values = raw.values;
                s
            })
            .collect();
        let (bytes, rows) = write_frame(&self.dir.join(SERIES_FILE), &series)?;
        self.manifest.files = vec![FileEntry {
            path: SERIES_FILE.to_string(),
            bytes,
            rows,
        }];
        self.manifest.complete = true;
        self.save_manifest()?;
        // The chunks are merged; removing them is tidy-up, not correctness.
        let _ = std::fs::remove_dir_all(self.dir.join(CHUNK_DIR));
        Ok(self.manifest)
    }

    fn save_manifest(&self) -> Result<(), InputError> {
        let path = self.dir.join(MANIFEST);
        let mut json =
            serde_json::to_vec_pretty(&self.manifest).map_err(|e| InputError::Bundle {
                path: path.clone(),
                message: format!("cannot encode the manifest: {e}"),
            })?;
        json.push(b'\n');
        write_atomic(&path, &json)
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn file_len(path: &Path) -> Option<u64> {
    std::fs::metadata(path).ok().map(|m| m.len())
}

/// Classifies a chunk's series for the tidy frame: the query's kind, the host and the
/// `--by` service as the subject defines them (host-scope kinds get service "").
fn tidy_series(series: &[RawSeries], kind: Kind, subject: &SubjectInfo) -> Vec<TidySeries> {
    let host_rule = Subject {
        host_label: Some(subject.host_label.clone()).filter(|l| l != "instance"),
        ..Subject::default()
    };
    let host_scope = matches!(
        kind.scope(),
        crate::kind::Scope::Host | crate::kind::Scope::Redis
    );
    series
        .iter()
        .map(|s| TidySeries {
            key: SeriesKey {
                service: match (&subject.by, host_scope) {
                    (Some(by), false) => s.labels.get(by).cloned().unwrap_or_default(),
                    _ => String::new(),
                },
                host: host_rule.host_of(&s.labels),
                kind,
                space: if kind == Kind::HeapSpaceUsed {
                    s.labels
                        .get(crate::catalog::SPACE_LABEL)
                        .cloned()
                        .unwrap_or_default()
                } else {
                    String::new()
                },
            },
            labels: s.labels.clone(),
            timestamps_ms: s.timestamps_ms.clone(),
            values: s.values.clone(),
        })
        .collect()
}

/// Writes a tidy frame as Parquet atomically; returns its length in bytes and its rows.
fn write_frame(path: &Path, series: &[TidySeries]) -> Result<(u64, usize), InputError> {
    let fail = |message: String| InputError::Parquet {
        path: path.to_path_buf(),
        message,
    };
    let frame =
        TidyFrame::from_series(series).map_err(|e| fail(format!("cannot build the frame: {e}")))?;
    let rows = frame.rows();
    let mut df = frame.into_dataframe();
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf)
        .finish(&mut df)
        .map_err(|e| fail(format!("cannot encode Parquet: {e}")))?;
    write_atomic(path, &buf)?;
    Ok((buf.len() as u64, rows))
}

/// Writes `bytes` to `path` via a temporary file, fsync and rename, then syncs the directory.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), InputError> {
    let tmp = path.with_extension("tmp");
    let io = |e| InputError::io(path, e);
    {
        let mut f = File::create(&tmp).map_err(io)?;
        f.write_all(bytes).map_err(io)?;
        f.sync_all().map_err(io)?;
    }
    std::fs::rename(&tmp, path).map_err(io)?;
    if let Some(parent) = path.parent() {
        // Persist the rename; not every platform can open a directory, so best effort.
        if let Ok(d) = File::open(parent) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

fn read_manifest(path: &Path) -> Result<Manifest, InputError> {
    let bytes = std::fs::read(path).map_err(|e| InputError::io(path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        let full = e.to_string();
        let message = full
            .rfind(" at line ")
            .and_then(|i| full.get(..i))
            .unwrap_or(&full)
            .to_string();
        InputError::Bundle {
            path: path.to_path_buf(),
            message: format!(
                "line {}, column {}: not a bundle manifest: {message}{}",
                e.line(),
                e.column(),
                if e.is_eof() {
                    " (the file ends early; is it truncated?)"
                } else {
                    ""
                }
            ),
        }
    })
}

/// Reads a complete bundle: its series (merged by labels) and its manifest.
pub fn read(dir: &Path) -> Result<(Vec<RawSeries>, Manifest), InputError> {
    let manifest = read_manifest(&dir.join(MANIFEST))?;
    let fail = |message: String| InputError::Bundle {
        path: dir.to_path_buf(),
        message,
    };
    if manifest.format_version > FORMAT_VERSION {
        return Err(fail(format!(
            "bundle format {} is newer than this memgrowth reads ({FORMAT_VERSION}); upgrade memgrowth",
            manifest.format_version
        )));
    }
    if !manifest.complete {
        let done = manifest.chunks.iter().filter(|c| c.is_done()).count();
        return Err(fail(format!(
            "the bundle is incomplete ({done} of {} chunks fetched); run `memgrowth fetch` again with the same arguments to resume",
            manifest.chunks.len()
        )));
    }
    if manifest.files.is_empty() {
        return Err(fail(
            "the manifest lists no data files; fetch the bundle again".into(),
        ));
    }
    let mut series = Vec::new();
    for entry in &manifest.files {
        if entry.path.contains("..") || Path::new(&entry.path).is_absolute() {
            return Err(fail(format!(
                "the manifest names a file outside the bundle: `{}`",
                entry.path
            )));
        }
        let path = dir.join(&entry.path);
        let bytes = std::fs::read(&path).map_err(|e| InputError::io(&path, e))?;
        if bytes.len() as u64 != entry.bytes {
            return Err(InputError::Bundle {
                path,
                message: format!(
                    "the file is {} bytes, the manifest says {}: it is truncated or was changed; fetch the bundle again",
                    bytes.len(),
                    entry.bytes
                ),
            });
        }
        series.extend(read_frame_bytes(&path, bytes)?);
    }
    Ok((merge_by_labels(series), manifest))
}

fn read_tidy(path: &Path, bytes: Vec<u8>) -> Result<Vec<TidySeries>, InputError> {
    let len = bytes.len();
    let fail = |message: String| InputError::Parquet {
        path: path.to_path_buf(),
        message,
    };
    let df = ParquetReader::new(Cursor::new(bytes)).finish().map_err(|e| {
        fail(format!(
            "cannot read the {len}-byte file as Parquet ({e}); is it truncated? a whole Parquet file ends with `PAR1`"
        ))
    })?;
    let frame = TidyFrame::from_dataframe(df)
        .map_err(|e| fail(format!("not a memgrowth tidy frame: {e}")))?;
    frame
        .to_series()
        .map_err(|e| fail(format!("not a memgrowth tidy frame: {e}")))
}

/// Reads a tidy frame held in `bytes` (read from `path`) back into raw series.
pub fn read_frame_bytes(path: &Path, bytes: Vec<u8>) -> Result<Vec<RawSeries>, InputError> {
    Ok(read_tidy(path, bytes)?
        .into_iter()
        .map(|s| RawSeries {
            labels: s.labels,
            timestamps_ms: s.timestamps_ms,
            values: s.values,
        })
        .collect())
}

//! Bundles: series fetched once, analysed offline later (docs/bundle.md).
//!
//! A bundle is a directory with `manifest.json` (where, when and how the data was
//! fetched; never credentials) and `series.parquet` (the tidy frame of
//! [`crate::frame`]). While a fetch runs, each finished chunk is written to
//! `chunks/<id>.parquet` and recorded in the manifest, both atomically (temporary file,
//! fsync, rename), so an interrupted fetch resumes where it stopped; [`BundleWriter::finish`]
//! merges the chunks into `series.parquet` and marks the bundle complete. [`read`] refuses
//! incomplete bundles and files whose length or sha256 differs from the manifest's;
//! [`verify`] checks a bundle without reading its series.

mod verify;
mod writer;

pub use verify::{FileCheck, FileStatus, Verification, bundle_ref, verify, warning_line};
pub use writer::BundleWriter;

use super::InputError;
use crate::frame::{FrameError, TidySeries, decode_parquet};
use crate::kind::Kind;
use crate::report::{SourceInfo, SubjectInfo, ToolInfo, Window};
use crate::series::{RawSeries, merge_by_labels};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

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
    /// The data files of a complete bundle, with their lengths and sha256.
    #[serde(default)]
    pub files: Vec<FileEntry>,
    /// Everything the fetch met that a reader should know: server warnings (partial
    /// responses), retried requests, ranges halved to fit the server, chunks that failed
    /// (and were fetched again by a later run), in the order met.
    #[serde(default)]
    pub warnings: Vec<FetchWarning>,
}

/// One thing the fetch met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchWarning {
    /// The chunk it concerns; null for the whole fetch.
    #[serde(default)]
    pub chunk: Option<String>,
    /// "server" (a warning in the server's answer), "retried", "halved" or "failed".
    pub kind: String,
    pub message: String,
    /// When it was met, RFC 3339 UTC.
    pub at: String,
}

impl FetchWarning {
    /// A warning met now.
    pub fn now(chunk: Option<&str>, kind: &str, message: impl Into<String>) -> Self {
        FetchWarning {
            chunk: chunk.map(str::to_string),
            kind: kind.to_string(),
            message: message.into(),
            at: crate::units::rfc3339(chrono::Utc::now().timestamp_millis() as f64 / 1000.0),
        }
    }
}

/// The lowercase hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(bytes))
}

/// `bytes` as lowercase hex.
pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
    /// sha256 of the chunk file, lowercase hex.
    #[serde(default)]
    pub sha256: Option<String>,
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
    /// sha256 of the file, lowercase hex; null in bundles written before checksums were kept.
    #[serde(default)]
    pub sha256: Option<String>,
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
            warnings: Vec::new(),
        }
    }

    /// Records what the fetch met; a warning already recorded for the same chunk is kept once.
    pub fn warn(&mut self, warning: FetchWarning) {
        let seen = self.warnings.iter().any(|w| {
            w.chunk == warning.chunk && w.kind == warning.kind && w.message == warning.message
        });
        if !seen {
            self.warnings.push(warning);
        }
    }

    /// Keeps what an earlier, interrupted run of the same plan met, when it is resumed.
    pub(super) fn carry_history(&mut self, earlier: &Manifest) {
        let mine = std::mem::take(&mut self.warnings);
        for w in earlier.warnings.iter().cloned().chain(mine) {
            self.warn(w);
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
            sha256: None,
        });
    }

    /// Whether another manifest plans the same fetch (same queries, window and chunks).
    pub(super) fn same_plan(&self, other: &Manifest) -> bool {
        let plan = |m: &Manifest| -> Vec<(String, usize, String, String)> {
            m.chunks
                .iter()
                .map(|c| (c.id.clone(), c.query, c.start.clone(), c.end.clone()))
                .collect()
        };
        self.queries == other.queries && self.window == other.window && plan(self) == plan(other)
    }
}

/// Removes userinfo (`user:pass@`), the query string and the fragment from a URL, so
/// no credential reaches the manifest even if a caller passes one.
pub fn redact_location(location: &str) -> String {
    let Some(scheme_end) = location.find("://") else {
        return location.to_string();
    };
    let (scheme, rest) = location.split_at(scheme_end + 3);
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let host = authority.rsplit('@').next().unwrap_or(authority);
    format!("{scheme}{host}{path}")
}

/// Reads the manifest of the bundle in `dir`, complete or not.
pub fn read_manifest_file(dir: &Path) -> Result<Manifest, InputError> {
    read_manifest(&dir.join(MANIFEST))
}

pub(super) fn read_manifest(path: &Path) -> Result<Manifest, InputError> {
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
                    " (the file ends early; is it truncated?)".to_string()
                } else if message.starts_with("unknown variant") {
                    newer_writer_hint(&bytes)
                } else {
                    String::new()
                }
            ),
        }
    })
}

/// What to do with a manifest that names a kind (or another value) this build does not
/// know: read it with the build that wrote it, named from the manifest when it says.
fn newer_writer_hint(bytes: &[u8]) -> String {
    let written_by = serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .and_then(|v| {
            let tool = v.get("tool")?;
            let name = tool.get("name")?.as_str()?.to_string();
            let version = tool.get("version")?.as_str()?.to_string();
            Some((name, version))
        });
    let here = ToolInfo::current();
    match written_by {
        Some((name, version)) if version != here.version => format!(
            " (written by {name} {version}, which knows values this {} {} does not: read the bundle with {name} {version} or newer)",
            here.name, here.version
        ),
        _ => " (written by a build of memgrowth that knows values this one does not: read the bundle with the build that wrote it, or a newer one)".to_string(),
    }
}

/// Reads a complete bundle: its series (merged by labels) and its manifest.
pub fn read(dir: &Path) -> Result<(Vec<RawSeries>, Manifest), InputError> {
    read_with_kinds(dir).map(|(series, manifest, _)| (series, manifest))
}

/// Metric name -> the kind a bundle or tidy frame recorded for it (the kind of the
/// query that fetched it), so a reader can classify names its catalog does not know.
pub type KindHints = BTreeMap<String, Kind>;

/// Like [`read`], also returning the kinds the frame recorded per metric name.
pub fn read_with_kinds(dir: &Path) -> Result<(Vec<RawSeries>, Manifest, KindHints), InputError> {
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
    let mut kinds = KindHints::new();
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
        if let Some(expected) = &entry.sha256 {
            let actual = sha256_hex(&bytes);
            if &actual != expected {
                return Err(InputError::Bundle {
                    path,
                    message: format!(
                        "the file's sha256 is {actual}, the manifest says {expected}: it was changed; fetch the bundle again (`memgrowth verify` checks a bundle)"
                    ),
                });
            }
        }
        let (part, part_kinds) = read_frame_with_kinds(&path, bytes)?;
        series.extend(part);
        kinds.extend(part_kinds);
    }
    Ok((merge_by_labels(series), manifest, kinds))
}

pub(super) fn read_tidy(path: &Path, bytes: Vec<u8>) -> Result<Vec<TidySeries>, InputError> {
    let len = bytes.len();
    let fail = |message: String| InputError::Parquet {
        path: path.to_path_buf(),
        message,
    };
    decode_parquet(bytes).map_err(|e| match e {
        FrameError::Parquet(e) => fail(format!(
            "cannot read the {len}-byte file as Parquet ({e}); is it truncated? a whole Parquet file ends with `PAR1`"
        )),
        e => fail(format!("not a memgrowth tidy frame: {e}")),
    })
}

/// Reads a tidy frame held in `bytes` (read from `path`) back into raw series.
pub fn read_frame_bytes(path: &Path, bytes: Vec<u8>) -> Result<Vec<RawSeries>, InputError> {
    read_frame_with_kinds(path, bytes).map(|(series, _)| series)
}

/// Like [`read_frame_bytes`], also returning the kinds recorded per metric name.
pub fn read_frame_with_kinds(
    path: &Path,
    bytes: Vec<u8>,
) -> Result<(Vec<RawSeries>, KindHints), InputError> {
    let mut kinds = KindHints::new();
    let series = read_tidy(path, bytes)?
        .into_iter()
        .map(|s| {
            if let Some(name) = s.labels.get("__name__") {
                kinds.entry(name.clone()).or_insert(s.key.kind);
            }
            RawSeries {
                labels: s.labels,
                timestamps_ms: s.timestamps_ms,
                values: s.values,
            }
        })
        .collect();
    Ok((series, kinds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_lose_credentials() {
        assert_eq!(
            redact_location("https://user:s3cret@prom.example.com:9090/prefix/?token=abc#x"),
            "https://prom.example.com:9090/prefix/"
        );
        assert_eq!(
            redact_location("http://127.0.0.1:9090"),
            "http://127.0.0.1:9090"
        );
        assert_eq!(
            redact_location("in/a.json, in/b.csv"),
            "in/a.json, in/b.csv"
        );
    }
}

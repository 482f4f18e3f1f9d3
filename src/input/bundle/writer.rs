//! The resumable bundle writer: chunks written atomically, then merged on finish.

use super::{
    CHUNK_DIR, Chunk, FetchWarning, FileEntry, MANIFEST, Manifest, SERIES_FILE, hex, read_manifest,
    read_tidy, redact_location,
};
use crate::frame::{FrameError, FrameWriter, SeriesKey, TidySeries};
use crate::input::InputError;
use crate::kind::Kind;
use crate::report::SubjectInfo;
use crate::series::{Labels, RawSeries};
use crate::subject::Subject;
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A series' samples as the chunks held them: (timestamps, values) per chunk.
type Parts = Vec<(Vec<i64>, Vec<f64>)>;

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
            manifest.created_at = existing.created_at.clone();
            manifest.carry_history(&existing);
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
                    c.sha256 = old.sha256.clone();
                }
            }
        }
        manifest.complete = false;
        manifest.files.clear();
        manifest.source.location = redact_location(&manifest.source.location);
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
        let (bytes, rows, sha256) = write_frame(&self.dir.join(&relative), &tidy)?;
        if let Some(c) = self.manifest.chunks.get_mut(index) {
            c.file = Some(relative);
            c.rows = Some(rows);
            c.bytes = Some(bytes);
            c.sha256 = Some(sha256);
        }
        self.save_manifest()
    }

    /// Records what the fetch met (server warnings, retries, halved ranges, failures).
    pub fn record(&mut self, warnings: Vec<FetchWarning>) -> Result<(), InputError> {
        if warnings.is_empty() {
            return Ok(());
        }
        for w in warnings {
            self.manifest.warn(w);
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
        // Every series' samples, chunk by chunk; a series is joined, sorted and written
        // on its own, so the merge holds the samples once (16 bytes each) and one series
        // joined, never the frame's rows.
        let mut merged: BTreeMap<(SeriesKey, Labels), Parts> = BTreeMap::new();
        for c in &self.manifest.chunks {
            let Some(file) = &c.file else { continue };
            let path = self.dir.join(file);
            let bytes = std::fs::read(&path).map_err(|e| InputError::io(&path, e))?;
            for mut s in read_tidy(&path, bytes)? {
                s.timestamps_ms.shrink_to_fit();
                s.values.shrink_to_fit();
                merged
                    .entry((s.key, s.labels))
                    .or_default()
                    .push((s.timestamps_ms, s.values));
            }
        }
        let path = self.dir.join(SERIES_FILE);
        let (bytes, rows, sha256) = write_frame_with(&path, |frame| {
            while let Some(((key, labels), parts)) = merged.pop_first() {
                let n = parts.iter().map(|p| p.0.len()).sum();
                let mut raw = RawSeries {
                    labels: Labels::new(),
                    timestamps_ms: Vec::with_capacity(n),
                    values: Vec::with_capacity(n),
                };
                for (timestamps, values) in parts {
                    raw.timestamps_ms.extend(timestamps);
                    raw.values.extend(values);
                }
                raw.normalize();
                frame.write_series(&TidySeries {
                    key,
                    labels,
                    timestamps_ms: raw.timestamps_ms,
                    values: raw.values,
                })?;
            }
            Ok(())
        })?;
        self.manifest.files = vec![FileEntry {
            path: SERIES_FILE.to_string(),
            bytes,
            rows,
            sha256: Some(sha256),
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

/// Writes a tidy frame as Parquet atomically; returns its length in bytes, its rows and
/// its sha256.
fn write_frame(path: &Path, series: &[TidySeries]) -> Result<(u64, usize, String), InputError> {
    let mut order: Vec<&TidySeries> = series.iter().collect();
    order.sort_by(|a, b| (&a.key, &a.labels).cmp(&(&b.key, &b.labels)));
    write_frame_with(path, |frame| {
        order.iter().try_for_each(|s| frame.write_series(s))
    })
}

/// Writes the frame that `fill` gives, series by series, as Parquet atomically, straight
/// to the file (hashed as it is written); returns its length in bytes, its rows and its
/// sha256.
fn write_frame_with(
    path: &Path,
    fill: impl FnOnce(&mut FrameWriter<Hashing<&mut File>>) -> Result<(), FrameError>,
) -> Result<(u64, usize, String), InputError> {
    let fail = |e: FrameError| InputError::Parquet {
        path: path.to_path_buf(),
        message: format!("cannot encode Parquet: {e}"),
    };
    let mut written = (0, 0, String::new());
    write_atomic_with(path, |file| {
        // The Parquet writer buffers its output itself.
        let mut frame = FrameWriter::new(Hashing::new(file)).map_err(fail)?;
        fill(&mut frame).map_err(fail)?;
        let (out, rows) = frame.finish().map_err(fail)?;
        let (bytes, sha256) = out.finish();
        written = (bytes, rows, sha256);
        Ok(())
    })?;
    Ok(written)
}

/// A writer that counts and hashes what passes through it.
struct Hashing<W> {
    inner: W,
    hasher: sha2::Sha256,
    bytes: u64,
}

impl<W: Write> Hashing<W> {
    fn new(inner: W) -> Hashing<W> {
        use sha2::Digest;
        Hashing {
            inner,
            hasher: sha2::Sha256::new(),
            bytes: 0,
        }
    }

    /// The bytes written and their sha256 (lowercase hex).
    fn finish(self) -> (u64, String) {
        use sha2::Digest;
        (self.bytes, hex(&self.hasher.finalize()))
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        let n = self.inner.write(buf)?;
        let done = buf.get(..n).unwrap_or(buf);
        self.hasher.update(done);
        self.bytes += done.len() as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes `bytes` to `path` atomically (see [`write_atomic_with`]).
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), InputError> {
    write_atomic_with(path, |file| {
        file.write_all(bytes).map_err(|e| InputError::io(path, e))
    })
}

/// Writes `path` via a uniquely named temporary file beside it, which `write` fills,
/// then fsync and rename, then syncs the directory. Two writers of one folder never
/// share a temporary file, and one that fails removes its own.
fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut File) -> Result<(), InputError>,
) -> Result<(), InputError> {
    let io = |e| InputError::io(path, e);
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Dropped on any error below, which deletes the temporary file.
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(parent)
        .map_err(io)?;
    write(tmp.as_file_mut())?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    // Persist the rename; not every platform can open a directory, so best effort.
    if let Ok(d) = File::open(parent) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }

    #[test]
    fn concurrent_writers_of_one_file_never_mix_or_collide() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("manifest.json");
        let a = vec![b'a'; 256 * 1024];
        let b = vec![b'b'; 128 * 1024];
        std::thread::scope(|scope| {
            for bytes in [&a, &b] {
                let path = &path;
                scope.spawn(move || {
                    for _ in 0..20 {
                        write_atomic(path, bytes).expect("every write succeeds");
                    }
                });
            }
        });
        let got = std::fs::read(&path).unwrap();
        assert!(got == a || got == b, "a mix of {} bytes", got.len());
        assert_eq!(leftovers(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn a_failed_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the file should go: the rename fails.
        let path = dir.path().join("series.parquet");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("keep"), b"x").unwrap();
        let err = write_atomic(&path, b"data").unwrap_err();
        assert!(err.to_string().contains("series.parquet"), "{err}");
        assert_eq!(leftovers(dir.path()), Vec::<String>::new());
    }
}

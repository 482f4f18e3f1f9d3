//! Checking a bundle against its manifest: every data file there, of the recorded
//! length and sha256, and the fetch complete. Also the reference a report cites.

use super::{MANIFEST, Manifest, sha256_hex};
use crate::input::InputError;
use crate::report::{BundleFile, BundleRef};
use serde::Serialize;
use std::path::Path;

/// What `memgrowth verify` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verification {
    pub location: String,
    /// sha256 of `manifest.json`: cite it, it covers every file's sha256.
    pub manifest_sha256: String,
    pub complete: bool,
    pub chunks_total: usize,
    pub chunks_done: usize,
    /// The data files of a complete bundle, or the chunk files written so far.
    pub files: Vec<FileCheck>,
    pub manifest: Manifest,
}

/// One data file against the manifest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileCheck {
    /// Relative to the bundle directory.
    pub path: String,
    pub bytes: u64,
    pub sha256: Option<String>,
    pub status: FileStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum FileStatus {
    /// Length and sha256 match.
    Intact,
    /// The length matches; the manifest (written before checksums were kept) has no sha256.
    LengthOnly,
    Missing {
        error: String,
    },
    WrongLength {
        actual: u64,
    },
    WrongChecksum {
        actual: String,
    },
    /// The manifest names a path outside the bundle.
    OutsideBundle,
}

impl FileStatus {
    pub fn is_ok(&self) -> bool {
        matches!(self, FileStatus::Intact | FileStatus::LengthOnly)
    }
}

impl Verification {
    /// Complete, and every file matches the manifest.
    pub fn ok(&self) -> bool {
        self.complete && self.files.iter().all(|f| f.status.is_ok())
    }
}

fn check(dir: &Path, path: &str, bytes: u64, sha256: Option<&str>) -> FileCheck {
    let status = if path.contains("..") || Path::new(path).is_absolute() {
        FileStatus::OutsideBundle
    } else {
        match std::fs::read(dir.join(path)) {
            Err(e) => FileStatus::Missing {
                error: e.to_string(),
            },
            Ok(data) if data.len() as u64 != bytes => FileStatus::WrongLength {
                actual: data.len() as u64,
            },
            Ok(data) => match sha256 {
                None => FileStatus::LengthOnly,
                Some(expected) => {
                    let actual = sha256_hex(&data);
                    if actual == expected {
                        FileStatus::Intact
                    } else {
                        FileStatus::WrongChecksum { actual }
                    }
                }
            },
        }
    };
    FileCheck {
        path: path.to_string(),
        bytes,
        sha256: sha256.map(str::to_string),
        status,
    }
}

/// Reads the manifest and its sha256; errors name the file.
fn manifest_and_sum(dir: &Path) -> Result<(Manifest, String), InputError> {
    let path = dir.join(MANIFEST);
    let bytes = std::fs::read(&path).map_err(|e| InputError::io(&path, e))?;
    let manifest = super::read_manifest(&path)?;
    Ok((manifest, sha256_hex(&bytes)))
}

/// Checks the bundle in `dir`. Only an unreadable manifest is an error; every other
/// finding is in the result.
pub fn verify(dir: &Path) -> Result<Verification, InputError> {
    let (manifest, manifest_sha256) = manifest_and_sum(dir)?;
    let files = if manifest.complete {
        manifest
            .files
            .iter()
            .map(|f| check(dir, &f.path, f.bytes, f.sha256.as_deref()))
            .collect()
    } else {
        manifest
            .chunks
            .iter()
            .filter_map(|c| {
                let file = c.file.as_deref()?;
                Some(check(dir, file, c.bytes.unwrap_or(0), c.sha256.as_deref()))
            })
            .collect()
    };
    Ok(Verification {
        location: dir.display().to_string(),
        manifest_sha256,
        complete: manifest.complete && !manifest.files.is_empty(),
        chunks_total: manifest.chunks.len(),
        chunks_done: manifest.chunks.iter().filter(|c| c.is_done()).count(),
        files,
        manifest,
    })
}

/// The reference a report made from the bundle in `dir` cites.
pub fn bundle_ref(dir: &Path, manifest: &Manifest) -> Result<BundleRef, InputError> {
    let (_, manifest_sha256) = manifest_and_sum(dir)?;
    Ok(BundleRef {
        location: dir.display().to_string(),
        manifest_sha256,
        created_at: manifest.created_at.clone(),
        fetched_from: manifest.source.location.clone(),
        window: manifest.window.clone(),
        files: manifest
            .files
            .iter()
            .map(|f| BundleFile {
                path: f.path.clone(),
                sha256: f.sha256.clone(),
            })
            .collect(),
        warnings: manifest.warnings.iter().map(warning_line).collect(),
    })
}

/// One line per warning: `[chunk] kind: message (at time)`.
pub fn warning_line(w: &super::FetchWarning) -> String {
    match &w.chunk {
        Some(chunk) => format!("[{chunk}] {}: {} (at {})", w.kind, w.message, w.at),
        None => format!("{}: {} (at {})", w.kind, w.message, w.at),
    }
}

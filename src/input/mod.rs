//! Offline sources: Prometheus API JSON, VictoriaMetrics JSON exports, Grafana CSV
//! exports, tidy Parquet frames and bundles. [`load`] reads any mix of them into raw series; errors name the file and
//! the place (line and column, JSON path, byte length) and say what to do. [`Loaded::cut`]
//! cuts what was read to the window asked for.

pub mod bundle;
pub mod grafana_csv;
pub mod prom_json;
pub mod vm_export;
mod window;

pub use window::{WindowRequest, cut_series, data_span};

use crate::report::SourceInfo;
use crate::series::{RawSeries, merge_by_labels};
use bundle::Manifest;
use prom_json::PromJsonError;
use std::path::{Path, PathBuf};

/// Everything read from `--input` paths.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// Series merged by label set, samples sorted by time with duplicates dropped.
    pub series: Vec<RawSeries>,
    /// What was read, for the report.
    pub source: SourceInfo,
    /// The manifest, when the input was a bundle.
    pub manifest: Option<Manifest>,
    /// Kinds that bundles and tidy Parquet frames recorded per metric name; feed them to
    /// [`crate::catalog::Catalog::learn`] so names fetched with a custom catalog (a
    /// prom-client prefix, overrides) classify without repeating those flags.
    pub kinds: bundle::KindHints,
    /// The bundles read, with their checksums, for the report to cite.
    pub bundles: Vec<crate::report::BundleRef>,
}

/// Why an input could not be read. The CLI exits with code 3 on any of these.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{}: {source}; check that the path exists and is readable", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{}:{line}:{column}{}: {message}; the file must be a Prometheus API response as saved from /api/v1/query_range or /api/v1/query, or a VictoriaMetrics /api/v1/export",
        path.display(), at_json_path(json_path)
    )]
    Json {
        path: PathBuf,
        line: usize,
        column: usize,
        /// e.g. `data.result[3].values[17]`; empty when unknown.
        json_path: String,
        message: String,
    },
    #[error(
        "{}: the saved response is a Prometheus error ({error_type}): {message}; fix the query and save the response again",
        path.display()
    )]
    Api {
        path: PathBuf,
        error_type: String,
        message: String,
    },
    /// Valid JSON that is not a Prometheus query response.
    #[error("{}: {message}", path.display())]
    Shape { path: PathBuf, message: String },
    #[error(
        "{}:{line}:{column}: {message}; the file must be a Grafana panel CSV export (\"Series joined by time\")",
        path.display()
    )]
    Csv {
        path: PathBuf,
        line: usize,
        /// 1-based CSV column (cell) number.
        column: usize,
        message: String,
    },
    #[error("{}: {message}", path.display())]
    Parquet { path: PathBuf, message: String },
    #[error("{}: {message}", path.display())]
    Bundle { path: PathBuf, message: String },
    #[error(
        "{}: no input files (*.json, *.jsonl, *.ndjson, *.csv, *.parquet) or bundle manifest.json in this directory; give --input the files or the directory that holds them",
        path.display()
    )]
    NoInputs { path: PathBuf },
    /// The window asked for (`--start`, `--end`, `--range`) holds none of the data.
    #[error(
        "{}: the window {asked} holds no data: the data spans {data}; choose --start/--end (or --range) inside it",
        path.display()
    )]
    Window {
        path: PathBuf,
        asked: String,
        data: String,
    },
    #[error(
        "{}: unknown input format; give a Prometheus API response (.json), a Grafana CSV export (.csv), a tidy frame (.parquet) or a bundle directory",
        path.display()
    )]
    UnknownFormat { path: PathBuf },
}

fn at_json_path(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!(" ({path})")
    }
}

impl InputError {
    /// The file or directory the error is about.
    pub fn path(&self) -> &Path {
        match self {
            InputError::Io { path, .. }
            | InputError::Json { path, .. }
            | InputError::Api { path, .. }
            | InputError::Shape { path, .. }
            | InputError::Csv { path, .. }
            | InputError::Parquet { path, .. }
            | InputError::Bundle { path, .. }
            | InputError::Window { path, .. }
            | InputError::NoInputs { path }
            | InputError::UnknownFormat { path } => path,
        }
    }

    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        InputError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// Wraps a Prometheus JSON error with the file it came from.
    pub fn from_prom_json(path: &Path, e: PromJsonError) -> Self {
        let path = path.to_path_buf();
        match e {
            PromJsonError::Syntax {
                line,
                column,
                path: json_path,
                message,
            } => InputError::Json {
                path,
                line,
                column,
                json_path,
                message,
            },
            PromJsonError::Api {
                error_type,
                message,
            } => InputError::Api {
                path,
                error_type,
                message,
            },
            PromJsonError::Shape(message) => InputError::Shape { path, message },
            PromJsonError::Io(source) => InputError::Io { path, source },
        }
    }
}

/// What one file or bundle contributed.
struct Part {
    series: Vec<RawSeries>,
    warnings: Vec<String>,
    manifest: Option<Manifest>,
    kinds: bundle::KindHints,
}

/// Reads every path: files by extension (`.json`, `.csv`, `.parquet`), directories as a
/// bundle when they hold `manifest.json`, else every such file in them (sorted, not
/// recursive). Series with the same labels across files are merged.
pub fn load(paths: &[PathBuf]) -> Result<Loaded, InputError> {
    let mut series = Vec::new();
    let mut files = Vec::new();
    let mut warnings = Vec::new();
    let mut manifest = None;
    let mut kinds = bundle::KindHints::new();
    let mut bundles = 0;
    let mut bundle_refs = Vec::new();
    for path in paths {
        if path.is_dir() {
            if path.join(bundle::MANIFEST).is_file() {
                let (part, part_manifest, part_kinds) = bundle::read_with_kinds(path)?;
                bundle_refs.push(bundle::bundle_ref(path, &part_manifest)?);
                bundles += 1;
                files.push(path.display().to_string());
                series.extend(part);
                manifest.get_or_insert(part_manifest);
                kinds.extend(part_kinds);
                continue;
            }
            let inside = list_dir(path)?;
            if inside.is_empty() {
                return Err(InputError::NoInputs { path: path.clone() });
            }
            let mut read_any = false;
            for file in inside {
                // Valid JSON that is not a query response (a README-like `truth.json`,
                // a dashboard) is skipped in a directory, with a warning; malformed or
                // error responses still stop the run.
                let part = match load_file(&file) {
                    Err(InputError::Shape { message, .. }) => {
                        warnings.push(format!("skipped {}: {message}", file.display()));
                        continue;
                    }
                    other => other?,
                };
                read_any = true;
                files.push(file.display().to_string());
                series.extend(part.series);
                warnings.extend(part.warnings);
                kinds.extend(part.kinds);
            }
            if !read_any {
                return Err(InputError::NoInputs { path: path.clone() });
            }
        } else {
            let part = load_file(path)?;
            files.push(path.display().to_string());
            series.extend(part.series);
            warnings.extend(part.warnings);
            kinds.extend(part.kinds);
            if manifest.is_none() {
                manifest = part.manifest;
            }
        }
    }
    let series: Vec<RawSeries> = merge_by_labels(series)
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    let source = SourceInfo {
        kind: if bundles > 0 && bundles == paths.len() {
            "bundle".into()
        } else {
            "files".into()
        },
        location: paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        files,
        series: series.len(),
        samples: series.iter().map(RawSeries::len).sum(),
        warnings,
    };
    Ok(Loaded {
        series,
        source,
        manifest,
        kinds,
        bundles: bundle_refs,
    })
}

/// The input files of a directory that is not a bundle, sorted by name.
fn list_dir(dir: &Path) -> Result<Vec<PathBuf>, InputError> {
    let entries = std::fs::read_dir(dir).map_err(|e| InputError::io(dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| InputError::io(dir, e))?.path();
        let known = matches!(extension(&path).as_str(), "json" | "csv" | "parquet");
        if known && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Reads one file, choosing the format by extension, else by its first bytes.
fn load_file(path: &Path) -> Result<Part, InputError> {
    let bytes = std::fs::read(path).map_err(|e| InputError::io(path, e))?;
    let ext = extension(path);
    let format = match ext.as_str() {
        "json" | "jsonl" | "ndjson" => "json",
        "csv" => "csv",
        "parquet" => "parquet",
        _ if bytes.starts_with(b"PAR1") => "parquet",
        _ => match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => "json",
            _ => {
                return Err(InputError::UnknownFormat {
                    path: path.to_path_buf(),
                });
            }
        },
    };
    match format {
        "json" if vm_export::looks_like_export(&bytes) => Ok(Part {
            series: vm_export::parse(&bytes, path)?,
            warnings: Vec::new(),
            manifest: None,
            kinds: Default::default(),
        }),
        "json" => {
            let r = prom_json::parse_response(&bytes)
                .map_err(|e| InputError::from_prom_json(path, e))?;
            let mut warnings = r.warnings;
            warnings.extend(r.infos);
            Ok(Part {
                series: r.series,
                warnings,
                manifest: None,
                kinds: Default::default(),
            })
        }
        "csv" => {
            let text = std::str::from_utf8(&bytes).map_err(|e| InputError::Csv {
                path: path.to_path_buf(),
                line: line_of(&bytes, e.valid_up_to()),
                column: 1,
                message: format!("not UTF-8 text (byte offset {})", e.valid_up_to()),
            })?;
            Ok(Part {
                series: grafana_csv::parse(text, path)?,
                warnings: Vec::new(),
                manifest: None,
                kinds: Default::default(),
            })
        }
        _ => {
            let (series, kinds) = bundle::read_frame_with_kinds(path, bytes)?;
            Ok(Part {
                series,
                warnings: Vec::new(),
                manifest: None,
                kinds,
            })
        }
    }
}

fn line_of(bytes: &[u8], offset: usize) -> usize {
    1 + bytes.iter().take(offset).filter(|b| **b == b'\n').count()
}

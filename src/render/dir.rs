//! Writes a whole report directory: `index.html`, `report.md`, `report.json`,
//! `junit.xml` and `charts/*.png` and `*.svg`.
//!
//! The directory is replaced as a whole: every file is rendered into a hidden staging
//! directory beside it, synced, and then swapped in with one rename, so a reader (or a
//! run killed half-way) sees the previous report or the new one, never a mix. Files in
//! the old directory that a report does not write (notes, a `.gitkeep`) are carried
//! over; charts the new report no longer draws are not.

use super::{RenderError, charts, render_html, render_json, render_junit, render_markdown};
use crate::report::Report;
use crate::verdict::Verdict;
use std::fs;
use std::path::{Path, PathBuf};

/// The files a report writes at the top of its directory.
const REPORT_FILES: [&str; 4] = ["report.json", "report.md", "index.html", "junit.xml"];
const CHART_DIR: &str = "charts";
/// Staging directories are named `.<name>.<random>.partial` beside the report.
const STAGING_SUFFIX: &str = ".partial";

fn io(path: &Path) -> impl Fn(std::io::Error) -> RenderError + '_ {
    move |source| RenderError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn write(path: PathBuf, contents: &[u8], written: &mut Vec<PathBuf>) -> Result<(), RenderError> {
    fs::write(&path, contents).map_err(io(&path))?;
    written.push(path);
    Ok(())
}

/// Writes every format of `report` into `dir` (created when missing, replaced as a whole
/// when present) and returns the files written, in a stable order. `fail_on` decides the
/// failures in `junit.xml`. Output depends only on the report: the same report gives
/// byte-identical files.
pub fn write_report_dir(
    report: &Report,
    dir: &Path,
    fail_on: &[Verdict],
) -> Result<Vec<PathBuf>, RenderError> {
    let (parent, name) = split_target(dir)?;
    fs::create_dir_all(&parent).map_err(io(&parent))?;
    remove_abandoned_staging(&parent, &name);
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(STAGING_SUFFIX)
        .tempdir_in(&parent)
        .map_err(io(&parent))?;
    let written = render_into(report, staging.path(), fail_on)?;
    if dir.is_dir() {
        carry_over(dir, staging.path())?;
    } else if dir.exists() {
        return Err(RenderError::OutDir {
            path: dir.to_path_buf(),
            message: "it is a file, not a directory",
        });
    }
    for path in &written {
        sync(path)?;
    }
    sync(&staging.path().join(CHART_DIR))?;
    sync(staging.path())?;
    let root = staging.path().to_path_buf();
    swap_in(staging, dir)?;
    sync(&parent)?;
    Ok(written
        .into_iter()
        .map(|p| match p.strip_prefix(&root) {
            Ok(relative) => dir.join(relative),
            Err(_) => p,
        })
        .collect())
}

/// Renders every file into `dir` (an empty staging directory).
fn render_into(
    report: &Report,
    dir: &Path,
    fail_on: &[Verdict],
) -> Result<Vec<PathBuf>, RenderError> {
    let chart_dir = dir.join(CHART_DIR);
    fs::create_dir_all(&chart_dir).map_err(io(&chart_dir))?;
    let mut written = Vec::new();
    let [json, md, html, junit] = REPORT_FILES;
    write(
        dir.join(json),
        render_json(report)?.as_bytes(),
        &mut written,
    )?;
    write(
        dir.join(md),
        render_markdown(report, Some(CHART_DIR)).as_bytes(),
        &mut written,
    )?;
    write(
        dir.join(html),
        render_html(report)?.as_bytes(),
        &mut written,
    )?;
    write(
        dir.join(junit),
        render_junit(report, fail_on).as_bytes(),
        &mut written,
    )?;
    for spec in &charts::plan(report) {
        let svg = charts::render_svg(report, spec)?;
        write(
            chart_dir.join(format!("{}.svg", spec.stem)),
            svg.as_bytes(),
            &mut written,
        )?;
        let png = chart_dir.join(format!("{}.png", spec.stem));
        charts::render_png(report, spec, &png)?;
        written.push(png);
    }
    Ok(written)
}

/// The parent to stage in and the directory's own name; `.` and `..` are resolved.
fn split_target(dir: &Path) -> Result<(PathBuf, String), RenderError> {
    let resolved = match dir.file_name() {
        Some(_) => dir.to_path_buf(),
        None => fs::canonicalize(dir).map_err(io(dir))?,
    };
    let name = resolved
        .file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .ok_or_else(|| RenderError::OutDir {
            path: dir.to_path_buf(),
            message: "a report directory needs a name (not the root, not a non-UTF-8 name)",
        })?;
    let parent = match resolved.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((parent, name))
}

/// Removes staging directories of this report left by runs that were killed.
fn remove_abandoned_staging(parent: &Path, name: &str) {
    let prefix = format!(".{name}.");
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(n) = file_name.to_str() else {
            continue;
        };
        if n.starts_with(&prefix) && n.ends_with(STAGING_SUFFIX) && entry.path().is_dir() {
            // Tidy-up only: a staging directory in use by another run keeps its own handle.
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Whether `relative` (inside a report directory) is a file the report writes.
fn is_report_output(relative: &Path) -> bool {
    let parts: Vec<&str> = relative.iter().filter_map(|c| c.to_str()).collect();
    match parts.as_slice() {
        [file] => REPORT_FILES.contains(file),
        [CHART_DIR, file] => file.ends_with(".png") || file.ends_with(".svg"),
        _ => false,
    }
}

/// Links (or copies) every file of `old` that a report does not write into `new`, at the
/// same place.
fn carry_over(old: &Path, new: &Path) -> Result<(), RenderError> {
    let mut stack = vec![PathBuf::new()];
    while let Some(relative) = stack.pop() {
        let here = old.join(&relative);
        for entry in fs::read_dir(&here).map_err(io(&here))? {
            let entry = entry.map_err(io(&here))?;
            let rel = relative.join(entry.file_name());
            let kind = entry.file_type().map_err(io(&entry.path()))?;
            let target = new.join(&rel);
            if kind.is_dir() {
                fs::create_dir_all(&target).map_err(io(&target))?;
                stack.push(rel);
            } else if !is_report_output(&rel) && !target.exists() {
                let source = old.join(&rel);
                if fs::hard_link(&source, &target).is_err() {
                    fs::copy(&source, &target).map_err(io(&source))?;
                }
            }
        }
    }
    Ok(())
}

/// Puts the staging directory at `dir`: an atomic exchange where the platform has one,
/// else two renames (the old report stays complete under the staging name between them).
fn swap_in(staging: tempfile::TempDir, dir: &Path) -> Result<(), RenderError> {
    let staged = staging.keep();
    if !dir.exists() {
        return fs::rename(&staged, dir).map_err(io(dir));
    }
    if exchange(&staged, dir).is_ok() {
        // `staged` now holds the previous report.
        let _ = fs::remove_dir_all(&staged);
        return Ok(());
    }
    let old = staged.with_extension("old");
    fs::rename(dir, &old).map_err(io(dir))?;
    if let Err(source) = fs::rename(&staged, dir) {
        // Put the previous report back.
        let _ = fs::rename(&old, dir);
        let _ = fs::remove_dir_all(&staged);
        return Err(RenderError::Io {
            path: dir.to_path_buf(),
            source,
        });
    }
    let _ = fs::remove_dir_all(&old);
    Ok(())
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Flushes a file or directory to disk (best effort for directories, which not every
/// platform can open).
fn sync(path: &Path) -> Result<(), RenderError> {
    if path.is_dir() {
        if let Ok(d) = fs::File::open(path) {
            let _ = d.sync_all();
        }
        return Ok(());
    }
    fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_outputs_are_told_from_other_files() {
        assert!(is_report_output(Path::new("index.html")));
        assert!(is_report_output(Path::new("charts/01-a-series.png")));
        assert!(!is_report_output(Path::new("charts/notes.txt")));
        assert!(!is_report_output(Path::new("notes/index.html")));
        assert!(!is_report_output(Path::new(".gitkeep")));
    }

    #[test]
    fn targets_split_into_parent_and_name() {
        let (parent, name) = split_target(Path::new("reports/otl")).unwrap();
        assert_eq!(
            (parent.as_path(), name.as_str()),
            (Path::new("reports"), "otl")
        );
        let (parent, name) = split_target(Path::new("otl")).unwrap();
        assert_eq!((parent.as_path(), name.as_str()), (Path::new("."), "otl"));
        assert!(split_target(Path::new("/")).is_err());
    }
}

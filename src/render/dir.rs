//! Writes a whole report directory: `index.html`, `report.md`, `report.json`,
//! `junit.xml` and `charts/*.png` and `*.svg`.

use super::{RenderError, charts, render_html, render_json, render_junit, render_markdown};
use crate::report::Report;
use crate::verdict::Verdict;
use std::fs;
use std::path::{Path, PathBuf};

fn write(path: PathBuf, contents: &[u8], written: &mut Vec<PathBuf>) -> Result<(), RenderError> {
    fs::write(&path, contents).map_err(|source| RenderError::Io {
        path: path.clone(),
        source,
    })?;
    written.push(path);
    Ok(())
}

/// Removes `*.png` and `*.svg` in `charts` that the current report does not produce, so a
/// regenerated directory holds no stale charts.
fn remove_stale(charts: &Path, keep: &[String]) -> Result<(), RenderError> {
    let io = |source| RenderError::Io {
        path: charts.to_path_buf(),
        source,
    };
    for entry in fs::read_dir(charts).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let chart_file = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("png" | "svg")
        );
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if chart_file && !keep.iter().any(|k| k == name) {
            fs::remove_file(&path).map_err(|source| RenderError::Io {
                path: path.clone(),
                source,
            })?;
        }
    }
    Ok(())
}

/// Writes every format of `report` into `dir` (created when missing) and returns the
/// files written, in a stable order. `fail_on` decides the failures in `junit.xml`.
/// Output depends only on the report: the same report gives byte-identical files.
pub fn write_report_dir(
    report: &Report,
    dir: &Path,
    fail_on: &[Verdict],
) -> Result<Vec<PathBuf>, RenderError> {
    let chart_dir = dir.join("charts");
    fs::create_dir_all(&chart_dir).map_err(|source| RenderError::Io {
        path: chart_dir.clone(),
        source,
    })?;
    let mut written = Vec::new();
    write(
        dir.join("report.json"),
        render_json(report)?.as_bytes(),
        &mut written,
    )?;
    write(
        dir.join("report.md"),
        render_markdown(report, Some("charts")).as_bytes(),
        &mut written,
    )?;
    write(
        dir.join("index.html"),
        render_html(report)?.as_bytes(),
        &mut written,
    )?;
    write(
        dir.join("junit.xml"),
        render_junit(report, fail_on).as_bytes(),
        &mut written,
    )?;
    let specs = charts::plan(report);
    let mut keep = Vec::new();
    for spec in &specs {
        let svg = charts::render_svg(report, spec)?;
        write(
            chart_dir.join(format!("{}.svg", spec.stem)),
            svg.as_bytes(),
            &mut written,
        )?;
        let png = chart_dir.join(format!("{}.png", spec.stem));
        charts::render_png(report, spec, &png)?;
        written.push(png);
        keep.push(format!("{}.svg", spec.stem));
        keep.push(format!("{}.png", spec.stem));
    }
    remove_stale(&chart_dir, &keep)?;
    Ok(written)
}

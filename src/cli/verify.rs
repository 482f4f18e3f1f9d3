//! `verify`: check a bundle's files against its manifest and say whether it is complete.
//!
//! Exit codes: 0 complete and intact; 1 a file is missing or changed, or the fetch is
//! incomplete; 3 the manifest cannot be read.

use super::args::{Format, VerifyArgs};
use super::error_text::what_failed;
use super::output::print_stdout;
use super::{Exit, Failure};
use crate::input::bundle::{FileStatus, Verification, verify, warning_line};
use crate::units::format_bytes;
use anyhow::Context;
use std::fmt::Write as _;

pub fn run_verify(args: VerifyArgs) -> Result<Exit, Failure> {
    let found = verify(&args.bundle).map_err(|e| {
        let bundle = args.bundle.display().to_string();
        let what = what_failed("cannot verify", "the bundle", &bundle, &e);
        Failure::source(anyhow::Error::new(e).context(what))
    })?;
    let text = match args.format.unwrap_or(Format::Table) {
        Format::Json => serde_json::to_string_pretty(&found)
            .context("cannot serialize the verification")
            .map_err(Failure::source)?,
        Format::Table | Format::Markdown => verification_text(&found),
    };
    print_stdout(&text)?;
    Ok(if found.ok() {
        Exit::Success
    } else {
        Exit::FailOn
    })
}

fn status_text(status: &FileStatus) -> String {
    match status {
        FileStatus::Intact => "ok".to_string(),
        FileStatus::LengthOnly => "length ok, no sha256 recorded".to_string(),
        FileStatus::Missing { error } => format!("MISSING ({error})"),
        FileStatus::WrongLength { actual } => format!("CHANGED: {actual} bytes"),
        FileStatus::WrongChecksum { actual } => format!("CHANGED: sha256 {actual}"),
        FileStatus::OutsideBundle => "REFUSED: outside the bundle".to_string(),
    }
}

/// The verification for people: the verdict first, then what it rests on.
fn verification_text(v: &Verification) -> String {
    let mut out = String::new();
    let bad: Vec<&str> = v
        .files
        .iter()
        .filter(|f| !f.status.is_ok())
        .map(|f| f.path.as_str())
        .collect();
    let headline = match (v.complete, bad.is_empty()) {
        (true, true) => {
            "OK: the bundle is complete and every file matches the manifest".to_string()
        }
        (true, false) => format!(
            "FAILED: {} of {} files do not match the manifest ({}); fetch the bundle again",
            bad.len(),
            v.files.len(),
            bad.join(", ")
        ),
        (false, _) => format!(
            "INCOMPLETE: {} of {} chunks fetched{}; run `memgrowth fetch` again with the same arguments to resume",
            v.chunks_done,
            v.chunks_total,
            if bad.is_empty() {
                String::new()
            } else {
                format!(
                    ", and {} written chunks do not match the manifest",
                    bad.len()
                )
            }
        ),
    };
    let m = &v.manifest;
    let _ = writeln!(out, "{headline}");
    let _ = writeln!(out, "bundle:          {}", v.location);
    let _ = writeln!(out, "manifest sha256: {}", v.manifest_sha256);
    let _ = writeln!(
        out,
        "fetched:         {} from {} by {} {}",
        m.created_at, m.source.location, m.tool.name, m.tool.version
    );
    let _ = writeln!(
        out,
        "window:          {} to {}, step {} s",
        m.window.start, m.window.end, m.window.step_seconds
    );
    let _ = writeln!(
        out,
        "queries:         {} ({} chunks)",
        m.queries.len(),
        v.chunks_total
    );
    for q in &m.queries {
        let _ = writeln!(out, "  {}: {}", q.kind, q.promql);
    }
    let _ = writeln!(out, "files:");
    for f in &v.files {
        let _ = writeln!(
            out,
            "  {}  {}  sha256 {}  {}",
            f.path,
            format_bytes(f.bytes as f64),
            f.sha256.as_deref().unwrap_or("-"),
            status_text(&f.status)
        );
    }
    if m.warnings.is_empty() {
        let _ = writeln!(out, "the fetch met no warnings");
    } else {
        let _ = writeln!(out, "the fetch met {} warnings:", m.warnings.len());
        for w in &m.warnings {
            let _ = writeln!(out, "  {}", warning_line(w));
        }
    }
    out
}

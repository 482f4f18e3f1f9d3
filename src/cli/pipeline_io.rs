//! Reading a source into classified series: the I/O edge of the pipeline.

use super::Failure;
use super::output::Log;
use super::settings::{SourceSettings, SubjectSettings};
use crate::frame::TidySeries;
use crate::report::SourceInfo;
use anyhow::{Context, anyhow};

/// Classified series of the subject, and what was read.
pub struct Selected {
    pub series: Vec<TidySeries>,
    pub source: SourceInfo,
}

/// Loads the source and selects the subject's series; an empty selection is an error
/// that says what was found instead.
pub fn load_subject(
    source: &SourceSettings,
    subject: &SubjectSettings,
    log: Log,
) -> Result<Selected, Failure> {
    let mut catalog = subject.catalog.clone();
    let (raw, mut info) = match source {
        SourceSettings::Files(paths) => {
            let loaded = crate::input::load(paths)
                .context("cannot read the input")
                .map_err(Failure::source)?;
            // A bundle remembers the kind of every metric it was fetched as, so it reads
            // back without repeating --metric-prefix or catalog overrides.
            for (name, kind) in &loaded.kinds {
                catalog.learn(name, *kind);
            }
            (loaded.series, loaded.source)
        }
    };
    let mut metric_names: Vec<String> = raw.iter().map(|s| s.metric_name().to_string()).collect();
    metric_names.sort();
    metric_names.dedup();
    let selection = crate::subject::select(raw, &catalog, &subject.subject);
    for note in &selection.notes {
        log.note(&format!("note: {note}"));
    }
    info.warnings.extend(selection.notes.iter().cloned());
    if selection.series.is_empty() {
        let shown: Vec<&str> = metric_names.iter().take(12).map(String::as_str).collect();
        return Err(Failure::source(anyhow!(
            "no memory series of the subject were found in {}; metrics present: {}{}. Check --app/--container (or --metric-prefix for prom-client's prefix option)",
            info.location,
            if shown.is_empty() {
                "none".to_string()
            } else {
                shown.join(", ")
            },
            if metric_names.len() > shown.len() {
                ", ..."
            } else {
                ""
            },
        )));
    }
    Ok(Selected {
        series: selection.series,
        source: info,
    })
}

//! Reading a source into classified series: the I/O edge of the pipeline.

use super::Failure;
use super::output::Log;
use super::settings::{SourceSettings, SubjectSettings};
use crate::catalog::Catalog;
use crate::frame::TidySeries;
use crate::input::{Loaded, WindowRequest};
use crate::report::SourceInfo;
use anyhow::{Context, anyhow};
use std::io::IsTerminal;

/// Classified series of the subject, and what was read.
pub struct Selected {
    pub series: Vec<TidySeries>,
    pub source: SourceInfo,
    /// The window offline input was cut to (Unix seconds); `None` when it was not cut.
    pub window: Option<(f64, f64)>,
    /// The bundles read, for the report to cite.
    pub bundles: Vec<crate::report::BundleRef>,
}

/// What a source gave, before the subject is selected, with the catalog to classify it.
#[derive(Clone)]
pub struct Read {
    pub loaded: Loaded,
    pub catalog: Catalog,
}

/// Reads offline input, or fetches the subject's kinds from a server.
pub fn read_source(
    source: &SourceSettings,
    subject: &SubjectSettings,
    log: Log,
) -> Result<Read, Failure> {
    let mut catalog = subject.catalog.clone();
    let loaded = match source {
        SourceSettings::Files { paths, .. } => {
            let loaded = crate::input::load(paths)
                .context("cannot read the input")
                .map_err(Failure::source)?;
            // A bundle remembers the kind of every metric it was fetched as, so it reads
            // back without repeating --metric-prefix or catalog overrides.
            for (name, kind) in &loaded.kinds {
                catalog.learn(name, *kind);
            }
            loaded
        }
        SourceSettings::Live(live) => {
            let progress = !log.quiet && std::io::stderr().is_terminal();
            let (series, source) =
                super::live::fetch_subject(live, &catalog, &subject.subject, progress)
                    .map_err(|e| server_failure("cannot fetch", "from", &live.config, e))?;
            Loaded {
                series,
                source,
                manifest: None,
                kinds: Default::default(),
                bundles: Vec::new(),
            }
        }
    };
    Ok(Read { loaded, catalog })
}

/// Loads the source, cuts offline input to its window, and selects the subject's series.
pub fn load_subject(
    source: &SourceSettings,
    subject: &SubjectSettings,
    log: Log,
) -> Result<Selected, Failure> {
    let read = read_source(source, subject, log)?;
    select_subject(read, &cut_of(source), subject, log)
}

/// The window offline input is cut to; a live source was fetched for its window already.
pub fn cut_of(source: &SourceSettings) -> WindowRequest {
    match source {
        SourceSettings::Files { window, .. } => *window,
        SourceSettings::Live(_) => WindowRequest::default(),
    }
}

/// Cuts what was read to `window` and selects the subject's series; an empty selection
/// is an error that says what was found instead.
pub fn select_subject(
    read: Read,
    window: &WindowRequest,
    subject: &SubjectSettings,
    log: Log,
) -> Result<Selected, Failure> {
    let (loaded, window) = read
        .loaded
        .cut(window)
        .context("cannot cut the input to the window")
        .map_err(Failure::source)?;
    let bundles = loaded.bundles;
    let raw = loaded.series;
    let mut info = loaded.source;
    let mut metric_names: Vec<String> = raw.iter().map(|s| s.metric_name().to_string()).collect();
    metric_names.sort();
    metric_names.dedup();
    // What the source warned of (a partial response, a failed kind) is in the report and
    // said on stderr too: the analysis may rest on part of the data.
    for warning in &info.warnings {
        log.note(&format!("warning: {warning}"));
    }
    let selection = crate::subject::select(raw, &read.catalog, &subject.subject);
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
        window,
        bundles,
    })
}

/// A failure talking to the server, in the context `what` (`cannot fetch`): the server is
/// named there only when the error does not already name it (most name the endpoint).
pub(crate) fn server_failure(
    what: &str,
    preposition: &str,
    config: &crate::prom::PromConfig,
    error: crate::prom::PromError,
) -> Failure {
    let context = super::error_text::what_failed(what, preposition, &config.location(), &error);
    Failure::source(anyhow::Error::new(error).context(context))
}

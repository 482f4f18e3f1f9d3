//! The postmortem options and the run they shape: the window on offline input (from
//! `--start`, `--end`, `--range`), `--mark` on every chart and in the timeline, and a
//! baseline window (`--baseline`, `--baseline-range`) analysed the same way and compared.

use super::Failure;
use super::args::PromArgs;
use super::output::Log;
use super::pipeline_io::{Read, Selected, cut_of, read_source, select_subject};
use super::settings::{SourceSettings, SubjectSettings, UsageError};
use crate::analysis::AnalysisSettings;
use crate::frame::TidySeries;
use crate::input::{WindowRequest, data_span};
use crate::pipeline::build_report_around;
use crate::report::Report;
use crate::timeline::{Mark, span_for};
use crate::units::{parse_duration, parse_timestamp, rfc3339};
use clap::Args;

/// Marks and the baseline window.
#[derive(Debug, Clone, Default, Args)]
pub struct PostmortemArgs {
    /// Mark a moment on every chart and in the timeline: TIME or TIME=LABEL, TIME in RFC
    /// 3339 or Unix seconds, e.g. --mark 2025-11-04T10:00:00Z=deploy. Repeatable.
    #[arg(long = "mark", value_name = "TIME[=LABEL]")]
    pub marks: Vec<String>,

    /// Also analyse this baseline window, START..END (RFC 3339 or Unix seconds), and
    /// compare growth rates, levels and verdicts before and after.
    #[arg(long, value_name = "START..END", conflicts_with = "baseline_range")]
    pub baseline: Option<String>,

    /// Also analyse a baseline window this long (Prometheus duration, e.g. 7d) ending
    /// where the window starts, and compare.
    #[arg(long, value_name = "DURATION")]
    pub baseline_range: Option<String>,
}

/// Which baseline window to analyse.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BaselineRequest {
    /// Unix seconds.
    Window(f64, f64),
    /// Seconds before the window's start.
    Range(f64),
}

impl BaselineRequest {
    /// The baseline window, given where the analysed window starts.
    pub fn resolve(self, window_start: f64) -> (f64, f64) {
        match self {
            BaselineRequest::Window(start, end) => (start, end),
            BaselineRequest::Range(length) => (window_start - length, window_start),
        }
    }
}

/// The postmortem options, checked.
#[derive(Debug, Clone, Default)]
pub struct PostmortemSettings {
    pub marks: Vec<Mark>,
    pub baseline: Option<BaselineRequest>,
}

impl PostmortemSettings {
    pub fn from_args(args: &PostmortemArgs) -> Result<Self, UsageError> {
        let marks = args
            .marks
            .iter()
            .map(|m| Mark::parse(m).map_err(|e| UsageError(e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        let baseline = match (&args.baseline, &args.baseline_range) {
            (Some(text), _) => {
                let bad = |why: String| {
                    UsageError(format!(
                        "--baseline {text:?}: {why}; give START..END, e.g. --baseline 2025-10-07T00:00:00Z..2025-10-14T00:00:00Z"
                    ))
                };
                let (a, b) = text
                    .split_once("..")
                    .ok_or_else(|| bad("no `..` between start and end".into()))?;
                let start = parse_timestamp(a).map_err(|e| bad(e.to_string()))?;
                let end = parse_timestamp(b).map_err(|e| bad(e.to_string()))?;
                if start >= end {
                    return Err(bad("the start is not before the end".into()));
                }
                Some(BaselineRequest::Window(start, end))
            }
            (None, Some(text)) => {
                let length = parse_duration(text)
                    .map_err(|e| UsageError(format!("--baseline-range: {e}")))?;
                if length <= 0.0 {
                    return Err(UsageError(
                        "--baseline-range must be longer than zero, e.g. 7d".into(),
                    ));
                }
                Some(BaselineRequest::Range(length))
            }
            (None, None) => None,
        };
        Ok(PostmortemSettings { marks, baseline })
    }
}

/// The window asked for on offline input; the ends not given default to the data's.
pub fn offline_window(args: &PromArgs) -> Result<WindowRequest, UsageError> {
    let time = |flag: &str, text: &Option<String>| {
        text.as_deref()
            .map(|t| parse_timestamp(t).map_err(|e| UsageError(format!("{flag}: {e}"))))
            .transpose()
    };
    let start = time("--start", &args.start)?;
    let end = time("--end", &args.end)?;
    let range = args
        .range
        .as_deref()
        .map(|t| parse_duration(t).map_err(|e| UsageError(format!("--range: {e}"))))
        .transpose()?;
    if let (Some(start), Some(end)) = (start, end) {
        if start >= end {
            return Err(UsageError(format!(
                "the window is empty: --start ({start}) is not before --end ({end})"
            )));
        }
    }
    if range.is_some_and(|r| r <= 0.0) {
        return Err(UsageError(
            "--range must be longer than zero, e.g. 2d".to_string(),
        ));
    }
    Ok(WindowRequest { start, end, range })
}

/// The report of what was selected: the window it was cut to (the report covers what
/// was asked for), the marks on its timeline, the bundles it was read from.
pub fn report_of(
    selected: Selected,
    subject: &SubjectSettings,
    analysis: &AnalysisSettings,
    marks: &[Mark],
) -> Report {
    report_around(selected, Vec::new(), subject, analysis, marks)
}

/// Like [`report_of`], the timeline reading `around` (the subject's series of the input
/// around the window it was cut to) for the stretches beyond the window's edges.
fn report_around(
    selected: Selected,
    around: Vec<TidySeries>,
    subject: &SubjectSettings,
    analysis: &AnalysisSettings,
    marks: &[Mark],
) -> Report {
    let mut report = build_report_around(
        selected.series,
        selected.source,
        subject.info.clone(),
        analysis,
        marks,
        selected.window,
        around,
    );
    report.bundles = selected.bundles;
    report
}

/// The subject's series of offline input cut to `window`, from the longest stretch the
/// timeline looks at before the window's start to as long after its end: what the input
/// holds around the window. Empty when the input is not cut, or holds nothing there.
fn around_window(
    read: &Read,
    window: &WindowRequest,
    subject: &SubjectSettings,
) -> Vec<TidySeries> {
    if window.is_whole() {
        return Vec::new();
    }
    let Some((first, last)) = data_span(&read.loaded.series) else {
        return Vec::new();
    };
    let (start, end) = window.resolve((first as f64 / 1000.0, last as f64 / 1000.0));
    let reach = span_for((start, end));
    let excerpt = Read {
        loaded: read.loaded.excerpt(start - reach, end + reach),
        catalog: read.catalog.clone(),
    };
    let quiet = Log { quiet: true };
    select_subject(excerpt, &WindowRequest::default(), subject, quiet)
        .map(|s| s.series)
        .unwrap_or_default()
}

/// Reads the source, analyses the window and, when a baseline is asked for, the
/// baseline window too, and compares them.
pub fn analyse(
    source: &SourceSettings,
    subject: &SubjectSettings,
    analysis: &AnalysisSettings,
    postmortem: &PostmortemSettings,
    log: Log,
) -> Result<Report, Failure> {
    let read = read_source(source, subject, log)?;
    let window = cut_of(source);
    let around = around_window(&read, &window, subject);
    let Some(request) = postmortem.baseline else {
        let selected = select_subject(read, &window, subject, log)?;
        return Ok(report_around(
            selected,
            around,
            subject,
            analysis,
            &postmortem.marks,
        ));
    };
    let again = matches!(source, SourceSettings::Files { .. }).then(|| read.clone());
    let after = report_around(
        select_subject(read, &window, subject, log)?,
        around,
        subject,
        analysis,
        &postmortem.marks,
    );
    let start = parse_timestamp(&after.window.start).unwrap_or(0.0);
    let (b_start, b_end) = request.resolve(start);
    let quiet = Log { quiet: true };
    let baseline = match (source, again) {
        (SourceSettings::Live(live), _) => {
            let mut live = (**live).clone();
            live.start = b_start;
            live.end = b_end;
            read_source(&SourceSettings::Live(Box::new(live)), subject, quiet)
                .and_then(|read| select_subject(read, &WindowRequest::default(), subject, quiet))
        }
        (_, Some(read)) => {
            let cut = WindowRequest {
                start: Some(b_start),
                end: Some(b_end),
                range: None,
            };
            select_subject(read, &cut, subject, quiet)
        }
        (SourceSettings::Files { .. }, None) => {
            return Err(Failure::source(anyhow::anyhow!(
                "the offline input was not kept for its baseline"
            )));
        }
    }
    .map_err(|f| Failure {
        exit: f.exit,
        error: f.error.context(format!(
            "cannot analyse the baseline window {} to {} (--baseline/--baseline-range)",
            rfc3339(b_start),
            rfc3339(b_end)
        )),
    })?;
    let before = report_of(baseline, subject, analysis, &postmortem.marks);
    let mut after = after;
    after.baseline = Some(crate::timeline::baseline::compare(
        &before,
        &after,
        &postmortem.marks,
    ));
    Ok(after)
}

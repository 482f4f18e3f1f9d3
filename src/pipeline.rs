//! The pipeline from classified series to a report: targets -> analysis -> comparison
//! -> timeline.

use crate::analysis::{AnalysisSettings, analyze_target};
use crate::compare::compare;
use crate::frame::TidySeries;
use crate::report::{Report, SCHEMA_VERSION, SourceInfo, SubjectInfo, ToolInfo, Window};
use crate::target::group_targets;
use crate::timeline::Mark;
use crate::units::{parse_timestamp, rfc3339};
use crate::verdict::Verdict;

/// Runs analysis and comparison over classified series.
pub fn build_report(
    series: Vec<TidySeries>,
    source: SourceInfo,
    subject: SubjectInfo,
    settings: &AnalysisSettings,
) -> Report {
    build_report_marked(series, source, subject, settings, &[], None)
}

/// Like [`build_report`], with the user's marks on the timeline and, when the input was
/// cut to a window, that window (Unix seconds) as the report's.
pub fn build_report_marked(
    series: Vec<TidySeries>,
    source: SourceInfo,
    subject: SubjectInfo,
    settings: &AnalysisSettings,
    marks: &[Mark],
    asked: Option<(f64, f64)>,
) -> Report {
    let mut window = window_of(&series);
    if let Some((start, end)) = asked {
        window.start = rfc3339(start);
        window.end = rfc3339(end);
    }
    let targets = group_targets(series);
    let reports: Vec<_> = targets
        .iter()
        .map(|t| analyze_target(t, settings))
        .collect();
    let comparison = compare(&targets, &reports);
    let span = (
        parse_timestamp(&window.start).unwrap_or(0.0),
        parse_timestamp(&window.end).unwrap_or(0.0),
    );
    let timeline = crate::timeline::build(&targets, &reports, marks, span);
    Report {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo::current(),
        window,
        source,
        subject,
        verdict: Verdict::worst(reports.iter().map(|r| r.verdict)),
        targets: reports,
        comparison,
        settings: settings.info(),
        timeline,
        baseline: None,
        bundles: Vec::new(),
    }
}

/// The time span covered by the series and their median sampling interval.
pub fn window_of(series: &[TidySeries]) -> Window {
    let mut start = i64::MAX;
    let mut end = i64::MIN;
    let mut gaps: Vec<i64> = Vec::new();
    for s in series {
        if let (Some(first), Some(last)) = (s.timestamps_ms.first(), s.timestamps_ms.last()) {
            start = start.min(*first);
            end = end.max(*last);
        }
        gaps.extend(s.timestamps_ms.windows(2).map(|w| w[1] - w[0]));
    }
    if start > end {
        start = 0;
        end = 0;
    }
    gaps.sort_unstable();
    let step_ms = gaps.get(gaps.len() / 2).copied().unwrap_or(0);
    Window {
        start: rfc3339(start as f64 / 1000.0),
        end: rfc3339(end as f64 / 1000.0),
        step_seconds: step_ms as f64 / 1000.0,
    }
}

//! The pipeline from classified series to a report: targets -> analysis -> comparison
//! -> timeline. Targets are analysed in parallel across the cores (scoped threads, no
//! pool); the reports keep the targets' order (service, then host), so the output does
//! not depend on scheduling.
//!
//! A fleet can also be analysed one service at a time ([`FleetReport`]): each service's
//! series are analysed, compared across its hosts and dropped before the next service's
//! are read, and the report assembled at the end equals the one [`build_report_marked`]
//! gives for the whole fleet at once.

mod excerpt;
mod fleet;

pub use fleet::FleetReport;

use crate::analysis::{AnalysisSettings, analyze_target};
use crate::compare::compare;
use crate::frame::TidySeries;
use crate::report::{
    Comparison, Report, SCHEMA_VERSION, SourceInfo, SubjectInfo, TargetReport, TimelineEvent,
    ToolInfo, Window,
};
use crate::target::{Target, group_targets_with_redis};
use crate::timeline::{Beyond, Mark};
use crate::units::{parse_timestamp, rfc3339};
use crate::verdict::Verdict;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

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
    build_report_around(series, source, subject, settings, marks, asked, Vec::new())
}

/// Like [`build_report_marked`], with `around`: the subject's series of the input
/// around the window it was cut to, which the timeline reads for the stretches before
/// and after events near the window's edges.
pub fn build_report_around(
    series: Vec<TidySeries>,
    source: SourceInfo,
    subject: SubjectInfo,
    settings: &AnalysisSettings,
    marks: &[Mark],
    asked: Option<(f64, f64)>,
    around: Vec<TidySeries>,
) -> Report {
    let mut span = Span::default();
    span.add(&series);
    let window = report_window(&span, asked);
    let targets = group_targets_with_redis(series);
    let reports = analyze_all(&targets, settings);
    let comparison = compare(&targets, &reports);
    let around = group_targets_with_redis(around);
    let beyond = beyond(&source, &around);
    let timeline = timeline_of(&targets, &reports, marks, &window, beyond);
    Report {
        timeline,
        ..assemble(window, source, subject, settings, reports, comparison)
    }
}

/// The report's window: the data's, or the one asked for when the input was cut.
fn report_window(span: &Span, asked: Option<(f64, f64)>) -> Window {
    let mut window = span.window();
    if let Some((start, end)) = asked {
        window.start = rfc3339(start);
        window.end = rfc3339(end);
    }
    window
}

/// What the timeline can read beyond the window: a live query fetched only the window;
/// offline input holds what `around` holds.
fn beyond<'a>(source: &SourceInfo, around: &'a [Target]) -> Beyond<'a> {
    if source.kind == "prometheus" {
        Beyond::NotFetched
    } else if around.is_empty() {
        Beyond::Nothing
    } else {
        Beyond::Input(around)
    }
}

fn timeline_of(
    targets: &[Target],
    reports: &[TargetReport],
    marks: &[Mark],
    window: &Window,
    beyond: Beyond<'_>,
) -> Vec<TimelineEvent> {
    let span = (
        parse_timestamp(&window.start).unwrap_or(0.0),
        parse_timestamp(&window.end).unwrap_or(0.0),
    );
    crate::timeline::build(targets, reports, marks, span, beyond)
}

/// Analyses every target, one thread per core taking the next target as it finishes
/// one; the reports are in the targets' order.
pub fn analyze_all(targets: &[Target], settings: &AnalysisSettings) -> Vec<TargetReport> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(targets.len());
    if threads <= 1 {
        return targets
            .iter()
            .map(|t| analyze_target(t, settings))
            .collect();
    }
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<TargetReport>>> =
        targets.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let (Some(target), Some(slot)) = (targets.get(i), slots.get(i)) else {
                        break;
                    };
                    let report = analyze_target(target, settings);
                    if let Ok(mut slot) = slot.lock() {
                        *slot = Some(report);
                    }
                }
            });
        }
    });
    slots
        .into_iter()
        .zip(targets)
        .map(|(slot, target)| {
            slot.into_inner()
                .ok()
                .flatten()
                .unwrap_or_else(|| analyze_target(target, settings))
        })
        .collect()
}

fn assemble(
    window: Window,
    source: SourceInfo,
    subject: SubjectInfo,
    settings: &AnalysisSettings,
    targets: Vec<TargetReport>,
    comparison: Comparison,
) -> Report {
    Report {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo::current(),
        window,
        source,
        subject,
        verdict: Verdict::worst(targets.iter().map(|r| r.verdict)),
        targets,
        comparison,
        settings: settings.info(),
        timeline: Vec::new(),
        baseline: None,
        bundles: Vec::new(),
        links: Vec::new(),
    }
}

/// The time span covered by the series and their median sampling interval.
pub fn window_of(series: &[TidySeries]) -> Window {
    let mut span = Span::default();
    span.add(series);
    span.window()
}

/// First and last timestamps seen, and how often each sampling interval occurs (a fleet
/// has few distinct intervals, so the median needs no list of every one).
#[derive(Debug, Default)]
struct Span {
    start: Option<i64>,
    end: Option<i64>,
    gaps: BTreeMap<i64, u64>,
}

impl Span {
    fn add(&mut self, series: &[TidySeries]) {
        for s in series {
            if let (Some(first), Some(last)) = (s.timestamps_ms.first(), s.timestamps_ms.last()) {
                self.start = Some(self.start.map_or(*first, |v| v.min(*first)));
                self.end = Some(self.end.map_or(*last, |v| v.max(*last)));
            }
            for w in s.timestamps_ms.windows(2) {
                *self.gaps.entry(w[1] - w[0]).or_default() += 1;
            }
        }
    }

    fn window(&self) -> Window {
        let (start, end) = match (self.start, self.end) {
            (Some(s), Some(e)) if s <= e => (s, e),
            _ => (0, 0),
        };
        // The upper median, as an index into the sorted gaps: n / 2.
        let n: u64 = self.gaps.values().sum();
        let mut seen = 0;
        let mut step_ms = 0;
        for (gap, count) in &self.gaps {
            seen += count;
            if seen > n / 2 {
                step_ms = *gap;
                break;
            }
        }
        Window {
            start: rfc3339(start as f64 / 1000.0),
            end: rfc3339(end as f64 / 1000.0),
            step_seconds: step_ms as f64 / 1000.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::SeriesKey;
    use crate::kind::Kind;

    fn series(timestamps_ms: Vec<i64>) -> TidySeries {
        TidySeries {
            key: SeriesKey {
                service: "api".into(),
                host: "a".into(),
                kind: Kind::HeapUsed,
                space: String::new(),
            },
            labels: Default::default(),
            values: vec![1.0; timestamps_ms.len()],
            timestamps_ms,
        }
    }

    #[test]
    fn the_window_step_is_the_upper_median_interval() {
        // Intervals 10, 10, 20 and 30, 30: sorted 10 10 20 30 30, index 5 / 2 = 2 -> 20.
        let w = window_of(&[
            series(vec![0, 10_000, 20_000, 40_000]),
            series(vec![0, 30_000, 60_000]),
        ]);
        assert_eq!(w.step_seconds, 20.0);
        assert_eq!(w.start, rfc3339(0.0));
        assert_eq!(w.end, rfc3339(60.0));
        assert_eq!(window_of(&[]).step_seconds, 0.0);
    }
}

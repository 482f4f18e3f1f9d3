//! A fleet report built one service at a time: each service's targets are analysed and
//! compared, an excerpt of their series is kept for the timeline, and the series are
//! dropped before the next service's are read.

use super::excerpt::excerpt;
use super::{Span, analyze_all, assemble, beyond, report_window, timeline_of};
use crate::analysis::AnalysisSettings;
use crate::compare::compare;
use crate::frame::TidySeries;
use crate::report::{Comparison, Report, SourceInfo, SubjectInfo, TargetReport};
use crate::target::{Target, group_targets};
use crate::timeline::Mark;

/// A fleet report built one service at a time. Feed the services in sorted order.
pub struct FleetReport<'a> {
    settings: &'a AnalysisSettings,
    marks: &'a [Mark],
    /// Whether the fleet has more than one service (the comparison then names them).
    many: bool,
    span: Span,
    targets: Vec<TargetReport>,
    excerpts: Vec<Target>,
    comparison: Comparison,
}

impl<'a> FleetReport<'a> {
    pub fn new(settings: &'a AnalysisSettings, services: usize, marks: &'a [Mark]) -> Self {
        FleetReport {
            settings,
            marks,
            many: services > 1,
            span: Span::default(),
            targets: Vec::new(),
            excerpts: Vec::new(),
            comparison: Comparison::default(),
        }
    }

    /// Analyses one service's series (its app and container series, and the host series
    /// of its hosts) and returns that service's target reports and comparison.
    pub fn add_service(
        &mut self,
        service: &str,
        series: Vec<TidySeries>,
    ) -> (Vec<TargetReport>, Comparison) {
        self.span.add(&series);
        let targets = group_targets(series);
        let reports = analyze_all(&targets, self.settings);
        let comparison = compare(&targets, &reports);
        self.merge(service, &comparison);
        self.excerpts.extend(
            targets
                .iter()
                .zip(&reports)
                .map(|(t, r)| excerpt(t, r, self.marks)),
        );
        self.targets.extend(reports.iter().cloned());
        (reports, comparison)
    }

    /// Adds a service's comparison as [`compare`] over the whole fleet would have it.
    fn merge(&mut self, service: &str, part: &Comparison) {
        let out = &mut self.comparison;
        out.hosts.extend(part.hosts.iter().cloned());
        out.hosts.sort();
        out.hosts.dedup();
        for (host, context) in &part.host_context {
            // The first service on a host gives its context, as in a whole-fleet run.
            out.host_context
                .entry(host.clone())
                .or_insert_with(|| context.clone());
        }
        if out.thresholds.is_empty() {
            out.thresholds = part.thresholds.clone();
        }
        out.divergent_kinds
            .extend(part.divergent_kinds.iter().cloned());
        out.consistent_kinds
            .extend(part.consistent_kinds.iter().cloned());
        out.kinds.extend(part.kinds.iter().cloned());
        out.attributions.extend(part.attributions.iter().cloned());
        let name = |line: &String| {
            if self.many {
                format!("{service}: {line}")
            } else {
                line.clone()
            }
        };
        out.explanation.extend(part.explanation.iter().map(name));
        out.recommendations
            .extend(part.recommendations.iter().map(name));
    }

    /// The report of the whole fleet, with its timeline.
    pub fn finish(self, source: SourceInfo, subject: SubjectInfo) -> Report {
        let window = report_window(&self.span, None);
        let beyond = beyond(&source, &[]);
        let timeline = timeline_of(&self.excerpts, &self.targets, self.marks, &window, beyond);
        Report {
            timeline,
            ..assemble(
                window,
                source,
                subject,
                self.settings,
                self.targets,
                self.comparison,
            )
        }
    }
}

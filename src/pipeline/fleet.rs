//! A fleet report built one service at a time: each service's targets are analysed and
//! compared, an excerpt of their series is kept for the timeline, and the series are
//! dropped before the next service's are read. The Redis of each host (redis-exporter's
//! series come with the host series, fetched once) is analysed first, once, and told in
//! the comparison of every service that shares its host.

use super::excerpt::excerpt;
use super::{Span, analyze_all, assemble, beyond, report_window, timeline_of};
use crate::analysis::AnalysisSettings;
use crate::compare::compare;
use crate::compare::redis::redis_lines;
use crate::frame::TidySeries;
use crate::report::{Comparison, Report, SourceInfo, SubjectInfo, TargetReport};
use crate::target::{Target, group_targets, redis_targets};
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
    /// The Redis targets of the fleet's hosts and their reports (in the same order): told
    /// in every comparison, added to the report's targets at the end.
    redis_targets: Vec<Target>,
    redis_reports: Vec<TargetReport>,
    /// The comparison's lines on the Redis beside each service, told after all others.
    redis_explanation: Vec<String>,
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
            redis_targets: Vec::new(),
            redis_reports: Vec::new(),
            redis_explanation: Vec::new(),
        }
    }

    /// Analyses the Redis of every host that runs redis-exporter, from the hosts' series;
    /// call it before the services. Returns the Redis targets' reports.
    pub fn add_redis(&mut self, host_series: &[TidySeries]) -> Vec<TargetReport> {
        let targets = redis_targets(host_series);
        if targets.is_empty() {
            return Vec::new();
        }
        self.span.add(host_series);
        self.redis_reports = analyze_all(&targets, self.settings);
        self.redis_targets = targets;
        self.redis_reports.clone()
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
        let mut comparison = compare(&targets, &reports);
        self.merge(service, &comparison);
        let redis = self.redis_lines(&targets, &comparison);
        self.redis_explanation.extend(redis.iter().cloned());
        comparison.explanation.extend(redis);
        self.excerpts.extend(
            targets
                .iter()
                .zip(&reports)
                .map(|(t, r)| excerpt(t, r, self.marks)),
        );
        self.targets.extend(reports.iter().cloned());
        (reports, comparison)
    }

    /// What the comparison says of the Redis on the service's hosts, as [`compare`] over
    /// the whole fleet says it (after every service's own lines).
    fn redis_lines(&self, targets: &[Target], ctx: &Comparison) -> Vec<String> {
        let redis: Vec<&Target> = self.redis_targets.iter().collect();
        let services: Vec<&Target> = targets.iter().collect();
        redis_lines(&services, &redis, &self.redis_reports, &ctx.host_context)
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
    pub fn finish(mut self, source: SourceInfo, subject: SubjectInfo) -> Report {
        // The Redis targets follow the services', as in a whole-fleet report.
        let redis_explanation = std::mem::take(&mut self.redis_explanation);
        self.comparison.explanation.extend(redis_explanation);
        let redis_targets = std::mem::take(&mut self.redis_targets);
        for (target, report) in redis_targets.iter().zip(&self.redis_reports) {
            self.excerpts.push(excerpt(target, report, self.marks));
        }
        self.targets.append(&mut self.redis_reports);
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

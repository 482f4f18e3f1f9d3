//! Statistics and verdicts: takes a target's series, returns plain data (no printing).
//!
//! Three layers. **Evidence** (`evidence`): restarts, signals (as scraped, the heap floor,
//! memory outside the heap), and per role a component: its stretches fitted by quasi-GLS
//! with change points and load cycles (`stats`, `regime`), the regime running now, its
//! rate with an interval, its shape and materiality, and its status (`component`); growth
//! pooled over restart segments (`pooled`). **Decision** (`rules`): small pure rules in
//! one visible order read the evidence and return a finding. **Words** (`words`): typed
//! reasons turned into sentences in one place; `assemble` builds the report, `calibration`
//! turns a finding's score into a confidence. Every threshold lives in `settings` and is
//! documented in docs/verdicts.md.

pub mod assemble;
pub mod calibration;
mod calibration_table;
pub mod component;
pub mod evidence;
pub mod floor;
pub mod lsq;
pub mod models;
pub mod outside_heap;
pub mod points;
pub mod pooled;
pub mod projection;
pub mod regime;
pub mod restarts;
pub mod roles;
pub mod rules;
pub mod series_report;
pub mod settings;
pub mod signals;
pub mod stats;
pub mod trend;
pub mod words;

pub use settings::AnalysisSettings;

use crate::kind::{Kind, Scope};
use crate::report::TargetReport;
use crate::target::Target;

/// Kinds the rules use that this target lacks, for the kinds of exporters it has.
pub(crate) fn missing_kinds(target: &Target) -> Vec<String> {
    if target.is_redis() {
        return [Kind::RedisMax, Kind::RedisInfo, Kind::HostMemTotal]
            .into_iter()
            .filter(|k| !target.has_kind(*k))
            .map(|k| k.as_str().to_string())
            .collect();
    }
    let has_app = target
        .series
        .iter()
        .any(|s| s.key.kind.scope() == Scope::App);
    let has_container = target
        .series
        .iter()
        .any(|s| s.key.kind.scope() == Scope::Container);
    let mut wanted: Vec<Kind> = Vec::new();
    if has_app || !has_container {
        wanted.extend([
            Kind::HeapUsed,
            Kind::HeapSpaceUsed,
            Kind::External,
            Kind::ProcessRss,
            Kind::StartTime,
        ]);
    }
    if has_container || !has_app {
        wanted.extend([
            Kind::CgroupUsage,
            Kind::CgroupWorkingSet,
            Kind::CgroupRss,
            Kind::CgroupCache,
            Kind::CgroupLimit,
        ]);
    }
    wanted
        .into_iter()
        .filter(|k| !target.has_kind(*k))
        .map(|k| k.as_str().to_string())
        .collect()
}

/// Diagnoses one target.
pub fn analyze_target(target: &Target, settings: &AnalysisSettings) -> TargetReport {
    let settings = settings.validated();
    if target.is_redis() {
        return crate::redis::analyze(target, &settings);
    }
    let evidence = evidence::evidence(target, &settings);
    let finding = rules::decide(&evidence, &settings);
    let mut report = assemble::assemble(target, &evidence, finding, &settings);
    if let Some(cause) = crate::goroutines::goroutine_cause(target, &report, &settings) {
        let at = 1.min(report.reasons.len());
        report.reasons.insert(at, cause);
    }
    report
}

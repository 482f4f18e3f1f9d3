//! Statistics and verdicts: takes a target's series, returns plain data (no printing).
//!
//! prepare (resample, gaps, restarts) -> floor (heap lower envelope) and outside_heap
//! (series minus the V8 heap) -> assess (trend
//! tests, competing models) -> growth (significant, material, shape) -> verdict (rules
//! across kinds) -> projection (limit, time to limit, headroom) -> series_report.
//! Every threshold is documented in docs/verdicts.md.

pub mod assess;
pub mod blocked;
pub mod floor;
pub mod growth;
pub mod lsq;
pub mod models;
pub mod outside_heap;
pub mod prepare;
pub mod projection;
#[cfg(test)]
mod props;
pub mod reasons;
pub mod series_report;
pub mod signals;
pub mod trend;
pub mod verdict;

use crate::kind::{Kind, Scope};
use crate::report::{AnalysisSettingsInfo, PlateauInfo, TargetReport};
use crate::target::Target;
use crate::units::{format_bytes, format_hours, rfc3339};
use crate::verdict::Verdict;
use growth::Thresholds;
use models::Model;
use prepare::{Points, detect_restarts};
use projection::{Limit, find_limit, hours_to_reach};
use signals::{Analysed, View};
use std::collections::BTreeMap;

/// Shortest window (hours) over which a series can be judged.
pub const MIN_SPAN_HOURS: f64 = 0.0;
/// A pause between samples longer than this many median steps is a gap.
pub const GAP_FACTOR: f64 = 5.0;

/// Thresholds and hints the verdict engine works with.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisSettings {
    /// Significance level of the trend tests.
    pub alpha: f64,
    /// Growth below this fraction of the series level per day is immaterial.
    pub min_relative_growth_per_day: f64,
    /// Growth that changed the level by less than this fraction within the window is
    /// immaterial, however short the window.
    pub min_relative_change: f64,
    /// Growth that changed the level by fewer bytes than this within the window is
    /// immaterial, whatever the level.
    pub min_change_bytes: f64,
    /// A limit given by the user (`--limit`, e.g. pm2's `max_memory_restart`), in bytes.
    pub limit_bytes: Option<f64>,
}

impl Default for AnalysisSettings {
    fn default() -> Self {
        AnalysisSettings {
            alpha: 0.01,
            min_relative_growth_per_day: 0.01,
            min_relative_change: 0.05,
            min_change_bytes: 8.0 * 1024.0 * 1024.0,
            limit_bytes: None,
        }
    }
}

impl AnalysisSettings {
    /// The settings as echoed into the report.
    pub fn info(&self) -> AnalysisSettingsInfo {
        let other: BTreeMap<String, f64> = [
            ("min_relative_change", self.min_relative_change),
            ("min_change_bytes", self.min_change_bytes),
            ("min_points", assess::MIN_POINTS as f64),
            ("min_samples", assess::MIN_SAMPLES as f64),
            ("warm_up_fraction", assess::WARM_UP_FRACTION),
            ("min_span_hours", MIN_SPAN_HOURS),
            ("max_points_per_test", prepare::MAX_POINTS as f64),
            ("recent_fraction", assess::RECENT_FRACTION),
            ("decisive_delta_aicc", assess::DECISIVE_DELTA_AICC),
            ("limit_horizon_days", growth::LIMIT_HORIZON_DAYS),
            ("masked_share", verdict::MASKED_SHARE),
            ("masked_min_blocks", verdict::MASKED_MIN_BLOCKS as f64),
            (
                "masked_consistency_ratio",
                verdict::MASKED_CONSISTENCY_RATIO,
            ),
            ("cache_share", verdict::CACHE_SHARE),
            ("restart_drop_ratio", prepare::DROP_RATIO),
            ("restart_lone_drop_ratio", prepare::LONE_DROP_RATIO),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        AnalysisSettingsInfo {
            alpha: self.alpha,
            min_relative_growth_per_day: self.min_relative_growth_per_day,
            other,
        }
    }

    fn thresholds(&self) -> Thresholds {
        Thresholds {
            alpha: if self.alpha > 0.0 && self.alpha < 1.0 {
                self.alpha
            } else {
                0.01
            },
            min_relative_growth_per_day: self.min_relative_growth_per_day.max(0.0),
            min_relative_change: self.min_relative_change.max(0.0),
            min_change_bytes: self.min_change_bytes.max(0.0),
        }
    }
}

/// The current level of what the limit measures (the last segment's end).
fn limited_level(all: &[Analysed], limit: &Limit) -> Option<f64> {
    limit.measured_by().iter().find_map(|kind| {
        all.iter()
            .find(|a| a.kind == *kind && a.view == View::Raw)
            .and_then(|a| a.segments.last())
            .map(|s| s.last_level())
    })
}

/// Kinds the rules use that this target lacks, for the kinds of exporters it has.
fn missing_kinds(target: &Target) -> Vec<String> {
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
    let th = settings.thresholds();
    let (restarts, evidence) = detect_restarts(target);
    let all = signals::analyse_target(target, &restarts);
    let limit = find_limit(target, settings.limit_bytes);
    let current_total = limit.as_ref().and_then(|l| limited_level(&all, l));
    let headroom = match (&limit, current_total) {
        (Some(l), Some(c)) => Some(l.bytes - c),
        _ => None,
    };
    let ctx = verdict::Context {
        all: &all,
        th,
        limit: limit.as_ref(),
        headroom,
        restarts: restarts.len(),
        min_span_hours: MIN_SPAN_HOURS,
    };
    let mut decision = verdict::decide(&ctx);
    let mut reasons = std::mem::take(&mut decision.reasons);

    // Projection from the stretch the verdict rests on.
    let decisive = decision.decisive.and_then(|d| {
        let a = all.get(d.series)?;
        let stretch = match d.segment {
            Some(i) => a.segments.get(i)?,
            None => a.current(),
        };
        Some((d.series, a, stretch))
    });
    let mut time_to_limit_hours = None;
    let mut plateau = None;
    let mut projection_for: Option<(usize, f64)> = None;
    if let (Some(l), Some((index, a, stretch))) = (&limit, decisive) {
        let current = current_total.unwrap_or_else(|| stretch.last_level());
        let model = stretch.best().map(|f| f.model);
        match decision.verdict {
            Verdict::Leak | Verdict::RestartMaskedLeak | Verdict::NativeGrowth => {
                let growth_model = match (decision.verdict, model) {
                    // Restarts reset the level: project the per-segment rate.
                    (Verdict::RestartMaskedLeak, _) | (_, None) => Model::Linear {
                        a: 0.0,
                        b: decision
                            .growth
                            .as_ref()
                            .map(|g| g.bytes_per_hour)
                            .unwrap_or(0.0),
                    },
                    (_, Some(m)) => m,
                };
                time_to_limit_hours =
                    hours_to_reach(&growth_model, stretch.end_hours(), current, l.bytes);
                match time_to_limit_hours {
                    Some(h) => reasons.push(format!(
                        "{} projects {} to reach the {} of {} in {} (now {})",
                        growth_model.name(),
                        a.label(),
                        l.source,
                        format_bytes(l.bytes),
                        format_hours(h),
                        format_bytes(current)
                    )),
                    None => reasons.push(format!(
                        "not projected to reach the {} of {} within 10 years (now {})",
                        l.source,
                        format_bytes(l.bytes),
                        format_bytes(current)
                    )),
                }
                let horizon = time_to_limit_hours
                    .unwrap_or(stretch.span_hours())
                    .min(4.0 * stretch.span_hours().max(1.0));
                projection_for = Some((index, horizon));
            }
            Verdict::Plateau => {
                if let Some(fit) = &decision.plateau_fit {
                    let end = stretch.end_hours();
                    let asymptote = fit.model.asymptote().unwrap_or(fit.model.eval(end));
                    let total = current + asymptote - fit.model.eval(end);
                    let headroom = l.bytes - total;
                    reasons.push(format!(
                        "asymptote {} ({} at the limit's measure); headroom {} to the {} of {}",
                        format_bytes(asymptote),
                        format_bytes(total),
                        format_bytes(headroom),
                        l.source,
                        format_bytes(l.bytes)
                    ));
                    time_to_limit_hours = hours_to_reach(&fit.model, end, current, l.bytes);
                    plateau = Some(PlateauInfo {
                        asymptote_bytes: asymptote,
                        headroom_bytes: Some(headroom),
                        asymptote_interval: None,
                    });
                    projection_for = Some((index, stretch.span_hours()));
                }
            }
            _ => {}
        }
    } else if let (Some((index, _, stretch)), Some(fit)) = (decisive, &decision.plateau_fit) {
        let asymptote = fit
            .model
            .asymptote()
            .unwrap_or(fit.model.eval(stretch.end_hours()));
        reasons.push(format!(
            "asymptote {}; no limit known (give --limit, or scrape cgroup_limit or host_mem_total)",
            format_bytes(asymptote)
        ));
        plateau = Some(PlateauInfo {
            asymptote_bytes: asymptote,
            headroom_bytes: None,
            asymptote_interval: None,
        });
        projection_for = Some((index, stretch.span_hours()));
    }
    if limit.is_none()
        && matches!(
            decision.verdict,
            Verdict::Leak | Verdict::RestartMaskedLeak | Verdict::NativeGrowth
        )
    {
        reasons.push("no limit known: give --limit (pm2 max_memory_restart), or scrape cgroup_limit or host_mem_total".to_string());
    }
    if !restarts.is_empty() {
        let how = match evidence {
            Some(prepare::RestartEvidence::StartTime) => "process start time changed",
            Some(prepare::RestartEvidence::JointDrop) => "heap and RSS dropped sharply together",
            Some(prepare::RestartEvidence::RssDrop) => "RSS dropped below half its recent peak",
            Some(prepare::RestartEvidence::NewSeries) => {
                "a new container series replaced the old one"
            }
            None => "restart",
        };
        reasons.push(format!("{} restarts detected ({how})", restarts.len()));
    }
    let gaps: usize = target
        .series
        .iter()
        .filter(|s| s.key.kind.is_memory_level())
        .map(|s| Points::of(s).gaps(GAP_FACTOR).len())
        .max()
        .unwrap_or(0);
    if gaps > 0 {
        reasons.push(format!(
            "{gaps} gaps longer than {GAP_FACTOR:.0} scrape intervals; they are skipped, not filled"
        ));
    }

    let series = all
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let projection = match projection_for {
                Some((j, h)) if j == i => Some(h),
                _ => None,
            };
            series_report::series_report(a, th.alpha, projection)
        })
        .collect();

    TargetReport {
        service: target.service.clone(),
        host: target.host.clone(),
        verdict: decision.verdict,
        confidence: decision.confidence,
        reasons,
        growth: decision.growth,
        limit_bytes: limit.as_ref().map(|l| l.bytes),
        limit_source: limit.as_ref().map(|l| l.source.to_string()),
        time_to_limit_hours,
        plateau,
        restarts: restarts.len(),
        restart_times: restarts.iter().map(|t| rfc3339(*t)).collect(),
        missing_kinds: missing_kinds(target),
        series,
        ..TargetReport::default()
    }
}

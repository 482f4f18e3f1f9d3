//! Cross-host comparison: the same service on different hosts, and what explains the difference.
//!
//! Per service: levels and slopes per kind and host (`levels`), which kinds agree and which
//! diverge (`consistency`), which component explains each divergence (`attribution`), the
//! host context from node-exporter (`context`), and from those the explanation in plain
//! words (`explain`, with the causes in `causes`) and the recommendations (`recommend`). The method and its thresholds
//! are documented in docs/compare.md. The Redis of a host is not a service to compare: it
//! is told beside the services that share its host (`redis`).

pub mod attribution;
pub mod causes;
pub mod consistency;
pub mod context;
pub mod explain;
pub mod levels;
pub mod recommend;
pub mod redis;

use crate::kind::Kind;
use crate::report::{
    Attribution, Comparison, ConsistentKind, DivergentKind, KindAcrossHosts, LevelAndSlope,
    TargetReport,
};
use crate::target::Target;
use consistency::{KindAssessment, Scale, Thresholds};
use levels::ServiceLevels;
use std::collections::BTreeMap;

/// Limits at or above this are cAdvisor's way of saying "unlimited" (2^60 bytes).
const UNLIMITED_BYTES: f64 = 1_152_921_504_606_846_976.0;

/// Everything known about one service across its hosts, as the explanation reads it.
#[derive(Debug, Clone)]
pub struct ServiceView<'a> {
    pub service: String,
    /// Hosts the service runs on, sorted.
    pub hosts: Vec<String>,
    pub levels: ServiceLevels,
    /// One per kind, in kind order.
    pub assessments: Vec<KindAssessment>,
    /// One per divergent kind, in kind order.
    pub attributions: Vec<Attribution>,
    /// The smallest known memory limit and the largest footprint, across hosts.
    pub scale: Scale,
    pub reports: Vec<&'a TargetReport>,
    pub thresholds: Thresholds,
}

impl ServiceView<'_> {
    pub fn assessment(&self, kind: Kind) -> Option<&KindAssessment> {
        self.assessments.iter().find(|a| a.kind == kind)
    }

    pub fn attribution(&self, kind: Kind) -> Option<&Attribution> {
        self.attributions.iter().find(|a| a.kind == kind.as_str())
    }

    /// Whether some host's verdict is a leak of any kind.
    pub fn leak_verdict(&self) -> bool {
        self.reports.iter().any(|r| {
            matches!(
                r.verdict,
                crate::verdict::Verdict::Leak
                    | crate::verdict::Verdict::RestartMaskedLeak
                    | crate::verdict::Verdict::NativeGrowth
            )
        })
    }

    pub fn level(&self, kind: Kind, host: &str) -> Option<f64> {
        Some(self.levels.get(&kind)?.get(host)?.level)
    }

    /// Whether `kind` grows on `host`. Where the verdict engine judged a series of the
    /// kind, its judgement (the current regime grows: significant and material) is the
    /// answer, so the comparison never contradicts a verdict; otherwise the level and
    /// slope over the window, against the comparison's materiality.
    pub fn grows(&self, kind: Kind, host: &str) -> bool {
        let judged: Vec<&str> = self
            .reports
            .iter()
            .filter(|r| r.host == host)
            .flat_map(|r| r.series.iter())
            .filter(|s| s.kind == kind.as_str())
            .filter_map(|s| s.status.as_deref())
            .collect();
        if !judged.is_empty() {
            return judged.contains(&"grows");
        }
        let Some(l) = self.levels.get(&kind).and_then(|m| m.get(host)) else {
            return false;
        };
        let growth = l.slope_per_hour.unwrap_or(0.0) * l.span_hours;
        self.thresholds
            .is_material_growth(growth, l.level, &self.scale)
    }
}

/// Compares each service across the hosts it runs on.
pub fn compare(targets: &[Target], reports: &[TargetReport]) -> Comparison {
    compare_with(targets, reports, &Thresholds::default())
}

/// [`compare`] with explicit thresholds.
pub fn compare_with(targets: &[Target], reports: &[TargetReport], th: &Thresholds) -> Comparison {
    let (redis_targets, services): (Vec<&Target>, Vec<&Target>) =
        targets.iter().partition(|t| t.is_redis());
    let mut hosts: Vec<String> = services.iter().map(|t| t.host.clone()).collect();
    hosts.sort();
    hosts.dedup();
    let host_context = context::host_contexts(services.iter().copied());
    let mut by_service: BTreeMap<&str, Vec<&Target>> = BTreeMap::new();
    for t in services.iter().copied() {
        by_service.entry(t.service.as_str()).or_default().push(t);
    }
    let many = by_service.len() > 1;
    let mut out = Comparison {
        hosts,
        host_context,
        thresholds: th.as_map(),
        ..Comparison::default()
    };
    for (service, service_targets) in by_service {
        let view = service_view(service, &service_targets, reports, th);
        for a in &view.assessments {
            out.kinds.push(kind_across_hosts(service, a));
            if a.divergent() {
                let attribution = view.attribution(a.kind);
                let main = attribution.and_then(attribution::main_component);
                out.divergent_kinds.push(DivergentKind {
                    service: service.to_string(),
                    kind: a.kind.as_str().to_string(),
                    ratio: a.ratio.unwrap_or(1.0),
                    explained_by: main.map(|c| c.component.clone()),
                    share: main.map(|c| c.share),
                });
            } else if a.consistent() {
                out.consistent_kinds.push(ConsistentKind {
                    service: service.to_string(),
                    kind: a.kind.as_str().to_string(),
                    ratio: a.ratio.unwrap_or(1.0),
                });
            }
        }
        let prefix = |line: String| {
            if many {
                format!("{service}: {line}")
            } else {
                line
            }
        };
        out.explanation.extend(
            explain::explain(&view, &out.host_context)
                .into_iter()
                .map(prefix),
        );
        out.recommendations.extend(
            recommend::recommend(&view, &out.host_context)
                .into_iter()
                .map(prefix),
        );
        out.attributions.extend(view.attributions);
    }
    out.explanation.extend(redis::redis_lines(
        &services,
        &redis_targets,
        reports,
        &out.host_context,
    ));
    out
}

/// Levels, assessments and attributions of one service.
pub fn service_view<'a>(
    service: &str,
    targets: &[&Target],
    reports: &'a [TargetReport],
    th: &Thresholds,
) -> ServiceView<'a> {
    let mut hosts: Vec<String> = targets.iter().map(|t| t.host.clone()).collect();
    hosts.sort();
    hosts.dedup();
    let reports: Vec<&TargetReport> = reports.iter().filter(|r| r.service == service).collect();
    let levels = levels::service_levels(targets);
    let scale = Scale {
        limit: service_limit(targets, &reports),
        footprint: consistency::footprint(&levels),
    };
    let assessments = consistency::assess(&levels, &scale, th);
    let attributions = assessments
        .iter()
        .filter_map(|a| attribution::attribute(service, a, &levels))
        .collect();
    ServiceView {
        service: service.to_string(),
        hosts,
        levels,
        assessments,
        attributions,
        scale,
        reports,
        thresholds: *th,
    }
}

/// The smallest positive, finite limit of the service itself: cgroup limits of the targets
/// and the analysis' limits from the cgroup or `--limit`. Host memory is not the service's
/// limit: 2% of a 64 GiB host would hide every difference that matters to one service.
fn service_limit(targets: &[&Target], reports: &[&TargetReport]) -> Option<f64> {
    let cgroup = targets
        .iter()
        .flat_map(|t| t.of_kind(Kind::CgroupLimit))
        .filter_map(levels::recent_level);
    let analysed = reports
        .iter()
        .filter(|r| matches!(r.limit_source.as_deref(), Some("cgroup_limit" | "--limit")))
        .filter_map(|r| r.limit_bytes);
    cgroup
        .chain(analysed)
        .filter(|l| l.is_finite() && *l > 0.0 && *l < UNLIMITED_BYTES)
        .reduce(f64::min)
}

fn kind_across_hosts(service: &str, a: &KindAssessment) -> KindAcrossHosts {
    KindAcrossHosts {
        service: service.to_string(),
        kind: a.kind.as_str().to_string(),
        per_host: a
            .per_host
            .iter()
            .map(|(h, l)| {
                (
                    h.clone(),
                    LevelAndSlope {
                        level: l.level,
                        slope_per_hour: l.slope_per_hour,
                    },
                )
            })
            .collect(),
        max_min_ratio: a.ratio,
        coefficient_of_variation: a.coefficient_of_variation,
    }
}

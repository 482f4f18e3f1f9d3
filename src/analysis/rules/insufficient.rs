//! insufficient_data: no key role can be judged; the reasons say, per series, how much
//! data it had and how much it needs, or that no memory series exists.

use super::Finding;
use crate::analysis::component::{Component, Status};
use crate::analysis::evidence::Evidence;
use crate::analysis::roles::Role;
use crate::analysis::settings::{AnalysisSettings, MIN_BUCKETS, MIN_SAMPLES};
use crate::analysis::words::Reason;
use crate::verdict::Verdict;

/// The roles a verdict can rest on.
pub const KEY_ROLES: [Role; 6] = [
    Role::HeapFloor,
    Role::External,
    Role::Resident,
    Role::WorkingSet,
    Role::Usage,
    Role::Cache,
];

/// How much data a component had, against what it needs.
pub fn too_little(e: &Evidence, c: &Component) -> Reason {
    Reason::TooLittle {
        series: c.label.clone(),
        samples: c.samples,
        span_hours: c
            .current
            .as_ref()
            .map(|r| r.span_hours())
            .unwrap_or_else(|| {
                e.signals
                    .get(c.signal)
                    .and_then(|s| s.segments.last())
                    .map(|s| s.points.span_hours())
                    .unwrap_or(0.0)
            }),
        need_samples: MIN_SAMPLES,
        need_buckets: MIN_BUCKETS,
    }
}

pub fn rule(e: &Evidence, _: &AnalysisSettings) -> Option<Finding> {
    let judged = KEY_ROLES
        .iter()
        .filter_map(|r| e.get(*r))
        .any(|c| c.status != Status::Insufficient);
    if judged {
        return None;
    }
    let mut reasons: Vec<Reason> = KEY_ROLES
        .iter()
        .filter_map(|r| e.get(*r))
        .map(|c| too_little(e, c))
        .collect();
    if reasons.is_empty() {
        reasons.push(Reason::NoMemorySeries);
    }
    Some(Finding {
        verdict: Verdict::InsufficientData,
        decisive: None,
        pooled: false,
        score: 0.0,
        reasons,
    })
}

/// The heap as scraped grows but its floor cannot be judged (fewer GC cycles than a floor
/// needs): garbage waiting for collection cannot be told from retained memory.
pub fn unresolved_heap(e: &Evidence, s: &AnalysisSettings) -> Option<Finding> {
    let raw = e.get(Role::HeapRaw).filter(|c| c.status.grows())?;
    let floor_judged = e
        .get(Role::HeapFloor)
        .is_some_and(|c| c.status != Status::Insufficient);
    if floor_judged {
        return None;
    }
    let mut reasons = super::growth::grows(e, raw, s);
    reasons.push(Reason::FloorUnresolved {
        series: raw.label.clone(),
        need: MIN_BUCKETS,
    });
    Some(Finding {
        verdict: Verdict::InsufficientData,
        decisive: Some(Role::HeapRaw),
        pooled: false,
        score: 0.0,
        reasons,
    })
}

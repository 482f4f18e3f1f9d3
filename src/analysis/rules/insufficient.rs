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
/// needs): garbage waiting for collection cannot be told from retained memory. Or the heap
/// as scraped is neither shown to grow nor shown flat (its GC sawtooth hides any trend the
/// window could show), its floor cannot be judged, and no series that holds the heap
/// (what the limit counts) is shown flat: the heap, most of the process's memory, is
/// unjudged, and calling the target stable would rest on the absence of evidence.
pub fn unresolved_heap(e: &Evidence, s: &AnalysisSettings) -> Option<Finding> {
    let raw = e.get(Role::HeapRaw)?;
    let floor = e.get(Role::HeapFloor);
    if floor.is_some_and(|c| c.status != Status::Insufficient) {
        return None;
    }
    let reasons = if raw.status.grows() {
        let mut reasons = super::growth::grows(e, raw, s);
        reasons.push(Reason::FloorUnresolved {
            series: raw.label.clone(),
            need: MIN_BUCKETS,
        });
        reasons
    } else if raw.status == Status::Undetermined && !heap_shown_flat_whole(e) {
        vec![Reason::HeapUnjudged {
            series: raw.label.clone(),
            rate: super::rate_of(raw, s),
            cycles: floor.map_or(0, |f| floor_points(e, f)),
            need: MIN_BUCKETS,
            wait_hours: wait_for_cycles(e, raw),
        }]
    } else {
        return None;
    };
    Some(Finding {
        verdict: Verdict::InsufficientData,
        decisive: Some(Role::HeapRaw),
        pooled: false,
        score: 0.0,
        reasons,
    })
}

/// A key series is shown to grow (its rate's lower bound above zero), but the window shows
/// neither that the growth matters (its rise is below materiality, and its regime is too
/// short to project its rate to the limit) nor that it does not (its rate's upper bound is
/// above the rate that would matter), and what the limit counts is not shown flat: calling
/// the target stable would rest on the absence of evidence. Page cache is reclaimable and
/// left to the cache rule. The wait is the regime's own length: twice the span doubles the
/// projection horizon and narrows the interval about threefold.
pub fn unresolved_growth(e: &Evidence, s: &AnalysisSettings) -> Option<Finding> {
    if heap_shown_flat_whole(e) {
        return None;
    }
    let c = KEY_ROLES
        .iter()
        .filter(|r| **r != Role::Cache)
        .filter_map(|r| e.get(*r))
        .find(|c| c.status == Status::Undetermined && c.rate_interval.low > 0.0)?;
    let span_hours = c.current.as_ref().map_or(0.0, |r| r.span_hours());
    Some(Finding {
        verdict: Verdict::InsufficientData,
        decisive: Some(c.role),
        pooled: false,
        score: 0.0,
        reasons: vec![Reason::GrowthUnresolved {
            series: c.label.clone(),
            rate: super::rate_of(c, s),
            flat_rate: c.materiality.flat_rate,
            span_hours,
            wait_hours: span_hours,
        }],
    })
}

/// Whether a series that holds the heap, what the limit counts, is shown not to grow.
fn heap_shown_flat_whole(e: &Evidence) -> bool {
    e.get(Role::Charged)
        .is_some_and(|c| c.status.shown_not_to_grow())
}

/// Points of the heap floor in the running process: one per GC cycle.
fn floor_points(e: &Evidence, floor: &Component) -> usize {
    e.signals
        .get(floor.signal)
        .and_then(|s| s.segments.last())
        .map_or(0, |seg| seg.points.len())
}

/// Hours until the running process has been observed over as many GC cycles as a floor
/// needs, when the heap's GC cycle is known.
fn wait_for_cycles(e: &Evidence, raw: &Component) -> Option<f64> {
    let seg = e.signals.get(raw.signal)?.segments.last()?;
    (seg.resolution > 0.0).then(|| {
        let needed = MIN_BUCKETS as f64 * seg.resolution / 3600.0;
        (needed - seg.points.span_hours()).max(0.0)
    })
}

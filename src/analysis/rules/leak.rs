//! leak: the heap floor or external memory grows (unless memory outside the heap grows
//! faster: then it is native growth); and cgroup usage growing when nothing splits it.

use super::growth::{grows, score};
use super::{Finding, attributable};
use crate::analysis::component::{Component, GrowthShape, Status};
use crate::analysis::evidence::Evidence;
use crate::analysis::roles::Role;
use crate::analysis::settings::AnalysisSettings;
use crate::analysis::signals::View;
use crate::analysis::words::Reason;
use crate::verdict::Verdict;

/// Memory outside the heap that grows straight on, faster than `rate`.
fn outpaced(e: &Evidence, rate: f64) -> Option<(String, f64)> {
    let r = e.get(Role::Resident)?;
    let outside = e.signals.get(r.signal)?.view == View::OutsideHeap;
    let straight = matches!(
        r.status,
        Status::Grows {
            shape: GrowthShape::Straight,
            ..
        }
    );
    let now = r.current.as_ref()?.rate().value;
    (outside && straight && attributable(e, r) && now > rate).then(|| (r.label.clone(), now))
}

/// The heap as scraped, averaged over whole GC cycles, standing in for a floor that is
/// neither shown to grow nor shown flat (its trend misfit, or too noisy): over a cycle the
/// mean heap is the floor plus half the garbage of a cycle, so when the garbage per cycle
/// is steady both grow at the same rate. Only when the heap was resolved at its GC cycle
/// (`signals::Segment::resolution`) and grows itself.
fn heap_standing_in(e: &Evidence) -> Option<&Component> {
    let floor = e.get(Role::HeapFloor)?;
    if floor.status != Status::Undetermined {
        return None;
    }
    let raw = e.get(Role::HeapRaw).filter(|c| attributable(e, c))?;
    let resolved = e
        .signals
        .get(raw.signal)
        .and_then(|s| s.segments.last())
        .is_some_and(|seg| seg.resolution > 0.0);
    resolved.then_some(raw)
}

pub fn rule(e: &Evidence, s: &AnalysisSettings) -> Option<Finding> {
    for role in [Role::HeapFloor, Role::External] {
        let own = e.get(role).filter(|c| attributable(e, c));
        let stand_in = (role == Role::HeapFloor && own.is_none())
            .then(|| heap_standing_in(e))
            .flatten();
        let Some(c) = own.or(stand_in) else {
            continue;
        };
        let role = c.role;
        let rate = c.current.as_ref()?.rate().value;
        if role != Role::External && outpaced(e, rate).is_some() {
            continue;
        }
        let mut reasons = grows(e, c, s);
        if let (Some(_), Some(floor)) = (stand_in, e.get(Role::HeapFloor)) {
            reasons.push(Reason::FloorStandIn {
                floor: floor.label.clone(),
                rate: super::rate_of(floor, s),
                series: c.label.clone(),
            });
        }
        if role == Role::External {
            reasons.push(Reason::ExternalAdvice);
        }
        return Some(Finding {
            verdict: Verdict::Leak,
            decisive: Some(role),
            pooled: false,
            score: score(c, s),
            reasons,
        });
    }
    None
}

/// Usage grows and nothing splits it into anonymous memory and page cache.
pub fn usage_alone(e: &Evidence, s: &AnalysisSettings) -> Option<Finding> {
    let split = [Role::Resident, Role::WorkingSet, Role::Cache]
        .iter()
        .any(|r| e.get(*r).is_some());
    let c = e
        .get(Role::Usage)
        .filter(|c| !split && attributable(e, c))?;
    let mut reasons = grows(e, c, s);
    reasons.push(Reason::UsageUnsplit);
    Some(Finding {
        verdict: Verdict::Leak,
        decisive: Some(Role::Usage),
        pooled: false,
        score: score(c, s),
        reasons,
    })
}

/// The reason naming what outpaces the heap floor, for the native rule.
pub fn outpacing(e: &Evidence) -> Option<Reason> {
    let heap = e.get(Role::HeapFloor)?;
    let heap_rate = heap.current.as_ref()?.rate().value;
    if !heap.status.grows() {
        return None;
    }
    let (outside, outside_rate) = outpaced(e, heap_rate)?;
    Some(Reason::OutsideOutpaces {
        outside,
        outside_rate,
        heap: heap.label.clone(),
        heap_rate,
    })
}

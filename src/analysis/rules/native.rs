//! native_growth: resident memory (outside the heap when that view exists) grows while
//! the heap floor and external memory do not; without any heap series the same growth
//! is a leak of the container that cannot be attributed.

use super::growth::{grows, score};
use super::leak::outpacing;
use super::{Finding, attributable, rate_of};
use crate::analysis::evidence::Evidence;
use crate::analysis::roles::Role;
use crate::analysis::settings::AnalysisSettings;
use crate::analysis::words::Reason;
use crate::verdict::Verdict;

pub fn rule(e: &Evidence, s: &AnalysisSettings) -> Option<Finding> {
    let c = e.get(Role::Resident).filter(|c| attributable(e, c))?;
    let mut reasons = grows(e, c, s);
    let heap = e.get(Role::HeapFloor).or_else(|| e.get(Role::HeapRaw));
    let Some(heap) = heap else {
        reasons.push(Reason::NoHeapSeries);
        return Some(Finding {
            verdict: Verdict::Leak,
            decisive: Some(Role::Resident),
            pooled: false,
            score: score(c, s),
            reasons,
        });
    };
    match outpacing(e) {
        Some(r) => reasons.push(r),
        None => reasons.push(Reason::Flat {
            series: heap.label.clone(),
            rate: rate_of(heap, s),
        }),
    }
    if let Some(x) = e.get(Role::External) {
        reasons.push(Reason::Flat {
            series: x.label.clone(),
            rate: rate_of(x, s),
        });
    }
    reasons.push(Reason::NativeAdvice);
    Some(Finding {
        verdict: Verdict::NativeGrowth,
        decisive: Some(Role::Resident),
        pooled: false,
        score: score(c, s),
        reasons,
    })
}

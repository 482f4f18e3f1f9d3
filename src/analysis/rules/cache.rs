//! cache_growth: resident memory does not grow, and the page cache grew (straight on or
//! levelling off) and explains at least `CACHE_SHARE` of the usage growth; or usage
//! grows while the working set (usage minus inactive file pages) does not.

use super::growth::{grows, score};
use super::{Finding, attributable, margin, rate_of};
use crate::analysis::component::{Component, Status};
use crate::analysis::evidence::Evidence;
use crate::analysis::roles::Role;
use crate::analysis::settings::{AnalysisSettings, CACHE_SHARE};
use crate::analysis::words::Reason;
use crate::verdict::Verdict;

fn rise(c: &Component) -> f64 {
    c.current.as_ref().map(|r| r.rise).unwrap_or(0.0)
}

/// Grew in its current regime: growing now, or risen and levelled off.
fn grew(e: &Evidence, c: &Component) -> bool {
    attributable(e, c) || c.status == Status::Levelled
}

pub fn rule(e: &Evidence, s: &AnalysisSettings) -> Option<Finding> {
    if e.get(Role::Resident).is_some_and(|r| attributable(e, r)) {
        return None;
    }
    let usage = e.get(Role::Usage);
    if let Some(cache) = e.get(Role::Cache).filter(|c| grew(e, c)) {
        let share = match usage.filter(|u| rise(u) > 0.0) {
            Some(u) => (rise(cache) / rise(u)).clamp(0.0, 1.0),
            None => 1.0,
        };
        if share >= CACHE_SHARE {
            let other = e.get(Role::Resident).map(|r| (r.label.clone(), rise(r)));
            let mut reasons = vec![Reason::CacheGrows {
                cache_change: rise(cache),
                other,
            }];
            match (&cache.current, cache.status) {
                (Some(r), Status::Levelled) => reasons.push(Reason::Levelled {
                    series: cache.label.clone(),
                    rise: r.rise,
                    span_hours: r.span_hours(),
                    rate: rate_of(cache, s),
                    flat_rate: cache.materiality.flat_rate,
                }),
                _ => reasons.extend(grows(e, cache, s)),
            }
            if usage.is_some() {
                reasons.push(Reason::CacheShare { share });
            }
            reasons.push(Reason::AlertOnWorkingSet);
            let growth_margin = if cache.status == Status::Levelled {
                margin(rise(cache) / cache.materiality.required_change)
            } else {
                score(cache, s)
            };
            return Some(Finding {
                verdict: Verdict::CacheGrowth,
                decisive: Some(Role::Cache),
                pooled: false,
                score: growth_margin.min(margin(share / CACHE_SHARE)),
                reasons,
            });
        }
    }
    let u = usage.filter(|u| attributable(e, u))?;
    let w = e.get(Role::WorkingSet).filter(|w| !w.status.grows())?;
    let mut reasons = vec![Reason::WorkingSetFlat {
        usage_change: rise(u),
        working_set_change: rise(w),
    }];
    reasons.extend(grows(e, u, s));
    reasons.push(Reason::AlertOnWorkingSet);
    Some(Finding {
        verdict: Verdict::CacheGrowth,
        decisive: Some(Role::Usage),
        pooled: false,
        score: score(u, s),
        reasons,
    })
}

//! leak by the limit: what a hard limit counts, as scraped and whole, grows so that even
//! at the low end of its rate it reaches the limit within the horizon, and no narrower
//! series attributed the growth (the heap floor has too few GC cycles to be judged, and
//! memory outside the heap does not grow). Whatever the memory is, the limit will kill
//! the process: the growth is a leak of the process, attributed to no part of it.

use super::growth::{grows, score};
use super::{Finding, attributable};
use crate::analysis::component::{MaterialBy, Status};
use crate::analysis::evidence::Evidence;
use crate::analysis::roles::Role;
use crate::analysis::settings::AnalysisSettings;
use crate::analysis::words::Reason;
use crate::verdict::Verdict;

pub fn rule(e: &Evidence, s: &AnalysisSettings) -> Option<Finding> {
    let c = e.get(Role::Charged).filter(|c| attributable(e, c))?;
    let by_limit = matches!(
        c.status,
        Status::Grows {
            by: MaterialBy::Limit | MaterialBy::Both,
            ..
        }
    );
    if !by_limit {
        return None;
    }
    let mut reasons = grows(e, c, s);
    if !matches!(
        c.status,
        Status::Grows {
            by: MaterialBy::Limit,
            ..
        }
    ) {
        reasons.push(Reason::MaterialByLimit {
            latest_hours: c
                .materiality
                .headroom
                .map_or(0.0, |h| (h / c.rate_interval.low).max(0.0)),
            horizon_hours: crate::analysis::component::horizon(
                s,
                c.current.as_ref().map_or(0.0, |r| r.span_hours()),
            ),
        });
    }
    reasons.push(Reason::LimitCounts {
        series: c.label.clone(),
        heap: e
            .get(Role::HeapFloor)
            .filter(|h| h.status == Status::Insufficient)
            .map(|h| h.label.clone()),
    });
    Some(Finding {
        verdict: Verdict::Leak,
        decisive: Some(Role::Charged),
        pooled: false,
        score: score(c, s),
        reasons,
    })
}

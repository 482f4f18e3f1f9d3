//! stable: nothing grows. Each key series says whether it was shown flat (its rate's
//! upper bound below materiality) or merely not shown to grow; a series that grows but
//! that no rule attributes is named, and the score falls with it.

use super::insufficient::KEY_ROLES;
use super::{Finding, margin, rate_of};
use crate::analysis::component::Status;
use crate::analysis::evidence::Evidence;
use crate::analysis::settings::AnalysisSettings;
use crate::analysis::words::Reason;
use crate::verdict::Verdict;

pub fn rule(e: &Evidence, s: &AnalysisSettings) -> Option<Finding> {
    Some(finding(e, s))
}

pub fn finding(e: &Evidence, s: &AnalysisSettings) -> Finding {
    let mut reasons = Vec::new();
    let mut score: f64 = 5.0;
    for c in KEY_ROLES.iter().filter_map(|r| e.get(*r)) {
        let flat_rate = c.materiality.flat_rate;
        let high = c.rate_interval.high;
        match c.status {
            Status::Insufficient => continue,
            Status::Grows { .. } => {
                reasons.push(Reason::Unattributed {
                    series: c.label.clone(),
                    rate: rate_of(c, s),
                });
                score = score.min(-margin(high / flat_rate).abs());
            }
            status => {
                let shown_flat = status.shown_not_to_grow();
                // A slow series (a heap floor) that cannot yet tell a warm-up from growth,
                // beside scraped series that show the process settled, is untested.
                reasons.push(Reason::NoGrowth {
                    series: c.label.clone(),
                    rate: rate_of(c, s),
                    flat_rate,
                    shown_flat,
                });
                let m = if high <= 0.0 {
                    5.0
                } else {
                    margin(flat_rate / high)
                };
                score = score.min(m);
            }
        }
    }
    Finding {
        verdict: Verdict::Stable,
        decisive: None,
        pooled: false,
        score,
        reasons,
    }
}

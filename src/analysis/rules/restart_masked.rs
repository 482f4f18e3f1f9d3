//! restart_masked_leak: restarts cut the series into segments, and after each warm-up
//! memory grows in them at one pooled rate that is significant and material per segment
//! (or reaches the limit), with at least `MASKED_SHARE` of the segments rising on their
//! own, and the running segment neither shown flat nor shown to grow slower than the
//! pattern (a fix deployed ends the pattern: the running build's own rate, at the upper
//! bound of its interval, below the pooled rate).

use super::{Finding, margin, rate};
use crate::analysis::component::{Status, horizon, materiality};
use crate::analysis::evidence::{Evidence, POOLED_ROLES};
use crate::analysis::settings::{AnalysisSettings, MASKED_SHARE, MIN_MASKED_SEGMENTS};
use crate::analysis::stats::tdist;
use crate::analysis::words::Reason;
use crate::verdict::Verdict;

pub fn rule(e: &Evidence, s: &AnalysisSettings) -> Option<Finding> {
    for role in POOLED_ROLES {
        let (Some(p), Some(c)) = (e.pooled.get(&role), e.get(role)) else {
            continue;
        };
        if matches!(c.status, Status::Flat | Status::Falls | Status::Levelled) {
            continue;
        }
        if p.segments < MIN_MASKED_SEGMENTS {
            continue;
        }
        let m = materiality(
            c.materiality.level,
            p.typical_span_hours,
            role,
            c.materiality.headroom,
            s,
        );
        let per_segment = p.rate.value * p.typical_span_hours;
        let by_level = per_segment >= m.required_change
            && p.rate.value * 24.0 >= s.min_relative_growth_per_day * m.level;
        let ahead = horizon(s, p.typical_span_hours * p.segments as f64);
        let by_limit = m
            .headroom
            .is_some_and(|h| p.rate_interval.low > 0.0 && h / p.rate_interval.low <= ahead);
        let share = p.rising as f64 / p.segments as f64;
        if !(p.rate_interval.low > 0.0 && (by_level || by_limit) && share >= MASKED_SHARE) {
            continue;
        }
        let q = tdist::upper_quantile(s.alpha / 2.0, p.rate.df);
        let t = if p.rate.se > 0.0 {
            p.rate.value / p.rate.se
        } else {
            f64::INFINITY
        };
        let score = margin(t / q)
            .min(margin(per_segment / m.required_change).max(if by_limit { 0.0 } else { -5.0 }))
            .min(margin(share / MASKED_SHARE));
        return Some(Finding {
            verdict: Verdict::RestartMaskedLeak,
            decisive: Some(role),
            pooled: true,
            score,
            reasons: vec![
                Reason::Pooled {
                    series: c.label.clone(),
                    restarts: e.restarts.len(),
                    segments: p.segments,
                    rising: p.rising,
                    rate: rate(p.rate.value, p.rate_interval, s),
                    p_value: tdist::two_sided(t, p.rate.df),
                },
                Reason::RestartsHide,
            ],
        });
    }
    None
}

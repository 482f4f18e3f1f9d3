//! What the growth rules share: the reason that a component grows, with its onset, and
//! the score of a growth finding.

use super::{margin, rate_of};
use crate::analysis::component::{Component, GrowthShape, MaterialBy, Status, horizon};
use crate::analysis::evidence::Evidence;
use crate::analysis::regime::Began;
use crate::analysis::settings::AnalysisSettings;
use crate::analysis::stats::tdist;
use crate::analysis::words::{Onset, Reason};

/// When the component's current regime began.
pub fn onset(e: &Evidence, c: &Component) -> Onset {
    let Some(r) = &c.current else {
        return Onset::WindowStart;
    };
    match r.began {
        Began::ChangePoint { .. } => Onset::ChangePoint(r.start),
        Began::StretchStart => {
            let segment = e.signals.get(c.signal).and_then(|s| s.segments.last());
            match segment {
                Some(seg) if seg.after_restart => {
                    let at = e
                        .restarts
                        .iter()
                        .copied()
                        .filter(|t| *t <= r.start + 1.0)
                        .fold(r.start, |_, t| t);
                    Onset::Restart(at)
                }
                _ => Onset::WindowStart,
            }
        }
    }
}

/// Two-sided p-value of the current rate.
pub fn p_value(c: &Component) -> f64 {
    c.current
        .as_ref()
        .map(|r| {
            let rate = r.rate();
            if rate.se > 0.0 {
                tdist::two_sided(rate.value / rate.se, rate.df)
            } else {
                1.0
            }
        })
        .unwrap_or(1.0)
}

/// The reasons that `c` grows: its rate since its onset, and why it is material.
pub fn grows(e: &Evidence, c: &Component, s: &AnalysisSettings) -> Vec<Reason> {
    let Some(r) = &c.current else {
        return Vec::new();
    };
    let mut out = vec![Reason::Grows {
        series: c.label.clone(),
        rate: rate_of(c, s),
        since: r.start,
        span_hours: r.span_hours(),
        onset: onset(e, c),
        p_value: p_value(c),
        slowing: matches!(
            c.status,
            Status::Grows {
                shape: GrowthShape::Slowing,
                ..
            }
        ),
    }];
    if let (
        Status::Grows {
            by: MaterialBy::Limit,
            ..
        },
        Some(h),
    ) = (c.status, c.materiality.headroom)
    {
        if c.rate_interval.low > 0.0 {
            out.push(Reason::MaterialByLimit {
                latest_hours: (h / c.rate_interval.low).max(0.0),
                horizon_hours: horizon(s, r.span_hours()),
            });
        }
    }
    out
}

/// The margin of a growth finding: the smaller of the significance margin (the rate's
/// t-statistic over its critical value) and the materiality margin (the rise over the
/// change required, or the horizon over the conservative time to the limit).
pub fn score(c: &Component, s: &AnalysisSettings) -> f64 {
    let Some(r) = &c.current else {
        return -5.0;
    };
    let rate = r.rate();
    let q = tdist::upper_quantile(s.alpha / 2.0, rate.df);
    let significance = if rate.se > 0.0 {
        margin(rate.value / rate.se / q)
    } else {
        5.0
    };
    let by_level = margin(r.rise / c.materiality.required_change);
    let by_limit = match c.materiality.headroom {
        Some(h) if c.rate_interval.low > 0.0 => {
            margin(horizon(s, r.span_hours()) / (h.max(0.0) / c.rate_interval.low).max(1e-9))
        }
        _ => -5.0,
    };
    significance.min(by_level.max(by_limit))
}

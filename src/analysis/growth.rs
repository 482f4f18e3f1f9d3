//! Whether one assessed stretch grows: significantly (corrected trend test), materially
//! (relative to its level and to a hard limit), and in which shape (straight on, or
//! bending towards a plateau).

use super::assess::Assessment;
use super::models::Fit;
use super::projection::Limit;
use super::trend::TrendResult;

/// A growth that would take longer than this to fill the headroom to a hard limit is
/// immaterial against that limit.
pub const LIMIT_HORIZON_DAYS: f64 = 365.0;

/// The thresholds a growth is judged by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub alpha: f64,
    pub min_relative_growth_per_day: f64,
    /// Smallest change of the level, as a fraction of it, that a window must show for
    /// its growth to count, however short the window.
    pub min_relative_change: f64,
    /// Smallest change in bytes that counts as growth, whatever the level.
    pub min_change_bytes: f64,
}

impl Thresholds {
    /// The change of the level (fraction of it) a stretch of `span_hours` must show:
    /// the per-day rate over the window, but never less than `min_relative_change`.
    /// Minutes of data extrapolated to a day would make any settling "material".
    pub fn required_relative_change(&self, span_hours: f64) -> f64 {
        (self.min_relative_growth_per_day * span_hours / 24.0).max(self.min_relative_change)
    }
}

/// How a growing stretch grows.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// No bending model beats the straight line: growth goes on.
    Straight,
    /// A bending model wins by `delta_aicc` and the recent slope is flat (or the
    /// asymptote lies below the limit).
    Bending {
        fit: Fit,
        delta_aicc: f64,
        recent_flat: bool,
    },
}

/// The growth verdict on one stretch.
#[derive(Debug, Clone, PartialEq)]
pub struct GrowthCheck {
    pub trend: TrendResult,
    /// Sen's slope, bytes per hour.
    pub rate: f64,
    /// Slope per day relative to the level.
    pub relative_per_day: f64,
    /// The change over the stretch relative to the level: the slope over its span, or
    /// a bending model's rise.
    pub relative_change: f64,
    /// The change the stretch had to show to be material, relative to the level: the
    /// larger of `required_relative_change` and `min_change_bytes` over the level.
    pub required_change: f64,
    pub significant: bool,
    pub material_to_level: bool,
    /// True when no hard limit is known.
    pub material_to_limit: bool,
    pub shape: Shape,
}

impl GrowthCheck {
    /// Significant and material: real growth.
    pub fn grows(&self) -> bool {
        self.significant && self.material_to_level && self.material_to_limit
    }

    /// Grows and keeps growing.
    pub fn grows_straight(&self) -> bool {
        self.grows() && matches!(self.shape, Shape::Straight)
    }

    /// Grows but bends towards a plateau.
    pub fn grows_bending(&self) -> bool {
        self.grows() && matches!(self.shape, Shape::Bending { .. })
    }

    /// Evidence of growth, 0..1: 1 - p for a rising trend, 0 otherwise.
    pub fn evidence(&self) -> f64 {
        if self.trend.slope > 0.0 {
            1.0 - self.trend.p_value
        } else {
            0.0
        }
    }

    /// Share of the slope's 95% interval below the materiality threshold, 0..1: how
    /// sure we are that the growth, if any, is immaterial. The threshold is the slope
    /// that would just make the required change over `span_hours`.
    pub fn flatness(&self, th: &Thresholds, level: f64, span_hours: f64) -> f64 {
        let threshold = if span_hours > 0.0 {
            th.required_relative_change(span_hours) * level.abs() / span_hours
        } else {
            th.min_relative_growth_per_day * level.abs() / 24.0
        };
        let [lo, hi] = self.trend.ci95;
        if hi <= threshold {
            1.0
        } else if lo >= threshold || hi <= lo {
            0.0
        } else {
            ((threshold - lo) / (hi - lo)).clamp(0.0, 1.0)
        }
    }

    /// How far past the materiality threshold the change is, 0..1:
    /// 1 - exp(-change / required).
    pub fn materiality(&self) -> f64 {
        if self.required_change > 0.0 {
            1.0 - (-self.relative_change.max(0.0) / self.required_change).exp()
        } else {
            1.0
        }
    }
}

fn rises(t: &TrendResult, th: &Thresholds, level: f64) -> bool {
    t.p_value < th.alpha
        && t.slope > 0.0
        && t.slope * 24.0 / level.abs().max(1.0) >= th.min_relative_growth_per_day
}

/// Judges one stretch. `headroom` is the limit minus the current level of what the
/// limit measures; `limit` decides whether materiality against it applies.
pub fn check(
    a: &Assessment,
    th: &Thresholds,
    limit: Option<&Limit>,
    headroom: Option<f64>,
) -> Option<GrowthCheck> {
    let trend = a.trend.clone()?;
    let rate = trend.slope;
    let relative_per_day = rate * 24.0 / a.level.abs().max(1.0);
    let significant = trend.p_value < th.alpha && rate > 0.0;
    let level = a.level.abs().max(1.0);
    let required_change = th
        .required_relative_change(a.span_hours())
        .max(th.min_change_bytes / level);
    let straight_change = rate * a.span_hours() / level;
    let material_to_limit = match (limit, headroom) {
        (Some(l), Some(h)) if l.is_hard() => h <= 0.0 || rate * 24.0 * LIMIT_HORIZON_DAYS >= h,
        _ => true,
    };
    let shape = match a.bending_beats_linear() {
        Some((fit, delta_aicc)) => {
            let recent_flat = a.recent.as_ref().is_none_or(|r| !rises(r, th, a.level));
            let below_limit = match (fit.model.asymptote(), limit, headroom) {
                (Some(asym), Some(_), Some(h)) => asym - a.last_level() < h,
                (Some(_), None, _) | (Some(_), Some(_), None) => true,
                _ => false,
            };
            if recent_flat || below_limit {
                Shape::Bending {
                    fit: fit.clone(),
                    delta_aicc,
                    recent_flat,
                }
            } else {
                Shape::Straight
            }
        }
        None => Shape::Straight,
    };
    // A bending growth is judged on the rise of its model, not on the whole-window
    // slope that its flat tail dilutes: the same required change over the window.
    let (relative_change, material_to_limit) = match &shape {
        Shape::Bending { fit, .. } => {
            let warm_up = a.span_hours() * super::assess::WARM_UP_FRACTION;
            let rise = fit.model.eval(a.end_hours()) - fit.model.eval(warm_up);
            (rise / level, true)
        }
        Shape::Straight => (straight_change, material_to_limit),
    };
    let material_to_level = relative_change >= required_change;
    Some(GrowthCheck {
        trend,
        rate,
        relative_per_day,
        relative_change,
        required_change,
        significant,
        material_to_level,
        material_to_limit,
        shape,
    })
}

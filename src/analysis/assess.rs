//! One stretch of one series, assessed: trend over the whole stretch and over its
//! recent part, and every competing model. Series and restart segments share this.

use super::models::{self, Fit, Model};
use super::prepare::{MAX_POINTS, Points};
use super::trend::{Correction, TrendResult, mann_kendall};

/// Fewest points a stretch needs before it is tested or fitted.
pub const MIN_POINTS: usize = 24;
/// Share of the stretch, at its end, whose slope decides whether growth has stopped.
pub const RECENT_FRACTION: f64 = 1.0 / 3.0;
/// ΔAICc beyond which one model is clearly better supported (Burnham and Anderson).
pub const DECISIVE_DELTA_AICC: f64 = 2.0;

/// The statistics of one stretch of points.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// Unix seconds of t = 0 for the models.
    pub origin: f64,
    pub start: f64,
    pub end: f64,
    /// Points before resampling.
    pub points: usize,
    /// Median of the values: the level growth is measured against.
    pub level: f64,
    /// The points tested and fitted (bucket means, at most `MAX_POINTS`).
    pub fitted: Points,
    /// Trend over the stretch; slopes per hour.
    pub trend: Option<TrendResult>,
    /// Trend over the recent part only.
    pub recent: Option<TrendResult>,
    pub fits: Vec<Fit>,
}

impl Assessment {
    pub fn of(points: &Points) -> Assessment {
        let fitted = points.resample(MAX_POINTS);
        let origin = points.start();
        let hours = fitted.hours_since(origin);
        let enough = fitted.len() >= MIN_POINTS;
        let trend = if enough {
            mann_kendall(&hours, &fitted.y, Correction::HamedRao)
        } else {
            None
        };
        let cut = fitted.start() + (fitted.end() - fitted.start()) * (1.0 - RECENT_FRACTION);
        let from = fitted.t.partition_point(|t| *t < cut);
        let recent = if enough && fitted.len() - from >= MIN_POINTS / 2 {
            mann_kendall(&hours[from..], &fitted.y[from..], Correction::HamedRao)
        } else {
            None
        };
        let fits = if enough {
            models::fit_all(&hours, &fitted.y)
        } else {
            Vec::new()
        };
        Assessment {
            origin,
            start: points.start(),
            end: points.end(),
            points: points.len(),
            level: points.median_value(),
            fitted,
            trend,
            recent,
            fits,
        }
    }

    pub fn span_hours(&self) -> f64 {
        (self.end - self.start) / 3600.0
    }

    /// Hours since the origin at the end of the stretch.
    pub fn end_hours(&self) -> f64 {
        (self.end - self.origin) / 3600.0
    }

    pub fn best(&self) -> Option<&Fit> {
        models::best(&self.fits)
    }

    pub fn fit(&self, name: &str) -> Option<&Fit> {
        models::find(&self.fits, name)
    }

    /// The level at the end: the median of the last tenth of the fitted points.
    pub fn last_level(&self) -> f64 {
        let n = self.fitted.len();
        if n == 0 {
            return self.level;
        }
        let from = n - (n / 10).max(1);
        let mut tail = self.fitted.y[from..].to_vec();
        let mid = tail.len() / 2;
        *tail.select_nth_unstable_by(mid, f64::total_cmp).1
    }

    /// Whether a model that bends (saturating, logarithmic, or piecewise with a slower
    /// second slope) beats the straight line by more than `DECISIVE_DELTA_AICC`.
    pub fn bending_beats_linear(&self) -> Option<(&Fit, f64)> {
        let linear = self.fit(models::LINEAR)?;
        let best = self
            .fits
            .iter()
            .filter(|f| bends(&f.model, self.end_hours()))
            .fold(None, |acc: Option<&Fit>, f| match acc {
                Some(b) if b.aicc <= f.aicc => Some(b),
                _ => Some(f),
            })?;
        let delta = linear.aicc - best.aicc;
        (delta > DECISIVE_DELTA_AICC).then_some((best, delta))
    }

    /// ΔAICc of the saturating model over the linear one (positive: linear is better).
    pub fn linear_advantage(&self) -> Option<f64> {
        let linear = self.fit(models::LINEAR)?;
        let saturating = self.fit(models::SATURATING)?;
        Some(saturating.aicc - linear.aicc)
    }

    /// Akaike weight of linear against saturating alone, 0..1.
    pub fn linear_weight(&self) -> f64 {
        match self.linear_advantage() {
            Some(d) => 1.0 / (1.0 + (-d / 2.0).exp()),
            None => 0.5,
        }
    }
}

/// Whether a model slows down within the window (so it is an alternative to a leak).
fn bends(model: &Model, end_hours: f64) -> bool {
    match *model {
        Model::Saturating { b, tau, .. } => b > 0.0 && tau < end_hours,
        Model::Logarithmic { b, c, .. } => b > 0.0 && c < end_hours,
        Model::Piecewise { b1, b2, .. } => b1 > 0.0 && b1 + b2 < 0.5 * b1,
        Model::Linear { .. } => false,
    }
}

//! Growth across restart segments: the pattern of a leak that restarts hide. Each
//! segment after its warm-up is pooled into one quasi-GLS regression with an intercept
//! per segment and one common slope (the blocked design of Hirsch, Slack and Smith 1982,
//! with the noise whitened within segments), so that segments too short to test one by
//! one are judged together.

use super::component::{Component, Interval, interval};
use super::regime::{after_warm_up, buckets_of};
use super::settings::{AnalysisSettings, MIN_POOLED_BUCKETS};
use super::signals::Signal;
use super::stats::bucket::Buckets;
use super::stats::design::{Design, cycle_periods};
use super::stats::gls::{self, Estimate};

/// The pooled trend of a role over its restart segments.
#[derive(Debug, Clone, PartialEq)]
pub struct Pooled {
    /// The common slope, bytes per hour.
    pub rate: Estimate,
    pub rate_interval: Interval,
    /// Segments pooled (after their warm-up, with at least `MIN_POOLED_BUCKETS`).
    pub segments: usize,
    /// Of those, how many rise on their own (positive least-squares slope).
    pub rising: usize,
    /// Median span of a pooled segment, hours.
    pub typical_span_hours: f64,
    /// Buckets pooled.
    pub buckets: usize,
}

/// Pools the restart segments of a component; `None` with fewer than two usable ones.
/// Segments too short to be fitted on their own are pooled whole.
pub fn pooled(c: &Component, signal: &Signal, s: &AnalysisSettings) -> Option<Pooled> {
    let parts: Vec<Buckets> = c
        .stretches
        .iter()
        .zip(&signal.segments)
        .map(|(stretch, segment)| match stretch {
            Some(fitted) => after_warm_up(fitted),
            None => buckets_of(&segment.points, segment.resolution),
        })
        .filter(|b| b.len() >= MIN_POOLED_BUCKETS)
        .collect();
    if parts.len() < 2 {
        return None;
    }
    let mut all = parts[0].clone();
    let mut starts = vec![0usize];
    for p in &parts[1..] {
        starts.push(all.len());
        all.append_run(p);
    }
    let span = all.span_hours();
    let width = parts.iter().map(|p| p.width_hours).fold(0.0, f64::max);
    let design = Design {
        segment_starts: starts,
        hinges: Vec::new(),
        decay: None,
        periods: cycle_periods(span, width),
    };
    let fit = gls::fit(&all, &design)?;
    let rate = fit.slope(0);
    let rising = parts
        .iter()
        .filter(|p| least_squares_slope(p) > 0.0)
        .count();
    let mut spans: Vec<f64> = parts.iter().map(Buckets::span_hours).collect();
    spans.sort_by(f64::total_cmp);
    Some(Pooled {
        rate,
        rate_interval: interval(&rate, s.alpha),
        segments: parts.len(),
        rising,
        typical_span_hours: spans[spans.len() / 2],
        buckets: all.len(),
    })
}

fn least_squares_slope(b: &Buckets) -> f64 {
    let n = b.len() as f64;
    let mt = b.t.iter().sum::<f64>() / n;
    let my = b.y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (t, y) in b.t.iter().zip(&b.y) {
        sxy += (t - mt) * (y - my);
        sxx += (t - mt) * (t - mt);
    }
    if sxx > 0.0 { sxy / sxx } else { 0.0 }
}

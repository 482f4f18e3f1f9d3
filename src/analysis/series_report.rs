//! Turns a signal and its fitted stretches into the report's plain data: summary, the
//! trend model the verdict rests on (change points, load cycles excluded) with its
//! projection, the competing models for comparison, the current regime's trend test, the
//! restart segments and chart samples.

use super::component::interval;
use super::models::{self, Fit};
use super::points::MAX_CHART_POINTS;
use super::regime::Stretch;
use super::signals::Signal;
use super::stats::tdist;
use crate::report::{ModelFit, SegmentInfo, SeriesReport, SeriesSummary, Trend};
use std::collections::BTreeMap;

/// The name of the model the verdict rests on.
pub const TREND_MODEL: &str = "trend";
/// Points of the projection beyond the window.
pub const PROJECTION_POINTS: usize = 20;

fn finite(v: f64) -> f64 {
    if v.is_finite() { v } else { 0.0 }
}

/// The current regime's trend test.
pub fn trend_report(stretch: &Stretch, alpha: f64) -> Option<Trend> {
    let regime = stretch.current()?;
    let rate = regime.rate();
    // Memory is counted in whole bytes: buckets that all lie within one byte of each other
    // hold no variation, and a trend in them is rounding.
    let (low, high) = stretch
        .buckets
        .y
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), y| {
            (l.min(*y), h.max(*y))
        });
    let varies = high - low >= 1.0;
    let resolved = varies && rate.se > 0.0 && rate.df > 0.0;
    let t = if resolved { rate.value / rate.se } else { 0.0 };
    // A series without variation (a constant) gives no evidence of a trend: p = 1.
    let p = if resolved {
        tdist::two_sided(t, rate.df)
    } else {
        1.0
    };
    let ci95 = interval(&rate, 0.05);
    Some(Trend {
        method: "quasi_gls_change_points".to_string(),
        z: finite(t),
        p_value: if p.is_finite() { p } else { 1.0 },
        slope_per_hour: if varies { finite(rate.value) } else { 0.0 },
        ci95: [finite(ci95.low), finite(ci95.high)],
        n: regime.buckets,
        n_effective: finite(stretch.fit.n_effective),
        significant: p < alpha,
    })
}

/// The trend model: the fitted trend at every bucket of the stretch, and, when given, its
/// projection at the current rate for `projection_hours` beyond the end.
fn trend_model(stretch: &Stretch, projection_hours: Option<f64>) -> ModelFit {
    let fit = &stretch.fit;
    let mut curve: Vec<[f64; 2]> = stretch
        .buckets
        .t
        .iter()
        .map(|h| [stretch.unix(*h), finite(fit.level(*h).value)])
        .collect();
    let end = stretch.buckets.t.last().copied().unwrap_or(0.0);
    if let (Some(p), Some(r)) = (
        projection_hours.filter(|p| *p > 0.0 && p.is_finite()),
        stretch.current(),
    ) {
        let base = fit.level(end).value;
        let rate = r.rate().value;
        for i in 1..=PROJECTION_POINTS {
            let h = p * i as f64 / PROJECTION_POINTS as f64;
            curve.push([stretch.unix(end + h), finite(base + rate * h)]);
        }
    }
    let mut params: BTreeMap<String, f64> = BTreeMap::new();
    params.insert("t0_unix_seconds".to_string(), stretch.buckets.origin);
    for (k, h) in fit.design.hinges.iter().enumerate() {
        params.insert(format!("change_point_{}_hours", k + 1), *h);
    }
    for (j, piece) in stretch.pieces.iter().enumerate() {
        params.insert(format!("slope_{}", j + 1), finite(piece.slope.value));
    }
    params.insert("persistence".to_string(), fit.persistence.alpha);
    ModelFit {
        name: TREND_MODEL.to_string(),
        formula: "y = a + b*t + sum c_k*max(0, t - tk) + load cycles, quasi-GLS with AR noise (t in hours since t0)".to_string(),
        params,
        rss: finite(fit.solution.rss),
        aicc: 0.0,
        bic: 0.0,
        delta_aicc: 0.0,
        weight: 0.0,
        curve,
    }
}

fn rival(f: &Fit, stretch: &Stretch, from: f64) -> ModelFit {
    let curve = stretch
        .buckets
        .t
        .iter()
        .filter(|h| **h >= from)
        .map(|h| [stretch.unix(*h), finite(f.model.eval(h - from))])
        .collect();
    let mut params: BTreeMap<String, f64> = f
        .model
        .params()
        .into_iter()
        .map(|(k, v)| (k.to_string(), finite(v)))
        .collect();
    params.insert("t0_unix_seconds".to_string(), stretch.unix(from));
    ModelFit {
        name: f.model.name().to_string(),
        formula: f.model.formula().to_string(),
        params,
        rss: finite(f.rss),
        aicc: finite(f.aicc),
        bic: finite(f.bic),
        delta_aicc: finite(f.delta_aicc),
        weight: finite(f.weight),
        curve,
    }
}

/// The competing shapes (linear, saturating, logarithmic, piecewise) fitted to the
/// current regime, for the reader to compare; they describe, the trend model decides.
fn rivals(stretch: &Stretch) -> Vec<ModelFit> {
    let Some(regime) = stretch.current() else {
        return Vec::new();
    };
    let from = (regime.start - stretch.buckets.origin) / 3600.0;
    let k = stretch.buckets.position(from);
    let t: Vec<f64> = stretch.buckets.t[k..].iter().map(|h| h - from).collect();
    let y = &stretch.buckets.y[k..];
    if t.len() < super::settings::MIN_BUCKETS {
        return Vec::new();
    }
    models::fit_all(&t, y)
        .iter()
        .map(|f| rival(f, stretch, from))
        .collect()
}

/// The report of one signal. `current` is the fit of its last segment; `projection_hours`
/// extends the trend beyond the window for the series the verdict rests on.
pub fn series_report(
    signal: &Signal,
    stretches: &[Option<Stretch>],
    alpha: f64,
    projection_hours: Option<f64>,
) -> SeriesReport {
    let p = &signal.points;
    let n = p.len().max(1) as f64;
    let summary = SeriesSummary {
        first: p.y.first().copied().unwrap_or(0.0),
        last: p.y.last().copied().unwrap_or(0.0),
        min: finite(p.y.iter().copied().fold(f64::INFINITY, f64::min)),
        max: finite(p.y.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
        mean: p.y.iter().sum::<f64>() / n,
        start: p.start(),
        end: p.end(),
    };
    let current = stretches.last().and_then(|s| s.as_ref());
    let mut models = Vec::new();
    if let Some(stretch) = current {
        models.push(trend_model(stretch, projection_hours));
        models.extend(rivals(stretch));
    }
    let segments = signal
        .segments
        .iter()
        .zip(stretches)
        .map(|(seg, st)| SegmentInfo {
            start: seg.points.start(),
            end: seg.points.end(),
            points: seg.points.len(),
            slope_per_hour: st
                .as_ref()
                .and_then(|s| s.current())
                .map(|r| finite(r.rate().value)),
        })
        .collect();
    SeriesReport {
        kind: signal.kind.as_str().to_string(),
        space: (!signal.space.is_empty()).then(|| signal.space.clone()),
        view: signal.view.as_str().to_string(),
        points: p.len(),
        summary,
        selected_model: current.map(|_| TREND_MODEL.to_string()),
        models,
        trend: current.and_then(|s| trend_report(s, alpha)),
        segments,
        samples: p.chart_samples(MAX_CHART_POINTS),
        role: None,
        status: None,
    }
}

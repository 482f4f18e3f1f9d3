//! Turns analysed series into the report's plain data: summaries, models with their
//! curves (and the projection beyond the window), trends, segments, chart samples.

use super::assess::Assessment;
use super::models::Fit;
use super::prepare::MAX_CHART_POINTS;
use super::signals::Analysed;
use super::trend::TrendResult;
use crate::report::{ModelFit, SegmentInfo, SeriesReport, SeriesSummary, Trend};
use std::collections::BTreeMap;

/// Points per fitted curve inside the window.
pub const CURVE_POINTS: usize = 80;
/// Points of the projection beyond the window.
pub const PROJECTION_POINTS: usize = 20;

/// Finite or zero: JSON has no NaN.
fn finite(v: f64) -> f64 {
    if v.is_finite() { v } else { 0.0 }
}

pub fn trend_report(t: &TrendResult, alpha: f64) -> Trend {
    Trend {
        method: "mann_kendall_hamed_rao".to_string(),
        z: finite(t.z),
        p_value: finite(t.p_value),
        slope_per_hour: finite(t.slope),
        ci95: [finite(t.ci95[0]), finite(t.ci95[1])],
        n: t.n,
        n_effective: finite(t.n_effective),
        significant: t.p_value < alpha,
    }
}

fn curve(fit: &Fit, a: &Assessment, from_h: f64, to_h: f64, points: usize) -> Vec<[f64; 2]> {
    if points < 2 || to_h <= from_h {
        return Vec::new();
    }
    (0..points)
        .map(|i| {
            let h = from_h + (to_h - from_h) * i as f64 / (points - 1) as f64;
            [a.origin + h * 3600.0, finite(fit.model.eval(h))]
        })
        .collect()
}

fn model_fit(fit: &Fit, a: &Assessment, projection_hours: Option<f64>) -> ModelFit {
    let end = a.end_hours();
    let mut points = curve(fit, a, 0.0, end, CURVE_POINTS);
    if let Some(p) = projection_hours.filter(|p| *p > 0.0 && p.is_finite()) {
        points.extend(
            curve(fit, a, end, end + p, PROJECTION_POINTS + 1)
                .into_iter()
                .skip(1),
        );
    }
    let mut params: BTreeMap<String, f64> = fit
        .model
        .params()
        .into_iter()
        .map(|(k, v)| (k.to_string(), finite(v)))
        .collect();
    params.insert("t0_unix_seconds".to_string(), a.origin);
    ModelFit {
        name: fit.model.name().to_string(),
        formula: fit.model.formula().to_string(),
        params,
        rss: finite(fit.rss),
        aicc: finite(fit.aicc),
        bic: finite(fit.bic),
        delta_aicc: finite(fit.delta_aicc),
        weight: finite(fit.weight),
        curve: points,
    }
}

/// The report of one analysed series. `projection_hours` extends the selected model's
/// curve beyond the window (towards the limit, for the series the verdict rests on).
pub fn series_report(a: &Analysed, alpha: f64, projection_hours: Option<f64>) -> SeriesReport {
    let w = &a.whole;
    let p = &a.points;
    let n = p.len().max(1) as f64;
    let summary = SeriesSummary {
        first: p.y.first().copied().unwrap_or(0.0),
        last: p.y.last().copied().unwrap_or(0.0),
        min: p.y.iter().copied().fold(f64::INFINITY, f64::min),
        max: p.y.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        mean: p.y.iter().sum::<f64>() / n,
        start: p.start(),
        end: p.end(),
    };
    let summary = SeriesSummary {
        min: finite(summary.min),
        max: finite(summary.max),
        ..summary
    };
    let selected = w.best().map(|f| f.model.name().to_string());
    let models = w
        .fits
        .iter()
        .map(|f| {
            let is_selected = selected.as_deref() == Some(f.model.name());
            model_fit(f, w, if is_selected { projection_hours } else { None })
        })
        .collect();
    let segments = a
        .segments
        .iter()
        .map(|s| SegmentInfo {
            start: s.start,
            end: s.end,
            points: s.points,
            slope_per_hour: s.trend.as_ref().map(|t| finite(t.slope)),
        })
        .collect();
    SeriesReport {
        kind: a.kind.as_str().to_string(),
        space: (!a.space.is_empty()).then(|| a.space.clone()),
        view: a.view.as_str().to_string(),
        points: p.len(),
        summary,
        models,
        selected_model: selected,
        trend: w.trend.as_ref().map(|t| trend_report(t, alpha)),
        segments,
        samples: p.chart_samples(MAX_CHART_POINTS),
    }
}

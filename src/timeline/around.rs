//! What a series did around a moment: its median level and least-squares slope in the
//! stretch before and the stretch after.

use crate::frame::TidySeries;
use crate::report::SeriesAround;
use crate::target::Target;

/// Longest stretch looked at on each side of an event, seconds.
pub const MAX_SPAN_SECONDS: f64 = 6.0 * 3600.0;
/// Fewest samples on a side for its level and slope.
pub const MIN_POINTS: usize = 3;

/// The stretch on each side: a tenth of the window, at most six hours.
pub fn span_for(window: (f64, f64)) -> f64 {
    ((window.1 - window.0) / 10.0).clamp(0.0, MAX_SPAN_SECONDS)
}

fn label(s: &TidySeries) -> String {
    if s.key.space.is_empty() {
        s.key.kind.as_str().to_string()
    } else {
        format!("{}{{{}}}", s.key.kind.as_str(), s.key.space)
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// Least-squares slope of `v` over `t` (seconds), per hour; `None` for a zero time spread.
fn slope_per_hour(t: &[f64], v: &[f64]) -> Option<f64> {
    let n = t.len() as f64;
    let mt = t.iter().sum::<f64>() / n;
    let mv = v.iter().sum::<f64>() / n;
    let sxx: f64 = t.iter().map(|x| (x - mt).powi(2)).sum();
    let sxy: f64 = t.iter().zip(v).map(|(x, y)| (x - mt) * (y - mv)).sum();
    (sxx > 0.0).then(|| sxy / sxx * 3600.0)
}

/// Level and slope of the samples with `from <= t < to`; `None` with too few.
fn stretch(t: &[f64], v: &[f64], from: f64, to: f64) -> (Option<f64>, Option<f64>) {
    let a = t.partition_point(|x| *x < from);
    let b = t.partition_point(|x| *x < to);
    if b < a + MIN_POINTS {
        return (None, None);
    }
    let (ts, vs) = (&t[a..b], &v[a..b]);
    (Some(median(&mut vs.to_vec())), slope_per_hour(ts, vs))
}

/// Every memory series of `target` around `at`, each side `span` seconds long. The
/// sample at `at` itself belongs to the stretch after.
pub fn series_around(target: &Target, at: f64, span: f64) -> Vec<SeriesAround> {
    if span <= 0.0 {
        return Vec::new();
    }
    target
        .series
        .iter()
        .filter(|s| s.key.kind.is_memory_level())
        .filter_map(|s| {
            let (t, v) = s.finite_points();
            let (level_before, slope_before) = stretch(&t, &v, at - span, at);
            let (level_after, slope_after) = stretch(&t, &v, at, at + span);
            if level_before.is_none() && level_after.is_none() {
                return None;
            }
            Some(SeriesAround {
                service: target.service.clone(),
                host: target.host.clone(),
                series: label(s),
                level_before,
                level_after,
                slope_before,
                slope_after,
                span_seconds: span,
            })
        })
        .collect()
}

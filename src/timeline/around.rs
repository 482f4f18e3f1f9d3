//! What a series did around a moment: its median level and least-squares slope in the
//! stretch before and the stretch after, read beyond the report's window when the input
//! holds data there, and a plain reason when a side has none.

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

/// What the stretches around an event can read beyond the report's window.
#[derive(Debug, Clone, Copy, Default)]
pub enum Beyond<'a> {
    /// Nothing: the window is all the input holds.
    #[default]
    Nothing,
    /// Only the window was fetched from a server: what came before or after it was
    /// never asked for.
    NotFetched,
    /// The input's series around the window (offline input cut to it), by target.
    Input(&'a [Target]),
}

impl<'a> Beyond<'a> {
    /// The series to read around events of `target`: the input's beyond the window
    /// when there are some for the same service and host, else the window's own.
    pub fn of(self, target: &'a Target) -> &'a Target {
        match self {
            Beyond::Input(targets) => targets
                .iter()
                .find(|t| t.service == target.service && t.host == target.host)
                .unwrap_or(target),
            Beyond::Nothing | Beyond::NotFetched => target,
        }
    }

    /// Why a side has no level, in plain words: `before` tells the side, `outside`
    /// whether its stretch reaches past the window's edge.
    fn reason(self, before: bool, outside: bool) -> String {
        match (self, before, outside) {
            (Beyond::NotFetched, true, true) => "nothing was fetched before the window's start; \
                start the window earlier (--start, --range) to see what came before"
                .to_string(),
            (Beyond::NotFetched, false, true) => "nothing was fetched after the window's end; \
                end the window later (--end) to see what came after"
                .to_string(),
            (_, true, _) => "no data before".to_string(),
            (_, false, _) => "no data after".to_string(),
        }
    }
}

/// Every memory series of `target` around `at`, each side `span` seconds long, read
/// from what `beyond` holds of the target when it holds some. The sample at `at` itself
/// belongs to the stretch after. `window` is the report's, in Unix seconds.
pub fn series_around(
    target: &Target,
    at: f64,
    span: f64,
    window: (f64, f64),
    beyond: Beyond<'_>,
) -> Vec<SeriesAround> {
    if span <= 0.0 {
        return Vec::new();
    }
    let seen = beyond.of(target);
    seen.series
        .iter()
        .filter(|s| s.key.kind.is_memory_level())
        .filter_map(|s| {
            let (t, v) = s.finite_points();
            let (level_before, slope_before) = stretch(&t, &v, at - span, at);
            let (level_after, slope_after) = stretch(&t, &v, at, at + span);
            let missing = match (level_before, level_after) {
                (None, None) => return None,
                (None, Some(_)) => Some(beyond.reason(true, at - span < window.0)),
                (Some(_), None) => Some(beyond.reason(false, at + span > window.1)),
                (Some(_), Some(_)) => None,
            };
            Some(SeriesAround {
                service: target.service.clone(),
                host: target.host.clone(),
                series: label(s),
                level_before,
                level_after,
                slope_before,
                slope_after,
                span_seconds: span,
                missing,
            })
        })
        .collect()
}

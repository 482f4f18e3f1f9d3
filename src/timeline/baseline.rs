//! Before and after: the same subject analysed over a baseline window and over the
//! report's window, compared per target and series: the growth rate in each with its
//! interval, whether it changed significantly, the level shift, the verdict in each.
//!
//! The rates are the per-series slopes of the current regime in each of the two reports
//! with their 95% intervals: the engine's quasi-GLS fit with autoregressive errors (change
//! points and load cycles in the trend, the coefficient covariance scaled by the long-run
//! variance of the whitened residuals). A report carries intervals, not
//! standard errors, so each standard error is derived from its interval's width,
//! `(high - low) / (2 × 1.96)`; the change, after minus before, has the standard error
//! `sqrt(se_before² + se_after²)` and is tested with a two-sided z test at 5%, which is the
//! same as asking whether its 95% interval excludes zero.

use super::Mark;
use crate::report::{
    BaselineComparison, Rate, RateChange, Report, SeriesReport, TargetChange, TargetReport,
};
use crate::units::parse_timestamp;
use statrs::distribution::{ContinuousCDF, Normal};
use std::collections::BTreeSet;

/// Confidence level of every interval here.
pub const LEVEL: f64 = 0.95;
/// The standard normal quantile of `LEVEL` (two-sided).
pub const Z95: f64 = 1.959_963_984_540_054;

const METHOD: &str = "per-series slope of the current regime in each window with its 95% \
    interval (quasi-GLS regression with autoregressive errors, change points and load cycles \
    in the trend); standard error = interval width / (2 × 1.96); \
    change = after - before with standard error sqrt(se_before² + se_after²); \
    two-sided z test at 5% (significant when the change's 95% interval excludes zero)";

/// `heap_used floor`, `heap_space_used{old} floor`, `process_rss outside heap`,
/// `cgroup_cache`: the names the verdict engine gives its series.
pub fn series_name(s: &SeriesReport) -> String {
    let mut name = s.kind.clone();
    if let Some(space) = &s.space {
        name.push_str(&format!("{{{space}}}"));
    }
    if s.view != "raw" {
        name.push(' ');
        name.push_str(&s.view.replace('_', " "));
    }
    name
}

fn rate(s: &SeriesReport) -> Option<Rate> {
    let t = s.trend.as_ref()?;
    let [low, high] = t.ci95;
    if !(t.slope_per_hour.is_finite() && low.is_finite() && high.is_finite()) {
        return None;
    }
    Some(Rate {
        bytes_per_hour: t.slope_per_hour,
        interval: [low, high],
        standard_error: ((high - low) / (2.0 * Z95)).max(0.0),
    })
}

/// Compares one series; either side may be missing.
pub fn compare_series(
    name: String,
    before: Option<&SeriesReport>,
    after: Option<&SeriesReport>,
) -> RateChange {
    let (rb, ra) = (before.and_then(rate), after.and_then(rate));
    let level_before = before.map(|s| s.summary.mean).filter(|m| m.is_finite());
    let level_after = after.map(|s| s.summary.mean).filter(|m| m.is_finite());
    let mut out = RateChange {
        series: name,
        level_before,
        level_after,
        level_shift: level_before.zip(level_after).map(|(b, a)| a - b),
        ..RateChange::default()
    };
    if let (Some(b), Some(a)) = (&rb, &ra) {
        let change = a.bytes_per_hour - b.bytes_per_hour;
        let se = (a.standard_error.powi(2) + b.standard_error.powi(2)).sqrt();
        out.change = Some(change);
        out.change_interval = Some([change - Z95 * se, change + Z95 * se]);
        if se > 0.0 {
            let z = change / se;
            let p = Normal::standard().sf(z.abs()) * 2.0;
            out.z = Some(z);
            out.p_value = Some(p.clamp(0.0, 1.0));
            out.significant = p < 1.0 - LEVEL;
        } else {
            // Both intervals have no width (noiseless data): any change is certain.
            out.significant = change != 0.0;
        }
    }
    out.before = rb;
    out.after = ra;
    out
}

/// The series the verdict rests on: the one of the current regime, else the one the
/// growth names (a kind: its floor first; or a series name).
fn decisive(t: &TargetReport) -> Option<String> {
    let named = |name: &str| {
        t.series
            .iter()
            .map(series_name)
            .find(|n| n.as_str() == name)
    };
    if let Some(found) = t.current_regime.as_ref().and_then(|r| named(&r.series)) {
        return Some(found);
    }
    let kind = &t.growth.as_ref()?.kind;
    let of_kind = || t.series.iter().filter(|s| &s.kind == kind);
    of_kind()
        .find(|s| s.view == "floor")
        .or_else(|| of_kind().next())
        .map(series_name)
        .or_else(|| named(kind))
}

/// `heap_used` of `heap_used floor`, `heap_space_used` of `heap_space_used{old} floor`.
fn kind_of(name: &str) -> &str {
    name.split([' ', '{']).next().unwrap_or(name)
}

fn find_series<'a>(t: Option<&'a TargetReport>, name: &str) -> Option<&'a SeriesReport> {
    t?.series.iter().find(|s| series_name(s) == name)
}

fn find_target<'a>(r: &'a Report, key: (&str, &str)) -> Option<&'a TargetReport> {
    r.targets
        .iter()
        .find(|t| (t.service.as_str(), t.host.as_str()) == key)
}

fn compare_target(before: Option<&TargetReport>, after: Option<&TargetReport>) -> TargetChange {
    let any = after.or(before);
    let mut names: Vec<String> = Vec::new();
    for t in [after, before].into_iter().flatten() {
        for s in &t.series {
            let name = series_name(s);
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    let series: Vec<RateChange> = names
        .into_iter()
        .map(|name| {
            let (b, a) = (find_series(before, &name), find_series(after, &name));
            compare_series(name, b, a)
        })
        .collect();
    // The series a verdict rests on; else the clearest change.
    let strongest = || {
        series
            .iter()
            .filter(|c: &&RateChange| c.change.is_some())
            .max_by(|a, b| {
                let z = |c: &RateChange| c.z.map_or(0.0, f64::abs);
                z(a).total_cmp(&z(b))
            })
            .map(|c| c.series.clone())
    };
    // A decisive series without a rate in one window (the engine fits no trend to a
    // floor it does not judge) gives way to a series of its kind that has both.
    let compared = |name: &String| {
        series
            .iter()
            .any(|c| &c.series == name && c.change.is_some())
    };
    let kin = |name: &String| {
        series
            .iter()
            .find(|c| c.change.is_some() && kind_of(&c.series) == kind_of(name))
            .map(|c| c.series.clone())
    };
    let candidates: Vec<String> = [after, before]
        .into_iter()
        .flatten()
        .filter_map(decisive)
        .collect();
    let decisive = candidates
        .iter()
        .find_map(|n| if compared(n) { Some(n.clone()) } else { kin(n) })
        .or_else(|| candidates.first().cloned())
        .or_else(strongest);
    TargetChange {
        service: any.map(|t| t.service.clone()).unwrap_or_default(),
        host: any.map(|t| t.host.clone()).unwrap_or_default(),
        verdict_before: before.map(|t| t.verdict),
        verdict_after: after.map(|t| t.verdict),
        decisive,
        series,
    }
}

/// Compares `after` (the report's window) with `before` (the baseline window). `marks`
/// name the boundary: the last mark between the baseline's end and the window's start.
pub fn compare(before: &Report, after: &Report, marks: &[Mark]) -> BaselineComparison {
    let keys: BTreeSet<(&str, &str)> = before
        .targets
        .iter()
        .chain(&after.targets)
        .map(|t| (t.service.as_str(), t.host.as_str()))
        .collect();
    let targets = keys
        .into_iter()
        .map(|key| compare_target(find_target(before, key), find_target(after, key)))
        .collect();
    let gap = (
        parse_timestamp(&before.window.end).unwrap_or(f64::NAN),
        parse_timestamp(&after.window.start).unwrap_or(f64::NAN),
    );
    let slack = after.window.step_seconds.max(before.window.step_seconds);
    let boundary = marks
        .iter()
        .filter(|m| m.unix_seconds >= gap.0 - slack && m.unix_seconds <= gap.1 + slack)
        .max_by(|a, b| a.unix_seconds.total_cmp(&b.unix_seconds))
        .map(|m| m.label.clone());
    BaselineComparison {
        window: before.window.clone(),
        level: LEVEL,
        method: METHOD.to_string(),
        boundary,
        targets,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{SeriesSummary, Trend};

    fn series(slope: f64, half_width: f64, mean: f64) -> SeriesReport {
        SeriesReport {
            kind: "heap_used".into(),
            space: None,
            view: "floor".into(),
            points: 100,
            summary: SeriesSummary {
                mean,
                ..SeriesSummary::default()
            },
            models: Vec::new(),
            selected_model: None,
            trend: Some(Trend {
                method: "mann_kendall_hamed_rao".into(),
                z: 0.0,
                p_value: 0.5,
                slope_per_hour: slope,
                ci95: [slope - half_width, slope + half_width],
                n: 100,
                n_effective: 50.0,
                significant: false,
            }),
            segments: Vec::new(),
            samples: Vec::new(),
            ..SeriesReport::default()
        }
    }

    #[test]
    fn a_change_beyond_both_intervals_is_significant() {
        let c = compare_series(
            "heap_used floor".into(),
            Some(&series(100.0, Z95 * 200.0, 1e8)),
            Some(&series(6000.0, Z95 * 200.0, 1.2e8)),
        );
        let change = c.change.expect("both sides");
        assert_eq!(change, 5900.0);
        let [low, high] = c.change_interval.expect("interval");
        // se = 200 per side, sqrt(2) * 200 combined.
        assert!((high - low - 2.0 * Z95 * 200.0 * 2f64.sqrt()).abs() < 1e-6);
        assert!(c.significant);
        assert!(c.p_value.is_some_and(|p| p < 1e-6));
        assert_eq!(c.level_shift, Some(2e7));
    }

    #[test]
    fn overlapping_rates_are_not_a_change() {
        let c = compare_series(
            "heap_used floor".into(),
            Some(&series(100.0, 392.0, 1e8)),
            Some(&series(300.0, 392.0, 1e8)),
        );
        assert!(!c.significant);
        assert!(c.p_value.is_some_and(|p| p > 0.3), "{c:?}");
        assert!(c.change_interval.is_some_and(|[l, h]| l < 0.0 && h > 0.0));
    }

    #[test]
    fn the_decisive_series_is_the_current_regimes_else_the_growths() {
        use crate::report::{Growth, Regime};
        let raw = SeriesReport {
            view: "raw".into(),
            ..series(1.0, 1.0, 5.0)
        };
        let rss = SeriesReport {
            kind: "process_rss".into(),
            view: "outside_heap".into(),
            ..series(1.0, 1.0, 5.0)
        };
        let mut t = TargetReport {
            series: vec![raw, series(1.0, 1.0, 5.0), rss],
            growth: Some(Growth {
                kind: "heap_used".into(),
                ..Growth::default()
            }),
            ..TargetReport::default()
        };
        // A kind: its floor first.
        assert_eq!(decisive(&t).as_deref(), Some("heap_used floor"));
        // A series name, as the engine gives it.
        t.growth.as_mut().expect("growth").kind = "process_rss outside heap".into();
        assert_eq!(decisive(&t).as_deref(), Some("process_rss outside heap"));
        // The current regime's series wins.
        t.current_regime = Some(Regime {
            series: "heap_used".into(),
            ..Regime::default()
        });
        assert_eq!(decisive(&t).as_deref(), Some("heap_used"));
    }

    #[test]
    fn a_series_in_one_window_only_has_no_change() {
        let c = compare_series("x".into(), None, Some(&series(1.0, 1.0, 5.0)));
        assert!(c.change.is_none() && !c.significant);
        assert!(c.after.is_some() && c.before.is_none());
    }
}

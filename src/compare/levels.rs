//! Levels and slopes per service, kind and host: the robust numbers the comparison works on.
//!
//! The level of a series is the median of its last quarter (by time): recent, and immune
//! to the GC sawtooth and to single spikes. The slope is Sen's slope (the median of the
//! pairwise slopes, `analysis::trend::sen_slope`) over bucket medians, in bytes per hour:
//! robust to outliers and cheap on long series. Series of one kind that follow each other
//! in time (a container restarted under a new id) are chained first, as the verdict
//! engine chains them; several running at once (pm2 cluster mode, several containers of
//! one service) add up.

use crate::frame::TidySeries;
use crate::kind::{Kind, Scope};
use crate::target::Target;
use std::collections::BTreeMap;

/// Series with fewer finite samples than this have no level.
pub const MIN_POINTS: usize = 8;
/// Series shorter than this (hours) have a level but no slope.
pub const MIN_SLOPE_SPAN_HOURS: f64 = 1.0;
/// Sen's slope is computed over at most this many bucket medians.
const MAX_BUCKETS: usize = 240;

/// The level and slope of one kind for one service on one host.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HostLevel {
    /// Recent level, bytes.
    pub level: f64,
    /// Sen's slope, bytes per hour; None when the series is too short.
    pub slope_per_hour: Option<f64>,
    /// Time covered by the series, hours.
    pub span_hours: f64,
}

/// Per kind, then per host.
pub type ServiceLevels = BTreeMap<Kind, BTreeMap<String, HostLevel>>;

/// The kinds compared across hosts: the service's own memory levels (app and container).
/// Per-space heap series are left to the per-target verdicts; `heap_used` covers the heap.
pub fn is_compared(kind: Kind) -> bool {
    kind.is_memory_level()
        && matches!(kind.scope(), Scope::App | Scope::Container)
        && kind != Kind::HeapSpaceUsed
}

/// Levels and slopes of every compared kind, for the targets of one service.
pub fn service_levels(targets: &[&Target]) -> ServiceLevels {
    let mut out = ServiceLevels::new();
    for target in targets {
        let mut per_kind: BTreeMap<Kind, Vec<&TidySeries>> = BTreeMap::new();
        for series in &target.series {
            if is_compared(series.key.kind) {
                per_kind.entry(series.key.kind).or_default().push(series);
            }
        }
        for (kind, series) in per_kind {
            // A restarted container is a new series that continues the old one (the
            // engine chains them the same way); replicas running at once add up.
            let levels: Vec<HostLevel> = crate::analysis::points::chains(series.into_iter())
                .iter()
                .filter_map(|c| points_level(&c.points.t, &c.points.y))
                .collect();
            if let Some(total) = add_up(&levels) {
                out.entry(kind)
                    .or_default()
                    .insert(target.host.clone(), total);
            }
        }
    }
    out
}

/// Several series of one kind on one host add up; the span is the shortest.
fn add_up(levels: &[HostLevel]) -> Option<HostLevel> {
    let first = levels.first()?;
    let mut total = *first;
    for l in levels.iter().skip(1) {
        total.level += l.level;
        total.slope_per_hour = match (total.slope_per_hour, l.slope_per_hour) {
            (Some(a), Some(b)) => Some(a + b),
            _ => None,
        };
        total.span_hours = total.span_hours.min(l.span_hours);
    }
    Some(total)
}

/// The level and slope of one series; None when it has too few finite samples.
pub fn series_level(series: &TidySeries) -> Option<HostLevel> {
    let (t, v) = series.finite_points();
    points_level(&t, &v)
}

/// The level and slope of samples given as (Unix seconds, value).
pub fn points_level(t: &[f64], v: &[f64]) -> Option<HostLevel> {
    let mut points: Vec<(f64, f64)> = t
        .iter()
        .zip(v)
        .filter(|(t, v)| t.is_finite() && v.is_finite())
        .map(|(t, v)| (*t, *v))
        .collect();
    if points.len() < MIN_POINTS {
        return None;
    }
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    let start = points.first()?.0;
    let end = points.last()?.0;
    let span_hours = (end - start) / 3600.0;
    let cut = end - (end - start) / 4.0;
    let mut recent: Vec<f64> = points.iter().filter(|p| p.0 >= cut).map(|p| p.1).collect();
    let level = median(&mut recent)?;
    let slope_per_hour = if span_hours >= MIN_SLOPE_SPAN_HOURS {
        sen_slope_per_hour(&points)
    } else {
        None
    };
    Some(HostLevel {
        level,
        slope_per_hour,
        span_hours,
    })
}

/// Recent level of samples: median of the last quarter by time.
pub fn recent_level(series: &TidySeries) -> Option<f64> {
    let (t, v) = series.finite_points();
    let end = t.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let start = t.iter().copied().fold(f64::INFINITY, f64::min);
    if !(end.is_finite() && start.is_finite()) {
        return None;
    }
    let cut = end - (end - start) / 4.0;
    let mut recent: Vec<f64> = t
        .iter()
        .zip(&v)
        .filter(|(t, _)| **t >= cut)
        .map(|(_, v)| *v)
        .collect();
    median(&mut recent)
}

/// Median; None for an empty slice. Reorders the slice.
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let mid = n / 2;
    let upper = *values.get(mid)?;
    if n % 2 == 1 {
        Some(upper)
    } else {
        Some((*values.get(mid - 1)? + upper) / 2.0)
    }
}

/// Sen's slope in units per hour over time-bucket medians of sorted (seconds, value) points.
fn sen_slope_per_hour(points: &[(f64, f64)]) -> Option<f64> {
    let start = points.first()?.0;
    let end = points.last()?.0;
    let width = (end - start) / MAX_BUCKETS as f64;
    let mut buckets: Vec<(f64, f64)> = Vec::new();
    if width <= 0.0 || points.len() <= MAX_BUCKETS {
        buckets.extend_from_slice(points);
    } else {
        let mut current: Vec<(f64, f64)> = Vec::new();
        let mut index = 0usize;
        for p in points {
            let b = (((p.0 - start) / width) as usize).min(MAX_BUCKETS - 1);
            if b != index && !current.is_empty() {
                buckets.extend(bucket_median(&mut current));
                current.clear();
            }
            index = b;
            current.push(*p);
        }
        buckets.extend(bucket_median(&mut current));
    }
    let origin = buckets.first()?.0;
    let hours: Vec<f64> = buckets.iter().map(|b| (b.0 - origin) / 3600.0).collect();
    let values: Vec<f64> = buckets.iter().map(|b| b.1).collect();
    crate::analysis::trend::sen_slope(&hours, &values)
}

/// (median time, median value) of one bucket.
fn bucket_median(points: &mut [(f64, f64)]) -> Option<(f64, f64)> {
    let mut times: Vec<f64> = points.iter().map(|p| p.0).collect();
    let mut values: Vec<f64> = points.iter().map(|p| p.1).collect();
    Some((median(&mut times)?, median(&mut values)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_planted_slope_and_recent_level() {
        // 48 h at one-minute steps, +10 MiB/h from 100 MiB, with a sawtooth.
        let mib = 1024.0 * 1024.0;
        let t: Vec<f64> = (0..2880).map(|i| i as f64 * 60.0).collect();
        let v: Vec<f64> = t
            .iter()
            .map(|t| 100.0 * mib + 10.0 * mib * t / 3600.0 + ((t / 60.0) as i64 % 10) as f64 * mib)
            .collect();
        let l = points_level(&t, &v).unwrap();
        let slope = l.slope_per_hour.unwrap() / mib;
        assert!((slope - 10.0).abs() < 0.2, "slope {slope}");
        // The last quarter spans hours 36..48: median near hour 42 -> 520 MiB + ~4.5 MiB.
        let level = l.level / mib;
        assert!((level - 524.5).abs() < 3.0, "level {level}");
        assert!((l.span_hours - 47.9833).abs() < 1e-3);
    }

    #[test]
    fn too_few_points_have_no_level_and_short_series_no_slope() {
        let t: Vec<f64> = (0..5).map(|i| i as f64).collect();
        assert!(points_level(&t, &t).is_none());
        let t: Vec<f64> = (0..20).map(|i| i as f64 * 60.0).collect();
        let l = points_level(&t, &[5.0; 20]).unwrap();
        assert_eq!(l.level, 5.0);
        assert!(l.slope_per_hour.is_none());
    }

    #[test]
    fn median_of_even_and_odd() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
    }
}

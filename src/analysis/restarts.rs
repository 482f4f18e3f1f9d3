//! Restarts: when the process or container started anew inside the window, and how that
//! was seen. `process_start_time_seconds` is authoritative; without it a restart is a
//! sharp drop of heap and RSS together, an RSS drop without heap series, or a container
//! series replaced by a new one.

use super::points::{Chain, Points, chains};
use crate::kind::Kind;
use crate::target::Target;

/// A fall to below this share of the recent peak, in one step, is a sharp drop.
pub const DROP_RATIO: f64 = 0.7;
/// Without heap series to confirm, an RSS drop must go below this share of the recent peak.
pub const LONE_DROP_RATIO: f64 = 0.5;
/// Start-time changes closer than this (seconds) are one restart.
pub const MERGE_SECONDS: f64 = 120.0;

/// Times (Unix seconds) where the series falls below `ratio` of its peak over the
/// previous three samples.
fn sharp_drops(p: &Points, ratio: f64) -> Vec<f64> {
    let mut out = Vec::new();
    let step = p.median_step();
    for i in 1..p.len() {
        let from = i.saturating_sub(3);
        let peak = p.y[from..i]
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        if peak > 0.0 && p.y[i] < ratio * peak {
            // One restart, one time: skip drops continuing the previous one.
            if out.last().is_none_or(|last| p.t[i] - last > 3.0 * step) {
                out.push(p.t[i]);
            }
        }
    }
    out
}

const RSS_KINDS: [Kind; 4] = [
    Kind::ProcessRss,
    Kind::CgroupRss,
    Kind::CgroupWorkingSet,
    Kind::CgroupUsage,
];

/// How a restart was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartEvidence {
    StartTime,
    JointDrop,
    RssDrop,
    NewSeries,
}

/// The first chain of a kind with enough points to look for drops in.
fn first_chain(target: &Target, kind: Kind) -> Option<Chain> {
    chains(target.of_kind(kind))
        .into_iter()
        .next()
        .filter(|c| c.points.len() >= 4)
}

/// Restart times (Unix seconds, sorted) of a target and how they were found.
///
/// `process_start_time_seconds` (for a Redis target, `redis_start_time_seconds`) is
/// authoritative when present; otherwise a restart is
/// a sharp drop of heap and RSS together, or, for containers without heap series, a
/// drop of RSS to below half its recent peak, or a container series replaced by a new
/// one (cAdvisor labels every container instance apart).
pub fn detect_restarts(target: &Target) -> (Vec<f64>, Option<RestartEvidence>) {
    let start_series: Vec<Points> = target
        .of_kind(Kind::StartTime)
        .chain(target.of_kind(Kind::RedisStartTime))
        .map(Points::of)
        .collect();
    if start_series.iter().any(|p| p.len() >= 2) {
        let mut times = Vec::new();
        for p in &start_series {
            for i in 1..p.len() {
                if (p.y[i] - p.y[i - 1]).abs() > 1.0 {
                    // The new start time, when it lies inside the interval that saw it.
                    let at = if p.y[i] > p.t[i - 1] && p.y[i] <= p.t[i] {
                        p.y[i]
                    } else {
                        p.t[i]
                    };
                    times.push(at);
                }
            }
        }
        return (
            merge_close(times, MERGE_SECONDS),
            Some(RestartEvidence::StartTime),
        );
    }
    let heap = first_chain(target, Kind::HeapUsed);
    let rss = RSS_KINDS.iter().find_map(|k| first_chain(target, *k));
    match (heap, rss) {
        (Some(h), Some(r)) => {
            let tolerance = 3.0 * h.points.median_step().max(r.points.median_step());
            let rd = sharp_drops(&r.points, DROP_RATIO);
            let times: Vec<f64> = sharp_drops(&h.points, DROP_RATIO)
                .into_iter()
                .filter(|t| rd.iter().any(|u| (u - t).abs() <= tolerance))
                .collect();
            (
                merge_close(times, tolerance),
                Some(RestartEvidence::JointDrop),
            )
        }
        (None, Some(r)) => {
            let tolerance = 3.0 * r.points.median_step();
            if !r.joins.is_empty() {
                return (
                    merge_close(r.joins.clone(), tolerance),
                    Some(RestartEvidence::NewSeries),
                );
            }
            (
                merge_close(sharp_drops(&r.points, LONE_DROP_RATIO), tolerance),
                Some(RestartEvidence::RssDrop),
            )
        }
        _ => (Vec::new(), None),
    }
}

fn merge_close(mut times: Vec<f64>, tolerance: f64) -> Vec<f64> {
    times.sort_by(f64::total_cmp);
    let mut out: Vec<f64> = Vec::new();
    for t in times {
        if out.last().is_none_or(|last| t - last > tolerance) {
            out.push(t);
        }
    }
    out
}

/// When the process running at the end of the window started (Unix seconds), from
/// `process_start_time_seconds` (a Redis target: `redis_start_time_seconds`); without
/// them, from cAdvisor's `container_start_time_seconds`, since a container's main
/// process starts with the container (a process restarted inside it, e.g. by a
/// supervisor, is younger: its age is then overstated, never understated). `None`
/// without any of them.
pub fn process_start(target: &Target) -> Option<f64> {
    latest_value(target, &[Kind::StartTime, Kind::RedisStartTime])
        .or_else(|| latest_value(target, &[Kind::ContainerStartTime]))
}

/// The last value of the series of `kinds` that ends last, when it is a time.
fn latest_value(target: &Target, kinds: &[Kind]) -> Option<f64> {
    kinds
        .iter()
        .flat_map(|k| target.of_kind(*k))
        .filter_map(|s| {
            let p = Points::of(s);
            Some((p.end(), *p.y.last()?))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, start)| start)
        .filter(|s| s.is_finite() && *s > 0.0)
}

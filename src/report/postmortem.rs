//! The postmortem parts of the report contract: the timeline (marks, restarts, OOM kills,
//! growth onsets, and what each series did around them), the before/after comparison
//! with a baseline window, and the bundles the report was made from. Plain data.

use super::Window;
use crate::verdict::Verdict;
use serde::{Deserialize, Serialize};

/// One moment on the timeline.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TimelineEvent {
    /// RFC 3339, UTC.
    pub time: String,
    pub unix_seconds: f64,
    /// "mark" (from `--mark`), "restart", "oom_kill" or "growth_onset".
    pub kind: String,
    /// The mark's label, or what happened ("OOM kill: container_oom_events_total +1").
    pub label: String,
    /// The target it happened to; null for marks, which concern every target.
    #[serde(default)]
    pub service: Option<String>,
    #[serde(default)]
    pub host: Option<String>,
    /// What each series of the concerned targets did around the event.
    #[serde(default)]
    pub around: Vec<SeriesAround>,
}

/// What one series did in the stretch before an event and the stretch after it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SeriesAround {
    pub service: String,
    pub host: String,
    /// e.g. "heap_used", "heap_space_used{old}", "cgroup_cache".
    pub series: String,
    /// Median level in each stretch, bytes; null with fewer than 3 samples there.
    pub level_before: Option<f64>,
    pub level_after: Option<f64>,
    /// Least-squares slope in each stretch, bytes per hour; null with fewer than 3 samples.
    pub slope_before: Option<f64>,
    pub slope_after: Option<f64>,
    /// Length of each stretch, seconds (the same before and after).
    pub span_seconds: f64,
    /// Why one side has no level or slope ("no data before", or that nothing was fetched
    /// beyond the window's edge); absent when both sides have them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
}

/// The analysis window compared with a baseline window, per target and series.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BaselineComparison {
    /// The baseline ("before") window; the report's own window is "after".
    pub window: Window,
    /// Confidence level of the intervals, and 1 minus the significance level of the test.
    pub level: f64,
    /// How the standard errors were obtained and the test made.
    pub method: String,
    /// The mark between the baseline and the window (e.g. "deploy v2.3"), when one was given.
    #[serde(default)]
    pub boundary: Option<String>,
    /// Sorted by service, then host.
    pub targets: Vec<TargetChange>,
}

/// One target in both windows.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TargetChange {
    pub service: String,
    pub host: String,
    /// Null when the target has no series in that window.
    pub verdict_before: Option<Verdict>,
    pub verdict_after: Option<Verdict>,
    /// The series to read first: the one a verdict rests on (after, then before; the
    /// engine's current regime), or one of its kind when it has no rate in a window,
    /// else the one whose rate changed most clearly.
    #[serde(default)]
    pub decisive: Option<String>,
    /// Per series found in either window.
    pub series: Vec<RateChange>,
}

/// The growth rate of one series before and after, and whether it changed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RateChange {
    /// e.g. "heap_used floor", "cgroup_cache".
    pub series: String,
    pub before: Option<Rate>,
    pub after: Option<Rate>,
    /// After minus before, bytes per hour, with its interval; null unless both are known.
    pub change: Option<f64>,
    pub change_interval: Option<[f64; 2]>,
    /// Two-sample z statistic and its two-sided p-value.
    pub z: Option<f64>,
    pub p_value: Option<f64>,
    /// The interval of the change excludes zero.
    pub significant: bool,
    /// Mean level in each window and the shift (after minus before), bytes.
    pub level_before: Option<f64>,
    pub level_after: Option<f64>,
    pub level_shift: Option<f64>,
}

/// A growth rate with its interval.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Rate {
    pub bytes_per_hour: f64,
    pub interval: [f64; 2],
    /// Derived from the interval's width (see `BaselineComparison::method`).
    pub standard_error: f64,
}

/// A bundle the report was read from, so the report can cite it and a reader can check
/// it with `memgrowth verify`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BundleRef {
    /// The bundle directory as given.
    pub location: String,
    /// sha256 of its `manifest.json`, which holds the sha256 of every data file.
    pub manifest_sha256: String,
    /// When the fetch started, and from where (no credentials).
    pub created_at: String,
    pub fetched_from: String,
    /// The window the bundle holds.
    pub window: Window,
    /// Data files and their sha256.
    #[serde(default)]
    pub files: Vec<BundleFile>,
    /// What the fetch met (server warnings, retries, halved ranges, failed chunks), one
    /// line each.
    #[serde(default)]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BundleFile {
    pub path: String,
    pub sha256: Option<String>,
}

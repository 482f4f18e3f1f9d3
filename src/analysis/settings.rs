//! Every knob of the verdict engine in one validated struct, echoed into the report so a
//! reader can check a verdict against the numbers it was made with. Each is a
//! significance level, a horizon, a materiality ratio or a data-resolution limit, the
//! same for every workload; docs/verdicts.md says why each has its value.

use super::stats::{design, hinge, noise};
use crate::report::AnalysisSettingsInfo;
use std::collections::BTreeMap;

/// Most buckets a stretch is analysed at: a data-resolution limit that bounds the cost of
/// every test and fit whatever the number of samples.
pub const MAX_BUCKETS: usize = 400;
/// Fewest scraped samples a stretch needs before it is judged: below ~50 the persistence
/// of the noise, which the precision of every trend rests on, cannot be estimated.
pub const MIN_SAMPLES: usize = 50;
/// Fewest buckets (or heap-floor points) a regime needs before it is judged.
pub const MIN_BUCKETS: usize = 24;
/// Fewest buckets a restart segment needs to take part in the pooled test of a
/// restart-masked leak: three points give a segment its own intercept and still add to
/// the common slope (a pm2 restart every hour on a 10-minute scrape gives 6; a heap floor
/// has one point per GC cycle).
pub const MIN_POOLED_BUCKETS: usize = 3;
/// Restart segments a pattern needs: growth that restarts hide is growth seen to begin
/// again after a restart, at least twice. One restart is a boundary between two lives
/// (often two builds), and the verdict judges the one running now.
pub const MIN_MASKED_SEGMENTS: usize = 3;
/// Share of judged restart segments that must rise for growth to be the pattern.
pub const MASKED_SHARE: f64 = 2.0 / 3.0;
/// Share of the usage growth that page cache must explain for cache_growth.
pub const CACHE_SHARE: f64 = 0.5;
/// The default per-day materiality: the rate that changes the level by the materiality
/// ratio (5%) within the horizon (30 days). Slower growth would not matter within the
/// horizon even if it had already changed the level materially over a long window.
pub const MIN_GROWTH_PER_DAY: f64 = 0.05 / 30.0;
/// A pause between samples longer than this many scrape intervals is a gap.
pub const GAP_FACTOR: f64 = 5.0;

/// The thresholds the engine works with.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisSettings {
    /// Significance level of the trend tests (two-sided; a growth verdict needs the
    /// lower bound of the rate's 1 - alpha interval above zero).
    pub alpha: f64,
    /// Materiality to the level: growth whose rate's lower bound is below this fraction
    /// of the level per day is immaterial.
    pub min_relative_growth_per_day: f64,
    /// Materiality to the level: a regime must have changed the level by at least this
    /// fraction of it...
    pub min_relative_change: f64,
    /// ... and by at least this many bytes.
    pub min_change_bytes: f64,
    /// Materiality to the limit: growth whose conservative time to the limit (at the
    /// lower bound of its rate) is within this horizon is material whatever its size.
    pub limit_horizon_hours: f64,
    /// A limit given by the user (`--limit`, e.g. pm2's `max_memory_restart`), in bytes.
    pub limit_bytes: Option<f64>,
}

impl Default for AnalysisSettings {
    fn default() -> Self {
        AnalysisSettings {
            alpha: 0.01,
            min_relative_growth_per_day: MIN_GROWTH_PER_DAY,
            min_relative_change: 0.05,
            min_change_bytes: 8.0 * 1024.0 * 1024.0,
            limit_horizon_hours: 30.0 * 24.0,
            limit_bytes: None,
        }
    }
}

impl AnalysisSettings {
    /// The settings with out-of-range values replaced by the defaults (the CLI rejects
    /// them before they get here; a library caller may not).
    pub fn validated(&self) -> AnalysisSettings {
        let d = AnalysisSettings::default();
        let pick = |v: f64, ok: bool, default: f64| if ok && v.is_finite() { v } else { default };
        AnalysisSettings {
            alpha: pick(self.alpha, self.alpha > 0.0 && self.alpha < 0.5, d.alpha),
            min_relative_growth_per_day: pick(
                self.min_relative_growth_per_day,
                self.min_relative_growth_per_day >= 0.0,
                d.min_relative_growth_per_day,
            ),
            min_relative_change: pick(
                self.min_relative_change,
                (0.0..1.0).contains(&self.min_relative_change),
                d.min_relative_change,
            ),
            min_change_bytes: pick(
                self.min_change_bytes,
                self.min_change_bytes >= 0.0,
                d.min_change_bytes,
            ),
            limit_horizon_hours: pick(
                self.limit_horizon_hours,
                self.limit_horizon_hours >= 0.0,
                d.limit_horizon_hours,
            ),
            limit_bytes: self.limit_bytes.filter(|b| b.is_finite() && *b > 0.0),
        }
    }

    /// The settings as echoed into the report: every knob by name.
    pub fn info(&self) -> AnalysisSettingsInfo {
        let other: BTreeMap<String, f64> = [
            ("min_relative_change", self.min_relative_change),
            ("min_change_bytes", self.min_change_bytes),
            ("limit_horizon_hours", self.limit_horizon_hours),
            ("max_buckets", MAX_BUCKETS as f64),
            ("min_samples", MIN_SAMPLES as f64),
            ("min_buckets", MIN_BUCKETS as f64),
            ("min_pooled_buckets", MIN_POOLED_BUCKETS as f64),
            ("min_masked_segments", MIN_MASKED_SEGMENTS as f64),
            ("masked_share", MASKED_SHARE),
            ("cache_share", CACHE_SHARE),
            ("gap_factor", GAP_FACTOR),
            ("change_point_alpha", hinge::CHANGE_ALPHA),
            ("change_point_critical_wald", hinge::CRITICAL_WALD),
            ("change_point_min_piece_share", hinge::MIN_PIECE_SHARE),
            (
                "change_point_min_piece_buckets",
                hinge::MIN_PIECE_BUCKETS as f64,
            ),
            ("change_point_max", hinge::MAX_HINGES as f64),
            ("cycle_min_periods", design::MIN_CYCLES),
            ("cycle_max_bucket_share", design::MAX_BUCKET_SHARE_OF_PERIOD),
            ("unit_root_1pct", noise::UNIT_ROOT_1PCT[0]),
            ("autoregression_max_lags", noise::MAX_LAGS as f64),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        AnalysisSettingsInfo {
            alpha: self.alpha,
            min_relative_growth_per_day: self.min_relative_growth_per_day,
            other,
        }
    }
}

//! Consistency across hosts: which kinds agree and which diverge, by level and by slope.
//!
//! A kind diverges when the difference between its hosts is both *relatively* large
//! (max/min ratio at least [`Thresholds::material_ratio`]) and *absolutely* material: at
//! least [`Thresholds::min_abs_bytes`], at least [`Thresholds::limit_fraction`] of the
//! memory limit when one is known, and at least [`Thresholds::footprint_fraction`] of the
//! service's footprint (its largest working set, or usage or RSS without one). Slopes diverge when the difference in growth, carried
//! over the observed window, passes the same two tests against the smaller level. Every
//! other kind seen on two or more hosts is consistent: it agrees within materiality.

use super::levels::{HostLevel, ServiceLevels};
use crate::kind::Kind;
use std::collections::BTreeMap;

const MIB: f64 = 1024.0 * 1024.0;

/// Levels below this count as this much in ratios, so that 0 B against 3 MiB is 3x, not infinite.
pub const RATIO_FLOOR_BYTES: f64 = MIB;

/// The materiality thresholds of the comparison (docs/compare.md explains each).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Max over min level at or above which hosts differ relatively (1.25: 25%, beyond the
    /// host-to-host scatter of GC timing, traffic share and scrape jitter).
    pub material_ratio: f64,
    /// Absolute difference below which no difference matters (32 MiB: the order of V8's
    /// young generation and of a GC sawtooth's amplitude).
    pub min_abs_bytes: f64,
    /// When a limit is known, the difference must also be this fraction of it (2%).
    pub limit_fraction: f64,
    /// The difference must also be this fraction of the service's footprint (10%, the upper
    /// end of the usual 5-10% materiality convention): smaller differences change neither
    /// how much memory the service needs nor the story of why hosts differ.
    pub footprint_fraction: f64,
}

/// What absolute differences are measured against, for one service.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Scale {
    /// The smallest known memory limit, bytes.
    pub limit: Option<f64>,
    /// The service's largest footprint across hosts, bytes.
    pub footprint: Option<f64>,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            material_ratio: 1.25,
            min_abs_bytes: 32.0 * MIB,
            limit_fraction: 0.02,
            footprint_fraction: 0.10,
        }
    }
}

impl Thresholds {
    /// The absolute materiality in bytes at a service's scale.
    pub fn materiality_bytes(&self, scale: &Scale) -> f64 {
        let from_limit = scale.limit.map_or(0.0, |l| l * self.limit_fraction);
        let from_footprint = scale.footprint.map_or(0.0, |f| f * self.footprint_fraction);
        self.min_abs_bytes.max(from_limit).max(from_footprint)
    }

    /// Whether a growth of `growth_bytes` on top of `level` is material.
    pub fn is_material_growth(&self, growth_bytes: f64, level: f64, scale: &Scale) -> bool {
        growth_bytes >= self.materiality_bytes(scale)
            && growth_bytes >= (self.material_ratio - 1.0) * level.max(RATIO_FLOOR_BYTES)
    }

    /// The thresholds by name, as echoed into the report.
    pub fn as_map(&self) -> BTreeMap<String, f64> {
        BTreeMap::from([
            ("material_ratio".to_string(), self.material_ratio),
            ("min_abs_difference_bytes".to_string(), self.min_abs_bytes),
            ("limit_fraction".to_string(), self.limit_fraction),
            ("footprint_fraction".to_string(), self.footprint_fraction),
            ("ratio_floor_bytes".to_string(), RATIO_FLOOR_BYTES),
            ("min_points".to_string(), super::levels::MIN_POINTS as f64),
            (
                "min_slope_span_hours".to_string(),
                super::levels::MIN_SLOPE_SPAN_HOURS,
            ),
        ])
    }
}

/// How one kind of one service compares across its hosts.
#[derive(Debug, Clone, PartialEq)]
pub struct KindAssessment {
    pub kind: Kind,
    pub per_host: BTreeMap<String, HostLevel>,
    /// Max over min level (floored at [`RATIO_FLOOR_BYTES`]); None with fewer than two hosts.
    pub ratio: Option<f64>,
    /// Population standard deviation over mean of the levels; None with fewer than two hosts.
    pub coefficient_of_variation: Option<f64>,
    /// Highest and lowest level: (host, level).
    pub level_high: Option<(String, f64)>,
    pub level_low: Option<(String, f64)>,
    /// Highest and lowest slope: (host, bytes per hour).
    pub slope_high: Option<(String, f64)>,
    pub slope_low: Option<(String, f64)>,
    /// The shortest span among the hosts with a slope, hours.
    pub slope_window_hours: Option<f64>,
    /// The absolute materiality in force for this service, bytes.
    pub materiality_bytes: f64,
    pub level_divergent: bool,
    pub slope_divergent: bool,
}

impl KindAssessment {
    pub fn hosts(&self) -> usize {
        self.per_host.len()
    }

    pub fn divergent(&self) -> bool {
        self.level_divergent || self.slope_divergent
    }

    /// Seen on two or more hosts and agreeing within materiality.
    pub fn consistent(&self) -> bool {
        self.hosts() >= 2 && !self.divergent()
    }

    pub fn level_on(&self, host: &str) -> Option<f64> {
        self.per_host.get(host).map(|l| l.level)
    }

    pub fn slope_spread(&self) -> Option<f64> {
        Some(self.slope_high.as_ref()?.1 - self.slope_low.as_ref()?.1)
    }
}

/// Assesses every kind of one service at its scale.
pub fn assess(levels: &ServiceLevels, scale: &Scale, th: &Thresholds) -> Vec<KindAssessment> {
    levels
        .iter()
        .map(|(kind, per_host)| assess_kind(*kind, per_host, scale, th))
        .collect()
}

/// The service's footprint: the largest level across hosts of the first kind present among
/// working set, usage, process RSS, cgroup RSS and heap.
pub fn footprint(levels: &ServiceLevels) -> Option<f64> {
    [
        Kind::CgroupWorkingSet,
        Kind::CgroupUsage,
        Kind::ProcessRss,
        Kind::CgroupRss,
        Kind::HeapUsed,
    ]
    .iter()
    .find_map(|k| levels.get(k))
    .and_then(|per_host| per_host.values().map(|l| l.level).reduce(f64::max))
}

fn assess_kind(
    kind: Kind,
    per_host: &BTreeMap<String, HostLevel>,
    scale: &Scale,
    th: &Thresholds,
) -> KindAssessment {
    let materiality_bytes = th.materiality_bytes(scale);
    let levels: Vec<(String, f64)> = per_host.iter().map(|(h, l)| (h.clone(), l.level)).collect();
    let slopes: Vec<(String, f64)> = per_host
        .iter()
        .filter_map(|(h, l)| Some((h.clone(), l.slope_per_hour?)))
        .collect();
    let level_high = extreme(&levels, true);
    let level_low = extreme(&levels, false);
    let slope_high = extreme(&slopes, true);
    let slope_low = extreme(&slopes, false);
    let two_hosts = levels.len() >= 2;
    let (ratio, cv) = if two_hosts {
        let hi = level_high.as_ref().map_or(0.0, |x| x.1);
        let lo = level_low.as_ref().map_or(0.0, |x| x.1);
        (
            Some(hi.max(RATIO_FLOOR_BYTES) / lo.max(RATIO_FLOOR_BYTES)),
            coefficient_of_variation(levels.iter().map(|x| x.1)),
        )
    } else {
        (None, None)
    };
    let level_divergent = match (ratio, &level_high, &level_low) {
        (Some(r), Some(hi), Some(lo)) => r >= th.material_ratio && hi.1 - lo.1 >= materiality_bytes,
        _ => false,
    };
    let slope_window_hours = per_host
        .values()
        .filter(|l| l.slope_per_hour.is_some())
        .map(|l| l.span_hours)
        .reduce(f64::min);
    let smallest_level = level_low.as_ref().map_or(0.0, |x| x.1);
    let slope_divergent = match (&slope_high, &slope_low, slope_window_hours) {
        (Some(hi), Some(lo), Some(hours)) if slopes.len() >= 2 => {
            th.is_material_growth((hi.1 - lo.1) * hours, smallest_level, scale)
        }
        _ => false,
    };
    KindAssessment {
        kind,
        per_host: per_host.clone(),
        ratio,
        coefficient_of_variation: cv,
        level_high,
        level_low,
        slope_high,
        slope_low,
        slope_window_hours,
        materiality_bytes,
        level_divergent,
        slope_divergent,
    }
}

/// The host with the highest (or lowest) value; ties go to the first host by name.
fn extreme(values: &[(String, f64)], highest: bool) -> Option<(String, f64)> {
    let mut best: Option<&(String, f64)> = None;
    for v in values {
        best = match best {
            None => Some(v),
            Some(b) if (highest && v.1 > b.1) || (!highest && v.1 < b.1) => Some(v),
            keep => keep,
        };
    }
    best.cloned()
}

fn coefficient_of_variation(values: impl Iterator<Item = f64>) -> Option<f64> {
    let values: Vec<f64> = values.collect();
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 || mean <= 0.0 {
        return None;
    }
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    Some(variance.sqrt() / mean)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(level: f64, slope: f64) -> HostLevel {
        HostLevel {
            level,
            slope_per_hour: Some(slope),
            span_hours: 48.0,
        }
    }

    fn levels(kind: Kind, hosts: &[(&str, f64, f64)]) -> ServiceLevels {
        let per_host = hosts
            .iter()
            .map(|(h, l, s)| (h.to_string(), level(*l, *s)))
            .collect();
        ServiceLevels::from([(kind, per_host)])
    }

    #[test]
    fn needs_both_ratio_and_absolute_difference() {
        let th = Thresholds::default();
        // 2 MiB against 4 MiB: 2x, but immaterial.
        let small = assess(
            &levels(
                Kind::External,
                &[("a", 2.0 * MIB, 0.0), ("b", 4.0 * MIB, 0.0)],
            ),
            &Scale::default(),
            &th,
        );
        assert!(small[0].consistent());
        assert!((small[0].ratio.unwrap() - 2.0).abs() < 1e-12);
        // 2 GiB against 2.2 GiB: 200 MiB but only 1.1x.
        let close = assess(
            &levels(
                Kind::CgroupUsage,
                &[("a", 2048.0 * MIB, 0.0), ("b", 2253.0 * MIB, 0.0)],
            ),
            &Scale::default(),
            &th,
        );
        assert!(close[0].consistent());
        // 400 MiB against 2.7 GiB: both.
        let far = assess(
            &levels(
                Kind::CgroupUsage,
                &[("a", 2765.0 * MIB, 0.0), ("b", 400.0 * MIB, 0.0)],
            ),
            &Scale::default(),
            &th,
        );
        assert!(far[0].level_divergent);
        assert_eq!(far[0].level_high.as_ref().unwrap().0, "a");
    }

    #[test]
    fn a_large_limit_raises_the_absolute_threshold() {
        let th = Thresholds::default();
        let l = levels(
            Kind::ProcessRss,
            &[("a", 100.0 * MIB, 0.0), ("b", 160.0 * MIB, 0.0)],
        );
        assert!(assess(&l, &Scale::default(), &th)[0].level_divergent);
        // 2% of 4 GiB is 82 MiB > 60 MiB.
        assert!(
            !assess(
                &l,
                &Scale {
                    limit: Some(4096.0 * MIB),
                    footprint: None,
                },
                &th,
            )[0]
            .level_divergent
        );
    }

    #[test]
    fn slopes_diverge_when_the_growth_over_the_window_is_material() {
        let th = Thresholds::default();
        // Same level so far, but +10 MiB/h over 48 h on one host: 480 MiB.
        let l = levels(
            Kind::CgroupUsage,
            &[("a", 500.0 * MIB, 10.0 * MIB), ("b", 500.0 * MIB, 0.0)],
        );
        let a = &assess(&l, &Scale::default(), &th)[0];
        assert!(!a.level_divergent && a.slope_divergent);
        assert_eq!(a.slope_high.as_ref().unwrap().0, "a");
        // +0.1 MiB/h: 4.8 MiB over the window, immaterial.
        let l = levels(
            Kind::CgroupUsage,
            &[("a", 500.0 * MIB, 0.1 * MIB), ("b", 500.0 * MIB, 0.0)],
        );
        assert!(assess(&l, &Scale::default(), &th)[0].consistent());
    }

    #[test]
    fn a_large_footprint_makes_small_side_differences_immaterial() {
        let th = Thresholds::default();
        // 100 MiB against 140 MiB of heap: 1.4x and 40 MiB apart.
        let l = levels(
            Kind::HeapUsed,
            &[("a", 100.0 * MIB, 0.0), ("b", 140.0 * MIB, 0.0)],
        );
        assert!(assess(&l, &Scale::default(), &th)[0].level_divergent);
        // Next to a 1.2 GiB working set, 40 MiB is under the 10% materiality.
        let scale = Scale {
            limit: None,
            footprint: Some(1200.0 * MIB),
        };
        assert!(assess(&l, &scale, &th)[0].consistent());
        let mut both = l.clone();
        both.extend(levels(
            Kind::CgroupWorkingSet,
            &[("a", 400.0 * MIB, 0.0), ("b", 1200.0 * MIB, 0.0)],
        ));
        assert_eq!(footprint(&both), Some(1200.0 * MIB));
        assert_eq!(footprint(&l), Some(140.0 * MIB));
    }

    #[test]
    fn one_host_is_neither_consistent_nor_divergent() {
        let a = &assess(
            &levels(Kind::HeapUsed, &[("a", 1.0, 0.0)]),
            &Scale::default(),
            &Thresholds::default(),
        )[0];
        assert!(!a.consistent() && !a.divergent());
        assert!(a.ratio.is_none() && a.coefficient_of_variation.is_none());
    }

    #[test]
    fn coefficient_of_variation_is_population_based() {
        let cv = coefficient_of_variation([1.0, 3.0].into_iter()).unwrap();
        assert!((cv - 0.5).abs() < 1e-12);
    }
}

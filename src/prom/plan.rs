//! Range planning: the step, aligning start and end to it, and splitting a range into
//! chunks that each stay under the backend's points-per-series limit.
//!
//! A Prometheus range query evaluates at `start, start+step, ..., end` (both ends
//! included). Chunks here never share a boundary: chunk `i+1` starts one step after
//! chunk `i` ends, so stitching them yields every evaluation timestamp exactly once.

/// Points per series Prometheus answers in one range query (its hard limit is 11,000).
pub const PROMETHEUS_MAX_POINTS: u64 = 11_000;
/// VictoriaMetrics' default `-search.maxPointsPerTimeseries`.
pub const VICTORIA_MAX_POINTS: u64 = 30_000;

/// More queries than this for one range is a mistake in the step, not a plan.
pub const MAX_QUERIES: u64 = 100_000;

/// Errors in the requested range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("the step must be at least 1 ms, got {0} ms")]
    Step(i64),
    #[error("the range ends ({end_ms} ms) before it starts ({start_ms} ms); check --start/--end")]
    Reversed { start_ms: i64, end_ms: i64 },
    #[error("the backend limit must allow at least 1 point per query")]
    Limit,
    #[error(
        "the range needs {points} points per series ({queries} queries); use a larger --step or a shorter range"
    )]
    TooLarge { points: u64, queries: u64 },
}

/// One query of a planned range: evaluation timestamps `start_ms..=end_ms` by the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Chunk {
    pub start_ms: i64,
    pub end_ms: i64,
}

impl Chunk {
    /// Number of evaluation timestamps in the chunk.
    pub fn points(&self, step_ms: i64) -> u64 {
        if step_ms <= 0 || self.end_ms < self.start_ms {
            return 0;
        }
        ((self.end_ms - self.start_ms) / step_ms) as u64 + 1
    }

    /// Splits the chunk into two halves on step boundaries; `None` when it has one point.
    pub fn halve(&self, step_ms: i64) -> Option<(Chunk, Chunk)> {
        let points = self.points(step_ms);
        if points < 2 {
            return None;
        }
        let first = (points / 2) as i64;
        let mid_end = self.start_ms + (first - 1) * step_ms;
        Some((
            Chunk {
                start_ms: self.start_ms,
                end_ms: mid_end,
            },
            Chunk {
                start_ms: mid_end + step_ms,
                end_ms: self.end_ms,
            },
        ))
    }
}

/// A planned range query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangePlan {
    /// Aligned start and end (multiples of the step since the Unix epoch).
    pub start_ms: i64,
    pub end_ms: i64,
    pub step_ms: i64,
    pub chunks: Vec<Chunk>,
}

impl RangePlan {
    pub fn total_points(&self) -> u64 {
        Chunk {
            start_ms: self.start_ms,
            end_ms: self.end_ms,
        }
        .points(self.step_ms)
    }
}

/// Aligns start down and end down to multiples of the step (as Mimir's results cache
/// and Grafana do), so repeated queries hit caches and chunk boundaries are stable.
pub fn align(start_ms: i64, end_ms: i64, step_ms: i64) -> (i64, i64) {
    let start = start_ms.div_euclid(step_ms) * step_ms;
    let end = (end_ms.div_euclid(step_ms) * step_ms).max(start);
    (start, end)
}

/// Plans a range: aligns it and splits it into chunks of at most `max_points` points.
pub fn plan_range(
    start_ms: i64,
    end_ms: i64,
    step_ms: i64,
    max_points: u64,
) -> Result<RangePlan, PlanError> {
    if step_ms < 1 {
        return Err(PlanError::Step(step_ms));
    }
    if end_ms < start_ms {
        return Err(PlanError::Reversed { start_ms, end_ms });
    }
    if max_points == 0 {
        return Err(PlanError::Limit);
    }
    let (start, end) = align(start_ms, end_ms, step_ms);
    let points = ((end - start) / step_ms) as u64 + 1;
    let queries = points.div_ceil(max_points);
    if queries > MAX_QUERIES {
        return Err(PlanError::TooLarge { points, queries });
    }
    let span = (max_points.min(i64::MAX as u64) as i64).saturating_mul(step_ms);
    let mut chunks = Vec::new();
    let mut chunk_start = start;
    while chunk_start <= end {
        let chunk_end = chunk_start
            .saturating_add(span.saturating_sub(step_ms))
            .min(end);
        chunks.push(Chunk {
            start_ms: chunk_start,
            end_ms: chunk_end,
        });
        chunk_start = chunk_end + step_ms;
    }
    Ok(RangePlan {
        start_ms: start,
        end_ms: end,
        step_ms,
        chunks,
    })
}

/// Steps a chosen step is rounded up to, in seconds: readable and cache-friendly.
const NICE_STEPS_S: [i64; 16] = [
    1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 86400,
];

/// Chooses a step for a window: never finer than the scrape interval (finer steps only
/// repeat samples), and coarse enough that each series has at most `target_points`
/// points. The result is a "nice" step (15s, 1m, 5m, ...) that is a multiple of the
/// scrape interval when the scrape interval is a whole number of seconds.
pub fn auto_step(window_s: f64, scrape_interval_s: f64, target_points: u64) -> i64 {
    let scrape = if scrape_interval_s.is_finite() && scrape_interval_s >= 1.0 {
        scrape_interval_s.ceil() as i64
    } else {
        15
    };
    let target = target_points.max(1) as f64;
    let wanted = if window_s.is_finite() && window_s > 0.0 {
        (window_s / target).ceil() as i64
    } else {
        1
    };
    let floor = wanted.max(scrape);
    NICE_STEPS_S
        .iter()
        .copied()
        .find(|s| *s >= floor && s % scrape == 0)
        .unwrap_or_else(|| {
            // Beyond the table: the next multiple of the scrape interval.
            (floor + scrape - 1) / scrape * scrape
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every evaluation timestamp of the aligned range, from the chunks.
    fn covered(plan: &RangePlan) -> Vec<i64> {
        plan.chunks
            .iter()
            .flat_map(|c| {
                (0..c.points(plan.step_ms) as i64).map(move |i| c.start_ms + i * plan.step_ms)
            })
            .collect()
    }

    #[test]
    fn chunks_cover_every_point_exactly_once() {
        for (start, end, step, max) in [
            (0, 30 * 86_400_000, 15_000, 11_000),
            (1_234, 987_654_321, 7_000, 100),
            (5_000, 5_000, 1_000, 1),
            (-10_000, 10_000, 3_000, 2),
            (0, 11_000 * 15_000 - 15_000, 15_000, 11_000),
        ] {
            let plan = plan_range(start, end, step, max).unwrap();
            let got = covered(&plan);
            let want: Vec<i64> = (0..plan.total_points() as i64)
                .map(|i| plan.start_ms + i * step)
                .collect();
            assert_eq!(got, want);
            assert!(plan.chunks.iter().all(|c| c.points(step) <= max));
            assert_eq!(plan.start_ms % step, 0);
            assert_eq!(plan.end_ms % step, 0);
            assert!(plan.start_ms <= start && plan.end_ms <= end.max(plan.start_ms));
        }
    }

    #[test]
    fn thirty_days_at_15s_need_sixteen_prometheus_queries() {
        let plan = plan_range(0, 30 * 86_400_000, 15_000, PROMETHEUS_MAX_POINTS).unwrap();
        assert_eq!(plan.total_points(), 172_801);
        assert_eq!(plan.chunks.len(), 16);
        let vm = plan_range(0, 30 * 86_400_000, 15_000, VICTORIA_MAX_POINTS).unwrap();
        assert_eq!(vm.chunks.len(), 6);
    }

    #[test]
    fn halving_keeps_every_point() {
        let c = Chunk {
            start_ms: 0,
            end_ms: 9 * 10,
        };
        let (a, b) = c.halve(10).unwrap();
        assert_eq!(a.points(10) + b.points(10), 10);
        assert_eq!(b.start_ms, a.end_ms + 10);
        assert!(
            Chunk {
                start_ms: 5,
                end_ms: 5
            }
            .halve(10)
            .is_none()
        );
    }

    #[test]
    fn bad_ranges_are_errors() {
        assert_eq!(plan_range(0, 10, 0, 5), Err(PlanError::Step(0)));
        assert!(matches!(
            plan_range(10, 0, 1, 5),
            Err(PlanError::Reversed { .. })
        ));
        assert_eq!(plan_range(0, 10, 1, 0), Err(PlanError::Limit));
        assert!(matches!(
            plan_range(0, 10 * 365 * 86_400_000, 1, 11_000),
            Err(PlanError::TooLarge { .. })
        ));
        assert_eq!(plan_range(0, 1_000, 10, u64::MAX).unwrap().chunks.len(), 1);
    }

    #[test]
    fn auto_step_respects_the_scrape_interval() {
        assert_eq!(auto_step(3600.0, 15.0, 10_000), 15);
        assert_eq!(auto_step(30.0 * 86_400.0, 15.0, 10_000), 300);
        assert_eq!(auto_step(86_400.0, 60.0, 100_000), 60);
        assert_eq!(auto_step(86_400.0, 20.0, 100_000), 20 * 3);
        assert_eq!(auto_step(1e9, 15.0, 10), 100_000_005);
        for scrape in [1.0, 10.0, 15.0, 30.0, 60.0] {
            for window in [600.0, 86_400.0, 30.0 * 86_400.0] {
                let step = auto_step(window, scrape, 5_000);
                assert!(step as f64 >= scrape);
                assert_eq!(step % scrape as i64, 0);
                assert!(window / step as f64 <= 5_000.0);
            }
        }
    }
}

//! Samples as analysed: time-ordered finite points, series chained across container
//! restarts, splitting at restarts, gaps and chart downsampling.

use crate::frame::TidySeries;

/// The most points a chart gets (each bucket keeps its min and max).
pub const MAX_CHART_POINTS: usize = 400;

/// Time-ordered samples: Unix seconds and values, times strictly increasing, values finite.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Points {
    pub t: Vec<f64>,
    pub y: Vec<f64>,
}

impl Points {
    /// The finite samples of a series, sorted, first of duplicated timestamps kept.
    pub fn of(series: &TidySeries) -> Points {
        let (t, y) = series.finite_points();
        Points::from_unsorted(t, y)
    }

    pub fn from_unsorted(t: Vec<f64>, y: Vec<f64>) -> Points {
        let mut pairs: Vec<(f64, f64)> = t
            .into_iter()
            .zip(y)
            .filter(|(a, b)| a.is_finite() && b.is_finite())
            .collect();
        if !pairs.windows(2).all(|w| w[0].0 < w[1].0) {
            pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
            pairs.dedup_by(|b, a| a.0 == b.0);
        }
        let (t, y) = pairs.into_iter().unzip();
        Points { t, y }
    }

    pub fn len(&self) -> usize {
        self.t.len()
    }

    pub fn is_empty(&self) -> bool {
        self.t.is_empty()
    }

    pub fn start(&self) -> f64 {
        self.t.first().copied().unwrap_or(0.0)
    }

    pub fn end(&self) -> f64 {
        self.t.last().copied().unwrap_or(0.0)
    }

    pub fn span_hours(&self) -> f64 {
        (self.end() - self.start()) / 3600.0
    }

    /// The points in [from, to).
    pub fn between(&self, from: f64, to: f64) -> Points {
        let lo = self.t.partition_point(|v| *v < from);
        let hi = self.t.partition_point(|v| *v < to);
        Points {
            t: self.t[lo..hi.max(lo)].to_vec(),
            y: self.y[lo..hi.max(lo)].to_vec(),
        }
    }

    /// Times in hours since `origin` (Unix seconds).
    pub fn hours_since(&self, origin: f64) -> Vec<f64> {
        self.t.iter().map(|t| (t - origin) / 3600.0).collect()
    }

    pub fn median_step(&self) -> f64 {
        let mut d: Vec<f64> = self.t.windows(2).map(|w| w[1] - w[0]).collect();
        if d.is_empty() {
            return 0.0;
        }
        let mid = d.len() / 2;
        *d.select_nth_unstable_by(mid, f64::total_cmp).1
    }

    pub fn median_value(&self) -> f64 {
        let mut v = self.y.clone();
        if v.is_empty() {
            return 0.0;
        }
        let mid = v.len() / 2;
        *v.select_nth_unstable_by(mid, f64::total_cmp).1
    }

    /// Bucket means (time and value) over at most `max` equal-width buckets; empty
    /// buckets (gaps) are skipped. Series already short enough are returned as they are.
    pub fn resample(&self, max: usize) -> Points {
        if self.len() <= max || max == 0 {
            return self.clone();
        }
        let start = self.start();
        let width = (self.end() - start) / max as f64;
        if width <= 0.0 {
            return self.clone();
        }
        let mut out = Points::default();
        let mut bucket = usize::MAX;
        let (mut st, mut sy, mut count) = (0.0, 0.0, 0.0);
        for (t, y) in self.t.iter().zip(&self.y) {
            let b = (((t - start) / width) as usize).min(max - 1);
            if b != bucket && count > 0.0 {
                out.t.push(st / count);
                out.y.push(sy / count);
                (st, sy, count) = (0.0, 0.0, 0.0);
            }
            bucket = b;
            st += t;
            sy += y;
            count += 1.0;
        }
        if count > 0.0 {
            out.t.push(st / count);
            out.y.push(sy / count);
        }
        out
    }

    /// At most about `max` samples for charts: per bucket the min and the max, in time
    /// order, so sawtooth and drops stay visible.
    pub fn chart_samples(&self, max: usize) -> Vec<[f64; 2]> {
        if self.len() <= max || max < 2 {
            return self.t.iter().zip(&self.y).map(|(t, y)| [*t, *y]).collect();
        }
        let buckets = max / 2;
        let start = self.start();
        let width = (self.end() - start) / buckets as f64;
        let mut out = Vec::with_capacity(max);
        let mut i = 0;
        while i < self.len() {
            let b =
                (((self.t[i] - start) / width.max(f64::MIN_POSITIVE)) as usize).min(buckets - 1);
            let mut j = i;
            let (mut lo, mut hi) = (i, i);
            while j < self.len()
                && (((self.t[j] - start) / width.max(f64::MIN_POSITIVE)) as usize).min(buckets - 1)
                    == b
            {
                if self.y[j] < self.y[lo] {
                    lo = j;
                }
                if self.y[j] > self.y[hi] {
                    hi = j;
                }
                j += 1;
            }
            let (first, second) = if lo <= hi { (lo, hi) } else { (hi, lo) };
            out.push([self.t[first], self.y[first]]);
            if second != first {
                out.push([self.t[second], self.y[second]]);
            }
            i = j;
        }
        out
    }

    /// Gaps: intervals between samples longer than `factor` times the median step.
    pub fn gaps(&self, factor: f64) -> Vec<(f64, f64)> {
        let step = self.median_step();
        if step <= 0.0 {
            return Vec::new();
        }
        self.t
            .windows(2)
            .filter(|w| w[1] - w[0] > factor * step)
            .map(|w| (w[0], w[1]))
            .collect()
    }
}

/// One series, or several that follow each other in time (a restarted container or
/// process gets a new label set), joined: the points and the times where one ended and
/// the next began.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Chain {
    pub points: Points,
    pub joins: Vec<f64>,
}

/// Chains the given series in order of their first sample: a series that starts after
/// the current chain ends (within one scrape interval of overlap) continues it; one that
/// overlaps (another replica) starts a chain of its own. Empty series are dropped.
pub fn chains<'a>(series: impl Iterator<Item = &'a TidySeries>) -> Vec<Chain> {
    let mut parts: Vec<Points> = series.map(Points::of).filter(|p| !p.is_empty()).collect();
    parts.sort_by(|a, b| a.start().total_cmp(&b.start()).then(a.len().cmp(&b.len())));
    let mut out: Vec<Chain> = Vec::new();
    for p in parts {
        let tolerance = p.median_step();
        let follows = out
            .iter()
            .position(|c| p.start() >= c.points.end() - tolerance);
        match follows {
            Some(i) => {
                let c = &mut out[i];
                let end = c.points.end();
                c.joins.push(p.start());
                for (t, y) in p.t.iter().zip(&p.y) {
                    if *t > end {
                        c.points.t.push(*t);
                        c.points.y.push(*y);
                    }
                }
            }
            None => out.push(Chain {
                points: p,
                joins: Vec::new(),
            }),
        }
    }
    out
}

/// Splits points at restart times: a point at or after a restart starts a new segment.
/// Empty segments are dropped.
pub fn split(points: &Points, restarts: &[f64]) -> Vec<Points> {
    let mut bounds: Vec<f64> = vec![f64::NEG_INFINITY];
    bounds.extend(restarts.iter().copied());
    bounds.push(f64::INFINITY);
    bounds
        .windows(2)
        .map(|w| points.between(w[0], w[1]))
        .filter(|p| !p.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::Kind;

    fn pts(n: usize) -> Points {
        Points {
            t: (0..n).map(|i| i as f64 * 15.0).collect(),
            y: (0..n).map(|i| (i % 7) as f64).collect(),
        }
    }

    #[test]
    fn resample_bounds_points_and_keeps_mean() {
        let p = pts(10_000);
        let r = p.resample(100);
        assert!(r.len() <= 100);
        let m1 = p.y.iter().sum::<f64>() / p.len() as f64;
        let m2 = r.y.iter().sum::<f64>() / r.len() as f64;
        assert!((m1 - m2).abs() < 0.1);
    }

    #[test]
    fn chart_samples_keep_extremes() {
        let p = pts(10_000);
        let c = p.chart_samples(400);
        assert!(c.len() <= 400);
        assert!(c.iter().any(|s| s[1] == 6.0));
        assert!(c.iter().any(|s| s[1] == 0.0));
        assert!(c.windows(2).all(|w| w[0][0] < w[1][0]));
    }

    fn tidy(from: usize, to: usize, id: &str) -> TidySeries {
        let mut labels = crate::series::Labels::new();
        labels.insert("id".to_string(), id.to_string());
        TidySeries {
            key: crate::frame::SeriesKey {
                service: "api".into(),
                host: "h".into(),
                kind: Kind::CgroupRss,
                space: String::new(),
            },
            labels,
            timestamps_ms: (from..to).map(|i| i as i64 * 15_000).collect(),
            values: (from..to).map(|i| i as f64).collect(),
        }
    }

    #[test]
    fn successive_series_chain_and_overlapping_ones_do_not() {
        let a = tidy(0, 100, "a");
        let b = tidy(100, 200, "b");
        let c = tidy(50, 150, "c");
        let joined = chains([&a, &b].into_iter());
        assert_eq!(joined.len(), 1);
        assert_eq!(joined[0].points.len(), 200);
        assert_eq!(joined[0].joins, vec![1500.0]);
        assert_eq!(chains([&a, &c, &b].into_iter()).len(), 2);
    }

    #[test]
    fn split_at_restarts() {
        let p = pts(100);
        let parts = split(&p, &[15.0 * 30.0, 15.0 * 60.0]);
        assert_eq!(
            parts.iter().map(Points::len).collect::<Vec<_>>(),
            vec![30, 30, 40]
        );
    }
}

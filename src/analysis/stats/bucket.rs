//! Bucket means on a regular grid: the resolution every test and fit works at. A stretch
//! of any number of scrapes becomes at most `max` buckets of equal width (never narrower
//! than the scrape interval); empty buckets are gaps, skipped and never filled, and the
//! bucket after a gap starts a new run (no autocorrelation is assumed across it).

/// A regular-grid series of bucket means.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Buckets {
    /// Unix seconds of t = 0.
    pub origin: f64,
    /// Bucket width in hours.
    pub width_hours: f64,
    /// Mean time of each bucket, hours since `origin`.
    pub t: Vec<f64>,
    /// Mean value of each bucket.
    pub y: Vec<f64>,
    /// Whether the bucket starts a run: the first one, one after an empty bucket, or the
    /// first of a new segment when stretches are pooled.
    pub run_start: Vec<bool>,
    /// Grid steps since the previous bucket: 1 for consecutive buckets, more across a
    /// gap, 0 for a bucket that starts independently (the first, or a pooled segment's).
    pub steps: Vec<u32>,
    /// Scraped samples in each bucket.
    pub count: Vec<u32>,
}

impl Buckets {
    pub fn len(&self) -> usize {
        self.t.len()
    }

    pub fn is_empty(&self) -> bool {
        self.t.is_empty()
    }

    /// Span from the first to the last bucket, hours.
    pub fn span_hours(&self) -> f64 {
        match (self.t.first(), self.t.last()) {
            (Some(a), Some(b)) => b - a,
            _ => 0.0,
        }
    }

    /// Samples in all buckets.
    pub fn samples(&self) -> usize {
        self.count.iter().map(|c| *c as usize).sum()
    }

    /// The buckets with index in `range`, the first of them starting a run.
    pub fn slice(&self, range: std::ops::Range<usize>) -> Buckets {
        let mut out = Buckets {
            origin: self.origin,
            width_hours: self.width_hours,
            t: self.t[range.clone()].to_vec(),
            y: self.y[range.clone()].to_vec(),
            run_start: self.run_start[range.clone()].to_vec(),
            steps: self.steps[range.clone()].to_vec(),
            count: self.count[range].to_vec(),
        };
        if let Some(first) = out.run_start.first_mut() {
            *first = true;
        }
        if let Some(first) = out.steps.first_mut() {
            *first = 0;
        }
        out
    }

    /// Index of the first bucket at or after `hours`.
    pub fn position(&self, hours: f64) -> usize {
        self.t.partition_point(|t| *t < hours)
    }

    /// Appends another stretch's buckets as a new run (pooling segments).
    pub fn append_run(&mut self, other: &Buckets) {
        let shift = (other.origin - self.origin) / 3600.0;
        let start = self.t.len();
        self.t.extend(other.t.iter().map(|t| t + shift));
        self.y.extend_from_slice(&other.y);
        self.run_start.extend_from_slice(&other.run_start);
        self.steps.extend_from_slice(&other.steps);
        self.count.extend_from_slice(&other.count);
        if let Some(first) = self.run_start.get_mut(start) {
            *first = true;
        }
        if let Some(first) = self.steps.get_mut(start) {
            *first = 0;
        }
    }
}

/// The median interval between consecutive times (seconds); 0 with fewer than 2.
pub fn median_step(times: &[f64]) -> f64 {
    let mut d: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    if d.is_empty() {
        return 0.0;
    }
    let mid = d.len() / 2;
    *d.select_nth_unstable_by(mid, f64::total_cmp).1
}

/// Bucket means of (times in Unix seconds, sorted; values) over at most `max` buckets
/// of equal width, at least `min_width_s` wide. `origin` is the t = 0 of the result.
pub fn bucket(times: &[f64], values: &[f64], origin: f64, max: usize, min_width_s: f64) -> Buckets {
    let n = times.len().min(values.len());
    let mut out = Buckets {
        origin,
        ..Buckets::default()
    };
    if n == 0 || max == 0 {
        return out;
    }
    let start = times[0];
    let span = times[n - 1] - start;
    if n <= max && median_step(&times[..n]) >= min_width_s {
        return one_per_point(&times[..n], &values[..n], origin);
    }
    let width = (span / max as f64).max(min_width_s).max(f64::MIN_POSITIVE);
    out.width_hours = width / 3600.0;
    let mut current: Option<usize> = None;
    let (mut st, mut sy, mut count) = (0.0, 0.0, 0u32);
    let flush =
        |out: &mut Buckets, index: usize, previous: Option<usize>, st: f64, sy: f64, c: u32| {
            let c_f = c as f64;
            out.t.push((st / c_f - origin) / 3600.0);
            out.y.push(sy / c_f);
            let steps = previous.map_or(0, |p| (index - p) as u32);
            out.run_start.push(steps != 1);
            out.steps.push(steps);
            out.count.push(c);
        };
    let mut last_flushed: Option<usize> = None;
    for i in 0..n {
        let index = (((times[i] - start) / width) as usize).min(max - 1);
        if current.is_some_and(|c| c != index) && count > 0 {
            let c = current.unwrap_or(0);
            flush(&mut out, c, last_flushed, st, sy, count);
            last_flushed = Some(c);
            (st, sy, count) = (0.0, 0.0, 0);
        }
        current = Some(index);
        st += times[i];
        sy += values[i];
        count += 1;
    }
    if count > 0 {
        let c = current.unwrap_or(0);
        flush(&mut out, c, last_flushed, st, sy, count);
    }
    out
}

/// Few enough points to keep each as its own bucket (a heap floor's minima, a short
/// capture): the grid step is the median interval, and an interval of g median steps
/// (rounded) is a gap of g steps.
fn one_per_point(times: &[f64], values: &[f64], origin: f64) -> Buckets {
    let step = median_step(times).max(f64::MIN_POSITIVE);
    let mut out = Buckets {
        origin,
        width_hours: step / 3600.0,
        ..Buckets::default()
    };
    for (i, (t, y)) in times.iter().zip(values).enumerate() {
        let steps = if i == 0 {
            0
        } else {
            ((t - times[i - 1]) / step).round().max(1.0) as u32
        };
        out.t.push((t - origin) / 3600.0);
        out.y.push(*y);
        out.run_start.push(steps != 1);
        out.steps.push(steps);
        out.count.push(1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_bound_the_count_keep_the_mean_and_mark_gaps() {
        let mut t: Vec<f64> = (0..1000).map(|i| i as f64 * 15.0).collect();
        t.extend((2000..3000).map(|i| i as f64 * 15.0));
        let y: Vec<f64> = t.iter().map(|x| x / 15.0 % 7.0).collect();
        let b = bucket(&t, &y, 0.0, 100, 15.0);
        assert!(b.len() <= 100);
        assert_eq!(b.samples(), 2000);
        let mean = y.iter().sum::<f64>() / y.len() as f64;
        let weighted: f64 =
            b.y.iter()
                .zip(&b.count)
                .map(|(v, c)| v * *c as f64)
                .sum::<f64>()
                / b.samples() as f64;
        assert!((mean - weighted).abs() < 1e-9);
        assert_eq!(b.run_start.iter().filter(|s| **s).count(), 2, "one gap");
        assert!(b.t.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn short_series_keep_one_sample_per_bucket() {
        let t: Vec<f64> = (0..30).map(|i| i as f64 * 60.0).collect();
        let b = bucket(&t, &t, 0.0, 400, 60.0);
        assert_eq!(b.len(), 30);
        assert_eq!(b.run_start.iter().filter(|s| **s).count(), 1);
    }
}

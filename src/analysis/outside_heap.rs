//! Memory outside the V8 heap: a series that holds the heap (process RSS, the cgroup's
//! rss, working set or usage) minus the heap's committed size (`heap_total`). V8's memory
//! reducer gives committed pages back and commits them again within a minute, which moves
//! those series by tens of MiB; it does not move their difference. docs/verdicts.md.

use super::points::Points;
use super::settings::MIN_SAMPLES;
use crate::kind::Kind;

/// The series that hold the V8 heap and so get an outside-heap view: the process's RSS,
/// and the cgroup's anonymous memory, working set and usage (a container running the
/// process).
pub const KINDS: [Kind; 4] = [
    Kind::ProcessRss,
    Kind::CgroupRss,
    Kind::CgroupWorkingSet,
    Kind::CgroupUsage,
];

/// A series minus the V8 heap's committed size, at its samples that have a `heap_total`
/// sample within half a scrape interval. Used only when it is the quieter of the two:
/// when its variance, or its sum of squared steps (after a running median of three), is
/// below that of the series itself over the same samples: when the heap's commits and
/// decommits show up in the series and subtracting them takes variation away instead of
/// adding the heap's own (as it would for a container whose memory does not hold this
/// heap). The variance sees a recommit that RSS follows smoothly while `heap_total` jumps
/// back in steps; the steps see a decommit in the middle of a growing series.
pub fn subtract(series: &Points, heap_total: &Points) -> Option<Points> {
    let tolerance = 0.5 * series.median_step().min(heap_total.median_step());
    let mut t = Vec::with_capacity(series.len());
    let mut raw = Vec::with_capacity(series.len());
    let mut y = Vec::with_capacity(series.len());
    let mut j = 0;
    for (&time, &value) in series.t.iter().zip(&series.y) {
        while j + 1 < heap_total.len() && heap_total.t[j + 1] <= time {
            j += 1;
        }
        let nearest = [j, j + 1]
            .into_iter()
            .filter(|&k| k < heap_total.len())
            .min_by(|&a, &b| {
                (heap_total.t[a] - time)
                    .abs()
                    .total_cmp(&(heap_total.t[b] - time).abs())
            })?;
        if (heap_total.t[nearest] - time).abs() <= tolerance {
            t.push(time);
            raw.push(value);
            y.push(value - heap_total.y[nearest]);
        }
    }
    if t.len() < MIN_SAMPLES || t.len() * 10 < series.len() * 9 {
        return None;
    }
    let quieter_steps = squared_steps(&median_of_three(&y)) < squared_steps(&median_of_three(&raw));
    (quieter_steps || variance(&y) < variance(&raw)).then_some(Points { t, y })
}

fn variance(v: &[f64]) -> f64 {
    let n = v.len().max(1) as f64;
    let mean = v.iter().sum::<f64>() / n;
    v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n
}

fn squared_steps(v: &[f64]) -> f64 {
    v.windows(2).map(|w| (w[1] - w[0]).powi(2)).sum()
}

/// Running median of three: two exporters scraped a moment apart see a sudden change one
/// sample apart, which leaves a one-sample spike in their difference; this removes it
/// before the comparison, and keeps steps that last.
fn median_of_three(v: &[f64]) -> Vec<f64> {
    (0..v.len())
        .map(|i| {
            if i == 0 || i + 1 == v.len() {
                return v[i];
            }
            let (a, b, c) = (v[i - 1], v[i], v[i + 1]);
            a.max(b).min(a.min(b).max(c))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(y: Vec<f64>) -> Points {
        Points::from_unsorted((0..y.len()).map(|i| i as f64).collect(), y)
    }

    /// A heap that gives back 20 MiB and commits it again, and an RSS that follows it.
    fn reducer(n: usize) -> (Vec<f64>, Vec<f64>) {
        let mib = 1024.0 * 1024.0;
        let heap: Vec<f64> = (0..n)
            .map(|i| {
                let since = i as f64 - 40.0;
                if since < 0.0 {
                    34.0 * mib
                } else {
                    (14.0 + 20.0 * (1.0 - (-since / 15.0).exp())) * mib
                }
            })
            .collect();
        let rss = heap.iter().map(|h| h + 45.0 * mib).collect();
        (rss, heap)
    }

    #[test]
    fn a_decommit_and_recommit_cancel_outside_the_heap() {
        let (rss, heap) = reducer(200);
        let outside = subtract(&points(rss), &points(heap)).expect("the quieter view is used");
        assert_eq!(outside.len(), 200);
        let spread = outside
            .y
            .iter()
            .fold(0.0f64, |m, v| m.max((v - outside.y[0]).abs()));
        assert!(spread < 1.0, "outside the heap stays flat, spread {spread}");
    }

    #[test]
    fn a_heap_the_series_does_not_hold_is_not_subtracted() {
        let (_, heap) = reducer(200);
        let flat = vec![100.0 * 1024.0 * 1024.0; 200];
        assert!(subtract(&points(flat), &points(heap)).is_none());
    }

    #[test]
    fn too_few_matching_samples_give_no_view() {
        let (rss, heap) = reducer(200);
        // heap_total scraped every 2 s, between the RSS scrapes: half the RSS samples
        // have no heap sample within half a scrape interval.
        let sparse = Points::from_unsorted(
            (0..100).map(|i| 2.0 * i as f64 + 1.0).collect(),
            heap.into_iter().step_by(2).collect(),
        );
        assert!(subtract(&points(rss), &sparse).is_none());
    }
}

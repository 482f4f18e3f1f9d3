//! Raw series as sources produce them: a label set and columns of samples.

use std::collections::BTreeMap;

/// Labels of one series, `__name__` included, sorted by name.
pub type Labels = BTreeMap<String, String>;

/// One series as read from a source, before it is classified into a kind and a target.
///
/// Timestamps are Unix milliseconds. Values may be NaN or infinite (Prometheus sends
/// `"NaN"`, `"+Inf"`, `"-Inf"`); analysis drops non-finite samples, loaders keep them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawSeries {
    pub labels: Labels,
    pub timestamps_ms: Vec<i64>,
    pub values: Vec<f64>,
}

impl RawSeries {
    pub fn new(labels: Labels) -> Self {
        RawSeries {
            labels,
            timestamps_ms: Vec::new(),
            values: Vec::new(),
        }
    }

    /// The metric name (`__name__`), or "" when the series has none.
    pub fn metric_name(&self) -> &str {
        self.labels
            .get("__name__")
            .map(String::as_str)
            .unwrap_or("")
    }

    pub fn push(&mut self, timestamp_ms: i64, value: f64) {
        self.timestamps_ms.push(timestamp_ms);
        self.values.push(value);
    }

    pub fn len(&self) -> usize {
        self.timestamps_ms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.timestamps_ms.is_empty()
    }

    /// Sorts samples by time and keeps the first sample of each duplicated timestamp.
    pub fn normalize(&mut self) {
        // A sample is a timestamp and its value: an unpaired tail is not one.
        let paired = self.timestamps_ms.len().min(self.values.len());
        self.timestamps_ms.truncate(paired);
        self.values.truncate(paired);
        let sorted = self.timestamps_ms.windows(2).all(|w| w[0] < w[1]);
        if sorted {
            return;
        }
        let mut order: Vec<usize> = (0..self.timestamps_ms.len()).collect();
        // A stable sort keeps the first of equal timestamps first.
        order.sort_by_key(|&i| self.timestamps_ms[i]);
        let mut timestamps = Vec::with_capacity(order.len());
        let mut values = Vec::with_capacity(order.len());
        for i in order {
            let t = self.timestamps_ms[i];
            if timestamps.last() == Some(&t) {
                continue;
            }
            timestamps.push(t);
            values.push(self.values[i]);
        }
        self.timestamps_ms = timestamps;
        self.values = values;
    }
}

/// Merges series that share a label set (as chunks of one range query do) and normalizes them.
pub fn merge_by_labels(series: Vec<RawSeries>) -> Vec<RawSeries> {
    let mut merged: BTreeMap<Labels, RawSeries> = BTreeMap::new();
    for s in series {
        match merged.get_mut(&s.labels) {
            Some(existing) => {
                existing.timestamps_ms.extend_from_slice(&s.timestamps_ms);
                existing.values.extend_from_slice(&s.values);
            }
            None => {
                merged.insert(s.labels.clone(), s);
            }
        }
    }
    merged
        .into_values()
        .map(|mut s| {
            s.normalize();
            s
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(points: &[(i64, f64)]) -> RawSeries {
        let mut s = RawSeries::new(Labels::from([("__name__".into(), "m".into())]));
        for (t, v) in points {
            s.push(*t, *v);
        }
        s
    }

    #[test]
    fn normalize_sorts_and_drops_duplicates() {
        let mut s = series(&[(3, 3.0), (1, 1.0), (3, 9.0), (2, 2.0)]);
        s.normalize();
        assert_eq!(s.timestamps_ms, vec![1, 2, 3]);
        assert_eq!(s.values, vec![1.0, 2.0, 3.0]);
    }

    #[test]
    fn merge_joins_chunks_of_one_series() {
        let merged = merge_by_labels(vec![
            series(&[(3, 3.0), (4, 4.0)]),
            series(&[(1, 1.0), (3, 3.0)]),
        ]);
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].timestamps_ms, vec![1, 3, 4]);
    }
}

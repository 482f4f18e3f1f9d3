//! Windows on offline input: `--start`, `--end` and `--range` cut files and bundles to
//! the samples a live range query of the same window would return (both ends included),
//! and a window that misses the data is an error naming the data's span.

use super::{InputError, Loaded};
use crate::series::RawSeries;
use crate::units::rfc3339;
use std::path::PathBuf;

/// The window asked for on the command line, in Unix seconds. Unset ends default to the
/// data's: `--range` alone is the last stretch of the data, `--end` alone cuts its tail.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct WindowRequest {
    pub start: Option<f64>,
    pub end: Option<f64>,
    /// Seconds before the end (ignored when `start` is set).
    pub range: Option<f64>,
}

impl WindowRequest {
    /// Nothing asked: the whole data.
    pub fn is_whole(&self) -> bool {
        self.start.is_none() && self.end.is_none() && self.range.is_none()
    }

    /// The window in Unix seconds, ends not given taken from `data` (seconds).
    pub fn resolve(&self, data: (f64, f64)) -> (f64, f64) {
        let end = self.end.unwrap_or(data.1);
        let start = self.start.or(self.range.map(|r| end - r)).unwrap_or(data.0);
        (start, end)
    }
}

/// First and last sample time (Unix ms) over every series; `None` when there are none.
pub fn data_span(series: &[RawSeries]) -> Option<(i64, i64)> {
    let first = series
        .iter()
        .filter_map(|s| s.timestamps_ms.first())
        .min()?;
    let last = series.iter().filter_map(|s| s.timestamps_ms.last()).max()?;
    Some((*first, *last))
}

/// Keeps the samples with `start_ms <= t <= end_ms` (series are sorted by time); series
/// left empty are dropped.
pub fn cut_series(series: Vec<RawSeries>, start_ms: i64, end_ms: i64) -> Vec<RawSeries> {
    series
        .into_iter()
        .filter_map(|mut s| {
            let from = s.timestamps_ms.partition_point(|t| *t < start_ms);
            let to = s.timestamps_ms.partition_point(|t| *t <= end_ms);
            if from >= to {
                return None;
            }
            s.timestamps_ms.truncate(to);
            s.values.truncate(to);
            s.timestamps_ms.drain(..from);
            s.values.drain(..from);
            Some(s)
        })
        .collect()
}

/// Seconds to the millisecond the samples are stamped with.
fn to_ms(seconds: f64) -> i64 {
    (seconds * 1000.0).round() as i64
}

impl Loaded {
    /// Cuts what was read to the window asked for. Returns the input unchanged (and
    /// `None`) when no window was asked; otherwise the cut input and the window in Unix
    /// seconds. A window that holds none of the data is an error naming the data's span.
    pub fn cut(self, request: &WindowRequest) -> Result<(Loaded, Option<(f64, f64)>), InputError> {
        if request.is_whole() {
            return Ok((self, None));
        }
        let fail = |asked: (f64, f64), data: Option<(i64, i64)>| InputError::Window {
            path: PathBuf::from(&self.source.location),
            asked: format!("{} to {}", rfc3339(asked.0), rfc3339(asked.1)),
            data: data.map_or_else(
                || "no samples at all".to_string(),
                |(a, b)| {
                    format!(
                        "{} to {}",
                        rfc3339(a as f64 / 1000.0),
                        rfc3339(b as f64 / 1000.0)
                    )
                },
            ),
        };
        let span = data_span(&self.series);
        let data = span.map_or((0.0, 0.0), |(a, b)| (a as f64 / 1000.0, b as f64 / 1000.0));
        let window = request.resolve(data);
        let Some((first, last)) = span else {
            return Err(fail(window, None));
        };
        let (start_ms, end_ms) = (to_ms(window.0), to_ms(window.1));
        if start_ms > end_ms || end_ms < first || start_ms > last {
            return Err(fail(window, span));
        }
        let Loaded {
            series,
            mut source,
            manifest,
            kinds,
            bundles,
        } = self;
        let series = cut_series(series, start_ms, end_ms);
        if start_ms < first {
            source.warnings.push(format!(
                "the window starts at {}, before the data, which begins at {}",
                rfc3339(window.0),
                rfc3339(first as f64 / 1000.0)
            ));
        }
        if end_ms > last {
            source.warnings.push(format!(
                "the window ends at {}, after the data, which ends at {}",
                rfc3339(window.1),
                rfc3339(last as f64 / 1000.0)
            ));
        }
        source.series = series.len();
        source.samples = series.iter().map(RawSeries::len).sum();
        Ok((
            Loaded {
                series,
                source,
                manifest,
                kinds,
                bundles,
            },
            Some(window),
        ))
    }

    /// A copy of what was read holding only the samples from `start` to `end` (Unix
    /// seconds, both included): the data around a window, without copying the rest.
    pub fn excerpt(&self, start: f64, end: f64) -> Loaded {
        let (start_ms, end_ms) = (to_ms(start), to_ms(end));
        let series: Vec<RawSeries> = self
            .series
            .iter()
            .filter_map(|s| {
                let from = s.timestamps_ms.partition_point(|t| *t < start_ms);
                let to = s.timestamps_ms.partition_point(|t| *t <= end_ms);
                let values = s.values.get(from..to)?;
                (from < to).then(|| RawSeries {
                    labels: s.labels.clone(),
                    timestamps_ms: s.timestamps_ms[from..to].to_vec(),
                    values: values.to_vec(),
                })
            })
            .collect();
        let mut source = self.source.clone();
        source.series = series.len();
        source.samples = series.iter().map(RawSeries::len).sum();
        Loaded {
            series,
            source,
            manifest: self.manifest.clone(),
            kinds: self.kinds.clone(),
            bundles: self.bundles.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::SourceInfo;
    use crate::series::Labels;

    fn series(name: &str, times_s: &[i64]) -> RawSeries {
        let mut s = RawSeries::new(Labels::from([("__name__".into(), name.into())]));
        for t in times_s {
            s.push(t * 1000, *t as f64);
        }
        s
    }

    fn loaded(series: Vec<RawSeries>) -> Loaded {
        Loaded {
            source: SourceInfo {
                location: "in/data.json".into(),
                series: series.len(),
                ..SourceInfo::default()
            },
            series,
            manifest: None,
            kinds: Default::default(),
            bundles: Vec::new(),
        }
    }

    #[test]
    fn cut_keeps_both_ends_and_drops_empty_series() {
        let cut = cut_series(
            vec![series("a", &[0, 10, 20, 30, 40]), series("b", &[50, 60])],
            10_000,
            30_000,
        );
        assert_eq!(cut.len(), 1);
        assert_eq!(cut[0].timestamps_ms, vec![10_000, 20_000, 30_000]);
        assert_eq!(cut[0].values, vec![10.0, 20.0, 30.0]);
    }

    #[test]
    fn range_alone_is_the_last_stretch_of_the_data() {
        let request = WindowRequest {
            range: Some(20.0),
            ..WindowRequest::default()
        };
        let (cut, window) = loaded(vec![series("a", &[0, 10, 20, 30, 40])])
            .cut(&request)
            .expect("inside");
        assert_eq!(window, Some((20.0, 40.0)));
        assert_eq!(cut.series[0].timestamps_ms, vec![20_000, 30_000, 40_000]);
        assert_eq!(cut.source.samples, 3);
        assert!(cut.source.warnings.is_empty());
    }

    #[test]
    fn a_window_past_the_data_names_its_span() {
        let request = WindowRequest {
            start: Some(1_000.0),
            end: Some(2_000.0),
            range: None,
        };
        let error = loaded(vec![series("a", &[0, 10, 20])])
            .cut(&request)
            .expect_err("outside");
        let text = error.to_string();
        assert!(
            text.contains("1970-01-01T00:16:40Z to 1970-01-01T00:33:20Z"),
            "{text}"
        );
        assert!(
            text.contains("1970-01-01T00:00:00Z to 1970-01-01T00:00:20Z"),
            "{text}"
        );
        assert!(text.starts_with("in/data.json: "), "{text}");
    }

    #[test]
    fn a_window_overlapping_the_data_warns_about_the_missing_part() {
        let request = WindowRequest {
            start: Some(10.0),
            end: Some(100.0),
            range: None,
        };
        let (cut, window) = loaded(vec![series("a", &[0, 10, 20])])
            .cut(&request)
            .expect("overlaps");
        assert_eq!(window, Some((10.0, 100.0)));
        assert_eq!(cut.source.samples, 2);
        assert_eq!(cut.source.warnings.len(), 1, "{:?}", cut.source.warnings);
        assert!(cut.source.warnings[0].contains("after the data"));
    }

    #[test]
    fn no_window_leaves_the_input_alone() {
        let input = loaded(vec![series("a", &[0, 10])]);
        let (same, window) = input.clone().cut(&WindowRequest::default()).expect("whole");
        assert_eq!(window, None);
        assert_eq!(same, input);
    }
}

//! What the timeline needs of a target once its series are dropped: the memory series
//! within the longest stretch of every event time, the OOM counter's changes, the first
//! two start times. [`crate::timeline::build`] on an excerpt gives what it gives on the
//! whole target, for any window whose stretch is at most
//! [`crate::timeline::MAX_SPAN_SECONDS`].

use crate::frame::TidySeries;
use crate::kind::Kind;
use crate::report::TargetReport;
use crate::target::Target;
use crate::timeline::{Mark, oom_kills};
use crate::units::parse_timestamp;

/// The excerpt of `target` for its own events (restarts, OOM kills, growth onset in
/// `report`) and the user's marks.
pub fn excerpt(target: &Target, report: &TargetReport, marks: &[Mark]) -> Target {
    let mut times: Vec<f64> = marks.iter().map(|m| m.unix_seconds).collect();
    times.extend(
        report
            .restart_times
            .iter()
            .filter_map(|t| parse_timestamp(t).ok()),
    );
    times.extend(oom_kills(target).into_iter().map(|(at, _)| at));
    times.extend(report.growth_onset.as_ref().map(|o| o.unix_seconds));
    let reach = crate::timeline::MAX_SPAN_SECONDS;
    let mut ranges: Vec<(f64, f64)> = times.iter().map(|t| (t - reach, t + reach)).collect();
    ranges.sort_by(|a, b| a.0.total_cmp(&b.0));
    let series = target
        .series
        .iter()
        .filter_map(|s| match s.key.kind {
            Kind::OomEvents => Some(changes(s)),
            Kind::StartTime => Some(first_two(s)),
            k if k.is_memory_level() => Some(within(s, &ranges)),
            _ => None,
        })
        .collect();
    let host_series = target
        .host_series
        .iter()
        .filter(|s| s.key.kind == Kind::StartTime)
        .map(first_two)
        .collect();
    Target {
        service: target.service.clone(),
        host: target.host.clone(),
        series,
        host_series,
    }
}

fn keep(s: &TidySeries, mut keep: impl FnMut(usize) -> bool) -> TidySeries {
    let (mut timestamps_ms, mut values) = (Vec::new(), Vec::new());
    for i in 0..s.timestamps_ms.len() {
        if keep(i) {
            timestamps_ms.push(s.timestamps_ms[i]);
            values.push(s.values[i]);
        }
    }
    TidySeries {
        key: s.key.clone(),
        labels: s.labels.clone(),
        timestamps_ms,
        values,
    }
}

/// The samples within any of `ranges` (seconds, sorted by start).
fn within(s: &TidySeries, ranges: &[(f64, f64)]) -> TidySeries {
    keep(s, |i| {
        let t = s.timestamps_ms[i] as f64 / 1000.0;
        ranges.iter().take_while(|r| r.0 <= t).any(|r| t <= r.1)
    })
}

/// The finite samples next to a change of value (and the first and last): consecutive
/// kept samples differ exactly where the whole series changes, by as much.
fn changes(s: &TidySeries) -> TidySeries {
    let finite: Vec<usize> = (0..s.values.len())
        .filter(|i| s.values[*i].is_finite())
        .collect();
    let mut wanted = vec![false; s.values.len()];
    for (k, i) in finite.iter().enumerate() {
        let v = s.values[*i];
        let before = k.checked_sub(1).map(|p| s.values[finite[p]]);
        let after = finite.get(k + 1).map(|n| s.values[*n]);
        wanted[*i] = before.is_none_or(|b| b != v) || after.is_none_or(|a| a != v);
    }
    keep(s, |i| wanted[i])
}

/// The first two samples: enough to tell a start-time series that changed from none.
fn first_two(s: &TidySeries) -> TidySeries {
    keep(s, |i| i < 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::SeriesKey;

    fn series(kind: Kind, values: &[f64]) -> TidySeries {
        let key = SeriesKey {
            service: "api".into(),
            host: "a".into(),
            kind,
            space: String::new(),
        };
        let hours = 0..values.len() as i64;
        TidySeries {
            timestamps_ms: hours.map(|i| i * 3_600_000).collect(),
            values: values.to_vec(),
            labels: Default::default(),
            key,
        }
    }

    #[test]
    fn an_oom_counter_keeps_its_increments() {
        let s = series(
            Kind::OomEvents,
            &[
                1.0,
                1.0,
                1.0,
                2.0,
                2.0,
                f64::NAN,
                2.0,
                2.0,
                0.0,
                0.0,
                3.0,
                3.0,
            ],
        );
        let target = Target {
            service: "api".into(),
            host: "a".into(),
            series: vec![s],
            host_series: Vec::new(),
        };
        let cut = excerpt(&target, &TargetReport::default(), &[]);
        assert_eq!(oom_kills(&cut), oom_kills(&target));
        assert!(cut.series[0].values.len() < target.series[0].values.len());
    }

    #[test]
    fn memory_series_keep_the_stretch_around_each_event() {
        let values: Vec<f64> = (0..48).map(f64::from).collect();
        let target = Target {
            service: "api".into(),
            host: "a".into(),
            series: vec![
                series(Kind::HeapUsed, &values),
                series(Kind::CgroupLimit, &values),
            ],
            host_series: Vec::new(),
        };
        let mark = Mark {
            unix_seconds: 20.0 * 3600.0,
            label: "deploy".into(),
        };
        let cut = excerpt(&target, &TargetReport::default(), &[mark]);
        let kept: Vec<f64> = cut.series.iter().flat_map(|s| s.values.clone()).collect();
        assert_eq!(kept, (14..=26).map(f64::from).collect::<Vec<_>>());
    }
}

//! The timeline of a report: marks given on the command line (an incident, a deploy, a
//! config change), restarts, OOM kills (`container_oom_events_total` increments) and
//! growth onsets, in time order, each with what every series of the concerned targets
//! did in the stretch before it and the stretch after it (read beyond the window when the
//! input holds data there). Plain data in, plain data out.

mod around;
pub mod baseline;

pub use around::{Beyond, MAX_SPAN_SECONDS, span_for};

use crate::kind::Kind;
use crate::report::{TargetReport, TimelineEvent};
use crate::target::Target;
use crate::units::{parse_timestamp, rfc3339};

/// A moment the user marked: `--mark TIME[=LABEL]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub unix_seconds: f64,
    pub label: String,
}

/// A `--mark` that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "--mark {text:?}: {reason}; give TIME or TIME=LABEL with TIME in RFC 3339 (2025-11-04T10:00:00Z) or Unix seconds, e.g. --mark 2025-11-04T10:00:00Z=deploy"
)]
pub struct MarkError {
    pub text: String,
    pub reason: String,
}

impl Mark {
    /// Parses `TIME[=LABEL]`; the label defaults to "mark".
    pub fn parse(text: &str) -> Result<Mark, MarkError> {
        let fail = |reason: &str| MarkError {
            text: text.to_string(),
            reason: reason.to_string(),
        };
        let (time, label) = match text.split_once('=') {
            Some((time, label)) => (time, label.trim()),
            None => (text, ""),
        };
        let unix_seconds =
            parse_timestamp(time).map_err(|_| fail(&format!("{:?} is not a time", time.trim())))?;
        if label.chars().any(char::is_control) {
            return Err(fail("the label holds control characters"));
        }
        Ok(Mark {
            unix_seconds,
            label: if label.is_empty() {
                "mark".to_string()
            } else {
                label.to_string()
            },
        })
    }
}

/// Order of kinds at the same instant: what the user marked first, then what happened.
fn kind_rank(kind: &str) -> u8 {
    match kind {
        "mark" => 0,
        "oom_kill" => 1,
        "restart" => 2,
        _ => 3,
    }
}

/// Times (Unix seconds) at which an OOM-events counter rose, with the increase. A drop
/// is a counter reset and counts nothing.
pub fn oom_kills(target: &Target) -> Vec<(f64, f64)> {
    let mut kills = Vec::new();
    for s in target
        .series
        .iter()
        .filter(|s| s.key.kind == Kind::OomEvents)
    {
        let (t, v) = s.finite_points();
        for i in 1..v.len() {
            if v[i] > v[i - 1] {
                kills.push((t[i], v[i] - v[i - 1]));
            }
        }
    }
    kills.sort_by(|a, b| a.0.total_cmp(&b.0));
    kills
}

fn restart_label(target: &Target) -> String {
    let start_time = target
        .of_kind(Kind::StartTime)
        .any(|s| s.timestamps_ms.len() >= 2);
    if start_time {
        "restart: process_start_time_seconds changed".to_string()
    } else {
        "restart: memory dropped sharply or a new container series began".to_string()
    }
}

/// Builds the timeline: `targets` and `reports` in the same order, `window` in Unix
/// seconds, `beyond` what the stretches around events can read outside it. Marks
/// concern every target; the other events their own.
pub fn build(
    targets: &[Target],
    reports: &[TargetReport],
    marks: &[Mark],
    window: (f64, f64),
    beyond: Beyond<'_>,
) -> Vec<TimelineEvent> {
    let span = around::span_for(window);
    let around = |target: &Target, at: f64| around::series_around(target, at, span, window, beyond);
    let mut events = Vec::new();
    for mark in marks {
        events.push(TimelineEvent {
            time: rfc3339(mark.unix_seconds),
            unix_seconds: mark.unix_seconds,
            kind: "mark".to_string(),
            label: mark.label.clone(),
            service: None,
            host: None,
            around: targets
                .iter()
                .flat_map(|t| around(t, mark.unix_seconds))
                .collect(),
        });
    }
    for (target, report) in targets.iter().zip(reports) {
        let event = |at: f64, kind: &str, label: String| TimelineEvent {
            time: rfc3339(at),
            unix_seconds: at,
            kind: kind.to_string(),
            label,
            service: Some(target.service.clone()),
            host: Some(target.host.clone()),
            around: around(target, at),
        };
        for at in report
            .restart_times
            .iter()
            .filter_map(|t| parse_timestamp(t).ok())
        {
            events.push(event(at, "restart", restart_label(target)));
        }
        for (at, count) in oom_kills(target) {
            let label = if count > 1.0 {
                format!("{count:.0} OOM kills: container_oom_events_total +{count:.0}")
            } else {
                "OOM kill: container_oom_events_total +1".to_string()
            };
            events.push(event(at, "oom_kill", label));
        }
        if let Some(onset) = &report.growth_onset {
            let label = match (onset.found_by.as_str(), &onset.restart_time) {
                ("window_start", _) => format!(
                    "growth of {} already under way when the window began",
                    onset.series
                ),
                (_, Some(restart)) if onset.at_restart => {
                    format!(
                        "growth of {} began at the restart of {restart}",
                        onset.series
                    )
                }
                _ => format!("growth of {} began", onset.series),
            };
            events.push(event(onset.unix_seconds, "growth_onset", label));
        }
    }
    events.sort_by(|a, b| {
        a.unix_seconds
            .total_cmp(&b.unix_seconds)
            .then(kind_rank(&a.kind).cmp(&kind_rank(&b.kind)))
            .then((&a.service, &a.host).cmp(&(&b.service, &b.host)))
    });
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{SeriesKey, TidySeries};
    use crate::report::GrowthOnset;

    fn series(kind: Kind, points: &[(f64, f64)]) -> TidySeries {
        TidySeries {
            key: SeriesKey {
                service: "api".into(),
                host: "a".into(),
                kind,
                space: String::new(),
            },
            labels: Default::default(),
            timestamps_ms: points.iter().map(|p| (p.0 * 1000.0) as i64).collect(),
            values: points.iter().map(|p| p.1).collect(),
        }
    }

    fn target(series: Vec<TidySeries>) -> Target {
        Target {
            service: "api".into(),
            host: "a".into(),
            series,
            host_series: Vec::new(),
        }
    }

    #[test]
    fn marks_parse_with_and_without_labels() {
        let m = Mark::parse("2025-11-04T10:00:00Z=deploy v2.3").expect("mark");
        assert_eq!(m.unix_seconds, 1_762_250_400.0);
        assert_eq!(m.label, "deploy v2.3");
        assert_eq!(Mark::parse("1762250400").expect("unix").label, "mark");
        let e = Mark::parse("yesterday=incident").expect_err("not a time");
        assert!(e.to_string().contains("\"yesterday\" is not a time"), "{e}");
    }

    #[test]
    fn oom_counter_increments_are_kills_and_resets_are_not() {
        let t = target(vec![series(
            Kind::OomEvents,
            &[
                (0.0, 2.0),
                (60.0, 2.0),
                (120.0, 3.0),
                (180.0, 0.0),
                (240.0, 2.0),
            ],
        )]);
        assert_eq!(oom_kills(&t), vec![(120.0, 1.0), (240.0, 2.0)]);
    }

    #[test]
    fn events_come_in_time_order_with_what_the_series_did() {
        // Heap flat at 100 until t = 3000, then rising 1 per second.
        let heap: Vec<(f64, f64)> = (0..=60)
            .map(|i| {
                let t = i as f64 * 100.0;
                (
                    t,
                    if t <= 3000.0 {
                        100.0
                    } else {
                        100.0 + (t - 3000.0)
                    },
                )
            })
            .collect();
        let t = target(vec![
            series(Kind::HeapUsed, &heap),
            series(Kind::OomEvents, &[(0.0, 0.0), (4000.0, 0.0), (4100.0, 1.0)]),
        ]);
        let report = TargetReport {
            service: "api".into(),
            host: "a".into(),
            restart_times: vec![rfc3339(5000.0)],
            growth_onset: Some(GrowthOnset {
                time: rfc3339(3000.0),
                unix_seconds: 3000.0,
                series: "heap_used".into(),
                found_by: "change_point".into(),
                ..GrowthOnset::default()
            }),
            ..TargetReport::default()
        };
        let marks = [Mark {
            unix_seconds: 3000.0,
            label: "deploy".into(),
        }];
        let events = build(&[t], &[report], &marks, (0.0, 6000.0), Beyond::Nothing);
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["mark", "growth_onset", "oom_kill", "restart"]);
        let deploy = &events[0];
        assert_eq!(deploy.service, None);
        let heap = deploy
            .around
            .iter()
            .find(|a| a.series == "heap_used")
            .expect("heap around the deploy");
        assert_eq!(heap.level_before, Some(100.0));
        assert!(heap.level_after.is_some_and(|l| l > 100.0), "{heap:?}");
        assert!(
            heap.slope_before.is_some_and(|s| s.abs() < 1e-9),
            "{heap:?}"
        );
        assert!(
            heap.slope_after.is_some_and(|s| (s - 3600.0).abs() < 1e-6),
            "{heap:?}"
        );
        assert!(events[2].label.contains("OOM kill"));
        assert_eq!(events[2].host.as_deref(), Some("a"));
    }

    #[test]
    fn the_stretch_before_a_mark_reads_beyond_the_window_or_says_why_it_cannot() {
        let points: Vec<(f64, f64)> = (0..=60).map(|i| (i as f64 * 100.0, 100.0)).collect();
        let inside: Vec<(f64, f64)> = points.iter().copied().filter(|p| p.0 >= 3000.0).collect();
        let window = target(vec![series(Kind::HeapUsed, &inside)]);
        let input = [target(vec![series(Kind::HeapUsed, &points)])];
        let marks = [Mark {
            unix_seconds: 3000.0,
            label: "deploy".into(),
        }];
        let report = TargetReport {
            service: "api".into(),
            host: "a".into(),
            ..TargetReport::default()
        };
        let around = |beyond: Beyond<'_>| {
            let events = build(
                std::slice::from_ref(&window),
                std::slice::from_ref(&report),
                &marks,
                (3000.0, 6000.0),
                beyond,
            );
            events[0].around[0].clone()
        };
        let read = around(Beyond::Input(&input));
        assert_eq!(read.level_before, Some(100.0));
        assert_eq!(read.missing, None);
        let whole = around(Beyond::Nothing);
        assert_eq!(whole.level_before, None);
        assert_eq!(whole.missing.as_deref(), Some("no data before"));
        let live = around(Beyond::NotFetched);
        assert_eq!(live.level_before, None);
        assert!(
            live.missing
                .as_deref()
                .is_some_and(|m| m.starts_with("nothing was fetched before the window's start")),
            "{live:?}"
        );
    }
}

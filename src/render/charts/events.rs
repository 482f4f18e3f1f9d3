//! The timeline on a chart: marks (an incident, a deploy), OOM kills, growth onsets and,
//! where the chart does not draw them itself, restarts, as vertical lines labelled at
//! the top, each kind named once in the legend.

use super::axes::{FONT, MARK, ONSET, OOM, RESTART};
use super::legend::{Legend, Mark};
use super::panel::{OrText, Panel};
use crate::report::{Report, TimelineEvent};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The events of `report` that concern one target: every mark and that target's own
/// (`restarts` decides whether its restarts are among them).
pub fn of_target<'a>(
    report: &'a Report,
    service: &str,
    host: &str,
    restarts: bool,
) -> Vec<&'a TimelineEvent> {
    report
        .timeline
        .iter()
        .filter(|e| match (&e.service, &e.host) {
            (None, _) | (_, None) => e.kind == "mark",
            (Some(s), Some(h)) => s == service && h == host && (restarts || e.kind != "restart"),
        })
        .collect()
}

fn style(kind: &str) -> (RGBColor, &'static str) {
    match kind {
        "mark" => (MARK, "mark"),
        "oom_kill" => (OOM, "OOM kill"),
        "growth_onset" => (ONSET, "growth onset"),
        _ => (RESTART, "restart"),
    }
}

/// The text over an event's line: a mark's label, else the kind.
fn tag(event: &TimelineEvent) -> String {
    match event.kind.as_str() {
        "mark" => event.label.chars().take(28).collect(),
        other => style(other).1.to_string(),
    }
}

/// Draws `events` that fall within `start..=end` from 0 to `top`; `labels` writes their
/// tags (off in small multiples). Returns the kinds drawn, for [`legend`].
pub fn draw<DB: DrawingBackend>(
    chart: &mut Panel<'_, DB>,
    events: &[&TimelineEvent],
    (start, end, top): (f64, f64, f64),
    labels: bool,
) -> Result<Vec<String>, String> {
    let mut drawn: Vec<String> = Vec::new();
    for (i, event) in events.iter().enumerate() {
        let at = event.unix_seconds;
        if !(at.is_finite() && at >= start && at <= end) {
            continue;
        }
        let (color, _) = style(&event.kind);
        let mark = event.kind == "mark";
        chart
            .draw_series(DashedLineSeries::new(
                vec![(at, 0.0), (at, top)],
                if mark { 12 } else { 4 },
                4,
                color.stroke_width(if mark { 3 } else { 2 }),
            ))
            .or_text()?;
        if labels {
            // Staggered, so labels of close events do not overprint; near the right
            // edge they end at the line instead of starting there.
            let y = top * (0.93 - 0.06 * (i % 3) as f64);
            let right = at > start + (end - start) * 0.85;
            let nudge = (end - start) * 0.004;
            let (x, anchor) = if right {
                (at - nudge, HPos::Right)
            } else {
                (at + nudge, HPos::Left)
            };
            let font = (FONT, 13, FontStyle::Bold)
                .into_font()
                .color(&color)
                .pos(Pos::new(anchor, VPos::Center));
            chart
                .draw_series(std::iter::once(Text::new(tag(event), (x, y), font)))
                .or_text()?;
        }
        if !drawn.contains(&event.kind) {
            drawn.push(event.kind.clone());
        }
    }
    Ok(drawn)
}

/// One legend entry per kind in `drawn`, with how many of `events` are of that kind.
pub fn legend(legend: &mut Legend, events: &[&TimelineEvent], drawn: &[String]) {
    for kind in ["mark", "oom_kill", "growth_onset", "restart"] {
        if !drawn.iter().any(|d| d == kind) {
            continue;
        }
        let count = events.iter().filter(|e| e.kind == kind).count();
        let (color, name) = style(kind);
        let text = if kind == "mark" {
            format!("marked moment ({count})")
        } else {
            format!("{name} ({count})")
        };
        legend.add(Mark::Dashed { color, width: 2 }, text);
    }
}

//! Small multiples: one service on each of its hosts, one panel per host on shared axes,
//! the same memory kinds in the same colours, so differences between hosts stand out;
//! marks, restarts, OOM kills and growth onsets on each host's panel.

use super::axes::{ByteUnit, kind_color};
use super::events;
use super::legend::{Legend, Mark};
use super::panel::{self, Extent, OrText};
use crate::render::text::verdict_label;
use crate::report::{Report, SeriesReport, TargetReport};
use crate::units::parse_timestamp;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Panels per row.
pub const COLUMNS: usize = 3;

/// The kinds compared, drawn in this order (largest first, so smaller ones stay visible).
const KINDS: [&str; 6] = [
    "cgroup_usage",
    "cgroup_cache",
    "cgroup_rss",
    "process_rss",
    "heap_used",
    "external",
];

fn shown(target: &TargetReport) -> Vec<&SeriesReport> {
    KINDS
        .iter()
        .filter_map(|kind| {
            target
                .series
                .iter()
                .find(|s| s.kind == *kind && s.view == "raw" && s.space.is_none())
        })
        .collect()
}

/// Draws the small multiples of `service`.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
    service: &str,
) -> Result<(), String> {
    let targets: Vec<&TargetReport> = report
        .targets
        .iter()
        .filter(|t| t.service == service)
        .collect();
    let mut extent = Extent::empty();
    for target in &targets {
        for series in shown(target) {
            extent.include_points(&series.samples);
        }
    }
    let extent = extent.usable(
        parse_timestamp(&report.window.start).unwrap_or(f64::NAN),
        parse_timestamp(&report.window.end).unwrap_or(f64::NAN),
    );
    let unit = ByteUnit::for_max(extent.max_bytes);

    let title = format!("{service} across hosts (shared axes)");
    let (plot, side) = panel::layout(root, &title)?;
    let columns = targets.len().clamp(1, COLUMNS);
    let rows = targets.len().div_ceil(columns).max(1);
    let panels = plot.split_evenly((rows, columns.max(2)));
    let mut drawn: Vec<&str> = Vec::new();
    let mut moments = Vec::new();
    let mut moments_drawn: Vec<String> = Vec::new();
    for (target, area) in targets.iter().zip(panels.iter()) {
        let caption = format!("{}: {}", target.host, verdict_label(target.verdict));
        let mut chart = panel::build(area, Some(&caption), extent, unit, true)?;
        let mine = events::of_target(report, &target.service, &target.host, true);
        let top = chart.y_range().end;
        for kind in events::draw(&mut chart, &mine, (extent.start, extent.end, top), false)? {
            if !moments_drawn.contains(&kind) {
                moments_drawn.push(kind);
            }
        }
        moments.extend(
            mine.into_iter()
                .filter(|e| e.kind != "mark" || std::ptr::eq(*target, targets[0])),
        );
        let series = shown(target);
        if series.is_empty() {
            panel::empty_note(&mut chart, "no memory series")?;
            continue;
        }
        for s in series {
            chart
                .draw_series(LineSeries::new(
                    s.samples
                        .iter()
                        .filter(|p| p[1].is_finite())
                        .map(|p| (p[0], unit.scale(p[1]))),
                    kind_color(&s.kind).stroke_width(2),
                ))
                .or_text()?;
            if !drawn.contains(&s.kind.as_str()) {
                drawn.push(&s.kind);
            }
        }
    }
    let mut legend = Legend::default();
    for kind in KINDS.iter().filter(|k| drawn.contains(k)) {
        legend.add(
            Mark::Line {
                color: kind_color(kind),
                width: 3,
            },
            *kind,
        );
    }
    events::legend(&mut legend, &moments, &moments_drawn);
    legend.draw(&side, 40)
}

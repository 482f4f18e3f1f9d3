//! The cgroup breakdown of one target: anonymous memory (rss) and page cache stacked,
//! with the cgroup usage, the JavaScript heap and the limit drawn over them, so a reader
//! sees which part of the container's memory moves; the timeline's events are drawn over.

use super::axes::{ByteUnit, CACHE, LIMIT, RSS, kind_color};
use super::events;
use super::legend::{Legend, Mark};
use super::panel::{self, Extent, OrText};
use crate::report::{Report, SeriesReport, TargetReport};
use crate::units::{format_bytes, parse_timestamp};
use plotters::coord::Shift;
use plotters::prelude::*;

fn raw<'a>(target: &'a TargetReport, kind: &str) -> Option<&'a SeriesReport> {
    target
        .series
        .iter()
        .find(|s| s.kind == kind && s.view == "raw" && s.space.is_none())
}

/// Pairs rss and cache samples taken at the same instant: (t, rss, rss + cache).
fn stacked(rss: &[[f64; 2]], cache: &[[f64; 2]]) -> Vec<(f64, f64, f64)> {
    let mut out = Vec::with_capacity(rss.len().min(cache.len()));
    let (mut i, mut j) = (0, 0);
    while let (Some(r), Some(c)) = (rss.get(i), cache.get(j)) {
        if r[0] < c[0] {
            i += 1;
        } else if c[0] < r[0] {
            j += 1;
        } else {
            if r[1].is_finite() && c[1].is_finite() {
                out.push((r[0], r[1], r[1] + c[1]));
            }
            i += 1;
            j += 1;
        }
    }
    out
}

/// Draws the breakdown of one target.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
    target: &TargetReport,
) -> Result<(), String> {
    let caption = format!(
        "{} on {}: container memory, rss and page cache stacked",
        target.service, target.host
    );
    let (Some(rss), Some(cache)) = (raw(target, "cgroup_rss"), raw(target, "cgroup_cache")) else {
        return Err("the target has no cgroup_rss and cgroup_cache series".to_string());
    };
    let layers = stacked(&rss.samples, &cache.samples);
    let overlays: Vec<&SeriesReport> = ["cgroup_usage", "heap_used"]
        .iter()
        .filter_map(|k| raw(target, k))
        .collect();

    let mut extent = Extent::empty();
    let totals: Vec<[f64; 2]> = layers.iter().map(|(t, _, total)| [*t, *total]).collect();
    extent.include_points(&totals);
    for series in &overlays {
        extent.include_points(&series.samples);
    }
    let shown_limit = panel::drawable_limit(target.limit_bytes, extent.max_bytes);
    extent.include_level(shown_limit);
    let extent = extent.usable(
        parse_timestamp(&report.window.start).unwrap_or(f64::NAN),
        parse_timestamp(&report.window.end).unwrap_or(f64::NAN),
    );
    let unit = ByteUnit::for_max(extent.max_bytes);
    let (plot, side) = panel::layout(root, &caption)?;
    let mut chart = panel::build(&plot, None, extent, unit, false)?;
    let mut legend = Legend::default();
    if layers.is_empty() {
        panel::empty_note(&mut chart, "no rss and cache samples at the same instants")?;
        return legend.draw(&side, 12);
    }

    let cache_fill = CACHE.mix(0.75);
    chart
        .draw_series(AreaSeries::new(
            layers.iter().map(|(t, _, total)| (*t, unit.scale(*total))),
            0.0,
            cache_fill.filled(),
        ))
        .or_text()?;
    legend.add(
        Mark::Area { color: cache_fill },
        "cgroup_cache (page cache, reclaimable)",
    );
    let rss_fill = RSS.mix(0.8);
    chart
        .draw_series(AreaSeries::new(
            layers.iter().map(|(t, r, _)| (*t, unit.scale(*r))),
            0.0,
            rss_fill.filled(),
        ))
        .or_text()?;
    legend.add(Mark::Area { color: rss_fill }, "cgroup_rss (anonymous)");
    for series in overlays {
        let color = kind_color(&series.kind);
        chart
            .draw_series(LineSeries::new(
                series
                    .samples
                    .iter()
                    .filter(|p| p[1].is_finite())
                    .map(|p| (p[0], unit.scale(p[1]))),
                color.stroke_width(2),
            ))
            .or_text()?;
        legend.add(Mark::Line { color, width: 2 }, series.kind.clone());
    }
    let moments = events::of_target(report, &target.service, &target.host, true);
    let top = chart.y_range().end;
    let drawn = events::draw(&mut chart, &moments, (extent.start, extent.end, top), true)?;
    events::legend(&mut legend, &moments, &drawn);
    if let (None, Some(limit)) = (shown_limit, target.limit_bytes) {
        legend.add(
            Mark::Dashed {
                color: LIMIT,
                width: 2,
            },
            format!("limit {}, far above the chart", format_bytes(limit)),
        );
    }
    if let Some(limit) = shown_limit {
        let y = unit.scale(limit);
        chart
            .draw_series(DashedLineSeries::new(
                vec![(extent.start, y), (extent.end, y)],
                8,
                5,
                LIMIT.stroke_width(2),
            ))
            .or_text()?;
        legend.add(
            Mark::Dashed {
                color: LIMIT,
                width: 2,
            },
            format!("limit {}", format_bytes(limit)),
        );
    }
    legend.draw(&side, 12)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacks_only_matching_instants() {
        let rss = [[0.0, 1.0], [1.0, 2.0], [3.0, 4.0]];
        let cache = [[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]];
        assert_eq!(
            stacked(&rss, &cache),
            vec![(1.0, 2.0, 12.0), (3.0, 4.0, 34.0)]
        );
    }
}

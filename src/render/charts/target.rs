//! The per-target chart: the deciding series (raw and its post-GC floor), the selected
//! model solid with its projection dashed to the limit, the rival models, the limit, the
//! plateau asymptote, the restarts, and the timeline's marks, OOM kills and growth onsets.

use super::axes::{
    ByteUnit, DATA, DATA_LIGHT, FLOOR, FONT, LIMIT, MUTED, PROJECTED, RESTART, RIVAL, SELECTED,
    kind_color,
};
use super::events;
use super::legend::{Legend, Mark};
use super::panel::{self, Extent, OrText, Panel};
use crate::render::text::{
    confidence_text, limit_text, rate_text, series_label, time_to_limit_text, verdict_label,
};
use crate::report::{Report, SeriesReport, TargetReport};
use crate::units::{format_bytes, format_hours, parse_timestamp};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The series whose growth decided the verdict, or the best one to show: among the series
/// of the growth's kind (or all series when nothing grows), a fitted post-GC floor first,
/// then any fitted series, then any with samples.
pub fn primary(target: &TargetReport) -> Option<&SeriesReport> {
    let fitted = |s: &&SeriesReport| s.selected_model.is_some() && !s.samples.is_empty();
    let floor = |s: &&SeriesReport| s.view == "floor" && fitted(s);
    let pick = |candidates: &[&'_ SeriesReport]| -> Option<usize> {
        candidates
            .iter()
            .position(floor)
            .or_else(|| candidates.iter().position(fitted))
    };
    let all: Vec<&SeriesReport> = target.series.iter().collect();
    let by_growth: Vec<&SeriesReport> = match &target.growth {
        Some(g) => all.iter().copied().filter(|s| s.kind == g.kind).collect(),
        None => Vec::new(),
    };
    pick(&by_growth)
        .and_then(|i| by_growth.get(i).copied())
        .or_else(|| by_growth.first().copied())
        .or_else(|| pick(&all).and_then(|i| all.get(i).copied()))
        .or_else(|| all.iter().copied().find(|s| !s.samples.is_empty()))
        .or_else(|| all.first().copied())
}

fn dashed<DB: DrawingBackend>(
    chart: &mut Panel<'_, DB>,
    points: Vec<(f64, f64)>,
    color: RGBColor,
    width: u32,
) -> Result<(), String> {
    chart
        .draw_series(DashedLineSeries::new(
            points,
            8,
            5,
            color.stroke_width(width),
        ))
        .or_text()?;
    Ok(())
}

/// Draws the chart of one target.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
    target: &TargetReport,
) -> Result<(), String> {
    let caption = format!(
        "{} on {}: {}, {} confidence",
        target.service,
        target.host,
        verdict_label(target.verdict),
        confidence_text(target.confidence)
    );
    let main = primary(target);
    let companions: Vec<&SeriesReport> = main
        .map(|m| {
            target
                .series
                .iter()
                .filter(|s| s.kind == m.kind && s.space == m.space)
                .collect()
        })
        .unwrap_or_default();
    // The JavaScript heap as context when something else grows (native, cache growth).
    let context: Option<&SeriesReport> = main.filter(|m| m.kind != "heap_used").and_then(|_| {
        target
            .series
            .iter()
            .find(|s| s.kind == "heap_used" && s.view == "raw" && s.space.is_none())
    });
    let restarts: Vec<f64> = target
        .restart_times
        .iter()
        .filter_map(|t| parse_timestamp(t).ok())
        .collect();

    let mut extent = Extent::empty();
    for series in companions.iter().chain(context.iter()) {
        extent.include_points(&series.samples);
    }
    if let Some(m) = main {
        for model in &m.models {
            extent.include_points(&model.curve);
        }
    }
    for at in &restarts {
        extent.include_time(Some(*at));
    }
    extent.include_level(target.plateau.as_ref().map(|p| p.asymptote_bytes));
    let shown_limit = panel::drawable_limit(target.limit_bytes, extent.max_bytes);
    extent.include_level(shown_limit);
    extent.include_level(target.plateau.as_ref().map(|p| p.asymptote_bytes));
    let window = (
        parse_timestamp(&report.window.start).unwrap_or(f64::NAN),
        parse_timestamp(&report.window.end).unwrap_or(f64::NAN),
    );
    let extent = extent.usable(window.0, window.1);
    let unit = ByteUnit::for_max(extent.max_bytes);
    let (plot, side) = panel::layout(root, &caption)?;
    let mut chart = panel::build(&plot, None, extent, unit, false)?;
    let mut legend = Legend::default();
    legend.add(
        Mark::Note,
        format!("growth: {}", rate_text(target.growth.as_ref())),
    );
    legend.add(
        Mark::Note,
        format!("time to limit: {}", time_to_limit_text(target)),
    );

    let Some(main) = main.filter(|m| !m.samples.is_empty()) else {
        panel::empty_note(&mut chart, "no samples to draw")?;
        return legend.draw(&side, 12);
    };
    let top = chart.y_range().end;
    let (start, end) = (extent.start, extent.end);
    let scale = |points: &[[f64; 2]]| -> Vec<(f64, f64)> {
        points
            .iter()
            .filter(|p| p[0].is_finite() && p[1].is_finite())
            .map(|p| (p[0], unit.scale(p[1])))
            .collect()
    };

    // The projected future, shaded, behind everything else.
    let data_end = main.summary.end;
    if data_end.is_finite() && data_end < end {
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(data_end, 0.0), (end, top)],
                PROJECTED.filled(),
            )))
            .or_text()?;
        chart
            .draw_series(std::iter::once(Text::new(
                "projected",
                (data_end + (end - data_end) * 0.04, top * 0.97),
                (FONT, 14).into_font().color(&MUTED),
            )))
            .or_text()?;
    }

    // Restarts.
    for at in &restarts {
        dashed(&mut chart, vec![(*at, 0.0), (*at, top)], RESTART, 2)?;
    }
    if !restarts.is_empty() {
        legend.add(
            Mark::Dashed {
                color: RESTART,
                width: 2,
            },
            format!("restart ({})", restarts.len()),
        );
    }
    // Marks, OOM kills and growth onsets (the restarts are drawn above).
    let moments = events::of_target(report, &target.service, &target.host, false);
    let drawn = events::draw(&mut chart, &moments, (start, end, top), true)?;
    events::legend(&mut legend, &moments, &drawn);

    if let Some(series) = context {
        let color = kind_color("heap_used");
        chart
            .draw_series(LineSeries::new(
                scale(&series.samples),
                color.stroke_width(1),
            ))
            .or_text()?;
        legend.add(Mark::Line { color, width: 2 }, "heap_used (for comparison)");
    }

    // The data: raw lighter when a floor is drawn over it.
    let has_floor = companions.iter().any(|s| s.view == "floor");
    for series in &companions {
        let (color, width) = match (series.view.as_str(), has_floor) {
            ("floor", _) => (FLOOR, 2),
            (_, true) => (DATA_LIGHT, 1),
            _ => (DATA, 2),
        };
        chart
            .draw_series(LineSeries::new(
                scale(&series.samples),
                color.stroke_width(width),
            ))
            .or_text()?;
        let label = if series.view == "floor" {
            format!("{} floor (post-GC minima)", series.kind)
        } else {
            series_label(series)
        };
        legend.add(
            Mark::Line {
                color,
                width: width.max(2),
            },
            label,
        );
    }

    // Rival models, then the selected one (solid over the data, dashed beyond it).
    for model in &main.models {
        if Some(&model.name) == main.selected_model.as_ref() {
            continue;
        }
        dashed(&mut chart, scale(&model.curve), RIVAL, 2)?;
        legend.add(
            Mark::Dashed {
                color: RIVAL,
                width: 2,
            },
            format!("{} (ΔAICc {:.1})", model.name, model.delta_aicc),
        );
    }
    if let Some(model) = main
        .models
        .iter()
        .find(|m| Some(&m.name) == main.selected_model.as_ref())
    {
        let curve = scale(&model.curve);
        let (fitted, projected): (Vec<_>, Vec<_>) = curve.iter().partition(|(t, _)| *t <= data_end);
        chart
            .draw_series(LineSeries::new(
                fitted.clone(),
                SELECTED.mix(0.7).stroke_width(3),
            ))
            .or_text()?;
        legend.add(
            Mark::Line {
                color: SELECTED,
                width: 3,
            },
            format!("{}, selected (weight {:.2})", model.name, model.weight),
        );
        if !projected.is_empty() {
            let mut path: Vec<(f64, f64)> = fitted.last().copied().into_iter().collect();
            path.extend(projected);
            dashed(&mut chart, path, SELECTED, 3)?;
            legend.add(
                Mark::Dashed {
                    color: SELECTED,
                    width: 3,
                },
                "projection",
            );
        }
    }

    // Levels: the limit and a plateau's asymptote.
    if shown_limit.is_none() && target.limit_bytes.is_some() {
        legend.add(
            Mark::Dashed {
                color: LIMIT,
                width: 2,
            },
            format!("limit {}, far above the chart", limit_text(target)),
        );
    }
    if let Some(limit) = shown_limit {
        let y = unit.scale(limit);
        dashed(&mut chart, vec![(start, y), (end, y)], LIMIT, 2)?;
        legend.add(
            Mark::Dashed {
                color: LIMIT,
                width: 2,
            },
            format!("limit {}", limit_text(target)),
        );
        if let Some(hours) = target.time_to_limit_hours.filter(|h| h.is_finite()) {
            let at = data_end + hours * 3600.0;
            if at <= end {
                chart
                    .draw_series(std::iter::once(Circle::new((at, y), 6, SELECTED.filled())))
                    .or_text()?;
                legend.add(
                    Mark::Dot { color: SELECTED },
                    format!("limit reached in {}", format_hours(hours)),
                );
                let text = format!("limit in {}", format_hours(hours));
                let style = (FONT, 15, FontStyle::Bold)
                    .into_font()
                    .color(&SELECTED)
                    .pos(Pos::new(HPos::Right, VPos::Bottom));
                chart
                    .draw_series(std::iter::once(Text::new(
                        text,
                        (at - (end - start) * 0.01, y),
                        style,
                    )))
                    .or_text()?;
            }
        }
    }
    if let Some(plateau) = &target.plateau {
        let y = unit.scale(plateau.asymptote_bytes);
        let color = kind_color("heap_used");
        dashed(&mut chart, vec![(start, y), (end, y)], color, 2)?;
        legend.add(
            Mark::Dashed { color, width: 2 },
            format!("asymptote {}", format_bytes(plateau.asymptote_bytes)),
        );
    }
    legend.draw(&side, 12)
}

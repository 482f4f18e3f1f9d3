//! The per-target chart: the deciding series (raw and its post-GC floor), the selected
//! model solid with its projection dashed to the limit, the rival models, the limit, the
//! plateau asymptote and the restarts.

use super::axes::{
    ByteUnit, DATA, DATA_LIGHT, FLOOR, FONT, INK, LIMIT, RESTART, RIVAL, SELECTED, kind_color,
};
use super::panel::{self, Extent, OrText, Panel};
use crate::render::text::{confidence_text, series_label, verdict_label};
use crate::report::{Report, SeriesReport, TargetReport};
use crate::units::{format_bytes, format_hours, parse_timestamp};
use plotters::chart::SeriesAnno;
use plotters::coord::Shift;
use plotters::prelude::*;

/// The series whose growth decided the verdict, or the best one to show.
pub fn primary(target: &TargetReport) -> Option<&SeriesReport> {
    let fitted = |s: &&SeriesReport| s.selected_model.is_some() && !s.samples.is_empty();
    let by_growth = target
        .growth
        .as_ref()
        .map(|g| {
            target
                .series
                .iter()
                .filter(|s| s.kind == g.kind)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    by_growth
        .iter()
        .copied()
        .find(fitted)
        .or_else(|| by_growth.first().copied())
        .or_else(|| target.series.iter().find(fitted))
        .or_else(|| target.series.iter().find(|s| !s.samples.is_empty()))
        .or_else(|| target.series.first())
}

fn line_legend<DB: DrawingBackend>(
    series: &mut SeriesAnno<'_, DB>,
    label: String,
    style: ShapeStyle,
) {
    series
        .label(label)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
}

fn dashed<DB: DrawingBackend>(
    chart: &mut Panel<'_, DB>,
    points: Vec<(f64, f64)>,
    style: ShapeStyle,
    label: Option<String>,
) -> Result<(), String> {
    let anno = chart
        .draw_series(DashedLineSeries::new(points, 8, 5, style))
        .or_text()?;
    if let Some(label) = label {
        line_legend(anno, label, style);
    }
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
    let restarts: Vec<f64> = target
        .restart_times
        .iter()
        .filter_map(|t| parse_timestamp(t).ok())
        .collect();

    let mut extent = Extent::empty();
    for series in &companions {
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
    extent.include_level(target.limit_bytes);
    extent.include_level(target.plateau.as_ref().map(|p| p.asymptote_bytes));
    let window = (
        parse_timestamp(&report.window.start).unwrap_or(f64::NAN),
        parse_timestamp(&report.window.end).unwrap_or(f64::NAN),
    );
    let extent = extent.usable(window.0, window.1);
    let unit = ByteUnit::for_max(extent.max_bytes);
    let mut chart = panel::build(root, &caption, extent, unit, false)?;

    let Some(main) = main.filter(|m| !m.samples.is_empty()) else {
        return panel::empty_note(&mut chart, "no samples to draw");
    };
    let top = chart.y_range().end;
    let scale = |points: &[[f64; 2]]| -> Vec<(f64, f64)> {
        points
            .iter()
            .filter(|p| p[0].is_finite() && p[1].is_finite())
            .map(|p| (p[0], unit.scale(p[1])))
            .collect()
    };

    // Restarts, behind everything else.
    for (i, at) in restarts.iter().enumerate() {
        let style = RESTART.stroke_width(2);
        let anno = chart
            .draw_series(LineSeries::new(vec![(*at, 0.0), (*at, top)], style))
            .or_text()?;
        if i == 0 {
            line_legend(anno, format!("restart ({})", restarts.len()), style);
        }
    }

    // The data: raw lighter when a floor is drawn over it.
    let has_floor = companions.iter().any(|s| s.view == "floor");
    for series in &companions {
        let (color, width) = match (series.view.as_str(), has_floor) {
            ("floor", _) => (FLOOR, 3),
            (_, true) => (DATA_LIGHT, 1),
            _ => (DATA, 2),
        };
        let style = color.stroke_width(width);
        let anno = chart
            .draw_series(LineSeries::new(scale(&series.samples), style))
            .or_text()?;
        let label = if series.view == "floor" {
            format!("{} (post-GC minima)", series_label(series))
        } else {
            series_label(series)
        };
        line_legend(anno, label, style);
    }

    // Rival models, then the selected one (solid over the data, dashed beyond it).
    let data_end = main.summary.end;
    for model in &main.models {
        if Some(&model.name) == main.selected_model.as_ref() {
            continue;
        }
        let label = format!("{} (ΔAICc {:.1})", model.name, model.delta_aicc);
        dashed(
            &mut chart,
            scale(&model.curve),
            RIVAL.stroke_width(2),
            Some(label),
        )?;
    }
    if let Some(model) = main
        .models
        .iter()
        .find(|m| Some(&m.name) == main.selected_model.as_ref())
    {
        let curve = scale(&model.curve);
        let (fitted, projected): (Vec<_>, Vec<_>) = curve.iter().partition(|(t, _)| *t <= data_end);
        let style = SELECTED.stroke_width(3);
        let anno = chart
            .draw_series(LineSeries::new(fitted.clone(), style))
            .or_text()?;
        line_legend(
            anno,
            format!("{}, selected (weight {:.2})", model.name, model.weight),
            style,
        );
        if !projected.is_empty() {
            let mut path: Vec<(f64, f64)> = fitted.last().copied().into_iter().collect();
            path.extend(projected);
            dashed(
                &mut chart,
                path,
                SELECTED.stroke_width(2),
                Some("projection".to_string()),
            )?;
        }
    }

    // Levels: the limit and a plateau's asymptote.
    let (start, end) = (extent.start, chart.x_range().end);
    if let Some(limit) = target.limit_bytes.filter(|l| l.is_finite()) {
        let y = unit.scale(limit);
        let label = format!(
            "limit {}{}",
            format_bytes(limit),
            target
                .limit_source
                .as_ref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default()
        );
        dashed(
            &mut chart,
            vec![(start, y), (end, y)],
            LIMIT.stroke_width(2),
            Some(label),
        )?;
        if let Some(hours) = target.time_to_limit_hours.filter(|h| h.is_finite()) {
            let at = data_end + hours * 3600.0;
            if at <= end {
                chart
                    .draw_series(std::iter::once(Circle::new((at, y), 6, SELECTED.filled())))
                    .or_text()?;
                let text = format!("limit in {}", format_hours(hours));
                let anchor = if at > start + (end - start) * 0.8 {
                    (at - (end - start) * 0.12, y * 0.93)
                } else {
                    (at, y * 0.93)
                };
                chart
                    .draw_series(std::iter::once(Text::new(
                        text,
                        anchor,
                        (FONT, 15, FontStyle::Bold).into_font().color(&SELECTED),
                    )))
                    .or_text()?;
            }
        }
    }
    if let Some(plateau) = &target.plateau {
        let y = unit.scale(plateau.asymptote_bytes);
        let label = format!("asymptote {}", format_bytes(plateau.asymptote_bytes));
        dashed(
            &mut chart,
            vec![(start, y), (end, y)],
            kind_color("heap_used").stroke_width(2),
            Some(label),
        )?;
    }

    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(RIVAL)
        .label_font((FONT, 14).into_font().color(&INK))
        .draw()
        .or_text()
}

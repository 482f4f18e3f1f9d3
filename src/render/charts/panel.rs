//! One plotting panel with the house style: time on x (UTC ticks), bytes on y (a binary
//! unit with round labels), a light grid, and the extent of what will be drawn.

use super::axes::{ByteUnit, FONT, GRID, INK, MUTED, time_label, time_ticks, time_title};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::ops::Range;

/// A region of a chart.
pub type Area<DB> = DrawingArea<DB, Shift>;

/// The chart type every panel uses.
pub type Panel<'a, DB> = ChartContext<'a, DB, Cartesian2d<TimeAxis, RangedCoordf64>>;

/// A linear time axis (Unix seconds) whose ticks are given, aligned to whole hours or days.
#[derive(Debug, Clone)]
pub struct TimeAxis {
    start: f64,
    end: f64,
    ticks: Vec<f64>,
}

impl Ranged for TimeAxis {
    type ValueType = f64;
    type FormatOption = DefaultFormatting;

    fn range(&self) -> Range<f64> {
        self.start..self.end
    }

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let share = (value - self.start) / (self.end - self.start);
        let pixels = f64::from(limit.1 - limit.0) * share;
        limit.0 + (pixels + 1e-3).floor() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }
}

/// Turns any displayable drawing error into text.
pub trait OrText<T> {
    fn or_text(self) -> Result<T, String>;
}

impl<T, E: std::fmt::Display> OrText<T> for Result<T, E> {
    fn or_text(self) -> Result<T, String> {
        self.map_err(|e| e.to_string())
    }
}

/// The time span and the highest byte value a panel must show.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extent {
    pub start: f64,
    pub end: f64,
    pub max_bytes: f64,
}

impl Extent {
    pub fn empty() -> Extent {
        Extent {
            start: f64::INFINITY,
            end: f64::NEG_INFINITY,
            max_bytes: 0.0,
        }
    }

    /// Widens the extent to include these [unix_seconds, bytes] points.
    pub fn include_points(&mut self, points: &[[f64; 2]]) {
        for [t, v] in points {
            if t.is_finite() {
                self.start = self.start.min(*t);
                self.end = self.end.max(*t);
            }
            if v.is_finite() {
                self.max_bytes = self.max_bytes.max(*v);
            }
        }
    }

    /// Widens the byte range to include a level (a limit, an asymptote).
    pub fn include_level(&mut self, bytes: Option<f64>) {
        if let Some(bytes) = bytes.filter(|b| b.is_finite()) {
            self.max_bytes = self.max_bytes.max(bytes);
        }
    }

    /// Widens the time range to include an instant.
    pub fn include_time(&mut self, t: Option<f64>) {
        if let Some(t) = t.filter(|t| t.is_finite()) {
            self.start = self.start.min(t);
            self.end = self.end.max(t);
        }
    }

    /// A drawable extent: a non-empty time span and a positive byte range.
    pub fn usable(self, fallback_start: f64, fallback_end: f64) -> Extent {
        let (mut start, mut end) = if self.start.is_finite() && self.end.is_finite() {
            (self.start, self.end)
        } else {
            (fallback_start, fallback_end)
        };
        if !start.is_finite() || !end.is_finite() {
            start = 0.0;
            end = 3600.0;
        }
        if end <= start {
            end = start + 3600.0;
        }
        let max_bytes = if self.max_bytes > 0.0 {
            self.max_bytes
        } else {
            1024.0 * 1024.0
        };
        Extent {
            start,
            end,
            max_bytes,
        }
    }
}

/// Splits a chart under its title into the plot area and the legend column on the right.
pub fn layout<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<(Area<DB>, Area<DB>), String> {
    let body = root
        .margin(8, 0, 0, 0)
        .titled(title, (FONT, 22, FontStyle::Bold).into_font().color(&INK))
        .or_text()?;
    let (width, _) = body.dim_in_pixel();
    Ok(body.split_horizontally(width.saturating_sub(super::legend::WIDTH)))
}

/// Builds a panel on `area` over `extent`; y values are in `unit` (see [`ByteUnit::scale`]).
/// Small multiples pass a `caption` (the host); full charts have their title above.
pub fn build<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    caption: Option<&str>,
    extent: Extent,
    unit: ByteUnit,
    compact: bool,
) -> Result<Panel<'a, DB>, String> {
    let max_ticks = if compact { 5 } else { 8 };
    let (ticks, with_time) = time_ticks(extent.start, extent.end, max_ticks);
    let top = unit.scale(extent.max_bytes) * 1.08;
    let mut builder = ChartBuilder::on(area);
    if let Some(caption) = caption {
        builder.caption(caption, (FONT, 17, FontStyle::Bold).into_font().color(&INK));
    }
    let mut chart = builder
        .margin(12)
        .margin_right(24)
        .x_label_area_size(if compact { 36 } else { 44 })
        .y_label_area_size(if compact { 76 } else { 86 })
        .build_cartesian_2d(
            TimeAxis {
                start: extent.start,
                end: extent.end,
                ticks,
            },
            0f64..top,
        )
        .or_text()?;
    chart
        .configure_mesh()
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(GRID)
        .axis_style(MUTED)
        .y_labels(if compact { 6 } else { 8 })
        .label_style((FONT, 14).into_font().color(&INK))
        .axis_desc_style((FONT, 14).into_font().color(&MUTED))
        .x_label_formatter(&|t| time_label(*t, with_time))
        .y_label_formatter(&|v| unit.label(*v))
        .x_desc(time_title(extent.start, with_time))
        .draw()
        .or_text()?;
    Ok(chart)
}

/// Draws a message in the middle of a panel that has nothing to plot.
pub fn empty_note<DB: DrawingBackend>(panel: &mut Panel<'_, DB>, text: &str) -> Result<(), String> {
    let x = panel.x_range();
    let y = panel.y_range();
    let at = (x.start + (x.end - x.start) * 0.35, y.end * 0.55);
    panel
        .draw_series(std::iter::once(Text::new(
            text.to_string(),
            at,
            (FONT, 18).into_font().color(&MUTED),
        )))
        .or_text()?;
    Ok(())
}

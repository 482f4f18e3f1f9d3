//! Charts (plotters), as SVG text or PNG files: per target the series with its fitted
//! models and projection, the cgroup breakdown, and small multiples across hosts.
//!
//! [`plan`] lists the charts a report gets, with stable file stems; [`render_svg`] and
//! [`render_png`] draw one. Text uses an embedded DejaVu Sans, so charts render the same
//! on a machine without system fonts.

mod axes;
mod breakdown;
mod events;
mod hosts;
mod legend;
mod panel;
mod target;

use super::RenderError;
use crate::report::{Report, TargetReport};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;
use std::sync::OnceLock;

/// What a chart shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChartKind {
    /// The deciding series of `report.targets[index]` with its models and projection.
    Target(usize),
    /// The cgroup breakdown (rss and cache stacked) of `report.targets[index]`.
    Breakdown(usize),
    /// One service across its hosts, small multiples on shared axes.
    Hosts(String),
}

/// One chart of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartSpec {
    /// File name without extension, unique within the report: `01-otl-api-host-a-series`.
    pub stem: String,
    /// A one-line description, used as the image's alternative text.
    pub title: String,
    pub kind: ChartKind,
    /// Width and height in pixels.
    pub size: (u32, u32),
}

/// Keeps ASCII letters, digits, `-` and `_`; anything else becomes `-`.
fn slug(text: &str) -> String {
    let slug: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let trimmed = slug.trim_matches('-');
    if trimmed.is_empty() {
        "x".to_string()
    } else {
        trimmed.chars().take(60).collect()
    }
}

fn has_raw(target: &TargetReport, kind: &str) -> bool {
    target
        .series
        .iter()
        .any(|s| s.kind == kind && s.view == "raw" && !s.samples.is_empty())
}

/// The charts of a report, in report order: per target its series chart and, when it has
/// both cgroup rss and cache, its breakdown; then per service seen on two or more hosts,
/// the small multiples.
pub fn plan(report: &Report) -> Vec<ChartSpec> {
    let mut specs = Vec::new();
    for (index, target) in report.targets.iter().enumerate() {
        let prefix = format!(
            "{:02}-{}-{}",
            index + 1,
            slug(&target.service),
            slug(&target.host)
        );
        specs.push(ChartSpec {
            stem: format!("{prefix}-series"),
            title: format!(
                "{} on {}: memory with fitted models and projection",
                target.service, target.host
            ),
            kind: ChartKind::Target(index),
            size: (1200, 560),
        });
        if has_raw(target, "cgroup_rss") && has_raw(target, "cgroup_cache") {
            specs.push(ChartSpec {
                stem: format!("{prefix}-breakdown"),
                title: format!(
                    "{} on {}: container memory, rss and page cache stacked",
                    target.service, target.host
                ),
                kind: ChartKind::Breakdown(index),
                size: (1200, 460),
            });
        }
    }
    let mut services: Vec<&str> = Vec::new();
    for target in &report.targets {
        if !services.contains(&target.service.as_str()) {
            services.push(&target.service);
        }
    }
    for (index, service) in services.into_iter().enumerate() {
        let hosts = report
            .targets
            .iter()
            .filter(|t| t.service == service)
            .count();
        if hosts < 2 {
            continue;
        }
        let rows = hosts.div_ceil(hosts::COLUMNS) as u32;
        let columns = hosts.min(hosts::COLUMNS) as u32;
        specs.push(ChartSpec {
            stem: format!("hosts-{:02}-{}", index + 1, slug(service)),
            title: format!("{service} across {hosts} hosts, shared axes"),
            kind: ChartKind::Hosts(service.to_string()),
            size: (columns.max(2) * 500 + legend::WIDTH, rows * 400 + 40),
        });
    }
    specs
}

static FONTS: OnceLock<bool> = OnceLock::new();

/// Registers the embedded fonts with plotters (once per process).
fn ensure_fonts() -> Result<(), RenderError> {
    let ok = *FONTS.get_or_init(|| {
        let regular = plotters::style::register_font(
            axes::FONT,
            FontStyle::Normal,
            include_bytes!("../../../assets/fonts/DejaVuSans.ttf"),
        );
        let bold = plotters::style::register_font(
            axes::FONT,
            FontStyle::Bold,
            include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf"),
        );
        regular.is_ok() && bold.is_ok()
    });
    if ok { Ok(()) } else { Err(RenderError::Font) }
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
    spec: &ChartSpec,
) -> Result<(), String> {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    match &spec.kind {
        ChartKind::Target(index) => match report.targets.get(*index) {
            Some(t) => target::draw(root, report, t).map_err(|e| e.to_string()),
            None => Err(format!("no target number {index}")),
        },
        ChartKind::Breakdown(index) => match report.targets.get(*index) {
            Some(t) => breakdown::draw(root, report, t).map_err(|e| e.to_string()),
            None => Err(format!("no target number {index}")),
        },
        ChartKind::Hosts(service) => hosts::draw(root, report, service).map_err(|e| e.to_string()),
    }?;
    root.present().map_err(|e| e.to_string())
}

/// Draws one chart as an SVG document.
pub fn render_svg(report: &Report, spec: &ChartSpec) -> Result<String, RenderError> {
    ensure_fonts()?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, spec.size).into_drawing_area();
        draw(&root, report, spec).map_err(|message| RenderError::Chart {
            chart: spec.stem.clone(),
            message,
        })?;
    }
    if !svg.ends_with('\n') {
        svg.push('\n');
    }
    // Labels reach the text of the chart as they are; control characters must not.
    Ok(crate::render::text::visible(&svg))
}

/// Draws one chart as a PNG file at `path`.
pub fn render_png(report: &Report, spec: &ChartSpec, path: &Path) -> Result<(), RenderError> {
    ensure_fonts()?;
    let root = BitMapBackend::new(path, spec.size).into_drawing_area();
    draw(&root, report, spec).map_err(|message| RenderError::Chart {
        chart: spec.stem.clone(),
        message: format!("{message} (writing {})", path.display()),
    })
}

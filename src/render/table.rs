//! The terminal view: a verdict table per target, a sparkline per series, the comparison.

use super::TerminalStyle;
use super::sparkline::sparkline;
use super::text::{
    attribution_headline, ci_text, confidence_text, p_clause, rate_text, series_label, share_text,
    target_label, time_to_limit_text, verdict_label,
};
use crate::report::{Report, TargetReport};
use crate::units::{format_bytes, format_rate};
use crate::verdict::Verdict;
use comfy_table::{Attribute, Cell, Color, ContentArrangement, Table, modifiers, presets};
use std::fmt::Write as _;

/// How many reasons the table shows per target (the rest are in the other formats).
const TABLE_REASONS: usize = 2;
/// Characters of a sparkline, and on terminals narrower than `NARROW`.
const SPARKLINE_WIDTH: usize = 40;
const SPARKLINE_NARROW: usize = 20;
/// Below this many columns the reasons leave the table and follow it, one per line.
const NARROW: u16 = 120;

fn reasons_in_table(style: TerminalStyle) -> bool {
    style.width.is_none_or(|w| w >= NARROW)
}

fn verdict_color(verdict: Verdict) -> Color {
    match verdict {
        Verdict::Leak | Verdict::RestartMaskedLeak => Color::Red,
        Verdict::NativeGrowth => Color::Magenta,
        Verdict::CacheGrowth => Color::Cyan,
        Verdict::Plateau => Color::Yellow,
        Verdict::Stable => Color::Green,
        Verdict::InsufficientData => Color::DarkGrey,
    }
}

fn ansi_code(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Leak | Verdict::RestartMaskedLeak => "1;31",
        Verdict::NativeGrowth => "1;35",
        Verdict::CacheGrowth => "1;36",
        Verdict::Plateau => "1;33",
        Verdict::Stable => "1;32",
        Verdict::InsufficientData => "2",
    }
}

/// The verdict word, coloured when the style allows.
fn painted(verdict: Verdict, style: TerminalStyle) -> String {
    if style.color {
        format!(
            "\x1b[{}m{}\x1b[0m",
            ansi_code(verdict),
            verdict_label(verdict)
        )
    } else {
        verdict_label(verdict).to_string()
    }
}

fn reasons_cell(target: &TargetReport) -> String {
    if target.reasons.is_empty() {
        return "-".to_string();
    }
    target
        .reasons
        .iter()
        .take(TABLE_REASONS)
        .map(|r| format!("• {r}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn growth_cell(target: &TargetReport) -> String {
    match &target.growth {
        Some(_) => format!(
            "{}\n{}",
            rate_text(target.growth.as_ref()),
            ci_text(target.growth.as_ref())
        ),
        None => "none".to_string(),
    }
}

/// The verdict table: service, host, verdict, confidence, growth with its 95% interval,
/// time to limit and the top reasons. Wraps to `style.width` when given; on terminals
/// narrower than 120 columns the reasons are left to [`render_terminal`], below the table.
pub fn render_table(report: &Report, style: TerminalStyle) -> String {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .apply_modifier(modifiers::UTF8_ROUND_CORNERS);
    if style.color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    match style.width {
        Some(width) => {
            table
                .set_width(width)
                .set_content_arrangement(ContentArrangement::Dynamic);
        }
        None => {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    let mut header = vec![
        "Service",
        "Host",
        "Verdict",
        "Confidence",
        "Growth [95% CI]",
        "Time to limit",
    ];
    if reasons_in_table(style) {
        header.push("Top reasons");
    }
    table.set_header(header.iter().map(|h| {
        let cell = Cell::new(h);
        if style.color {
            cell.add_attribute(Attribute::Bold)
        } else {
            cell
        }
    }));
    for target in &report.targets {
        let mut verdict = Cell::new(verdict_label(target.verdict));
        if style.color {
            verdict = verdict
                .fg(verdict_color(target.verdict))
                .add_attribute(Attribute::Bold);
        }
        let mut row = vec![
            Cell::new(&target.service),
            Cell::new(&target.host),
            verdict,
            Cell::new(confidence_text(target.confidence)),
            Cell::new(growth_cell(target)),
            Cell::new(time_to_limit_text(target)),
        ];
        if reasons_in_table(style) {
            row.push(Cell::new(reasons_cell(target)));
        }
        table.add_row(row);
    }
    table.to_string()
}

/// Everything the terminal shows: a headline, the verdict table, a sparkline per
/// series and the cross-host explanation with its recommendations.
pub fn render_terminal(report: &Report, style: TerminalStyle) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {}: {} ({} to {}, {} target{})",
        report.tool.name,
        report.tool.version,
        painted(report.verdict, style),
        report.window.start,
        report.window.end,
        report.targets.len(),
        if report.targets.len() == 1 { "" } else { "s" },
    );
    out.push_str(&render_table(report, style));
    out.push('\n');
    for target in &report.targets {
        let _ = writeln!(
            out,
            "\n{}: {}",
            target_label(target),
            painted(target.verdict, style)
        );
        if !reasons_in_table(style) {
            for reason in &target.reasons {
                let _ = writeln!(out, "  • {reason}");
            }
        }
        let spark_width = if reasons_in_table(style) {
            SPARKLINE_WIDTH
        } else {
            SPARKLINE_NARROW
        };
        let label_width = target
            .series
            .iter()
            .map(|s| series_label(s).chars().count())
            .max()
            .unwrap_or(0);
        for series in &target.series {
            let label = series_label(series);
            let trend = series
                .trend
                .as_ref()
                .map(|t| {
                    format!(
                        "  {} ({})",
                        format_rate(t.slope_per_hour),
                        p_clause(t.p_value)
                    )
                })
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {label:<label_width$}  {:<spark_width$}  {} → {}{trend}",
                sparkline(&series.samples, spark_width),
                format_bytes(series.summary.first),
                format_bytes(series.summary.last),
            );
        }
    }
    out.push_str(&render_comparison(report));
    out
}

/// The cross-host section alone: the explanation, the attributions and the
/// recommendations (what `compare` prints, and the end of the terminal view).
pub fn render_comparison(report: &Report) -> String {
    let mut out = String::new();
    let comparison = &report.comparison;
    if !comparison.explanation.is_empty() || !comparison.recommendations.is_empty() {
        let _ = writeln!(out, "\nAcross hosts ({}):", comparison.hosts.join(", "));
        for line in &comparison.explanation {
            let _ = writeln!(out, "  • {line}");
        }
        for a in &comparison.attributions {
            let parts: Vec<String> = a
                .components
                .iter()
                .filter(|c| c.part_of.is_none())
                .map(|c| format!("{} {}", c.component, share_text(c.share)))
                .collect();
            let _ = writeln!(
                out,
                "  • {} ({})",
                attribution_headline(a),
                parts.join(", ")
            );
        }
        if !comparison.recommendations.is_empty() {
            let _ = writeln!(out, "Recommendations:");
            for line in &comparison.recommendations {
                let _ = writeln!(out, "  • {line}");
            }
        }
    }
    out
}

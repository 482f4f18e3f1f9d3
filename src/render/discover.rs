//! The discovery table: which kinds exist on which host, how well they are scraped, what is missing.

use super::TerminalStyle;
use crate::prom::DiscoveryReport;
use crate::units::{format_hours, rfc3339};
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use std::fmt::Write;

/// Renders a discovery report for the terminal.
pub fn render_discovery(report: &DiscoveryReport, style: TerminalStyle) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} to {} (step {:.0} s), {} host{}",
        report.location,
        rfc3339(report.start),
        rfc3339(report.end),
        report.step,
        report.hosts.len(),
        if report.hosts.len() == 1 { "" } else { "s" }
    );
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    if let Some(width) = style.width {
        table
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(width);
    }
    table.set_header(["Host", "Kind", "Series", "Scrape", "Coverage", "Gaps"]);
    for host in &report.hosts {
        for kind in &host.kinds {
            let gaps: f64 = kind.gaps.iter().map(|g| (g.end - g.start) / 3600.0).sum();
            table.add_row([
                host.host.clone(),
                kind.kind.to_string(),
                kind.series.to_string(),
                kind.scrape_interval_seconds
                    .map(|s| format!("{s:.0} s"))
                    .unwrap_or_else(|| "?".to_string()),
                format!("{:.0}%", kind.coverage * 100.0),
                if kind.gaps.is_empty() {
                    "none".to_string()
                } else {
                    format!("{} ({})", kind.gaps.len(), format_hours(gaps))
                },
            ]);
        }
    }
    let _ = writeln!(out, "{table}");
    for host in &report.hosts {
        for missing in &host.missing {
            let kinds: Vec<&str> = missing.kinds.iter().map(|k| k.as_str()).collect();
            let _ = writeln!(
                out,
                "  missing on {}: {}: {}",
                host.host,
                kinds.join(", "),
                missing.cost
            );
        }
    }
    for missing in &report.missing_everywhere {
        let kinds: Vec<&str> = missing.kinds.iter().map(|k| k.as_str()).collect();
        let _ = writeln!(
            out,
            "  missing everywhere: {}: {}",
            kinds.join(", "),
            missing.cost
        );
    }
    for warning in &report.warnings {
        let _ = writeln!(out, "  warning: {warning}");
    }
    out
}

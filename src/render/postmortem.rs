//! The postmortem sections spelled for each format: the timeline, the before/after
//! table with its headline sentences, and the bundles the report cites. The words come
//! from [`super::postmortem_text`]; each function here only spells them.

use super::charts::{self, ChartKind};
use super::postmortem_text::{
    CHANGE_HEADER, ChangeRow, baseline_headlines, baseline_intro, bundle_lines, change_rows, events,
};
use super::table::wrap;
use super::text::{escape_md, escape_xml as esc};
use crate::report::Report;
use std::fmt::Write as _;

/// For the terminal: the timeline and the before/after headlines, after the table,
/// wrapped to `width` when given.
pub fn terminal(report: &Report, width: Option<usize>) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut put =
        |text: &str, first: &str, rest: &str| lines.extend(wrap(text, width, first, rest));
    let timeline = events(report);
    if !timeline.is_empty() {
        put("", "", "");
        put("Timeline:", "", "");
        for e in &timeline {
            put(
                &format!("{} · {} ({})", e.time, e.what(), e.place),
                "  ",
                "    ",
            );
            for line in e.around_lines() {
                put(&line, "      ", "        ");
            }
        }
    }
    let headlines = baseline_headlines(report);
    if !headlines.is_empty() {
        put("", "", "");
        put("Before and after:", "", "");
        for line in headlines {
            put(&format!("• {line}"), "  ", "    ");
        }
    }
    for line in bundle_lines(report) {
        put("", "", "");
        put(&format!("Data: {line}"), "", "  ");
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// The bundle citations for the top of `report.md`.
pub fn markdown_sources(report: &Report) -> String {
    let mut out = String::new();
    for line in bundle_lines(report) {
        let _ = writeln!(out, "Data: {}\n", escape_md(&line));
    }
    out
}

fn md_change_table(out: &mut String, rows: &[ChangeRow]) {
    let _ = writeln!(out, "| {} |", CHANGE_HEADER.join(" | "));
    out.push_str("|---|---|---:|---:|---:|---|---|---|---|\n");
    for r in rows {
        let cells: Vec<String> = r
            .cells()
            .iter()
            .enumerate()
            .map(|(i, cell)| match (i, r.decisive) {
                (1, true) => format!("**{}**", escape_md(cell)),
                _ => escape_md(cell),
            })
            .collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
}

/// For `report.md`, right after the verdict table, so that the opening is a summary to
/// paste into a postmortem: the timeline, before and after, and links to the series
/// charts (`chart_dir`) that draw the timeline. Empty for a report with neither.
pub fn markdown(report: &Report, chart_dir: Option<&str>) -> String {
    let mut out = String::new();
    if report.timeline.is_empty() && report.baseline.is_none() {
        return out;
    }
    let timeline = events(report);
    if !timeline.is_empty() {
        out.push_str("\n## Timeline\n\n");
        for e in &timeline {
            let (time, what) = (escape_md(&e.time), escape_md(&e.what()));
            let _ = writeln!(out, "- **{time}** · {what} ({})", escape_md(&e.place));
            for line in e.around_lines() {
                let _ = writeln!(out, "  - {}", escape_md(&line));
            }
        }
    }
    let headlines = baseline_headlines(report);
    if let Some(b) = &report.baseline {
        let intro = escape_md(&baseline_intro(b));
        let _ = writeln!(out, "\n## Before and after\n\n{intro}\n");
        for line in &headlines {
            let _ = writeln!(out, "- {}", escape_md(line));
        }
        let rows = change_rows(report);
        // The decisive series of each target, open for pasting; every series folded.
        let decisive: Vec<ChangeRow> = rows.iter().filter(|r| r.decisive).cloned().collect();
        if !decisive.is_empty() {
            out.push('\n');
            md_change_table(&mut out, &decisive);
        }
        if rows.len() > decisive.len() {
            out.push_str("\n<details><summary>Every series before and after</summary>\n\n");
            md_change_table(&mut out, &rows);
            out.push_str("\n</details>\n");
        }
        let _ = writeln!(out, "\nMethod: {}.", escape_md(&b.method));
    }
    if let Some(dir) = chart_dir {
        let links: Vec<String> = charts::plan(report)
            .iter()
            .filter(|spec| !matches!(spec.kind, ChartKind::Breakdown(_)))
            .map(|spec| format!("[{}]({dir}/{}.png)", escape_md(&spec.title), spec.stem))
            .collect();
        if !links.is_empty() {
            let _ = writeln!(out, "\nCharts: {}", links.join(" · "));
        }
    }
    out
}

/// For `index.html`, right after the verdict table.
pub fn html(report: &Report) -> String {
    let mut out = String::new();
    for line in bundle_lines(report) {
        let _ = writeln!(
            out,
            "<p class=\"meta\">Data: <code>{}</code></p>",
            esc(&line)
        );
    }
    let timeline = events(report);
    if !timeline.is_empty() {
        out.push_str("<section><h2>Timeline</h2><ul>\n");
        for e in &timeline {
            let (time, what) = (esc(&e.time), esc(&e.what()));
            let _ = write!(out, "<li><strong>{time}</strong> · {what} ");
            let _ = write!(out, "<span class=\"muted\">({})</span>", esc(&e.place));
            let lines = e.around_lines();
            if !lines.is_empty() {
                out.push_str("<ul>");
                for line in lines {
                    let _ = write!(out, "<li>{}</li>", esc(&line));
                }
                out.push_str("</ul>");
            }
            out.push_str("</li>\n");
        }
        out.push_str("</ul></section>\n");
    }
    if let Some(b) = &report.baseline {
        let intro = esc(&baseline_intro(b));
        let _ = writeln!(
            out,
            "<section><h2>Before and after</h2><p class=\"meta\">{intro}</p><ul>"
        );
        for line in baseline_headlines(report) {
            let _ = writeln!(out, "<li>{}</li>", esc(&line));
        }
        out.push_str("</ul><table><thead><tr>");
        for h in CHANGE_HEADER {
            let _ = write!(out, "<th>{h}</th>");
        }
        out.push_str("</tr></thead><tbody>\n");
        for r in change_rows(report) {
            out.push_str("<tr>");
            for (i, cell) in r.cells().iter().enumerate() {
                let cell = esc(cell);
                let _ = match i {
                    1 if r.decisive => write!(out, "<td><code><strong>{cell}</strong></code></td>"),
                    1 => write!(out, "<td><code>{cell}</code></td>"),
                    2..=5 => write!(out, "<td class=\"num\">{cell}</td>"),
                    _ => write!(out, "<td>{cell}</td>"),
                };
            }
            out.push_str("</tr>\n");
        }
        let _ = writeln!(
            out,
            "</tbody></table><p class=\"meta\">Method: {}.</p></section>",
            esc(&b.method)
        );
    }
    out
}

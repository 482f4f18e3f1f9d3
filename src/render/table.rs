//! The terminal view: a verdict table per target, a sparkline per series, the comparison.

use super::TerminalStyle;
use super::sparkline::sparkline;
use super::text::{
    attribution_headline, ci_text, confidence_text, p_clause, rate_text, series_label, share_text,
    target_label, time_to_limit_text, verdict_label, visible,
};
use crate::report::{Report, SeriesReport, TargetReport};
use crate::units::{format_bytes, format_rate};
use crate::verdict::Verdict;
use comfy_table::{Attribute, Cell, Color, ContentArrangement, Table, modifiers, presets};
use std::fmt::Write as _;

/// How many reasons the table shows per target (the rest are in the other formats).
const TABLE_REASONS: usize = 2;
/// Characters of a sparkline at most.
const SPARKLINE_WIDTH: usize = 40;
/// Below this many columns the reasons leave the table and follow it, one per line.
const NARROW: u16 = 120;
/// The narrowest width lines are wrapped to; narrower terminals get lines this long.
const MIN_WIDTH: usize = 20;

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
        .map(|r| format!("• {}", visible(r)))
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
            Cell::new(visible(&target.service)),
            Cell::new(visible(&target.host)),
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

/// Everything the terminal shows: a headline, the verdict table, per target the series
/// that decide and explain its verdict (every series with `verbose`) and the cross-host
/// explanation with its recommendations. With a width (at least [`MIN_WIDTH`]), every line fits it: sentences
/// wrap, and a sparkline shrinks or moves below its numbers.
pub fn render_terminal(report: &Report, style: TerminalStyle) -> String {
    // A width of 0 is a terminal that does not say; below a floor, words would break.
    let width = style
        .width
        .map(usize::from)
        .filter(|w| *w > 0)
        .map(|w| w.max(MIN_WIDTH));
    let mut out = String::new();
    let headline = format!(
        "{} {}: {} ({} to {}, {} target{})",
        report.tool.name,
        report.tool.version,
        verdict_label(report.verdict),
        report.window.start,
        report.window.end,
        report.targets.len(),
        if report.targets.len() == 1 { "" } else { "s" },
    );
    for line in wrap(&headline, width, "", "  ") {
        // Colour is added after wrapping, so escape codes never count as columns.
        let line = line.replacen(
            verdict_label(report.verdict),
            &painted(report.verdict, style),
            1,
        );
        let _ = writeln!(out, "{line}");
    }
    out.push_str(&render_table(report, style));
    // The timeline names series by their labels: shown, never acted on.
    out.push_str(&visible(&super::postmortem::terminal(report, width)));
    out.push('\n');
    for target in &report.targets {
        out.push('\n');
        let heading = format!(
            "{}: {}",
            visible(&target_label(target)),
            verdict_label(target.verdict)
        );
        for line in wrap(&heading, width, "", "  ") {
            let line = line.replacen(
                &format!(": {}", verdict_label(target.verdict)),
                &format!(": {}", painted(target.verdict, style)),
                1,
            );
            let _ = writeln!(out, "{line}");
        }
        if !reasons_in_table(style) {
            for reason in &target.reasons {
                for line in wrap(&format!("• {}", visible(reason)), width, "  ", "    ") {
                    let _ = writeln!(out, "{line}");
                }
            }
        }
        let shown = shown_series(target, style.verbose);
        let label_width = shown
            .iter()
            .map(|s| series_label(s).chars().count())
            .max()
            .unwrap_or(0);
        for series in &shown {
            for line in series_lines(series, label_width, width) {
                let _ = writeln!(out, "{line}");
            }
        }
        let hidden = target.series.len() - shown.len();
        if hidden > 0 {
            let note = format!("… {hidden} more series (-v shows every series of the target)");
            for line in wrap(&note, width, "  ", "    ") {
                let _ = writeln!(out, "{line}");
            }
        }
    }
    out.push_str(&render_comparison_fit(report, width));
    out
}

/// Series shown per target by default besides the decisive one.
const EXPLAINING: usize = 4;

/// The label the verdict engine gives a series in `growth.kind` and regimes:
/// `heap_space_used{old} floor`, `process_rss outside heap`.
fn engine_label(series: &SeriesReport) -> String {
    let mut label = series.kind.clone();
    if let Some(space) = &series.space {
        label.push_str(&format!("{{{space}}}"));
    }
    match series.view.as_str() {
        "raw" => {}
        view => {
            label.push(' ');
            label.push_str(&view.replace('_', " "));
        }
    }
    label
}

/// Series (kind, space, view) that explain each verdict, most telling first.
fn explaining(verdict: Verdict) -> &'static [(&'static str, &'static str, &'static str)] {
    match verdict {
        Verdict::Leak | Verdict::RestartMaskedLeak => &[
            ("heap_space_used", "old", "floor"),
            ("heap_used", "", "floor"),
            ("process_rss", "", "raw"),
            ("cgroup_working_set", "", "raw"),
            ("external", "", "raw"),
        ],
        Verdict::NativeGrowth => &[
            ("process_rss", "", "outside_heap"),
            ("process_rss", "", "raw"),
            ("heap_used", "", "floor"),
            ("external", "", "raw"),
            ("cgroup_rss", "", "raw"),
        ],
        Verdict::CacheGrowth => &[
            ("cgroup_usage", "", "raw"),
            ("cgroup_cache", "", "raw"),
            ("cgroup_rss", "", "raw"),
            ("cgroup_working_set", "", "raw"),
            ("heap_used", "", "floor"),
        ],
        Verdict::Plateau => &[
            ("heap_used", "", "floor"),
            ("process_rss", "", "raw"),
            ("cgroup_working_set", "", "raw"),
            ("external", "", "raw"),
        ],
        Verdict::Stable | Verdict::InsufficientData => &[
            ("heap_space_used", "old", "floor"),
            ("heap_used", "", "floor"),
            ("process_rss", "", "raw"),
            ("cgroup_working_set", "", "raw"),
            ("cgroup_usage", "", "raw"),
        ],
    }
}

/// The series the terminal shows for a target, in report order: every one when
/// `verbose`, else the decisive series (the one its growth or current regime names)
/// and the few that explain the verdict.
fn shown_series(target: &TargetReport, verbose: bool) -> Vec<&SeriesReport> {
    if verbose {
        return target.series.iter().collect();
    }
    let decisive = target
        .current_regime
        .as_ref()
        .map(|r| r.series.as_str())
        .or(target.growth.as_ref().map(|g| g.kind.as_str()));
    let mut keep: Vec<usize> = Vec::new();
    if let Some(label) = decisive {
        keep.extend(target.series.iter().position(|s| engine_label(s) == label));
    }
    for (kind, space, view) in explaining(target.verdict) {
        if keep.len() > EXPLAINING {
            break;
        }
        let found = target.series.iter().position(|s| {
            s.kind == *kind && s.space.as_deref().unwrap_or("") == *space && s.view == *view
        });
        if let Some(i) = found.filter(|i| !keep.contains(i)) {
            keep.push(i);
        }
    }
    // A target of other kinds (Redis, another runtime): its first series.
    for i in 0..target.series.len() {
        if keep.len() >= 2.min(target.series.len()) {
            break;
        }
        if !keep.contains(&i) {
            keep.push(i);
        }
    }
    keep.sort_unstable();
    keep.iter().filter_map(|i| target.series.get(*i)).collect()
}

/// Sparklines are at most this wide, and at least this wide beside their numbers.
const SPARKLINE_MIN: usize = 16;

/// One series: label, sparkline, first → last and the trend on one line when they fit
/// the width with a sparkline of at least [`SPARKLINE_MIN`] characters; else the numbers
/// on one line (cut to the width) and the sparkline under them.
fn series_lines(series: &SeriesReport, label_width: usize, width: Option<usize>) -> Vec<String> {
    let label = visible(&series_label(series));
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
    let numbers = format!(
        "{} → {}{trend}",
        format_bytes(series.summary.first),
        format_bytes(series.summary.last),
    );
    let head = format!("  {label:<label_width$}  ");
    let fixed = head.chars().count() + 2 + numbers.chars().count();
    let Some(width) = width else {
        let spark = sparkline(&series.samples, SPARKLINE_WIDTH);
        return vec![format!("{head}{spark:<SPARKLINE_WIDTH$}  {numbers}")];
    };
    if width >= fixed + SPARKLINE_MIN {
        let spark_width = (width - fixed).min(SPARKLINE_WIDTH);
        let spark = sparkline(&series.samples, spark_width);
        return vec![format!("{head}{spark:<spark_width$}  {numbers}")];
    }
    let mut lines = vec![fit(&format!("  {label}  {numbers}"), width)];
    let spark_width = width.saturating_sub(4).min(SPARKLINE_WIDTH);
    if spark_width >= 4 {
        lines.push(format!("    {}", sparkline(&series.samples, spark_width)));
    }
    lines
}

/// Cuts a line to `width` characters, ending it with `…` when something was cut.
fn fit(line: &str, width: usize) -> String {
    if line.chars().count() <= width {
        return line.to_string();
    }
    let mut cut: String = line.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Wraps `text` at word boundaries to `width` columns: the first line starts with
/// `first`, the others with `rest`; a word longer than a line is split. Without a
/// width the text stays on one line.
pub(super) fn wrap(text: &str, width: Option<usize>, first: &str, rest: &str) -> Vec<String> {
    let Some(width) = width else {
        return vec![format!("{first}{text}")];
    };
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let used = line.chars().count();
            let gap = usize::from(!empty);
            if used + gap + word.len() <= width {
                if !empty {
                    line.push(' ');
                }
                line.extend(word.iter());
                empty = false;
                break;
            }
            if empty {
                // Nothing fits beside the prefix: split the word.
                let room = width.saturating_sub(used).max(1);
                let (head, tail) = word.split_at(room.min(word.len()));
                line.extend(head.iter());
                lines.push(std::mem::replace(&mut line, rest.to_string()));
                word = tail.to_vec();
                if word.is_empty() {
                    break;
                }
                continue;
            }
            lines.push(std::mem::replace(&mut line, rest.to_string()));
            empty = true;
        }
    }
    if !empty || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The cross-host section alone: the explanation, the attributions and the
/// recommendations (what `compare` prints, and the end of the terminal view).
pub fn render_comparison(report: &Report) -> String {
    render_comparison_fit(report, None)
}

/// The cross-host section, its sentences wrapped to `width` when given.
pub fn render_comparison_fit(report: &Report, width: Option<usize>) -> String {
    let mut out = String::new();
    let comparison = &report.comparison;
    let bullet = |out: &mut String, text: &str| {
        for line in wrap(&format!("• {text}"), width, "  ", "    ") {
            let _ = writeln!(out, "{line}");
        }
    };
    if !comparison.explanation.is_empty() || !comparison.recommendations.is_empty() {
        let _ = writeln!(
            out,
            "\nAcross hosts ({}):",
            visible(&comparison.hosts.join(", "))
        );
        for line in &comparison.explanation {
            bullet(&mut out, line);
        }
        for a in &comparison.attributions {
            let parts: Vec<String> = a
                .components
                .iter()
                .filter(|c| c.part_of.is_none())
                .map(|c| format!("{} {}", c.component, share_text(c.share)))
                .collect();
            bullet(
                &mut out,
                &format!("{} ({})", attribution_headline(a), parts.join(", ")),
            );
        }
        if !comparison.recommendations.is_empty() {
            let _ = writeln!(out, "Recommendations:");
            for line in &comparison.recommendations {
                bullet(&mut out, line);
            }
        }
    }
    // Label values inside the sentences must not reach the terminal raw.
    visible(&out)
}

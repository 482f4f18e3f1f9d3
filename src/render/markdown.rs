//! `report.md`: GitHub-flavoured Markdown for pull-request comments, CI job summaries
//! (`$GITHUB_STEP_SUMMARY`) and postmortems, with the PNG charts linked beside it.

use super::charts::{self, ChartKind};
use super::text::{
    attribution_headline, available_text, ci_text, component_difference, confidence_text,
    escape_md, explore_link, limit_text, p_value_text, rate_text, rate_with_interval_text,
    series_label, share_text, subject_text, target_label, time_to_limit_text, verdict_label,
    verdict_meaning,
};
use crate::report::{Report, TargetReport};
use crate::units::{format_bytes, format_rate};
use std::fmt::Write as _;

fn verdict_md(target: &TargetReport) -> String {
    format!("**{}**", escape_md(verdict_label(target.verdict)))
}

fn summary_table(out: &mut String, report: &Report) {
    out.push_str(
        "| Service | Host | Verdict | Confidence | Growth | 95% CI | Time to limit | Restarts |\n",
    );
    out.push_str("|---|---|---|---:|---:|---|---:|---:|\n");
    for t in &report.targets {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            escape_md(&t.service),
            escape_md(&t.host),
            verdict_md(t),
            confidence_text(t.confidence),
            escape_md(&rate_text(t.growth.as_ref())),
            escape_md(&ci_text(t.growth.as_ref())),
            escape_md(&time_to_limit_text(t)),
            t.restarts,
        );
    }
}

fn comparison(out: &mut String, report: &Report) {
    let c = &report.comparison;
    if c.hosts.len() < 2 && c.explanation.is_empty() {
        return;
    }
    let hosts: Vec<String> = c.hosts.iter().map(|h| escape_md(h)).collect();
    let _ = writeln!(out, "\n## Across hosts: {}\n", hosts.join(", "));
    for line in &c.explanation {
        let _ = writeln!(out, "- {}", escape_md(line));
    }
    if !c.recommendations.is_empty() {
        out.push_str("\n**Recommendations**\n\n");
        for line in &c.recommendations {
            let _ = writeln!(out, "- {}", escape_md(line));
        }
    }
    for a in &c.attributions {
        let _ = writeln!(
            out,
            "\n**{}**\n\n| Component | Difference | Share |\n|---|---:|---:|",
            escape_md(&attribution_headline(a))
        );
        for part in &a.components {
            let name = match &part.part_of {
                Some(parent) => format!(
                    "↳ {} (of {})",
                    escape_md(&part.component),
                    escape_md(parent)
                ),
                None => escape_md(&part.component),
            };
            let _ = writeln!(
                out,
                "| {name} | {} | {} |",
                escape_md(&component_difference(a, part)),
                share_text(part.share)
            );
        }
    }
    if !c.kinds.is_empty() {
        let _ = write!(out, "\n**Level (slope) per host**\n\n| Service | Kind |");
        for host in &hosts {
            let _ = write!(out, " {host} |");
        }
        out.push_str(" max/min |\n|---|---|");
        out.push_str(&"---:|".repeat(hosts.len() + 1));
        out.push('\n');
        for kind in &c.kinds {
            let _ = write!(
                out,
                "| {} | {} |",
                escape_md(&kind.service),
                escape_md(&kind.kind)
            );
            for host in &c.hosts {
                let cell = kind.per_host.get(host).map_or_else(
                    || "-".to_string(),
                    |l| match l.slope_per_hour {
                        Some(s) => format!("{} ({})", format_bytes(l.level), format_rate(s)),
                        None => format_bytes(l.level),
                    },
                );
                let _ = write!(out, " {} |", escape_md(&cell));
            }
            let ratio = kind
                .max_min_ratio
                .map_or_else(|| "-".to_string(), |r| format!("{r:.2}×"));
            let _ = writeln!(out, " {ratio} |");
        }
    }
}

fn hosts_table(out: &mut String, report: &Report) {
    let hosts = &report.comparison.host_context;
    if hosts.is_empty() {
        return;
    }
    out.push_str(
        "\n**Hosts**\n\n| Host | Kernel | CPUs | Memory | Available | Page cache | cgroup |\n|---|---|---:|---:|---:|---:|---|\n",
    );
    let opt = |v: Option<f64>| v.map_or_else(|| "-".to_string(), format_bytes);
    for (host, ctx) in hosts {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            escape_md(host),
            escape_md(ctx.kernel.as_deref().unwrap_or("-")),
            ctx.cpus.map_or_else(|| "-".to_string(), |c| format!("{c}")),
            opt(ctx.mem_total_bytes),
            escape_md(&available_text(ctx)),
            opt(ctx.cached_bytes),
            escape_md(ctx.cgroup_version.as_deref().unwrap_or("-")),
        );
    }
}

fn target_section(out: &mut String, report: &Report, index: usize, chart_dir: Option<&str>) {
    let Some(t) = report.targets.get(index) else {
        return;
    };
    let _ = writeln!(
        out,
        "\n## {}: {} ({})\n",
        escape_md(&target_label(t)),
        escape_md(verdict_label(t.verdict)),
        confidence_text(t.confidence)
    );
    let _ = writeln!(out, "_{}._\n", escape_md(verdict_meaning(t.verdict)));
    if let Some(link) = explore_link(report, t) {
        // The URL is percent-encoded: no character in it ends a Markdown link.
        let _ = writeln!(out, "[Explore in Grafana]({link})\n");
    }
    for reason in &t.reasons {
        let _ = writeln!(out, "- {}", escape_md(reason));
    }
    let _ = writeln!(
        out,
        "\nLimit: {} · time to limit: {} · restarts: {}",
        escape_md(&limit_text(t)),
        escape_md(&time_to_limit_text(t)),
        t.restarts
    );
    if let Some(p) = &t.plateau {
        let headroom = p
            .headroom_bytes
            .map_or_else(|| "unknown".to_string(), format_bytes);
        let _ = writeln!(
            out,
            "\nPlateau at {}, headroom {}",
            format_bytes(p.asymptote_bytes),
            escape_md(&headroom)
        );
    }
    if !t.missing_kinds.is_empty() {
        let missing: Vec<String> = t.missing_kinds.iter().map(|k| escape_md(k)).collect();
        let _ = writeln!(out, "\nMissing metrics: {}", missing.join(", "));
    }
    if let Some(dir) = chart_dir {
        out.push('\n');
        for spec in charts::plan(report) {
            let mine =
                matches!(spec.kind, ChartKind::Target(i) | ChartKind::Breakdown(i) if i == index);
            if mine {
                let _ = writeln!(
                    out,
                    "![{}]({dir}/{}.png)",
                    escape_md(&spec.title),
                    spec.stem
                );
            }
        }
    }
    if t.series.is_empty() {
        return;
    }
    out.push_str("\n<details><summary>Series and models</summary>\n\n");
    out.push_str("| Series | Points | First | Last | Rate now [95% CI] | p | Selected model |\n");
    out.push_str("|---|---:|---:|---:|---|---:|---|\n");
    for s in &t.series {
        let (slope, p) = s.trend.as_ref().map_or_else(
            || ("-".to_string(), "-".to_string()),
            |tr| {
                (
                    rate_with_interval_text(tr.slope_per_hour, tr.ci95),
                    p_value_text(tr.p_value),
                )
            },
        );
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            escape_md(&series_label(s)),
            s.points,
            format_bytes(s.summary.first),
            format_bytes(s.summary.last),
            escape_md(&slope),
            escape_md(&p),
            escape_md(s.selected_model.as_deref().unwrap_or("-")),
        );
    }
    out.push_str("\n</details>\n");
}

/// The Markdown report. `chart_dir` is the relative directory of the PNG charts
/// (`Some("charts")` beside `report.md`); `None` leaves images out, e.g. for a CI job summary.
pub fn render_markdown(report: &Report, chart_dir: Option<&str>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Memory growth: {}\n",
        escape_md(verdict_label(report.verdict))
    );
    let _ = writeln!(
        out,
        "Window {} to {} (step {} s) · source: {} {} · {} {}\n",
        escape_md(&report.window.start),
        escape_md(&report.window.end),
        report.window.step_seconds,
        escape_md(&report.source.kind),
        escape_md(&report.source.location),
        escape_md(&report.tool.name),
        escape_md(&report.tool.version),
    );
    let subject = subject_text(&report.subject);
    if !subject.is_empty() {
        let _ = writeln!(out, "Subject: {}\n", escape_md(&subject));
    }
    out.push_str(&super::postmortem::markdown_sources(report));
    summary_table(&mut out, report);
    out.push_str(&super::postmortem::markdown(report, chart_dir));
    comparison(&mut out, report);
    hosts_table(&mut out, report);
    if let Some(dir) = chart_dir {
        for spec in charts::plan(report) {
            if matches!(spec.kind, ChartKind::Hosts(_)) {
                let _ = writeln!(
                    out,
                    "\n![{}]({dir}/{}.png)",
                    escape_md(&spec.title),
                    spec.stem
                );
            }
        }
    }
    for index in 0..report.targets.len() {
        target_section(&mut out, report, index, chart_dir);
    }
    if !report.source.warnings.is_empty() {
        out.push_str("\n## Warnings\n\n");
        for w in &report.source.warnings {
            let _ = writeln!(out, "- {}", escape_md(w));
        }
    }
    let s = &report.settings;
    let _ = writeln!(
        out,
        "\n## Settings\n\nSignificance level α = {}; growth below {}% of the level per day is immaterial.",
        s.alpha,
        s.min_relative_growth_per_day * 100.0
    );
    for (name, value) in s.other.iter().chain(&report.comparison.thresholds) {
        let _ = writeln!(out, "- {}: {value}", escape_md(name));
    }
    out
}

//! `index.html`: one self-contained page (inline CSS and SVG charts, no script, nothing
//! fetched) for a postmortem or a CI artifact. Every value from the report is escaped.

use super::RenderError;
use super::charts::{self, ChartKind, ChartSpec};
use super::text::{
    attribution_headline, available_text, ci_text, component_difference, confidence_text,
    escape_xml as esc, explore_link, limit_text, p_value_text, rate_text, series_label, share_text,
    subject_text, target_label, time_to_limit_text, verdict_hex, verdict_label, verdict_meaning,
};
use crate::report::{Report, TargetReport};
use crate::units::{format_bytes, format_rate};
use crate::verdict::Verdict;
use std::fmt::Write as _;

const STYLE: &str = "
:root{--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f9fafb}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif}
header,main,footer{max-width:1180px;margin:0 auto;padding:0 24px}
header{padding-top:28px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:20px;margin:0 0 8px}
h3{font-size:16px;margin:18px 0 6px}
.meta,footer,.muted{color:var(--muted);font-size:13px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:18px 22px;margin:18px 0}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.03em}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.badge{display:inline-block;padding:1px 9px;border-radius:999px;color:#fff;font-weight:600;font-size:13px;white-space:nowrap}
ul{margin:6px 0;padding-left:22px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0}
dt{color:var(--muted)}
dd{margin:0}
figure{margin:14px 0}
figure svg{width:100%;height:auto;display:block;border:1px solid var(--line);border-radius:6px}
figcaption{color:var(--muted);font-size:13px;margin-top:4px}
details summary{cursor:pointer;color:var(--muted);margin-top:8px}
code{font-size:13px}
footer{padding-bottom:28px}
table.attr{table-layout:fixed}
table.attr th:nth-child(1){width:36%}
table.attr th:nth-child(2){width:16%}
table.attr th:nth-child(3){width:10%}
.bar{display:inline-block;height:10px;border-radius:2px;background:#60a5fa}
.sub{padding-left:18px}
";

fn badge(verdict: Verdict) -> String {
    format!(
        "<span class=\"badge\" style=\"background:{}\">{}</span>",
        verdict_hex(verdict),
        esc(verdict_label(verdict))
    )
}

fn figure(out: &mut String, report: &Report, spec: &ChartSpec) -> Result<(), RenderError> {
    let svg = charts::render_svg(report, spec)?;
    let svg = svg.trim_start_matches(|c| c != '<');
    let svg = svg.strip_prefix("<?xml").map_or(svg, |rest| {
        rest.find("?>")
            .map_or(rest, |end| rest[end + 2..].trim_start())
    });
    let labelled = svg.replacen(
        "<svg ",
        &format!("<svg role=\"img\" aria-label=\"{}\" ", esc(&spec.title)),
        1,
    );
    let _ = writeln!(
        out,
        "<figure>\n{}<figcaption>{}</figcaption></figure>",
        labelled.trim_end(),
        esc(&spec.title)
    );
    Ok(())
}

fn verdict_table(out: &mut String, report: &Report) {
    out.push_str("<section><h2>Verdicts</h2><table><thead><tr><th>Service</th><th>Host</th><th>Verdict</th><th>Confidence</th><th>Growth</th><th>95% CI</th><th>Time to limit</th><th>Restarts</th></tr></thead><tbody>\n");
    for (i, t) in report.targets.iter().enumerate() {
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#target-{}\">{}</a></td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            i + 1,
            esc(&t.service),
            esc(&t.host),
            badge(t.verdict),
            confidence_text(t.confidence),
            esc(&rate_text(t.growth.as_ref())),
            esc(&ci_text(t.growth.as_ref())),
            esc(&time_to_limit_text(t)),
            t.restarts
        );
    }
    out.push_str("</tbody></table></section>\n");
}

fn list(out: &mut String, items: &[String]) {
    if items.is_empty() {
        return;
    }
    out.push_str("<ul>");
    for item in items {
        let _ = write!(out, "<li>{}</li>", esc(item));
    }
    out.push_str("</ul>\n");
}

fn attributions(out: &mut String, report: &Report) {
    let list = &report.comparison.attributions;
    if list.is_empty() {
        return;
    }
    out.push_str("<h3>What explains the difference</h3>\n");
    for a in list {
        let _ = writeln!(
            out,
            "<p><strong>{}</strong></p><table class=\"attr\"><thead><tr><th>Component</th><th>Difference</th><th>Share</th><th></th></tr></thead><tbody>",
            esc(&attribution_headline(a))
        );
        for c in &a.components {
            let name = match &c.part_of {
                Some(parent) => format!(
                    "<span class=\"sub\">{}</span> <span class=\"muted\">of {}</span>",
                    esc(&c.component),
                    esc(parent)
                ),
                None => format!("<code>{}</code>", esc(&c.component)),
            };
            let width = if c.share.is_finite() {
                (c.share * 100.0).clamp(0.0, 100.0)
            } else {
                0.0
            };
            let _ = writeln!(
                out,
                "<tr><td>{name}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"barcell\"><span class=\"bar\" style=\"width:{width:.1}%\"></span></td></tr>",
                esc(&component_difference(a, c)),
                esc(&share_text(c.share)),
            );
        }
        out.push_str("</tbody></table>\n");
    }
}

fn comparison(out: &mut String, report: &Report, specs: &[ChartSpec]) -> Result<(), RenderError> {
    let c = &report.comparison;
    if c.hosts.len() < 2 && c.explanation.is_empty() {
        return Ok(());
    }
    let hosts: Vec<String> = c.hosts.iter().map(|h| esc(h)).collect();
    let _ = writeln!(out, "<section><h2>Across hosts: {}</h2>", hosts.join(", "));
    list(out, &c.explanation);
    if !c.recommendations.is_empty() {
        out.push_str("<h3>Recommendations</h3>");
        list(out, &c.recommendations);
    }
    attributions(out, report);
    for spec in specs
        .iter()
        .filter(|s| matches!(s.kind, ChartKind::Hosts(_)))
    {
        figure(out, report, spec)?;
    }
    if !c.kinds.is_empty() {
        out.push_str(
            "<h3>Level and slope per host</h3><table><thead><tr><th>Service</th><th>Kind</th>",
        );
        for host in &hosts {
            let _ = write!(out, "<th>{host}</th>");
        }
        out.push_str("<th>max/min</th></tr></thead><tbody>\n");
        for kind in &c.kinds {
            let _ = write!(
                out,
                "<tr><td>{}</td><td><code>{}</code></td>",
                esc(&kind.service),
                esc(&kind.kind)
            );
            for host in &c.hosts {
                let cell = kind.per_host.get(host).map_or_else(
                    || "-".to_string(),
                    |l| match l.slope_per_hour {
                        Some(s) => format!("{} ({})", format_bytes(l.level), format_rate(s)),
                        None => format_bytes(l.level),
                    },
                );
                let _ = write!(out, "<td class=\"num\">{}</td>", esc(&cell));
            }
            let ratio = kind
                .max_min_ratio
                .map_or_else(|| "-".to_string(), |r| format!("{r:.2}×"));
            let _ = writeln!(out, "<td class=\"num\">{ratio}</td></tr>");
        }
        out.push_str("</tbody></table>\n");
    }
    if !c.host_context.is_empty() {
        out.push_str("<h3>Hosts</h3><table><thead><tr><th>Host</th><th>Kernel</th><th>CPUs</th><th>Memory</th><th>Available</th><th>Page cache</th><th>cgroup</th></tr></thead><tbody>\n");
        for (host, ctx) in &c.host_context {
            let opt = |v: Option<f64>| v.map_or_else(|| "-".to_string(), format_bytes);
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}{}</td></tr>",
                esc(host),
                esc(ctx.kernel.as_deref().unwrap_or("-")),
                ctx.cpus.map_or_else(|| "-".to_string(), |c| format!("{c}")),
                opt(ctx.mem_total_bytes),
                esc(&available_text(ctx)),
                opt(ctx.cached_bytes),
                esc(ctx.cgroup_version.as_deref().unwrap_or("-")),
                ctx.cgroup_version_evidence
                    .as_ref()
                    .map_or_else(String::new, |e| format!(
                        "<br><span class=\"muted\">{}</span>",
                        esc(e)
                    )),
            );
        }
        out.push_str("</tbody></table>\n");
    }
    out.push_str("</section>\n");
    Ok(())
}

fn series_table(out: &mut String, t: &TargetReport) {
    if t.series.is_empty() {
        return;
    }
    out.push_str("<details><summary>Series and models</summary><table><thead><tr><th>Series</th><th>Points</th><th>First</th><th>Last</th><th>Rate now</th><th>95% CI</th><th>p</th><th>Selected model</th><th>Models (ΔAICc)</th></tr></thead><tbody>\n");
    for s in &t.series {
        let (slope, ci, p) = s.trend.as_ref().map_or_else(
            || ("-".to_string(), "-".to_string(), "-".to_string()),
            |tr| {
                (
                    format_rate(tr.slope_per_hour),
                    format!("[{}, {}]", format_rate(tr.ci95[0]), format_rate(tr.ci95[1])),
                    p_value_text(tr.p_value),
                )
            },
        );
        let models: Vec<String> = s
            .models
            .iter()
            .map(|m| format!("{} ({:.1})", m.name, m.delta_aicc))
            .collect();
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            esc(&series_label(s)),
            s.points,
            format_bytes(s.summary.first),
            format_bytes(s.summary.last),
            esc(&slope),
            esc(&ci),
            p,
            esc(s.selected_model.as_deref().unwrap_or("-")),
            esc(&models.join(", ")),
        );
    }
    out.push_str("</tbody></table></details>\n");
}

fn target_section(
    out: &mut String,
    report: &Report,
    index: usize,
    specs: &[ChartSpec],
) -> Result<(), RenderError> {
    let Some(t) = report.targets.get(index) else {
        return Ok(());
    };
    let _ = writeln!(
        out,
        "<section id=\"target-{}\"><h2>{} {} <span class=\"muted\">{} confidence</span></h2>",
        index + 1,
        esc(&target_label(t)),
        badge(t.verdict),
        confidence_text(t.confidence)
    );
    let _ = writeln!(
        out,
        "<p class=\"muted\">{}.</p>",
        esc(verdict_meaning(t.verdict))
    );
    if let Some(link) = explore_link(report, t) {
        let _ = writeln!(
            out,
            "<p><a href=\"{}\">Explore in Grafana</a></p>",
            esc(link)
        );
    }
    list(out, &t.reasons);
    let mut facts = vec![
        (
            "Growth",
            format!(
                "{} {}",
                rate_text(t.growth.as_ref()),
                ci_text(t.growth.as_ref())
            ),
        ),
        ("Limit", limit_text(t)),
        ("Time to limit", time_to_limit_text(t)),
        ("Restarts", t.restarts.to_string()),
    ];
    if let Some(p) = &t.plateau {
        facts.push(("Plateau", format_bytes(p.asymptote_bytes)));
        facts.push((
            "Headroom",
            p.headroom_bytes
                .map_or_else(|| "unknown".to_string(), format_bytes),
        ));
    }
    if !t.restart_times.is_empty() {
        facts.push(("Restarted at", t.restart_times.join(", ")));
    }
    if !t.missing_kinds.is_empty() {
        facts.push(("Missing metrics", t.missing_kinds.join(", ")));
    }
    out.push_str("<dl>");
    for (name, value) in facts {
        let _ = write!(out, "<dt>{name}</dt><dd>{}</dd>", esc(value.trim()));
    }
    out.push_str("</dl>\n");
    for spec in specs {
        if matches!(spec.kind, ChartKind::Target(i) | ChartKind::Breakdown(i) if i == index) {
            figure(out, report, spec)?;
        }
    }
    series_table(out, t);
    out.push_str("</section>\n");
    Ok(())
}

/// The HTML page, charts inlined as SVG.
pub fn render_html(report: &Report) -> Result<String, RenderError> {
    let specs = charts::plan(report);
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<link rel=\"icon\" href=\"data:,\">\n",
    );
    let _ = writeln!(
        out,
        "<title>Memory growth: {} · {}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        esc(verdict_label(report.verdict)),
        esc(&report.tool.name)
    );
    let _ = writeln!(
        out,
        "<header><h1>Memory growth: {}</h1><p class=\"meta\">Window {} to {} (step {} s) · source: {} <code>{}</code> · {} series, {} samples</p></header>\n<main>",
        badge(report.verdict),
        esc(&report.window.start),
        esc(&report.window.end),
        report.window.step_seconds,
        esc(&report.source.kind),
        esc(&report.source.location),
        report.source.series,
        report.source.samples,
    );
    let subject = subject_text(&report.subject);
    if !subject.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"meta\">Subject: <code>{}</code></p>",
            esc(&subject)
        );
    }
    verdict_table(&mut out, report);
    out.push_str(&super::postmortem::html(report));
    comparison(&mut out, report, &specs)?;
    for index in 0..report.targets.len() {
        target_section(&mut out, report, index, &specs)?;
    }
    if !report.source.warnings.is_empty() {
        out.push_str("<section><h2>Warnings</h2>");
        list(&mut out, &report.source.warnings);
        out.push_str("</section>\n");
    }
    let s = &report.settings;
    let _ = write!(
        out,
        "<section><h2>Settings</h2><dl><dt>Significance level α</dt><dd>{}</dd><dt>Immaterial growth</dt><dd>below {}% of the level per day</dd>",
        s.alpha,
        s.min_relative_growth_per_day * 100.0
    );
    for (name, value) in s.other.iter().chain(&report.comparison.thresholds) {
        let _ = write!(out, "<dt>{}</dt><dd>{value}</dd>", esc(name));
    }
    out.push_str("</dl></section>\n</main>\n");
    let _ = writeln!(
        out,
        "<footer>Generated by {} {} from the analysis in <code>report.json</code>.</footer>\n</body>\n</html>",
        esc(&report.tool.name),
        esc(&report.tool.version)
    );
    Ok(out)
}

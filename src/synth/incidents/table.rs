//! Words an accuracy [`Summary`] and its misses: the per-class table and the reliability
//! table are built once as cells, then spelled as aligned text or as Markdown.

use super::GroundTruth;
use super::accuracy::{CaseRecord, Summary};
use super::plan::{MIB, Runtime};
use std::fmt::Write;

/// How a table is spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
}

/// Short column names for the confusion row, in `Verdict::ALL` order.
const VERDICT_COLUMNS: [&str; 7] = [
    "leak", "rml", "native", "cache", "plateau", "stable", "insuff",
];

struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn percent(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn class_table(s: &Summary) -> Table {
    let mut header: Vec<String> = ["class", "expected", "n", "accuracy"]
        .iter()
        .map(|h| h.to_string())
        .collect();
    header.extend(VERDICT_COLUMNS.iter().map(|h| h.to_string()));
    header.extend(["false leak".to_string(), "mean conf".to_string()]);
    let mut rows: Vec<Vec<String>> = s
        .classes
        .iter()
        .map(|c| {
            let mut row = vec![
                c.class.name().to_string(),
                c.expected.as_str().to_string(),
                c.n.to_string(),
                percent(c.accuracy),
            ];
            row.extend(c.confusion.iter().map(|n| n.to_string()));
            row.push(c.false_leak_rate.map_or("-".to_string(), percent));
            row.push(format!("{:.2}", c.mean_confidence));
            row
        })
        .collect();
    let mut total = vec![
        "all".to_string(),
        String::new(),
        s.n.to_string(),
        percent(s.accuracy),
    ];
    total.extend(VERDICT_COLUMNS.iter().enumerate().map(|(i, _)| {
        s.classes
            .iter()
            .map(|c| c.confusion[i])
            .sum::<usize>()
            .to_string()
    }));
    total.push(format!("max {}", percent(s.max_false_leak_rate)));
    total.push(String::new());
    rows.push(total);
    Table { header, rows }
}

fn reliability_table(s: &Summary) -> Table {
    let header = ["confidence", "n", "mean confidence", "accuracy"]
        .iter()
        .map(|h| h.to_string())
        .collect();
    let rows = s
        .reliability
        .iter()
        .map(|b| {
            vec![
                format!("{:.1}-{:.1}", b.lower, b.upper),
                b.count.to_string(),
                b.mean_confidence.map_or("-".into(), |m| format!("{m:.3}")),
                b.accuracy.map_or("-".into(), percent),
            ]
        })
        .collect();
    Table { header, rows }
}

fn timing_table(s: &Summary) -> Table {
    let header = [
        "class",
        "onsets",
        "reported",
        "median error",
        "within 5%",
        "limits",
        "reported",
        "median ratio",
        "interval holds",
    ]
    .iter()
    .map(|h| h.to_string())
    .collect();
    let or_dash = |v: Option<String>| v.unwrap_or_else(|| "-".to_string());
    let rows = s
        .timing
        .iter()
        .map(|t| {
            vec![
                t.class.name().to_string(),
                t.onsets.to_string(),
                t.onsets_reported.to_string(),
                or_dash(t.onset_median_error_h.map(hours)),
                or_dash(t.onset_within.map(percent)),
                t.limits.to_string(),
                t.limits_reported.to_string(),
                or_dash(t.limit_median_ratio.map(|r| format!("{r:.2}"))),
                or_dash(t.limit_covered.map(percent)),
            ]
        })
        .collect();
    Table { header, rows }
}

fn spell(t: &Table, format: Format, out: &mut String) {
    let columns = t.header.len();
    match format {
        Format::Markdown => {
            let line = |cells: &[String]| format!("| {} |\n", cells.join(" | "));
            out.push_str(&line(&t.header));
            out.push_str(&format!("|{}\n", "---|".repeat(columns)));
            for row in &t.rows {
                out.push_str(&line(row));
            }
        }
        Format::Text => {
            let mut widths: Vec<usize> = t.header.iter().map(|h| h.chars().count()).collect();
            for row in &t.rows {
                for (w, cell) in widths.iter_mut().zip(row) {
                    *w = (*w).max(cell.chars().count());
                }
            }
            let line = |cells: &[String]| {
                let padded: Vec<String> = cells
                    .iter()
                    .zip(&widths)
                    .enumerate()
                    .map(|(i, (c, w))| {
                        if i < 2 {
                            format!("{c:<w$}")
                        } else {
                            format!("{c:>w$}")
                        }
                    })
                    .collect();
                format!("{}\n", padded.join("  ").trim_end())
            };
            out.push_str(&line(&t.header));
            for row in &t.rows {
                out.push_str(&line(row));
            }
        }
    }
}

/// The per-class table, the reliability table and the Brier score.
pub fn render_summary(s: &Summary, format: Format) -> String {
    let mut out = String::new();
    spell(&class_table(s), format, &mut out);
    out.push('\n');
    let _ = writeln!(
        out,
        "Columns leak..insuff count the verdicts given (rml = restart_masked_leak, insuff = \
         insufficient_data); false leak = a leak or restart_masked_leak verdict on a class \
         whose truth is neither."
    );
    if !s.timing.is_empty() {
        out.push('\n');
        spell(&timing_table(s), format, &mut out);
        out.push('\n');
        let _ = writeln!(
            out,
            "Onsets: cases whose current growth began inside the window, the reported \
             growth_onset against the planted one. Limits: cases that reach the container \
             limit within 90 days, the reported time to limit (from the cgroup limit) \
             against the planted one, and how often its interval holds it."
        );
    }
    out.push('\n');
    spell(&reliability_table(s), format, &mut out);
    out.push('\n');
    let _ = writeln!(
        out,
        "Brier score {:.4} over {} cases (0 is perfect; a constant 0.5 scores 0.25); mean \
         confidence minus accuracy {:+.3}; worst class {}; highest false-leak rate {}.",
        s.brier,
        s.n,
        s.confidence_gap,
        percent(s.worst_class_accuracy),
        percent(s.max_false_leak_rate)
    );
    out
}

fn hours(h: f64) -> String {
    if h >= 48.0 {
        format!("{:.1} d", h / 24.0)
    } else if h >= 1.0 {
        format!("{h:.1} h")
    } else {
        format!("{:.0} min", h * 60.0)
    }
}

/// One line of what a case was built as.
pub fn truth_line(t: &GroundTruth) -> String {
    let runtime = match t.runtime {
        Runtime::Node { pm2: true } => "node+pm2",
        Runtime::Node { pm2: false } => "node",
        Runtime::Container => "container",
    };
    let mut parts = vec![
        format!(
            "{runtime}, {} window at {} s step (scrape {} s{})",
            hours((t.window_end_s - t.window_start_s) / 3600.0),
            t.step_s,
            t.scrape_interval_s,
            if t.aligned { "" } else { ", raw" }
        ),
        format!("process age {} at start", hours(t.process_age_at_start_h)),
    ];
    if !t.restarts.is_empty() {
        parts.push(format!(
            "{} restart(s), {} OOM",
            t.restarts.len(),
            t.oom_kills
        ));
    }
    for g in &t.growth {
        let when = (g.onset_s - t.window_start_s) / 3600.0;
        let mut text = format!(
            "{:?} {:.2} MiB/h from {} into the window{}",
            g.memory,
            g.bytes_per_hour / MIB,
            hours(when.abs()).replace(' ', "") + if when < 0.0 { " before" } else { "" },
            if g.at_restart { " at a restart" } else { "" }
        );
        if let Some(end) = g.ended_s {
            let _ = write!(text, ", ended {}", hours((end - t.window_start_s) / 3600.0));
        }
        parts.push(text);
    }
    if let Some(limit) = t.limit_bytes {
        let mut text = format!("limit {:.0} MiB", limit / MIB);
        if let Some(h) = t.hours_to_limit_at_end {
            let _ = write!(text, " reached {} after the end", hours(h));
        }
        parts.push(text);
    }
    if let Some(c) = &t.cycle {
        parts.push(format!(
            "{} h cycle, amplitude {:.0}%",
            c.period_hours(),
            c.amplitude * 100.0
        ));
    }
    parts.push(format!(
        "noise phi {:.3} sd {:.1}%{}",
        t.noise.phi,
        t.noise.sd_share * 100.0,
        t.noise.wander_tau_h.map_or(String::new(), |tau| format!(
            ", wander tau {} sd {:.1}%",
            hours(tau),
            t.noise.wander_sd_share * 100.0
        ))
    ));
    parts.join("; ")
}

/// The misses, each with its truth and the engine's first reasons.
pub fn render_misses(misses: &[&CaseRecord], reasons: usize) -> String {
    let mut out = String::new();
    for r in misses {
        let _ = writeln!(
            out,
            "{} seed {}: expected {}, got {} ({:.2}){}",
            r.class,
            r.seed,
            r.expected,
            r.got,
            r.confidence,
            if r.false_leak() { "  FALSE LEAK" } else { "" }
        );
        let _ = writeln!(out, "  truth: {}", truth_line(&r.truth));
        for reason in r.report.reasons.iter().take(reasons) {
            let _ = writeln!(out, "  - {reason}");
        }
    }
    out
}

//! The words of the postmortem sections (the timeline, before and after, the bundles a
//! report cites), built once so the terminal, Markdown and HTML say the same thing and
//! only spell it differently.

use super::text::{p_clause, rate_with_interval_text, verdict_label};
use crate::report::{
    BaselineComparison, RateChange, Report, SeriesAround, TargetChange, TimelineEvent,
};
use crate::units::{format_bytes, format_hours, format_rate};

/// One event, worded.
#[derive(Debug, Clone, PartialEq)]
pub struct EventText {
    pub time: String,
    /// "mark", "OOM kill", "restart", "growth onset".
    pub kind: &'static str,
    pub label: String,
    /// "every target" for marks, else `service on host`.
    pub place: String,
    /// Per target: `service on host` and what its series did, one phrase each.
    pub around: Vec<(String, Vec<String>)>,
    /// `±1h` (each side).
    pub span: String,
}

impl EventText {
    /// `mark: deploy v2.3`, `OOM kill: container_oom_events_total +1`.
    pub fn what(&self) -> String {
        format!("{}: {}", self.kind, self.label)
    }

    /// Per target, `otl-api on 10.0.0.5 (±1h): heap_used 200 MiB → 350 MiB, ...`.
    pub fn around_lines(&self) -> Vec<String> {
        self.around
            .iter()
            .map(|(target, phrases)| format!("{target} ({}): {}", self.span, phrases.join("; ")))
            .collect()
    }
}

fn kind_word(kind: &str) -> &'static str {
    match kind {
        "mark" => "mark",
        "oom_kill" => "OOM kill",
        "restart" => "restart",
        "growth_onset" => "growth onset",
        _ => "event",
    }
}

fn opt_bytes(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), format_bytes)
}

fn opt_rate(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), format_rate)
}

/// `heap_used 200 MiB → 350 MiB, +1.00 KiB/h → +5.80 MiB/h`.
pub fn around_phrase(a: &SeriesAround) -> String {
    match (a.level_before, a.level_after) {
        (Some(_), Some(_)) => format!(
            "{} {} → {}, {} → {}",
            a.series,
            opt_bytes(a.level_before),
            opt_bytes(a.level_after),
            opt_rate(a.slope_before),
            opt_rate(a.slope_after)
        ),
        (None, _) => format!(
            "{} {}, {} after ({})",
            a.series,
            opt_bytes(a.level_after),
            opt_rate(a.slope_after),
            a.missing.as_deref().unwrap_or("no data before")
        ),
        (_, None) => format!(
            "{} {}, {} before ({})",
            a.series,
            opt_bytes(a.level_before),
            opt_rate(a.slope_before),
            a.missing.as_deref().unwrap_or("no data after")
        ),
    }
}

/// The series the people-facing formats show around an event, in this order: the heap,
/// its old space, the process and the container's anonymous memory and page cache
/// (report.json keeps every series).
const SHOWN_AROUND: [&str; 5] = [
    "heap_used",
    "heap_space_used{old}",
    "process_rss",
    "cgroup_rss",
    "cgroup_cache",
];

fn event_text(e: &TimelineEvent) -> EventText {
    let mut around: Vec<(String, Vec<String>)> = Vec::new();
    let shown = |a: &&SeriesAround| SHOWN_AROUND.contains(&a.series.as_str());
    let mut of_target: Vec<&SeriesAround> = e.around.iter().filter(shown).collect();
    let rank = |a: &SeriesAround| SHOWN_AROUND.iter().position(|s| *s == a.series);
    of_target.sort_by_key(|a| rank(a));
    for a in of_target {
        let target = format!("{} on {}", a.service, a.host);
        match around.iter_mut().find(|(t, _)| *t == target) {
            Some((_, phrases)) => phrases.push(around_phrase(a)),
            None => around.push((target, vec![around_phrase(a)])),
        }
    }
    let place = match (&e.service, &e.host) {
        (Some(s), Some(h)) => format!("{s} on {h}"),
        _ => "every target".to_string(),
    };
    EventText {
        time: e.time.clone(),
        kind: kind_word(&e.kind),
        label: e.label.clone(),
        place,
        around,
        span: e.around.first().map_or_else(String::new, |a| {
            format!("±{}", format_hours(a.span_seconds / 3600.0))
        }),
    }
}

/// The timeline, worded, in time order.
pub fn events(report: &Report) -> Vec<EventText> {
    report.timeline.iter().map(event_text).collect()
}

fn rate_with_interval(rate: Option<&crate::report::Rate>) -> String {
    rate.map_or_else(
        || "-".to_string(),
        |r| rate_with_interval_text(r.bytes_per_hour, r.interval),
    )
}

fn verdict_text(v: Option<crate::verdict::Verdict>) -> &'static str {
    v.map_or("no data", verdict_label)
}

/// One row of the before/after table.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeRow {
    pub target: String,
    pub series: String,
    pub before: String,
    pub after: String,
    pub change: String,
    pub interval: String,
    /// `yes (p < 0.001)`, `no (p = 0.41)`, or `-`.
    pub significant: String,
    /// `200 MiB → 410 MiB (+210 MiB)`.
    pub level: String,
    /// `stable → leak`.
    pub verdicts: String,
    /// Whether this is the target's decisive series.
    pub decisive: bool,
}

/// The columns of the before/after table, in the order of [`ChangeRow::cells`].
pub const CHANGE_HEADER: [&str; 9] = [
    "Target",
    "Series",
    "Before [95% CI]",
    "After [95% CI]",
    "Change",
    "95% CI",
    "Significant",
    "Mean level",
    "Verdicts",
];

impl ChangeRow {
    /// The row's cells under [`CHANGE_HEADER`].
    pub fn cells(&self) -> [&str; 9] {
        [
            &self.target,
            &self.series,
            &self.before,
            &self.after,
            &self.change,
            &self.interval,
            &self.significant,
            &self.level,
            &self.verdicts,
        ]
    }
}

fn change_row(t: &TargetChange, c: &RateChange) -> ChangeRow {
    let significant = match (c.change, c.p_value) {
        (None, _) => "-".to_string(),
        (Some(_), Some(p)) => {
            format!(
                "{} ({})",
                if c.significant { "yes" } else { "no" },
                p_clause(p)
            )
        }
        (Some(_), None) => if c.significant { "yes" } else { "no" }.to_string(),
    };
    let level = match c.level_shift {
        Some(shift) => format!(
            "{} → {} ({}{})",
            opt_bytes(c.level_before),
            opt_bytes(c.level_after),
            if shift >= 0.0 { "+" } else { "" },
            format_bytes(shift)
        ),
        None => format!(
            "{} → {}",
            opt_bytes(c.level_before),
            opt_bytes(c.level_after)
        ),
    };
    ChangeRow {
        target: format!("{} on {}", t.service, t.host),
        series: c.series.clone(),
        before: rate_with_interval(c.before.as_ref()),
        after: rate_with_interval(c.after.as_ref()),
        change: opt_rate(c.change),
        interval: c.change_interval.map_or_else(
            || "-".to_string(),
            |[l, h]| format!("[{}, {}]", format_rate(l), format_rate(h)),
        ),
        significant,
        level,
        verdicts: format!(
            "{} → {}",
            verdict_text(t.verdict_before),
            verdict_text(t.verdict_after)
        ),
        decisive: t.decisive.as_deref() == Some(c.series.as_str()),
    }
}

/// Rows of the before/after table: every series of every target, decisive first.
pub fn change_rows(report: &Report) -> Vec<ChangeRow> {
    let Some(b) = &report.baseline else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for t in &b.targets {
        let mut mine: Vec<ChangeRow> = t.series.iter().map(|c| change_row(t, c)).collect();
        mine.sort_by_key(|r| !r.decisive);
        rows.extend(mine);
    }
    rows
}

/// `Baseline 2025-10-01T00:00:00Z to 2025-10-08T00:00:00Z, compared with this window.`
pub fn baseline_intro(b: &BaselineComparison) -> String {
    format!(
        "Baseline {} to {}, compared with this window.",
        b.window.start, b.window.end
    )
}

/// Per target, the sentence a postmortem quotes: "otl-api on 10.0.0.5: heap_used floor
/// +0.10 MiB/h before the deploy, +5.80 MiB/h after: a change of +5.70 MiB/h, 95% CI
/// +4.90 MiB/h to +6.50 MiB/h (significant, p < 0.001); stable → leak".
pub fn baseline_headlines(report: &Report) -> Vec<String> {
    let Some(b) = &report.baseline else {
        return Vec::new();
    };
    let (before_word, after_word) = match &b.boundary {
        Some(mark) => (format!("before the {mark}"), "after".to_string()),
        None => (
            format!("in the baseline ({} to {})", b.window.start, b.window.end),
            "in the window".to_string(),
        ),
    };
    b.targets
        .iter()
        .map(|t| {
            let target = format!("{} on {}", t.service, t.host);
            let verdicts = format!(
                "verdict {} → {}",
                verdict_text(t.verdict_before),
                verdict_text(t.verdict_after)
            );
            let row = t
                .decisive
                .as_ref()
                .and_then(|d| t.series.iter().find(|c| &c.series == d));
            let Some(c) = row else {
                return format!("{target}: no growth rate in both windows; {verdicts}");
            };
            let rate = |r: Option<&crate::report::Rate>| {
                r.map_or_else(|| "no rate".to_string(), |r| format_rate(r.bytes_per_hour))
            };
            let change = match (c.change, c.change_interval) {
                (Some(change), Some([l, h])) => format!(
                    ": a change of {}, {:.0}% CI {} to {} ({})",
                    format_rate(change),
                    b.level * 100.0,
                    format_rate(l),
                    format_rate(h),
                    match (c.significant, c.p_value) {
                        (true, Some(p)) => format!("significant, {}", p_clause(p)),
                        (false, Some(p)) => format!("not significant, {}", p_clause(p)),
                        (true, None) => "significant".to_string(),
                        (false, None) => "not significant".to_string(),
                    }
                ),
                _ => String::new(),
            };
            format!(
                "{target}: {} {} {before_word}, {} {after_word}{change}; {verdicts}",
                c.series,
                rate(c.before.as_ref()),
                rate(c.after.as_ref()),
            )
        })
        .collect()
}

/// One line per bundle the report was read from, for citing it.
pub fn bundle_lines(report: &Report) -> Vec<String> {
    report
        .bundles
        .iter()
        .map(|b| {
            format!(
                "bundle {}: manifest sha256 {}, fetched {} from {}, window {} to {}{}",
                b.location,
                b.manifest_sha256,
                b.created_at,
                b.fetched_from,
                b.window.start,
                b.window.end,
                if b.warnings.is_empty() {
                    String::new()
                } else {
                    format!(", {} fetch warnings", b.warnings.len())
                }
            )
        })
        .collect()
}

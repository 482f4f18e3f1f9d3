//! Wording, number formatting and escaping shared by the text renderers.

use crate::report::{
    Attribution, ComponentShare, Growth, HostContext, Report, SeriesReport, SubjectInfo,
    TargetReport,
};
use crate::units::{format_bytes, format_hours, format_rate};
use crate::verdict::Verdict;

/// The verdict in words for people (`restart-masked leak`); JSON and JUnit keep `as_str`.
pub fn verdict_label(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Leak => "leak",
        Verdict::RestartMaskedLeak => "restart-masked leak",
        Verdict::NativeGrowth => "native growth",
        Verdict::CacheGrowth => "cache growth",
        Verdict::Plateau => "plateau",
        Verdict::Stable => "stable",
        Verdict::InsufficientData => "insufficient data",
    }
}

/// What a verdict means, in one sentence.
pub fn verdict_meaning(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Leak => "retained memory grows without bound; the limit will be reached",
        Verdict::RestartMaskedLeak => {
            "memory grows between restarts; restarts hide a leak rather than fix it"
        }
        Verdict::NativeGrowth => {
            "the process grows outside the JavaScript heap (native or Buffers)"
        }
        Verdict::CacheGrowth => "growth is reclaimable page cache, not the application",
        Verdict::Plateau => "memory rises and levels off below the limit",
        Verdict::Stable => "no material trend",
        Verdict::InsufficientData => "too little data to decide",
    }
}

/// The colour of a verdict as RGB, shared by HTML, the terminal and charts.
pub fn verdict_rgb(verdict: Verdict) -> (u8, u8, u8) {
    match verdict {
        Verdict::Leak => (0xb9, 0x1c, 0x1c),
        Verdict::RestartMaskedLeak => (0xc2, 0x41, 0x0c),
        Verdict::NativeGrowth => (0x7e, 0x22, 0xce),
        Verdict::CacheGrowth => (0x1d, 0x4e, 0xd8),
        Verdict::Plateau => (0xa1, 0x62, 0x07),
        Verdict::Stable => (0x15, 0x80, 0x3d),
        Verdict::InsufficientData => (0x6b, 0x72, 0x80),
    }
}

/// The colour of a verdict as CSS hex, `#b91c1c`.
pub fn verdict_hex(verdict: Verdict) -> String {
    let (r, g, b) = verdict_rgb(verdict);
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// `93%`.
pub fn confidence_text(confidence: f64) -> String {
    if confidence.is_finite() {
        format!("{:.0}%", (confidence * 100.0).clamp(0.0, 100.0))
    } else {
        "n/a".to_string()
    }
}

/// A p-value to four decimals, `0.0420`, or `< 0.0001` when smaller (as the reasons
/// write it); `n/a` when it is not a number.
pub fn p_value_text(p: f64) -> String {
    if p.is_nan() {
        "n/a".to_string()
    } else if p < 0.0001 {
        "< 0.0001".to_string()
    } else {
        format!("{:.4}", p.min(1.0))
    }
}

/// `p = 0.0420` or `p < 0.0001`.
pub fn p_clause(p: f64) -> String {
    let text = p_value_text(p);
    if text.starts_with('<') {
        format!("p {text}")
    } else {
        format!("p = {text}")
    }
}

/// `+3.20 MiB/h`.
pub fn rate_text(growth: Option<&Growth>) -> String {
    growth.map_or_else(|| "none".to_string(), |g| format_rate(g.bytes_per_hour))
}

/// `[+2.90, +3.50] MiB/h`, the 95% interval.
pub fn ci_text(growth: Option<&Growth>) -> String {
    growth.map_or_else(String::new, |g| rate_interval_text(g.ci95[0], g.ci95[1]))
}

/// An interval of rates in one unit, with as many decimals as it takes (up to four) for
/// bounds that differ to read differently: `[+10.58, +10.62] MiB/h`, `[-531, +1219] B/h`.
pub fn rate_interval_text(low: f64, high: f64) -> String {
    if !(low.is_finite() && high.is_finite()) {
        return "[n/a]".to_string();
    }
    let largest = low.abs().max(high.abs());
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut unit = 0;
    let mut scale = 1.0;
    while largest / scale >= 1024.0 && unit < units.len() - 1 {
        scale *= 1024.0;
        unit += 1;
    }
    let (lo, hi) = (low / scale, high / scale);
    let spell = |v: f64, decimals: usize| {
        let sign = if v >= 0.0 { "+" } else { "-" };
        format!("{sign}{:.decimals$}", v.abs())
    };
    let start = if unit == 0 || largest / scale >= 100.0 {
        0
    } else if largest / scale >= 10.0 {
        1
    } else {
        2
    };
    let mut decimals = start;
    while decimals < 4 && lo != hi && spell(lo, decimals) == spell(hi, decimals) {
        decimals += 1;
    }
    format!(
        "[{}, {}] {}/h",
        spell(lo, decimals),
        spell(hi, decimals),
        units[unit]
    )
}

/// `+3.20 MiB/h [+2.90, +3.50] MiB/h`: a rate with its interval.
pub fn rate_with_interval_text(bytes_per_hour: f64, interval: [f64; 2]) -> String {
    format!(
        "{} {}",
        format_rate(bytes_per_hour),
        rate_interval_text(interval[0], interval[1])
    )
}

/// `+3.20 MiB/h [+2.90, +3.50] MiB/h`, or `none`.
pub fn growth_text(growth: Option<&Growth>) -> String {
    match growth {
        Some(_) => format!("{} {}", rate_text(growth), ci_text(growth)),
        None => "none".to_string(),
    }
}

/// `3.5 d`, `never` when a limit is known but not reached, `no limit` otherwise.
pub fn time_to_limit_text(target: &TargetReport) -> String {
    match (target.time_to_limit_hours, target.limit_bytes) {
        (Some(hours), _) => format_hours(hours),
        (None, Some(_)) => "never".to_string(),
        (None, None) => "no limit".to_string(),
    }
}

/// `512 MiB (cgroup_limit)` or `unknown`.
pub fn limit_text(target: &TargetReport) -> String {
    match (target.limit_bytes, target.limit_source.as_deref()) {
        (Some(bytes), Some(source)) => format!("{} ({source})", format_bytes(bytes)),
        (Some(bytes), None) => format_bytes(bytes),
        (None, _) => "unknown".to_string(),
    }
}

/// `heap_space_used[old_space] (floor)`.
pub fn series_label(series: &SeriesReport) -> String {
    let mut label = series.kind.clone();
    if let Some(space) = &series.space {
        label.push('[');
        label.push_str(space);
        label.push(']');
    }
    if series.view != "raw" {
        label.push_str(" (");
        label.push_str(&series.view);
        label.push(')');
    }
    label
}

/// `otl-api cgroup_usage: 330 MiB higher on host-b than on host-a`.
pub fn attribution_headline(a: &Attribution) -> String {
    if a.basis == "slope" {
        format!(
            "{} {}: grows {} faster on {} than on {}",
            a.service,
            a.kind,
            format_rate(a.difference),
            a.high_host,
            a.low_host
        )
    } else {
        format!(
            "{} {}: {} higher on {} than on {}",
            a.service,
            a.kind,
            format_bytes(a.difference),
            a.high_host,
            a.low_host
        )
    }
}

/// A component's difference in the attribution's unit: bytes, or bytes per hour.
pub fn component_difference(a: &Attribution, c: &ComponentShare) -> String {
    if a.basis == "slope" {
        format_rate(c.difference)
    } else {
        format_bytes(c.difference)
    }
}

/// `86%`, one decimal below 10%.
pub fn share_text(share: f64) -> String {
    if !share.is_finite() {
        "n/a".to_string()
    } else if share.abs() < 0.0005 {
        "0.0%".to_string()
    } else if share.abs() < 0.1 {
        format!("{:.1}%", share * 100.0)
    } else {
        format!("{:.0}%", share * 100.0)
    }
}

/// `12.9 GiB (81%)`: available memory with its share of the total.
pub fn available_text(ctx: &HostContext) -> String {
    match (ctx.mem_available_bytes, ctx.mem_available_fraction) {
        (Some(bytes), Some(f)) => format!("{} ({})", format_bytes(bytes), share_text(f)),
        (Some(bytes), None) => format_bytes(bytes),
        (None, Some(f)) => share_text(f),
        (None, None) => "-".to_string(),
    }
}

/// What was analysed: `app {job="otl"} · container {name=~"otl-.*"} · by service · host label instance`.
pub fn subject_text(subject: &SubjectInfo) -> String {
    let mut parts = Vec::new();
    if let Some(app) = &subject.app {
        parts.push(format!("app {app}"));
    }
    if let Some(container) = &subject.container {
        parts.push(format!("container {container}"));
    }
    if let Some(by) = &subject.by {
        parts.push(format!("by {by}"));
    }
    if !subject.host_label.is_empty() {
        parts.push(format!("host label {}", subject.host_label));
    }
    parts.join(" · ")
}

/// The Grafana Explore link of a target, when the report has one.
pub fn explore_link<'r>(report: &'r Report, target: &TargetReport) -> Option<&'r str> {
    report
        .links
        .iter()
        .find(|l| l.service == target.service && l.host == target.host)
        .map(|l| l.grafana_explore.as_str())
}

/// `otl-api on host-a`.
pub fn target_label(target: &TargetReport) -> String {
    visible(&format!("{} on {}", target.service, target.host))
}

/// Whether `c` would act on a terminal or a page instead of showing: control characters
/// (escape sequences, NUL, carriage returns) and the bidirectional overrides and isolates
/// that reorder what is shown around them.
pub fn is_hidden_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// `text` with every hidden control character (see [`is_hidden_control`]) shown as U+FFFD,
/// for label values printed to a terminal or drawn into a chart.
pub fn visible(text: &str) -> String {
    if !text.chars().any(is_hidden_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| if is_hidden_control(c) { '\u{fffd}' } else { c })
        .collect()
}

/// Escapes text for HTML and XML element content and attribute values.
pub fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_hidden_control(c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for inline Markdown (table cells included): no markup, links or HTML leak through.
pub fn escape_md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c if is_hidden_control(c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape_xml("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape_md("a|b_c <x>\n"), "a\\|b\\_c &lt;x&gt; ");
        assert_eq!(share_text(-0.000_084), "0.0%");
        assert_eq!(share_text(0.024), "2.4%");
        assert_eq!(share_text(0.86), "86%");
    }

    #[test]
    fn numbers_read_the_same_everywhere() {
        assert_eq!(p_clause(0.000_01), "p < 0.0001");
        assert_eq!(p_clause(0.023_14), "p = 0.0231");
        assert_eq!(p_clause(f64::NAN), "p = n/a");
        let mib = 1024.0 * 1024.0;
        assert_eq!(
            rate_interval_text(10.58 * mib, 10.62 * mib),
            "[+10.58, +10.62] MiB/h"
        );
        assert_eq!(
            rate_interval_text(2.9 * mib, 3.5 * mib),
            "[+2.90, +3.50] MiB/h"
        );
        assert_eq!(rate_interval_text(-531.0, 1219.0), "[-0.52, +1.19] KiB/h");
        assert_eq!(rate_interval_text(-531.0, 900.0), "[-531, +900] B/h");
        assert_eq!(rate_interval_text(f64::NAN, 1.0), "[n/a]");
    }

    #[test]
    fn labels_every_verdict_distinctly() {
        let labels: std::collections::BTreeSet<_> =
            Verdict::ALL.iter().map(|v| verdict_label(*v)).collect();
        assert_eq!(labels.len(), Verdict::ALL.len());
    }
}

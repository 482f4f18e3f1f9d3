//! Wording, number formatting and escaping shared by the text renderers.

use crate::report::{Attribution, ComponentShare, Growth, HostContext, SeriesReport, TargetReport};
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

/// A p-value: `0.042`, or `< 0.001` when smaller.
pub fn p_value_text(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".to_string()
    } else {
        format!("{p:.3}")
    }
}

/// `p = 0.042` or `p < 0.001`.
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

/// `[+2.90 MiB/h, +3.50 MiB/h]`, the 95% interval.
pub fn ci_text(growth: Option<&Growth>) -> String {
    growth.map_or_else(String::new, |g| {
        format!("[{}, {}]", format_rate(g.ci95[0]), format_rate(g.ci95[1]))
    })
}

/// `+3.20 MiB/h [+2.90 MiB/h, +3.50 MiB/h]`, or `none`.
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

/// `otl-api on host-a`.
pub fn target_label(target: &TargetReport) -> String {
    format!("{} on {}", target.service, target.host)
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
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
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
    }

    #[test]
    fn labels_every_verdict_distinctly() {
        let labels: std::collections::BTreeSet<_> =
            Verdict::ALL.iter().map(|v| verdict_label(*v)).collect();
        assert_eq!(labels.len(), Verdict::ALL.len());
    }
}

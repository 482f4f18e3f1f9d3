//! Prometheus alerting rules that encode the verdict logic, for teams that want the
//! verdicts as alerts: floors and working set instead of raw usage, materiality relative
//! to the level, restarts that hide a leak, and native growth under a flat heap.

use crate::units::format_duration;
use std::fmt::Write;

/// What the rules are generated for.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSettings {
    /// Label matchers of the app's series, without braces (e.g. `job="otl-api"`), or "".
    pub app_matchers: String,
    /// Label matchers of the container's cAdvisor series, without braces, or "".
    pub container_matchers: String,
    /// Growth below this fraction of the level per day does not alert.
    pub min_relative_growth_per_day: f64,
    /// The window the trend is measured over, in seconds (written into the rules in
    /// Prometheus' normal form, e.g. `1h30m`).
    pub window_seconds: f64,
    /// Alert when the working set is projected to reach the limit within this horizon (hours).
    pub horizon_hours: f64,
    /// A user-given limit in bytes (pm2's max_memory_restart); else the cgroup limit is used.
    pub limit_bytes: Option<f64>,
    /// The rule group name.
    pub group: String,
    /// With Grafana's URL, each rule carries a `grafana_explore` annotation: its
    /// expression in Grafana Explore over the window.
    pub grafana: Option<crate::links::GrafanaSettings>,
}

impl Default for RuleSettings {
    fn default() -> Self {
        RuleSettings {
            app_matchers: String::new(),
            container_matchers: String::new(),
            min_relative_growth_per_day: 0.01,
            window_seconds: 12.0 * 3600.0,
            horizon_hours: 24.0,
            limit_bytes: None,
            group: "memgrowth".to_string(),
            grafana: None,
        }
    }
}

struct Rule {
    alert: &'static str,
    expr: String,
    duration: &'static str,
    severity: &'static str,
    summary: &'static str,
    description: String,
}

fn selector(metric: &str, matchers: &str, extra: &str) -> String {
    let parts: Vec<&str> = [matchers, extra]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect();
    format!("{metric}{{{}}}", parts.join(","))
}

/// Per-second growth of the floor (minima over 30 minutes) of a gauge, over the window.
fn floor_deriv(series: &str, window: &str) -> String {
    format!("deriv(min_over_time({series}[30m])[{window}:5m])")
}

/// "grows by more than `ratio` of its level per day".
fn material(series: &str, window: &str, ratio: f64) -> String {
    format!(
        "{} > {ratio} / 86400 * avg_over_time({series}[{window}])",
        floor_deriv(series, window)
    )
}

fn rules(settings: &RuleSettings) -> Vec<Rule> {
    let window = format_duration(settings.window_seconds);
    let w = window.as_str();
    let r = settings.min_relative_growth_per_day;
    let app = settings.app_matchers.as_str();
    let container = settings.container_matchers.as_str();
    let old_space = selector("nodejs_heap_space_size_used_bytes", app, r#"space="old""#);
    let heap = selector("nodejs_heap_size_used_bytes", app, "");
    let external = selector("nodejs_external_memory_bytes", app, "");
    let rss = selector("process_resident_memory_bytes", app, "");
    let start = selector("process_start_time_seconds", app, "");
    let working_set = selector("container_memory_working_set_bytes", container, "");
    let usage = selector("container_memory_usage_bytes", container, "");
    let limit = match settings.limit_bytes {
        Some(bytes) => format!("{bytes}"),
        // Matched per container; a limit of 0 means unlimited and never alerts.
        None => format!(
            "on(id, instance) ({} > 0)",
            selector("container_spec_memory_limit_bytes", container, "")
        ),
    };
    let horizon = (settings.horizon_hours * 3600.0).round();
    vec![
        Rule {
            alert: "MemgrowthHeapFloorRising",
            expr: material(&old_space, w, r),
            duration: "1h",
            severity: "warning",
            summary: "V8 old-space floor keeps rising: likely a heap leak",
            description: format!(
                "The post-GC floor of old space grows by more than {:.1}% of its level per day over {w}. A leak raises the floor, not the GC sawtooth peaks.",
                r * 100.0
            ),
        },
        Rule {
            alert: "MemgrowthWorkingSetReachesLimit",
            expr: format!(
                "predict_linear(min_over_time({working_set}[30m])[{w}:5m], {horizon}) > {limit}"
            ),
            duration: "30m",
            severity: "critical",
            summary: "Container working set projected to reach its memory limit",
            description: format!(
                "Working set (usage minus inactive page cache) projected over {} h reaches the limit. Working set, not usage, is what the kernel cannot reclaim.",
                settings.horizon_hours
            ),
        },
        Rule {
            alert: "MemgrowthRestartMaskedLeak",
            expr: format!(
                "changes({start}[{w}]) >= 2 and on(instance, job) (deriv({rss}[1h]) > {r} / 86400 * avg_over_time({rss}[1h]))"
            ),
            duration: "1h",
            severity: "warning",
            summary: "Restarts are hiding memory growth",
            description: format!(
                "The process restarted at least twice in {w} and its RSS grows again after each restart (pm2 max_memory_restart or OOM kills)."
            ),
        },
        Rule {
            alert: "MemgrowthNativeGrowth",
            expr: format!(
                "({}) and on(instance, job) (abs({}) < {r} / 86400 * avg_over_time({heap}[{w}])) and on(instance, job) (abs({}) < {r} / 86400 * avg_over_time({external}[{w}]) + 1048576 / 86400)",
                material(&rss, w, r),
                floor_deriv(&heap, w),
                floor_deriv(&external, w),
            ),
            duration: "1h",
            severity: "warning",
            summary: "RSS grows while the V8 heap and external memory stay flat: native growth",
            description: "Off-heap growth or allocator fragmentation (glibc arenas scale with host CPUs: try MALLOC_ARENA_MAX=2 or jemalloc).".to_string(),
        },
        Rule {
            alert: "MemgrowthUsageIsMostlyPageCache",
            expr: format!(
                "({usage} - on(id, instance) {working_set}) / on(id, instance) {usage} > 0.5"
            ),
            duration: "6h",
            severity: "info",
            summary: "Container memory usage is mostly reclaimable page cache",
            description: "More than half of container_memory_usage_bytes is page cache the kernel reclaims under pressure; alert on working set or rss, not usage.".to_string(),
        },
    ]
}

fn yaml_string(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    format!("\"{escaped}\"")
}

/// Renders the rules as a Prometheus rule file (YAML).
pub fn render_rules(settings: &RuleSettings) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Generated by memgrowth {}: alerting rules that encode its verdict logic.",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(out, "groups:");
    let _ = writeln!(out, "  - name: {}", yaml_string(&settings.group));
    let _ = writeln!(out, "    rules:");
    for rule in rules(settings) {
        let _ = writeln!(out, "      - alert: {}", rule.alert);
        let _ = writeln!(out, "        expr: {}", yaml_string(&rule.expr));
        let _ = writeln!(out, "        for: {}", rule.duration);
        let _ = writeln!(out, "        labels:");
        let _ = writeln!(out, "          severity: {}", rule.severity);
        let _ = writeln!(out, "        annotations:");
        let _ = writeln!(out, "          summary: {}", yaml_string(rule.summary));
        let _ = writeln!(
            out,
            "          description: {}",
            yaml_string(&rule.description)
        );
        if let Some(grafana) = &settings.grafana {
            let from = format!("now-{}", format_duration(settings.window_seconds));
            let link =
                crate::links::explore_url(grafana, std::slice::from_ref(&rule.expr), &from, "now");
            let _ = writeln!(out, "          grafana_explore: {}", yaml_string(&link));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_join_matchers() {
        assert_eq!(selector("m", "", ""), "m{}");
        assert_eq!(
            selector("m", r#"job="a""#, r#"space="old""#),
            r#"m{job="a",space="old"}"#
        );
    }

    #[test]
    fn yaml_strings_escape_quotes_and_newlines() {
        assert_eq!(yaml_string("a\"b\\c\nd"), r#""a\"b\\c\nd""#);
    }

    #[test]
    fn every_rule_uses_the_app_matchers() {
        let settings = RuleSettings {
            app_matchers: r#"job="otl-api""#.into(),
            ..RuleSettings::default()
        };
        let text = render_rules(&settings);
        assert_eq!(text.matches("- alert:").count(), 5);
        assert!(
            text.contains(r#"nodejs_heap_space_size_used_bytes{job=\"otl-api\",space=\"old\"}"#)
        );
    }
}

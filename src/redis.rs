//! Redis beside the service: the Redis of a host (redis-exporter's series) as a target of
//! its own. Its memory in use is judged by the verdict engine's evidence like any memory
//! level (fitted per regime, material when it changes the level or reaches maxmemory
//! within the horizon); what growth means is decided by what Redis does at maxmemory.
//! With an evicting `maxmemory-policy` growth stops at maxmemory by design (a plateau);
//! with `noeviction` Redis refuses writes there (an outage ahead: a leak-like verdict).
//! maxmemory 0 is unlimited: the host's memory is the limit, and the reasons say so.

use crate::analysis::AnalysisSettings;
use crate::analysis::assemble::assemble;
use crate::analysis::calibration::confidence;
use crate::analysis::component::{Component, Status, materiality};
use crate::analysis::evidence::{Evidence, evidence};
use crate::analysis::roles::Role;
use crate::analysis::rules::growth::{grows, score};
use crate::analysis::rules::{Finding, margin, rate_of};
use crate::analysis::words::Reason;
use crate::frame::TidySeries;
use crate::kind::Kind;
use crate::report::{PlateauInfo, RedisInfo, TargetReport};
use crate::target::Target;
use crate::units::format_bytes;
use crate::verdict::Verdict;

/// The label of `redis_instance_info` that carries the eviction policy.
pub const POLICY_LABEL: &str = "maxmemory_policy";

/// Judges the Redis of one host.
pub fn analyze(target: &Target, s: &AnalysisSettings) -> TargetReport {
    let e = evidence(target, s);
    let info = redis_info(target);
    let (finding, shown_as) = decide(&e, &info, s);
    let score = finding.score;
    let mut report = assemble(target, &e, finding, s);
    if let Some(verdict) = shown_as {
        // Growth that evicts at maxmemory: judged as growth (its time to maxmemory is
        // projected), reported as the plateau it ends in.
        report.verdict = verdict;
        report.confidence = confidence(verdict, score);
        if let Some(max) = info.maxmemory_bytes.filter(|m| *m > 0.0) {
            report.plateau = Some(PlateauInfo {
                asymptote_bytes: max,
                headroom_bytes: Some(0.0),
                asymptote_interval: None,
            });
        }
    }
    let at = 1.min(report.reasons.len());
    let rest = report.reasons.split_off(at);
    let policy = policy_reasons(&e, &info, report.verdict);
    report.reasons.extend(policy);
    report.reasons.extend(rest);
    report.redis = Some(info);
    report
}

/// maxmemory, policy and evictions as scraped.
pub fn redis_info(target: &Target) -> RedisInfo {
    let policy = latest(target.of_kind(Kind::RedisInfo))
        .and_then(|s| s.labels.get(POLICY_LABEL))
        .filter(|p| !p.is_empty())
        .cloned();
    let evicted_keys = target
        .of_kind(Kind::RedisEvicted)
        .map(counter_increase)
        .reduce(|a, b| a + b);
    let maxmemory_bytes = latest(target.of_kind(Kind::RedisMax))
        .and_then(|s| s.values.iter().rev().copied().find(|v| v.is_finite()));
    RedisInfo {
        evicts: evicts(policy.as_deref(), evicted_keys),
        maxmemory_bytes,
        policy,
        evicted_keys,
    }
}

/// The series sampled last (a restarted Redis gets a new `run_id`, so a new info series).
fn latest<'a>(series: impl Iterator<Item = &'a TidySeries>) -> Option<&'a TidySeries> {
    series.max_by_key(|s| s.timestamps_ms.last().copied().unwrap_or(i64::MIN))
}

/// The increase of a counter over its samples; a fall is a reset (a Redis restart), after
/// which the counter counts from zero.
fn counter_increase(s: &TidySeries) -> f64 {
    let finite: Vec<f64> = s.values.iter().copied().filter(|v| v.is_finite()).collect();
    finite
        .windows(2)
        .map(|w| if w[1] >= w[0] { w[1] - w[0] } else { w[1] })
        .sum()
}

/// Whether Redis evicts at maxmemory: every `allkeys-*` policy does; a `volatile-*`
/// policy evicts only keys with an expiry, so only evictions seen show it can; under
/// `noeviction` writes fail.
fn evicts(policy: Option<&str>, evicted: Option<f64>) -> Option<bool> {
    let seen = evicted.is_some_and(|n| n > 0.0);
    match policy {
        Some("noeviction") => Some(false),
        Some(p) if p.starts_with("allkeys-") => Some(true),
        Some(p) if p.starts_with("volatile-") => Some(seen),
        _ => seen.then_some(true),
    }
}

/// The finding, and the verdict to report instead of the finding's when they differ.
fn decide(e: &Evidence, info: &RedisInfo, s: &AnalysisSettings) -> (Finding, Option<Verdict>) {
    let Some(c) = e.get(Role::Redis) else {
        return (
            finding(
                Verdict::InsufficientData,
                None,
                0.0,
                vec![Reason::NoMemorySeries],
            ),
            None,
        );
    };
    let limited = info.maxmemory_bytes.is_some_and(|m| m > 0.0);
    let evicting = limited && info.evicts == Some(true);
    match c.status {
        Status::Grows { .. } => {
            let growth = finding(
                Verdict::Leak,
                Some(Role::Redis),
                score(c, s),
                grows(e, c, s),
            );
            (growth, evicting.then_some(Verdict::Plateau))
        }
        Status::Levelled => {
            let r = c.current.as_ref();
            let rise = r.map_or(0.0, |r| r.rise);
            let flat_rate = c.materiality.flat_rate;
            let flatness = margin(flat_rate / c.rate_interval.high.max(flat_rate * 1e-3));
            let reasons = vec![Reason::Levelled {
                series: c.label.clone(),
                rise,
                span_hours: r.map_or(0.0, |r| r.span_hours()),
                rate: rate_of(c, s),
                flat_rate,
            }];
            let score = flatness.min(margin(rise / c.materiality.required_change));
            (
                finding(Verdict::Plateau, Some(Role::Redis), score, reasons),
                None,
            )
        }
        Status::Insufficient => (too_little(e, c), None),
        status => {
            // Held at maxmemory by eviction: evictions in the window show it is there.
            // Its headroom is nil by design, so flatness is judged against the level.
            let held = evicting && info.evicted_keys.is_some_and(|n| n > 0.0);
            let flat_rate = if held {
                let span = c.current.as_ref().map_or(0.0, |r| r.span_hours());
                materiality(c.materiality.level, span, Role::Redis, None, s).flat_rate
            } else {
                c.materiality.flat_rate
            };
            let high = c.rate_interval.high;
            let shown_flat = matches!(status, Status::Flat | Status::Falls) || high < flat_rate;
            let reasons = vec![Reason::NoGrowth {
                series: c.label.clone(),
                rate: rate_of(c, s),
                flat_rate,
                shown_flat,
            }];
            let score = if high <= 0.0 {
                5.0
            } else {
                margin(flat_rate / high)
            };
            let verdict = if held {
                Verdict::Plateau
            } else {
                Verdict::Stable
            };
            let decisive = held.then_some(Role::Redis);
            (finding(verdict, decisive, score, reasons), None)
        }
    }
}

fn finding(verdict: Verdict, decisive: Option<Role>, score: f64, reasons: Vec<Reason>) -> Finding {
    Finding {
        verdict,
        decisive,
        pooled: false,
        reasons,
        score,
    }
}

fn too_little(e: &Evidence, c: &Component) -> Finding {
    let reasons = vec![crate::analysis::rules::insufficient::too_little(e, c)];
    finding(Verdict::InsufficientData, None, 0.0, reasons)
}

/// What maxmemory and the policy mean for this verdict, in words.
fn policy_reasons(e: &Evidence, info: &RedisInfo, verdict: Verdict) -> Vec<String> {
    let mut out = Vec::new();
    let policy = info.policy.as_deref();
    let evicted = info.evicted_keys.unwrap_or(0.0);
    match info.maxmemory_bytes {
        Some(max) if max > 0.0 => {
            let max = format_bytes(max);
            let p = policy.unwrap_or("unknown");
            match (verdict, info.evicts) {
                (Verdict::Plateau, Some(true)) if evicted > 0.0 => out.push(format!(
                    "Redis is at maxmemory ({max}) and evicted {evicted:.0} keys in the window (maxmemory-policy {p}): a plateau by design; it costs only if the evicted keys were needed"
                )),
                (Verdict::Plateau, Some(true)) => out.push(format!(
                    "at maxmemory ({max}) Redis evicts keys (maxmemory-policy {p}): the growth stops there by design, a plateau; it costs only if the evicted keys are needed"
                )),
                (Verdict::Leak, Some(false)) if p.starts_with("volatile-") => out.push(format!(
                    "with maxmemory-policy {p} Redis evicts only keys with an expiry and evicted none in the window: at maxmemory ({max}) writes fail once no such key is left, an outage ahead"
                )),
                (Verdict::Leak, Some(false)) => out.push(format!(
                    "with maxmemory-policy {p} Redis refuses writes (OOM errors) once it reaches maxmemory ({max}): an outage ahead"
                )),
                (Verdict::Leak, _) => out.push(format!(
                    "the eviction policy is not exposed (redis_instance_info's maxmemory_policy): with an evicting policy this growth stops at maxmemory ({max}), with noeviction writes fail there"
                )),
                (_, Some(false)) if e.headroom().is_some_and(|h| h <= 0.0) => out.push(format!(
                    "Redis is at maxmemory ({max}) with maxmemory-policy {p}: it refuses writes now"
                )),
                _ => {
                    let level = e.limited_level.map(format_bytes);
                    let now = level.map_or(String::new(), |l| format!("{l} in use of "));
                    out.push(format!("{now}maxmemory {max}, maxmemory-policy {p}"));
                }
            }
        }
        Some(_) => out.push(match &e.limit {
            Some(l) => format!(
                "maxmemory is 0 (unlimited): Redis grows until the host runs out of memory, so its limit here is the host's memory ({}, {})",
                format_bytes(l.bytes),
                l.source
            ),
            None => "maxmemory is 0 (unlimited) and the host's memory is not scraped: no limit known".to_string(),
        }),
        None => out.push(
            "redis_memory_max_bytes is not scraped: maxmemory is unknown".to_string(),
        ),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_say_whether_redis_evicts() {
        assert_eq!(evicts(Some("noeviction"), Some(3.0)), Some(false));
        assert_eq!(evicts(Some("allkeys-lru"), None), Some(true));
        assert_eq!(evicts(Some("volatile-ttl"), Some(0.0)), Some(false));
        assert_eq!(evicts(Some("volatile-lru"), Some(2.0)), Some(true));
        assert_eq!(evicts(None, None), None);
        assert_eq!(evicts(None, Some(5.0)), Some(true));
    }

    #[test]
    fn counter_resets_count_from_zero() {
        let s = TidySeries {
            key: crate::frame::SeriesKey {
                service: String::new(),
                host: "h".into(),
                kind: Kind::RedisEvicted,
                space: String::new(),
            },
            labels: Default::default(),
            timestamps_ms: vec![0, 1, 2, 3],
            values: vec![10.0, 15.0, 2.0, 4.0],
        };
        assert_eq!(counter_increase(&s), 5.0 + 2.0 + 2.0);
    }
}

//! Recommendations that follow from the comparison, each tied to its numbers: which metric to
//! alert on, the allocator settings for native growth on many-CPU hosts, and V8 and pm2
//! thresholds consistent with the observed plateau.

use super::ServiceView;
use super::attribution::main_component;
use super::causes::{
    ARENAS_PER_CPU, CPU_RATIO, alert_metric_names, cache_story, native_level, native_story,
};
use super::explain::percent;
use crate::kind::Kind;
use crate::report::HostContext;
use crate::units::{format_bytes, format_rate};
use crate::verdict::Verdict;
use std::collections::BTreeMap;

const MIB: f64 = 1024.0 * 1024.0;
/// `--max-old-space-size` leaves this factor over the highest recent heap level for GC.
pub const HEAP_HEADROOM: f64 = 2.0;
/// pm2's `max_memory_restart` sits this factor above the highest recent RSS.
pub const RSS_HEADROOM: f64 = 1.5;
/// Suggested sizes are rounded up to this many MiB.
const ROUND_MIB: f64 = 64.0;

/// Recommendations for one service.
pub fn recommend(v: &ServiceView<'_>, ctx: &BTreeMap<String, HostContext>) -> Vec<String> {
    let mut out = Vec::new();
    if v.hosts.len() >= 2 {
        out.extend(alert_metric(v));
        out.extend(allocator(v, ctx));
    }
    out.extend(thresholds(v));
    out
}

/// Alert on working set or rss when the page cache makes usage diverge.
fn alert_metric(v: &ServiceView<'_>) -> Option<String> {
    let at = cache_story(v)?;
    let share = main_component(at)
        .filter(|c| c.component == Kind::CgroupCache.as_str())
        .map(|c| c.share);
    let metric = alert_metric_names(v);
    let cache = v
        .level(Kind::CgroupCache, &at.high_host)
        .map_or(String::new(), |c| {
            format!(
                ": on {} usage includes {} of page cache",
                at.high_host,
                format_bytes(c)
            )
        });
    let share = share.map_or(String::new(), |s| {
        format!(
            ", {} of the {} difference between hosts",
            percent(s),
            format_bytes(at.difference)
        )
    });
    Some(format!(
        "Alert on {metric}, not cgroup_usage (container_memory_usage_bytes){cache}{share}, which the kernel reclaims under pressure before it OOM-kills."
    ))
}

/// MALLOC_ARENA_MAX or jemalloc when native memory diverges on a host with more CPUs.
fn allocator(v: &ServiceView<'_>, ctx: &BTreeMap<String, HostContext>) -> Option<String> {
    let at = native_story(v)?;
    let kind: Kind = at.kind.parse().ok()?;
    let (a, b) = (at.high_host.as_str(), at.low_host.as_str());
    let native = |h: &str| native_level(v, kind, h).map(format_bytes);
    let amounts = match (native(a), native(b)) {
        (Some(na), Some(nb)) => format!(": native memory is {na} there against {nb} on {b}"),
        _ => String::new(),
    };
    let cpus = |h: &str| ctx.get(h).and_then(|c| c.cpus);
    match (cpus(a), cpus(b)) {
        (Some(pa), Some(pb)) if pa >= pb * CPU_RATIO => Some(format!(
            "On {a} ({pa:.0} CPUs, up to {:.0} malloc arenas) set MALLOC_ARENA_MAX=2 in the service's environment, or preload jemalloc (LD_PRELOAD=libjemalloc.so.2){amounts} ({pb:.0} CPUs).",
            pa * ARENAS_PER_CPU
        )),
        _ => Some(format!(
            "Profile native memory on {a} (heaptrack, or jemalloc with profiling){amounts}; MALLOC_ARENA_MAX=2 rules allocator fragmentation in or out."
        )),
    }
}

/// V8 and pm2 thresholds consistent with the plateau, or a warning when memory grows.
fn thresholds(v: &ServiceView<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let leak_verdict = v.reports.iter().any(|r| {
        matches!(
            r.verdict,
            Verdict::Leak | Verdict::RestartMaskedLeak | Verdict::NativeGrowth
        )
    });
    let growing = |kind: Kind| v.hosts.iter().find(|h| v.grows(kind, h)).cloned();
    if let Some(top) = highest(v, Kind::HeapUsed) {
        if growing(Kind::HeapUsed).is_none() && !leak_verdict {
            let size = round_up(top.1 * HEAP_HEADROOM);
            out.push(format!(
                "Set node --max-old-space-size={:.0} ({HEAP_HEADROOM:.0}x the highest recent heap, {} on {}), so that V8's heap limit is the same on every host instead of following each host's memory.",
                size / MIB,
                format_bytes(top.1),
                top.0
            ));
        }
    }
    let rss_kind = [Kind::ProcessRss, Kind::CgroupRss]
        .into_iter()
        .find(|k| v.levels.contains_key(k));
    if let Some(kind) = rss_kind {
        match growing(kind) {
            Some(host) => {
                let rate = v
                    .levels
                    .get(&kind)
                    .and_then(|m| m.get(&host))
                    .and_then(|l| l.slope_per_hour)
                    .unwrap_or(0.0);
                out.push(format!(
                    "Do not hide the {kind} growth on {host} ({}) behind pm2 max_memory_restart: restarts would mask it as a restart_masked_leak; fix the cause first.",
                    format_rate(rate)
                ));
            }
            None if !leak_verdict => {
                if let Some(top) = highest(v, kind) {
                    let size = round_up(top.1 * RSS_HEADROOM);
                    let over_limit = v.scale.limit.filter(|l| size > *l).map_or(String::new(), |l| {
                        format!(
                            "; the memory limit of {} is below it: raise the limit, or the container is killed before pm2 restarts it",
                            format_bytes(l)
                        )
                    });
                    out.push(format!(
                        "Set pm2 max_memory_restart to {:.0}M ({RSS_HEADROOM:.1}x the highest recent {kind}, {} on {}): it then restarts only on growth beyond the plateau, not on page cache or the GC sawtooth{over_limit}.",
                        size / MIB,
                        format_bytes(top.1),
                        top.0
                    ));
                }
            }
            None => {}
        }
    }
    out
}

/// (host, level) with the highest level of a kind.
fn highest(v: &ServiceView<'_>, kind: Kind) -> Option<(String, f64)> {
    v.levels
        .get(&kind)?
        .iter()
        .map(|(h, l)| (h.clone(), l.level))
        .reduce(|a, b| if b.1 > a.1 { b } else { a })
}

fn round_up(bytes: f64) -> f64 {
    (bytes / (ROUND_MIB * MIB)).ceil() * ROUND_MIB * MIB
}

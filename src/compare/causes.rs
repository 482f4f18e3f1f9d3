//! Causes: the host context that plausibly explains a divergence (memory pressure and page
//! cache reclaim, CPU counts and malloc arenas, kernels), whether it is a leak, and which
//! metric to alert on.

use super::ServiceView;
use super::attribution::{NATIVE, main_component};
use super::explain::{agreement, host_levels, percent};
use crate::kind::Kind;
use crate::report::{Attribution, HostContext};
use crate::units::format_bytes;
use std::collections::BTreeMap;

/// glibc malloc's default arena cap on 64-bit hosts: 8 per CPU.
pub const ARENAS_PER_CPU: f64 = 8.0;
/// Below this share of available memory a host is under pressure that reclaims page cache.
pub const PRESSURE_FRACTION: f64 = 0.10;
/// CPU counts this far apart (max/min) make malloc arenas a plausible cause.
pub const CPU_RATIO: f64 = 1.5;
/// A component is told as *the* explanation of a divergence when it explains at least half.
pub const STORY_SHARE: f64 = 0.5;

/// The divergent attribution whose main component is the page cache, if any.
pub fn cache_story<'v>(v: &'v ServiceView<'_>) -> Option<&'v Attribution> {
    [Kind::CgroupUsage, Kind::CgroupWorkingSet]
        .into_iter()
        .filter_map(|k| v.attribution(k))
        .find(|at| {
            main_component(at).is_some_and(|c| {
                c.component == Kind::CgroupCache.as_str() && c.share >= STORY_SHARE
            })
        })
        .or_else(|| v.attribution(Kind::CgroupCache))
}

/// The divergent attribution whose main component is native memory, if any.
pub fn native_story<'v>(v: &'v ServiceView<'_>) -> Option<&'v Attribution> {
    [Kind::ProcessRss, Kind::CgroupRss]
        .into_iter()
        .filter_map(|k| v.attribution(k))
        .find(|at| {
            main_component(at).is_some_and(|c| c.component == NATIVE && c.share >= STORY_SHARE)
        })
}

/// Why one host keeps more page cache than the other, and whether this is a leak.
pub fn cache_cause(
    v: &ServiceView<'_>,
    at: &Attribution,
    ctx: &BTreeMap<String, HostContext>,
    kernel_told: &mut bool,
) -> Vec<String> {
    let (a, b) = (at.high_host.as_str(), at.low_host.as_str());
    let cache = |h: &str| v.level(Kind::CgroupCache, h);
    let (ca, cb) = (ctx.get(a), ctx.get(b));
    let avail = |c: Option<&HostContext>| c.and_then(|c| c.mem_available_bytes);
    let mut out = Vec::new();
    let kept = cache(a).map_or(String::new(), |c| format!(" {}", format_bytes(c)));
    match (avail(ca), avail(cb)) {
        (Some(xa), Some(xb)) if xa > xb => {
            let fb = cb.and_then(|c| c.mem_available_fraction);
            let pressure = fb.is_some_and(|f| f < PRESSURE_FRACTION)
                || cache(a).is_some_and(|c| xb < c);
            if pressure {
                out.push(format!(
                    "{a} keeps{kept} of page cache because {} are available there{}; {b} has only {} available{} and reclaims page cache under that pressure{}.",
                    format_bytes(xa),
                    of_total(ca),
                    format_bytes(xb),
                    of_total(cb),
                    cache(b).map_or(String::new(), |c| format!(" ({} left)", format_bytes(c)))
                ));
            } else {
                out.push(format!(
                    "{a} has more memory available ({} against {} on {b}), so its kernel reclaims page cache later: {a} keeps{kept} of page cache.",
                    format_bytes(xa),
                    format_bytes(xb)
                ));
            }
        }
        (Some(xa), Some(xb)) => {
            let kernels = kernel_pair(a, b, ctx);
            *kernel_told |= kernels.is_some();
            out.push(format!(
                "Memory pressure does not explain it: {a} has {} available and {b} {}{}.",
                format_bytes(xa),
                format_bytes(xb),
                match kernels {
                    Some((ka, kb)) => format!(
                        "; the kernels differ ({a}: {ka}, {b}: {kb}), and page-cache accounting and reclaim differ across kernel releases"
                    ),
                    None => format!(
                        "; the service on {a} likely reads or writes more files (logs, uploads, temporary files)"
                    ),
                }
            ));
        }
        _ => out.push(format!(
            "The available memory of {a} and {b} is unknown (no node_memory_MemAvailable_bytes), so why {a} keeps more page cache cannot be told."
        )),
    }
    out
}

/// " (91% of 64.0 GiB)".
fn of_total(c: Option<&HostContext>) -> String {
    match c.and_then(|c| Some((c.mem_available_fraction?, c.mem_total_bytes?))) {
        Some((f, t)) => format!(" ({} of {})", percent(f), format_bytes(t)),
        None => String::new(),
    }
}

/// Neither the heap nor anonymous memory grows on any host, and no host's verdict is a
/// leak: what grows is page cache.
/// The conclusion of a page-cache story, when nothing of the process's own grows: "not a
/// leak", and what to alert on.
pub fn not_a_leak(v: &ServiceView<'_>) -> Option<String> {
    if anon_grows(v) || v.leak_verdict() {
        return None;
    }
    let evidence = heap_evidence(v).or_else(|| {
        let r = v.assessment(Kind::CgroupRss)?;
        Some(if r.consistent() {
            format!(
                "Anonymous memory agrees across hosts (cgroup_rss {}) and grows on none",
                agreement(v, r)
            )
        } else {
            "Anonymous memory (cgroup_rss) grows on no host".to_string()
        })
    })?;
    let alert = match alert_kinds(v) {
        (true, true) => "working set or rss",
        (true, false) => "working set",
        (false, _) => "rss",
    };
    Some(format!(
        "{evidence}: what grows is reclaimable page cache, not a leak. Alert on {alert}, not usage."
    ))
}

/// Whether the heap or anonymous memory grows materially on some host.
fn anon_grows(v: &ServiceView<'_>) -> bool {
    [Kind::HeapUsed, Kind::ProcessRss, Kind::CgroupRss]
        .iter()
        .any(|k| v.hosts.iter().any(|h| v.grows(*k, h)))
}

/// "The V8 heap agrees across hosts (...)" or "is flat on every host (...)"; None without
/// heap series or when the heap grows somewhere.
fn heap_evidence(v: &ServiceView<'_>) -> Option<String> {
    let h = v.assessment(Kind::HeapUsed)?;
    if v.hosts.iter().any(|host| v.grows(Kind::HeapUsed, host)) {
        return None;
    }
    Some(if h.consistent() {
        format!(
            "The V8 heap agrees across hosts (heap_used {}) and grows on none",
            agreement(v, h)
        )
    } else {
        format!(
            "The V8 heap differs in level ({}) but grows on no host",
            host_levels(h)
        )
    })
}

/// Native memory and the CPU counts that plausibly explain it.
pub fn native_cause(
    v: &ServiceView<'_>,
    at: &Attribution,
    ctx: &BTreeMap<String, HostContext>,
) -> Vec<String> {
    let (a, b) = (at.high_host.as_str(), at.low_host.as_str());
    let Ok(kind) = at.kind.parse::<Kind>() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let (Some(na), Some(nb)) = (native_level(v, kind, a), native_level(v, kind, b)) {
        out.push(format!(
            "Native memory ({kind} outside the V8 heap and Buffers) is {} on {a} against {} on {b}.",
            format_bytes(na),
            format_bytes(nb)
        ));
    }
    let cpus = |h: &str| ctx.get(h).and_then(|c| c.cpus);
    match (cpus(a), cpus(b)) {
        (Some(pa), Some(pb)) if pa >= pb * CPU_RATIO => out.push(format!(
            "{a} has {pa:.0} CPUs and {b} {pb:.0}: glibc malloc creates up to {ARENAS_PER_CPU:.0} arenas per CPU on 64-bit hosts ({:.0} against {:.0}), whatever the container's CPU quota, and more arenas fragment native memory more: the likely cause.",
            pa * ARENAS_PER_CPU,
            pb * ARENAS_PER_CPU
        )),
        (Some(pa), Some(pb)) => out.push(format!(
            "The CPU counts do not explain it ({a}: {pa:.0}, {b}: {pb:.0}): look for native addons, Buffers held outside `external`, or differing library versions."
        )),
        _ => out.push(
            "The CPU counts of the hosts are unknown (no node_cpu_seconds_total), so malloc arenas cannot be checked as the cause.".to_string(),
        ),
    }
    if let Some(evidence) = heap_evidence(v) {
        out.push(format!("{evidence}: not a JavaScript leak."));
    }
    out
}

/// `kind` minus the heap and external on one host.
pub fn native_level(v: &ServiceView<'_>, kind: Kind, host: &str) -> Option<f64> {
    let ext = v.level(Kind::External, host).unwrap_or(0.0);
    Some(v.level(kind, host)? - v.level(Kind::HeapUsed, host)? - ext)
}

fn kernel_pair(a: &str, b: &str, ctx: &BTreeMap<String, HostContext>) -> Option<(String, String)> {
    let ka = ctx.get(a)?.kernel.clone()?;
    let kb = ctx.get(b)?.kernel.clone()?;
    (ka != kb).then_some((ka, kb))
}

/// "Kernels differ: a 5.15..., b 4.19..." when the service's hosts run different kernels.
pub fn kernels_differ(v: &ServiceView<'_>, ctx: &BTreeMap<String, HostContext>) -> Option<String> {
    let kernels: Vec<(String, String)> = v
        .hosts
        .iter()
        .filter_map(|h| Some((h.clone(), ctx.get(h)?.kernel.clone()?)))
        .collect();
    let first = kernels.first()?;
    if kernels.iter().all(|k| k.1 == first.1) {
        return None;
    }
    let list: Vec<String> = kernels.iter().map(|(h, k)| format!("{h}: {k}")).collect();
    Some(format!("Kernels differ ({}).", list.join(", ")))
}

/// (alert on working set, alert on rss): the working set qualifies when it exists and its own
/// divergence, if any, is not explained by file pages; rss when it exists (or nothing else does).
pub fn alert_kinds(v: &ServiceView<'_>) -> (bool, bool) {
    let ws_polluted = v.attribution(Kind::CgroupWorkingSet).is_some_and(|w| {
        main_component(w).is_some_and(|c| c.component != Kind::CgroupRss.as_str())
    });
    let ws = v.levels.contains_key(&Kind::CgroupWorkingSet) && !ws_polluted;
    let rss = v.levels.contains_key(&Kind::CgroupRss);
    (ws, rss || !ws)
}

/// The metric names to alert on instead of usage, for a recommendation.
pub fn alert_metric_names(v: &ServiceView<'_>) -> &'static str {
    match alert_kinds(v) {
        (true, true) => {
            "cgroup_working_set (container_memory_working_set_bytes) or cgroup_rss (container_memory_rss)"
        }
        (true, false) => "cgroup_working_set (container_memory_working_set_bytes)",
        (false, _) => "cgroup_rss (container_memory_rss)",
    }
}

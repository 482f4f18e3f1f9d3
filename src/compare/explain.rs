//! The explanation in plain words, with the numbers: what diverges, what explains it, what
//! agrees, and the host context that plausibly causes it. Claims are only made when the
//! numbers support them; what cannot be told is said to be unknown.

use super::ServiceView;
use super::attribution::{ACTIVE_FILE, INACTIVE_FILE, NATIVE, main_component};
use super::consistency::KindAssessment;
use crate::kind::Kind;
use crate::report::{Attribution, HostContext};
use crate::units::{format_bytes, format_rate};
use std::collections::BTreeMap;

/// glibc malloc's default arena cap on 64-bit hosts: 8 per CPU.
pub const ARENAS_PER_CPU: f64 = 8.0;
/// Below this share of available memory a host is under pressure that reclaims page cache.
pub const PRESSURE_FRACTION: f64 = 0.10;
/// CPU counts this far apart (max/min) make malloc arenas a plausible cause.
pub const CPU_RATIO: f64 = 1.5;
/// A component is told as *the* explanation of a divergence when it explains at least half.
pub const STORY_SHARE: f64 = 0.5;

/// The order in which divergences are told: outermost measure first.
pub const ORDER: [Kind; 9] = [
    Kind::CgroupUsage,
    Kind::CgroupWorkingSet,
    Kind::ProcessRss,
    Kind::CgroupRss,
    Kind::CgroupCache,
    Kind::CgroupMappedFile,
    Kind::CgroupSwap,
    Kind::HeapUsed,
    Kind::External,
];

fn rank(kind: Kind) -> usize {
    ORDER.iter().position(|k| *k == kind).unwrap_or(ORDER.len())
}

/// Assessments that pass `keep`, in telling order.
pub fn ordered<'v>(
    v: &'v ServiceView<'_>,
    keep: impl Fn(&KindAssessment) -> bool,
) -> Vec<&'v KindAssessment> {
    let mut out: Vec<&KindAssessment> = v.assessments.iter().filter(|a| keep(a)).collect();
    out.sort_by_key(|a| (rank(a.kind), a.kind));
    out
}

/// Sentences explaining one service's comparison.
pub fn explain(v: &ServiceView<'_>, ctx: &BTreeMap<String, HostContext>) -> Vec<String> {
    if v.hosts.len() < 2 {
        return vec![format!(
            "{} runs on one host ({}): there is nothing to compare across hosts.",
            v.service,
            v.hosts.join(", ")
        )];
    }
    let mut out: Vec<String> = ordered(v, |a| a.divergent())
        .into_iter()
        .map(|a| divergence(v, a))
        .collect();
    if out.is_empty() {
        out.push(format!(
            "Every compared kind agrees across the {} hosts: no max/min ratio reaches {:.2} with a difference of at least {}.",
            v.hosts.len(),
            v.thresholds.material_ratio,
            format_bytes(v.thresholds.materiality_bytes(&v.scale))
        ));
    }
    out.extend(consistent(v));
    out.extend(missing(v));
    let mut kernel_told = false;
    if let Some(cache) = cache_story(v) {
        out.extend(cache_cause(v, cache, ctx, &mut kernel_told));
    }
    if let Some(native) = native_story(v) {
        out.extend(native_cause(v, native, ctx));
    }
    if let Some(heap) = v.assessment(Kind::HeapUsed).filter(|a| a.divergent()) {
        out.extend(heap_differs(heap));
    }
    if !kernel_told {
        out.extend(kernels_differ(v, ctx));
    }
    out
}

/// The heap itself differs: by growth (retention on some hosts only) or by level (load, code).
fn heap_differs(heap: &KindAssessment) -> Option<String> {
    if heap.slope_divergent {
        let (hi, lo) = (heap.slope_high.as_ref()?, heap.slope_low.as_ref()?);
        return Some(format!(
            "The V8 heap grows {} on {} against {} on {}: the heap retains memory on {} only; compare heap snapshots taken there hours apart.",
            format_rate(hi.1),
            hi.0,
            format_rate(lo.1),
            lo.0,
            hi.0
        ));
    }
    let (hi, lo) = (heap.level_high.as_ref()?, heap.level_low.as_ref()?);
    Some(format!(
        "The V8 heap itself differs between hosts ({}: {}, {}: {}): the hosts get different load or run different code; compare heap snapshots taken on both.",
        hi.0,
        format_bytes(hi.1),
        lo.0,
        format_bytes(lo.1)
    ))
}

/// The divergence of one kind, with its attribution.
fn divergence(v: &ServiceView<'_>, a: &KindAssessment) -> String {
    let kind = a.kind.as_str();
    let attribution = v.attribution(a.kind);
    let mut s = if a.level_divergent {
        format!(
            "{kind} differs {:.1}x between hosts ({})",
            a.ratio.unwrap_or(1.0),
            host_levels(a)
        )
    } else {
        match (&a.slope_high, &a.slope_low) {
            (Some(hi), Some(lo)) => format!(
                "{kind} grows {} on {} against {} on {} (levels within {:.2}x so far)",
                format_rate(hi.1),
                hi.0,
                format_rate(lo.1),
                lo.0,
                a.ratio.unwrap_or(1.0)
            ),
            _ => format!("{kind} diverges between hosts"),
        }
    };
    if let Some(at) = attribution {
        s.push_str(&components(at));
    }
    if a.level_divergent && a.slope_divergent {
        if let (Some(hi), Some(lo)) = (&a.slope_high, &a.slope_low) {
            s.push_str(&format!(
                "; it grows {} on {} against {} on {}",
                format_rate(hi.1),
                hi.0,
                format_rate(lo.1),
                lo.0
            ));
        }
    }
    s.push('.');
    s
}

/// "a: 2.70 GiB, b: 400 MiB", or the extremes only when there are many hosts.
fn host_levels(a: &KindAssessment) -> String {
    if a.per_host.len() <= 4 {
        a.per_host
            .iter()
            .map(|(h, l)| format!("{h}: {}", format_bytes(l.level)))
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        match (&a.level_high, &a.level_low) {
            (Some(hi), Some(lo)) => format!(
                "highest {}: {}, lowest {}: {}",
                hi.0,
                format_bytes(hi.1),
                lo.0,
                format_bytes(lo.1)
            ),
            _ => String::new(),
        }
    }
}

/// "; 92% of the 2.06 GiB difference is page cache (cgroup_cache), 5% anonymous memory ...".
fn components(at: &Attribution) -> String {
    let top: Vec<_> = at
        .components
        .iter()
        .filter(|c| c.part_of.is_none() && c.share >= 0.05)
        .take(3)
        .collect();
    let Some(first) = top.first() else {
        return String::new();
    };
    let amount = if at.basis == "slope" {
        format!("the {} difference in growth", format_rate(at.difference))
    } else {
        format!("the {} difference", format_bytes(at.difference))
    };
    let mut s = format!(
        "; {} of {amount} is {}",
        percent(first.share),
        label(&first.component)
    );
    if let Some(inactive) = at
        .components
        .iter()
        .find(|c| c.component == INACTIVE_FILE && c.part_of.as_deref() == Some(&first.component))
    {
        s.push_str(&format!(
            " ({} inactive file pages, reclaimed first)",
            percent(inactive.share)
        ));
    }
    for c in top.iter().skip(1) {
        s.push_str(&format!(", {} {}", percent(c.share), label(&c.component)));
    }
    let offsets: Vec<String> = at
        .components
        .iter()
        .filter(|c| c.part_of.is_none() && c.share <= -0.05)
        .map(|c| format!("{} less {}", percent(-c.share), label(&c.component)))
        .collect();
    if !offsets.is_empty() {
        s.push_str(&format!(", offset by {}", offsets.join(" and ")));
    }
    s
}

/// What a component is, in words.
pub fn label(component: &str) -> String {
    match component {
        "cgroup_cache" => "page cache (cgroup_cache)".to_string(),
        "cgroup_rss" => "anonymous memory (cgroup_rss)".to_string(),
        "heap_used" => "the V8 heap (heap_used)".to_string(),
        "external" => "Buffers (external)".to_string(),
        NATIVE => "native memory outside the V8 heap and Buffers".to_string(),
        "other" => "other memory (kernel, untracked)".to_string(),
        INACTIVE_FILE => "inactive file pages (reclaimed first)".to_string(),
        ACTIVE_FILE => "active file pages".to_string(),
        other => other.to_string(),
    }
}

pub fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// "heap_used within 3% (a: 148 MiB, b: 146 MiB)"; immaterial ratios say so.
fn consistent(v: &ServiceView<'_>) -> Option<String> {
    let parts: Vec<String> = ordered(v, |a| a.consistent())
        .into_iter()
        .map(|a| {
            let spread = agreement(v, a);
            if a.kind == Kind::HeapUsed {
                format!("{} {spread} ({})", a.kind, host_levels(a))
            } else {
                format!("{} {spread}", a.kind)
            }
        })
        .collect();
    if parts.is_empty() {
        None
    } else {
        Some(format!("Consistent across hosts: {}.", parts.join(", ")))
    }
}

/// Kinds that some hosts lack, which the comparison could not use there.
fn missing(v: &ServiceView<'_>) -> Option<String> {
    let parts: Vec<String> = ordered(v, |a| a.hosts() < v.hosts.len())
        .into_iter()
        .map(|a| {
            let absent: Vec<&str> = v
                .hosts
                .iter()
                .filter(|h| !a.per_host.contains_key(*h))
                .map(String::as_str)
                .collect();
            format!("{} on {}", a.kind, absent.join(", "))
        })
        .collect();
    if parts.is_empty() {
        None
    } else {
        Some(format!(
            "Missing, so not compared there: {}.",
            parts.join("; ")
        ))
    }
}

/// How closely a consistent kind agrees: "within 3%", or, when the ratio is large but the
/// difference immaterial, "37.0 MiB apart (1.4x), under the 121 MiB materiality".
pub fn agreement(v: &ServiceView<'_>, a: &KindAssessment) -> String {
    let ratio = a.ratio.unwrap_or(1.0);
    if ratio < v.thresholds.material_ratio {
        return format!("within {}", within(ratio));
    }
    let diff =
        a.level_high.as_ref().map_or(0.0, |x| x.1) - a.level_low.as_ref().map_or(0.0, |x| x.1);
    format!(
        "{} apart ({ratio:.1}x), under the {} materiality",
        format_bytes(diff),
        format_bytes(a.materiality_bytes)
    )
}

/// "3%" for a ratio of 1.03; at least "1%".
pub fn within(ratio: f64) -> String {
    format!("{:.0}%", ((ratio - 1.0) * 100.0).max(1.0))
}

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
fn cache_cause(
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
    out.extend(not_a_leak(v));
    out
}

/// " (91% of 64.0 GiB)".
fn of_total(c: Option<&HostContext>) -> String {
    match c.and_then(|c| Some((c.mem_available_fraction?, c.mem_total_bytes?))) {
        Some((f, t)) => format!(" ({} of {})", percent(f), format_bytes(t)),
        None => String::new(),
    }
}

/// Neither the heap nor anonymous memory grows on any host: what grows is page cache.
fn not_a_leak(v: &ServiceView<'_>) -> Option<String> {
    if anon_grows(v) {
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
fn native_cause(
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
fn kernels_differ(v: &ServiceView<'_>, ctx: &BTreeMap<String, HostContext>) -> Option<String> {
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

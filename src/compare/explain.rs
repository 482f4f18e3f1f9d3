//! The explanation in plain words, with the numbers: what diverges, what explains it, what
//! agrees, and (from `causes`) the host context that plausibly causes it. Claims are only
//! made when the numbers support them; what cannot be told is said to be unknown.

use super::ServiceView;
use super::attribution::{ACTIVE_FILE, INACTIVE_FILE, NATIVE};
use super::causes::{
    cache_cause, cache_story, kernels_differ, native_cause, native_story, not_a_leak,
};
use super::consistency::KindAssessment;
use crate::kind::Kind;
use crate::report::{Attribution, HostContext};
use crate::units::{format_bytes, format_rate};
use std::collections::BTreeMap;

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
    // The conclusion first (the headline a reader needs), then the numbers it rests on.
    let headline = cache_story(v).and_then(|_| not_a_leak(v));
    let mut out: Vec<String> = headline.into_iter().collect();
    let told = out.len();
    out.extend(
        ordered(v, |a| a.divergent())
            .into_iter()
            .map(|a| divergence(v, a)),
    );
    if out.len() == told {
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
pub fn host_levels(a: &KindAssessment) -> String {
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

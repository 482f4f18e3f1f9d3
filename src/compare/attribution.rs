//! Attribution: which component explains the difference of a divergent kind between hosts.
//!
//! The difference is taken between the host with the highest and the host with the lowest
//! level (or slope, when only the slopes diverge). Each component's share is its own
//! difference between the same two hosts over the parent's:
//! - `cgroup_usage` = `cgroup_rss` + `cgroup_cache` + other (kernel, untracked); the cache
//!   splits further into inactive file pages (usage - working set, reclaimed first) and
//!   active ones.
//! - `cgroup_working_set` = `cgroup_rss` + active file pages (cache - inactive, when usage
//!   and cache are known) + other (kernel, untracked).
//! - `process_rss` and `cgroup_rss` = `heap_used` + `external` + native (the rest: malloc
//!   arenas, native addons, code, stacks).
//! - `cgroup_cache` = inactive file + active file, when usage and working set are known.
//!
//! A remainder is only computed when every named component is present on both hosts.

use super::consistency::KindAssessment;
use super::levels::ServiceLevels;
use crate::kind::Kind;
use crate::report::{Attribution, ComponentShare};

/// The derived remainder of process or anonymous memory outside the V8 heap and Buffers.
pub const NATIVE: &str = "native";
/// The remainder of cgroup usage (kernel memory, untracked pages).
pub const OTHER: &str = "other";
pub const INACTIVE_FILE: &str = "inactive_file";
pub const ACTIVE_FILE: &str = "active_file";

/// What a value is taken from: the recent level or the slope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    Level,
    Slope,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Level => "level",
            Basis::Slope => "slope",
        }
    }
}

/// The attribution of one divergent kind; None when it does not diverge.
pub fn attribute(service: &str, a: &KindAssessment, levels: &ServiceLevels) -> Option<Attribution> {
    let (basis, high, low) = if a.level_divergent {
        (Basis::Level, a.level_high.as_ref()?, a.level_low.as_ref()?)
    } else if a.slope_divergent {
        (Basis::Slope, a.slope_high.as_ref()?, a.slope_low.as_ref()?)
    } else {
        return None;
    };
    let value = |kind: Kind, host: &str| -> Option<f64> {
        let l = levels.get(&kind)?.get(host)?;
        match basis {
            Basis::Level => Some(l.level),
            Basis::Slope => l.slope_per_hour,
        }
    };
    let diff = |kind: Kind| -> Option<f64> { Some(value(kind, &high.0)? - value(kind, &low.0)?) };
    let parent = high.1 - low.1;
    let mut components = Vec::new();
    if parent > 0.0 {
        let (parts, remainder): (&[Kind], Option<&str>) = match a.kind {
            Kind::CgroupUsage => (&[Kind::CgroupRss, Kind::CgroupCache], Some(OTHER)),
            Kind::CgroupWorkingSet => (&[Kind::CgroupRss], Some(OTHER)),
            Kind::ProcessRss | Kind::CgroupRss => (&[Kind::HeapUsed, Kind::External], Some(NATIVE)),
            _ => (&[], None),
        };
        let mut named = 0.0;
        let mut complete = !parts.is_empty();
        for kind in parts {
            match diff(*kind) {
                Some(d) => {
                    named += d;
                    components.push(share(kind.as_str(), None, d, parent));
                }
                None => complete = false,
            }
        }
        // Native memory needs the heap: without it, the remainder says nothing.
        let heap_known =
            !matches!(a.kind, Kind::ProcessRss | Kind::CgroupRss) || diff(Kind::HeapUsed).is_some();
        if let (Some(name), true, true) = (remainder, complete, heap_known) {
            components.push(share(name, None, parent - named, parent));
        }
        components.extend(cache_split(a.kind, &diff, parent));
        if a.kind == Kind::CgroupWorkingSet {
            split_working_set_rest(&mut components, &diff, parent);
        }
    }
    components.sort_by(|x, y| {
        x.part_of
            .is_some()
            .cmp(&y.part_of.is_some())
            .then(y.share.total_cmp(&x.share))
            .then(x.component.cmp(&y.component))
    });
    Some(Attribution {
        service: service.to_string(),
        kind: a.kind.as_str().to_string(),
        basis: basis.as_str().to_string(),
        high_host: high.0.clone(),
        low_host: low.0.clone(),
        difference: parent,
        components,
    })
}

/// Inactive and active file pages of the cache, when usage and working set are known.
fn cache_split(kind: Kind, diff: &dyn Fn(Kind) -> Option<f64>, parent: f64) -> Vec<ComponentShare> {
    let part_of = match kind {
        Kind::CgroupUsage => Some(Kind::CgroupCache.as_str().to_string()),
        Kind::CgroupCache => None,
        _ => return Vec::new(),
    };
    let (Some(usage), Some(ws), Some(cache)) = (
        diff(Kind::CgroupUsage),
        diff(Kind::CgroupWorkingSet),
        diff(Kind::CgroupCache),
    ) else {
        return Vec::new();
    };
    let inactive = usage - ws;
    vec![
        share(INACTIVE_FILE, part_of.clone(), inactive, parent),
        share(ACTIVE_FILE, part_of, cache - inactive, parent),
    ]
}

/// The rest of the working set over rss is active file pages (cache - inactive) and other.
fn split_working_set_rest(
    components: &mut Vec<ComponentShare>,
    diff: &dyn Fn(Kind) -> Option<f64>,
    parent: f64,
) {
    let (Some(usage), Some(ws), Some(cache)) = (
        diff(Kind::CgroupUsage),
        diff(Kind::CgroupWorkingSet),
        diff(Kind::CgroupCache),
    ) else {
        return;
    };
    let Some(rest) = components.iter_mut().find(|c| c.component == OTHER) else {
        return;
    };
    let active = cache - (usage - ws);
    let other = rest.difference - active;
    *rest = share(OTHER, None, other, parent);
    components.push(share(ACTIVE_FILE, None, active, parent));
}

fn share(component: &str, part_of: Option<String>, difference: f64, parent: f64) -> ComponentShare {
    ComponentShare {
        component: component.to_string(),
        part_of,
        difference,
        share: difference / parent,
    }
}

/// The top-level component with the largest positive share, if any.
pub fn main_component(attribution: &Attribution) -> Option<&ComponentShare> {
    attribution
        .components
        .iter()
        .filter(|c| c.part_of.is_none() && c.share > 0.0)
        .max_by(|a, b| {
            a.share
                .total_cmp(&b.share)
                .then(b.component.cmp(&a.component))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::consistency::{Scale, Thresholds, assess};
    use crate::compare::levels::HostLevel;

    const MIB: f64 = 1024.0 * 1024.0;

    fn put(levels: &mut ServiceLevels, kind: Kind, a: f64, b: f64) {
        for (host, mib) in [("a", a), ("b", b)] {
            levels.entry(kind).or_default().insert(
                host.to_string(),
                HostLevel {
                    level: mib * MIB,
                    slope_per_hour: Some(0.0),
                    span_hours: 24.0,
                },
            );
        }
    }

    fn attribution_of(levels: &ServiceLevels, kind: Kind) -> Attribution {
        let assessed = assess(levels, &Scale::default(), &Thresholds::default());
        let a = assessed.iter().find(|a| a.kind == kind).unwrap();
        attribute("api", a, levels).unwrap()
    }

    #[test]
    fn usage_difference_splits_into_cache_and_rss() {
        let mut l = ServiceLevels::new();
        put(&mut l, Kind::CgroupUsage, 2800.0, 400.0);
        put(&mut l, Kind::CgroupRss, 300.0, 290.0);
        put(&mut l, Kind::CgroupCache, 2490.0, 100.0);
        put(&mut l, Kind::CgroupWorkingSet, 800.0, 380.0);
        let at = attribution_of(&l, Kind::CgroupUsage);
        assert_eq!((at.high_host.as_str(), at.low_host.as_str()), ("a", "b"));
        let main = main_component(&at).unwrap();
        assert_eq!(main.component, "cgroup_cache");
        assert!((main.share - 2390.0 / 2400.0).abs() < 1e-9);
        let inactive = at
            .components
            .iter()
            .find(|c| c.component == INACTIVE_FILE)
            .unwrap();
        assert_eq!(inactive.part_of.as_deref(), Some("cgroup_cache"));
        assert!((inactive.share - 1980.0 / 2400.0).abs() < 1e-9);
        let total: f64 = at
            .components
            .iter()
            .filter(|c| c.part_of.is_none())
            .map(|c| c.share)
            .sum();
        assert!((total - 1.0).abs() < 1e-9);
    }

    #[test]
    fn working_set_difference_is_active_file_pages() {
        let mut l = ServiceLevels::new();
        put(&mut l, Kind::CgroupUsage, 2800.0, 400.0);
        put(&mut l, Kind::CgroupRss, 300.0, 290.0);
        put(&mut l, Kind::CgroupCache, 2490.0, 100.0);
        put(&mut l, Kind::CgroupWorkingSet, 800.0, 380.0);
        let at = attribution_of(&l, Kind::CgroupWorkingSet);
        let main = main_component(&at).unwrap();
        assert_eq!(main.component, ACTIVE_FILE);
        // Inactive: 2000 - 20 = 1980 MiB of the cache difference; active: 2390 - 1980 = 410.
        assert!((main.difference / MIB - 410.0).abs() < 1e-6);
        let total: f64 = at.components.iter().map(|c| c.share).sum();
        assert!((total - 1.0).abs() < 1e-9);
    }

    #[test]
    fn rss_difference_without_heap_has_no_native_remainder() {
        let mut l = ServiceLevels::new();
        put(&mut l, Kind::ProcessRss, 1200.0, 300.0);
        let at = attribution_of(&l, Kind::ProcessRss);
        assert!(at.components.is_empty());
        put(&mut l, Kind::HeapUsed, 150.0, 148.0);
        put(&mut l, Kind::External, 12.0, 11.0);
        let at = attribution_of(&l, Kind::ProcessRss);
        let main = main_component(&at).unwrap();
        assert_eq!(main.component, NATIVE);
        assert!((main.share - 897.0 / 900.0).abs() < 1e-9);
    }
}

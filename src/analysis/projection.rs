//! Projection: which limit applies, how full it is, when the selected model reaches it,
//! and for a plateau the asymptote and the headroom left.

use super::models::Model;
use super::points::Points;
use crate::kind::Kind;
use crate::target::Target;

/// cgroup v1 reports "unlimited" as a huge number (2^63 rounded down to a page).
pub const UNLIMITED_ABOVE: f64 = 1.0e18;
/// Projections look this far ahead at most: ten years, in hours.
pub const MAX_HORIZON_HOURS: f64 = 24.0 * 3650.0;

/// The memory limit in force and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    pub bytes: f64,
    /// "--limit", "jvm_heap_max", "cgroup_limit", "go_mem_limit", "redis_max" or
    /// "host_mem_total".
    pub source: &'static str,
}

impl Limit {
    /// Hard limits restart or kill the process; host memory only bounds it loosely, and
    /// GOMEMLIMIT is soft (the Go GC runs ever more often near it, it kills nothing).
    pub fn is_hard(&self) -> bool {
        !matches!(self.source, "host_mem_total" | "go_mem_limit")
    }

    /// The kinds whose level the limit is compared with, most fitting first.
    pub fn measured_by(&self) -> &'static [Kind] {
        match self.source {
            // Redis compares its used_memory with maxmemory.
            "redis_max" => &[Kind::RedisUsed],
            // -Xmx bounds the old generation (read as the `old` pool).
            "jvm_heap_max" => &[Kind::JvmMemoryUsed],
            // GOMEMLIMIT bounds all memory the Go runtime holds.
            "go_mem_limit" => &[Kind::GoSys, Kind::ProcessRss],
            // pm2's max_memory_restart checks the process RSS.
            "--limit" => &[
                Kind::ProcessRss,
                Kind::CgroupRss,
                Kind::CgroupWorkingSet,
                Kind::CgroupUsage,
                Kind::HeapUsed,
            ],
            // The kernel reclaims page cache before it OOM-kills: working set, then anon.
            _ => &[
                Kind::CgroupWorkingSet,
                Kind::CgroupRss,
                Kind::ProcessRss,
                Kind::CgroupUsage,
                Kind::HeapUsed,
                // A Redis without maxmemory, against the host's memory.
                Kind::RedisUsed,
            ],
        }
    }
}

fn last_value(target: &Target, kind: Kind) -> Option<f64> {
    target
        .of_kind(kind)
        .filter_map(|s| Points::of(s).y.last().copied())
        .find(|v| v.is_finite())
}

/// `--limit` first, then the JVM's heap maximum (`jvm_memory_max_bytes` of the old
/// generation, which -Xmx sets: the heap fails there with an OutOfMemoryError before any
/// container limit it runs in), then a finite non-zero cgroup limit, then GOMEMLIMIT where
/// client_golang exposes it (`go_gc_gomemlimit_bytes`; unset it is math.MaxInt64), then
/// host memory. A Redis
/// target's limit is its maxmemory, or host memory when maxmemory is 0 (unlimited);
/// `--limit` is the service's, not its Redis's.
pub fn find_limit(target: &Target, user_limit: Option<f64>) -> Option<Limit> {
    if target.is_redis() {
        if let Some(bytes) = last_value(target, Kind::RedisMax).filter(|b| *b > 0.0) {
            return Some(Limit {
                bytes,
                source: "redis_max",
            });
        }
        return host_memory(target);
    }
    if let Some(bytes) = user_limit.filter(|b| b.is_finite() && *b > 0.0) {
        return Some(Limit {
            bytes,
            source: "--limit",
        });
    }
    let old_gen_max = target
        .of_kind(Kind::JvmMemoryMax)
        .filter(|s| s.key.space == "old")
        .filter_map(|s| Points::of(s).y.last().copied())
        .find(|v| v.is_finite() && *v > 0.0);
    if let Some(bytes) = old_gen_max {
        return Some(Limit {
            bytes,
            source: "jvm_heap_max",
        });
    }
    if let Some(bytes) =
        last_value(target, Kind::CgroupLimit).filter(|b| *b > 0.0 && *b < UNLIMITED_ABOVE)
    {
        return Some(Limit {
            bytes,
            source: "cgroup_limit",
        });
    }
    if let Some(bytes) =
        last_value(target, Kind::GoMemLimit).filter(|b| *b > 0.0 && *b < UNLIMITED_ABOVE)
    {
        return Some(Limit {
            bytes,
            source: "go_mem_limit",
        });
    }
    host_memory(target)
}

fn host_memory(target: &Target) -> Option<Limit> {
    last_value(target, Kind::HostMemTotal)
        .filter(|b| *b > 0.0 && *b < UNLIMITED_ABOVE)
        .map(|bytes| Limit {
            bytes,
            source: "host_mem_total",
        })
}

/// Hours after `end_hours` until `current + model(end + h) - model(end)` reaches
/// `limit`: 0 when already there, `None` when not within `MAX_HORIZON_HOURS`.
pub fn hours_to_reach(model: &Model, end_hours: f64, current: f64, limit: f64) -> Option<f64> {
    if !(current.is_finite() && limit.is_finite()) {
        return None;
    }
    if current >= limit {
        return Some(0.0);
    }
    let base = model.eval(end_hours);
    let reached = |h: f64| current + model.eval(end_hours + h) - base >= limit;
    let mut hi = 1.0;
    while !reached(hi) {
        hi *= 2.0;
        if hi > MAX_HORIZON_HOURS {
            return None;
        }
    }
    let mut lo = 0.0;
    for _ in 0..60 {
        let mid = (lo + hi) / 2.0;
        if reached(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_reaches_the_limit_at_the_expected_time() {
        let m = Model::Linear { a: 0.0, b: 10.0 };
        let h = hours_to_reach(&m, 5.0, 100.0, 200.0).unwrap();
        assert!((h - 10.0).abs() < 1e-6);
    }

    #[test]
    fn saturating_below_the_limit_never_reaches_it() {
        let m = Model::Saturating {
            a: 150.0,
            b: 100.0,
            tau: 2.0,
        };
        assert_eq!(hours_to_reach(&m, 1.0, 100.0, 200.0), None);
        assert_eq!(hours_to_reach(&m, 1.0, 250.0, 200.0), Some(0.0));
    }
}

//! The decision: small pure rules over the evidence, one file each, tried in the order of
//! `RULES` (the order is the verdicts' precedence, and it is visible here). Each returns a
//! [`Finding`] or passes; `stable` always answers.

mod cache;
pub(crate) mod growth;
pub(crate) mod insufficient;
mod leak;
mod limit;
mod native;
mod plateau;
mod restart_masked;
mod stable;
mod warm_up;

use super::component::{Component, Interval, Status};
use super::evidence::Evidence;
use super::roles::Role;
use super::settings::AnalysisSettings;
use super::words::{Rate, Reason};
use crate::verdict::Verdict;

/// What a rule concluded.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub verdict: Verdict,
    /// The role whose current regime the verdict rests on.
    pub decisive: Option<Role>,
    /// Whether the growth was measured pooled over restart segments.
    pub pooled: bool,
    pub reasons: Vec<Reason>,
    /// How clearly the deciding tests passed: the smaller of the margins (log ratios)
    /// by which significance and materiality (or flatness) were met. Calibrated into the
    /// verdict's confidence by `confidence`.
    pub score: f64,
}

/// A rule: evidence in, a finding or nothing out.
pub type Rule = fn(&Evidence, &AnalysisSettings) -> Option<Finding>;

/// The rules in order of precedence.
pub const RULES: [(&str, Rule); 12] = [
    ("restart_masked_leak", restart_masked::rule),
    ("leak of the heap or of external memory", leak::rule),
    ("native_growth, or a leak without heap series", native::rule),
    ("cache_growth", cache::rule),
    ("plateau", plateau::rule),
    ("warming up: insufficient_data", warm_up::rule),
    ("leak of what the limit counts", limit::rule),
    ("leak of cgroup usage alone", leak::usage_alone),
    (
        "heap grows or is unjudged, floor unresolved: insufficient_data",
        insufficient::unresolved_heap,
    ),
    (
        "growth shown but its materiality unresolved: insufficient_data",
        insufficient::unresolved_growth,
    ),
    ("insufficient_data", insufficient::rule),
    ("stable", stable::rule),
];

/// Applies the rules; the first that answers decides.
pub fn decide(e: &Evidence, s: &AnalysisSettings) -> Finding {
    RULES
        .iter()
        .find_map(|(_, rule)| rule(e, s))
        .unwrap_or_else(|| stable::finding(e, s))
}

/// A component's current rate as words.
pub fn rate_of(c: &Component, s: &AnalysisSettings) -> Rate {
    let r = c.current.as_ref().map(|r| r.rate().value).unwrap_or(0.0);
    rate(r, c.rate_interval, s)
}

pub fn rate(value: f64, i: Interval, s: &AnalysisSettings) -> Rate {
    Rate {
        value,
        low: i.low,
        high: i.high,
        level: 1.0 - s.alpha,
    }
}

/// Whether a component grows in a way the growth rules may attribute: growing, and not
/// a young regime of a target that is still warming up.
pub fn attributable(e: &Evidence, c: &Component) -> bool {
    c.status.grows() && !(c.young && c.role != Role::Cache && warming(e))
}

/// The process's memory in domains, each with its per-scrape series first and then the
/// slower ones: a warm-up is seen best where there is a point per scrape (a heap floor has
/// one per GC cycles), and the heap's warm-up says nothing of memory outside it.
const DOMAINS: [(&[Role], &[Role]); 3] = [
    (&[Role::HeapRaw], &[Role::HeapFloor, Role::External]),
    (&[Role::Resident, Role::WorkingSet, Role::Usage], &[]),
    (&[Role::Charged], &[]),
];

/// Whether the target's process is still warming up: in some domain a per-scrape series
/// is, or none of them shows the warm-up over and a slower one is.
pub fn warming(e: &Evidence) -> bool {
    let is_warming = |c: &Component| matches!(c.status, Status::WarmingUp { .. });
    let settled = |c: &Component| {
        matches!(
            c.status,
            Status::Flat | Status::Falls | Status::Levelled | Status::Grows { .. }
        )
    };
    DOMAINS.iter().any(|(scraped, slow)| {
        let scraped: Vec<&Component> = scraped.iter().filter_map(|r| e.get(*r)).collect();
        scraped.iter().any(|c| is_warming(c))
            || (!scraped.iter().any(|c| settled(c))
                && slow.iter().filter_map(|r| e.get(*r)).any(is_warming))
    })
}

/// Natural log of a ratio, bounded so that one overwhelming test does not dominate.
pub fn margin(ratio: f64) -> f64 {
    if ratio.is_nan() || ratio <= 0.0 {
        -5.0
    } else {
        ratio.ln().clamp(-5.0, 5.0)
    }
}

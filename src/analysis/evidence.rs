//! The evidence of one target, built once: its signals, restarts, the process's start,
//! the limit and the headroom to it, one component per role, and the pooled growth
//! across restart segments. The rules read this and nothing else.

use super::component::{Component, Context, component};
use super::pooled::{Pooled, pooled};
use super::projection::{Limit, find_limit};
use super::restarts::{RestartEvidence, detect_restarts, process_start};
use super::roles::{Role, pick, pick_from};
use super::settings::AnalysisSettings;
use super::signals::{Signal, View, signals};
use crate::kind::Kind;
use crate::target::Target;
use std::collections::BTreeMap;

/// Everything the rules judge a target by.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub signals: Vec<Signal>,
    /// Restart times, Unix seconds, and how they were found.
    pub restarts: Vec<f64>,
    pub restart_evidence: Option<RestartEvidence>,
    /// When the running process started, Unix seconds.
    pub process_start: Option<f64>,
    pub limit: Option<Limit>,
    /// The current level of what the limit measures.
    pub limited_level: Option<f64>,
    pub components: BTreeMap<Role, Component>,
    /// Growth pooled over restart segments, for the roles a restart-masked leak shows in.
    pub pooled: BTreeMap<Role, Pooled>,
    /// First and last sample of the target's memory signals, Unix seconds.
    pub window: (f64, f64),
}

impl Evidence {
    pub fn get(&self, role: Role) -> Option<&Component> {
        self.components.get(&role)
    }

    /// Limit minus the current level of what it measures, for a hard limit.
    pub fn headroom(&self) -> Option<f64> {
        match (&self.limit, self.limited_level) {
            (Some(l), Some(level)) if l.is_hard() => Some(l.bytes - level),
            _ => None,
        }
    }
}

/// Roles whose growth across restart segments can be a restart-masked leak.
pub const POOLED_ROLES: [Role; 3] = [Role::HeapFloor, Role::Resident, Role::Usage];

/// The current level of what the limit measures: the last tenth of the raw series'
/// last segment.
fn limited_level(signals: &[Signal], limit: &Limit) -> Option<f64> {
    limit.measured_by().iter().find_map(|kind| {
        // Of the JVM's pools, the old generation is what the heap maximum bounds.
        let s = signals.iter().find(|s| {
            s.kind == *kind
                && s.view == View::Raw
                && (s.kind != crate::kind::Kind::JvmMemoryUsed || s.space == "old")
        })?;
        let seg = s.segments.last()?;
        let n = seg.points.len();
        if n == 0 {
            return None;
        }
        let mut tail = seg.points.y[n - (n / 10).max(1)..].to_vec();
        let mid = tail.len() / 2;
        Some(*tail.select_nth_unstable_by(mid, f64::total_cmp).1)
    })
}

/// The signal that plays `role`; what a known limit counts plays `Charged`, as scraped.
fn charged_or_pick(signals: &[Signal], role: Role, limit: Option<&Limit>) -> Option<usize> {
    match (role, limit) {
        (Role::Charged, Some(l)) => l
            .measured_by()
            .iter()
            .filter(|k| **k != Kind::HeapUsed)
            .find_map(|k| pick_from(signals, &[(*k, "", View::Raw)])),
        _ => pick(signals, role),
    }
}

/// Builds the evidence of a target.
pub fn evidence(target: &Target, s: &AnalysisSettings) -> Evidence {
    let (restarts, restart_evidence) = detect_restarts(target);
    let signals = signals(target, &restarts);
    let limit = find_limit(target, s.limit_bytes);
    let limited_level = limit.as_ref().and_then(|l| limited_level(&signals, l));
    let mut e = Evidence {
        window: window(&signals),
        process_start: process_start(target),
        restarts,
        restart_evidence,
        limit,
        limited_level,
        components: BTreeMap::new(),
        pooled: BTreeMap::new(),
        signals: Vec::new(),
    };
    let usage_level = pick(&signals, Role::Usage)
        .and_then(|i| signals[i].segments.last())
        .map(|seg| seg.raw_level);
    for role in Role::ALL {
        let ctx = Context {
            headroom: e.headroom(),
            process_start: e.process_start,
            whole_level: if role == Role::Cache {
                usage_level
            } else {
                None
            },
        };
        let Some(i) = charged_or_pick(&signals, role, e.limit.as_ref()) else {
            continue;
        };
        // The same series in another role is the same evidence: fitted once.
        let same = e.components.values().find(|c| c.signal == i).cloned();
        let c = match same {
            Some(c) => Component { role, ..c },
            None => component(role, i, &signals[i], ctx, s),
        };
        e.components.insert(role, c);
    }
    if !e.restarts.is_empty() {
        for role in POOLED_ROLES {
            if let Some(c) = e.components.get(&role) {
                if let Some(p) = pooled(c, &signals[c.signal], s) {
                    e.pooled.insert(role, p);
                }
            }
        }
    }
    e.signals = signals;
    e
}

fn window(signals: &[Signal]) -> (f64, f64) {
    let start = signals
        .iter()
        .map(|s| s.points.start())
        .fold(f64::INFINITY, f64::min);
    let end = signals
        .iter()
        .map(|s| s.points.end())
        .fold(f64::NEG_INFINITY, f64::max);
    if start <= end {
        (start, end)
    } else {
        (0.0, 0.0)
    }
}

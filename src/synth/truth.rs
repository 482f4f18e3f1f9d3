//! The truth of a generated scenario: the verdict each target was built to deserve, which
//! kinds were made to grow and which to stay flat, and what the series actually show.

use super::params::{HeapGrowth, HostParams, ScenarioParams};
use super::physics::HostTrace;
use crate::kind::Kind;
use crate::verdict::Verdict;
use serde::Serialize;
use std::collections::BTreeMap;

/// Expected verdicts per target, and the cross-host story when there is one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Truth {
    /// One per host, sorted by service then host.
    pub targets: Vec<TargetTruth>,
    pub comparison: Option<ComparisonTruth>,
}

/// What one target (service on host) was built to be.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetTruth {
    pub service: String,
    /// The `instance` address without its port.
    pub host: String,
    pub verdict: Verdict,
    /// Kinds the generator made grow (inside each process lifetime for restarts).
    pub growing_kinds: Vec<Kind>,
    /// Kinds the generator held flat (apart from GC sawtooth and noise).
    pub flat_kinds: Vec<Kind>,
    /// The designed growth rate of the first growing kind, bytes per hour (0 when none;
    /// the initial slope for a saturating model).
    pub growth_bytes_per_hour: f64,
    /// For a plateau: the level the growing memory saturates toward, above its start, bytes.
    pub plateau_amplitude_bytes: Option<f64>,
    /// For a plateau: the time constant of the saturation, hours.
    pub plateau_tau_hours: Option<f64>,
    /// Restarts inside the window (deploys and pm2 `max_memory_restart`).
    pub restarts: usize,
    /// Of those restarts, how many were the cgroup OOM killer (`container_oom_events_total`).
    pub oom_kills: usize,
    /// pm2's `max_memory_restart` threshold, when set.
    pub pm2_limit_bytes: Option<f64>,
    /// The container memory limit (None when unlimited).
    pub cgroup_limit_bytes: Option<f64>,
    /// Mean of the last tenth of the window minus mean of the first tenth (at least one
    /// sample each), per kind, in the generated series (finite samples only).
    pub observed_change_bytes: BTreeMap<String, f64>,
    pub context: HostContext,
}

/// The host facts that explain differences between hosts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostContext {
    pub kernel: String,
    pub cgroup_version: u8,
    pub cpus: u32,
    pub mem_total_bytes: f64,
    /// Mean `MemAvailable` over the window, relative to `MemTotal`.
    pub mem_available_ratio: f64,
}

/// The expected cross-host explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComparisonTruth {
    /// The kind whose level diverges across hosts.
    pub divergent_kind: Kind,
    /// The kind that accounts for most of the divergence.
    pub explained_by: Kind,
    /// Kinds that agree across hosts.
    pub consistent_kinds: Vec<Kind>,
    /// Host context that differs between the hosts and plausibly explains the divergence.
    pub context_kinds: Vec<Kind>,
}

fn growth_kinds(h: &HostParams) -> (Vec<Kind>, Vec<Kind>, f64) {
    use Kind::*;
    let heap = [
        HeapSpaceUsed,
        HeapUsed,
        ProcessRss,
        CgroupRss,
        CgroupUsage,
        CgroupWorkingSet,
    ];
    match (h.expected, h.process.heap_growth) {
        (Verdict::Leak | Verdict::RestartMaskedLeak, HeapGrowth::Linear { bytes_per_hour })
        | (Verdict::InsufficientData, HeapGrowth::Linear { bytes_per_hour }) => {
            (heap.to_vec(), vec![External, CgroupCache], bytes_per_hour)
        }
        (
            Verdict::Plateau,
            HeapGrowth::Saturating {
                amplitude_bytes,
                tau_h,
            },
        ) => (
            heap.to_vec(),
            vec![External, CgroupCache],
            amplitude_bytes / tau_h.max(1e-3),
        ),
        (Verdict::NativeGrowth, _) => (
            vec![ProcessRss, CgroupRss, CgroupUsage, CgroupWorkingSet],
            vec![HeapUsed, HeapSpaceUsed, External, CgroupCache],
            h.process.native_bytes_per_hour,
        ),
        (Verdict::CacheGrowth, _) => (
            vec![CgroupCache, CgroupUsage],
            vec![HeapUsed, HeapSpaceUsed, External, ProcessRss, CgroupRss],
            h.cache.fill_bytes_per_hour,
        ),
        _ => (
            Vec::new(),
            vec![
                HeapUsed,
                HeapSpaceUsed,
                External,
                ProcessRss,
                CgroupRss,
                CgroupCache,
                CgroupUsage,
            ],
            0.0,
        ),
    }
}

fn tenth_means(values: &[f64]) -> Option<(f64, f64)> {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.len() < 2 {
        return None;
    }
    let n = (finite.len() / 10).max(1);
    let head = finite.iter().take(n).sum::<f64>() / n as f64;
    let tail = finite.iter().rev().take(n).sum::<f64>() / n as f64;
    Some((head, tail))
}

/// The truth of one host's target, from its parameters and its simulated trace.
pub fn target_truth(params: &ScenarioParams, h: &HostParams, trace: &HostTrace) -> TargetTruth {
    let (growing_kinds, flat_kinds, rate) = growth_kinds(h);
    let mut observed = BTreeMap::new();
    let columns: [(Kind, Vec<f64>); 7] = [
        (
            Kind::HeapUsed,
            trace.app.iter().map(|a| a.heap_used).collect(),
        ),
        (
            Kind::HeapSpaceUsed,
            trace.app.iter().map(|a| a.spaces[1]).collect(),
        ),
        (
            Kind::External,
            trace.app.iter().map(|a| a.external).collect(),
        ),
        (Kind::ProcessRss, trace.app.iter().map(|a| a.rss).collect()),
        (
            Kind::CgroupUsage,
            trace.container.iter().map(|c| c.usage).collect(),
        ),
        (
            Kind::CgroupRss,
            trace.container.iter().map(|c| c.rss).collect(),
        ),
        (
            Kind::CgroupCache,
            trace.container.iter().map(|c| c.cache).collect(),
        ),
    ];
    for (kind, values) in columns {
        if let Some((head, tail)) = tenth_means(&values) {
            observed.insert(kind.as_str().to_string(), (tail - head).round());
        }
    }
    let available: Vec<f64> = trace.host.iter().map(|s| s.mem_available).collect();
    let mean_available = if available.is_empty() {
        0.0
    } else {
        available.iter().sum::<f64>() / available.len() as f64
    };
    let (amplitude, tau) = match h.process.heap_growth {
        HeapGrowth::Saturating {
            amplitude_bytes,
            tau_h,
        } if h.expected == Verdict::Plateau => (Some(amplitude_bytes), Some(tau_h)),
        _ => (None, None),
    };
    TargetTruth {
        service: params.service.clone(),
        host: h.ip.clone(),
        verdict: h.expected,
        growing_kinds,
        flat_kinds,
        growth_bytes_per_hour: rate.round(),
        plateau_amplitude_bytes: amplitude.map(f64::round),
        plateau_tau_hours: tau,
        restarts: trace.restarts.len(),
        oom_kills: trace.oom_events.last().copied().unwrap_or(0.0) as usize,
        pm2_limit_bytes: h.process.restart_above_rss_bytes,
        cgroup_limit_bytes: (h.cgroup_limit_bytes > 0.0).then_some(h.cgroup_limit_bytes),
        observed_change_bytes: observed,
        context: HostContext {
            kernel: h.kernel.clone(),
            cgroup_version: if h.cgroup_v2 { 2 } else { 1 },
            cpus: h.cpus,
            mem_total_bytes: h.mem_total_bytes,
            mem_available_ratio: (mean_available / h.mem_total_bytes.max(1.0) * 1e4).round() / 1e4,
        },
    }
}

//! The ground truth of a case: what the generator planted (which memory grows, since
//! when, how fast, toward which limit) and what happened while simulating it (restarts,
//! OOM kills, new containers), independent of any analysis.

use super::IncidentClass;
use super::load::Cycle;
use super::plan::{Clock, HOUR_S, MIB, Noise, Plan, Runtime, Shape};
use super::sim::Simulated;
use crate::verdict::Verdict;
use serde::Serialize;

/// Which memory a planted growth is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GrowingMemory {
    /// Retained objects in V8 old space (a JavaScript leak, or a cache filling).
    OldSpace,
    /// malloc memory outside the V8 heap.
    Native,
    /// Page cache charged to the container.
    PageCache,
}

/// One planted growth.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlantedGrowth {
    pub memory: GrowingMemory,
    pub shape: Shape,
    /// When it began, Unix seconds (before the window when the process is older).
    pub onset_s: f64,
    /// Whether a restart inside the window (a deploy, pm2, the OOM killer) began it.
    pub at_restart: bool,
    /// When it stopped (the deploy that fixed it); `None` while it runs at the end.
    pub ended_s: Option<f64>,
    /// Linear rate, or a saturating shape's initial slope, bytes per hour.
    pub bytes_per_hour: f64,
    /// The slope at the window's end (or when it stopped), bytes per hour.
    pub bytes_per_hour_at_end: f64,
}

/// How a fresh process warms up: `share` of its live set missing at start, filling with
/// time constant `tau_h`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WarmUp {
    pub share: f64,
    pub tau_h: f64,
}

/// Everything known about a case by construction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroundTruth {
    pub class: IncidentClass,
    pub seed: u64,
    pub expected: Verdict,
    pub runtime: Runtime,
    pub service: String,
    /// The host as the CLI names it (the `instance` address without its port).
    pub host: String,
    pub window_start_s: f64,
    pub window_end_s: f64,
    pub step_s: f64,
    pub scrape_interval_s: f64,
    /// `query_range` grid (`true`) or raw scrape timestamps.
    pub aligned: bool,
    pub process_age_at_start_h: f64,
    /// Every restart inside the window, Unix seconds.
    pub restarts: Vec<f64>,
    /// The planned deploys among them.
    pub deploys: Vec<f64>,
    /// Deploys that created a new container (new cAdvisor `id`).
    pub new_containers: usize,
    pub oom_kills: usize,
    /// What grows, most telling first; a growth with `ended_s` stopped in the window.
    pub growth: Vec<PlantedGrowth>,
    pub warm_up: WarmUp,
    /// The container limit; `None` when unlimited.
    pub limit_bytes: Option<f64>,
    pub pm2_limit_bytes: Option<f64>,
    /// Hours after the window's end until the running process reaches the container
    /// limit (the OOM killer's count: anonymous, kernel and mapped memory), from the
    /// planted shape without noise; `None` when it never does within 90 days.
    pub hours_to_limit_at_end: Option<f64>,
    pub cycle: Option<Cycle>,
    pub noise: Noise,
    /// Live old-space bytes of a warmed-up process before growth.
    pub old_live_bytes: f64,
    /// Missing scrapes: start and end, Unix seconds.
    pub gap: Option<[f64; 2]>,
    pub exports_memory: bool,
}

impl GroundTruth {
    /// The growth running at the window's end that is not page cache, else any.
    pub fn current_growth(&self) -> Option<&PlantedGrowth> {
        let running = || self.growth.iter().filter(|g| g.ended_s.is_none());
        running()
            .find(|g| g.memory != GrowingMemory::PageCache)
            .or_else(|| running().next())
    }
}

/// Hours after the window's end until a process started at `started` reaches the
/// container limit, searched up to 90 days.
pub(crate) fn hours_to_limit(plan: &Plan, started: f64) -> Option<f64> {
    if plan.limit_bytes <= 0.0 {
        return None;
    }
    let end = plan.end_s();
    let over =
        |h: f64| plan.charged_clean(started, end + h * HOUR_S) + 4.0 * MIB >= plan.limit_bytes;
    if over(0.0) {
        return Some(0.0);
    }
    let mut lo = 0.0;
    let mut hi = None;
    let mut h: f64 = 0.25;
    while h <= 90.0 * 24.0 {
        if over(h) {
            hi = Some(h);
            break;
        }
        lo = h;
        h *= 1.25;
    }
    let mut hi = hi?;
    for _ in 0..40 {
        let mid = 0.5 * (lo + hi);
        if over(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi)
}

fn slopes(shape: &Shape, origin: f64, at: f64) -> (f64, f64) {
    match *shape {
        Shape::Flat => (0.0, 0.0),
        Shape::Linear { bytes_per_hour, .. } => (bytes_per_hour, bytes_per_hour),
        Shape::Saturating {
            amplitude_bytes,
            tau_h,
            ..
        } => {
            let initial = amplitude_bytes / tau_h.max(1e-6);
            let elapsed = ((at - origin) / HOUR_S).max(0.0);
            (initial, initial * (-elapsed / tau_h.max(1e-6)).exp())
        }
    }
}

/// The planted growths of a simulated plan.
fn planted(plan: &Plan, sim: &Simulated) -> Vec<PlantedGrowth> {
    let start = plan.start_s as f64;
    let end = plan.end_s();
    let first_start = start - plan.age_at_start_s;
    let mut out = Vec::new();
    for (i, build) in plan.builds.iter().enumerate() {
        let from = if i == 0 {
            first_start
        } else {
            match plan.deploys.get(i - 1) {
                Some(d) => d.at,
                None => continue,
            }
        };
        let until = plan.deploys.get(i).map(|d| d.at);
        // Under `ProcessStart` the growth starts again with each process of this build:
        // the last one to start before the build ended (or the window did).
        let stop = until.unwrap_or(end);
        let last_start = sim
            .restarts
            .iter()
            .copied()
            .filter(|r| *r >= from && *r < stop)
            .fold(from, f64::max);
        for (memory, shape) in [
            (GrowingMemory::OldSpace, build.old_space),
            (GrowingMemory::Native, build.native),
        ] {
            let (onset, at_restart) = match shape {
                Shape::Flat => continue,
                Shape::Linear { from: clock, .. } | Shape::Saturating { from: clock, .. } => {
                    match clock {
                        Clock::ProcessStart => (last_start, last_start >= start),
                        Clock::At(t) => (t, false),
                    }
                }
            };
            let (initial, at_end) = slopes(&shape, onset, stop);
            out.push(PlantedGrowth {
                memory,
                shape,
                onset_s: onset,
                at_restart,
                ended_s: until,
                bytes_per_hour: initial,
                bytes_per_hour_at_end: at_end,
            });
        }
    }
    if !plan.cache.fill.is_flat() {
        let onset = sim
            .new_container_ms
            .last()
            .map_or(start, |ms| *ms as f64 / 1000.0);
        let (initial, at_end) = slopes(&plan.cache.fill, onset, end);
        out.push(PlantedGrowth {
            memory: GrowingMemory::PageCache,
            shape: plan.cache.fill,
            onset_s: onset,
            at_restart: !sim.new_container_ms.is_empty(),
            ended_s: None,
            bytes_per_hour: initial,
            bytes_per_hour_at_end: at_end,
        });
    }
    out
}

/// The ground truth of one generated case.
pub(crate) fn ground_truth(
    class: IncidentClass,
    seed: u64,
    plan: &Plan,
    sim: &Simulated,
    host: &str,
) -> GroundTruth {
    let start = plan.start_s as f64;
    let last_start = sim
        .restarts
        .last()
        .copied()
        .unwrap_or(start - plan.age_at_start_s);
    GroundTruth {
        class,
        seed,
        expected: class.expected(),
        runtime: plan.runtime,
        service: plan.service.clone(),
        host: host.to_string(),
        window_start_s: start,
        window_end_s: plan.end_s(),
        step_s: plan.step_s as f64,
        scrape_interval_s: plan.scrape_interval_s,
        aligned: plan.aligned,
        process_age_at_start_h: plan.age_at_start_s / HOUR_S,
        restarts: sim.restarts.clone(),
        deploys: plan.deploys.iter().map(|d| d.at).collect(),
        new_containers: sim.new_container_ms.len(),
        oom_kills: sim.oom_kills,
        growth: planted(plan, sim),
        warm_up: WarmUp {
            share: plan.process.warm_share,
            tau_h: plan.process.warm_tau_s / HOUR_S,
        },
        limit_bytes: (plan.limit_bytes > 0.0).then_some(plan.limit_bytes),
        pm2_limit_bytes: plan.pm2_restart_above,
        hours_to_limit_at_end: hours_to_limit(plan, last_start),
        cycle: plan.cycle.clone(),
        noise: plan.noise.clone(),
        old_live_bytes: plan.process.old_live_bytes,
        gap: plan
            .gap
            .map(|(offset, len)| [start + offset as f64, start + (offset + len) as f64]),
        exports_memory: plan.exports_memory,
    }
}

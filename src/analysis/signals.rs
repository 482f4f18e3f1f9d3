//! The analysed series of a target: every memory level as scraped, plus the heap floor
//! and the memory outside the V8 heap, each assessed over the whole window and within
//! each restart segment.

use super::assess::{Assessment, MIN_POINTS, MIN_SAMPLES};
use super::floor::lower_envelope;
use super::prepare::{Chain, Points, chains, split};
use crate::frame::TidySeries;
use crate::kind::{Kind, Scope};
use crate::target::Target;
use std::collections::BTreeMap;

/// Which view of a series was analysed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Raw,
    Floor,
    /// The series minus the V8 heap's committed size (`heap_total`): the memory held
    /// outside the JavaScript heap. V8 decommitting heap pages (its memory reducer) and
    /// committing them again moves RSS by tens of MiB; it does not move this.
    OutsideHeap,
}

impl View {
    pub fn as_str(self) -> &'static str {
        match self {
            View::Raw => "raw",
            View::Floor => "floor",
            View::OutsideHeap => "outside_heap",
        }
    }
}

/// One analysed series.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysed {
    pub kind: Kind,
    pub space: String,
    pub view: View,
    /// The points analysed (the floor's minima for the floor view).
    pub points: Points,
    pub whole: Assessment,
    /// One assessment per restart segment (a single one without restarts).
    pub segments: Vec<Assessment>,
    /// Samples scraped in each segment (before any floor), aligned with `segments`.
    pub raw_points: Vec<usize>,
}

impl Analysed {
    /// What the rules judge: the whole window without restarts; with restarts, the
    /// longest segment (memory before and after a restart are different processes).
    pub fn current(&self) -> &Assessment {
        match self.current_index() {
            Some(i) if self.segments.len() > 1 => &self.segments[i],
            _ => &self.whole,
        }
    }

    fn current_index(&self) -> Option<usize> {
        (0..self.segments.len()).fold(None, |acc: Option<usize>, i| match acc {
            Some(b) if self.segments[b].points >= self.segments[i].points => Some(b),
            _ => Some(i),
        })
    }

    /// Samples scraped in the stretch the rules judge.
    pub fn current_raw_points(&self) -> usize {
        match self.current_index() {
            Some(i) if self.segments.len() > 1 => self.raw_points.get(i).copied().unwrap_or(0),
            _ => self.raw_points.iter().sum(),
        }
    }

    /// Enough samples, and enough points after any floor, over a long enough window.
    pub fn usable(&self, min_span_hours: f64) -> bool {
        let c = self.current();
        self.current_raw_points() >= MIN_SAMPLES
            && c.fitted.len() >= MIN_POINTS
            && c.span_hours() >= min_span_hours
            && c.trend.is_some()
    }

    /// "heap_space_used{old} floor", "process_rss", ...
    pub fn label(&self) -> String {
        let mut s = self.kind.as_str().to_string();
        if !self.space.is_empty() {
            s.push_str(&format!("{{{}}}", self.space));
        }
        match self.view {
            View::Raw => {}
            View::Floor => s.push_str(" floor"),
            View::OutsideHeap => s.push_str(" outside heap"),
        }
        s
    }
}

fn analyse(kind: Kind, space: &str, view: View, raw: &Points, restarts: &[f64]) -> Analysed {
    let parts = split(raw, restarts);
    let view_of = |p: &Points| match view {
        View::Raw | View::OutsideHeap => p.clone(),
        View::Floor => lower_envelope(p),
    };
    let viewed: Vec<Points> = parts.iter().map(view_of).collect();
    let mut points = Points::default();
    for p in &viewed {
        points.t.extend_from_slice(&p.t);
        points.y.extend_from_slice(&p.y);
    }
    let segments = if restarts.is_empty() {
        Vec::new()
    } else {
        viewed.iter().map(Assessment::of).collect()
    };
    let whole = Assessment::of(&points);
    let segments = if segments.is_empty() {
        vec![whole.clone()]
    } else {
        segments
    };
    Analysed {
        kind,
        space: space.to_string(),
        view,
        points,
        whole,
        segments,
        raw_points: parts.iter().map(Points::len).collect(),
    }
}

/// Analyses every memory level of the target (host-wide series excluded), chained per
/// kind and space (see `prepare::chains`), in kind order; heap used and old space also
/// get their floor.
pub fn analyse_target(target: &Target, restarts: &[f64]) -> Vec<Analysed> {
    let mut groups: BTreeMap<(Kind, &str), Vec<&TidySeries>> = BTreeMap::new();
    for s in &target.series {
        let kind = s.key.kind;
        let wanted = kind.is_memory_level() || kind == Kind::HeapTotal;
        if wanted && matches!(kind.scope(), Scope::App | Scope::Container) {
            groups
                .entry((kind, s.key.space.as_str()))
                .or_default()
                .push(s);
        }
    }
    let mut out = Vec::new();
    let mut outside_candidates: Vec<(Kind, Chain)> = Vec::new();
    let mut heap_total_chains = Vec::new();
    for ((kind, space), series) in groups {
        let kind_chains = chains(series.into_iter());
        if kind == Kind::HeapTotal {
            heap_total_chains = kind_chains;
            continue;
        }
        if let ([chain], true) = (kind_chains.as_slice(), OUTSIDE_HEAP_KINDS.contains(&kind)) {
            outside_candidates.push((kind, chain.clone()));
        }
        for chain in kind_chains {
            out.push(analyse(kind, space, View::Raw, &chain.points, restarts));
            let floor_too =
                kind == Kind::HeapUsed || (kind == Kind::HeapSpaceUsed && space == "old");
            if floor_too {
                out.push(analyse(kind, space, View::Floor, &chain.points, restarts));
            }
        }
    }
    if let [heap_total] = heap_total_chains.as_slice() {
        for (kind, chain) in outside_candidates {
            let Some(outside) = outside_heap(&chain.points, &heap_total.points) else {
                continue;
            };
            let mut analysed = analyse(kind, "", View::OutsideHeap, &outside, restarts);
            // Growth is material relative to everything the series holds, not to the
            // part outside the heap.
            if let Some(raw) = pick(&out, kind, "", View::Raw) {
                analysed.whole.level = raw.whole.level;
                for (segment, raw_segment) in analysed.segments.iter_mut().zip(&raw.segments) {
                    segment.level = raw_segment.level;
                }
            }
            out.push(analysed);
        }
    }
    out
}

/// The series that hold the V8 heap and so get an outside-heap view: the process's RSS,
/// and the cgroup's anonymous memory, working set and usage (a container running the
/// process).
const OUTSIDE_HEAP_KINDS: [Kind; 4] = [
    Kind::ProcessRss,
    Kind::CgroupRss,
    Kind::CgroupWorkingSet,
    Kind::CgroupUsage,
];

/// A series minus the V8 heap's committed size, at its samples that have a `heap_total`
/// sample within half a scrape interval. Used only when it is the quieter of the two:
/// when its variance, or its sum of squared steps (after a running median of three), is
/// below that of the series itself over the same samples (the variance sees a recommit
/// that RSS follows smoothly while `heap_total` jumps in steps), i.e. when the heap's commits and decommits show up in the series and
/// subtracting them takes variation away instead of adding the heap's own (as it would
/// for a container whose memory does not hold this heap).
fn outside_heap(series: &Points, heap_total: &Points) -> Option<Points> {
    let tolerance = 0.5 * series.median_step().min(heap_total.median_step());
    let mut t = Vec::with_capacity(series.len());
    let mut raw = Vec::with_capacity(series.len());
    let mut y = Vec::with_capacity(series.len());
    let mut j = 0;
    for (&time, &value) in series.t.iter().zip(&series.y) {
        while j + 1 < heap_total.len() && heap_total.t[j + 1] <= time {
            j += 1;
        }
        let nearest = [j, j + 1]
            .into_iter()
            .filter(|&k| k < heap_total.len())
            .min_by(|&a, &b| {
                (heap_total.t[a] - time)
                    .abs()
                    .total_cmp(&(heap_total.t[b] - time).abs())
            })?;
        if (heap_total.t[nearest] - time).abs() <= tolerance {
            t.push(time);
            raw.push(value);
            y.push(value - heap_total.y[nearest]);
        }
    }
    if t.len() < MIN_SAMPLES || t.len() * 10 < series.len() * 9 {
        return None;
    }
    let quieter_steps = squared_steps(&median_of_three(&y)) < squared_steps(&median_of_three(&raw));
    (quieter_steps || variance(&y) < variance(&raw)).then_some(Points { t, y })
}

fn variance(v: &[f64]) -> f64 {
    let n = v.len().max(1) as f64;
    let mean = v.iter().sum::<f64>() / n;
    v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n
}

fn squared_steps(v: &[f64]) -> f64 {
    v.windows(2).map(|w| (w[1] - w[0]).powi(2)).sum()
}

/// Running median of three: two exporters scraped a moment apart see a sudden change one
/// sample apart, which leaves a one-sample spike in their difference; this removes it
/// before the comparison, and keeps steps that last.
fn median_of_three(v: &[f64]) -> Vec<f64> {
    (0..v.len())
        .map(|i| {
            if i == 0 || i + 1 == v.len() {
                return v[i];
            }
            let (a, b, c) = (v[i - 1], v[i], v[i + 1]);
            a.max(b).min(a.min(b).max(c))
        })
        .collect()
}

/// The first analysed series matching kind, space and view.
pub fn pick<'a>(all: &'a [Analysed], kind: Kind, space: &str, view: View) -> Option<&'a Analysed> {
    all.iter()
        .find(|a| a.kind == kind && a.space == space && a.view == view)
}

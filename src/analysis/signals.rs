//! The analysed series of a target: every memory level as scraped, plus the heap floor
//! and the memory outside the V8 heap, each assessed over the whole window and within
//! each restart segment.

use super::assess::{Assessment, MIN_POINTS, MIN_SAMPLES};
use super::floor::lower_envelope;
use super::outside_heap;
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
        if let ([chain], true) = (kind_chains.as_slice(), outside_heap::KINDS.contains(&kind)) {
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
            let Some(outside) = outside_heap::subtract(&chain.points, &heap_total.points) else {
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

/// The first analysed series matching kind, space and view.
pub fn pick<'a>(all: &'a [Analysed], kind: Kind, space: &str, view: View) -> Option<&'a Analysed> {
    all.iter()
        .find(|a| a.kind == kind && a.space == space && a.view == view)
}

//! The signals of a target: every memory level as scraped, the heap floor (post-GC
//! minima) and the memory outside the V8 heap, each chained across container restarts
//! and split into restart segments. Plain data; nothing is tested here.

use super::floor::{lower_envelope, sawtooth_period};
use super::outside_heap;
use super::points::{Chain, Points, chains, split};
use crate::frame::TidySeries;
use crate::kind::{Kind, Scope};
use crate::target::Target;
use std::collections::BTreeMap;

/// Which view of a series a signal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
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

/// One restart segment of a signal.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// The points of the view in this segment.
    pub points: Points,
    /// Samples scraped in the segment, before any floor.
    pub raw_samples: usize,
    /// Median of the series as scraped over the segment: the level growth is measured
    /// against (for the outside-heap view, everything the series holds).
    pub raw_level: f64,
    /// Whether a restart began the segment (the first one begins with the window).
    pub after_restart: bool,
    /// The finest resolution (seconds) the segment is analysed at: its GC cycle for a
    /// heap as scraped (bucket means over whole cycles carry no sawtooth), else 0.
    pub resolution: f64,
}

/// One analysed signal.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub kind: Kind,
    pub space: String,
    pub view: View,
    /// The view's points over the whole window.
    pub points: Points,
    /// Split at the target's restarts, in time order (one segment without restarts).
    pub segments: Vec<Segment>,
}

impl Signal {
    /// "heap_space_used{old} floor", "process_rss outside heap", ...
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

fn build(
    kind: Kind,
    space: &str,
    view: View,
    viewed: &Points,
    raw: &Points,
    restarts: &[f64],
) -> Signal {
    let raw_parts = split(raw, restarts);
    let view_parts = split(viewed, restarts);
    let segments = view_parts
        .into_iter()
        .map(|p| {
            let (from, to) = (p.start(), p.end());
            let raw_part = raw_parts
                .iter()
                .find(|r| r.start() <= to && r.end() >= from)
                .cloned()
                .unwrap_or_default();
            let sawtooth =
                matches!(kind, Kind::HeapUsed | Kind::HeapSpaceUsed) && view == View::Raw;
            let resolution = if sawtooth {
                sawtooth_period(&p).unwrap_or(0.0)
            } else {
                0.0
            };
            let points = match view {
                View::Floor => lower_envelope(&p),
                _ => p,
            };
            Segment {
                after_restart: restarts.iter().any(|r| *r <= from && *r > raw.start()),
                raw_samples: raw_part.len(),
                raw_level: raw_part.median_value(),
                resolution,
                points,
            }
        })
        .filter(|s| !s.points.is_empty())
        .collect::<Vec<_>>();
    let mut points = Points::default();
    for s in &segments {
        points.t.extend_from_slice(&s.points.t);
        points.y.extend_from_slice(&s.points.y);
    }
    Signal {
        kind,
        space: space.to_string(),
        view,
        points,
        segments,
    }
}

/// Every memory level of the target (host-wide series excluded; a Redis target's own
/// series are its levels), chained per kind and
/// space, in kind order; heap used and old space also get their floor, and the series
/// that hold the heap their outside-heap view when `heap_total` is scraped.
pub fn signals(target: &Target, restarts: &[f64]) -> Vec<Signal> {
    let mut groups: BTreeMap<(Kind, &str), Vec<&TidySeries>> = BTreeMap::new();
    for s in &target.series {
        let kind = s.key.kind;
        let wanted = kind.is_memory_level() || kind == Kind::HeapTotal;
        if wanted && matches!(kind.scope(), Scope::App | Scope::Container | Scope::Redis) {
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
            let p = &chain.points;
            out.push(build(kind, space, View::Raw, p, p, restarts));
            if kind == Kind::HeapUsed || (kind == Kind::HeapSpaceUsed && space == "old") {
                out.push(build(kind, space, View::Floor, p, p, restarts));
            }
        }
    }
    if let [heap_total] = heap_total_chains.as_slice() {
        for (kind, chain) in outside_candidates {
            if let Some(outside) = outside_heap::subtract(&chain.points, &heap_total.points) {
                out.push(build(
                    kind,
                    "",
                    View::OutsideHeap,
                    &outside,
                    &chain.points,
                    restarts,
                ));
            }
        }
    }
    out
}

//! The analysed series of a target: every memory level as scraped, plus the heap floor,
//! each assessed over the whole window and within each restart segment.

use super::assess::{Assessment, MIN_POINTS};
use super::floor::lower_envelope;
use super::prepare::{Points, split};
use crate::kind::Kind;
use crate::target::Target;

/// Which view of a series was analysed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Raw,
    Floor,
}

impl View {
    pub fn as_str(self) -> &'static str {
        match self {
            View::Raw => "raw",
            View::Floor => "floor",
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
}

impl Analysed {
    /// What the rules judge: the whole window without restarts; with restarts, the
    /// longest segment (memory before and after a restart are different processes).
    pub fn current(&self) -> &Assessment {
        if self.segments.len() <= 1 {
            return &self.whole;
        }
        self.segments
            .iter()
            .fold(None, |acc: Option<&Assessment>, s| match acc {
                Some(b) if b.points >= s.points => Some(b),
                _ => Some(s),
            })
            .unwrap_or(&self.whole)
    }

    /// Enough points over a long enough window to be judged.
    pub fn usable(&self, min_span_hours: f64) -> bool {
        let c = self.current();
        c.fitted.len() >= MIN_POINTS && c.span_hours() >= min_span_hours && c.trend.is_some()
    }

    /// "heap_space_used{old} floor", "process_rss", ...
    pub fn label(&self) -> String {
        let mut s = self.kind.as_str().to_string();
        if !self.space.is_empty() {
            s.push_str(&format!("{{{}}}", self.space));
        }
        if self.view == View::Floor {
            s.push_str(" floor");
        }
        s
    }
}

fn analyse(kind: Kind, space: &str, view: View, raw: &Points, restarts: &[f64]) -> Analysed {
    let parts = split(raw, restarts);
    let view_of = |p: &Points| match view {
        View::Raw => p.clone(),
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
    }
}

/// Analyses every memory level of the target (host-wide series excluded), in the
/// target's series order; heap used and old space also get their floor.
pub fn analyse_target(target: &Target, restarts: &[f64]) -> Vec<Analysed> {
    let mut out = Vec::new();
    for s in &target.series {
        let kind = s.key.kind;
        if !kind.is_memory_level()
            || !matches!(
                kind.scope(),
                crate::kind::Scope::App | crate::kind::Scope::Container
            )
        {
            continue;
        }
        let raw = Points::of(s);
        if raw.is_empty() {
            continue;
        }
        let space = s.key.space.as_str();
        out.push(analyse(kind, space, View::Raw, &raw, restarts));
        let floor_too = kind == Kind::HeapUsed || (kind == Kind::HeapSpaceUsed && space == "old");
        if floor_too {
            out.push(analyse(kind, space, View::Floor, &raw, restarts));
        }
    }
    out
}

/// The first analysed series matching kind, space and view.
pub fn pick<'a>(all: &'a [Analysed], kind: Kind, space: &str, view: View) -> Option<&'a Analysed> {
    all.iter()
        .find(|a| a.kind == kind && a.space == space && a.view == view)
}

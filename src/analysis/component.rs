//! The evidence of one role: its signal fitted per restart segment, the regime running
//! now, its rate with an interval, shape and materiality, and from those its status
//! (grows, levelled off, flat, warming up, undetermined, too little data). Plain data,
//! built once; the rules only read it.

use super::regime::{Regime, Stretch, fit_stretch};
use super::roles::Role;
use super::settings::{AnalysisSettings, MIN_BUCKETS, MIN_SAMPLES};
use super::signals::Signal;
use super::stats::gls::Estimate;
use super::stats::tdist;

/// A rate observed over a regime is projected at most this many times the regime's span
/// ahead: one order of magnitude. Minutes of settling extrapolated to weeks are not
/// evidence of reaching a limit.
pub const PROJECTION_RATIO: f64 = 10.0;

/// How far ahead growth observed over `span` hours is projected: the horizon, or an
/// order of magnitude beyond the observation, whichever is nearer.
pub fn horizon(s: &AnalysisSettings, span: f64) -> f64 {
    s.limit_horizon_hours.min(PROJECTION_RATIO * span.max(0.0))
}

/// A rate's interval at the settings' significance level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// The two-sided 1 - alpha interval of an estimate.
pub fn interval(e: &Estimate, alpha: f64) -> Interval {
    let q = tdist::upper_quantile(alpha / 2.0, e.df);
    Interval {
        low: e.value - q * e.se,
        high: e.value + q * e.se,
    }
}

/// What growth would have to be to matter, for one regime.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Materiality {
    /// The level growth is measured against (median of the series as scraped).
    pub level: f64,
    /// The change the regime must show: the larger of the ratio and the bytes.
    pub required_change: f64,
    /// The rate below which growth is immaterial (per-day ratio, observed change over the
    /// regime's span, and the limit within the horizon), bytes per hour.
    pub flat_rate: f64,
    /// Limit minus the current level of what it measures, when this role counts towards
    /// a hard limit.
    pub headroom: Option<f64>,
}

/// Why growth is material.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaterialBy {
    Level,
    Limit,
    Both,
}

/// How the current regime grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrowthShape {
    /// One slope since the regime began.
    Straight,
    /// Slower now than when it began, but still growing.
    Slowing,
}

/// What the current regime of a role shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Status {
    /// Too few samples or buckets to judge.
    Insufficient,
    /// A young process whose growth is slowing and has not levelled off yet;
    /// `wait_hours`: how long until the slope would fall below materiality.
    WarmingUp { wait_hours: Option<f64> },
    /// Significant and material growth.
    Grows { shape: GrowthShape, by: MaterialBy },
    /// Rose materially in this regime, its slope then fell at a significant change point,
    /// and the current slope does not grow materially.
    Levelled,
    /// The current slope is shown immaterial (an equivalence test).
    Flat,
    /// Significantly falling.
    Falls,
    /// Neither growth nor its absence is shown.
    Undetermined,
}

impl Status {
    pub fn grows(&self) -> bool {
        matches!(self, Status::Grows { .. })
    }

    /// Shown not to grow materially: flat, falling, or levelled off.
    pub fn shown_not_to_grow(&self) -> bool {
        matches!(self, Status::Flat | Status::Falls | Status::Levelled)
    }

    /// The stable name used in reports.
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Insufficient => "insufficient",
            Status::WarmingUp { .. } => "warming_up",
            Status::Grows { .. } => "grows",
            Status::Levelled => "levelled",
            Status::Flat => "flat",
            Status::Falls => "falls",
            Status::Undetermined => "undetermined",
        }
    }
}

/// The evidence of one role.
#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    pub role: Role,
    /// Index of the signal in the target's signals.
    pub signal: usize,
    pub label: String,
    /// One fit per restart segment (`None` where a segment is too short to fit).
    pub stretches: Vec<Option<Stretch>>,
    /// Samples scraped in the last segment.
    pub samples: usize,
    /// The regime running now, when the last segment could be fitted.
    pub current: Option<Regime>,
    pub materiality: Materiality,
    /// The current rate's interval at alpha.
    pub rate_interval: Interval,
    /// Whether the current regime began with the running process (see `young`).
    pub young: bool,
    pub status: Status,
}

/// The context a component is judged in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Context {
    /// Headroom to a hard limit for roles that count towards it.
    pub headroom: Option<f64>,
    /// The level of what the role's series is a part of, when larger than the series
    /// itself: page cache is a part of the cgroup's usage, and its growth matters
    /// against that.
    pub whole_level: Option<f64>,
    /// Unix seconds the running process started, when known.
    pub process_start: Option<f64>,
}

/// Builds and judges the component of `role` from `signal`.
pub fn component(
    role: Role,
    index: usize,
    signal: &Signal,
    ctx: Context,
    s: &AnalysisSettings,
) -> Component {
    let last = signal.segments.last();
    let samples = last.map(|l| l.raw_samples).unwrap_or(0);
    let own = last.map(|l| l.raw_level.abs()).unwrap_or(0.0);
    let level = own.max(ctx.whole_level.unwrap_or(0.0)).max(1.0);
    let stretches: Vec<Option<Stretch>> = signal
        .segments
        .iter()
        .map(|seg| {
            fit_stretch(
                &seg.points,
                onset_rate(seg.raw_level.max(level), s),
                seg.resolution,
            )
        })
        .collect();
    let current = stretches
        .last()
        .and_then(|s| s.as_ref())
        .and_then(|s| s.current())
        .cloned();
    let span = current.as_ref().map(|r| r.span_hours()).unwrap_or(0.0);
    let materiality = materiality(level, span, role, ctx.headroom, s);
    let rate_interval = current
        .as_ref()
        .map(|r| interval(&r.rate(), s.alpha))
        .unwrap_or(Interval {
            low: 0.0,
            high: 0.0,
        });
    let after_start = last.is_some_and(|l| l.after_restart);
    let young = current
        .as_ref()
        .is_some_and(|r| young(r, ctx.process_start, after_start));
    let status = match &current {
        Some(r) if samples >= MIN_SAMPLES && r.buckets >= MIN_BUCKETS => {
            judge(r, &materiality, rate_interval, young, warms(role), s)
        }
        _ => Status::Insufficient,
    };
    Component {
        role,
        signal: index,
        label: signal.label(),
        stretches,
        samples,
        current,
        materiality,
        rate_interval,
        young,
        status,
    }
}

/// The slowest growth that matters at a level, bytes per hour: the per-day materiality.
pub fn onset_rate(level: f64, s: &AnalysisSettings) -> f64 {
    s.min_relative_growth_per_day * level.abs() / 24.0
}

/// The materiality of growth of a role at `level` over a regime of `span` hours.
pub fn materiality(
    level: f64,
    span: f64,
    role: Role,
    headroom: Option<f64>,
    s: &AnalysisSettings,
) -> Materiality {
    let required_change = (s.min_relative_change * level).max(s.min_change_bytes);
    let per_day = s.min_relative_growth_per_day * level / 24.0;
    let by_level = per_day.max(if span > 0.0 {
        required_change / span
    } else {
        f64::INFINITY
    });
    // Page cache is reclaimed before the kernel kills: it never counts towards the limit.
    let headroom = headroom.filter(|_| role != Role::Cache);
    let by_limit = headroom.map(|h| {
        if h > 0.0 {
            h / horizon(s, span).max(1e-9)
        } else {
            0.0
        }
    });
    Materiality {
        level,
        required_change,
        flat_rate: by_limit.map_or(by_level, |l| l.min(by_level)),
        headroom,
    }
}

/// Whether a role holds the process's own memory, which warms up after a start (page
/// cache fills for other reasons).
fn warms(role: Role) -> bool {
    role != Role::Cache
}

/// A regime that began within the process's first life: the process is younger, at the
/// regime's start, than the regime is long (or a restart began the segment).
fn young(r: &Regime, process_start: Option<f64>, after_restart: bool) -> bool {
    let began_at_start = matches!(r.began, super::regime::Began::StretchStart);
    began_at_start
        && (after_restart
            || process_start.is_some_and(|p| r.start - p < r.end - r.start && p <= r.end))
}

/// Whether growth at this regime's rate is material, and by what.
fn material(
    r: &Regime,
    m: &Materiality,
    rate: Interval,
    s: &AnalysisSettings,
) -> Option<MaterialBy> {
    // Both routes judge the conservative rate: the lower bound of its interval.
    let by_level =
        r.rise >= m.required_change && rate.low * 24.0 >= s.min_relative_growth_per_day * m.level;
    let ahead = horizon(s, r.span_hours());
    let by_limit = m
        .headroom
        .is_some_and(|h| rate.low > 0.0 && (h <= 0.0 || h / rate.low <= ahead));
    match (by_level, by_limit) {
        (true, true) => Some(MaterialBy::Both),
        (true, false) => Some(MaterialBy::Level),
        (false, true) => Some(MaterialBy::Limit),
        (false, false) => None,
    }
}

fn judge(
    r: &Regime,
    m: &Materiality,
    rate: Interval,
    young: bool,
    warms: bool,
    s: &AnalysisSettings,
) -> Status {
    let rising = rate.low > 0.0;
    let flat = rate.high < m.flat_rate;
    let by = material(r, m, rate, s);
    let straight = |by: MaterialBy| Status::Grows {
        shape: GrowthShape::Straight,
        by,
    };
    if !r.bends() {
        return match (rising, by) {
            (true, Some(by)) => straight(by),
            _ if rate.high < 0.0 => Status::Falls,
            _ if flat => Status::Flat,
            _ => Status::Undetermined,
        };
    }
    if young && warms && r.bends() {
        return after_warm_up(r, m, rate, s);
    }
    if let (true, Some(by)) = (rising, by) {
        return Status::Grows {
            shape: if r.bends() {
                GrowthShape::Slowing
            } else {
                GrowthShape::Straight
            },
            by,
        };
    }
    // The slope fell at a significant change point and is not shown to grow materially
    // now: growth that levelled off, if it was material.
    if r.bends() && r.rise >= m.required_change && r.first_rate().value > 0.0 {
        return Status::Levelled;
    }
    if rate.high < 0.0 {
        Status::Falls
    } else if flat {
        Status::Flat
    } else {
        Status::Undetermined
    }
}

/// A young process whose growth slowed: the warm-up lasts until the last fall of the
/// slope, and what follows (the last piece) is judged as a regime of its own. Growing
/// there is growth after the warm-up; shown flat there, the warm-up is over (a plateau if
/// the rise was material and took more than a tenth of the regime, a warm-up otherwise);
/// not growing there for at least as long as the warm-up took, it is over too; anything else, or a last piece too short to judge, is a warm-up still
/// under way.
fn after_warm_up(r: &Regime, m: &Materiality, rate: Interval, s: &AnalysisSettings) -> Status {
    let span = r.settled_hours();
    let warming = Status::WarmingUp {
        wait_hours: wait_to_level(r, m.flat_rate),
    };
    if r.settled_buckets < MIN_BUCKETS {
        return warming;
    }
    let rise = r.settled_rise;
    let per_day = rate.low * 24.0 >= s.min_relative_growth_per_day * m.level;
    let ahead = horizon(s, span);
    let by_level = rise >= m.required_change && per_day;
    let by_limit = m
        .headroom
        .is_some_and(|h| rate.low > 0.0 && (h <= 0.0 || h / rate.low <= ahead));
    let by = match (by_level, by_limit) {
        (true, true) => Some(MaterialBy::Both),
        (true, false) => Some(MaterialBy::Level),
        (false, true) => Some(MaterialBy::Limit),
        (false, false) => None,
    };
    let by_level_rate = (s.min_relative_growth_per_day * m.level / 24.0).max(if span > 0.0 {
        m.required_change / span
    } else {
        f64::INFINITY
    });
    let flat_rate = m.headroom.map_or(by_level_rate, |h| {
        if h > 0.0 {
            (h / ahead.max(1e-9)).min(by_level_rate)
        } else {
            0.0
        }
    });
    // The warm-up is over when the slope is shown immaterial, or when the process has
    // run at least as long since the last fall of its slope as it took to get there.
    let over = rate.high < flat_rate || span >= r.span_hours() - span;
    // A rise that settled within a tenth of the time observed since is the start-up of
    // the process's steady state, not growth that levelled off.
    let start_up = PROJECTION_RATIO * (r.span_hours() - span)
        <= r.span_hours() + PROJECTION_RATIO * r.bucket_hours;
    match by {
        Some(by) if rate.low > 0.0 => Status::Grows {
            shape: GrowthShape::Straight,
            by,
        },
        _ if over && r.rise >= m.required_change && !start_up => Status::Levelled,
        _ if over => Status::Flat,
        _ => warming,
    }
}

/// Hours until a slowing regime's slope falls below `flat_rate`, extrapolating the fall
/// of its slope from the regime's start to now as exponential decay.
fn wait_to_level(r: &Regime, flat_rate: f64) -> Option<f64> {
    let (s0, s1) = (r.first_rate().value, r.rate().value);
    let dt = r.span_hours();
    if !(s0 > s1 && s1 > flat_rate && flat_rate > 0.0 && dt > 0.0) {
        return None;
    }
    let tau = dt / (s0 / s1).ln();
    let remaining = tau * (s1 / flat_rate).ln();
    remaining.is_finite().then_some(remaining.max(0.0))
}

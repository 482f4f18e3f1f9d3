//! Regimes of one stretch (a restart segment of a signal): the stretch is cut where its
//! slope changes significantly (`stats::hinge`), and the pieces are grouped into regimes.
//! A regime begins at the stretch's start or where growth began or sped up (a change to
//! a higher, positive slope); a change to a lower slope is the same regime bending, the
//! shape of a warm-up or a plateau. The last regime is the one running now.

use super::points::Points;
use super::settings::MAX_BUCKETS;
use super::stats::bucket::{Buckets, bucket};
use super::stats::design::{Design, cycle_periods};
use super::stats::gls::{Estimate, GlsFit};
use super::stats::hinge;

/// A stretch of constant slope, times in hours since the stretch's origin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Piece {
    pub start: f64,
    pub end: f64,
    /// The slope at the piece's end, bytes per hour.
    pub slope: Estimate,
    /// The slope at its start (they differ under a saturating term).
    pub start_slope: Estimate,
    /// Its average slope: the trend's rise over it per hour.
    pub mean_slope: f64,
    /// Buckets in the piece.
    pub buckets: usize,
}

/// What began a regime.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Began {
    /// The stretch's first sample: the window's start, or a restart for a later segment.
    StretchStart,
    /// A significant change to a faster, positive slope; its Wald statistic.
    ChangePoint { wald: f64 },
}

/// One regime of a stretch.
#[derive(Debug, Clone, PartialEq)]
pub struct Regime {
    /// Unix seconds.
    pub start: f64,
    pub end: f64,
    pub began: Began,
    /// When its slope stopped falling, hours since the stretch's origin.
    pub settled: f64,
    /// Buckets from then to the end, and the trend's rise over them.
    pub settled_buckets: usize,
    pub settled_rise: f64,
    pub pieces: Vec<Piece>,
    /// The trend's rise over the regime, bytes (load cycles excluded).
    pub rise: f64,
    /// The trend at the regime's end.
    pub level_end: Estimate,
    /// Buckets in the regime, and their width in hours.
    pub buckets: usize,
    pub bucket_hours: f64,
}

impl Regime {
    /// The slope now: the last piece's.
    pub fn rate(&self) -> Estimate {
        self.pieces.last().map(|p| p.slope).unwrap_or(ZERO)
    }

    /// The slope the regime began with.
    pub fn first_rate(&self) -> Estimate {
        self.pieces.first().map(|p| p.start_slope).unwrap_or(ZERO)
    }

    pub fn span_hours(&self) -> f64 {
        (self.end - self.start) / 3600.0
    }

    /// Hours since the slope stopped falling.
    pub fn settled_hours(&self) -> f64 {
        let origin_to_start = self.pieces.first().map(|p| p.start).unwrap_or(0.0);
        (self.end - self.start) / 3600.0 - (self.settled - origin_to_start)
    }

    /// Whether the slope fell within the regime (a warm-up or a plateau's shape): a change
    /// to a lower slope, or a saturating rise.
    pub fn bends(&self) -> bool {
        self.settled > self.pieces.first().map(|p| p.start).unwrap_or(self.settled)
            && self.rate().value < self.first_rate().value
    }
}

const ZERO: Estimate = Estimate {
    value: 0.0,
    se: 0.0,
    df: 1.0,
};

/// A fitted stretch.
#[derive(Debug, Clone, PartialEq)]
pub struct Stretch {
    pub buckets: Buckets,
    pub fit: GlsFit,
    /// Every piece, in time order.
    pub pieces: Vec<Piece>,
    /// Regimes in time order; the last is the current one.
    pub regimes: Vec<Regime>,
}

impl Stretch {
    pub fn current(&self) -> Option<&Regime> {
        self.regimes.last()
    }

    /// Unix seconds of hours `h` since the origin.
    pub fn unix(&self, h: f64) -> f64 {
        self.buckets.origin + h * 3600.0
    }
}

/// Buckets of a stretch's points, at least one scrape interval and `resolution`
/// (seconds) wide.
pub fn buckets_of(points: &Points, resolution: f64) -> Buckets {
    let width = points.median_step().max(resolution);
    bucket(&points.t, &points.y, points.start(), MAX_BUCKETS, width)
}

/// Fits a stretch: buckets, shape terms, pieces and regimes. A change point begins a
/// regime when the slope after it is positive and faster than before by at least
/// `onset_rate` (bytes per hour: the slowest growth that would matter). Buckets are at
/// least `resolution` seconds wide (see `signals::Segment::resolution`). `None` when the
/// stretch holds too few buckets for a regression.
pub fn fit_stretch(points: &Points, onset_rate: f64, resolution: f64) -> Option<Stretch> {
    let buckets = buckets_of(points, resolution);
    let design = Design::single(cycle_periods(buckets.span_hours(), buckets.width_hours));
    let segmentation = hinge::segment(&buckets, &design)?;
    let fit = segmentation.fit;
    let start = buckets.t.first().copied()?;
    let end = buckets.t.last().copied()?;
    let mut bounds = vec![start];
    bounds.extend(fit.design.hinges.iter().copied());
    bounds.push(end);
    let eps = 1e-6 * (end - start).max(1e-9);
    let pieces: Vec<Piece> = bounds
        .windows(2)
        .map(|w| Piece {
            start: w[0],
            end: w[1],
            slope: fit.slope_at(w[1] - eps),
            start_slope: fit.slope_at(w[0] + eps),
            mean_slope: (fit.level(w[1]).value - fit.level(w[0]).value) / (w[1] - w[0]).max(eps),
            buckets: buckets.position(w[1] + 1e-9) - buckets.position(w[0]),
        })
        .collect();
    let walds = &segmentation.walds;
    // A regime starts at each change to a materially faster, positive slope that lasts:
    // the piece after it grows on average faster than the slope before it, by at least
    // `onset_rate`.
    let mut starts = vec![0usize];
    for j in 1..pieces.len() {
        let before = pieces[j - 1].slope.value;
        let after = pieces[j].start_slope.value;
        let lasting = pieces[j].mean_slope;
        if after - before >= onset_rate && lasting - before >= onset_rate && lasting > 0.0 {
            starts.push(j);
        }
    }
    starts.push(pieces.len());
    let regimes = starts
        .windows(2)
        .map(|w| {
            let group = pieces[w[0]..w[1]].to_vec();
            let (from, to) = (group[0].start, group[group.len() - 1].end);
            let began = if w[0] == 0 {
                Began::StretchStart
            } else {
                Began::ChangePoint {
                    wald: walds.get(w[0] - 1).copied().unwrap_or(0.0),
                }
            };
            let level_start = fit.level(from);
            let level_end = fit.level(to);
            let (lo, hi) = (buckets.position(from), buckets.position(to + 1e-9));
            let settled = settled(&fit, &group, from, to);
            Regime {
                settled_buckets: hi.saturating_sub(buckets.position(settled)),
                settled_rise: level_end.value - fit.level(settled).value,
                start: buckets.origin + from * 3600.0,
                end: buckets.origin + to * 3600.0,
                began,
                settled,
                pieces: group,
                rise: level_end.value - level_start.value,
                level_end,
                buckets: hi.saturating_sub(lo),
                bucket_hours: buckets.width_hours,
            }
        })
        .collect();
    Some(Stretch {
        buckets,
        fit,
        pieces,
        regimes,
    })
}

/// When a regime's slope stopped falling (hours since the origin): after its last change
/// to a lower slope, and three time constants after the start of a saturating rise
/// (95% of it done).
fn settled(fit: &GlsFit, pieces: &[Piece], from: f64, to: f64) -> f64 {
    let mut at = from;
    for w in pieces.windows(2) {
        if w[1].start_slope.value < w[0].slope.value {
            at = w[1].start;
        }
    }
    if let Some(d) = fit.design.decay {
        let rising_slowing = fit
            .coef
            .get(fit.design.decay_column())
            .is_some_and(|c| *c < 0.0);
        if rising_slowing {
            at = at.max(d.origin + 3.0 * d.tau);
        }
    }
    at.min(to)
}

/// The buckets of a stretch after its warm-up: from when the first regime's slope
/// stopped falling.
pub fn after_warm_up(stretch: &Stretch) -> Buckets {
    let settled = stretch.regimes.first().map(|r| r.settled).unwrap_or(0.0);
    let from = stretch.buckets.position(settled);
    stretch.buckets.slice(from..stretch.buckets.len())
}

//! The shape of a trend: change points in the slope (where growth began, sped up or
//! levelled off) and a saturating term (growth that slows with a time constant: a
//! warm-up, a filling cache).
//!
//! The trend is grown greedily. Given the terms found so far, every admissible bucket
//! time is tried as one more hinge (each an O(p^2) update of the quasi-GLS regression,
//! from suffix sums of the whitened hinge column, which is linear in the hinge time), and
//! a grid of time constants as a saturating term from the stretch's start (each an
//! O(n p) update). The best candidate is located with the persistence of the model
//! without it, located again with the persistence of the model with it, and kept when
//! the Wald statistic of its coefficient in that model exceeds the critical value of the
//! whole search at `CHANGE_ALPHA`. The cost is O(n p^2) per step for n buckets, never
//! quadratic in the buckets or the samples.

use super::bucket::Buckets;
use super::design::{Decay, Design};
use super::gls::{self, GlsFit, Rows, transform};
use super::linalg::{Gram, Solution};
use super::noise;

/// Significance level of each shape term.
pub const CHANGE_ALPHA: f64 = 0.01;
/// The critical value of the Wald statistic of one more shape term at `CHANGE_ALPHA`
/// under no change, the search included: the largest 99th percentile over white, AR(1)
/// (0.5 to 0.995), random-walk and daily-cycle noise at 100 to 4000 scrapes, simulated by
/// `stats::props::hinge_critical_value` (which also asserts that it holds).
pub const CRITICAL_WALD: f64 = 30.0;
/// A piece between change points spans at least this share of the stretch...
pub const MIN_PIECE_SHARE: f64 = 0.1;
/// ... and at least this many buckets.
pub const MIN_PIECE_BUCKETS: usize = 12;
/// Most change points a stretch gets.
pub const MAX_HINGES: usize = 4;
/// Time constants tried for a saturating term: a log grid from one bucket to the span.
pub const DECAY_GRID: usize = 24;

/// A candidate term.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Term {
    /// A change of slope after this time (hours).
    Hinge(f64),
    Decay(Decay),
}

/// The best additional term and its Wald statistic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub term: Term,
    pub wald: f64,
    /// Its coefficient.
    pub change: f64,
}

/// Smallest piece, in buckets, for a stretch of `n` buckets.
pub fn min_piece(n: usize) -> usize {
    MIN_PIECE_BUCKETS.max((MIN_PIECE_SHARE * n as f64).ceil() as usize)
}

/// The saturating terms a stretch is tried with, each evaluated at every bucket once
/// for all the searches of the stretch: `DECAY_GRID` time constants on a log grid from
/// one bucket to the span, starting at the first bucket. Empty when the stretch is too
/// short for one.
pub struct DecayGrid {
    decays: Vec<Decay>,
    /// `decays[g].value(t[i])` at `g * n + i`.
    values: Vec<f64>,
}

impl DecayGrid {
    pub fn new(b: &Buckets) -> DecayGrid {
        let none = DecayGrid {
            decays: Vec::new(),
            values: Vec::new(),
        };
        let Some(&origin) = b.t.first() else {
            return none;
        };
        let span = b.span_hours();
        let shortest = b.width_hours.max(span / b.len() as f64);
        if !(span > shortest && shortest > 0.0) {
            return none;
        }
        let decays: Vec<Decay> = (0..DECAY_GRID)
            .map(|g| Decay {
                origin,
                tau: shortest * (span / shortest).powf(g as f64 / (DECAY_GRID - 1) as f64),
            })
            .collect();
        let values = decays
            .iter()
            .flat_map(|d| b.t.iter().map(|t| d.value(*t)))
            .collect();
        DecayGrid { decays, values }
    }
}

/// A whitened base regression that candidate columns are tried against.
struct Base<'a> {
    grid: &'a DecayGrid,
    p: usize,
    rows: Vec<f64>,
    ys: Vec<f64>,
    /// `transform(b, i, alpha)` of every bucket, computed once for all candidates.
    steps: Vec<(f64, f64)>,
    solution: Solution,
    lrv: f64,
}

impl<'a> Base<'a> {
    fn new(
        b: &Buckets,
        design: &Design,
        alpha: Option<f64>,
        grid: &'a DecayGrid,
    ) -> Option<Base<'a>> {
        let raw = Rows::new(b, design);
        let alpha = match alpha {
            Some(a) => a,
            None => {
                let first = raw.ols(b)?;
                let u = raw.residuals(b, &first.coef, 0.0);
                noise::persistence(&u, &b.run_start, design.flexibility()).alpha
            }
        };
        let p = design.columns();
        let n = b.len();
        let mut rows: Vec<f64> = Vec::with_capacity(n * p);
        let mut ys: Vec<f64> = Vec::with_capacity(n);
        let mut g = Gram::new(p);
        raw.whiten(b, alpha, |_, x, y| {
            rows.extend_from_slice(x);
            ys.push(y);
            g.add(x, y);
        });
        let solution = g.solve()?;
        let e: Vec<f64> = (0..n)
            .map(|i| {
                ys[i]
                    - rows[i * p..i * p + p]
                        .iter()
                        .zip(&solution.coef)
                        .map(|(x, c)| x * c)
                        .sum::<f64>()
            })
            .collect();
        let lrv = noise::long_run_variance(&e, &b.run_start);
        (lrv > 0.0).then(|| Base {
            grid,
            p,
            rows,
            ys,
            steps: steps(b, alpha),
            solution,
            lrv,
        })
    }

    /// The base of a fit's own design and persistence: the same whitened regression
    /// (`gls::fit_with` solves the Gram of the same rows in the same order and takes the
    /// long-run variance of the same residuals), with only the rows left to store.
    fn of_fit(b: &Buckets, fit: &GlsFit, grid: &'a DecayGrid) -> Option<Base<'a>> {
        let alpha = fit.persistence.alpha;
        let p = fit.design.columns();
        let mut rows: Vec<f64> = Vec::with_capacity(b.len() * p);
        let mut ys: Vec<f64> = Vec::with_capacity(b.len());
        Rows::new(b, &fit.design).whiten(b, alpha, |_, x, y| {
            rows.extend_from_slice(x);
            ys.push(y);
        });
        (fit.long_run_variance > 0.0).then(|| Base {
            grid,
            p,
            rows,
            ys,
            steps: steps(b, alpha),
            solution: fit.solution.clone(),
            lrv: fit.long_run_variance,
        })
    }

    /// Wald statistic and coefficient of a candidate from its X~'h~, h~'y~ and h~'h~.
    fn wald(&self, q: &[f64], hy: f64, hh: f64) -> Option<(f64, f64)> {
        let hmy = hy
            - q.iter()
                .zip(&self.solution.coef)
                .map(|(a, c)| a * c)
                .sum::<f64>();
        let hmh = hh - self.solution.quadratic(q);
        if hmh <= 1e-12 * hh.max(f64::MIN_POSITIVE) {
            return None;
        }
        let wald = hmy * hmy / (hmh * self.lrv);
        wald.is_finite().then_some((wald, hmy / hmh))
    }
}

/// The quasi-differencing weights of every bucket.
fn steps(b: &Buckets, alpha: f64) -> Vec<(f64, f64)> {
    (0..b.len()).map(|i| transform(b, i, alpha)).collect()
}

/// The strongest single additional hinge given `design`.
fn best_hinge(b: &Buckets, design: &Design, base: &Base) -> Option<Candidate> {
    let n = b.len();
    let p = base.p;
    let piece = min_piece(n);
    let mut taken: Vec<usize> = design.hinges.iter().map(|h| b.position(*h)).collect();
    taken.push(0);
    taken.push(n);
    if n < 2 * piece + 1 {
        return None;
    }
    // Suffix sums over i > k of u_i x~_i, v_i x~_i, u_i y~_i, ...: the whitened hinge at
    // tau = t_k is u_i - tau v_i for i > k, and 0 before.
    let mut sux = vec![0.0; p];
    let mut svx = vec![0.0; p];
    let (mut suy, mut svy, mut suu, mut suv, mut svv) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let mut best: Option<Candidate> = None;
    let mut q = vec![0.0; p];
    for k in (0..n).rev() {
        if taken.iter().all(|&j| k.abs_diff(j) >= piece) {
            let tau = b.t[k];
            for j in 0..p {
                q[j] = sux[j] - tau * svx[j];
            }
            let hy = suy - tau * svy;
            let hh = suu - 2.0 * tau * suv + tau * tau * svv;
            if let Some((wald, change)) = base.wald(&q, hy, hh) {
                if best.is_none_or(|c| wald > c.wald) {
                    best = Some(Candidate {
                        term: Term::Hinge(tau),
                        wald,
                        change,
                    });
                }
            }
        }
        let (a, scale) = base.steps[k];
        let previous_t = if k > 0 { b.t[k - 1] } else { 0.0 };
        let u_k = scale * (b.t[k] - a * previous_t);
        let v_k = scale * (1.0 - a);
        let x = &base.rows[k * p..k * p + p];
        for j in 0..p {
            sux[j] += u_k * x[j];
            svx[j] += v_k * x[j];
        }
        suy += u_k * base.ys[k];
        svy += v_k * base.ys[k];
        suu += u_k * u_k;
        suv += u_k * v_k;
        svv += v_k * v_k;
    }
    best
}

/// The strongest saturating term from the stretch's start, over the stretch's
/// [`DecayGrid`].
fn best_decay(b: &Buckets, design: &Design, base: &Base) -> Option<Candidate> {
    let n = b.len();
    if design.decay.is_some() || n < 2 * min_piece(n) + 1 {
        return None;
    }
    let p = base.p;
    let mut best: Option<Candidate> = None;
    let mut q = vec![0.0; p];
    for (g, decay) in base.grid.decays.iter().enumerate() {
        let values = &base.grid.values[g * n..(g + 1) * n];
        q.iter_mut().for_each(|v| *v = 0.0);
        let (mut hy, mut hh) = (0.0, 0.0);
        let mut previous = 0.0;
        for (i, &h) in values.iter().enumerate() {
            let (a, scale) = base.steps[i];
            let w = scale * (h - a * previous);
            previous = h;
            let x = &base.rows[i * p..i * p + p];
            for j in 0..p {
                q[j] += w * x[j];
            }
            hy += w * base.ys[i];
            hh += w * w;
        }
        if let Some((wald, change)) = base.wald(&q, hy, hh) {
            if best.is_none_or(|c| wald > c.wald) {
                best = Some(Candidate {
                    term: Term::Decay(*decay),
                    wald,
                    change,
                });
            }
        }
    }
    best
}

fn best_term(b: &Buckets, design: &Design, base: &Base) -> Option<Candidate> {
    let hinge = if design.hinges.len() < MAX_HINGES {
        best_hinge(b, design, base)
    } else {
        None
    };
    let decay = best_decay(b, design, base);
    match (hinge, decay) {
        (Some(h), Some(d)) => Some(if d.wald > h.wald { d } else { h }),
        (h, d) => h.or(d),
    }
}

/// The strongest additional term given `design`, whitened with `alpha` (or with the
/// persistence of `design`'s own residuals).
pub fn locate(b: &Buckets, design: &Design, alpha: Option<f64>) -> Option<Candidate> {
    let grid = DecayGrid::new(b);
    best_term(b, design, &Base::new(b, design, alpha, &grid)?)
}

/// The design with one more term.
pub fn with_term(design: &Design, term: Term) -> Design {
    match term {
        Term::Hinge(tau) => {
            let mut hinges = design.hinges.clone();
            hinges.push(tau);
            hinges.sort_by(f64::total_cmp);
            design.with_hinges(hinges)
        }
        Term::Decay(d) => design.with_decay(d),
    }
}

/// The column of a term in a design that holds it.
fn column(design: &Design, term: Term) -> Option<usize> {
    match term {
        Term::Hinge(tau) => design
            .hinges
            .iter()
            .position(|h| *h == tau)
            .map(|k| design.hinge_column(k)),
        Term::Decay(_) => design.decay.map(|_| design.decay_column()),
    }
}

/// The most likely additional term and the fit that holds it. For each kind of term (a
/// hinge, a saturating term), the best is located with the persistence of the model
/// without it, located again with the persistence of the model with it (residuals that no
/// longer hold the change), and tested by the Wald statistic of its coefficient in that
/// model's quasi-GLS fit; the stronger of the two is returned.
pub fn propose(b: &Buckets, design: &Design) -> Option<(Candidate, GlsFit)> {
    let grid = DecayGrid::new(b);
    propose_on(b, design, &Base::new(b, design, None, &grid)?)
}

/// [`propose`] for the design of `fit`, whose persistence is the one `propose` would
/// estimate (the same OLS residuals) and whose whitened regression is its base.
fn propose_after(b: &Buckets, fit: &GlsFit, grid: &DecayGrid) -> Option<(Candidate, GlsFit)> {
    propose_on(b, &fit.design, &Base::of_fit(b, fit, grid)?)
}

fn propose_on(b: &Buckets, design: &Design, base: &Base) -> Option<(Candidate, GlsFit)> {
    let hinge = (design.hinges.len() < MAX_HINGES)
        .then(|| best_hinge(b, design, base))
        .flatten()
        .and_then(|c| refine(b, design, base.grid, c, best_hinge));
    let decay =
        best_decay(b, design, base).and_then(|c| refine(b, design, base.grid, c, best_decay));
    match (hinge, decay) {
        (Some(h), Some(d)) => Some(if d.0.wald > h.0.wald { d } else { h }),
        (h, d) => h.or(d),
    }
}

type Search = fn(&Buckets, &Design, &Base) -> Option<Candidate>;

fn refine(
    b: &Buckets,
    design: &Design,
    grid: &DecayGrid,
    first: Candidate,
    search: Search,
) -> Option<(Candidate, GlsFit)> {
    let located = gls::fit(b, &with_term(design, first.term))?;
    let alpha = located.persistence.alpha;
    let second = Base::new(b, design, Some(alpha), grid)
        .and_then(|base| search(b, design, &base))
        .unwrap_or(first);
    // Located again at the same term, the fit that holds it is the one just made.
    let fit = if second.term == first.term {
        located
    } else {
        gls::fit(b, &with_term(design, second.term))?
    };
    let j = column(&fit.design, second.term)?;
    let mut unit = vec![0.0; fit.design.columns()];
    unit[j] = 1.0;
    let change = fit.estimate(&unit);
    let wald = if change.se > 0.0 {
        (change.value / change.se).powi(2)
    } else {
        0.0
    };
    Some((
        Candidate {
            wald,
            change: change.value,
            ..second
        },
        fit,
    ))
}

/// A stretch's trend with its shape terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Segmentation {
    /// Hinge times (hours), sorted.
    pub hinges: Vec<f64>,
    /// The Wald statistic each hinge was accepted with, in the order of `hinges`.
    pub walds: Vec<f64>,
    /// The quasi-GLS fit with every term.
    pub fit: GlsFit,
}

/// Grows the trend while one more term is significant; returns the fit with all of them.
pub fn segment(b: &Buckets, base: &Design) -> Option<Segmentation> {
    let mut fit = gls::fit(b, base)?;
    let grid = DecayGrid::new(b);
    let mut accepted: Vec<(Term, f64)> = Vec::new();
    while fit.design.hinges.len() < MAX_HINGES || fit.design.decay.is_none() {
        let Some((c, next)) = propose_after(b, &fit, &grid) else {
            break;
        };
        if c.wald <= CRITICAL_WALD {
            break;
        }
        accepted.push((c.term, c.wald));
        fit = next;
    }
    let hinges = fit.design.hinges.clone();
    let walds = hinges
        .iter()
        .map(|h| {
            accepted
                .iter()
                .find(|(t, _)| *t == Term::Hinge(*h))
                .map(|(_, w)| *w)
                .unwrap_or(0.0)
        })
        .collect();
    Some(Segmentation { hinges, walds, fit })
}

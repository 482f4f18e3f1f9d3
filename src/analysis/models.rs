//! Competing growth models, fitted by least squares that cannot diverge: every model is
//! linear in all parameters but one, and that one (a time constant or a breakpoint) is
//! searched on a bounded grid and refined by golden section (variable projection).
//! Models are compared by AICc; BIC and Akaike weights are reported too.
//!
//! Time is in hours since the first point of the fitted series.

use super::lsq::{fit_one, fit_two};

/// One fitted model and its parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Model {
    /// y = a + b*t
    Linear { a: f64, b: f64 },
    /// y = a - b*exp(-t/tau): rises (b > 0) towards the asymptote a.
    Saturating { a: f64, b: f64, tau: f64 },
    /// y = a + b*ln(1 + t/c)
    Logarithmic { a: f64, b: f64, c: f64 },
    /// y = a + b1*t + b2*max(0, t - tb): one slope, then another after tb.
    Piecewise { a: f64, b1: f64, b2: f64, tb: f64 },
}

/// The stable names used in reports.
pub const LINEAR: &str = "linear";
pub const SATURATING: &str = "saturating_exponential";
pub const LOGARITHMIC: &str = "logarithmic";
pub const PIECEWISE: &str = "piecewise_linear";

impl Model {
    pub fn name(&self) -> &'static str {
        match self {
            Model::Linear { .. } => LINEAR,
            Model::Saturating { .. } => SATURATING,
            Model::Logarithmic { .. } => LOGARITHMIC,
            Model::Piecewise { .. } => PIECEWISE,
        }
    }

    pub fn formula(&self) -> &'static str {
        match self {
            Model::Linear { .. } => "y = a + b*t (t in hours since the series start)",
            Model::Saturating { .. } => {
                "y = a - b*exp(-t/tau) (t, tau in hours since the series start; a is the asymptote)"
            }
            Model::Logarithmic { .. } => {
                "y = a + b*ln(1 + t/c) (t, c in hours since the series start)"
            }
            Model::Piecewise { .. } => {
                "y = a + b1*t + b2*max(0, t - tb) (t, tb in hours since the series start; slope after tb is b1 + b2)"
            }
        }
    }

    /// Number of fitted parameters (the noise variance excluded).
    pub fn parameters(&self) -> usize {
        match self {
            Model::Linear { .. } => 2,
            Model::Saturating { .. } | Model::Logarithmic { .. } => 3,
            Model::Piecewise { .. } => 4,
        }
    }

    /// Named parameters, in a stable order.
    pub fn params(&self) -> Vec<(&'static str, f64)> {
        match *self {
            Model::Linear { a, b } => vec![("a", a), ("b", b)],
            Model::Saturating { a, b, tau } => vec![("a", a), ("b", b), ("tau", tau)],
            Model::Logarithmic { a, b, c } => vec![("a", a), ("b", b), ("c", c)],
            Model::Piecewise { a, b1, b2, tb } => vec![
                ("a", a),
                ("b1", b1),
                ("b2", b2),
                ("tb", tb),
                ("slope_after", b1 + b2),
            ],
        }
    }

    pub fn eval(&self, t: f64) -> f64 {
        match *self {
            Model::Linear { a, b } => a + b * t,
            Model::Saturating { a, b, tau } => a - b * (-t / tau).exp(),
            Model::Logarithmic { a, b, c } => a + b * (1.0 + t.max(0.0) / c).ln(),
            Model::Piecewise { a, b1, b2, tb } => a + b1 * t + b2 * (t - tb).max(0.0),
        }
    }

    /// dy/dt at t, per hour.
    pub fn slope_at(&self, t: f64) -> f64 {
        match *self {
            Model::Linear { b, .. } => b,
            Model::Saturating { b, tau, .. } => b / tau * (-t / tau).exp(),
            Model::Logarithmic { b, c, .. } => b / (c + t.max(0.0)),
            Model::Piecewise { b1, b2, tb, .. } => {
                if t > tb {
                    b1 + b2
                } else {
                    b1
                }
            }
        }
    }

    /// The level the model tends to, when it has one.
    pub fn asymptote(&self) -> Option<f64> {
        match *self {
            Model::Saturating { a, b, .. } if b > 0.0 => Some(a),
            _ => None,
        }
    }
}

/// A model with its goodness of fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub model: Model,
    pub rss: f64,
    pub n: usize,
    pub aicc: f64,
    pub bic: f64,
    pub delta_aicc: f64,
    pub weight: f64,
}

/// Fits every model to (t hours, y); the ones that cannot be fitted are left out.
/// Criteria, deltas and Akaike weights are filled in; the order is stable.
pub fn fit_all(t: &[f64], y: &[f64]) -> Vec<Fit> {
    let n = t.len().min(y.len());
    let (t, y) = (&t[..n], &y[..n]);
    let candidates = [
        fit_linear(t, y),
        fit_saturating(t, y),
        fit_logarithmic(t, y),
        fit_piecewise(t, y),
    ];
    let mut fits: Vec<Fit> = candidates
        .into_iter()
        .flatten()
        .filter_map(|(model, rss)| criteria(model, rss, n, y))
        .collect();
    let best = fits.iter().map(|f| f.aicc).fold(f64::INFINITY, f64::min);
    let total: f64 = fits
        .iter()
        .map(|f| (-(f.aicc - best) / 2.0).exp())
        .sum::<f64>();
    for f in &mut fits {
        f.delta_aicc = f.aicc - best;
        f.weight = if total > 0.0 {
            (-(f.delta_aicc) / 2.0).exp() / total
        } else {
            0.0
        };
    }
    fits
}

/// The fit with the lowest AICc (first in model order on a tie).
pub fn best(fits: &[Fit]) -> Option<&Fit> {
    fits.iter().fold(None, |acc: Option<&Fit>, f| match acc {
        Some(b) if b.aicc <= f.aicc => Some(b),
        _ => Some(f),
    })
}

pub fn find<'a>(fits: &'a [Fit], name: &str) -> Option<&'a Fit> {
    fits.iter().find(|f| f.model.name() == name)
}

fn criteria(model: Model, rss: f64, n: usize, y: &[f64]) -> Option<Fit> {
    let k = model.parameters() + 1;
    if n <= k + 1 || !rss.is_finite() {
        return None;
    }
    let nf = n as f64;
    // A perfect fit would give ln(0): floor the RSS at a negligible share of the spread.
    let mean = y.iter().sum::<f64>() / nf;
    let tss: f64 = y.iter().map(|v| (v - mean) * (v - mean)).sum();
    let floor = (tss * 1e-12).max(f64::MIN_POSITIVE * nf);
    let rss = rss.max(floor);
    let log_lik = nf * (rss / nf).ln();
    let kf = k as f64;
    let aicc = log_lik + 2.0 * kf + 2.0 * kf * (kf + 1.0) / (nf - kf - 1.0);
    let bic = log_lik + kf * nf.ln();
    Some(Fit {
        model,
        rss,
        n,
        aicc,
        bic,
        delta_aicc: 0.0,
        weight: 0.0,
    })
}

fn span(t: &[f64]) -> f64 {
    match (t.first(), t.last()) {
        (Some(a), Some(b)) => b - a,
        _ => 0.0,
    }
}

pub fn fit_linear(t: &[f64], y: &[f64]) -> Option<(Model, f64)> {
    let fit = fit_one(t.iter().copied().zip(y.iter().copied()))?;
    let [a, b] = fit.coef;
    Some((Model::Linear { a, b }, fit.rss))
}

/// y = a + c*u(t) for a basis u; returns (a, c, rss).
fn fit_basis(t: &[f64], y: &[f64], u: impl Fn(f64) -> f64) -> Option<(f64, f64, f64)> {
    let fit = fit_one(t.iter().map(|ti| u(*ti)).zip(y.iter().copied()))?;
    Some((fit.coef[0], fit.coef[1], fit.rss))
}

pub fn fit_saturating(t: &[f64], y: &[f64]) -> Option<(Model, f64)> {
    let s = span(t);
    if s <= 0.0 || t.len() < 5 {
        return None;
    }
    let eval = |log_tau: f64| {
        let tau = log_tau.exp();
        fit_basis(t, y, |ti| (-ti / tau).exp())
            .map(|(a, c, rss)| (Model::Saturating { a, b: -c, tau }, rss))
    };
    minimize_1d(eval, (s / 200.0).ln(), (20.0 * s).ln())
}

pub fn fit_logarithmic(t: &[f64], y: &[f64]) -> Option<(Model, f64)> {
    let s = span(t);
    if s <= 0.0 || t.len() < 5 {
        return None;
    }
    let eval = |log_c: f64| {
        let c = log_c.exp();
        fit_basis(t, y, |ti| (1.0 + ti.max(0.0) / c).ln())
            .map(|(a, b, rss)| (Model::Logarithmic { a, b, c }, rss))
    };
    minimize_1d(eval, (s / 1000.0).ln(), (20.0 * s).ln())
}

pub fn fit_piecewise(t: &[f64], y: &[f64]) -> Option<(Model, f64)> {
    let n = t.len();
    if n < 8 {
        return None;
    }
    // At least 3 points on each side of the breakpoint.
    let lo = t[2];
    let hi = t[n - 3];
    if hi <= lo {
        return None;
    }
    let eval = |tb: f64| {
        let rows = t
            .iter()
            .zip(y)
            .map(|(ti, yi)| (*ti, (ti - tb).max(0.0), *yi));
        let fit = fit_two(rows)?;
        Some((
            Model::Piecewise {
                a: fit.coef[0],
                b1: fit.coef[1],
                b2: fit.coef[2],
                tb,
            },
            fit.rss,
        ))
    };
    minimize_1d(eval, lo, hi)
}

/// Minimizes the RSS of a one-parameter family over [lo, hi]: a grid, then golden
/// section between the neighbours of the best grid point. Deterministic and bounded.
fn minimize_1d<F>(eval: F, lo: f64, hi: f64) -> Option<(Model, f64)>
where
    F: Fn(f64) -> Option<(Model, f64)>,
{
    const GRID: usize = 40;
    const ITERATIONS: usize = 40;
    if !(lo.is_finite() && hi.is_finite() && hi > lo) {
        return None;
    }
    let step = (hi - lo) / (GRID - 1) as f64;
    let mut best: Option<(usize, Model, f64)> = None;
    for i in 0..GRID {
        let x = lo + step * i as f64;
        if let Some((m, rss)) = eval(x) {
            if best.as_ref().is_none_or(|(_, _, b)| rss < *b) {
                best = Some((i, m, rss));
            }
        }
    }
    let (i, mut best_model, mut best_rss) = best?;
    let mut a = lo + step * i.saturating_sub(1) as f64;
    let mut b = (lo + step * (i + 1) as f64).min(hi);
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let score = |x: f64| eval(x).map(|(_, r)| r).unwrap_or(f64::INFINITY);
    let mut c = b - ratio * (b - a);
    let mut d = a + ratio * (b - a);
    let (mut fc, mut fd) = (score(c), score(d));
    for _ in 0..ITERATIONS {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - ratio * (b - a);
            fc = score(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + ratio * (b - a);
            fd = score(d);
        }
    }
    let x = (a + b) / 2.0;
    if let Some((m, rss)) = eval(x) {
        if rss < best_rss {
            best_model = m;
            best_rss = rss;
        }
    }
    Some((best_model, best_rss))
}

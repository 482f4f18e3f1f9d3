//! Feasible quasi-GLS regression of bucket means on a [`Design`] (Perron and Yabu 2009):
//! ordinary least squares, the persistence of its residuals ([`noise::persistence`]),
//! quasi-differencing of response and regressors with it, least squares again, and the
//! coefficient covariance scaled by the long-run variance of the whitened residuals. The
//! slope's t-statistic is then close to normal for stationary and for integrated noise
//! alike, which is what scraped gauges need.

use super::bucket::Buckets;
use super::design::Design;
use super::linalg::{Gram, Solution};
use super::noise::{self, Persistence};

/// A fitted trend model.
#[derive(Debug, Clone, PartialEq)]
pub struct GlsFit {
    pub design: Design,
    /// Coefficients (see `Design` for their order).
    pub coef: Vec<f64>,
    /// The whitened regression (its `inverse` is (X~'X~)^-1).
    pub solution: Solution,
    pub persistence: Persistence,
    /// Long-run variance of the whitened residuals.
    pub long_run_variance: f64,
    /// Buckets fitted.
    pub n: usize,
    /// Degrees of freedom of the t-tests: buckets minus coefficients minus lags, at most
    /// n (1 - alpha) / (1 + alpha) for stationary noise.
    pub df: f64,
    /// Effective sample size for the slope: n times the variance ratio of an ordinary
    /// least-squares slope under white noise to this one.
    pub n_effective: f64,
}

/// An estimate with its standard error and degrees of freedom.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub se: f64,
    pub df: f64,
}

impl GlsFit {
    /// A linear combination of the coefficients.
    pub fn estimate(&self, weights: &[f64]) -> Estimate {
        let variance = self.long_run_variance * self.solution.quadratic(weights);
        Estimate {
            value: self.solution.combine(weights),
            se: variance.max(0.0).sqrt(),
            df: self.df,
        }
    }

    /// The slope after the `piece`-th hinge, per hour.
    pub fn slope(&self, piece: usize) -> Estimate {
        self.estimate(&self.design.slope_weights(piece))
    }

    /// The trend's slope at `t` hours, per hour.
    pub fn slope_at(&self, t: f64) -> Estimate {
        self.estimate(&self.design.slope_at(t))
    }

    /// The trend (no cycle) at `t` hours.
    pub fn level(&self, t: f64) -> Estimate {
        self.estimate(&self.design.level_weights(t))
    }

    /// Fitted values (cycle included) at the buckets' times.
    pub fn fitted(&self, b: &Buckets) -> Vec<f64> {
        let mut row = vec![0.0; self.design.columns()];
        (0..b.len())
            .map(|i| {
                self.design.row(i, b.t[i], &mut row);
                row.iter().zip(&self.coef).map(|(x, c)| x * c).sum()
            })
            .collect()
    }
}

/// The quasi-differencing of bucket `i` with persistence `alpha`: (weight on the
/// previous bucket, scale). Exact GLS for AR(1) noise with missing buckets: across a gap
/// of g grid steps the previous bucket is weighted alpha^g and the difference scaled to
/// unit innovation variance, sqrt((1 - alpha^2) / (1 - alpha^2g)); for a unit root, 1 and
/// 1/sqrt(g). A bucket that starts independently (the first, a pooled segment's first) is
/// scaled by sqrt(1 - alpha^2) (Prais-Winsten; Canjels and Watson 1997 show that keeping
/// it unscaled under near-integrated noise wrecks the test), or kept as it is for a unit
/// root, whose level starts from its first value.
pub fn transform(b: &Buckets, i: usize, alpha: f64) -> (f64, f64) {
    let g = b.steps.get(i).copied().unwrap_or(0);
    if i == 0 || g == 0 {
        let scale = if alpha < 1.0 {
            (1.0 - alpha * alpha).max(0.0).sqrt()
        } else {
            1.0
        };
        return (0.0, scale);
    }
    if alpha >= 1.0 {
        return (1.0, 1.0 / (g as f64).sqrt());
    }
    let a = alpha.powi(g as i32);
    let scale = ((1.0 - alpha * alpha) / (1.0 - a * a).max(f64::MIN_POSITIVE)).sqrt();
    (a, scale)
}

/// The design's rows at every bucket, computed once for the several passes a fit makes
/// over them (least squares, residuals, quasi-GLS, residuals again): the harmonics and
/// the saturating term are evaluated once per bucket, not once per pass.
#[derive(Debug, Clone, PartialEq)]
pub struct Rows {
    pub p: usize,
    /// Row-major, `p` values per bucket.
    pub values: Vec<f64>,
}

impl Rows {
    pub fn new(b: &Buckets, design: &Design) -> Rows {
        let p = design.columns();
        let mut values = vec![0.0; b.len() * p];
        for (i, row) in values.chunks_exact_mut(p.max(1)).enumerate().take(b.len()) {
            design.row(i, b.t[i], row);
        }
        Rows { p, values }
    }

    fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.p..(i + 1) * self.p]
    }

    /// Whitened rows: calls `visit(i, x~, y~)` for every bucket.
    pub fn whiten(&self, b: &Buckets, alpha: f64, mut visit: impl FnMut(usize, &[f64], f64)) {
        let p = self.p;
        let zeros = vec![0.0; p];
        let mut out = vec![0.0; p];
        let mut previous_y = 0.0;
        for i in 0..b.len() {
            let row = self.row(i);
            let previous = if i == 0 { &zeros[..] } else { self.row(i - 1) };
            let (a, scale) = transform(b, i, alpha);
            for j in 0..p {
                out[j] = scale * (row[j] - a * previous[j]);
            }
            visit(i, &out, scale * (b.y[i] - a * previous_y));
            previous_y = b.y[i];
        }
    }

    /// Ordinary least squares of the buckets on the rows.
    pub fn ols(&self, b: &Buckets) -> Option<Solution> {
        let mut g = Gram::new(self.p);
        self.whiten(b, 0.0, |_, x, y| g.add(x, y));
        g.solve()
    }

    /// Residuals of a solution on (whitened with `alpha`) buckets.
    pub fn residuals(&self, b: &Buckets, coef: &[f64], alpha: f64) -> Vec<f64> {
        let mut out = Vec::with_capacity(b.len());
        self.whiten(b, alpha, |_, x, y| {
            out.push(y - x.iter().zip(coef).map(|(a, c)| a * c).sum::<f64>())
        });
        out
    }
}

/// Whitened rows: calls `visit(i, x~, y~)` for every bucket.
pub fn whiten(b: &Buckets, design: &Design, alpha: f64, visit: impl FnMut(usize, &[f64], f64)) {
    Rows::new(b, design).whiten(b, alpha, visit);
}

/// Ordinary least squares of the buckets on the design.
pub fn ols(b: &Buckets, design: &Design) -> Option<Solution> {
    Rows::new(b, design).ols(b)
}

/// Residuals of a solution on (whitened with `alpha`) buckets.
pub fn residuals(b: &Buckets, design: &Design, coef: &[f64], alpha: f64) -> Vec<f64> {
    Rows::new(b, design).residuals(b, coef, alpha)
}

/// Fits the design by feasible quasi-GLS; `None` when the buckets cannot support it
/// (fewer than twice the columns, or collinear columns).
pub fn fit(b: &Buckets, design: &Design) -> Option<GlsFit> {
    let p = design.columns();
    let n = b.len();
    if n < 2 * p + 4 {
        return None;
    }
    let rows = Rows::new(b, design);
    let first = rows.ols(b)?;
    let u = rows.residuals(b, &first.coef, 0.0);
    let persistence = noise::persistence(&u, &b.run_start, design.flexibility());
    fit_rows(b, design, &rows, persistence, Some(&first))
}

/// Fits with a given persistence (`plain`: the OLS solution, used for `n_effective`).
pub fn fit_with(
    b: &Buckets,
    design: &Design,
    persistence: Persistence,
    plain: Option<&Solution>,
) -> Option<GlsFit> {
    fit_rows(b, design, &Rows::new(b, design), persistence, plain)
}

fn fit_rows(
    b: &Buckets,
    design: &Design,
    rows: &Rows,
    persistence: Persistence,
    plain: Option<&Solution>,
) -> Option<GlsFit> {
    let p = design.columns();
    let n = b.len();
    let mut g = Gram::new(p);
    rows.whiten(b, persistence.alpha, |_, x, y| g.add(x, y));
    let solution = g.solve()?;
    let e = rows.residuals(b, &solution.coef, persistence.alpha);
    let long_run_variance = noise::long_run_variance(&e, &b.run_start);
    let residual_df = n as f64 - p as f64 - persistence.lags as f64;
    let a = persistence.alpha;
    // With stationary noise the persistence estimate is uncertain, and the more so the
    // closer it is to 1: the degrees of freedom are at most the number of independent
    // observations n (1 - alpha) / (1 + alpha).
    let df = if a < 1.0 {
        residual_df.min(n as f64 * (1.0 - a) / (1.0 + a)).max(2.0)
    } else {
        residual_df.max(1.0)
    };
    let slope = design.slope_weights(0);
    let n_effective = match plain {
        Some(ols) => {
            let white = ols.rss / (n - p).max(1) as f64 * ols.quadratic(&slope);
            let ours = long_run_variance * solution.quadratic(&slope);
            if ours > 0.0 {
                (n as f64 * white / ours).min(n as f64)
            } else {
                n as f64
            }
        }
        None => n as f64,
    };
    Some(GlsFit {
        design: design.clone(),
        coef: solution.coef.clone(),
        solution,
        persistence,
        long_run_variance,
        n,
        df,
        n_effective,
    })
}

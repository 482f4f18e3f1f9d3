//! The noise model of a regression: how persistent the residuals are, and the long-run
//! variance that the precision of a trend rests on.
//!
//! Scraped gauges wander: their residuals around any trend are autocorrelated, from white
//! (a post-GC floor) to a random walk (memory that drifts over the window). Following
//! Perron and Yabu (2009), the persistence `alpha` is estimated by an augmented
//! autoregression of the residuals, u_t = alpha u_(t-1) + sum zeta_l du_(t-l) + e_t, with
//! the number of lags chosen by BIC, corrected for its small-sample bias, and set to
//! exactly 1 when it lies close to 1 ([`unit_root_band`], their super-efficient
//! truncation widened to a Dickey-Fuller bound): the quasi-differenced regression then
//! gives a trend test that is valid whether the noise is stationary or integrated.

use super::linalg::Gram;

/// Most lags an autoregression uses.
pub const MAX_LAGS: usize = 4;

/// The persistence of a residual series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Persistence {
    /// The quasi-differencing coefficient, in [0, 1]; 1 means a unit root.
    pub alpha: f64,
    /// The estimate before truncation.
    pub raw_alpha: f64,
    pub lags: usize,
}

/// The 1% quantile of the bias-corrected normalized persistence n (alpha - 1) under a
/// random walk, by the flexibility of the trend (change points placed where they fit best,
/// plus modelled load cycles, see `Design::flexibility`), simulated over 600 random walks
/// of 100 to 20,000 scrapes by `stats::props::unit_root_quantiles`. With no change point
/// and no cycle it is Fuller's (1996, table 10.A.1) -29.5 for the uncorrected statistic;
/// every change point or cycle absorbs some of a random walk's wander and makes its
/// residuals look more stationary. The last entries extrapolate by the common step.
pub const UNIT_ROOT_1PCT: [f64; 7] = [-24.0, -36.0, -48.0, -59.0, -70.0, -81.0, -92.0];

/// How close to 1 a persistence must come to be taken as a unit root, for a model of
/// flexibility `hinges` (see `Design::flexibility`): within n^(-1/2) (Perron and Yabu's truncation), or
/// where a unit root cannot be rejected at 1% (`UNIT_ROOT_1PCT`), whichever is wider.
/// Treating near-integrated noise as integrated makes the test cautious; the opposite
/// mistake would make it call random walks trends.
pub fn unit_root_band(n: f64, hinges: usize) -> f64 {
    let quantile = UNIT_ROOT_1PCT[hinges.min(UNIT_ROOT_1PCT.len() - 1)];
    (1.0 / n.sqrt()).max(-quantile / n)
}

/// The Gram matrices of nested autoregressions of dimensions `p_min..=p_max`, from one
/// pass over the `len` observations. Observation `i` enters the regressions whose `p`
/// regressors all lie within its run (`run_start[j]` breaks the chain at `j`): the `p`
/// observations before it, none of them before the run's start. `row(i, x)` fills
/// the regressors of the deepest regression `i` enters (a prefix of each deeper one's)
/// and returns the response.
fn nested_grams(
    len: usize,
    run_start: &[bool],
    p_min: usize,
    p_max: usize,
    mut row: impl FnMut(usize, &mut [f64]) -> f64,
) -> Vec<Gram> {
    // by_depth[k]: the observations whose deepest regression has dimension p_min + k.
    let mut by_depth: Vec<Gram> = (p_min..=p_max).map(Gram::new).collect();
    let mut x = vec![0.0; p_max];
    let mut last_start: Option<usize> = None;
    for i in 0..len {
        if run_start.get(i) == Some(&true) {
            last_start = Some(i);
        }
        let depth = i - last_start.unwrap_or(0);
        if depth < p_min {
            continue;
        }
        let p = depth.min(p_max);
        let y = row(i, &mut x[..p]);
        if let Some(g) = by_depth.get_mut(p - p_min) {
            g.add(&x[..p], y);
        }
    }
    (p_min..=p_max)
        .map(|p| {
            let mut g = Gram::new(p);
            for deeper in by_depth.iter().skip(p - p_min) {
                g.add_leading(deeper);
            }
            g
        })
        .collect()
}

/// The regressions of the augmented autoregression of `u` (within runs) for 0 to
/// `max_lags` lagged differences: u_t on u_(t-1), du_(t-1), ..., du_(t-lags).
fn augmented_grams(u: &[f64], run_start: &[bool], max_lags: usize) -> Vec<Gram> {
    nested_grams(u.len(), run_start, 1, max_lags + 1, |i, x| {
        x[0] = u[i - 1];
        for l in 1..x.len() {
            x[l] = u[i - l] - u[i - l - 1];
        }
        u[i]
    })
}

/// An augmented autoregression's fit: (alpha, residual variance, observations), or
/// `None` when too few observations.
fn augmented(g: &Gram) -> Option<(f64, f64, usize)> {
    let (n, p) = (g.n, g.p);
    if n < p + 8 {
        return None;
    }
    let s = g.solve()?;
    let variance = s.rss / (n - p) as f64;
    Some((s.coef[0], variance, n))
}

/// Persistence of residuals `u` (within runs) of a trend with `hinges` searched change
/// points, lags chosen by BIC.
pub fn persistence(u: &[f64], run_start: &[bool], hinges: usize) -> Persistence {
    let n = u.len();
    let mut best: Option<(f64, f64, usize)> = None;
    let grams = augmented_grams(u, run_start, MAX_LAGS.min(n / 10));
    for (lags, g) in grams.iter().enumerate() {
        let Some((alpha, variance, m)) = augmented(g) else {
            continue;
        };
        let bic =
            m as f64 * variance.max(f64::MIN_POSITIVE).ln() + (1 + lags) as f64 * (m as f64).ln();
        if best.is_none_or(|(b, _, _)| bic < b) {
            best = Some((bic, alpha, lags));
        }
    }
    let (raw_alpha, lags) = best.map(|(_, a, l)| (a, l)).unwrap_or((0.0, 0));
    let nf = n.max(1) as f64;
    // Least squares under-estimates persistence around a fitted trend by about
    // (2 + 4 alpha) / n; the estimate is corrected for it before the unit-root decision.
    let corrected = raw_alpha + (2.0 + 4.0 * raw_alpha.max(0.0)) / nf;
    let alpha = if corrected >= 1.0 - unit_root_band(nf, hinges) {
        1.0
    } else {
        corrected.max(0.0)
    };
    Persistence {
        alpha,
        raw_alpha,
        lags,
    }
}

/// The long-run variance of (whitened) residuals `e` within runs: the spectral density at
/// frequency zero of an autoregression fitted by BIC, sigma^2 / (1 - sum phi)^2. Never below
/// the plain variance: negative autocorrelation (over-differenced stationary noise) earns
/// no extra precision. `1 - sum phi` is kept at least n^(-1/2), bounding the inflation.
pub fn long_run_variance(e: &[f64], run_start: &[bool]) -> f64 {
    let n = e.len();
    if n < 2 {
        return 0.0;
    }
    let mean_sq = e.iter().map(|v| v * v).sum::<f64>() / n as f64;
    let mut best: Option<(f64, f64)> = None;
    let max_lags = MAX_LAGS.min(n / 10);
    let grams = if max_lags > 0 {
        plain_grams(e, run_start, max_lags)
    } else {
        Vec::new()
    };
    for lags in 0..=max_lags {
        let fit = match lags.checked_sub(1).and_then(|k| grams.get(k)) {
            None => Some((mean_sq, n, 0.0)),
            Some(g) => plain_ar(g),
        };
        let Some((variance, m, sum_phi)) = fit else {
            continue;
        };
        let bic = m as f64 * variance.max(f64::MIN_POSITIVE).ln() + lags as f64 * (m as f64).ln();
        let denominator = (1.0 - sum_phi).max(1.0 / (n as f64).sqrt());
        let lrv = variance / (denominator * denominator);
        if best.is_none_or(|(b, _)| bic < b) {
            best = Some((bic, lrv));
        }
    }
    best.map(|(_, v)| v).unwrap_or(mean_sq).max(mean_sq)
}

/// The regressions e_t on e_(t-1), ..., e_(t-lags) (within runs), lags 1 to `max_lags`.
fn plain_grams(e: &[f64], run_start: &[bool], max_lags: usize) -> Vec<Gram> {
    nested_grams(e.len(), run_start, 1, max_lags, |i, x| {
        for (l, slot) in x.iter_mut().enumerate() {
            *slot = e[i - l - 1];
        }
        e[i]
    })
}

/// e_t = sum phi_l e_(t-l) + error: (error variance, observations, sum of phi).
fn plain_ar(g: &Gram) -> Option<(f64, usize, f64)> {
    let (m, lags) = (g.n, g.p);
    if m < lags + 8 {
        return None;
    }
    let s = g.solve()?;
    Some((s.rss / (m - lags) as f64, m, s.coef.iter().sum()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, Normal};

    fn ar1(phi: f64, n: usize, seed: u64) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let normal = Normal::new(0.0, 1.0).expect("valid");
        let mut x = 0.0;
        (0..n)
            .map(|_| {
                x = phi * x + normal.sample(&mut rng);
                x
            })
            .collect()
    }

    #[test]
    fn persistence_tells_white_noise_from_a_random_walk() {
        let starts = |n: usize| {
            let mut s = vec![false; n];
            s[0] = true;
            s
        };
        let white = ar1(0.0, 400, 1);
        assert!(persistence(&white, &starts(400), 0).alpha < 0.2);
        let walk = ar1(1.0, 400, 2);
        assert_eq!(persistence(&walk, &starts(400), 0).alpha, 1.0);
        let mid = ar1(0.6, 2000, 3);
        let p = persistence(&mid, &starts(2000), 0);
        assert!((p.alpha - 0.6).abs() < 0.08, "{p:?}");
    }

    #[test]
    fn long_run_variance_inflates_positive_dependence_only() {
        let mut s = vec![false; 4000];
        s[0] = true;
        let positive = ar1(0.5, 4000, 4);
        let var: f64 = positive.iter().map(|v| v * v).sum::<f64>() / 4000.0;
        // AR(1) 0.5 with unit innovations: long-run variance 1/(1-0.5)^2 = 4.
        let lrv = long_run_variance(&positive, &s);
        assert!((lrv - 4.0).abs() < 0.8, "{lrv}");
        assert!(lrv > var);
        let differenced: Vec<f64> = ar1(0.0, 4001, 5).windows(2).map(|w| w[1] - w[0]).collect();
        let var_d: f64 = differenced.iter().map(|v| v * v).sum::<f64>() / 4000.0;
        assert!(long_run_variance(&differenced, &s) >= var_d);
    }
}

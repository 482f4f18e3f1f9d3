//! Trend tests: Mann-Kendall with the Hamed-Rao variance correction for serial
//! correlation, and Sen's slope with a 95% confidence interval.
//!
//! Both are O(n²) in the number of points; callers pass bucket means (at most
//! `prepare::MAX_POINTS`), never raw scrapes.

use statrs::distribution::{ContinuousCDF, Normal};

/// The outcome of a trend test on one series.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendResult {
    /// Mann-Kendall S statistic.
    pub s: f64,
    /// Variance of S under no trend, ties included, before the correction.
    pub var_s: f64,
    /// Hamed-Rao variance inflation n/n* (1 when no correction was applied).
    pub correction: f64,
    pub z: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Sen's slope in value units per time unit of the input.
    pub slope: f64,
    /// 95% confidence interval of the slope, from the corrected variance.
    pub ci95: [f64; 2],
    pub n: usize,
    pub n_effective: f64,
}

/// Whether the Hamed-Rao correction is applied (plain MK exists for comparison in tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Correction {
    None,
    HamedRao,
}

fn standard_normal() -> Option<Normal> {
    Normal::new(0.0, 1.0).ok()
}

/// Two-sided p-value of a standard normal z.
pub fn two_sided_p(z: f64) -> f64 {
    match standard_normal() {
        Some(n) if z.is_finite() => (2.0 * (1.0 - n.cdf(z.abs()))).clamp(0.0, 1.0),
        _ => 1.0,
    }
}

/// The (1 - alpha/2) quantile of the standard normal.
pub fn z_quantile(alpha: f64) -> f64 {
    standard_normal()
        .map(|n| n.inverse_cdf(1.0 - alpha / 2.0))
        .unwrap_or(1.959_963_984_540_054)
}

/// Mann-Kendall test and Sen's slope of `y` over times `t` (strictly increasing).
///
/// Returns `None` with fewer than 4 points.
pub fn mann_kendall(t: &[f64], y: &[f64], correction: Correction) -> Option<TrendResult> {
    let n = t.len().min(y.len());
    if n < 4 {
        return None;
    }
    let (t, y) = (&t[..n], &y[..n]);
    let mut s = 0i64;
    for i in 0..n {
        let yi = y[i];
        for &yj in &y[i + 1..] {
            s += match yj.partial_cmp(&yi) {
                Some(std::cmp::Ordering::Greater) => 1,
                Some(std::cmp::Ordering::Less) => -1,
                _ => 0,
            };
        }
    }
    let nf = n as f64;
    let ties = tie_term(y);
    let var_s = ((nf * (nf - 1.0) * (2.0 * nf + 5.0) - ties) / 18.0).max(f64::MIN_POSITIVE);
    let mut slope_all = pairwise_slopes(t, y);
    let slope = median_of(&mut slope_all).unwrap_or(0.0);
    let correction_factor = match correction {
        Correction::None => 1.0,
        Correction::HamedRao => hamed_rao_factor(t, y, slope),
    };
    let var = var_s * correction_factor;
    let sf = s as f64;
    let z = if s > 0 {
        (sf - 1.0) / var.sqrt()
    } else if s < 0 {
        (sf + 1.0) / var.sqrt()
    } else {
        0.0
    };
    let ci95 = sen_interval(slope_all, var, 0.05).unwrap_or([slope, slope]);
    Some(TrendResult {
        s: sf,
        var_s,
        correction: correction_factor,
        z,
        p_value: two_sided_p(z),
        slope,
        ci95,
        n,
        n_effective: nf / correction_factor,
    })
}

/// Sen's slope alone (median of pairwise slopes); `None` with fewer than 2 points.
pub fn sen_slope(t: &[f64], y: &[f64]) -> Option<f64> {
    median_of(&mut pairwise_slopes(t, y))
}

fn pairwise_slopes(t: &[f64], y: &[f64]) -> Vec<f64> {
    let n = t.len().min(y.len());
    let mut out = Vec::with_capacity(n * n.saturating_sub(1) / 2);
    for i in 0..n {
        for j in i + 1..n {
            let dt = t[j] - t[i];
            if dt > 0.0 {
                let v = (y[j] - y[i]) / dt;
                if v.is_finite() {
                    out.push(v);
                }
            }
        }
    }
    out
}

fn median_of(v: &mut [f64]) -> Option<f64> {
    let n = v.len();
    if n == 0 {
        return None;
    }
    let mid = n / 2;
    let (lower, m, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
    let m = *m;
    if n % 2 == 1 {
        Some(m)
    } else {
        let below = lower.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Some((below + m) / 2.0)
    }
}

/// The order statistic of rank `k` (0-based) among the slopes.
fn kth(v: &mut [f64], k: usize) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let k = k.min(v.len() - 1);
    Some(*v.select_nth_unstable_by(k, f64::total_cmp).1)
}

/// Sen's confidence interval: order statistics (N - C)/2 and (N + C)/2 + 1 with
/// C = z * sqrt(Var S).
fn sen_interval(mut slopes: Vec<f64>, var: f64, alpha: f64) -> Option<[f64; 2]> {
    let n = slopes.len() as f64;
    if n < 1.0 {
        return None;
    }
    let c = z_quantile(alpha) * var.sqrt();
    let lo_rank = ((n - c) / 2.0).round().max(1.0).min(n) as usize;
    let hi_rank = ((n + c) / 2.0 + 1.0).round().max(1.0).min(n) as usize;
    let lo = kth(&mut slopes, lo_rank - 1)?;
    let hi = kth(&mut slopes, hi_rank - 1)?;
    Some([lo.min(hi), hi.max(lo)])
}

fn tie_term(y: &[f64]) -> f64 {
    let mut sorted: Vec<f64> = y.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut total = 0.0;
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i + 1;
        while j < sorted.len() && sorted[j] == sorted[i] {
            j += 1;
        }
        let g = (j - i) as f64;
        if g > 1.0 {
            total += g * (g - 1.0) * (2.0 * g + 5.0);
        }
        i = j;
    }
    total
}

/// Average ranks (1-based), ties sharing their mean rank.
fn ranks(y: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..y.len()).collect();
    order.sort_by(|&a, &b| y[a].total_cmp(&y[b]).then(a.cmp(&b)));
    let mut out = vec![0.0; y.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && y[order[j]] == y[order[i]] {
            j += 1;
        }
        let rank = (i + j + 1) as f64 / 2.0;
        for &idx in &order[i..j] {
            out[idx] = rank;
        }
        i = j;
    }
    out
}

/// Hamed and Rao (1998): variance inflation n/n* from the significant autocorrelations
/// of the ranks of the Sen-detrended series, summed over the run of significant lags
/// that starts at lag 1. Never below 1, so the correction can only make the test more
/// cautious.
fn hamed_rao_factor(t: &[f64], y: &[f64], slope: f64) -> f64 {
    let n = y.len();
    let t0 = t.first().copied().unwrap_or(0.0);
    let detrended: Vec<f64> = t
        .iter()
        .zip(y)
        .map(|(ti, yi)| yi - slope * (ti - t0))
        .collect();
    let r = ranks(&detrended);
    let mean = r.iter().sum::<f64>() / n as f64;
    let c: Vec<f64> = r.iter().map(|v| v - mean).collect();
    let denom: f64 = c.iter().map(|v| v * v).sum();
    if denom <= 0.0 {
        return 1.0;
    }
    let nf = n as f64;
    let bound = z_quantile(0.05) / nf.sqrt();
    let mut sum = 0.0;
    for k in 1..n.saturating_sub(2) {
        let num: f64 = c[..n - k].iter().zip(&c[k..]).map(|(a, b)| a * b).sum();
        let rho = num / denom;
        // The run of significant lags from lag 1: past it, sample autocorrelations are
        // noise that sums to -1/2 over all lags and would cancel the real dependence.
        if rho.abs() <= bound {
            break;
        }
        let m = (n - k) as f64;
        sum += m * (m - 1.0) * (m - 2.0) * rho;
    }
    let hamed_rao = 1.0 + 2.0 * sum / (nf * (nf - 1.0) * (nf - 2.0));
    let factor = hamed_rao.max(ar1_factor(&c, denom));
    if factor.is_finite() {
        factor.max(1.0)
    } else {
        1.0
    }
}

/// The same inflation for an AR(1) process whose lag-1 autocorrelation is the sample
/// one, corrected for its small-sample bias (E[r1] ~ rho - (1 + 3 rho)/n): sample
/// autocorrelations at high lags are too noisy and too biased to see all of a strong
/// dependence (Yue and Wang 2004), so the larger of the two inflations is used.
fn ar1_factor(centered: &[f64], denom: f64) -> f64 {
    let n = centered.len();
    if n < 8 || denom <= 0.0 {
        return 1.0;
    }
    let nf = n as f64;
    let r1: f64 = centered[..n - 1]
        .iter()
        .zip(&centered[1..])
        .map(|(a, b)| a * b)
        .sum::<f64>()
        / denom;
    let rho = ((nf * r1 + 1.0) / (nf - 3.0)).clamp(0.0, 0.99);
    if rho <= z_quantile(0.05) / nf.sqrt() {
        return 1.0;
    }
    let mut sum = 0.0;
    let mut power = 1.0;
    for k in 1..n.saturating_sub(2) {
        power *= rho;
        if power < 1e-6 {
            break;
        }
        let m = (n - k) as f64;
        sum += m * (m - 1.0) * (m - 2.0) * power;
    }
    1.0 + 2.0 * sum / (nf * (nf - 1.0) * (nf - 2.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rising_series_is_significant_with_exact_slope() {
        let t: Vec<f64> = (0..50).map(f64::from).collect();
        let y: Vec<f64> = t.iter().map(|x| 3.0 * x + 7.0).collect();
        let r = mann_kendall(&t, &y, Correction::HamedRao).unwrap();
        assert!((r.slope - 3.0).abs() < 1e-12);
        assert!(r.p_value < 1e-6);
        assert_eq!(r.s, 50.0 * 49.0 / 2.0);
    }

    #[test]
    fn flat_series_has_zero_statistic() {
        let t: Vec<f64> = (0..20).map(f64::from).collect();
        let y = vec![5.0; 20];
        let r = mann_kendall(&t, &y, Correction::HamedRao).unwrap();
        assert_eq!(r.s, 0.0);
        assert_eq!(r.p_value, 1.0);
        assert_eq!(r.slope, 0.0);
    }

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
    }
}

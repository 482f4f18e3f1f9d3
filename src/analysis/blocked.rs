//! The blocked (seasonal) Kendall test of Hirsch, Slack and Smith (1982), with restart
//! segments as blocks: S and its variance summed over blocks, the slope the median of
//! the pairwise slopes within blocks. It judges growth inside many segments too short to
//! be tested one by one. Serial correlation: the variance is inflated by (1 + rho)/(1 - rho)
//! with rho the bias-corrected lag-1 autocorrelation of the residuals within blocks.

use super::trend::{MAX_RHO, TrendResult, two_sided_p, z_quantile};

/// Pooled trend over blocks of (t, y); `None` without at least 8 points in all.
pub fn blocked_kendall(blocks: &[(Vec<f64>, Vec<f64>)]) -> Option<TrendResult> {
    let mut s = 0.0;
    let mut var = 0.0;
    let mut slopes = Vec::new();
    let mut total = 0usize;
    for (t, y) in blocks {
        let n = t.len().min(y.len());
        for i in 0..n {
            for j in i + 1..n {
                let d = y[j] - y[i];
                s += if d > 0.0 {
                    1.0
                } else if d < 0.0 {
                    -1.0
                } else {
                    0.0
                };
                let dt = t[j] - t[i];
                if dt > 0.0 && (d / dt).is_finite() {
                    slopes.push(d / dt);
                }
            }
        }
        let nf = n as f64;
        var += nf * (nf - 1.0) * (2.0 * nf + 5.0) / 18.0;
        total += n;
    }
    if total < 8 || slopes.is_empty() || var <= 0.0 {
        return None;
    }
    slopes.sort_by(f64::total_cmp);
    let m = slopes.len();
    let slope = if m % 2 == 1 {
        slopes[m / 2]
    } else {
        (slopes[m / 2 - 1] + slopes[m / 2]) / 2.0
    };
    // Lag-1 autocorrelation of the residuals around the pooled slope, within blocks.
    let (mut num, mut den) = (0.0, 0.0);
    for (t, y) in blocks {
        let e: Vec<f64> = t.iter().zip(y).map(|(a, b)| b - slope * a).collect();
        if e.is_empty() {
            continue;
        }
        let mean = e.iter().sum::<f64>() / e.len() as f64;
        let c: Vec<f64> = e.iter().map(|v| v - mean).collect();
        num += c.windows(2).map(|w| w[0] * w[1]).sum::<f64>();
        den += c.iter().map(|v| v * v).sum::<f64>();
    }
    let nf = total as f64;
    let r1 = if den > 0.0 { num / den } else { 0.0 };
    let rho = ((nf * r1 + 1.0) / (nf - 3.0)).clamp(0.0, MAX_RHO);
    let factor = if rho > z_quantile(0.05) / nf.sqrt() {
        (1.0 + rho) / (1.0 - rho)
    } else {
        1.0
    };
    let corrected = var * factor;
    let z = if s > 0.0 {
        (s - 1.0) / corrected.sqrt()
    } else if s < 0.0 {
        (s + 1.0) / corrected.sqrt()
    } else {
        0.0
    };
    let c = z_quantile(0.05) * corrected.sqrt();
    let mf = m as f64;
    let lo = (((mf - c) / 2.0).round().max(1.0) as usize).min(m) - 1;
    let hi = (((mf + c) / 2.0 + 1.0).round().max(1.0) as usize).min(m) - 1;
    Some(TrendResult {
        s,
        var_s: var,
        correction: factor,
        z,
        p_value: two_sided_p(z),
        slope,
        ci95: [slopes[lo], slopes[hi]],
        n: total,
        n_effective: nf / factor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_inside_short_blocks_is_found_and_flat_blocks_are_not() {
        let block = |offset: f64, slope: f64| {
            let t: Vec<f64> = (0..6).map(|i| offset + i as f64).collect();
            let y: Vec<f64> = (0..6)
                .map(|i| 100.0 + slope * i as f64 + if i % 2 == 0 { 0.3 } else { -0.3 })
                .collect();
            (t, y)
        };
        let rising: Vec<_> = (0..8).map(|k| block(10.0 * k as f64, 2.0)).collect();
        let r = blocked_kendall(&rising).unwrap();
        assert!(r.p_value < 0.001 && (r.slope - 2.0).abs() < 0.5);
        let flat: Vec<_> = (0..8).map(|k| block(10.0 * k as f64, 0.0)).collect();
        assert!(blocked_kendall(&flat).unwrap().p_value > 0.05);
    }
}

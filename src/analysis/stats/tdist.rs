//! Student's t and normal tail probabilities and quantiles for the tests.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// Degrees of freedom beyond which the normal distribution is used.
const NORMAL_DF: f64 = 1000.0;

/// P(T > t) for Student's t with `df` degrees of freedom.
pub fn upper_tail(t: f64, df: f64) -> f64 {
    if !t.is_finite() {
        return if t > 0.0 { 0.0 } else { 1.0 };
    }
    let p = if df >= NORMAL_DF {
        Normal::new(0.0, 1.0).map(|n| n.sf(t)).ok()
    } else {
        StudentsT::new(0.0, 1.0, df.max(1.0)).map(|d| d.sf(t)).ok()
    };
    p.unwrap_or(if t > 0.0 { 0.0 } else { 1.0 }).clamp(0.0, 1.0)
}

/// Two-sided p-value of t.
pub fn two_sided(t: f64, df: f64) -> f64 {
    (2.0 * upper_tail(t.abs(), df)).min(1.0)
}

/// The quantile q with P(T > q) = `tail`.
pub fn upper_quantile(tail: f64, df: f64) -> f64 {
    let tail = tail.clamp(1e-12, 0.5);
    let q = if df >= NORMAL_DF {
        Normal::new(0.0, 1.0)
            .map(|n| n.inverse_cdf(1.0 - tail))
            .ok()
    } else {
        StudentsT::new(0.0, 1.0, df.max(1.0))
            .map(|d| d.inverse_cdf(1.0 - tail))
            .ok()
    };
    q.filter(|v| v.is_finite()).unwrap_or(2.576)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert!((upper_quantile(0.025, 1e6) - 1.959964).abs() < 1e-4);
        assert!((upper_quantile(0.025, 10.0) - 2.228139).abs() < 1e-4);
        assert!((two_sided(1.959964, 1e6) - 0.05).abs() < 1e-5);
        assert!((upper_tail(2.228139, 10.0) - 0.025).abs() < 1e-5);
    }
}

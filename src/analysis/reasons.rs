//! Wording of the reasons: numbers with units, intervals, shares.

use super::growth::GrowthCheck;
use crate::units::{format_bytes, format_rate};

/// "+3.2 MiB/h (95% CI 2.8 MiB–3.6 MiB)"
pub fn rate_with_ci(rate: f64, ci: [f64; 2]) -> String {
    format!(
        "{} (95% CI {}–{})",
        format_rate(rate),
        format_bytes(ci[0]),
        format_bytes(ci[1])
    )
}

/// "p = 0.0003, z = 4.1, n_eff = 120 of 900"
pub fn test_summary(g: &GrowthCheck) -> String {
    format!(
        "Mann-Kendall with Hamed-Rao correction z = {:.1}, p = {}, effective n {:.0} of {}",
        g.trend.z,
        p_value(g.trend.p_value),
        g.trend.n_effective,
        g.trend.n
    )
}

pub fn p_value(p: f64) -> String {
    if p < 1e-4 {
        "< 0.0001".to_string()
    } else {
        format!("{p:.4}")
    }
}

/// "1.2%/day"
pub fn percent_per_day(relative: f64) -> String {
    format!("{:.2}%/day", relative * 100.0)
}

/// "41.0"
pub fn delta(d: f64) -> String {
    if d > 1000.0 {
        "> 1000".to_string()
    } else {
        format!("{d:.1}")
    }
}

/// A growth over the stretch: "+1.90 GiB".
pub fn change(rate: f64, hours: f64) -> String {
    let total = rate * hours;
    let sign = if total >= 0.0 { "+" } else { "" };
    format!("{sign}{}", format_bytes(total))
}

/// Rounds a confidence to three decimals in 0..1.
pub fn confidence(c: f64) -> f64 {
    if c.is_finite() {
        (c.clamp(0.0, 1.0) * 1000.0).round() / 1000.0
    } else {
        0.0
    }
}

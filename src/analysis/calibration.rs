//! Confidence: the probability that a verdict is right, from the finding's score by a
//! logistic calibration per verdict (Platt scaling: `P(right) = 1 / (1 + e^-(a + b·score))`,
//! fitted by maximum likelihood over the labelled incident generator with Platt's smoothed
//! targets, `examples/calibrate.rs`, which rewrites `calibration_table.rs`). Two
//! parameters per verdict cannot follow the quirks of a few generated cases the way a
//! step function can, the slope is kept non-negative (a larger margin never lowers the
//! confidence), and the smoothed targets keep every confidence strictly between 0 and 1.

use super::calibration_table::TABLE;
use crate::verdict::Verdict;

/// One verdict's calibration: `P(right) = 1 / (1 + exp(-(intercept + slope * score)))`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Logistic {
    pub intercept: f64,
    pub slope: f64,
}

impl Logistic {
    pub fn probability(&self, score: f64) -> f64 {
        let z = self.intercept + self.slope * score;
        1.0 / (1.0 + (-z).exp())
    }
}

/// The calibrated confidence of `verdict` at `score` (0.5 for a verdict never calibrated).
pub fn confidence(verdict: Verdict, score: f64) -> f64 {
    let p = TABLE
        .iter()
        .find(|(v, _)| *v == verdict.as_str())
        .map(|(_, l)| l.probability(if score.is_finite() { score } else { 0.0 }))
        .unwrap_or(0.5);
    (p.clamp(0.0, 1.0) * 1000.0).round() / 1000.0
}

/// The prior on both coefficients: normal with standard deviation 2.5, the weakly
/// informative default for logistic regression (Gelman, Jakulin, Pittau & Su, 2008). It
/// keeps the fit finite when the generated cases separate perfectly (every case of a
/// verdict right), where maximum likelihood runs off to an infinite slope.
const PRIOR_SD: f64 = 2.5;

/// Fits a logistic calibration of rightness on score by Newton's method on the
/// log-posterior (the prior above), with Platt's targets: (right + 1) / (right + 2) for
/// right cases and 1 / (wrong + 2) for wrong ones. A fit whose slope would be negative
/// keeps the intercept alone.
pub fn fit(cases: &[(f64, bool)]) -> Logistic {
    let cases: Vec<(f64, bool)> = cases
        .iter()
        .copied()
        .filter(|(s, _)| s.is_finite())
        .collect();
    let right = cases.iter().filter(|(_, r)| *r).count() as f64;
    let wrong = cases.len() as f64 - right;
    let hi = (right + 1.0) / (right + 2.0);
    let lo = 1.0 / (wrong + 2.0);
    let targets: Vec<(f64, f64)> = cases
        .iter()
        .map(|(s, r)| (*s, if *r { hi } else { lo }))
        .collect();
    let base = {
        let mean = targets.iter().map(|(_, t)| t).sum::<f64>() / targets.len().max(1) as f64;
        let mean = if targets.is_empty() { 0.5 } else { mean };
        Logistic {
            intercept: (mean / (1.0 - mean)).ln(),
            slope: 0.0,
        }
    };
    let mut l = base;
    for _ in 0..100 {
        // Gradient and Hessian of the negative log-posterior.
        let ridge = 1.0 / (PRIOR_SD * PRIOR_SD);
        let (mut ga, mut gb, mut hab) = (ridge * l.intercept, ridge * l.slope, 0.0);
        let (mut haa, mut hbb) = (ridge, ridge);
        for (s, t) in &targets {
            let p = l.probability(*s);
            let w = (p * (1.0 - p)).max(1e-12);
            ga += p - t;
            gb += (p - t) * s;
            haa += w;
            hab += w * s;
            hbb += w * s * s;
        }
        let det = haa * hbb - hab * hab;
        if det.abs() < 1e-18 {
            break;
        }
        let da = (hbb * ga - hab * gb) / det;
        let db = (haa * gb - hab * ga) / det;
        l.intercept -= da;
        l.slope -= db;
        if da.abs() < 1e-10 && db.abs() < 1e-10 {
            break;
        }
    }
    if !(l.slope >= 0.0 && l.intercept.is_finite() && l.slope.is_finite()) {
        return base;
    }
    l
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logistic_fit_rises_with_the_score_and_never_reaches_certainty() {
        // Right with probability 0.2 below a score of 1, 0.9 above it.
        let cases: Vec<(f64, bool)> = (0..400)
            .map(|i| {
                let score = i as f64 / 100.0;
                let right = if score < 1.0 { i % 5 == 0 } else { i % 10 != 0 };
                (score, right)
            })
            .collect();
        let l = fit(&cases);
        assert!(l.slope > 0.0, "{l:?}");
        assert!(
            l.probability(0.0) < 0.4 && l.probability(4.0) > 0.85,
            "{l:?}"
        );
        let all_right: Vec<(f64, bool)> = (0..50).map(|i| (i as f64 / 10.0, true)).collect();
        let p = fit(&all_right).probability(5.0);
        assert!(p < 1.0 && p > 0.9, "{p}");
    }

    #[test]
    fn a_score_that_predicts_nothing_gives_the_base_rate() {
        let cases: Vec<(f64, bool)> = (0..300).map(|i| ((i % 7) as f64, i % 3 != 0)).collect();
        let l = fit(&cases);
        assert!((l.probability(3.0) - 2.0 / 3.0).abs() < 0.05, "{l:?}");
    }
}

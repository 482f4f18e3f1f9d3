//! Sen's slope (the median of pairwise slopes), for the cross-host comparison's level
//! summaries over a few dozen bucket medians.

/// Sen's slope of `y` over `t`; `None` with fewer than 2 points.
pub fn sen_slope(t: &[f64], y: &[f64]) -> Option<f64> {
    let n = t.len().min(y.len());
    let mut slopes = Vec::with_capacity(n * n.saturating_sub(1) / 2);
    for i in 0..n {
        for j in i + 1..n {
            let dt = t[j] - t[i];
            if dt > 0.0 {
                let v = (y[j] - y[i]) / dt;
                if v.is_finite() {
                    slopes.push(v);
                }
            }
        }
    }
    if slopes.is_empty() {
        return None;
    }
    let count = slopes.len();
    let mid = count / 2;
    let (lower, m, _) = slopes.select_nth_unstable_by(mid, f64::total_cmp);
    let m = *m;
    Some(if count % 2 == 1 {
        m
    } else {
        (lower.iter().copied().fold(f64::NEG_INFINITY, f64::max) + m) / 2.0
    })
}

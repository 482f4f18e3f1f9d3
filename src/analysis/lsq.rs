//! Least squares of y on an intercept and one or two regressors, from centred sums of
//! squares and products accumulated in one pass (Welford's update, exact for co-moments):
//! the linear core of the rival growth models, each evaluated dozens of times in a
//! one-parameter search, allocates nothing and never stores a column.

/// Coefficients (intercept first) and residual sum of squares of y ~ 1 + x1 (+ x2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LsqFit<const K: usize> {
    pub coef: [f64; K],
    pub rss: f64,
}

/// A column whose part not explained by the columns before it is below this share of
/// its norm is (numerically) a combination of them: the fit is refused.
const COLLINEAR: f64 = 1e-10;

/// Means, centred co-moments and raw sums of squares of (x1, .., y), `V` variables.
struct Moments<const V: usize> {
    n: f64,
    mean: [f64; V],
    comoment: [[f64; V]; V],
    squares: [f64; V],
}

impl<const V: usize> Moments<V> {
    /// Values are shifted by the first row before they are accumulated: deviations of
    /// bytes near a GiB are then exact to the last bit of the data, not of the level.
    fn of(mut rows: impl Iterator<Item = [f64; V]>) -> Moments<V> {
        let mut m = Moments {
            n: 0.0,
            mean: [0.0; V],
            comoment: [[0.0; V]; V],
            squares: [0.0; V],
        };
        let Some(shift) = rows.next() else {
            return m;
        };
        for v in std::iter::once(shift).chain(rows) {
            m.n += 1.0;
            let d: [f64; V] = std::array::from_fn(|a| v[a] - shift[a]);
            let before: [f64; V] = std::array::from_fn(|a| d[a] - m.mean[a]);
            for a in 0..V {
                m.mean[a] += before[a] / m.n;
                m.squares[a] += v[a] * v[a];
            }
            let after: [f64; V] = std::array::from_fn(|a| d[a] - m.mean[a]);
            for (row, b) in m.comoment.iter_mut().zip(before) {
                for (cell, a) in row.iter_mut().zip(after) {
                    *cell += b * a;
                }
            }
        }
        for (mean, s) in m.mean.iter_mut().zip(shift) {
            *mean += s;
        }
        m
    }

    /// Whether column `a`'s centred part, `residual` after the columns before it, is
    /// material against its raw norm (squared quantities both).
    fn independent(&self, a: usize, residual: f64) -> bool {
        residual.is_finite() && residual > COLLINEAR * COLLINEAR * self.squares[a]
    }
}

fn finite<const K: usize>(coef: [f64; K], rss: f64) -> Option<LsqFit<K>> {
    (coef.iter().all(|c| c.is_finite()) && rss.is_finite()).then_some(LsqFit {
        coef,
        rss: rss.max(0.0),
    })
}

/// y = a + c x over the `(x, y)` pairs; `None` when x is (numerically) constant, there
/// are fewer than two points, or the input is not finite.
pub fn fit_one(points: impl Iterator<Item = (f64, f64)>) -> Option<LsqFit<2>> {
    let m = Moments::of(points.map(|(x, y)| [x, y]));
    let [[sxx, sxy], [_, syy]] = m.comoment;
    if m.n < 2.0 || !m.independent(0, sxx) {
        return None;
    }
    let c = sxy / sxx;
    finite([m.mean[1] - c * m.mean[0], c], syy - c * sxy)
}

/// y = a + c1 x1 + c2 x2 over the `(x1, x2, y)` triples; `None` when a regressor is
/// (numerically) constant or a combination of the other, or the input is not finite.
pub fn fit_two(points: impl Iterator<Item = (f64, f64, f64)>) -> Option<LsqFit<3>> {
    let m = Moments::of(points.map(|(x1, x2, y)| [x1, x2, y]));
    let c = m.comoment;
    let (s11, s12, s22, s1y, s2y, syy) = (c[0][0], c[0][1], c[1][1], c[0][2], c[1][2], c[2][2]);
    if m.n < 3.0 || !m.independent(0, s11) {
        return None;
    }
    let s22_after_x1 = s22 - s12 * s12 / s11;
    if !m.independent(1, s22_after_x1) {
        return None;
    }
    let c2 = (s2y - s12 * s1y / s11) / s22_after_x1;
    let c1 = (s1y - s12 * c2) / s11;
    let a = m.mean[2] - c1 * m.mean[0] - c2 * m.mean[1];
    finite([a, c1, c2], syy - c1 * s1y - c2 * s2y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_an_exact_plane() {
        let fit = fit_two((0..10).map(f64::from).map(|x| {
            let z = x * x;
            (x, z, 1.0 + 2.0 * x - 0.5 * z)
        }))
        .unwrap();
        assert!((fit.coef[0] - 1.0).abs() < 1e-9, "{fit:?}");
        assert!((fit.coef[1] - 2.0).abs() < 1e-9, "{fit:?}");
        assert!((fit.coef[2] + 0.5).abs() < 1e-9, "{fit:?}");
        assert!(fit.rss < 1e-9, "{fit:?}");
    }

    #[test]
    fn matches_the_textbook_line_and_its_residuals() {
        // y = 1 + 2x + e with e = (+1, -1, -1, +1): the line is exact on the means.
        let y = [2.0, 2.0, 4.0, 8.0];
        let fit = fit_one((0..4).map(|i| (f64::from(i), y[i as usize]))).unwrap();
        // Slope sxy/sxx = 10/5, intercept 4 - 2 * 1.5; residuals (1, -1, -1, 1).
        assert!((fit.coef[1] - 2.0).abs() < 1e-12, "{fit:?}");
        assert!((fit.coef[0] - 1.0).abs() < 1e-12, "{fit:?}");
        assert!((fit.rss - 4.0).abs() < 1e-12, "{fit:?}");
    }

    #[test]
    fn large_offsets_keep_their_precision() {
        // Bytes near a GiB and hours far from zero, against the two-pass textbook line.
        let points: Vec<(f64, f64)> = (0..1000)
            .map(|i| {
                let t = 1e5 + f64::from(i) / 60.0;
                (t, 1.5e9 + 4096.0 * t + if i % 2 == 0 { 8.0 } else { -8.0 })
            })
            .collect();
        let n = points.len() as f64;
        let (mx, my) = points
            .iter()
            .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
        let sxx: f64 = points.iter().map(|(x, _)| (x - mx) * (x - mx)).sum();
        let sxy: f64 = points.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
        let slope = sxy / sxx;
        let rss: f64 = points
            .iter()
            .map(|(x, y)| (y - my - slope * (x - mx)).powi(2))
            .sum();
        let fit = fit_one(points.iter().copied()).unwrap();
        assert!((fit.coef[1] / slope - 1.0).abs() < 1e-12, "{fit:?} {slope}");
        assert!((fit.rss / rss - 1.0).abs() < 1e-6, "{fit:?} {rss}");
    }

    #[test]
    fn collinear_or_constant_columns_are_refused() {
        assert!(fit_two((0..10).map(f64::from).map(|x| (x, 2.0 * x, 1.0))).is_none());
        assert!(fit_one((0..10).map(|_| (3.0, 1.0))).is_none());
        assert!(fit_one([(1.0, f64::NAN), (2.0, 1.0)].into_iter()).is_none());
    }
}

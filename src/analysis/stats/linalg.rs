//! Small dense least squares from the normal equations: the Gram matrix of a handful of
//! columns (at most about a dozen), equilibrated and solved by Cholesky. Every regression
//! of the engine goes through here; nothing here allocates per observation.

/// X'X, X'y and y'y of a regression, accumulated row by row.
#[derive(Debug, Clone, PartialEq)]
pub struct Gram {
    pub p: usize,
    /// Row-major p x p.
    pub xtx: Vec<f64>,
    pub xty: Vec<f64>,
    pub yty: f64,
    pub n: usize,
}

impl Gram {
    pub fn new(p: usize) -> Gram {
        Gram {
            p,
            xtx: vec![0.0; p * p],
            xty: vec![0.0; p],
            yty: 0.0,
            n: 0,
        }
    }

    /// Adds one observation: regressors `x` (length p) and response `y`.
    pub fn add(&mut self, x: &[f64], y: f64) {
        let p = self.p;
        for a in 0..p {
            let xa = x[a];
            if xa == 0.0 {
                continue;
            }
            self.xty[a] += xa * y;
            let row = &mut self.xtx[a * p..a * p + p];
            for (b, xb) in x.iter().enumerate().take(a + 1) {
                row[b] += xa * xb;
            }
        }
        self.yty += y * y;
        self.n += 1;
    }

    /// Adds the observations of `other` (of at least `p` columns) restricted to its
    /// first `p` columns: the Gram of a regression nested in `other`'s.
    pub fn add_leading(&mut self, other: &Gram) {
        let (p, q) = (self.p, other.p);
        debug_assert!(q >= p, "a Gram of {q} columns has no leading {p}");
        for a in 0..p.min(q) {
            self.xty[a] += other.xty[a];
            for b in 0..=a {
                self.xtx[a * p + b] += other.xtx[a * q + b];
            }
        }
        self.yty += other.yty;
        self.n += other.n;
    }

    /// Mirrors the lower triangle filled by `add` into the upper one.
    fn symmetric(&self) -> Vec<f64> {
        let p = self.p;
        let mut m = self.xtx.clone();
        for a in 0..p {
            for b in 0..a {
                m[b * p + a] = m[a * p + b];
            }
        }
        m
    }

    /// Least-squares solution; `None` when the columns are (numerically) collinear.
    pub fn solve(&self) -> Option<Solution> {
        let p = self.p;
        let m = self.symmetric();
        let scale: Vec<f64> = (0..p)
            .map(|j| {
                let d = m[j * p + j];
                if d > 0.0 { 1.0 / d.sqrt() } else { 0.0 }
            })
            .collect();
        if scale.iter().any(|s| *s == 0.0 || !s.is_finite()) {
            return None;
        }
        let mut a = vec![0.0; p * p];
        for i in 0..p {
            for j in 0..p {
                a[i * p + j] = m[i * p + j] * scale[i] * scale[j];
            }
        }
        let l = cholesky(&a, p)?;
        let b: Vec<f64> = (0..p).map(|i| self.xty[i] * scale[i]).collect();
        let z = solve_lower(&l, p, &b);
        let w = solve_upper_t(&l, p, &z);
        let coef: Vec<f64> = (0..p).map(|i| w[i] * scale[i]).collect();
        // (X'X)^-1 = D (A^-1) D, A^-1 from the Cholesky factor column by column.
        let mut inverse = vec![0.0; p * p];
        for j in 0..p {
            let mut e = vec![0.0; p];
            e[j] = 1.0;
            let col = solve_upper_t(&l, p, &solve_lower(&l, p, &e));
            for i in 0..p {
                inverse[i * p + j] = col[i] * scale[i] * scale[j];
            }
        }
        let fitted_ss: f64 = coef.iter().zip(&self.xty).map(|(c, v)| c * v).sum();
        let rss = (self.yty - fitted_ss).max(0.0);
        let ok = coef.iter().chain(&inverse).all(|v| v.is_finite()) && rss.is_finite();
        ok.then_some(Solution {
            coef,
            inverse,
            rss,
            p,
        })
    }
}

/// A solved regression.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    pub coef: Vec<f64>,
    /// (X'X)^-1, row-major.
    pub inverse: Vec<f64>,
    /// Residual sum of squares, from the normal equations.
    pub rss: f64,
    pub p: usize,
}

impl Solution {
    /// c' (X'X)^-1 c: the variance factor of a linear combination of coefficients.
    pub fn quadratic(&self, c: &[f64]) -> f64 {
        let p = self.p;
        let mut total = 0.0;
        for i in 0..p {
            if c[i] == 0.0 {
                continue;
            }
            for j in 0..p {
                total += c[i] * self.inverse[i * p + j] * c[j];
            }
        }
        total
    }

    /// c' coef.
    pub fn combine(&self, c: &[f64]) -> f64 {
        self.coef.iter().zip(c).map(|(a, b)| a * b).sum()
    }
}

/// Lower Cholesky factor of a symmetric positive definite p x p matrix; `None` when it is
/// not (collinear columns), judged relative to the unit diagonal of an equilibrated matrix.
fn cholesky(a: &[f64], p: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..=i {
            let mut sum = a[i * p + j];
            for k in 0..j {
                sum -= l[i * p + k] * l[j * p + k];
            }
            if i == j {
                if sum <= 1e-11 {
                    return None;
                }
                l[i * p + i] = sum.sqrt();
            } else {
                l[i * p + j] = sum / l[j * p + j];
            }
        }
    }
    Some(l)
}

/// Solves L z = b.
fn solve_lower(l: &[f64], p: usize, b: &[f64]) -> Vec<f64> {
    let mut z = vec![0.0; p];
    for i in 0..p {
        let mut sum = b[i];
        for k in 0..i {
            sum -= l[i * p + k] * z[k];
        }
        z[i] = sum / l[i * p + i];
    }
    z
}

/// Solves L' w = z.
fn solve_upper_t(l: &[f64], p: usize, z: &[f64]) -> Vec<f64> {
    let mut w = vec![0.0; p];
    for i in (0..p).rev() {
        let mut sum = z[i];
        for k in i + 1..p {
            sum -= l[k * p + i] * w[k];
        }
        w[i] = sum / l[i * p + i];
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_exact_coefficients_and_inverse() {
        let mut g = Gram::new(3);
        for i in 0..50 {
            let t = i as f64 * 3.0;
            let s = (t / 7.0).sin();
            g.add(&[1.0, t, s], 2.0 + 0.5 * t - 4.0 * s);
        }
        let sol = g.solve().expect("solvable");
        assert!((sol.coef[0] - 2.0).abs() < 1e-8);
        assert!((sol.coef[1] - 0.5).abs() < 1e-10);
        assert!((sol.coef[2] + 4.0).abs() < 1e-8);
        assert!(sol.rss < 1e-6);
        // (X'X)(X'X)^-1 = I.
        let m = g.symmetric();
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|k| m[i * 3 + k] * sol.inverse[k * 3 + j]).sum();
                assert!((v - if i == j { 1.0 } else { 0.0 }).abs() < 1e-8, "{v}");
            }
        }
    }

    #[test]
    fn collinear_columns_are_refused() {
        let mut g = Gram::new(2);
        for i in 0..10 {
            let t = i as f64;
            g.add(&[t, 2.0 * t], t);
        }
        assert!(g.solve().is_none());
    }
}

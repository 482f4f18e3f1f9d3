//! Small dense least squares (up to a handful of columns) by modified Gram-Schmidt,
//! the linear core of every model fit.

/// Coefficients and residual sum of squares of y ~ X b.
#[derive(Debug, Clone, PartialEq)]
pub struct LsqFit {
    pub coef: Vec<f64>,
    pub rss: f64,
}

/// Solves min ||y - X b|| for the given columns. `None` when a column is (numerically)
/// a combination of the others or the input is not finite.
pub fn lstsq(columns: &[Vec<f64>], y: &[f64]) -> Option<LsqFit> {
    let p = columns.len();
    let n = y.len();
    if p == 0 || n < p || columns.iter().any(|c| c.len() != n) {
        return None;
    }
    let mut q: Vec<Vec<f64>> = columns.to_vec();
    let mut r = vec![vec![0.0; p]; p];
    for j in 0..p {
        let original_norm = norm(&columns[j]);
        for i in 0..j {
            let d = dot(&q[i], &q[j]);
            r[i][j] = d;
            let (qi, qj) = two(&mut q, i, j);
            for (a, b) in qj.iter_mut().zip(qi.iter()) {
                *a -= d * b;
            }
        }
        let nj = norm(&q[j]);
        if !(nj.is_finite() && nj > 1e-10 * original_norm.max(f64::MIN_POSITIVE)) {
            return None;
        }
        r[j][j] = nj;
        for v in q[j].iter_mut() {
            *v /= nj;
        }
    }
    let qty: Vec<f64> = q.iter().map(|qi| dot(qi, y)).collect();
    let mut coef = vec![0.0; p];
    for j in (0..p).rev() {
        let mut acc = qty[j];
        for k in j + 1..p {
            acc -= r[j][k] * coef[k];
        }
        coef[j] = acc / r[j][j];
    }
    let mut rss = 0.0;
    for i in 0..n {
        let fitted: f64 = (0..p).map(|j| columns[j][i] * coef[j]).sum();
        let e = y[i] - fitted;
        rss += e * e;
    }
    if coef.iter().all(|c| c.is_finite()) && rss.is_finite() {
        Some(LsqFit { coef, rss })
    } else {
        None
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

/// Borrows column i immutably and column j (> i) mutably.
fn two(q: &mut [Vec<f64>], i: usize, j: usize) -> (&Vec<f64>, &mut Vec<f64>) {
    let (head, tail) = q.split_at_mut(j);
    (&head[i], &mut tail[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_an_exact_plane() {
        let x: Vec<f64> = (0..10).map(f64::from).collect();
        let z: Vec<f64> = x.iter().map(|v| v * v).collect();
        let y: Vec<f64> = x
            .iter()
            .zip(&z)
            .map(|(a, b)| 1.0 + 2.0 * a - 0.5 * b)
            .collect();
        let fit = lstsq(&[vec![1.0; 10], x, z], &y).unwrap();
        assert!((fit.coef[0] - 1.0).abs() < 1e-9);
        assert!((fit.coef[1] - 2.0).abs() < 1e-9);
        assert!((fit.coef[2] + 0.5).abs() < 1e-9);
        assert!(fit.rss < 1e-12);
    }

    #[test]
    fn collinear_columns_are_refused() {
        let x: Vec<f64> = (0..10).map(f64::from).collect();
        let x2: Vec<f64> = x.iter().map(|v| 2.0 * v).collect();
        assert!(lstsq(&[x, x2], &[1.0; 10]).is_none());
    }
}

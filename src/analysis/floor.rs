//! The heap floor: the lower envelope (post-GC minima per window) of a sawtooth series.
//! A leak raises the floor; the sawtooth peaks only say how much garbage waits for GC.

use super::prepare::Points;

/// Fewest windows a floor is built from.
pub const MIN_WINDOWS: usize = 8;
/// Most windows a floor is built from.
pub const MAX_WINDOWS: usize = 200;
/// Fewest samples per window, so short sawtooth cycles that hide among noisy steps are
/// still covered by a window.
pub const SAMPLES_PER_WINDOW: f64 = 10.0;

/// Minima per window, each at the time it was observed.
///
/// The window spans at least two sawtooth periods (estimated from the number of sharp
/// falls, i.e. steps below -4 median absolute steps), so every window holds a post-GC
/// minimum; it spans at least `SAMPLES_PER_WINDOW` samples and is bounded to give
/// between `MIN_WINDOWS` and `MAX_WINDOWS` windows. Short series are returned as they are.
pub fn lower_envelope(p: &Points) -> Points {
    let n = p.len();
    if n < 3 * MIN_WINDOWS {
        return p.clone();
    }
    let span = p.end() - p.start();
    let step = p.median_step();
    if span <= 0.0 || step <= 0.0 {
        return p.clone();
    }
    let mut abs_steps: Vec<f64> = p.y.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    let mid = abs_steps.len() / 2;
    let typical = *abs_steps.select_nth_unstable_by(mid, f64::total_cmp).1;
    let falls =
        p.y.windows(2)
            .filter(|w| w[1] - w[0] < -4.0 * typical && w[1] < w[0])
            .count();
    // Without an evident sawtooth (fewer falls than windows), windows of a few samples.
    let period = if falls >= MIN_WINDOWS {
        span / falls as f64
    } else {
        0.0
    };
    let window = (2.0 * period)
        .max(span / MAX_WINDOWS as f64)
        .max(SAMPLES_PER_WINDOW * step)
        .min(span / MIN_WINDOWS as f64);
    let start = p.start();
    let mut out = Points::default();
    let mut current = usize::MAX;
    let mut best: Option<(f64, f64)> = None;
    for (t, y) in p.t.iter().zip(&p.y) {
        let w = ((t - start) / window) as usize;
        if w != current {
            if let Some((bt, by)) = best.take() {
                out.t.push(bt);
                out.y.push(by);
            }
            current = w;
        }
        if best.is_none_or(|(_, by)| *y < by) {
            best = Some((*t, *y));
        }
    }
    if let Some((bt, by)) = best {
        out.t.push(bt);
        out.y.push(by);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_of_a_rising_sawtooth_follows_the_minima() {
        // 20-sample GC cycles of +10 per sample on a floor rising 1 per sample.
        let n = 2000;
        let t: Vec<f64> = (0..n).map(|i| i as f64 * 15.0).collect();
        let y: Vec<f64> = (0..n)
            .map(|i| 1000.0 + i as f64 + 10.0 * (i % 20) as f64)
            .collect();
        let f = lower_envelope(&Points { t, y });
        assert!(f.len() >= MIN_WINDOWS && f.len() <= MAX_WINDOWS);
        // The floor rises like the minima (1 per sample), not like the teeth (10 per sample).
        let slope = crate::analysis::trend::sen_slope(&f.t, &f.y).unwrap() * 15.0;
        assert!((slope - 1.0).abs() < 0.1, "floor slope {slope} per sample");
        for (t, y) in f.t.iter().zip(&f.y) {
            let i = t / 15.0;
            // Never above the middle of the tooth.
            assert!(*y - (1000.0 + i) <= 100.0, "floor {y} at sample {i}");
        }
    }
}

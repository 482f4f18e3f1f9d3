//! The heap floor: the lower envelope (post-GC minima per window) of a sawtooth series.
//! A leak raises the floor; the sawtooth peaks only say how much garbage waits for GC.

use super::points::Points;

/// Fewest windows a floor is built from.
pub const MIN_WINDOWS: usize = super::settings::MIN_BUCKETS;
/// Most windows a floor is built from.
pub const MAX_WINDOWS: usize = 200;
/// A fall of at least this share of the level is a garbage collection, not noise, when
/// there are too few falls for a period (the classic 5% materiality ratio).
pub const MIN_GC_FALL: f64 = 0.05;
/// Fewest samples per window, so short sawtooth cycles that hide among noisy steps are
/// still covered by a window.
pub const SAMPLES_PER_WINDOW: f64 = 10.0;

/// Sharp falls of a series: steps below -4 median absolute steps (a GC), by index of the
/// sample after the fall.
fn falls(p: &Points) -> Vec<usize> {
    if p.len() < 3 {
        return Vec::new();
    }
    let mut abs_steps: Vec<f64> = p.y.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    let mid = abs_steps.len() / 2;
    let typical = *abs_steps.select_nth_unstable_by(mid, f64::total_cmp).1;
    (1..p.len())
        .filter(|&i| p.y[i] - p.y[i - 1] < -4.0 * typical && p.y[i] < p.y[i - 1])
        .collect()
}

/// The period (seconds) of a GC sawtooth: the span over the number of sharp falls, when
/// there are at least `MIN_WINDOWS` of them.
pub fn sawtooth_period(p: &Points) -> Option<f64> {
    let count = falls(p).len();
    (count >= MIN_WINDOWS).then(|| (p.end() - p.start()) / count as f64)
}

/// Minima per window, each at the time it was observed.
///
/// Every window must hold a post-GC minimum. With at least `MIN_WINDOWS` GC cycles the
/// window spans two sawtooth periods (at least one when that would give fewer than
/// `MIN_WINDOWS` windows), at least `SAMPLES_PER_WINDOW` samples and at most a
/// `MAX_WINDOWS`th of the span. With fewer cycles than that, the floor is the minimum of
/// each cycle (between one fall and the next): fewer points than a floor needs, which the
/// engine reports as too little data rather than reading a sawtooth as a floor. Without
/// any visible sawtooth, windows of `SAMPLES_PER_WINDOW` samples.
pub fn lower_envelope(p: &Points) -> Points {
    let n = p.len();
    let span = p.end() - p.start();
    let step = p.median_step();
    if n < 3 || span <= 0.0 || step <= 0.0 {
        return p.clone();
    }
    let cycles = falls(p);
    // Fewer falls than windows: a sawtooth of few long cycles if the falls are GCs (each
    // at least `MIN_GC_FALL` of the level), noise otherwise.
    let level = p.median_value().abs();
    let collections: Vec<usize> = cycles
        .iter()
        .copied()
        .filter(|&i| p.y[i - 1] - p.y[i] >= MIN_GC_FALL * level)
        .collect();
    if cycles.len() < MIN_WINDOWS && !collections.is_empty() {
        let cycles = collections;
        let mut bounds = vec![0];
        bounds.extend(cycles.iter().copied());
        bounds.push(n);
        let mut out = Points::default();
        for w in bounds.windows(2).filter(|w| w[1] > w[0]) {
            let k = (w[0]..w[1])
                .min_by(|a, b| p.y[*a].total_cmp(&p.y[*b]))
                .unwrap_or(w[0]);
            out.t.push(p.t[k]);
            out.y.push(p.y[k]);
        }
        return out;
    }
    let period = if cycles.len() >= MIN_WINDOWS {
        span / cycles.len() as f64
    } else {
        0.0
    };
    let window = (2.0 * period)
        .min(span / MIN_WINDOWS as f64)
        .max(period)
        .max(span / MAX_WINDOWS as f64)
        .max(SAMPLES_PER_WINDOW * step);
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
        assert!(f.len() >= MIN_WINDOWS && f.len() <= MAX_WINDOWS + 1);
        // The floor rises like the minima (1 per sample), not like the teeth (10 per sample).
        let slope = crate::analysis::trend::sen_slope(&f.t, &f.y).unwrap() * 15.0;
        assert!((slope - 1.0).abs() < 0.1, "floor slope {slope} per sample");
        for (t, y) in f.t.iter().zip(&f.y) {
            let i = t / 15.0;
            // Never above the middle of the tooth.
            assert!(*y - (1000.0 + i) <= 100.0, "floor {y} at sample {i}");
        }
    }

    #[test]
    fn a_sawtooth_of_few_cycles_gives_one_minimum_per_cycle() {
        // 8 GC cycles of 100 samples: the floor is the 9 minima, not a sawtooth.
        let t: Vec<f64> = (0..800).map(|i| i as f64 * 15.0).collect();
        let y: Vec<f64> = (0..800)
            .map(|i| 1000.0 + 0.01 * i as f64 + 5.0 * (i % 100) as f64)
            .collect();
        let f = lower_envelope(&Points { t, y });
        assert!(f.len() <= 9, "{} points", f.len());
        assert!(f.y.iter().all(|v| *v < 1010.0), "{:?}", f.y);
    }
}

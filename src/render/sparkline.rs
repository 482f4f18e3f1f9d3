//! Unicode sparklines (`▁▂▃▄▅▆▇█`) of a series' downsampled samples.

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Draws `samples` ([unix_seconds, value]) in at most `width` characters, scaled between
/// their minimum and maximum. When there are more samples than characters, evenly spaced
/// samples are shown (the report already holds a downsampled set). Non-finite values
/// are drawn as spaces; an empty input gives an empty string.
pub fn sparkline(samples: &[[f64; 2]], width: usize) -> String {
    if samples.is_empty() || width == 0 {
        return String::new();
    }
    let shown: Vec<f64> = if samples.len() <= width {
        samples.iter().map(|s| s[1]).collect()
    } else {
        (0..width)
            .filter_map(|i| samples.get(i * (samples.len() - 1) / (width - 1).max(1)))
            .map(|s| s[1])
            .collect()
    };
    let finite = shown.iter().copied().filter(|v| v.is_finite());
    let (low, high) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    shown
        .iter()
        .map(|v| {
            if !v.is_finite() {
                ' '
            } else if high <= low {
                BARS[3]
            } else {
                let level = ((v - low) / (high - low) * 7.0).round() as usize;
                BARS[level.min(7)]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rising_series_rises() {
        let samples: Vec<[f64; 2]> = (0..8).map(|i| [i as f64, i as f64]).collect();
        assert_eq!(sparkline(&samples, 20), "▁▂▃▄▅▆▇█");
    }

    #[test]
    fn long_series_fits_width_and_keeps_ends() {
        let samples: Vec<[f64; 2]> = (0..1000).map(|i| [i as f64, i as f64]).collect();
        let line = sparkline(&samples, 30);
        assert_eq!(line.chars().count(), 30);
        assert!(line.starts_with('▁') && line.ends_with('█'));
    }

    #[test]
    fn flat_and_gappy_series() {
        assert_eq!(sparkline(&[[0.0, 5.0], [1.0, 5.0]], 10), "▄▄");
        assert_eq!(
            sparkline(&[[0.0, 1.0], [1.0, f64::NAN], [2.0, 2.0]], 10),
            "▁ █"
        );
        assert_eq!(sparkline(&[], 10), "");
    }
}

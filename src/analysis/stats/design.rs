//! The regressors of the trend model: an intercept per pooled segment, the time, hinges
//! (a change of slope at a time, continuous in level), and harmonics of the daily and
//! weekly load cycles when the stretch resolves them.

/// Periods of the load cycles modelled, hours: the day and the week.
pub const CYCLE_PERIODS_HOURS: [f64; 2] = [24.0, 168.0];
/// A cycle is modelled only when the stretch holds at least this many periods of it: a
/// cycle seen once cannot be told from a trend.
pub const MIN_CYCLES: f64 = 2.0;
/// ... and when a bucket is at most this share of a period, so the cycle is resolved.
pub const MAX_BUCKET_SHARE_OF_PERIOD: f64 = 1.0 / 8.0;
/// Harmonics per cycle: load curves are not sinusoids (busy hours, weekends), the first
/// two harmonics carry most of their shape.
pub const HARMONICS_PER_CYCLE: usize = 2;

/// Which columns a regression has.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Design {
    /// Index of the first bucket of each pooled segment; each gets its own intercept.
    /// `[0]` for a single stretch.
    pub segment_starts: Vec<usize>,
    /// Times (hours) after which the slope changes, sorted.
    pub hinges: Vec<f64>,
    /// A saturating term exp(-(t - origin) / tau): growth that slows (or speeds up) with
    /// a time constant, the shape of a warm-up, a filling cache, a plateau.
    pub decay: Option<Decay>,
    /// Periods (hours) of the sine and cosine pairs.
    pub periods: Vec<f64>,
}

/// The time constant of a saturating term and where it starts (hours).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decay {
    pub origin: f64,
    pub tau: f64,
}

impl Decay {
    pub fn value(&self, t: f64) -> f64 {
        (-(t - self.origin).max(0.0) / self.tau).exp()
    }

    pub fn slope(&self, t: f64) -> f64 {
        -self.value(t) / self.tau
    }
}

impl Design {
    pub fn single(periods: Vec<f64>) -> Design {
        Design {
            segment_starts: vec![0],
            hinges: Vec::new(),
            decay: None,
            periods,
        }
    }

    pub fn with_hinges(&self, hinges: Vec<f64>) -> Design {
        Design {
            hinges,
            ..self.clone()
        }
    }

    pub fn intercepts(&self) -> usize {
        self.segment_starts.len().max(1)
    }

    /// Index of the time (slope) column.
    pub fn slope_column(&self) -> usize {
        self.intercepts()
    }

    /// Index of the first hinge column.
    pub fn hinge_column(&self, k: usize) -> usize {
        self.intercepts() + 1 + k
    }

    /// Change points plus modelled cycles: how much of a random walk's wander the trend
    /// can absorb, which sets the unit-root bound (`noise::unit_root_band`).
    pub fn flexibility(&self) -> usize {
        self.hinges.len()
            + usize::from(self.decay.is_some())
            + self.periods.len() / HARMONICS_PER_CYCLE
    }

    pub fn with_decay(&self, decay: Decay) -> Design {
        Design {
            decay: Some(decay),
            ..self.clone()
        }
    }

    /// Index of the saturating term's column.
    pub fn decay_column(&self) -> usize {
        self.intercepts() + 1 + self.hinges.len()
    }

    pub fn columns(&self) -> usize {
        self.intercepts()
            + 1
            + self.hinges.len()
            + usize::from(self.decay.is_some())
            + 2 * self.periods.len()
    }

    /// Fills `row` (length `columns()`) for bucket `i` at time `t` hours.
    pub fn row(&self, i: usize, t: f64, row: &mut [f64]) {
        let m = self.intercepts();
        let segment = self
            .segment_starts
            .partition_point(|s| *s <= i)
            .saturating_sub(1);
        for (j, v) in row.iter_mut().enumerate().take(m) {
            *v = if j == segment { 1.0 } else { 0.0 };
        }
        row[m] = t;
        for (k, tau) in self.hinges.iter().enumerate() {
            row[m + 1 + k] = (t - tau).max(0.0);
        }
        let mut base = m + 1 + self.hinges.len();
        if let Some(d) = self.decay {
            row[base] = d.value(t);
            base += 1;
        }
        for (k, period) in self.periods.iter().enumerate() {
            let phase = std::f64::consts::TAU * t / period;
            row[base + 2 * k] = phase.sin();
            row[base + 2 * k + 1] = phase.cos();
        }
    }

    /// Coefficient weights giving the slope after the `piece`-th hinge (0: before any),
    /// the saturating term left out.
    pub fn slope_weights(&self, piece: usize) -> Vec<f64> {
        let mut c = vec![0.0; self.columns()];
        c[self.slope_column()] = 1.0;
        for k in 0..piece.min(self.hinges.len()) {
            c[self.hinge_column(k)] = 1.0;
        }
        c
    }

    /// Coefficient weights giving the trend's slope at `t` (hours).
    pub fn slope_at(&self, t: f64) -> Vec<f64> {
        let mut c = self.slope_weights(self.hinges.partition_point(|h| *h < t));
        if let Some(d) = self.decay {
            c[self.decay_column()] = d.slope(t);
        }
        c
    }

    /// Weights giving the trend's value (no cycle, first segment's intercept) at `t`.
    pub fn level_weights(&self, t: f64) -> Vec<f64> {
        let mut c = vec![0.0; self.columns()];
        let segment = self.segment_starts.len().saturating_sub(1);
        c[segment] = 1.0;
        c[self.slope_column()] = t;
        for (k, tau) in self.hinges.iter().enumerate() {
            c[self.hinge_column(k)] = (t - tau).max(0.0);
        }
        if let Some(d) = self.decay {
            c[self.decay_column()] = d.value(t);
        }
        c
    }
}

/// The cycle periods (with their harmonics) a stretch of `span_hours` at buckets of
/// `width_hours` resolves.
pub fn cycle_periods(span_hours: f64, width_hours: f64) -> Vec<f64> {
    let mut out = Vec::new();
    for period in CYCLE_PERIODS_HOURS {
        if span_hours >= MIN_CYCLES * period && width_hours <= MAX_BUCKET_SHARE_OF_PERIOD * period {
            for h in 1..=HARMONICS_PER_CYCLE {
                out.push(period / h as f64);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_weights_agree() {
        let d = Design {
            segment_starts: vec![0],
            hinges: vec![10.0],
            decay: None,
            periods: vec![24.0],
        };
        assert_eq!(d.columns(), 5);
        let mut row = vec![0.0; 5];
        d.row(3, 16.0, &mut row);
        assert_eq!(&row[..3], &[1.0, 16.0, 6.0]);
        assert_eq!(d.slope_weights(1), vec![0.0, 1.0, 1.0, 0.0, 0.0]);
        assert_eq!(d.level_weights(16.0)[..3], row[..3]);
    }

    #[test]
    fn cycles_need_two_periods_and_resolution() {
        assert!(cycle_periods(36.0, 0.1).is_empty());
        assert_eq!(cycle_periods(72.0, 0.5), vec![24.0, 12.0]);
        assert_eq!(cycle_periods(400.0, 1.0).len(), 4);
        assert!(
            cycle_periods(400.0, 4.0).len() == 2,
            "the day is not resolved at 4 h"
        );
    }
}

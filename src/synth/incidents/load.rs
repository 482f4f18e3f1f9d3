//! Load and noise: the daily and weekly traffic cycle, and AR(1) noise defined at the
//! scrape interval but sampled at any step.
//!
//! An AR(1) process `x[k+1] = phi * x[k] + e[k]` with marginal standard deviation `sd`,
//! observed every `m` scrapes, is again AR(1) with coefficient `phi^m`; [`Ar1::advance`]
//! uses that exact transition, so the noise is the same process whatever the query step.
//! Slow bounded wander (memory that drifts up and down over days) is the same process
//! with a time constant instead of a per-scrape coefficient: `phi = exp(-interval / tau)`.

use super::super::v8::normal;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

const DAY_S: f64 = 86_400.0;

/// Traffic that follows the day (and, when `weekly`, the week).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cycle {
    /// Extra live old-space bytes at peak traffic, relative to the warmed-up live set.
    pub amplitude: f64,
    /// Hour of peak traffic, UTC.
    pub peak_hour_utc: f64,
    /// How narrow the daily peak is: 0.5 (broad) to 2 (business hours).
    pub sharpness: f64,
    /// Local time offset from UTC in hours (weekends are local).
    pub utc_offset_h: f64,
    /// Traffic on Saturday and Sunday relative to weekdays (1 means no weekly cycle).
    pub weekend_factor: f64,
}

impl Cycle {
    /// Traffic at a moment, 0 (night) to 1 (weekday peak).
    pub fn traffic(&self, unix_s: f64) -> f64 {
        let hour = (unix_s / 3600.0).rem_euclid(24.0);
        let angle = std::f64::consts::TAU * (hour - self.peak_hour_utc) / 24.0;
        let daily = (self.sharpness * (angle.cos() - 1.0)).exp();
        // 1970-01-01 was a Thursday: day 0 is weekday 4 (0 = Sunday).
        let local_day = ((unix_s + self.utc_offset_h * 3600.0) / DAY_S).floor() as i64;
        let weekday = (local_day + 4).rem_euclid(7);
        let weekend = weekday == 0 || weekday == 6;
        daily * if weekend { self.weekend_factor } else { 1.0 }
    }

    /// The longest period of the cycle, hours: a week when weekends differ, else a day.
    pub fn period_hours(&self) -> f64 {
        if self.weekend_factor < 0.95 {
            168.0
        } else {
            24.0
        }
    }
}

/// AR(1) noise with a given marginal standard deviation, defined at one interval.
#[derive(Debug, Clone)]
pub(crate) struct Ar1 {
    /// Coefficient per `interval_s`.
    phi: f64,
    interval_s: f64,
    sd: f64,
    state: f64,
}

impl Ar1 {
    /// Noise with coefficient `phi` per scrape interval, started from its stationary law.
    pub(crate) fn new(rng: &mut ChaCha8Rng, phi: f64, interval_s: f64, sd: f64) -> Ar1 {
        Ar1 {
            phi: phi.clamp(0.0, 0.999_999),
            interval_s: interval_s.max(1e-3),
            sd: sd.max(0.0),
            state: sd.max(0.0) * normal(rng),
        }
    }

    /// Mean-reverting wander with time constant `tau_s` (an Ornstein-Uhlenbeck process).
    pub(crate) fn with_time_constant(rng: &mut ChaCha8Rng, tau_s: f64, sd: f64) -> Ar1 {
        let interval = 60.0;
        Ar1::new(rng, (-interval / tau_s.max(1.0)).exp(), interval, sd)
    }

    /// The value `dt_s` seconds after the previous one.
    pub(crate) fn advance(&mut self, rng: &mut ChaCha8Rng, dt_s: f64) -> f64 {
        let a = self.phi.powf(dt_s.max(0.0) / self.interval_s);
        self.state = a * self.state + self.sd * (1.0 - a * a).max(0.0).sqrt() * normal(rng);
        self.state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn lag1(x: &[f64]) -> f64 {
        let mean = x.iter().sum::<f64>() / x.len() as f64;
        let var: f64 = x.iter().map(|v| (v - mean).powi(2)).sum();
        let cov: f64 = x.windows(2).map(|w| (w[0] - mean) * (w[1] - mean)).sum();
        cov / var
    }

    #[test]
    fn ar1_sampled_every_m_scrapes_has_phi_to_the_m() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut noise = Ar1::new(&mut rng, 0.98, 15.0, 2.0);
        let every_scrape: Vec<f64> = (0..40_000).map(|_| noise.advance(&mut rng, 15.0)).collect();
        let every_eighth: Vec<f64> = (0..40_000)
            .map(|_| noise.advance(&mut rng, 120.0))
            .collect();
        assert!((lag1(&every_scrape) - 0.98).abs() < 0.01);
        assert!((lag1(&every_eighth) - 0.98f64.powi(8)).abs() < 0.02);
        let sd = (every_eighth.iter().map(|v| v * v).sum::<f64>() / 40_000.0).sqrt();
        assert!((sd - 2.0).abs() < 0.15, "marginal sd {sd}");
    }

    #[test]
    fn traffic_peaks_at_the_peak_hour_and_drops_on_weekends() {
        let cycle = Cycle {
            amplitude: 0.2,
            peak_hour_utc: 5.0,
            sharpness: 1.5,
            utc_offset_h: 9.0,
            weekend_factor: 0.4,
        };
        // 2025-11-05 is a Wednesday; 2025-11-08 a Saturday (UTC midnight = 09:00 KST).
        let wednesday = 1_762_300_800.0;
        let saturday = wednesday + 3.0 * DAY_S;
        assert!((cycle.traffic(wednesday + 5.0 * 3600.0) - 1.0).abs() < 1e-9);
        assert!(cycle.traffic(wednesday + 17.0 * 3600.0) < 0.1);
        assert!((cycle.traffic(saturday + 5.0 * 3600.0) - 0.4).abs() < 1e-9);
        assert_eq!(cycle.period_hours(), 168.0);
    }
}

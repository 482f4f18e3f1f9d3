//! Properties of the tests over many random seeds: the slope test's false-positive rate
//! on every noise family a scraped gauge shows, and the change-point critical value.
//! Run with `cargo test --release --lib analysis::stats::props -- --nocapture` to see
//! the figures docs/verdicts.md quotes.

use super::bucket::{Buckets, bucket};
use super::design::{Design, cycle_periods};
use super::gls;
use super::hinge::{self, CRITICAL_WALD};
use super::tdist;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// Noise families.
#[derive(Debug, Clone, Copy)]
pub enum Noise {
    /// AR(1) at the scrape interval with this phi (0 is white noise).
    Ar(f64),
    /// A random walk.
    Walk,
    /// White noise plus a daily load cycle of this amplitude (in noise sds).
    Daily(f64),
}

/// `n` scrapes every `step_s` seconds of trendless noise of the family, unit innovations.
pub fn noise(family: Noise, n: usize, step_s: f64, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let normal = Normal::new(0.0, 1.0).expect("valid");
    let phase: f64 = rng.random_range(0.0..std::f64::consts::TAU);
    let mut x: f64 = match family {
        Noise::Ar(phi) if phi < 1.0 => normal.sample(&mut rng) / (1.0 - phi * phi).sqrt(),
        _ => 0.0,
    };
    let t: Vec<f64> = (0..n).map(|i| i as f64 * step_s).collect();
    let y = t
        .iter()
        .map(|ti| {
            let e = normal.sample(&mut rng);
            match family {
                Noise::Ar(phi) => {
                    x = phi * x + e;
                    x
                }
                Noise::Walk => {
                    x += e;
                    x
                }
                Noise::Daily(a) => {
                    e + a * (std::f64::consts::TAU * ti / 86_400.0 + phase).sin()
                        + 0.5 * a * (2.0 * std::f64::consts::TAU * ti / 86_400.0).sin()
                }
            }
        })
        .collect();
    (t, y)
}

fn buckets_of(t: &[f64], y: &[f64], step_s: f64) -> Buckets {
    bucket(t, y, t[0], 400, step_s)
}

/// Share of seeds where the slope test rejects at `alpha` (two-sided).
fn slope_rejection(family: Noise, n: usize, step_s: f64, alpha: f64, seeds: u64) -> f64 {
    let mut rejected = 0;
    let mut total = 0;
    for seed in 0..seeds {
        let (t, y) = noise(family, n, step_s, seed);
        let b = buckets_of(&t, &y, step_s);
        let design = Design::single(cycle_periods(b.span_hours(), b.width_hours));
        let Some(fit) = gls::fit(&b, &design) else {
            continue;
        };
        let s = fit.slope(0);
        total += 1;
        if tdist::two_sided(s.value / s.se, s.df) < alpha {
            rejected += 1;
        }
    }
    rejected as f64 / total.max(1) as f64
}

fn families() -> Vec<(String, Noise)> {
    vec![
        ("white".into(), Noise::Ar(0.0)),
        ("AR(1) 0.5".into(), Noise::Ar(0.5)),
        ("AR(1) 0.9".into(), Noise::Ar(0.9)),
        ("AR(1) 0.98".into(), Noise::Ar(0.98)),
        ("AR(1) 0.99".into(), Noise::Ar(0.99)),
        ("AR(1) 0.995".into(), Noise::Ar(0.995)),
        ("random walk".into(), Noise::Walk),
        ("daily cycle 3 sd".into(), Noise::Daily(3.0)),
    ]
}

#[test]
fn slope_test_keeps_its_level_on_every_noise_family() {
    // (samples, step): 6 h and 1 day at 60 s, 7 days at 60 s, 3 days at 15 s.
    let shapes = [
        (360usize, 60.0),
        (1440, 60.0),
        (10_080, 60.0),
        (17_280, 15.0),
    ];
    // A load cycle is told from a trend only over at least two of its periods.
    let cycle_shapes = [
        (2880usize, 60.0),
        (5760, 60.0),
        (10_080, 60.0),
        (17_280, 15.0),
    ];
    let alpha = 0.01;
    println!("slope test false-positive rate at alpha {alpha}, 1000 seeds:");
    for (name, family) in families() {
        let mut row = format!("{name:>18}");
        let shapes = if matches!(family, Noise::Daily(_)) {
            cycle_shapes
        } else {
            shapes
        };
        for (n, step) in shapes {
            let rate = slope_rejection(family, n, step, alpha, 1000);
            row.push_str(&format!("  {n:>6}x{step:>3}s {rate:.3}"));
            // Within 2.5 alpha (the binomial standard error at 1000 seeds is 0.3 alpha).
            assert!(rate <= 2.5 * alpha, "{name} at {n} x {step}s: {rate}");
        }
        println!("{row}");
    }
}

/// Share of seeds with a spurious change point under no change.
#[test]
fn hinge_critical_value() {
    let mut quantiles = Vec::new();
    for (name, family) in families() {
        let shapes = if matches!(family, Noise::Daily(_)) {
            [(200usize, 1200.0), (400, 600.0), (4000, 60.0)]
        } else {
            [(100, 60.0), (400, 60.0), (4000, 60.0)]
        };
        for (n, step) in shapes {
            let mut walds: Vec<f64> = (0..300)
                .filter_map(|seed| {
                    let (t, y) = noise(family, n, step, 10_000 + seed);
                    let b = buckets_of(&t, &y, step);
                    let design = Design::single(cycle_periods(b.span_hours(), b.width_hours));
                    hinge::propose(&b, &design).map(|(c, _)| c.wald)
                })
                .collect();
            walds.sort_by(f64::total_cmp);
            let q99 = walds[(walds.len() as f64 * 0.99) as usize - 1];
            let rate =
                walds.iter().filter(|w| **w > CRITICAL_WALD).count() as f64 / walds.len() as f64;
            println!(
                "{name:>18} n {n:>5}: 99th percentile {q99:.1}, rate above {CRITICAL_WALD}: {rate:.3}"
            );
            quantiles.push(rate);
            assert!(rate <= 2.0 * hinge::CHANGE_ALPHA, "{name} n {n}: {rate}");
        }
    }
}

/// An onset is found near where it is, and given the onset, the interval of the current
/// slope covers the true rate at its level.
#[test]
fn onsets_are_found_and_intervals_cover() {
    let mut covered = 0;
    let mut found = 0;
    let mut close = 0;
    let seeds = 400;
    let onset = 0.6 * 4000.0 * 60.0;
    for seed in 0..seeds {
        let (t, e) = noise(Noise::Ar(0.9), 4000, 60.0, 70_000 + seed);
        // Flat for 60% of the window, then 0.05 noise sds per minute.
        let y: Vec<f64> = t
            .iter()
            .zip(&e)
            .map(|(ti, ei)| ei + 0.05 * ((ti - onset) / 60.0).max(0.0))
            .collect();
        let b = buckets_of(&t, &y, 60.0);
        let s = hinge::segment(&b, &Design::single(Vec::new())).expect("fits");
        if let Some(h) = s.hinges.iter().find(|h| **h > 0.3 * b.span_hours()) {
            found += 1;
            if (h * 3600.0 - onset).abs() < 0.05 * 4000.0 * 60.0 {
                close += 1;
            }
        }
        let given = gls::fit(
            &b,
            &Design::single(Vec::new()).with_hinges(vec![onset / 3600.0]),
        )
        .expect("fits");
        let last = given.slope(1);
        let q = tdist::upper_quantile(0.025, last.df);
        if (last.value - 0.05 * 60.0).abs() <= q * last.se {
            covered += 1;
        }
    }
    let share = |k: i32| k as f64 / seeds as f64;
    println!(
        "onset found {:.3}, within 5% of the window {:.3}; given the onset, the 95% interval of the current slope covers {:.3}",
        share(found),
        share(close),
        share(covered)
    );
    assert!(share(found) > 0.95 && share(close) > 0.9);
    assert!((0.92..=0.98).contains(&share(covered)));
}

/// The unit-root bounds of `noise::UNIT_ROOT_1PCT`: at most 1% of random walks fall
/// below them, with 0 to 3 searched change points.
#[test]
fn unit_root_quantiles() {
    use super::noise::{self, UNIT_ROOT_1PCT};
    for (n, step, periods) in [
        (100usize, 60.0, 0),
        (400, 60.0, 0),
        (4000, 30.0, 0),
        (20_000, 5.0, 0),
        (400, 720.0, 1),
        (4000, 60.0, 1),
        (20_000, 60.0, 1),
        (4000, 360.0, 2),
        (20_000, 120.0, 2),
    ] {
        let mut by_hinges: Vec<Vec<f64>> = vec![Vec::new(); 4];
        for seed in 0..600 {
            let (t, y) = noise(Noise::Walk, n, step, 90_000 + seed);
            let b = buckets_of(&t, &y, step);
            let m = b.len() as f64;
            let cycles = cycle_periods(b.span_hours(), b.width_hours);
            assert_eq!(cycles.len(), 2 * periods, "{n} x {step}");
            let mut design = Design::single(cycles);
            for values in by_hinges.iter_mut() {
                let Some(sol) = gls::ols(&b, &design) else {
                    break;
                };
                let u = gls::residuals(&b, &design, &sol.coef, 0.0);
                let p = noise::persistence(&u, &b.run_start, design.flexibility());
                let corrected = p.raw_alpha + (2.0 + 4.0 * p.raw_alpha.max(0.0)) / m;
                values.push(m * (corrected - 1.0));
                let Some(c) = hinge::locate(&b, &design, Some(p.alpha)) else {
                    break;
                };
                design = hinge::with_term(&design, c.term);
            }
        }
        for (k, values) in by_hinges.iter_mut().enumerate() {
            values.sort_by(f64::total_cmp);
            let bound = UNIT_ROOT_1PCT[k + periods];
            let below = values.iter().filter(|v| **v < bound).count() as f64 / values.len() as f64;
            println!(
                "random walk n {n}, {periods} cycles, {k} change points: 1% quantile {:.1}, share below {bound}: {below:.3}",
                values[values.len() / 100],
            );
            assert!(
                below <= 0.02,
                "n {n}, {periods} cycles, {k} change points: {below}"
            );
        }
    }
}

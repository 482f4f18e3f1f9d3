//! Verdict accuracy over many random seeds: every scenario class is generated with
//! random levels, rates, GC sawtooth, AR(1) scrape noise and limits, for Node targets
//! (all kinds) and bare containers (cgroup kinds only); the confusion matrix is printed
//! and each class must be classified right in at least `BAR` of its seeds.

use memgrowth::analysis::{AnalysisSettings, analyze_target};
use memgrowth::frame::{SeriesKey, TidySeries};
use memgrowth::kind::Kind;
use memgrowth::target::Target;
use memgrowth::verdict::Verdict;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use std::collections::BTreeMap;

const MIB: f64 = 1024.0 * 1024.0;
const SEEDS: u64 = 50;
/// Share of seeds each class must be classified right in.
const BAR: f64 = 0.9;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Leak,
    RestartMasked,
    Native,
    Cache,
    Plateau,
    Stable,
    Insufficient,
}

impl Class {
    const ALL: [Class; 7] = [
        Class::Leak,
        Class::RestartMasked,
        Class::Native,
        Class::Cache,
        Class::Plateau,
        Class::Stable,
        Class::Insufficient,
    ];

    fn expected(self) -> Verdict {
        match self {
            Class::Leak => Verdict::Leak,
            Class::RestartMasked => Verdict::RestartMaskedLeak,
            Class::Native => Verdict::NativeGrowth,
            Class::Cache => Verdict::CacheGrowth,
            Class::Plateau => Verdict::Plateau,
            Class::Stable => Verdict::Stable,
            Class::Insufficient => Verdict::InsufficientData,
        }
    }

    /// Native growth needs the heap to be told apart: Node targets only.
    fn container_too(self) -> bool {
        !matches!(self, Class::Native)
    }
}

/// AR(1) noise with the given marginal standard deviation.
struct Ar1 {
    phi: f64,
    innovation: Normal<f64>,
    state: f64,
}

impl Ar1 {
    fn new(rng: &mut ChaCha8Rng, sd: f64) -> Ar1 {
        let phi: f64 = rng.random_range(0.3..0.95);
        let innovation = Normal::new(0.0, sd * (1.0 - phi * phi).sqrt()).unwrap();
        let state = Normal::new(0.0, sd).unwrap().sample(rng);
        Ar1 {
            phi,
            innovation,
            state,
        }
    }

    fn next(&mut self, rng: &mut ChaCha8Rng) -> f64 {
        self.state = self.phi * self.state + self.innovation.sample(rng);
        self.state
    }
}

fn series(kind: Kind, space: &str, name: &str, t: &[i64], v: Vec<f64>) -> TidySeries {
    let mut labels = BTreeMap::new();
    labels.insert("__name__".to_string(), name.to_string());
    if !space.is_empty() {
        labels.insert("space".to_string(), space.to_string());
    }
    TidySeries {
        key: SeriesKey {
            service: "api".into(),
            host: "h1".into(),
            kind,
            space: space.into(),
        },
        labels,
        timestamps_ms: t.to_vec(),
        values: v,
    }
}

/// One random scenario of a class, for a Node target (`node`) or a bare container.
fn scenario(class: Class, seed: u64, node: bool) -> (Target, Option<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed * 7919 + class as u64);
    let hours = match class {
        Class::Insufficient => rng.random_range(0.2..1.5),
        _ => rng.random_range(12.0..96.0),
    };
    let step_s = rng.random_range(30.0..90.0f64).round();
    let n = (hours * 3600.0 / step_s) as usize;
    let t0 = 1_761_955_200_000i64;
    let ts: Vec<i64> = (0..n)
        .map(|i| t0 + (i as f64 * step_s * 1000.0) as i64)
        .collect();
    let h: Vec<f64> = (0..n).map(|i| i as f64 * step_s / 3600.0).collect();

    let heap0 = rng.random_range(60.0..200.0) * MIB;
    let tooth = rng.random_range(0.1..0.4) * heap0;
    let period = rng.random_range(2.0..12.0f64).round().max(2.0) as usize;
    let native0 = rng.random_range(40.0..120.0) * MIB;
    let external0 = rng.random_range(5.0..30.0) * MIB;
    let cache0 = rng.random_range(10.0..100.0) * MIB;
    let base_rss = heap0 + tooth + native0 + external0;
    let limit = if rng.random_bool(0.7) {
        rng.random_range(1.0..3.0) * base_rss.max(512.0 * MIB)
    } else {
        0.0
    };
    let noise_sd = rng.random_range(0.003..0.015);

    // Growth per component, as a function of hours.
    let total = rng.random_range(0.3..1.5);
    let tau = hours * rng.random_range(0.08..0.2);
    let mut heap_growth = vec![0.0; n];
    let mut native_growth = vec![0.0; n];
    let mut cache_growth = vec![0.0; n];
    let mut restarts: Vec<usize> = Vec::new();
    match class {
        Class::Leak => {
            for i in 0..n {
                heap_growth[i] = total * heap0 * h[i] / hours;
            }
        }
        Class::Native => {
            for i in 0..n {
                native_growth[i] = total * base_rss * h[i] / hours;
            }
        }
        Class::Cache => {
            let amount = rng.random_range(0.5..5.0) * base_rss;
            let saturating = rng.random_bool(0.5);
            for i in 0..n {
                cache_growth[i] = if saturating {
                    amount * (1.0 - (-h[i] / tau).exp())
                } else {
                    amount * h[i] / hours
                };
            }
        }
        Class::Plateau => {
            let amount = total * heap0;
            for i in 0..n {
                heap_growth[i] = amount * (1.0 - (-h[i] / tau).exp());
            }
        }
        Class::RestartMasked => {
            // Restart whenever the leak has added `headroom` (pm2 max_memory_restart).
            let headroom = rng.random_range(1.2..2.5) * base_rss;
            let cycles = rng.random_range(3.0..8.0);
            let rate = headroom * cycles / hours;
            let mut since = 0.0;
            for i in 0..n {
                let g = rate * (h[i] - since);
                if g >= headroom {
                    since = h[i];
                    restarts.push(i);
                    heap_growth[i] = 0.0;
                } else {
                    heap_growth[i] = g;
                }
            }
        }
        Class::Stable | Class::Insufficient => {}
    }

    let mut heap_noise = Ar1::new(&mut rng, noise_sd * heap0);
    let mut rss_noise = Ar1::new(&mut rng, noise_sd * base_rss);
    let mut cache_noise = Ar1::new(&mut rng, noise_sd * cache0);
    let mut ext_noise = Ar1::new(&mut rng, noise_sd * external0);
    let (mut heap, mut old, mut ext, mut rss) = (vec![], vec![], vec![], vec![]);
    let (mut crss, mut cache, mut usage, mut ws, mut start) =
        (vec![], vec![], vec![], vec![], vec![]);
    let mut started = t0 as f64 / 1000.0 - 3600.0;
    for i in 0..n {
        if restarts.contains(&i) {
            started = ts[i] as f64 / 1000.0 - step_s / 2.0;
        }
        let phase = (i % period) as f64 / period as f64;
        let floor = heap0 + heap_growth[i];
        let hn = heap_noise.next(&mut rng);
        heap.push(floor + tooth * phase + hn);
        old.push(0.7 * floor + 0.3 * hn);
        ext.push(external0 + ext_noise.next(&mut rng));
        let r = floor + tooth + external0 + native0 + native_growth[i] + rss_noise.next(&mut rng);
        rss.push(r);
        crss.push(r + 4.0 * MIB);
        let c = (cache0 + cache_growth[i] + cache_noise.next(&mut rng)).max(0.0);
        cache.push(c);
        usage.push(r + 4.0 * MIB + c);
        ws.push(r + 4.0 * MIB + 0.2 * c);
        start.push(started);
    }

    let mut all = Vec::new();
    if class == Class::Insufficient && rng.random_bool(0.3) {
        // Kinds present, but none that holds memory.
        all.push(series(
            Kind::StartTime,
            "",
            "process_start_time_seconds",
            &ts,
            start,
        ));
    } else {
        if node {
            all.push(series(
                Kind::HeapUsed,
                "",
                "nodejs_heap_size_used_bytes",
                &ts,
                heap,
            ));
            all.push(series(
                Kind::HeapSpaceUsed,
                "old",
                "nodejs_heap_space_size_used_bytes",
                &ts,
                old,
            ));
            all.push(series(
                Kind::External,
                "",
                "nodejs_external_memory_bytes",
                &ts,
                ext,
            ));
            all.push(series(
                Kind::ProcessRss,
                "",
                "process_resident_memory_bytes",
                &ts,
                rss,
            ));
            all.push(series(
                Kind::StartTime,
                "",
                "process_start_time_seconds",
                &ts,
                start,
            ));
        }
        all.push(series(
            Kind::CgroupRss,
            "",
            "container_memory_rss",
            &ts,
            crss,
        ));
        all.push(series(
            Kind::CgroupCache,
            "",
            "container_memory_cache",
            &ts,
            cache,
        ));
        all.push(series(
            Kind::CgroupUsage,
            "",
            "container_memory_usage_bytes",
            &ts,
            usage,
        ));
        all.push(series(
            Kind::CgroupWorkingSet,
            "",
            "container_memory_working_set_bytes",
            &ts,
            ws,
        ));
        all.push(series(
            Kind::CgroupLimit,
            "",
            "container_spec_memory_limit_bytes",
            &ts,
            vec![limit; n],
        ));
    }
    all.sort_by(|a, b| (&a.key, &a.labels).cmp(&(&b.key, &b.labels)));
    let target = Target {
        service: "api".into(),
        host: "h1".into(),
        series: all,
        host_series: Vec::new(),
    };
    (target, (limit > 0.0).then_some(limit))
}

#[test]
fn verdicts_are_right_over_many_seeds() {
    let settings = AnalysisSettings::default();
    let mut matrix: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    let mut failures: Vec<String> = Vec::new();
    let mut totals = [0usize; 7];
    for class in Class::ALL {
        for seed in 0..SEEDS {
            let node = !class.container_too() || seed % 2 == 0;
            let (target, _) = scenario(class, seed, node);
            let report = analyze_target(&target, &settings);
            let got = report.verdict;
            *matrix
                .entry((class as usize, got.severity_rank()))
                .or_default() += 1;
            totals[class as usize] += 1;
            if got != class.expected() && failures.len() < 40 {
                failures.push(format!(
                    "{:?} seed {seed} node={node}: {got} ({:.2}) {:?}",
                    class, report.confidence, report.reasons
                ));
            }
        }
    }
    println!("confusion matrix ({SEEDS} seeds per class; rows expected, columns got):");
    print!("{:>22}", "");
    for v in Verdict::ALL {
        print!("{:>8}", &v.as_str()[..v.as_str().len().min(7)]);
    }
    println!("{:>9}", "right");
    let mut worst: f64 = 1.0;
    for class in Class::ALL {
        print!("{:>22}", class.expected().as_str());
        for v in Verdict::ALL {
            print!(
                "{:>8}",
                matrix
                    .get(&(class as usize, v.severity_rank()))
                    .copied()
                    .unwrap_or(0)
            );
        }
        let right = matrix
            .get(&(class as usize, class.expected().severity_rank()))
            .copied()
            .unwrap_or(0) as f64
            / totals[class as usize] as f64;
        worst = worst.min(right);
        println!("{:>8.0}%", right * 100.0);
    }
    for f in &failures {
        println!("miss: {f}");
    }
    assert!(
        worst >= BAR,
        "a class is right in only {:.0}% of seeds (bar {:.0}%)",
        worst * 100.0,
        BAR * 100.0
    );
}

#[test]
fn reports_are_deterministic() {
    let settings = AnalysisSettings::default();
    for class in Class::ALL {
        let (target, _) = scenario(class, 3, true);
        let a = serde_json::to_string(&analyze_target(&target, &settings)).unwrap();
        let b = serde_json::to_string(&analyze_target(&target, &settings)).unwrap();
        assert_eq!(a, b);
        let back: memgrowth::report::TargetReport = serde_json::from_str(&a).unwrap();
        assert_eq!(back.verdict, analyze_target(&target, &settings).verdict);
    }
}

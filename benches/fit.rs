//! Fits one million points: the whole analysis of a target (resampling, heap floor,
//! change points and quasi-GLS trends, competing models, verdict), and one stretch alone.
//! Prints throughput in points per second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use memgrowth::analysis::points::Points;
use memgrowth::analysis::regime::fit_stretch;
use memgrowth::analysis::{AnalysisSettings, analyze_target};
use memgrowth::frame::{SeriesKey, TidySeries};
use memgrowth::kind::Kind;
use memgrowth::target::Target;
use std::hint::black_box;
use std::time::Instant;

const POINTS: usize = 1_000_000;
const MIB: f64 = 1024.0 * 1024.0;

/// A leaking sawtooth heap: floor +2 MiB/h, 12-sample GC cycles, deterministic jitter.
fn heap(n: usize) -> (Vec<i64>, Vec<f64>) {
    let t: Vec<i64> = (0..n)
        .map(|i| 1_761_955_200_000 + i as i64 * 15_000)
        .collect();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let y = (0..n)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let jitter = (state % 1000) as f64 / 1000.0 - 0.5;
            let hours = i as f64 * 15.0 / 3600.0;
            200.0 * MIB + 2.0 * MIB * hours + 30.0 * MIB * ((i % 12) as f64 / 12.0) + MIB * jitter
        })
        .collect();
    (t, y)
}

fn target(t: Vec<i64>, y: Vec<f64>) -> Target {
    let mut labels = std::collections::BTreeMap::new();
    labels.insert(
        "__name__".to_string(),
        "nodejs_heap_size_used_bytes".to_string(),
    );
    Target {
        service: "api".into(),
        host: "h1".into(),
        series: vec![TidySeries {
            key: SeriesKey {
                service: "api".into(),
                host: "h1".into(),
                kind: Kind::HeapUsed,
                space: String::new(),
            },
            labels,
            timestamps_ms: t,
            values: y,
        }],
        host_series: Vec::new(),
    }
}

fn report_throughput(label: &str, f: impl Fn()) {
    let runs = 3;
    let start = Instant::now();
    for _ in 0..runs {
        f();
    }
    let seconds = start.elapsed().as_secs_f64() / runs as f64;
    println!(
        "{label}: {POINTS} points in {:.1} ms = {:.1} M points/s",
        seconds * 1000.0,
        POINTS as f64 / seconds / 1e6
    );
}

fn bench(c: &mut Criterion) {
    let (t, y) = heap(POINTS);
    let target = target(t.clone(), y.clone());
    let settings = AnalysisSettings::default();
    let points = Points::from_unsorted(t.iter().map(|v| *v as f64 / 1000.0).collect(), y);

    report_throughput("analyze_target (raw + floor, 1 series)", || {
        black_box(analyze_target(&target, &settings));
    });
    report_throughput("fit_stretch (buckets, change points, quasi-GLS)", || {
        black_box(fit_stretch(&points, 0.0, 0.0));
    });

    let mut group = c.benchmark_group("fit_1m_points");
    group.sample_size(10);
    group.throughput(Throughput::Elements(POINTS as u64));
    group.bench_function("analyze_target", |b| {
        b.iter(|| analyze_target(black_box(&target), &settings))
    });
    group.bench_function("fit_stretch", |b| {
        b.iter(|| fit_stretch(black_box(&points), 0.0, 0.0))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

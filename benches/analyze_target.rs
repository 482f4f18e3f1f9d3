//! The whole `analyze_target` path on realistic Node.js targets: one service per fleet
//! scenario (page-cache growth, stable, leak, plateau, a leak masked by restarts), every
//! series a Node target has (heap used and total, heap spaces, external, RSS, start time,
//! cgroup usage, working set, rss, cache, limit, OOM events, host memory), V8's GC
//! sawtooth and restarts from the generator's physics, 14 days at 60 s. Prints samples/s
//! per target and for the whole set analysed in parallel ([`analyze_all`]).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use memgrowth::analysis::{AnalysisSettings, analyze_target};
use memgrowth::catalog::Catalog;
use memgrowth::pipeline::analyze_all;
use memgrowth::subject::{Subject, select};
use memgrowth::synth::{FleetParams, generate_fleet};
use memgrowth::target::{Target, group_targets};
use std::hint::black_box;
use std::time::Instant;

fn targets() -> Vec<Target> {
    let fleet = generate_fleet(&FleetParams {
        seed: 7,
        services: memgrowth::synth::FLEET_KINDS.len(),
        hosts: 1,
        hosts_per_service: 1,
        duration_s: 14 * 86_400,
        step_s: 60,
        ..FleetParams::default()
    });
    let subject = Subject {
        by: Some("job".into()),
        ..Subject::default()
    };
    group_targets(select(fleet.series, &Catalog::default(), &subject).series)
}

fn samples(t: &Target) -> usize {
    t.series
        .iter()
        .chain(&t.host_series)
        .map(|s| s.timestamps_ms.len())
        .sum()
}

fn bench(c: &mut Criterion) {
    let targets = targets();
    let settings = AnalysisSettings::default();
    let total: usize = targets.iter().map(samples).sum();
    for t in &targets {
        let start = Instant::now();
        let report = analyze_target(t, &settings);
        let seconds = start.elapsed().as_secs_f64();
        println!(
            "{:<8} {:<16} {:>2} series {:>7} samples {:>8.1} ms {:>6.2} M samples/s",
            t.service,
            format!("{:?}", report.verdict),
            t.series.len() + t.host_series.len(),
            samples(t),
            seconds * 1000.0,
            samples(t) as f64 / seconds / 1e6
        );
    }
    let start = Instant::now();
    black_box(analyze_all(&targets, &settings));
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "analyze_all: {} targets, {total} samples in {:.1} ms = {:.2} M samples/s on {} threads",
        targets.len(),
        seconds * 1000.0,
        total as f64 / seconds / 1e6,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    let mut group = c.benchmark_group("analyze_target_fleet_14d");
    group.sample_size(10);
    group.throughput(Throughput::Elements(total as u64));
    group.bench_function("every target, one thread", |b| {
        b.iter(|| {
            for t in &targets {
                black_box(analyze_target(t, &settings));
            }
        })
    });
    group.bench_function("analyze_all", |b| {
        b.iter(|| analyze_all(black_box(&targets), &settings))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

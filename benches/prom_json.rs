//! Throughput of the Prometheus API JSON parser on a generated 1M-sample
//! `query_range` response (100 series x 10,000 samples), in MB/s.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use memgrowth::input::prom_json::parse_response;
use std::fmt::Write;
use std::hint::black_box;
use std::time::Instant;

const SERIES: usize = 100;
const SAMPLES: usize = 10_000;

/// A response shaped like Prometheus' own: float timestamps, string values.
fn response() -> Vec<u8> {
    let mut out = String::from(r#"{"status":"success","data":{"resultType":"matrix","result":["#);
    for s in 0..SERIES {
        if s > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            r#"{{"metric":{{"__name__":"nodejs_heap_size_used_bytes","instance":"10.0.{}.{}:3000","job":"otl-api"}},"values":["#,
            s / 256,
            s % 256
        );
        for i in 0..SAMPLES {
            if i > 0 {
                out.push(',');
            }
            let t = 1_700_000_000.0 + i as f64 * 15.0 + 0.123;
            let v = 150_000_000.0 + ((i * 7919 + s * 104_729) % 1_000_003) as f64;
            let _ = write!(out, r#"[{t:.3},"{v}"]"#);
        }
        out.push_str("]}");
    }
    out.push_str("]}}");
    out.into_bytes()
}

fn bench(c: &mut Criterion) {
    let body = response();
    let mb = body.len() as f64 / 1e6;
    let start = Instant::now();
    let parsed = parse_response(&body).map(|r| r.series.iter().map(|s| s.len()).sum::<usize>());
    let secs = start.elapsed().as_secs_f64();
    println!(
        "prom_json: {mb:.1} MB, {} samples parsed once in {:.3} s = {:.0} MB/s",
        parsed.unwrap_or(0),
        secs,
        mb / secs
    );
    let start = Instant::now();
    let skipped = serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_ok();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "baseline: serde_json skipping the same document (ok: {skipped}) = {:.0} MB/s",
        mb / secs
    );
    let mut group = c.benchmark_group("prom_json");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.sample_size(10);
    group.bench_function("parse_1m_samples", |b| {
        b.iter(|| parse_response(black_box(&body)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

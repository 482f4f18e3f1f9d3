//! The Prometheus client against a real Prometheus (Debian's `prometheus` + `promtool`),
//! backfilled with synthetic history and queried over loopback HTTP.

#[path = "support/prom_servers.rs"]
mod prom_servers;

use memgrowth::prom::{Backend, PromClient, PromConfig, PromError};
use prom_servers::{SynthSeries, start_prometheus};

const DAY: i64 = 86_400;
/// 2026-01-01T00:00:00Z, a multiple of 15 s.
const END: i64 = 1_767_225_600;
const START: i64 = END - 30 * DAY;

fn fixture() -> Vec<SynthSeries> {
    vec![
        SynthSeries::linear(
            "nodejs_heap_size_used_bytes",
            &[("instance", "10.0.0.5:3000"), ("job", "api")],
            START,
            END,
            15,
            50_000_000.0,
            3.0,
        ),
        SynthSeries::linear(
            "nodejs_heap_size_used_bytes",
            &[("instance", "10.0.0.6:3000"), ("job", "api")],
            START,
            END,
            15,
            60_000_000.0,
            -1.0,
        ),
    ]
}

fn client(url: &str, backend: Backend) -> PromClient {
    let mut config = PromConfig::new(url, None).unwrap();
    config.backend = backend;
    config.concurrency = 4;
    PromClient::new(&config).unwrap()
}

/// Asserts the fetched series equal the fixture sample for sample.
fn assert_every_sample_once(got: &[memgrowth::series::RawSeries], want: &[SynthSeries]) {
    assert_eq!(got.len(), want.len(), "series count");
    for w in want {
        let instance = &w.labels[0].1;
        let g = got
            .iter()
            .find(|g| g.labels.get("instance") == Some(instance))
            .unwrap_or_else(|| panic!("no series for {instance}"));
        assert_eq!(g.metric_name(), w.name);
        let want_t: Vec<i64> = w.samples.iter().map(|(t, _)| t * 1000).collect();
        let want_v: Vec<f64> = w.samples.iter().map(|(_, v)| *v).collect();
        assert_eq!(
            g.timestamps_ms.len(),
            want_t.len(),
            "{instance}: sample count"
        );
        assert!(g.timestamps_ms == want_t, "{instance}: timestamps differ");
        assert!(g.values == want_v, "{instance}: values differ");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_days_at_15s_returns_every_sample_exactly_once() {
    let want = fixture();
    assert!(want[0].samples.len() > 11_000 * 15);
    let server = start_prometheus(&want, &[]);

    // Chunked by the planner under Prometheus' limit.
    let c = client(&server.url(), Backend::Prometheus);
    let plan = c.plan(START as f64, (END - 15) as f64, 15.0).unwrap();
    assert_eq!(plan.chunks.len(), 16);
    let result = c
        .query_range(
            "nodejs_heap_size_used_bytes",
            START as f64,
            (END - 15) as f64,
            15.0,
        )
        .await
        .unwrap();
    assert_every_sample_once(&result.series, &want);
    assert!(result.warnings.is_empty(), "{:?}", result.warnings);

    // Planned with a limit Prometheus refuses: the server's "exceeded maximum
    // resolution" makes the client split the chunks, and nothing is lost or doubled.
    let c = client(&server.url(), Backend::Custom { max_points: 40_000 });
    let result = c
        .query_range(
            "nodejs_heap_size_used_bytes",
            START as f64,
            (END - 15) as f64,
            15.0,
        )
        .await
        .unwrap();
    assert_every_sample_once(&result.series, &want);
    assert!(c.stats().splits.load(std::sync::atomic::Ordering::Relaxed) > 0);

    // Unaligned start/end are aligned down to the step: the same samples again.
    let c = client(&server.url(), Backend::Prometheus);
    let result = c
        .query_range(
            "nodejs_heap_size_used_bytes",
            START as f64 + 7.0,
            (END - 15) as f64 + 14.0,
            15.0,
        )
        .await
        .unwrap();
    assert_every_sample_once(&result.series, &want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_errors_are_typed_and_metadata_endpoints_work() {
    let want = fixture();
    let server = start_prometheus(&want, &["--query.max-samples=5000"]);
    let c = client(&server.url(), Backend::Prometheus);

    // A PromQL syntax error is bad_data, reported once (never retried).
    let err = c
        .query_range("sum(", START as f64, END as f64, 60.0)
        .await
        .unwrap_err();
    match &err {
        PromError::Api {
            error_type, status, ..
        } => {
            assert_eq!(error_type.as_str(), "bad_data");
            assert_eq!(*status, 400);
        }
        other => panic!("expected bad_data, got {other:?}"),
    }
    assert!(err.to_string().contains("bad_data"), "{err}");

    // A max-samples limit far below one chunk: "too many samples" splits the range.
    let result = c
        .query_range(
            "nodejs_heap_size_used_bytes",
            START as f64,
            (START + DAY) as f64,
            15.0,
        )
        .await
        .unwrap();
    assert_eq!(result.series.len(), 2);
    assert_eq!(result.series[0].len(), (DAY / 15 + 1) as usize);
    assert!(c.stats().splits.load(std::sync::atomic::Ordering::Relaxed) > 0);

    // series and labels.
    let series = c
        .series(
            &["nodejs_heap_size_used_bytes".to_string()],
            START as f64,
            END as f64,
        )
        .await
        .unwrap();
    assert_eq!(series.len(), 2);
    let labels = c.labels(&[]).await.unwrap();
    assert!(labels.contains(&"instance".to_string()), "{labels:?}");

    // An instant query gives a vector.
    let v = c
        .query("nodejs_heap_size_used_bytes", Some((END - 15) as f64))
        .await
        .unwrap();
    assert_eq!(v.result_type, "vector");
    assert_eq!(v.series.len(), 2);
}

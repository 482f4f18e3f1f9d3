//! The client against a real VictoriaMetrics (Debian's `victoria-metrics`), loaded
//! through its import API and queried through its Prometheus-compatible API.

#[path = "support/prom_servers.rs"]
mod prom_servers;

use memgrowth::prom::{Backend, PromClient, PromConfig};
use prom_servers::{SynthSeries, start_victoria};

const DAY: i64 = 86_400;
const END: i64 = 1_767_225_600;
const START: i64 = END - 10 * DAY;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn victoria_metrics_answers_long_ranges_exactly() {
    let want = vec![
        SynthSeries::linear(
            "container_memory_rss",
            &[("instance", "10.0.0.5:8080"), ("name", "api")],
            START,
            END,
            15,
            100_000_000.0,
            4.0,
        ),
        SynthSeries::linear(
            "container_memory_rss",
            &[("instance", "10.0.0.7:8080"), ("name", "api")],
            START,
            END,
            15,
            200_000_000.0,
            1.0,
        ),
    ];
    let server = start_victoria(&want, &[]);
    let mut config = PromConfig::new(&server.url(), None).unwrap();
    config.backend = Backend::VictoriaMetrics;
    config.concurrency = 4;
    let client = PromClient::new(&config).unwrap();

    // 10 days at 15 s: 57,600 points per series, beyond VictoriaMetrics' 30,000.
    let end = (END - 15) as f64;
    let plan = client.plan(START as f64, end, 15.0).unwrap();
    assert_eq!(plan.chunks.len(), 2);
    let result = client
        .query_range("container_memory_rss", START as f64, end, 15.0)
        .await
        .unwrap();
    assert_eq!(result.series.len(), 2);
    for w in &want {
        let instance = &w.labels[0].1;
        let got = result
            .series
            .iter()
            .find(|s| s.labels.get("instance") == Some(instance))
            .unwrap_or_else(|| panic!("no series for {instance}"));
        assert_eq!(got.metric_name(), "container_memory_rss");
        let want_t: Vec<i64> = w.samples.iter().map(|(t, _)| t * 1000).collect();
        let want_v: Vec<f64> = w.samples.iter().map(|(_, v)| *v).collect();
        assert_eq!(
            got.timestamps_ms.len(),
            want_t.len(),
            "{instance}: sample count"
        );
        assert!(got.timestamps_ms == want_t, "{instance}: timestamps differ");
        assert!(got.values == want_v, "{instance}: values differ");
    }

    // Planned past VictoriaMetrics' limit: its "cannot select more than" makes the client split.
    let mut config = PromConfig::new(&server.url(), None).unwrap();
    config.backend = Backend::Custom { max_points: 60_000 };
    let client = PromClient::new(&config).unwrap();
    let result = client
        .query_range("container_memory_rss", START as f64, end, 15.0)
        .await
        .unwrap();
    assert_eq!(result.series[0].len(), want[0].samples.len());
    assert!(
        client
            .stats()
            .splits
            .load(std::sync::atomic::Ordering::Relaxed)
            > 0
    );

    let series = client
        .series(
            &["container_memory_rss".to_string()],
            START as f64,
            END as f64,
        )
        .await
        .unwrap();
    assert_eq!(series.len(), 2);
}

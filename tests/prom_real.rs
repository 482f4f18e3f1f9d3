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

/// Two hosts of the subject (one without cAdvisor, one with a scrape gap) and a third
/// host that belongs to another service.
fn fleet(start: i64, end: i64) -> Vec<SynthSeries> {
    let mut out = Vec::new();
    for (host, base) in [("10.0.0.5", 1.0), ("10.0.0.7", 2.0)] {
        let app = format!("{host}:3000");
        let labels = [("instance", app.as_str()), ("job", "api")];
        out.push(SynthSeries::linear(
            "nodejs_heap_size_used_bytes",
            &labels,
            start,
            end,
            15,
            base * 5e7,
            1.0,
        ));
        out.push(SynthSeries::linear(
            "process_resident_memory_bytes",
            &labels,
            start,
            end,
            15,
            base * 1e8,
            2.0,
        ));
        let node = format!("{host}:9100");
        out.push(SynthSeries::linear(
            "node_memory_MemTotal_bytes",
            &[("instance", node.as_str()), ("job", "node")],
            start,
            end,
            15,
            8e9,
            0.0,
        ));
        for cpu in ["0", "1", "2", "3"] {
            out.push(SynthSeries::linear(
                "node_cpu_seconds_total",
                &[
                    ("cpu", cpu),
                    ("instance", node.as_str()),
                    ("job", "node"),
                    ("mode", "idle"),
                ],
                start,
                end,
                15,
                0.0,
                15.0,
            ));
        }
    }
    out.push(SynthSeries::linear(
        "container_memory_rss",
        &[("instance", "10.0.0.5:8080"), ("name", "api")],
        start,
        end,
        15,
        9e7,
        1.0,
    ));
    out.push(SynthSeries::linear(
        "container_memory_cache",
        &[("instance", "10.0.0.5:8080"), ("name", "api")],
        start,
        end,
        15,
        3e7,
        5.0,
    ));
    out.push(SynthSeries::linear(
        "node_memory_MemTotal_bytes",
        &[("instance", "10.0.0.9:9100"), ("job", "node")],
        start,
        end,
        15,
        16e9,
        0.0,
    ));
    out.push(SynthSeries::linear(
        "nodejs_heap_size_used_bytes",
        &[("instance", "10.0.0.9:3000"), ("job", "other")],
        start,
        end,
        15,
        1e7,
        0.0,
    ));
    // A two-hour scrape gap in the heap of 10.0.0.7, one day in.
    let gap = (start + DAY, start + DAY + 7_200);
    for s in &mut out {
        if s.name == "nodejs_heap_size_used_bytes" && s.labels[0].1 == "10.0.0.7:3000" {
            s.samples.retain(|(t, _)| *t < gap.0 || *t >= gap.1);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_series_and_discover_cover_the_subject_only() {
    use memgrowth::catalog::Catalog;
    use memgrowth::kind::Kind;
    use memgrowth::matcher::Selector;
    use memgrowth::prom::{FetchWindow, discover, fetch_series};
    use memgrowth::subject::Subject;

    let start = END - 3 * DAY;
    let server = start_prometheus(&fleet(start, END), &[]);
    let c = client(&server.url(), Backend::Prometheus);
    let subject = Subject {
        app: Some(Selector::parse(r#"job="api""#).unwrap()),
        ..Subject::default()
    };
    let catalog = Catalog::default();
    let window = FetchWindow {
        start: start as f64,
        end: (END - 15) as f64,
        step: 60.0,
    };
    let (series, info) = fetch_series(&c, &catalog, &subject, window, false)
        .await
        .unwrap();
    assert_eq!(info.kind, "prometheus");
    assert_eq!(info.series, series.len());
    assert!(info.warnings.is_empty(), "{:?}", info.warnings);
    let hosts: std::collections::BTreeSet<String> =
        series.iter().map(|s| subject.host_of(&s.labels)).collect();
    assert_eq!(
        hosts.into_iter().collect::<Vec<_>>(),
        vec!["10.0.0.5", "10.0.0.7"]
    );
    let cpus: Vec<_> = series
        .iter()
        .filter(|s| s.metric_name() == "memgrowth:host_cpus")
        .collect();
    assert_eq!(cpus.len(), 2);
    assert!(cpus.iter().all(|s| s.values.iter().all(|v| *v == 4.0)));
    let rss = series
        .iter()
        .find(|s| s.metric_name() == "container_memory_rss")
        .expect("cAdvisor rss of 10.0.0.5");
    assert_eq!(rss.len(), (3 * DAY / 60) as usize);
    // Every fetched series classifies into a kind.
    assert!(series.iter().all(|s| catalog.classify(&s.labels).is_some()));

    let queries = memgrowth::prom::plan_queries(&c, &catalog, &subject, start as f64, END as f64)
        .await
        .unwrap();
    let step = memgrowth::prom::choose_step(&c, &queries, start as f64, (END - 15) as f64).await;
    assert_eq!(
        step, 30.0,
        "3 days at a 15 s scrape interval, at most 10,000 points"
    );

    let report = discover(&c, &catalog, &subject, start as f64, (END - 15) as f64)
        .await
        .unwrap();
    let hosts: Vec<&str> = report.hosts.iter().map(|h| h.host.as_str()).collect();
    assert_eq!(hosts, vec!["10.0.0.5", "10.0.0.7"]);
    let (a, b) = (&report.hosts[0], &report.hosts[1]);
    let kinds =
        |h: &memgrowth::prom::HostDiscovery| h.kinds.iter().map(|k| k.kind).collect::<Vec<_>>();
    assert!(kinds(a).contains(&Kind::CgroupCache) && !kinds(b).contains(&Kind::CgroupCache));
    assert!(
        b.missing.iter().any(|m| m.cost.contains(
            "no cAdvisor series for host 10.0.0.7: page cache cannot be told from a leak"
        )),
        "{:?}",
        b.missing
    );
    let heap_b = b.kinds.iter().find(|k| k.kind == Kind::HeapUsed).unwrap();
    assert_eq!(heap_b.scrape_interval_seconds, Some(15.0));
    assert_eq!(heap_b.gaps.len(), 1, "{:?}", heap_b.gaps);
    let g = heap_b.gaps[0];
    assert!(
        g.start >= (start + DAY) as f64 && g.end < (start + DAY + 7_200) as f64,
        "{g:?}"
    );
    assert!(heap_b.coverage < 1.0 && heap_b.coverage > 0.95);
    let heap_a = a.kinds.iter().find(|k| k.kind == Kind::HeapUsed).unwrap();
    assert_eq!(heap_a.coverage, 1.0);
    assert!(
        report
            .missing_everywhere
            .iter()
            .any(|m| m.kinds == vec![Kind::CgroupLimit])
    );
}

/// The seed's two-host scenario, backfilled into a real Prometheus and fetched live for
/// its subject, gives the same series, sample for sample, as the offline fixture: the
/// ground for live and offline diagnoses being identical.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_fetch_of_a_synthetic_scenario_equals_the_offline_series() {
    use memgrowth::catalog::Catalog;
    use memgrowth::matcher::Selector;
    use memgrowth::prom::{FetchWindow, fetch_series};
    use memgrowth::subject::Subject;
    use memgrowth::synth::{ScenarioKind, fixture_params, generate};

    let params = fixture_params(ScenarioKind::OtlTwoHosts);
    let scenario = generate(ScenarioKind::OtlTwoHosts, &params);
    let step = params.step_s;
    // Lookback shorter than the step: an evaluation point inside a scrape gap stays empty,
    // as in the offline fixture, instead of repeating the last sample.
    let lookback = format!("--query.lookback-delta={}s", step - 1);
    let server = prom_servers::start_prometheus_raw(&scenario.series, &[&lookback]);
    let c = client(&server.url(), Backend::Prometheus);
    let subject = Subject {
        app: Some(Selector::parse(&format!("job=\"{}\"", params.service)).unwrap()),
        container: Some(Selector::parse(&format!("name=\"{}\"", params.service)).unwrap()),
        ..Subject::default()
    };
    let start = params.start_unix_s as f64;
    let window = FetchWindow {
        start,
        end: start + params.duration_s as f64,
        step: step as f64,
    };
    let catalog = Catalog::default();
    let (live, info) = fetch_series(&c, &catalog, &subject, window, false)
        .await
        .unwrap();
    assert!(info.warnings.is_empty(), "{:?}", info.warnings);

    let mut compared = 0;
    for s in &scenario.series {
        if catalog.classify(&s.labels).is_none() || catalog.is_cpu_counter(s.metric_name()) {
            continue;
        }
        let kind = catalog.classify(&s.labels).unwrap().0;
        let selected = match kind.scope() {
            memgrowth::kind::Scope::App => subject.app.as_ref().unwrap().matches(&s.labels),
            memgrowth::kind::Scope::Container => {
                subject.container.as_ref().unwrap().matches(&s.labels)
            }
            _ => true,
        };
        let primary = catalog.promql(kind, &Selector::all());
        let Some(l) = live.iter().find(|l| l.labels == s.labels) else {
            // Only series outside the subject, or of a kind's secondary metric names
            // (the live fetch reads each kind from its primary name), may be absent.
            assert!(
                !selected || !primary.starts_with(s.metric_name()),
                "{:?} was not fetched",
                s.labels
            );
            continue;
        };
        assert!(selected, "{:?} is outside the subject", s.labels);
        let finite = |x: &memgrowth::series::RawSeries| -> Vec<(i64, u64)> {
            x.timestamps_ms
                .iter()
                .zip(&x.values)
                .filter(|(_, v)| !v.is_nan())
                .map(|(t, v)| (*t, v.to_bits()))
                .collect()
        };
        assert_eq!(finite(l), finite(s), "{:?}", s.labels);
        compared += 1;
    }
    assert!(compared >= 20, "only {compared} series compared");
    // CPUs come back counted per host, tagged with their kind.
    let cpus: Vec<_> = live
        .iter()
        .filter(|s| s.metric_name() == "memgrowth:host_cpus")
        .collect();
    assert_eq!(cpus.len(), params.hosts.len());
}

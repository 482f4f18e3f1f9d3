//! The client against a fault-injecting server: every fault is retried or reported with
//! a clear message, and what was fetched is complete and exact.

#[path = "support/prom_fault_server.rs"]
mod prom_fault_server;

use memgrowth::prom::{
    Auth, Backend, ExtraHeader, PromClient, PromConfig, PromError, RetryPolicy, Secret,
};
use prom_fault_server::{Fault, FaultServer};
use std::time::Duration;

fn config(url: &str) -> PromConfig {
    let mut c = PromConfig::new(url, None).unwrap();
    c.retry = RetryPolicy {
        max_attempts: 6,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(2),
    };
    c.request_timeout = Duration::from_secs(5);
    c.concurrency = 1;
    c
}

/// Checks a stitched answer of the fault server: value = t (and 2t) at every step.
fn assert_complete(result: &memgrowth::prom::RangeResult, start: i64, end: i64, step: i64) {
    assert_eq!(result.series.len(), 2);
    let want_t: Vec<i64> = (0..)
        .map(|i| (start + i * step) * 1000)
        .take_while(|t| *t <= end * 1000)
        .collect();
    for (s, factor) in result.series.iter().zip([1.0, 2.0]) {
        assert_eq!(s.timestamps_ms, want_t, "{:?}", s.labels);
        for (t, v) in s.timestamps_ms.iter().zip(&s.values) {
            assert_eq!(*v, factor * (*t as f64 / 1000.0));
        }
    }
}

#[tokio::test]
async fn storms_of_429_and_503_with_retry_after_are_ridden_out() {
    let server = FaultServer::start(vec![
        Fault::status(429, Some("1")),
        Fault::status(503, Some("0")),
        Fault::html(502),
        Fault::status(429, None),
        Fault::status(503, None),
    ])
    .await;
    let client = PromClient::new(&config(&server.url())).unwrap();
    let result = client.query_range("m", 1000.0, 1600.0, 15.0).await.unwrap();
    assert_complete(&result, 990, 1590, 15);
    assert_eq!(server.seen().len(), 6);
    // Retry-After: 1 was honoured (a lower bound, never an upper one).
    let waited = client
        .stats()
        .retry_wait_ms
        .load(std::sync::atomic::Ordering::Relaxed);
    assert!(waited >= 1000, "waited {waited} ms");
}

#[tokio::test]
async fn stalls_resets_and_truncated_bodies_are_retried() {
    let server = FaultServer::start(vec![
        Fault::Stall(Duration::from_secs(10)),
        Fault::ResetMidBody,
        Fault::TruncatedJson,
    ])
    .await;
    let mut c = config(&server.url());
    c.request_timeout = Duration::from_secs(2);
    let client = PromClient::new(&c).unwrap();
    let result = client.query_range("m", 0.0, 3000.0, 30.0).await.unwrap();
    assert_complete(&result, 0, 3000, 30);
    assert_eq!(server.seen().len(), 4);
    assert_eq!(
        client
            .stats()
            .retries
            .load(std::sync::atomic::Ordering::Relaxed),
        3
    );
}

#[tokio::test]
async fn persistent_failures_are_reported_clearly() {
    let server = FaultServer::start(vec![]).await;
    server.always(Fault::html(503));
    let client = PromClient::new(&config(&server.url())).unwrap();
    let err = client.query_range("m", 0.0, 600.0, 15.0).await.unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, PromError::RetriesExhausted { attempts: 6, .. }),
        "{text}"
    );
    assert!(
        text.contains("503") && text.contains("Bad Gateway"),
        "{text}"
    );
    assert!(!text.contains("<h1>"), "{text}");
    assert_eq!(server.seen().len(), 6);
}

#[tokio::test]
async fn html_pages_and_wrong_content_types_are_not_retried() {
    // A login page or a UI at the wrong path answers 200 with HTML.
    let server = FaultServer::start(vec![]).await;
    server.always(Fault::Status {
        status: 200,
        content_type: "text/html",
        headers: vec![],
        body: "<html><body>Sign in</body></html>".into(),
    });
    let client = PromClient::new(&config(&server.url())).unwrap();
    let err = client.query_range("m", 0.0, 600.0, 15.0).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, PromError::NotJson { .. }), "{text}");
    assert!(
        text.contains("text/html") && text.contains("Sign in") && text.contains("prefix"),
        "{text}"
    );
    assert_eq!(server.seen().len(), 1);

    // JSON under a wrong content type is still read.
    let server = FaultServer::start(vec![]).await;
    let good = prom_fault_server::answer(
        "/api/v1/query_range",
        &[("start", "0"), ("end", "60"), ("step", "15")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    );
    server.always(Fault::Status {
        status: 200,
        content_type: "text/plain",
        headers: vec![],
        body: good,
    });
    let client = PromClient::new(&config(&server.url())).unwrap();
    let result = client.query_range("m", 0.0, 60.0, 15.0).await.unwrap();
    assert_complete(&result, 0, 60, 15);
}

#[tokio::test]
async fn api_errors_are_typed_and_resolution_errors_split() {
    let server = FaultServer::start(vec![Fault::api_error(
        422,
        "execution",
        "expanding series: out of memory",
    )])
    .await;
    let client = PromClient::new(&config(&server.url())).unwrap();
    let err = client.query_range("m", 0.0, 600.0, 15.0).await.unwrap_err();
    assert!(err.to_string().contains("execution"), "{err}");
    assert_eq!(server.seen().len(), 1);

    // "exceeded maximum resolution" twice: the chunk is halved, then halved again.
    let server = FaultServer::start(vec![
        Fault::api_error(
            400,
            "bad_data",
            "exceeded maximum resolution of 11,000 points per timeseries",
        ),
        Fault::api_error(
            400,
            "bad_data",
            "exceeded maximum resolution of 11,000 points per timeseries",
        ),
    ])
    .await;
    let client = PromClient::new(&config(&server.url())).unwrap();
    let result = client.query_range("m", 0.0, 6000.0, 15.0).await.unwrap();
    assert_complete(&result, 0, 6000, 15);
    assert_eq!(
        client
            .stats()
            .splits
            .load(std::sync::atomic::Ordering::Relaxed),
        2
    );
}

#[tokio::test]
async fn many_chunks_survive_faults_without_loss_or_duplicates() {
    let server = FaultServer::start(vec![
        Fault::status(503, None),
        Fault::ResetMidBody,
        Fault::status(429, Some("0")),
        Fault::TruncatedJson,
        Fault::html(502),
    ])
    .await;
    let mut c = config(&server.url());
    c.concurrency = 4;
    c.backend = Backend::Custom { max_points: 100 };
    let client = PromClient::new(&c).unwrap();
    let result = client
        .query_range("m", 0.0, 15.0 * 2_000.0, 15.0)
        .await
        .unwrap();
    assert_complete(&result, 0, 30_000, 15);
    assert_eq!(server.seen().len(), 21 + 5);
}

#[tokio::test]
async fn credentials_tenant_headers_and_prefix_reach_the_server_but_no_message() {
    let server = FaultServer::start(vec![]).await;
    server.always(Fault::status(401, None));
    let mut c = config(&format!("{}/prometheus", server.url()));
    c.auth = Auth::Bearer(Secret::new("tok-123"));
    c.tenant = Some("team-a".into());
    c.headers = vec![ExtraHeader::parse("X-Api-Key: key-456").unwrap()];
    let client = PromClient::new(&c).unwrap();
    let err = client.query_range("m", 0.0, 60.0, 15.0).await.unwrap_err();
    let text = format!("{err} {err:?} {client:?} {c:?}");
    assert!(
        !text.contains("tok-123") && !text.contains("key-456"),
        "{text}"
    );
    let seen = server.seen();
    assert_eq!(seen.len(), 1, "401 is not retried");
    let r = &seen[0];
    assert_eq!(r.path, "/prometheus/api/v1/query_range");
    assert_eq!(
        r.headers.get("authorization").map(String::as_str),
        Some("Bearer tok-123")
    );
    assert_eq!(
        r.headers.get("x-scope-orgid").map(String::as_str),
        Some("team-a")
    );
    assert_eq!(
        r.headers.get("x-api-key").map(String::as_str),
        Some("key-456")
    );
}

#[tokio::test]
async fn long_queries_are_posted_as_forms() {
    let server = FaultServer::start(vec![]).await;
    let client = PromClient::new(&config(&server.url())).unwrap();
    let long = format!(
        "m{{instance=~\"{}\"}}",
        vec!["10\\\\.0\\\\.0\\\\.1:3000"; 400].join("|")
    );
    let result = client.query_range(&long, 0.0, 60.0, 15.0).await.unwrap();
    assert_complete(&result, 0, 60, 15);
    let seen = server.seen();
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].params.get("query"), Some(&long));
    client.query_range("m", 0.0, 60.0, 15.0).await.unwrap();
    assert_eq!(server.seen()[1].method, "GET");
}

#[tokio::test]
async fn an_interrupted_bundle_fetch_keeps_its_chunks_and_resumes() {
    use memgrowth::kind::Kind;
    use memgrowth::prom::{FetchError, FetchWindow, KindQuery, fetch_queries_to_bundle};
    use memgrowth::subject::Subject;

    let server = FaultServer::start(vec![Fault::Ok, Fault::Ok, Fault::Ok]).await;
    server.always(Fault::status(503, None));
    let mut c = config(&server.url());
    c.backend = Backend::Custom { max_points: 100 };
    c.retry.max_attempts = 2;
    let client = PromClient::new(&c).unwrap();
    let queries = vec![
        KindQuery {
            kind: Kind::HeapUsed,
            promql: "nodejs_heap_size_used_bytes".into(),
        },
        KindQuery {
            kind: Kind::HostCpus,
            promql: "count by (instance) (x)".into(),
        },
    ];
    let window = FetchWindow {
        start: 0.0,
        end: 15.0 * 999.0,
        step: 15.0,
    };
    let dir = tempfile::tempdir().unwrap();
    let subject = Subject::default();

    let err = fetch_queries_to_bundle(&client, &queries, &subject, window, dir.path(), false)
        .await
        .unwrap_err();
    match &err {
        FetchError::Incomplete { written, total, .. } => {
            assert_eq!(*written, 3);
            assert_eq!(*total, 20);
        }
        other => panic!("{other}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("run the same command again") && text.contains("503"),
        "{text}"
    );
    // An incomplete bundle is never read as complete.
    assert!(memgrowth::input::bundle::read(dir.path()).is_err());

    server.heal();
    let before = server.seen().len();
    let summary = fetch_queries_to_bundle(&client, &queries, &subject, window, dir.path(), false)
        .await
        .unwrap();
    assert_eq!(summary.chunks_resumed, 3);
    assert_eq!(summary.chunks_fetched, 17);
    assert_eq!(
        server.seen().len() - before,
        17,
        "finished chunks are not fetched again"
    );
    assert!(summary.manifest.complete);

    let (series, _) = memgrowth::input::bundle::read(dir.path()).unwrap();
    // The fault server answers each query with two hosts' series of the metric it names.
    assert_eq!(series.len(), 4);
    let want_t: Vec<i64> = (0..1000).map(|i| i * 15_000).collect();
    for s in &series {
        assert_eq!(s.timestamps_ms, want_t, "{:?}", s.labels);
    }
}

#[tokio::test]
async fn server_warnings_reach_the_result() {
    let server = FaultServer::start(vec![]).await;
    server.always(Fault::Status {
        status: 200,
        content_type: "application/json",
        headers: vec![],
        body: r#"{"status":"success","warnings":["partial response: store 10.0.0.9 unreachable"],"data":{"resultType":"matrix","result":[]}}"#.into(),
    });
    let mut c = config(&server.url());
    c.backend = Backend::Custom { max_points: 10 };
    let client = PromClient::new(&c).unwrap();
    let result = client.query_range("m", 0.0, 600.0, 15.0).await.unwrap();
    // Five chunks, one distinct warning.
    assert_eq!(
        result.warnings,
        vec!["partial response: store 10.0.0.9 unreachable"]
    );
    let queries = vec![memgrowth::prom::KindQuery {
        kind: memgrowth::kind::Kind::HeapUsed,
        promql: "m".into(),
    }];
    let window = memgrowth::prom::FetchWindow {
        start: 0.0,
        end: 600.0,
        step: 15.0,
    };
    let (_, info) = memgrowth::prom::fetch_queries(&client, &queries, window, false)
        .await
        .unwrap();
    assert_eq!(
        info.warnings,
        vec!["heap_used: partial response: store 10.0.0.9 unreachable"]
    );
}

#[tokio::test]
async fn unreachable_servers_and_bad_tls_settings_are_reported_clearly() {
    // Nothing listens on a port just released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut c = config(&format!("http://127.0.0.1:{port}"));
    c.retry.max_attempts = 2;
    let client = PromClient::new(&c).unwrap();
    let err = client.query_range("m", 0.0, 60.0, 15.0).await.unwrap_err();
    let text = err.to_string();
    // Refused is final: no retry storm against a server that is down.
    assert!(
        !text.contains("gave up after")
            && text.contains("cannot reach")
            && text.contains("nothing listens there"),
        "{text}"
    );

    let dir = tempfile::tempdir().unwrap();
    let not_pem = dir.path().join("ca.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    let mut c = config("https://127.0.0.1:1");
    c.ca_cert = Some(not_pem);
    let err = PromClient::new(&c).unwrap_err().to_string();
    assert!(
        err.contains("CA certificate") && err.contains("ca.pem"),
        "{err}"
    );
}

#[tokio::test]
async fn a_chunk_that_times_out_on_every_retry_is_halved() {
    let server = FaultServer::start(vec![
        Fault::Stall(Duration::from_secs(5)),
        Fault::Stall(Duration::from_secs(5)),
    ])
    .await;
    let mut c = config(&server.url());
    c.request_timeout = Duration::from_secs(1);
    c.retry.max_attempts = 2;
    let client = PromClient::new(&c).unwrap();
    let result = client.query_range("m", 0.0, 3000.0, 15.0).await.unwrap();
    assert_complete(&result, 0, 3000, 15);
    assert_eq!(
        client
            .stats()
            .splits
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
    assert_eq!(server.seen().len(), 4);
}

//! Evidence that can be cited: the manifest keeps the sha256 of every data file and
//! every warning the fetch met, and `memgrowth verify` checks an intact, a modified and
//! an incomplete bundle.

use super::prom_fault_server::{Fault, FaultServer};
use super::util::memgrowth;
use memgrowth::input::bundle::{Manifest, read_manifest_file};
use memgrowth::kind::Kind;
use memgrowth::prom::{
    Backend, FetchWindow, KindQuery, PromClient, PromConfig, RetryPolicy, fetch_queries_to_bundle,
};
use memgrowth::subject::Subject;
use predicates::prelude::*;
use std::path::Path;
use std::time::Duration;

fn client(url: &str, max_attempts: u32) -> PromClient {
    let mut c = PromConfig::new(url, None).expect("config");
    c.retry = RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(1),
    };
    c.request_timeout = Duration::from_secs(5);
    c.concurrency = 1;
    c.backend = Backend::Custom { max_points: 100 };
    PromClient::new(&c).expect("client")
}

fn queries() -> Vec<KindQuery> {
    vec![KindQuery {
        kind: Kind::HeapUsed,
        promql: "nodejs_heap_size_used_bytes{job=\"api\"}".into(),
    }]
}

/// 1000 points at a 15 s step: 10 chunks of at most 100 points.
const WINDOW: FetchWindow = FetchWindow {
    start: 0.0,
    end: 15.0 * 999.0,
    step: 15.0,
};

/// `sha256sum FILE`, the independent check.
fn sha256sum(path: &Path) -> String {
    let out = std::process::Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("run sha256sum");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .expect("a digest")
        .to_string()
}

fn manifest(dir: &Path) -> Manifest {
    read_manifest_file(dir).expect("manifest")
}

fn verify(dir: &Path) -> assert_cmd::assert::Assert {
    memgrowth()
        .args(["verify", dir.to_str().expect("utf-8 path")])
        .assert()
}

#[tokio::test]
async fn the_manifest_keeps_checksums_queries_and_every_warning_met() {
    let server = FaultServer::start(vec![
        Fault::status(503, None),
        Fault::api_error(422, "execution", "exceeded maximum resolution of 11,000 points"),
        Fault::Status {
            status: 200,
            content_type: "application/json",
            headers: Vec::new(),
            body: r#"{"status":"success","warnings":["partial response: store 10.0.0.9 unreachable"],"data":{"resultType":"matrix","result":[]}}"#.into(),
        },
    ])
    .await;
    let client = client(&server.url(), 3);
    let dir = tempfile::tempdir().expect("tempdir");
    let summary = fetch_queries_to_bundle(
        &client,
        &queries(),
        &Subject::default(),
        WINDOW,
        dir.path(),
        false,
    )
    .await
    .expect("fetch");
    let m = summary.manifest;
    assert!(m.complete);
    assert_eq!(
        m.queries[0].promql,
        "nodejs_heap_size_used_bytes{job=\"api\"}"
    );
    let file = &m.files[0];
    assert_eq!(
        file.sha256.as_deref(),
        Some(sha256sum(&dir.path().join(&file.path)).as_str())
    );
    let kinds: Vec<&str> = m.warnings.iter().map(|w| w.kind.as_str()).collect();
    for kind in ["retried", "halved", "server"] {
        assert!(
            kinds.contains(&kind),
            "no {kind} warning in {:?}",
            m.warnings
        );
    }
    let retried = m
        .warnings
        .iter()
        .find(|w| w.kind == "retried")
        .expect("retried");
    assert!(retried.message.contains("503"), "{retried:?}");
    assert!(retried.chunk.is_some());
    let server_warning = m
        .warnings
        .iter()
        .find(|w| w.kind == "server")
        .expect("server");
    assert!(
        server_warning
            .message
            .contains("store 10.0.0.9 unreachable")
    );
    // What is on disk is what was returned.
    assert_eq!(manifest(dir.path()), m);

    verify(dir.path()).code(0).stdout(
        predicate::str::starts_with("OK: the bundle is complete")
            .and(predicate::str::contains(sha256sum(
                &dir.path().join("manifest.json"),
            )))
            .and(predicate::str::contains("partial response"))
            .and(predicate::str::contains(
                "nodejs_heap_size_used_bytes{job=\"api\"}",
            )),
    );

    // One byte changed, the length kept: verify and every reader notice.
    let data = dir.path().join(&file.path);
    let mut bytes = std::fs::read(&data).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&data, &bytes).expect("write");
    verify(dir.path()).code(1).stdout(
        predicate::str::starts_with("FAILED: 1 of 1 files do not match the manifest")
            .and(predicate::str::contains("CHANGED: sha256")),
    );
    memgrowth()
        .args(["diagnose", "--input", dir.path().to_str().expect("utf-8")])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("sha256").and(predicate::str::contains("was changed")));
    std::fs::remove_file(&data).expect("remove");
    verify(dir.path())
        .code(1)
        .stdout(predicate::str::contains("MISSING"));
}

#[tokio::test]
async fn an_incomplete_bundle_fails_verify_and_keeps_its_failures_once_resumed() {
    let server = FaultServer::start(vec![Fault::Ok, Fault::Ok, Fault::Ok]).await;
    server.always(Fault::status(503, None));
    let client = client(&server.url(), 2);
    let dir = tempfile::tempdir().expect("tempdir");
    let subject = Subject::default();
    assert!(
        fetch_queries_to_bundle(&client, &queries(), &subject, WINDOW, dir.path(), false)
            .await
            .is_err()
    );
    let m = manifest(dir.path());
    assert!(!m.complete);
    let failed = m.warnings.iter().filter(|w| w.kind == "failed").count();
    assert_eq!(failed, 7, "{:?}", m.warnings);
    let written: Vec<_> = m.chunks.iter().filter(|c| c.is_done()).collect();
    assert_eq!(written.len(), 3);
    for c in &written {
        let file = dir.path().join(c.file.as_deref().expect("file"));
        assert_eq!(c.sha256.as_deref(), Some(sha256sum(&file).as_str()));
    }
    verify(dir.path()).code(1).stdout(
        predicate::str::starts_with("INCOMPLETE: 3 of 10 chunks fetched")
            .and(predicate::str::contains("memgrowth fetch")),
    );

    server.heal();
    fetch_queries_to_bundle(&client, &queries(), &subject, WINDOW, dir.path(), false)
        .await
        .expect("resumed");
    let m = manifest(dir.path());
    assert!(m.complete);
    assert_eq!(
        m.warnings.iter().filter(|w| w.kind == "failed").count(),
        7,
        "the first run's failures stay on record"
    );
    verify(dir.path()).code(0);
}

#[test]
fn verify_without_a_manifest_exits_3() {
    let dir = tempfile::tempdir().expect("tempdir");
    memgrowth()
        .args(["verify", dir.path().to_str().expect("utf-8")])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("manifest.json"));
}

//! Faults a user meets during an incident, through the command line: a report write
//! killed half-way, a refused connection, a name that does not resolve, TLS spoken to a
//! plain-HTTP port, a server that accepts and never answers, a 5xx on one chunk of many,
//! a partial answer with warnings. Each has one defined outcome, asserted here.

#[path = "support/prom_fault_server.rs"]
mod prom_fault_server;

use prom_fault_server::{Fault, FaultServer};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

fn memgrowth() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_memgrowth"));
    cmd.env_remove("PROMETHEUS_URL")
        .env_remove("MEMGROWTH_BEARER_TOKEN")
        .env("NO_COLOR", "1");
    cmd
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Every file under `dir`, by relative path, with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("read a report file");
                files.insert(path.strip_prefix(dir).unwrap().to_path_buf(), bytes);
            }
        }
    }
    files
}

fn write_report(input: &str, out: &Path) {
    let status = memgrowth()
        .args(["diagnose", "--input", input, "--format", "json", "--out"])
        .arg(out)
        .stdout(Stdio::null())
        .status()
        .expect("run memgrowth");
    assert!(status.success(), "diagnose --input {input} failed");
}

#[test]
fn a_killed_report_write_leaves_the_old_report_or_the_new_one() {
    let work = tempfile::tempdir().unwrap();
    let old_ref = work.path().join("old-ref");
    let new_ref = work.path().join("new-ref");
    write_report("fixtures/leak", &old_ref);
    let started = Instant::now();
    write_report("fixtures/otl-two-hosts", &new_ref);
    let full_run = started.elapsed();
    let (old, new) = (snapshot(&old_ref), snapshot(&new_ref));
    assert_ne!(old, new);

    let out = work.path().join("reports").join("otl");
    let mut seen_old = 0;
    let mut seen_new = 0;
    for k in 1..=6u32 {
        if snapshot(&out) != old {
            write_report("fixtures/leak", &out);
        }
        // Note files of the user's own survive every replacement.
        std::fs::write(out.join("NOTES.txt"), b"mine").unwrap();
        let mut child = memgrowth()
            .args([
                "diagnose",
                "--input",
                "fixtures/otl-two-hosts",
                "--format",
                "json",
            ])
            .arg("--out")
            .arg(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start memgrowth");
        std::thread::sleep(full_run * k / 7);
        let _ = child.kill();
        let _ = child.wait();
        let mut now = snapshot(&out);
        assert_eq!(
            now.remove(Path::new("NOTES.txt")).as_deref(),
            Some(&b"mine"[..])
        );
        if now == old {
            seen_old += 1;
        } else if now == new {
            seen_new += 1;
        } else {
            let differ: Vec<_> = now
                .keys()
                .chain(new.keys())
                .filter(|p| now.get(*p) != new.get(*p) && now.get(*p) != old.get(*p))
                .collect();
            panic!("killed after {k}/7 of a run: a mix of two reports; differing: {differ:?}");
        }
    }
    assert!(
        seen_old > 0,
        "no kill landed before the new report was in place"
    );
    // A finished run replaces the report and tidies what the killed runs left behind.
    write_report("fixtures/otl-two-hosts", &out);
    let mut now = snapshot(&out);
    now.remove(Path::new("NOTES.txt"));
    assert_eq!(now, new);
    let leftovers: Vec<_> = std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "otl")
        .collect();
    assert!(
        leftovers.is_empty(),
        "left behind: {leftovers:?} ({seen_new} kills came too late)"
    );
}

#[test]
fn a_report_directory_that_is_a_file_is_refused() {
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("report");
    std::fs::write(&file, b"a file").unwrap();
    let out = memgrowth()
        .args([
            "diagnose",
            "--input",
            "fixtures/leak",
            "--format",
            "json",
            "--out",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(
        err.contains("report") && err.contains("not a directory"),
        "{err}"
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"a file");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn a_refused_connection_fails_at_once_without_retries() {
    let port = free_port();
    let out = memgrowth()
        .args(["diagnose", "--range", "1h", "--prometheus"])
        .arg(format!("http://127.0.0.1:{port}"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
    assert!(err.contains("nothing listens there"), "{err}");
    assert!(
        !err.contains("gave up after"),
        "a refused connection was retried: {err}"
    );
}

/// A loopback server that answers anything with a plain-HTTP 400, counting connections.
fn plain_http_server() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            seen.fetch_add(1, Ordering::SeqCst);
            let mut stream = stream;
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    (port, count)
}

#[test]
fn tls_to_a_plain_http_port_fails_the_handshake_once_with_advice() {
    let (port, connections) = plain_http_server();
    let out = memgrowth()
        .args([
            "discover",
            "--range",
            "1h",
            "--format",
            "json",
            "--concurrency",
            "2",
            "--prometheus",
        ])
        .arg(format!("https://127.0.0.1:{port}"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.contains("TLS handshake failed") && err.contains("http or https"),
        "{err}"
    );
    assert!(
        !err.contains("gave up after"),
        "a failed handshake was retried: {err}"
    );
    // The first failed handshake stops the rest: only the requests already in flight
    // (at most --concurrency) ever connect, each once.
    let connections = connections.load(Ordering::SeqCst);
    assert!(
        (1..=2).contains(&connections),
        "{connections} handshakes for 2 concurrent requests"
    );
}

#[test]
fn a_name_that_does_not_resolve_fails_at_once_with_advice() {
    // A private resolver configuration in a mount namespace: the lookup fails at
    // 127.0.0.1:53, where nothing listens, so no query leaves the machine.
    let work = tempfile::tempdir().unwrap();
    let resolv = work.path().join("resolv.conf");
    std::fs::write(
        &resolv,
        "nameserver 127.0.0.1\noptions attempts:1 timeout:1\n",
    )
    .unwrap();
    let script = format!(
        "mount --bind {} /etc/resolv.conf && exec \"$0\" \"$@\"",
        resolv.display()
    );
    let out = Command::new("unshare")
        .args([
            "--mount",
            "sh",
            "-c",
            &script,
            env!("CARGO_BIN_EXE_memgrowth"),
        ])
        .args([
            "diagnose",
            "--range",
            "1h",
            "--prometheus",
            "http://prometheus.invalid:9090",
        ])
        .env_remove("PROMETHEUS_URL")
        .output()
        .expect("unshare (util-linux) runs; the test suite runs as root");
    let err = stderr(&out);
    assert!(
        !err.contains("unshare:") && !err.contains("mount:"),
        "no private resolver: {err}"
    );
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("prometheus.invalid") && err.contains("does not resolve"),
        "{err}"
    );
    assert!(
        !err.contains("gave up after"),
        "a failed lookup was retried: {err}"
    );
}

#[test]
fn a_server_that_never_answers_times_out_with_advice() {
    // Accepts connections and never reads or writes.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = Arc::new(std::sync::Mutex::new(Vec::new()));
    let keep = held.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            keep.lock().unwrap().push(stream);
        }
    });
    let out = memgrowth()
        .args([
            "discover",
            "--range",
            "1h",
            "--format",
            "json",
            "--timeout",
            "1s",
        ])
        .arg("--prometheus")
        .arg(format!("http://127.0.0.1:{port}"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
    assert!(
        err.contains("did not answer within 1s") && err.contains("--timeout"),
        "{err}"
    );
}

/// The `start` parameter of the second chunk the client plans for `[0, end]`.
fn second_chunk_start(end: i64, step: i64, max_points: u64) -> String {
    let plan = memgrowth::prom::plan_range(0, end * 1000, step * 1000, max_points).unwrap();
    assert!(plan.chunks.len() > 2, "the window must take several chunks");
    (plan.chunks[1].start_ms / 1000).to_string()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

#[test]
fn a_5xx_on_one_chunk_of_many_fails_with_that_status_after_bounded_retries() {
    let rt = runtime();
    let server = rt.block_on(FaultServer::start(vec![]));
    // The second chunk of every range query always fails; every other chunk answers.
    let second = second_chunk_start(86_400, 15, 300);
    server.fail_when("start", &second, Fault::status(503, None));
    let out = memgrowth()
        .args([
            "diagnose", "--start", "0", "--end", "86400", "--step", "15s",
        ])
        .args(["--backend", "300", "--format", "json", "--prometheus"])
        .arg(server.url())
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("HTTP 503") && err.contains("gave up after"),
        "{err}"
    );
    let mut sent: BTreeMap<String, usize> = BTreeMap::new();
    for r in server.seen() {
        if r.params.get("start") == Some(&second) {
            *sent.entry(r.params["query"].clone()).or_default() += 1;
        }
    }
    assert!(!sent.is_empty(), "no request for the failing chunk");
    for (query, n) in &sent {
        assert!(
            (2..=6).contains(n),
            "the failing chunk of {query} was sent {n} times"
        );
    }
}

#[test]
fn a_partial_answer_with_warnings_is_analysed_and_the_warning_reported() {
    let rt = runtime();
    let server = rt.block_on(FaultServer::start(vec![]));
    server.warn_when(
        "start",
        &second_chunk_start(86_400, 60, 300),
        "partial response: store 10.0.0.9:10901 unreachable",
    );
    let out = memgrowth()
        .args(["fit", "--start", "0", "--end", "86400", "--step", "60s"])
        .args([
            "--backend",
            "300",
            "--format",
            "json",
            "--app",
            "job=\"m\"",
            "--prometheus",
        ])
        .arg(server.url())
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let warnings = report["source"]["warnings"].to_string();
    assert!(
        warnings.contains("store 10.0.0.9:10901 unreachable"),
        "{warnings}"
    );
    assert!(
        err.contains("store 10.0.0.9:10901 unreachable"),
        "stderr: {err}"
    );
}

//! Real servers for the Prometheus integration tests: a Prometheus whose TSDB is
//! backfilled with `promtool tsdb create-blocks-from openmetrics`, and a VictoriaMetrics
//! loaded through its import API. Both listen on a free loopback port and are killed
//! when dropped.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One synthetic series: labels (with `__name__`) and samples (Unix seconds, value).
pub struct SynthSeries {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub samples: Vec<(i64, f64)>,
}

impl SynthSeries {
    /// A gauge sampled every `interval` seconds from `start` (inclusive) to `end` (exclusive),
    /// with exactly representable values `base + i * slope`.
    pub fn linear(
        name: &str,
        labels: &[(&str, &str)],
        start: i64,
        end: i64,
        interval: i64,
        base: f64,
        slope: f64,
    ) -> Self {
        let samples = (0..)
            .map(|i| start + i * interval)
            .take_while(|t| *t < end)
            .enumerate()
            .map(|(i, t)| (t, base + i as f64 * slope))
            .collect();
        SynthSeries {
            name: name.to_string(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            samples,
        }
    }

    fn label_text(&self) -> String {
        let inner: Vec<String> = self
            .labels
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")))
            .collect();
        format!("{{{}}}", inner.join(","))
    }
}

/// OpenMetrics text for `promtool` (timestamps in seconds), families grouped.
pub fn openmetrics(series: &[SynthSeries]) -> String {
    let mut names: Vec<&str> = series.iter().map(|s| s.name.as_str()).collect();
    names.sort();
    names.dedup();
    let mut out = String::new();
    for name in names {
        out.push_str(&format!("# TYPE {name} gauge\n"));
        for s in series.iter().filter(|s| s.name == name) {
            let labels = s.label_text();
            for (t, v) in &s.samples {
                out.push_str(&format!("{name}{labels} {v} {t}\n"));
            }
        }
    }
    out.push_str("# EOF\n");
    out
}

/// Prometheus text exposition with millisecond timestamps (VictoriaMetrics import).
pub fn exposition_ms(series: &[SynthSeries]) -> String {
    let mut out = String::new();
    for s in series {
        let labels = s.label_text();
        for (t, v) in &s.samples {
            out.push_str(&format!("{}{labels} {v} {}\n", s.name, t * 1000));
        }
    }
    out
}

/// Fails with the instruction the brief gives when a binary is missing.
pub fn require(binary: &str) -> PathBuf {
    for dir in std::env::var("PATH").unwrap_or_default().split(':') {
        let path = Path::new(dir).join(binary);
        if path.is_file() {
            return path;
        }
    }
    panic!(
        "`{binary}` is not installed; run scripts/test.sh (it installs prometheus and victoria-metrics) or `apt-get install -y prometheus victoria-metrics`"
    );
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind a loopback port")
        .local_addr()
        .expect("local address")
        .port()
}

/// A minimal HTTP/1.1 request over loopback: (status, body).
pub fn http(port: u16, method: &str, path: &str, body: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body_at = text.find("\r\n\r\n").map(|i| i + 4).unwrap_or(raw.len());
    Ok((status, raw[body_at.min(raw.len())..].to_vec()))
}

/// A running server process, killed on drop.
pub struct Server {
    pub port: u16,
    child: Child,
    _dir: tempfile::TempDir,
    log: PathBuf,
}

impl Server {
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn wait_ready(&mut self, path: &str) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                panic!("the server exited ({status}) before it was ready:\n{log}");
            }
            if let Ok((200, _)) = http(self.port, "GET", path, b"") {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        panic!("the server was not ready within 120 s:\n{log}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a real Prometheus over a TSDB backfilled from `series`. `extra_args` are
/// appended to the command line (e.g. `--query.max-samples=1000`).
pub fn start_prometheus(series: &[SynthSeries], extra_args: &[&str]) -> Server {
    let text = openmetrics(series);
    start_prometheus_from(
        |path| std::fs::write(path, &text).expect("write OpenMetrics"),
        extra_args,
    )
}

/// Starts a real Prometheus over a TSDB backfilled from crate series (e.g. the synthetic
/// fixtures), written by `memgrowth::synth::write_openmetrics_file`.
pub fn start_prometheus_raw(
    series: &[memgrowth::series::RawSeries],
    extra_args: &[&str],
) -> Server {
    start_prometheus_from(
        |path| memgrowth::synth::write_openmetrics_file(series, path).expect("write OpenMetrics"),
        extra_args,
    )
}

fn start_prometheus_from(write: impl FnOnce(&Path), extra_args: &[&str]) -> Server {
    let prometheus = require("prometheus");
    let promtool = require("promtool");
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("data dir");
    let input = dir.path().join("input.om");
    write(&input);
    let out = Command::new(&promtool)
        .args([
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            "--quiet",
            "--max-block-duration=744h",
        ])
        .arg(&input)
        .arg(&data)
        .output()
        .expect("run promtool");
    assert!(
        out.status.success(),
        "promtool failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config = dir.path().join("prometheus.yml");
    std::fs::write(&config, "global:\n  scrape_interval: 15s\n").expect("write config");
    let port = free_port();
    let log = dir.path().join("prometheus.log");
    let log_file = std::fs::File::create(&log).expect("log file");
    let child = Command::new(prometheus)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.tsdb.path={}", data.display()))
        .arg("--storage.tsdb.retention.time=10y")
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .args(extra_args)
        .stdout(Stdio::null())
        .stderr(log_file)
        .spawn()
        .expect("start prometheus");
    let mut server = Server {
        port,
        child,
        _dir: dir,
        log,
    };
    server.wait_ready("/-/ready");
    server
}

/// Starts a real VictoriaMetrics and loads `series` through `/api/v1/import/prometheus`.
pub fn start_victoria(series: &[SynthSeries], extra_args: &[&str]) -> Server {
    let vm = require("victoria-metrics");
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let log = dir.path().join("vm.log");
    let log_file = std::fs::File::create(&log).expect("log file");
    let child = Command::new(vm)
        .arg(format!(
            "-storageDataPath={}",
            dir.path().join("data").display()
        ))
        .arg(format!("-httpListenAddr=127.0.0.1:{port}"))
        .arg("-retentionPeriod=100y")
        .arg("-search.disableCache")
        .args(extra_args)
        .stdout(Stdio::null())
        .stderr(log_file)
        .spawn()
        .expect("start victoria-metrics");
    let mut server = Server {
        port,
        child,
        _dir: dir,
        log,
    };
    server.wait_ready("/health");
    let body = exposition_ms(series);
    let mut batch = String::new();
    for line in body.lines() {
        batch.push_str(line);
        batch.push('\n');
        if batch.len() > (8 << 20) {
            import_vm(port, &batch);
            batch.clear();
        }
    }
    if !batch.is_empty() {
        import_vm(port, &batch);
    }
    let (status, _) = http(port, "GET", "/internal/force_flush", b"").expect("flush");
    assert_eq!(status, 200, "VictoriaMetrics force_flush failed");
    server
}

fn import_vm(port: u16, body: &str) {
    let (status, answer) =
        http(port, "POST", "/api/v1/import/prometheus", body.as_bytes()).expect("import");
    assert!(
        status == 204 || status == 200,
        "VictoriaMetrics import failed with {status}: {}",
        String::from_utf8_lossy(&answer)
    );
}

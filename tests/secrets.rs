//! Planted credentials never leave the process: a bearer token, a basic-auth password
//! (from a file, from the environment and inside the URL) and a header value are given
//! to every command that can see them, on success and failure paths, and then searched
//! for in stdout, stderr and every file the command wrote (reports, charts, bundle,
//! manifest). The server is a real Prometheus behind TLS and basic auth
//! (`--web.config.file`); the failure paths add a wrong password, a certificate the
//! client does not trust, a TLS handshake with a plain-HTTP server, a server that is
//! down, and a server that echoes the request's headers back in its error body.

#[path = "support/prom_fault_server.rs"]
mod prom_fault_server;
#[path = "support/prom_servers.rs"]
mod prom_servers;

use memgrowth::synth::{ScenarioKind, fixture_params, generate};
use prom_fault_server::{Fault, FaultServer};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const USER: &str = "memgrowth";
const PASSWORD: &str = "pw-4K8m1-basic-secret";
/// bcrypt (cost 4) of [`PASSWORD`], for Prometheus' `basic_auth_users`.
const PASSWORD_BCRYPT: &str = "$2b$04$dF/eHM09lYj6NBUar/rrF.zcFWvEYXwZeMTerQYeK7AAzJxg7Gs32";
const BEARER: &str = "brr-7Q2x9-bearer-secret";
const HEADER_VALUE: &str = "hdr-3J6n5-header-secret";

/// Every spelling in which a planted secret could leak: as given, and as the
/// `Authorization` header carries it.
fn forbidden() -> Vec<(String, &'static str)> {
    vec![
        (PASSWORD.to_string(), "the basic-auth password"),
        (BEARER.to_string(), "the bearer token"),
        (HEADER_VALUE.to_string(), "the header value"),
        (
            base64(&format!("{USER}:{PASSWORD}")),
            "the basic-auth header",
        ),
        // Partial leaks: the distinctive middle of each secret.
        ("4K8m1".to_string(), "part of the password"),
        ("7Q2x9".to_string(), "part of the bearer token"),
        ("3J6n5".to_string(), "part of the header value"),
    ]
}

fn base64(text: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A real Prometheus over the otl-two-hosts scenario, serving HTTPS with a certificate
/// from a throw-away CA and requiring basic auth.
struct SecuredPrometheus {
    port: u16,
    child: Child,
    dir: tempfile::TempDir,
}

impl SecuredPrometheus {
    fn start() -> Self {
        let prometheus = prom_servers::require("prometheus");
        let promtool = prom_servers::require("promtool");
        prom_servers::require("openssl");
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        make_certificates(d);
        let params = fixture_params(ScenarioKind::OtlTwoHosts);
        let scenario = generate(ScenarioKind::OtlTwoHosts, &params);
        let input = d.join("input.om");
        memgrowth::synth::write_openmetrics_file(&scenario.series, &input).expect("OpenMetrics");
        let data = d.join("data");
        std::fs::create_dir_all(&data).expect("data dir");
        let out = Command::new(promtool)
            .args(["tsdb", "create-blocks-from", "openmetrics", "--quiet"])
            .arg("--max-block-duration=744h")
            .arg(&input)
            .arg(&data)
            .output()
            .expect("run promtool");
        assert!(
            out.status.success(),
            "promtool: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::write(
            d.join("prometheus.yml"),
            "global:\n  scrape_interval: 15s\n",
        )
        .expect("config");
        let web = format!(
            "tls_server_config:\n  cert_file: {}\n  key_file: {}\nbasic_auth_users:\n  {USER}: {PASSWORD_BCRYPT}\n",
            d.join("server.pem").display(),
            d.join("server.key").display()
        );
        std::fs::write(d.join("web.yml"), web).expect("web config");
        let port = prom_servers::free_port();
        let log = std::fs::File::create(d.join("prometheus.log")).expect("log");
        let lookback = format!("--query.lookback-delta={}s", params.step_s - 1);
        let child = Command::new(prometheus)
            .arg(format!(
                "--config.file={}",
                d.join("prometheus.yml").display()
            ))
            .arg(format!("--web.config.file={}", d.join("web.yml").display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            .arg("--storage.tsdb.retention.time=10y")
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg(lookback)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start prometheus");
        let mut server = SecuredPrometheus { port, child, dir };
        server.wait_ready();
        server
    }

    fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = std::fs::read_to_string(self.dir.path().join("prometheus.log"));
                panic!("prometheus exited ({status}): {}", log.unwrap_or_default());
            }
            let ready = Command::new("curl")
                .args(["-sf", "-o", "/dev/null", "--cacert"])
                .arg(self.ca())
                .arg("-u")
                .arg(format!("{USER}:{PASSWORD}"))
                .arg(format!("{}/-/ready", self.url()))
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("the TLS Prometheus was not ready within 120 s");
    }
}

impl Drop for SecuredPrometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A CA and a server certificate for 127.0.0.1 signed by it (rustls refuses a CA
/// certificate used as the server's own).
fn make_certificates(dir: &Path) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("run openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    openssl(
        &[
            &["req", "-x509"],
            &ec[..],
            &[
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=memgrowth test CA",
            ],
        ]
        .concat(),
    );
    openssl(
        &[
            &["req"],
            &ec[..],
            &[
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=127.0.0.1",
            ],
        ]
        .concat(),
    );
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .expect("extensions");
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
}

/// How the credentials reach the tool in one run.
#[derive(Clone, Copy, Debug)]
enum Creds {
    /// `--basic-auth-user` with `--basic-auth-password-file`.
    PasswordFile,
    /// `--basic-auth-user` with `MEMGROWTH_BASIC_AUTH_PASSWORD`.
    PasswordEnv,
    /// `https://user:password@host`.
    PasswordInUrl,
    /// `https://user:not-password@host`: a wrong password that holds the right one.
    WrongPasswordInUrl,
    /// `--bearer-token-file`.
    BearerFile,
    /// `MEMGROWTH_BEARER_TOKEN`.
    BearerEnv,
}

struct Harness {
    work: tempfile::TempDir,
    leaks: Vec<String>,
    runs: usize,
}

impl Harness {
    fn new() -> Self {
        let work = tempfile::tempdir().expect("temp dir");
        std::fs::write(work.path().join("password"), format!("{PASSWORD}\n")).expect("password");
        std::fs::write(work.path().join("token"), format!("{BEARER}\n")).expect("token");
        Harness {
            work,
            leaks: Vec::new(),
            runs: 0,
        }
    }

    fn out_dir(&self, name: &str) -> PathBuf {
        self.work.path().join("out").join(name)
    }

    /// Runs `memgrowth args` against `url` with `creds` and a planted header; returns
    /// the output after checking it and every file under `written`.
    fn run(
        &mut self,
        what: &str,
        args: &[&str],
        url: &str,
        creds: Creds,
        written: &[&Path],
    ) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_memgrowth"));
        cmd.env_remove("PROMETHEUS_URL")
            .env_remove("MEMGROWTH_BEARER_TOKEN")
            .env_remove("MEMGROWTH_BASIC_AUTH_PASSWORD")
            .env("NO_COLOR", "1")
            .args(args);
        let live = args.contains(&"--prometheus");
        let host_url;
        if live {
            let (scheme, host) = url.split_once("://").expect("scheme");
            host_url = match creds {
                Creds::PasswordInUrl => format!("{scheme}://{USER}:{PASSWORD}@{host}"),
                Creds::WrongPasswordInUrl => format!("{scheme}://{USER}:not-{PASSWORD}@{host}"),
                _ => url.to_string(),
            };
            cmd.arg(&host_url)
                .args(["--header", &format!("X-Planted: {HEADER_VALUE}")])
                .args(["--timeout", "5s"]);
            match creds {
                Creds::PasswordFile => {
                    cmd.args(["--basic-auth-user", USER, "--basic-auth-password-file"])
                        .arg(self.work.path().join("password"));
                }
                Creds::PasswordEnv => {
                    cmd.args(["--basic-auth-user", USER])
                        .env("MEMGROWTH_BASIC_AUTH_PASSWORD", PASSWORD);
                }
                Creds::PasswordInUrl | Creds::WrongPasswordInUrl => {}
                Creds::BearerFile => {
                    cmd.arg("--bearer-token-file")
                        .arg(self.work.path().join("token"));
                }
                Creds::BearerEnv => {
                    cmd.env("MEMGROWTH_BEARER_TOKEN", BEARER);
                }
            }
        } else {
            // Commands without a server still run with every secret in the environment.
            cmd.env("MEMGROWTH_BEARER_TOKEN", BEARER)
                .env("MEMGROWTH_BASIC_AUTH_PASSWORD", PASSWORD);
        }
        let output = cmd.output().expect("run memgrowth");
        self.runs += 1;
        let label = format!("{what} ({creds:?}, exit {:?})", output.status.code());
        self.search(&label, "stdout", &output.stdout);
        self.search(&label, "stderr", &output.stderr);
        for dir in written {
            for file in files_under(dir) {
                let bytes = std::fs::read(&file).expect("read a written file");
                self.search(&label, &file.display().to_string(), &bytes);
            }
        }
        output
    }

    fn search(&mut self, what: &str, place: &str, bytes: &[u8]) {
        for (secret, name) in forbidden() {
            if contains(bytes, secret.as_bytes()) {
                let text = String::from_utf8_lossy(bytes);
                let at = text.find(&secret).unwrap_or(0);
                let context: String = text[at.saturating_sub(120).min(at)..]
                    .chars()
                    .take(240)
                    .collect();
                self.leaks
                    .push(format!("{what}: {name} in {place}: …{context}…"));
            }
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
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
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn code(output: &Output) -> Option<i32> {
    output.status.code()
}

#[test]
fn no_command_prints_or_writes_a_planted_secret() {
    let server = SecuredPrometheus::start();
    let params = fixture_params(ScenarioKind::OtlTwoHosts);
    let start = params.start_unix_s.to_string();
    let end = (params.start_unix_s + params.duration_s).to_string();
    let step = format!("{}s", params.step_s);
    let app = format!("job=\"{}\"", params.service);
    let container = format!("name=\"{}\"", params.service);
    let ca = server.ca();
    let ca = ca.to_str().expect("utf-8 path");
    let window = [
        "--start",
        &start,
        "--end",
        &end,
        "--step",
        &step,
        "--app",
        &app,
        "--container",
        &container,
    ];
    let live = |command: &str, extra: &[&str]| -> Vec<String> {
        let mut args: Vec<String> = vec![command.into()];
        args.extend(window.iter().map(|s| s.to_string()));
        args.extend(extra.iter().map(|s| s.to_string()));
        args.push("--prometheus".into());
        args
    };
    let mut h = Harness::new();
    let url = server.url();

    // Success paths: every command, every way of giving credentials.
    let all_creds = [
        Creds::PasswordFile,
        Creds::PasswordEnv,
        Creds::PasswordInUrl,
    ];
    for (i, creds) in all_creds.into_iter().enumerate() {
        let report_dir = h.out_dir(&format!("report-{i}"));
        let bundle_dir = h.out_dir(&format!("bundle-{i}"));
        let rerendered = h.out_dir(&format!("rerendered-{i}"));
        let rd = report_dir.to_str().expect("utf-8").to_string();
        let bd = bundle_dir.to_str().expect("utf-8").to_string();
        let runs: Vec<(&str, Vec<String>, Vec<&Path>)> = vec![
            (
                "diagnose --out",
                live(
                    "diagnose",
                    &["--ca-cert", ca, "--format", "table", "--out", &rd],
                ),
                vec![report_dir.as_path()],
            ),
            (
                "diagnose json",
                live("diagnose", &["--ca-cert", ca, "--format", "json"]),
                vec![],
            ),
            (
                "diagnose markdown",
                live("diagnose", &["--ca-cert", ca, "--format", "markdown"]),
                vec![],
            ),
            (
                "fit",
                live("fit", &["--ca-cert", ca, "--format", "json"]),
                vec![],
            ),
            (
                "compare",
                live("compare", &["--ca-cert", ca, "--format", "table"]),
                vec![],
            ),
            (
                "discover",
                live("discover", &["--ca-cert", ca, "--format", "json"]),
                vec![],
            ),
            (
                "fetch --out",
                live("fetch", &["--ca-cert", ca, "--out", &bd]),
                vec![bundle_dir.as_path()],
            ),
            (
                "config show diagnose",
                {
                    let mut args = vec!["config".to_string(), "show".to_string()];
                    args.extend(live("diagnose", &["--ca-cert", ca]));
                    args
                },
                vec![],
            ),
        ];
        for (what, args, written) in runs {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = h.run(what, &args, &url, creds, &written);
            assert_eq!(
                code(&out),
                Some(0),
                "{what} ({creds:?}) failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        // The fetched bundle and the saved report, offline: diagnose, report, verify,
        // with the secrets in the environment.
        let saved_report = report_dir.join("report.json");
        let offline = [
            (
                "diagnose --input bundle",
                vec!["diagnose", "--input", &bd, "--format", "json"],
            ),
            (
                "report --input bundle",
                vec![
                    "report",
                    "--input",
                    &bd,
                    "--out",
                    rerendered.to_str().expect("utf-8"),
                ],
            ),
            (
                "report --input report.json",
                vec![
                    "report",
                    "--input",
                    saved_report.to_str().expect("utf-8"),
                    "--out",
                    rerendered.to_str().expect("utf-8"),
                ],
            ),
            ("verify", vec!["verify", &bd]),
            ("verify json", vec!["verify", &bd, "--format", "json"]),
            (
                "rules",
                vec!["rules", "--app", &app, "--container", &container],
            ),
            ("config show rules", vec!["config", "show", "rules"]),
        ];
        for (what, args) in offline {
            let out = h.run(what, &args, &url, creds, &[rerendered.as_path()]);
            assert_eq!(
                code(&out),
                Some(0),
                "{what} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert!(
            report_dir.join("index.html").is_file() && bundle_dir.join("manifest.json").is_file()
        );
    }

    // Failure paths.
    // A bearer token where basic auth is required: HTTP 401.
    for creds in [Creds::BearerFile, Creds::BearerEnv] {
        for command in ["diagnose", "fetch", "discover"] {
            let out_dir = h.out_dir(&format!("denied-{command}-{creds:?}"));
            let od = out_dir.to_str().expect("utf-8").to_string();
            let extra: Vec<&str> = match command {
                "discover" => vec!["--ca-cert", ca],
                _ => vec!["--ca-cert", ca, "--out", &od],
            };
            let args = live(command, &extra);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = h.run(
                &format!("{command} refused (401)"),
                &args,
                &url,
                creds,
                &[out_dir.as_path()],
            );
            assert_ne!(
                code(&out),
                Some(0),
                "{command} with a bearer token was let in"
            );
        }
    }
    // A wrong password: the real server's 401, with the URL's password redacted.
    for command in ["diagnose", "fetch", "discover"] {
        let out_dir = h.out_dir(&format!("wrong-{command}"));
        let od = out_dir.to_str().expect("utf-8").to_string();
        let extra: Vec<&str> = match command {
            "discover" => vec!["--ca-cert", ca],
            _ => vec!["--ca-cert", ca, "--out", &od],
        };
        let args = live(command, &extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let what = format!("{command}, wrong password in the URL");
        let out = h.run(
            &what,
            &args,
            &url,
            Creds::WrongPasswordInUrl,
            &[out_dir.as_path()],
        );
        assert_eq!(
            code(&out),
            Some(3),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A certificate the client does not trust (no --ca-cert).
    for command in ["diagnose", "fetch", "discover", "fit", "compare"] {
        let out_dir = h.out_dir(&format!("untrusted-{command}"));
        let od = out_dir.to_str().expect("utf-8").to_string();
        let extra: Vec<&str> = match command {
            "diagnose" | "fetch" => vec!["--out", &od],
            _ => vec![],
        };
        let args = live(command, &extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = h.run(
            &format!("{command}, untrusted certificate"),
            &args,
            &url,
            Creds::PasswordFile,
            &[out_dir.as_path()],
        );
        assert_eq!(
            code(&out),
            Some(3),
            "{command}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // A fault server that echoes headers back, in plain text and inside an API error;
    // TLS to it (it speaks plain HTTP) fails the handshake.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let echo = runtime.block_on(FaultServer::start(vec![]));
    let every = ["diagnose", "fetch", "discover"];
    let all = [Creds::PasswordInUrl, Creds::BearerEnv, Creds::PasswordFile];
    for (fault, name, commands, credentials) in [
        (
            Fault::Echo {
                status: 400,
                json: false,
            },
            "echoed in a 400 body",
            &every[..],
            &all[..],
        ),
        (
            Fault::Echo {
                status: 400,
                json: true,
            },
            "echoed in an API error",
            &every[..],
            &all[..],
        ),
        // Retried with backoff before it fails: one command is enough.
        (
            Fault::Echo {
                status: 503,
                json: false,
            },
            "echoed in a 503 body, retried",
            &every[..1],
            &all[1..2],
        ),
    ] {
        echo.always(fault);
        for &creds in credentials {
            for &command in commands {
                let out_dir = h.out_dir(&format!("echo-{command}-{creds:?}"));
                let od = out_dir.to_str().expect("utf-8").to_string();
                let extra: Vec<&str> = match command {
                    "discover" => vec![],
                    _ => vec!["--out", &od],
                };
                let args = live(command, &extra);
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let out = h.run(
                    &format!("{command}, {name}"),
                    &args,
                    &echo.url(),
                    creds,
                    &[out_dir.as_path()],
                );
                assert_ne!(
                    code(&out),
                    Some(0),
                    "{command}: the echoing server was not an error"
                );
            }
        }
    }
    let seen = echo.seen();
    assert!(
        seen.iter()
            .any(|r| r.headers.get("x-planted").map(String::as_str) == Some(HEADER_VALUE))
            && seen.iter().any(|r| r
                .headers
                .get("authorization")
                .is_some_and(|v| v.contains(BEARER))),
        "the planted credentials never reached the server, so the test proves nothing"
    );
    let tls_to_plain = format!("https://127.0.0.1:{}", echo.port);
    for creds in [Creds::PasswordInUrl, Creds::BearerFile] {
        let args = live("diagnose", &[]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = h.run(
            "diagnose, TLS handshake with a plain-HTTP server",
            &args,
            &tls_to_plain,
            creds,
            &[],
        );
        assert_eq!(
            code(&out),
            Some(3),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A server that is down.
    let down = format!("http://127.0.0.1:{}", prom_servers::free_port());
    for creds in [Creds::PasswordInUrl, Creds::PasswordEnv, Creds::BearerEnv] {
        for command in ["diagnose", "fetch", "discover"] {
            let out_dir = h.out_dir(&format!("down-{command}-{creds:?}"));
            let od = out_dir.to_str().expect("utf-8").to_string();
            let extra: Vec<&str> = match command {
                "discover" => vec![],
                _ => vec!["--out", &od],
            };
            let args = live(command, &extra);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = h.run(
                &format!("{command}, server down"),
                &args,
                &down,
                creds,
                &[out_dir.as_path()],
            );
            assert_eq!(
                code(&out),
                Some(3),
                "{command}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    // Credentials given wrongly: the messages name the flag, not the value.
    let bad_header = format!("Authorization Bearer {BEARER}");
    for (what, args) in [
        (
            "--header without a colon",
            vec![
                "diagnose",
                "--prometheus",
                &down,
                "--range",
                "1h",
                "--header",
                &bad_header,
            ],
        ),
        (
            "--header with a control character",
            vec![
                "diagnose",
                "--prometheus",
                &down,
                "--range",
                "1h",
                "--header",
                &format!("X-Token: {HEADER_VALUE}\u{1}"),
            ],
        ),
        (
            "URL with a bad port",
            vec![
                "diagnose",
                "--range",
                "1h",
                "--prometheus",
                &format!("http://{USER}:{PASSWORD}@127.0.0.1:99999"),
            ],
        ),
    ] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_memgrowth"));
        let out = cmd
            .args(&args)
            .env_remove("PROMETHEUS_URL")
            .output()
            .expect("run memgrowth");
        assert_eq!(
            code(&out),
            Some(2),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        h.search(what, "stderr", &out.stderr);
        h.search(what, "stdout", &out.stdout);
    }

    assert!(h.runs >= 60, "only {} runs", h.runs);
    assert!(
        h.leaks.is_empty(),
        "{} leak(s):\n{}",
        h.leaks.len(),
        h.leaks.join("\n")
    );
}

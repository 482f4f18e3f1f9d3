//! The config file: keys named like the long flags, flags and variables over the file,
//! the file over defaults, `config show` with sources, and secrets never shown.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

const SECRET: &str = "planted-s3cret-7f3a9c";

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// memgrowth run in `dir` (where its memgrowth.toml is found), with no MEMGROWTH_* set.
fn memgrowth(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("memgrowth").expect("binary");
    cmd.current_dir(dir).env("NO_COLOR", "1");
    for (key, _) in std::env::vars() {
        if key.starts_with("MEMGROWTH_") || key == "PROMETHEUS_URL" {
            cmd.env_remove(key);
        }
    }
    cmd
}

fn run(cmd: &mut Command) -> (Option<i32>, String, String) {
    let output = cmd.output().expect("run memgrowth");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The `config show` line of `key`: (value, source).
fn shown(show: &str, key: &str) -> (String, String) {
    let line = show
        .lines()
        .find(|l| l.split_whitespace().next() == Some(key))
        .unwrap_or_else(|| panic!("no `{key}` in:\n{show}"));
    let parts: Vec<&str> = line.split_whitespace().collect();
    (parts[1].to_string(), parts[2..].join(" "))
}

fn with_config(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("memgrowth.toml"), text).expect("write config");
    dir
}

#[test]
fn flags_override_the_file_and_the_file_overrides_defaults() {
    let dir = with_config(
        "limit = \"1.5GiB\"\nalpha = 0.05\nformat = \"markdown\"\nmin_change = 0.1\n[metrics]\nprocess_rss = \"app_rss\"\n",
    );
    let (code, show, stderr) = run(memgrowth(dir.path()).args([
        "config", "show", "diagnose", "--alpha", "0.02", "--input", "x.json",
    ]));
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        shown(&show, "limit"),
        ("1.5GiB".into(), "memgrowth.toml (limit)".into())
    );
    assert_eq!(shown(&show, "alpha"), ("0.02".into(), "flag".into()));
    assert_eq!(shown(&show, "format").0, "markdown");
    assert_eq!(
        shown(&show, "min-change"),
        ("0.1".into(), "memgrowth.toml (min-change)".into())
    );
    assert_eq!(
        shown(&show, "metric"),
        (
            "process_rss=app_rss".into(),
            "memgrowth.toml (metrics)".into()
        )
    );
    assert_eq!(
        shown(&show, "min-change-bytes"),
        ("8MiB".into(), "default".into())
    );
    assert_eq!(shown(&show, "input"), ("x.json".into(), "flag".into()));
    // An environment variable counts as a flag: it wins over the file.
    let (_, show, _) = run(memgrowth(dir.path())
        .env("MEMGROWTH_LIMIT", "2GiB")
        .args(["config", "show"]));
    assert_eq!(
        shown(&show, "limit"),
        ("2GiB".into(), "env MEMGROWTH_LIMIT".into())
    );
    // --config names another file; without one, the defaults hold.
    let other = dir.path().join("other.toml");
    std::fs::write(&other, "limit = \"800M\"\n").expect("write");
    let (_, show, _) = run(memgrowth(dir.path())
        .arg("--config")
        .arg(&other)
        .args(["config", "show"]));
    assert_eq!(shown(&show, "limit").0, "800M");
    let empty = tempfile::tempdir().expect("tempdir");
    let (_, show, _) = run(memgrowth(empty.path()).args(["config", "show", "rules"]));
    assert_eq!(shown(&show, "window"), ("12h".into(), "default".into()));
}

#[test]
fn the_file_changes_what_a_command_does() {
    let dir = with_config(&format!(
        "input = [\"{}\"]\nformat = \"json\"\nfail-on = \"cache_growth\"\n",
        repo("fixtures/otl-two-hosts").display()
    ));
    let (code, stdout, stderr) = run(memgrowth(dir.path()).args(["diagnose", "--quiet"]));
    assert_eq!(code, Some(1), "fail-on from the file: {stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&stdout).expect("JSON from the file's format");
    assert_eq!(report["verdict"], "cache_growth");
    let (code, _, _) =
        run(memgrowth(dir.path()).args(["diagnose", "--quiet", "--fail-on", "leak"]));
    assert_eq!(code, Some(0), "the flag overrides the file's fail-on");
}

/// A loopback server that answers every request with 401 and records what it was sent
/// (fault injection: a refusal memgrowth does not retry).
fn refusing_server() -> (String, std::sync::mpsc::Receiver<String>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    let (sent, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut request = [0u8; 8192];
            let n = stream.read(&mut request).unwrap_or(0);
            let _ = sent.send(String::from_utf8_lossy(&request[..n]).into_owned());
            let body = "{\"status\":\"error\",\"errorType\":\"unauthorized\",\"error\":\"bad credentials\"}";
            let _ = write!(
                stream,
                "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (format!("127.0.0.1:{}", address.port()), received)
}

#[test]
fn a_planted_secret_never_shows() {
    let (server, requests) = refusing_server();
    let dir = with_config(&format!(
        "prometheus = \"http://user:{SECRET}@{server}/\"\nbearer-token = \"{SECRET}\"\nheader = [\"X-Api-Key: {SECRET}\"]\n",
    ));
    let (code, show, stderr) = run(memgrowth(dir.path()).args(["config", "show"]));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        !show.contains(SECRET) && !stderr.contains(SECRET),
        "{show}\n{stderr}"
    );
    assert_eq!(shown(&show, "bearer-token").0, "<redacted>");
    assert!(show.contains("X-Api-Key: <redacted>"), "{show}");
    assert!(
        stderr.contains("holds a secret inline"),
        "the inline secret is warned about: {stderr}"
    );
    // Errors: the server refuses the credentials, which were sent.
    let (code, stdout, stderr) =
        run(memgrowth(dir.path()).args(["diagnose", "--range", "1h", "--timeout", "2s"]));
    assert_ne!(code, Some(0));
    assert!(stderr.contains("401"), "{stderr}");
    assert!(
        !stdout.contains(SECRET) && !stderr.contains(SECRET),
        "{stdout}\n{stderr}"
    );
    let request = requests.try_recv().expect("the server was asked");
    assert!(
        request.contains(&format!("Bearer {SECRET}")),
        "the file's token is used: {request}"
    );
    // Reports: the input flag wins over the file's server; the secrets stay loaded.
    let out = dir.path().join("report");
    let (code, _, stderr) = run(memgrowth(dir.path())
        .args(["diagnose", "--format", "json", "--input"])
        .arg(repo("fixtures/otl-two-hosts"))
        .arg("--out")
        .arg(&out));
    assert_eq!(code, Some(0), "{stderr}");
    for entry in std::fs::read_dir(&out).expect("report dir") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            let bytes = std::fs::read(&path).expect("read");
            assert!(
                !String::from_utf8_lossy(&bytes).contains(SECRET),
                "{} holds the secret",
                path.display()
            );
        }
    }
}

#[test]
fn bad_files_and_bad_values_are_named() {
    let dir = with_config("promethues = \"http://x\"\n");
    let (code, _, stderr) = run(memgrowth(dir.path()).args(["config", "show"]));
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("memgrowth.toml") && stderr.contains("unknown key `promethues`"),
        "{stderr}"
    );
    let dir = with_config("limit = \n");
    let (code, _, stderr) = run(memgrowth(dir.path()).args(["config", "show"]));
    assert_eq!(code, Some(2));
    assert!(stderr.contains("not valid TOML"), "{stderr}");
    let dir = with_config("limit = \"lots\"\n");
    let (code, _, stderr) = run(memgrowth(dir.path()).args(["diagnose", "--input", "x.json"]));
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("--limit") && stderr.contains("set by `limit` in memgrowth.toml"),
        "{stderr}"
    );
    let dir = with_config("format = \"yaml\"\n");
    let (code, _, stderr) = run(memgrowth(dir.path()).args(["diagnose", "--input", "x.json"]));
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("yaml") && stderr.contains("memgrowth.toml set format"),
        "{stderr}"
    );
    let missing = tempfile::tempdir().expect("tempdir");
    let (code, _, stderr) =
        run(memgrowth(missing.path()).args(["--config", "nope.toml", "config", "show"]));
    assert_eq!(code, Some(2));
    assert!(stderr.contains("nope.toml"), "{stderr}");
}

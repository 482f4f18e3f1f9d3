//! Errors read once: every failing command a user can meet (a missing, empty or foreign
//! file, a window outside the data, a report directory that is a file, a server that is
//! down, answers HTML or is not a URL, a credential file that is missing, a bundle that
//! is not one) prints one `error:` line that names what failed on which input or server
//! exactly once, says what to do, and repeats none of its causes.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

fn memgrowth() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_memgrowth"));
    for var in [
        "PROMETHEUS_URL",
        "MEMGROWTH_BEARER_TOKEN",
        "MEMGROWTH_RANGE",
        "MEMGROWTH_OUT",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("NO_COLOR", "1");
    cmd
}

/// A loopback port nothing listens on.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A loopback server that answers every request with a 200 HTML page, as a login proxy
/// or a Grafana URL given in place of Prometheus does.
fn html_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let body = "<!doctype html><html><body>Sign in</body></html>";
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

/// Words that begin advice in this tool's messages.
const ADVICE: &[&str] = &[
    "check", "pass ", "choose", "give", "fix", "run ", "raise", "use ", "upgrade", "fetch ",
    "save ", "must be",
];

struct Case {
    name: &'static str,
    args: Vec<String>,
    /// The input or server the message must name, exactly once.
    names: String,
    code: i32,
}

/// The error line's causes (split at `: ` and `; `) that occur twice, and runs of six
/// words that occur twice.
fn repeats(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    let parts: Vec<&str> = line
        .split(": ")
        .flat_map(|p| p.split("; "))
        .map(str::trim)
        .filter(|p| p.len() > 12)
        .collect();
    for (i, p) in parts.iter().enumerate() {
        if parts[..i].contains(p) {
            found.push(format!("part `{p}`"));
        }
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    for i in 0..words.len().saturating_sub(6) {
        let run = &words[i..i + 6];
        if words[i + 1..].windows(6).any(|w| w == run) {
            found.push(format!("words `{}`", run.join(" ")));
        }
    }
    found
}

fn cases(dir: &Path) -> Vec<Case> {
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let p = |name: &str| dir.join(name).display().to_string();
    std::fs::write(dir.join("empty.json"), b"").unwrap();
    std::fs::write(dir.join("page.json"), b"<!doctype html><html></html>").unwrap();
    std::fs::write(dir.join("bad.csv"), b"Time,a\nnot a time,1\n").unwrap();
    std::fs::create_dir_all(dir.join("nothing")).unwrap();
    std::fs::write(dir.join("a-file"), b"x").unwrap();
    std::fs::create_dir_all(dir.join("not-a-bundle")).unwrap();
    std::fs::write(dir.join("not-a-report.json"), b"{\"schema_version\": 1}").unwrap();
    let refused = format!("http://127.0.0.1:{}", free_port());
    let html = format!("http://127.0.0.1:{}", html_server());
    let diagnose = |input: &str| s(&["diagnose", "--format", "json", "--input", input]);
    let with = |mut args: Vec<String>, more: &[&str]| {
        args.extend(more.iter().map(|a| a.to_string()));
        args
    };
    vec![
        Case {
            name: "missing file",
            args: diagnose(&p("missing.json")),
            names: p("missing.json"),
            code: 3,
        },
        Case {
            name: "empty file",
            args: diagnose(&p("empty.json")),
            names: p("empty.json"),
            code: 3,
        },
        Case {
            name: "HTML saved as JSON",
            args: diagnose(&p("page.json")),
            names: p("page.json"),
            code: 3,
        },
        Case {
            name: "CSV with a bad time",
            args: diagnose(&p("bad.csv")),
            names: p("bad.csv"),
            code: 3,
        },
        Case {
            name: "directory without inputs",
            args: diagnose(&p("nothing")),
            names: p("nothing"),
            code: 3,
        },
        Case {
            name: "window outside the data",
            args: with(
                diagnose("fixtures/leak"),
                &[
                    "--start",
                    "2001-01-01T00:00:00Z",
                    "--end",
                    "2001-01-02T00:00:00Z",
                ],
            ),
            names: "fixtures/leak".into(),
            code: 3,
        },
        Case {
            name: "report directory is a file",
            args: with(diagnose("fixtures/leak"), &["--out", &p("a-file")]),
            names: p("a-file"),
            code: 3,
        },
        Case {
            name: "diagnose against a closed port",
            args: s(&["diagnose", "--range", "1h", "--prometheus", &refused]),
            names: refused.clone(),
            code: 3,
        },
        Case {
            name: "discover against a closed port",
            args: s(&["discover", "--range", "1h", "--prometheus", &refused]),
            names: refused.clone(),
            code: 3,
        },
        Case {
            name: "fetch against a closed port",
            args: s(&[
                "fetch",
                "--range",
                "1h",
                "--prometheus",
                &refused,
                "--out",
                &p("bundle"),
            ]),
            names: refused.clone(),
            code: 3,
        },
        Case {
            name: "a server that answers HTML",
            args: s(&["diagnose", "--range", "1h", "--prometheus", &html]),
            names: html.clone(),
            code: 3,
        },
        Case {
            name: "not a URL",
            args: s(&[
                "diagnose",
                "--range",
                "1h",
                "--prometheus",
                "localhost:9090",
            ]),
            names: "localhost:9090".into(),
            code: 2,
        },
        Case {
            name: "missing token file",
            args: s(&[
                "diagnose",
                "--range",
                "1h",
                "--prometheus",
                &refused,
                "--bearer-token-file",
                &p("token"),
            ]),
            names: p("token"),
            code: 2,
        },
        Case {
            name: "missing CA file",
            args: s(&[
                "diagnose",
                "--range",
                "1h",
                "--prometheus",
                &refused,
                "--ca-cert",
                &p("ca.pem"),
            ]),
            names: p("ca.pem"),
            code: 3,
        },
        Case {
            name: "verify a directory that is no bundle",
            args: s(&["verify", &p("not-a-bundle")]),
            names: p("not-a-bundle"),
            code: 3,
        },
        Case {
            name: "report from a JSON that is no report",
            args: s(&[
                "report",
                "--input",
                &p("not-a-report.json"),
                "--out",
                &p("r"),
            ]),
            names: p("not-a-report.json"),
            code: 3,
        },
    ]
}

#[test]
fn every_error_names_its_input_once_advises_and_repeats_nothing() {
    let work = tempfile::tempdir().unwrap();
    let mut problems = Vec::new();
    for case in cases(work.path()) {
        let out = memgrowth().args(&case.args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
        let mut fail = |what: String| problems.push(format!("{}: {what}\n  {stderr}", case.name));
        if out.status.code() != Some(case.code) {
            fail(format!("exit {:?}, not {}", out.status.code(), case.code));
        }
        let [line] = lines[..] else {
            fail(format!("{} error lines, not one", lines.len()));
            continue;
        };
        let named = line.matches(case.names.as_str()).count();
        if named != 1 {
            fail(format!("names `{}` {named} times, not once", case.names));
        }
        let lower = line.to_lowercase();
        if !ADVICE.iter().any(|a| lower.contains(a)) {
            fail("says nothing of what to do".into());
        }
        let repeated = repeats(line);
        if !repeated.is_empty() {
            fail(format!("repeats {}", repeated.join(", ")));
        }
        if stderr.contains("panicked") {
            fail("panics".into());
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_repeat_check_sees_a_repeated_cause() {
    let line = "error: x.json: No such file or directory (os error 2); check that the path exists and is readable: No such file or directory (os error 2)";
    assert!(!repeats(line).is_empty());
    assert!(repeats("error: cannot read the input: x.json: empty; check the file").is_empty());
}

//! Bounded memory against a server that sends far more than asked: an endless body, a
//! body that announces 100 GiB, a label value of megabytes, a series of millions of
//! points. Each run's peak resident memory is the child's own (`wait4`), printed, and
//! held to a bound that follows from `--max-response-size`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};

const MIB: u64 = 1 << 20;

/// What the loopback server answers to every request.
#[derive(Clone, Copy)]
enum Body {
    /// A matrix whose one label value never ends (chunked); the server gives up after
    /// 1 GiB, so a client without a cap would hold that much.
    Endless,
    /// `Content-Length: 100 GiB`, then as `Endless`.
    Announced,
    /// For the heap series' range query, a valid matrix: one series with a label value
    /// of `label` bytes and `points` points; for every other query an empty one.
    Valid { label: usize, points: usize },
}

const HEAD: &str = r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"nodejs_heap_size_used_bytes","instance":"a:1","big":""#;

fn valid(label: usize, points: usize) -> Vec<u8> {
    let mut body = HEAD.as_bytes().to_vec();
    body.extend(std::iter::repeat_n(b'x', label));
    body.extend_from_slice(br#""},"values":["#);
    for i in 0..points {
        if i > 0 {
            body.push(b',');
        }
        write!(
            body,
            r#"[{},"{}"]"#,
            1_700_000_000 + i * 15,
            100_000_000 + i
        )
        .unwrap();
    }
    body.extend_from_slice(b"]}]}}");
    body
}

fn serve(mut stream: TcpStream, body: Body) -> std::io::Result<()> {
    // Read the request head (GET: no body).
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    match body {
        Body::Valid { label, points } => {
            // The heap series' range query gets the big answer, every other query none.
            let big =
                request.contains("query_range") && request.contains("nodejs_heap_size_used_bytes");
            let bytes = if big {
                valid(label, points)
            } else {
                br#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#.to_vec()
            };
            write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                bytes.len()
            )?;
            stream.write_all(&bytes)
        }
        Body::Endless | Body::Announced => {
            if matches!(body, Body::Announced) {
                write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{HEAD}",
                    100 * 1024 * MIB
                )?;
            } else {
                write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{HEAD}\r\n",
                    HEAD.len()
                )?;
            }
            let piece = vec![b'x'; 64 * 1024];
            for _ in 0..(1024 * MIB) / piece.len() as u64 {
                if matches!(body, Body::Endless) {
                    write!(stream, "{:x}\r\n", piece.len())?;
                }
                stream.write_all(&piece)?;
                if matches!(body, Body::Endless) {
                    stream.write_all(b"\r\n")?;
                }
            }
            Ok(())
        }
    }
}

fn server(body: Body) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let _ = serve(stream, body);
            });
        }
    });
    format!("http://127.0.0.1:{port}")
}

/// Runs memgrowth; returns its exit code, its stderr and its peak resident memory in MiB.
#[allow(
    clippy::zombie_processes,
    reason = "the child is reaped by wait4, which also reports its peak memory"
)]
fn run(args: &[&str]) -> (Option<i32>, String, f64) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_memgrowth"))
        .args(args)
        .env_remove("PROMETHEUS_URL")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start memgrowth");
    let mut pipe = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    });
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills; pid is our own unreaped child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4: {}", std::io::Error::last_os_error());
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    // ru_maxrss is in KiB on Linux.
    let peak = usage.ru_maxrss as f64 / 1024.0;
    (code, reader.join().unwrap(), peak)
}

fn discover(url: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "discover",
        "--range",
        "1h",
        "--format",
        "json",
        "--prometheus",
        url,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

#[test]
fn memory_stays_bounded_whatever_the_server_sends() {
    let as_str = |v: &[String]| v.iter().map(String::as_str).collect::<Vec<_>>().join(" ");
    // The floor: the same command against a small valid answer.
    let small = server(Body::Valid {
        label: 8,
        points: 240,
    });
    let args = discover(&small, &[]);
    let (code, err, floor) = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, Some(0), "{err}");
    println!("small answer: peak {floor:.0} MiB");

    // 16 MiB cap, 4 requests in flight: each holds at most the cap (twice, while its
    // buffer grows) before it fails.
    let cap = 16;
    let bound = floor + 4.0 * 2.0 * cap as f64 + 64.0;
    let mut problems = Vec::new();
    for (name, body) in [
        ("an endless body", Body::Endless),
        ("a body announcing 100 GiB", Body::Announced),
    ] {
        let url = server(body);
        let cap_text = format!("{cap}MiB");
        let args = discover(
            &url,
            &["--max-response-size", &cap_text, "--concurrency", "4"],
        );
        let (code, err, peak) = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        println!("{name}: peak {peak:.0} MiB (bound {bound:.0} MiB)");
        if code != Some(3) || !err.contains("--max-response-size") || !err.contains("16.0 MiB") {
            problems.push(format!("{name}: exit {code:?}, stderr: {err}"));
        }
        if peak > bound {
            problems.push(format!(
                "{name}: peak {peak:.0} MiB over {bound:.0} MiB ({})",
                as_str(&args)
            ));
        }
    }

    // Within the default cap: a label value of 8 MiB and a series of 2 million points
    // are read; memory follows the body, it does not explode.
    for (name, label, points) in [
        ("a label value of 8 MiB", 8 << 20, 240),
        ("a series of 2 million points", 8, 2_000_000),
    ] {
        let bytes = valid(label, points).len() as f64 / MIB as f64;
        let url = server(Body::Valid { label, points });
        let args = discover(&url, &["--concurrency", "1"]);
        let (code, err, peak) = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        println!("{name}: body {bytes:.0} MiB, peak {peak:.0} MiB");
        if code != Some(0) {
            problems.push(format!("{name}: exit {code:?}, stderr: {err}"));
        }
        let bound = floor + 16.0 * bytes + 64.0;
        if peak > bound {
            problems.push(format!("{name}: peak {peak:.0} MiB over {bound:.0} MiB"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

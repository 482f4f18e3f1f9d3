//! Label values an attacker (or an odd exporter) controls: HTML and script, Markdown
//! links and table breaks, terminal escapes and other control characters, NUL, `../`
//! and `/`, right-to-left overrides, a 10,000-character value. The report directory gets
//! them escaped in `index.html` and `report.md`, sanitised in file names, well-formed in
//! `junit.xml`, exact in `report.json`, nothing written outside `--out`; headless
//! Chromium loads the page and finds no injected element and no script that ran.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Each becomes the host (the `instance` label, port stripped) of one target.
fn hostile_hosts() -> Vec<String> {
    vec![
        r#""><b class="injected">b</b><img src=x onerror="document.body.setAttribute('data-pwned','img')">"#.into(),
        "<script>document.body.setAttribute('data-pwned','script')</script>".into(),
        "../../../../../../tmp/memgrowth-escape".into(),
        "/etc/memgrowth-escape".into(),
        "\u{202e}gnp.exe \u{2066}rtl\u{2069}".into(),
        "red\u{1b}[31m\u{1b}]0;title\u{7}bell\u{0}nul\r\nnext-line".into(),
        format!("long-{}", "x".repeat(10_000)),
    ]
}

/// The service (`job` label) of every target.
const SERVICE: &str = "[click](javascript:alert(1)) | **bold** `code` # <svg onload=\"document.body.setAttribute('data-pwned','svg')\">";

fn input_file(dir: &Path) -> PathBuf {
    let start = 1_761_955_200i64;
    let mut result = Vec::new();
    for (i, host) in hostile_hosts().iter().enumerate() {
        for (name, base, slope) in [
            ("nodejs_heap_size_used_bytes", 80e6, 1e3),
            ("process_resident_memory_bytes", 200e6, 5e4),
        ] {
            let values: Vec<Value> = (0..240)
                .map(|k| {
                    let t = start + k * 60;
                    let v = base
                        + slope * (k as f64) * (1.0 + i as f64)
                        + ((k * 7919) % 13) as f64 * 1e4;
                    json!([t, format!("{v}")])
                })
                .collect();
            result.push(json!({
                "metric": {"__name__": name, "job": SERVICE, "instance": format!("{host}:3000")},
                "values": values,
            }));
        }
    }
    let body = json!({"status": "success", "data": {"resultType": "matrix", "result": result}});
    let path = dir.join("hostile.json");
    std::fs::write(&path, body.to_string()).unwrap();
    path
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
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

const ESCAPE_TARGETS: [&str; 3] = [
    "/tmp/memgrowth-escape",
    "/etc/memgrowth-escape",
    "/tmp/memgrowth-escape-series.png",
];

fn run_diagnose(input: &Path, out: &Path, format: &str) -> std::process::Output {
    let output = Command::new(env!("CARGO_BIN_EXE_memgrowth"))
        .env_remove("PROMETHEUS_URL")
        .env("NO_COLOR", "1")
        .args(["diagnose", "--format", format, "--input"])
        .arg(input)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "diagnose failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Characters that must never reach a terminal, a Markdown file or an HTML page raw.
fn raw_controls(text: &str) -> Vec<String> {
    text.chars()
        .filter(|c| {
            (c.is_control() && *c != '\n' && *c != '\t')
                || matches!(*c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .map(|c| format!("U+{:04X}", c as u32))
        .collect()
}

#[test]
fn hostile_labels_are_escaped_sanitised_and_contained() {
    for p in ESCAPE_TARGETS {
        let _ = std::fs::remove_file(p);
    }
    let work = tempfile::tempdir().unwrap();
    let input = input_file(work.path());
    let out = work.path().join("out");
    let table = run_diagnose(&input, &out, "table");
    let mut problems = Vec::new();

    // Nothing outside --out.
    for p in ESCAPE_TARGETS {
        if Path::new(p).exists() {
            problems.push(format!("wrote outside --out: {p}"));
        }
    }
    let top: Vec<String> = std::fs::read_dir(work.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if top.len() != 2 {
        problems.push(format!(
            "the work directory holds more than input and out: {top:?}"
        ));
    }
    // File names: short, portable, no hostile character.
    let files = files_under(&out);
    assert!(files.len() > 4, "{files:?}");
    for f in &files {
        let rel = f.strip_prefix(&out).unwrap();
        for part in rel.iter() {
            let part = part.to_string_lossy();
            let portable = part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !portable || part.len() > 200 || part.starts_with('.') {
                problems.push(format!("file name `{part}`"));
            }
        }
    }

    // Terminal output: no escape sequence or other control character from a label.
    let stdout = String::from_utf8_lossy(&table.stdout);
    for c in raw_controls(&stdout) {
        problems.push(format!("terminal table holds {c}"));
    }

    // report.md: no HTML, no link, no raw control, tables intact.
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    for needle in ["<script", "<img", "<b ", "<svg", "**bold**"] {
        if md.contains(needle) {
            problems.push(format!("report.md holds `{needle}`"));
        }
    }
    if md
        .match_indices("](javascript:")
        .any(|(i, _)| !md[..i].ends_with('\\'))
    {
        problems.push("report.md holds a javascript: link".into());
    }
    for c in raw_controls(&md) {
        problems.push(format!("report.md holds {c}"));
    }
    // Every row of a table has as many cell borders as its header.
    let mut header: Option<usize> = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            header = None;
            continue;
        }
        let cells = unescaped_pipes(line);
        match header {
            None => header = Some(cells),
            Some(want) if cells != want => {
                problems.push(format!(
                    "a table row of report.md has {cells} cell borders, its header {want}"
                ));
            }
            Some(_) => {}
        }
    }

    // index.html: nothing raw; the page, loaded, has no injected element.
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    for needle in [
        "<script>document",
        "<img src=x",
        "<b class=\"injected\"",
        "<svg onload",
    ] {
        if html.contains(needle) {
            problems.push(format!("index.html holds `{needle}`"));
        }
    }
    for c in raw_controls(&html) {
        problems.push(format!("index.html holds {c}"));
    }
    let dom = chromium_dom(&out.join("index.html"), work.path());
    // An attribute a script set, or an element parsed from a label (escaped text
    // serialises with `&lt;`, so these appear only when markup got through).
    for needle in ["data-pwned=\"", "<b class=\"injected\">", "<img src=\"x\""] {
        if dom.contains(needle) {
            problems.push(format!("Chromium's DOM of index.html holds `{needle}`"));
        }
    }
    if !dom.contains("gnp.exe") {
        problems.push("Chromium's DOM does not show the hosts at all".into());
    }

    // junit.xml: well-formed XML whatever the labels hold.
    let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    let mut reader = quick_xml::Reader::from_str(&junit);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                problems.push(format!("junit.xml is not well-formed: {e}"));
                break;
            }
        }
    }
    for c in raw_controls(&junit) {
        problems.push(format!("junit.xml holds {c}"));
    }

    // report.json: the labels exactly as they came.
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let hosts: Vec<&str> = report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["host"].as_str())
        .collect();
    for host in hostile_hosts() {
        if !hosts.contains(&host.as_str()) {
            problems.push(format!(
                "report.json lost the host {:?}",
                &host[..host.len().min(40)]
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

fn unescaped_pipes(line: &str) -> usize {
    let mut count = 0;
    let mut escaped = false;
    for c in line.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '|' if !escaped => count += 1,
            _ => escaped = false,
        }
    }
    count
}

fn chromium_dom(page: &Path, work: &Path) -> String {
    let browser = ["chromium", "chromium-browser"]
        .iter()
        .flat_map(|name| {
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                .map(move |d| d.join(name))
                .collect::<Vec<_>>()
        })
        .find(|p| p.is_file())
        .expect("chromium is not installed; run scripts/test.sh or `apt-get install -y chromium`");
    let output = Command::new("timeout")
        .arg("300")
        .arg(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=2000",
            "--dump-dom",
        ])
        .arg(format!(
            "--user-data-dir={}",
            work.join("profile").display()
        ))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

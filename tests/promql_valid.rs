//! Every query and rule memgrowth generates is valid PromQL: parsed by a real PromQL
//! parser (promql-parser) and, for the rule files, by Prometheus' own `promtool`.

use assert_cmd::Command;
use memgrowth::catalog::Catalog;
use memgrowth::kind::Kind;
use memgrowth::matcher::Selector;
use std::path::{Path, PathBuf};

fn parses(query: &str) {
    if let Err(e) = promql_parser::parser::parse(query) {
        panic!("not valid PromQL ({e}):\n{query}");
    }
}

/// The `expr:` lines of a rule file, unquoted.
fn exprs(rules: &str) -> Vec<String> {
    rules
        .lines()
        .filter_map(|l| l.trim().strip_prefix("expr: "))
        .map(|quoted| serde_json::from_str(quoted).expect("expr is a quoted string"))
        .collect()
}

fn rules(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("memgrowth")
        .expect("binary")
        .env("NO_COLOR", "1")
        .arg("rules")
        .args(args)
        .output()
        .expect("run memgrowth rules")
}

fn promtool() -> PathBuf {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join("promtool"))
                .find(|p| Path::new(p).is_file())
        })
        .expect("promtool is missing: run scripts/test.sh, which installs Debian's prometheus")
}

/// Each accepted duration form, and the normal form it is written in.
const WINDOWS: &[(&str, &str)] = &[
    ("12h", "12h"),
    ("90m", "1h30m"),
    ("1h30m", "1h30m"),
    ("30m", "30m"),
    ("45s", "45s"),
    ("1500ms", "1s500ms"),
    ("1d", "1d"),
    ("24h", "1d"),
    ("36h", "1d12h"),
    ("7d", "1w"),
    ("2w3d", "2w3d"),
    ("1y", "1y"),
    ("1y2w3d4h5m6s7ms", "1y2w3d4h5m6s7ms"),
];

#[test]
fn rules_are_valid_promql_for_every_duration_form() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut files = Vec::new();
    for (i, (window, normal)) in WINDOWS.iter().enumerate() {
        for horizon in ["1d", "90m", "1w2d"] {
            let output = rules(&[
                "--app",
                r#"{job="otl-api",env=~"prod|stage"}"#,
                "--container",
                r#"name="otl-api""#,
                "--window",
                window,
                "--horizon",
                horizon,
            ]);
            assert!(output.status.success(), "--window {window}: {output:?}");
            let text = String::from_utf8_lossy(&output.stdout).to_string();
            let exprs = exprs(&text);
            assert_eq!(exprs.len(), 5, "{text}");
            for expr in &exprs {
                parses(expr);
            }
            assert!(
                text.contains(&format!("[{normal}:5m]")),
                "--window {window} is not written as {normal}:\n{text}"
            );
            let path = dir.path().join(format!("rules-{i}-{horizon}.yml"));
            std::fs::write(&path, &text).expect("write rules");
            files.push(path);
        }
    }
    let check = std::process::Command::new(promtool())
        .args(["check", "rules"])
        .args(&files)
        .output()
        .expect("run promtool");
    assert!(
        check.status.success(),
        "promtool rejected the rules:\n{}\n{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn durations_out_of_order_are_refused_with_the_normal_form() {
    for (window, normal) in [("30m1h", "1h30m"), ("1h1h", "2h"), ("1s1m", "1m1s")] {
        let output = rules(&["--window", window]);
        assert_eq!(output.status.code(), Some(2), "--window {window}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("--window") && stderr.contains(&format!("`{normal}`")),
            "{stderr}"
        );
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn every_catalog_query_is_valid_promql() {
    let selectors = [
        Selector::all(),
        Selector::parse(r#"job="otl-api""#).expect("selector"),
        Selector::parse(r#"{job=~"otl-.*|api",env!="dev",name!~"x\"y"}"#).expect("selector"),
    ];
    let catalogs = [Catalog::default(), Catalog::with_prefix("otl_")];
    for catalog in &catalogs {
        for selector in &selectors {
            for kind in Kind::ALL {
                parses(&catalog.promql(*kind, selector));
                parses(&catalog.promql_with_host_label(*kind, selector, Some("node")));
            }
        }
    }
}

/// Decodes a percent-encoded URL component.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() + 1 {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("hex");
            out.push(u8::from_str_radix(hex, 16).expect("hex"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("utf-8")
}

/// The queries of a Grafana Explore link, checking its format on the way.
fn explore_queries(link: &str, datasource: &str) -> Vec<String> {
    let rest = link
        .strip_prefix("https://grafana.example.com/explore?schemaVersion=1&panes=")
        .unwrap_or_else(|| panic!("not an Explore link: {link}"));
    let (panes, org) = rest.split_once("&orgId=").expect("orgId");
    assert_eq!(org, "1");
    let panes: serde_json::Value = serde_json::from_str(&percent_decode(panes)).expect("panes");
    let pane = panes
        .as_object()
        .and_then(|p| p.values().next())
        .expect("one pane");
    assert_eq!(pane["datasource"], datasource);
    pane["queries"]
        .as_array()
        .expect("queries")
        .iter()
        .map(|q| {
            assert_eq!(q["datasource"]["uid"], datasource);
            q["expr"].as_str().expect("expr").to_string()
        })
        .collect()
}

#[test]
fn rules_link_each_expression_to_grafana_explore() {
    let output = rules(&[
        "--app",
        r#"job="otl-api""#,
        "--grafana-url",
        "https://grafana.example.com/",
        "--grafana-datasource",
        "prom-main",
    ]);
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    let links: Vec<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("grafana_explore: "))
        .map(|quoted| serde_json::from_str(quoted).expect("quoted link"))
        .collect();
    let exprs = exprs(&text);
    assert_eq!(links.len(), exprs.len());
    for (link, expr) in links.iter().zip(&exprs) {
        assert_eq!(explore_queries(link, "prom-main"), vec![expr.clone()]);
    }
    let no_uid = rules(&["--grafana-url", "https://grafana.example.com"]);
    assert_eq!(no_uid.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_uid.stderr).contains("--grafana-datasource"));
}

#[test]
fn reports_link_every_target_to_grafana_explore() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report");
    let status = Command::cargo_bin("memgrowth")
        .expect("binary")
        .args([
            "diagnose",
            "--quiet",
            "--format",
            "json",
            "--input",
            "fixtures/otl-two-hosts",
        ])
        .args([
            "--app",
            r#"job="otl-api""#,
            "--container",
            r#"name="otl-api""#,
        ])
        .args([
            "--grafana-url",
            "https://grafana.example.com",
            "--grafana-datasource",
            "prom-main",
        ])
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run diagnose");
    assert!(status.status.success(), "{status:?}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).expect("json"))
            .expect("report.json");
    let links = report["links"].as_array().expect("links");
    assert_eq!(
        links.len(),
        report["targets"].as_array().expect("targets").len()
    );
    let html = std::fs::read_to_string(out.join("index.html")).expect("html");
    let markdown = std::fs::read_to_string(out.join("report.md")).expect("markdown");
    for link in links {
        let url = link["grafana_explore"].as_str().expect("url");
        let queries = explore_queries(url, "prom-main");
        assert_eq!(
            queries,
            link["queries"]
                .as_array()
                .expect("queries")
                .iter()
                .map(|q| q.as_str().expect("q").to_string())
                .collect::<Vec<_>>()
        );
        for q in &queries {
            parses(q);
            let host = link["host"].as_str().expect("host").replace('.', "\\\\.");
            assert!(q.contains(&host), "the query is narrowed to its host: {q}");
        }
        assert!(
            html.contains(&url.replace('&', "&amp;")),
            "index.html links {url}"
        );
        assert!(markdown.contains(&format!("[Explore in Grafana]({url})")));
    }
}

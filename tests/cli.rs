//! The command line as a user meets it: exit codes, error messages, completions, rules.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

fn memgrowth() -> Command {
    let mut cmd = Command::cargo_bin("memgrowth").expect("binary");
    cmd.env_remove("PROMETHEUS_URL").env("NO_COLOR", "1");
    cmd
}

#[test]
fn help_lists_only_built_commands() {
    let output = memgrowth().arg("--help").assert().success();
    let text = String::from_utf8_lossy(&output.get_output().stdout).to_string();
    for command in [
        "diagnose",
        "fit",
        "compare",
        "report",
        "fetch",
        "discover",
        "rules",
        "verify",
        "completions",
        "man",
    ] {
        assert!(text.contains(command), "--help lacks {command}:\n{text}");
    }
    assert!(!text.to_lowercase().contains("not implemented"));
}

#[test]
fn usage_errors_exit_2() {
    memgrowth()
        .args(["diagnose", "--input", "x.json", "--alpha", "2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--alpha"));
    memgrowth()
        .args(["diagnose", "--input", "x.json", "--fail-on", "leaky"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown verdict `leaky`"));
    memgrowth()
        .args(["diagnose", "--input", "x.json", "--limit", "lots"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--limit"));
    memgrowth()
        .args([
            "diagnose",
            "--input",
            "x.json",
            "--app",
            "job=\"unterminated",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--app"));
    memgrowth()
        .args(["diagnose", "--no-such-flag"])
        .assert()
        .code(2);
    memgrowth()
        .args(["diagnose"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--input"));
}

#[test]
fn missing_input_exits_3_and_names_the_path() {
    memgrowth()
        .args([
            "diagnose",
            "--input",
            "/nonexistent/metrics.json",
            "--format",
            "json",
        ])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("/nonexistent/metrics.json"));
}

#[test]
fn completions_are_generated() {
    memgrowth()
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(predicate::str::contains("memgrowth"));
}

#[test]
fn version_names_the_commit_and_build_date() {
    let text = stdout_of(&["--version"]);
    let version = env!("CARGO_PKG_VERSION");
    let rest = text
        .trim()
        .strip_prefix(&format!("memgrowth {version} (commit "))
        .unwrap_or_else(|| panic!("unexpected version line: {text}"));
    let (commit, date) = rest
        .strip_suffix(')')
        .and_then(|r| r.split_once(", built "))
        .unwrap_or_else(|| panic!("unexpected version line: {text}"));
    assert!(
        commit == "unknown"
            || (commit.len() == 12 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{text}"
    );
    let date = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d");
    assert!(date.is_ok(), "{text}");
}

#[test]
fn man_page_covers_every_command() {
    let page = stdout_of(&["man"]);
    assert!(
        page.starts_with(".ie") || page.contains(".TH memgrowth 1"),
        "{page}"
    );
    for needle in [
        "MEMGROWTH DIAGNOSE",
        "MEMGROWTH RULES",
        "completions",
        "\\-\\-prometheus",
        "\\-\\-grafana\\-url",
    ] {
        assert!(page.contains(needle), "the man page lacks {needle}");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    memgrowth()
        .args(["man", "--dir"])
        .arg(dir.path())
        .assert()
        .success();
    for file in ["memgrowth.1", "memgrowth-diagnose.1", "memgrowth-rules.1"] {
        let text = std::fs::read_to_string(dir.path().join(file)).expect(file);
        assert!(text.contains(".TH"), "{file} is not a man page");
    }
}

#[test]
fn rules_pass_promtool() {
    let output = memgrowth()
        .args([
            "rules",
            "--app",
            r#"job="otl-api""#,
            "--container",
            r#"name=~"otl-.*""#,
        ])
        .assert()
        .success();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rules.yml");
    std::fs::write(&path, &output.get_output().stdout).expect("write rules");
    let promtool = which("promtool").expect(
        "promtool is missing: run scripts/test.sh, which installs Debian's prometheus package",
    );
    let check = std::process::Command::new(promtool)
        .args(["check", "rules"])
        .arg(&path)
        .output()
        .expect("run promtool");
    assert!(
        check.status.success(),
        "promtool rejected the rules:\n{}\n{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(String::from_utf8_lossy(&check.stdout).contains("SUCCESS: 5 rules found"));
}

#[test]
fn rules_escape_hostile_label_values() {
    // A value that would end the string and inject PromQL must stay inside the matcher.
    let output = memgrowth()
        .args(["rules", "--app", r#"job="a\"} or vector(1) or x{y=\"""#])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&output.get_output().stdout).to_string();
    let first_expr = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("expr: "))
        .expect("an expr line");
    let expr: String = serde_json::from_str(first_expr).expect("expr is a quoted string");
    assert!(
        expr.contains(r#"job="a\"} or vector(1) or x{y=\"""#),
        "the value is not escaped inside its matcher: {expr}"
    );
}

fn which(name: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| Path::new(p).is_file())
    })
}

fn stdout_of(args: &[&str]) -> String {
    let output = memgrowth().args(args).assert().success();
    String::from_utf8_lossy(&output.get_output().stdout).to_string()
}

#[test]
fn compare_output_snapshots() {
    let table = stdout_of(&[
        "compare",
        "--input",
        "fixtures/otl-two-hosts",
        "--format",
        "table",
    ]);
    assert!(table.contains("page cache"), "{table}");
    insta::assert_snapshot!("compare_otl_table", table);
    let json = stdout_of(&[
        "compare",
        "--input",
        "fixtures/otl-two-hosts",
        "--format",
        "json",
    ]);
    let value: serde_json::Value = serde_json::from_str(&json).expect("comparison JSON");
    assert_eq!(value["divergent_kinds"][0]["explained_by"], "cgroup_cache");
    insta::assert_snapshot!("compare_otl_json", json);
}

#[test]
fn fail_on_sets_exit_code_1_and_junit_failures() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("leak");
    memgrowth()
        .args([
            "diagnose",
            "--input",
            "fixtures/leak",
            "--format",
            "json",
            "--fail-on",
            "leak,restart_masked_leak",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(1);
    let junit = std::fs::read_to_string(out.join("junit.xml")).expect("junit.xml");
    assert!(junit.contains("<failure"), "{junit}");
    memgrowth()
        .args([
            "diagnose",
            "--input",
            "fixtures/stable",
            "--format",
            "json",
            "--fail-on",
            "leak",
        ])
        .assert()
        .code(0);
}

#[test]
fn report_rerenders_a_saved_report_identically() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("again");
    memgrowth()
        .args([
            "report",
            "--input",
            "reports/otl-two-hosts/report.json",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    for file in ["report.json", "report.md", "index.html", "junit.xml"] {
        let committed =
            std::fs::read(Path::new("reports/otl-two-hosts").join(file)).expect("committed");
        let again = std::fs::read(out.join(file)).expect("rendered");
        assert!(committed == again, "{file} differs after re-rendering");
    }
}

#[test]
fn broken_pipe_is_quiet() {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("memgrowth"))
        .args([
            "diagnose",
            "--input",
            "fixtures/otl-two-hosts",
            "--format",
            "json",
            "--quiet",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("wait");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

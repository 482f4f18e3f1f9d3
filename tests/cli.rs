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
    for command in ["diagnose", "fit", "rules", "completions"] {
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

//! `reports/otl-two-hosts/` is committed so a reader sees the output without running
//! anything. This test regenerates it with the README's command into a temporary
//! directory and fails when any committed file differs or is missing: a stale report
//! fails CI. Regenerate with the README's set-up command (1).

use assert_cmd::Command;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn files_under(root: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(path.strip_prefix(root).expect("prefix").to_path_buf());
            }
        }
    }
    out
}

#[test]
fn committed_report_is_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let committed = root.join("reports/otl-two-hosts");
    let fresh = tempfile::tempdir().expect("tempdir");
    let out = fresh.path().join("otl-two-hosts");
    Command::cargo_bin("memgrowth")
        .expect("binary")
        .current_dir(root)
        .env("NO_COLOR", "1")
        .args(["diagnose", "--input", "fixtures/otl-two-hosts", "--out"])
        .arg(&out)
        .args(["--format", "table"])
        .assert()
        .success();
    let expected = files_under(&out);
    let present = files_under(&committed);
    assert_eq!(
        present, expected,
        "reports/otl-two-hosts/ holds other files than the tool writes; regenerate it with the README's command (1)"
    );
    for file in &expected {
        let a = std::fs::read(committed.join(file)).expect("committed file");
        let b = std::fs::read(out.join(file)).expect("fresh file");
        assert!(
            a == b,
            "reports/otl-two-hosts/{} is stale; regenerate it with the README's command (1)",
            file.display()
        );
    }
}

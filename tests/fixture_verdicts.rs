//! Every generated fixture gets the verdict it was built to show: `memgrowth fit --input
//! fixtures/<name>` on each fixture that has `expected/truth.json`, per host, against the
//! verdict the scenario planted (the table `scripts/fixture-verdicts.sh` prints).

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn fit(dir: &Path) -> Value {
    let output = Command::cargo_bin("memgrowth")
        .expect("the memgrowth binary")
        .args(["fit", "--input"])
        .arg(dir)
        .args(["--format", "json"])
        .output()
        .expect("run memgrowth fit");
    assert!(
        output.status.success(),
        "fit --input {} failed: {}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("fit prints JSON")
}

#[test]
fn every_fixture_gets_its_planted_verdict() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut checked = 0;
    let mut wrong = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("fixtures/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("expected/truth.json").is_file())
        .collect();
    dirs.sort();
    for dir in dirs {
        let truth: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("expected/truth.json")).expect("truth.json"),
        )
        .expect("truth.json is JSON");
        let report = fit(&dir);
        for expected in truth["truth"]["targets"].as_array().expect("truth targets") {
            let host = expected["host"].as_str().expect("host");
            let got = report["targets"]
                .as_array()
                .expect("report targets")
                .iter()
                .find(|t| t["host"] == host)
                .map(|t| t["verdict"].as_str().unwrap_or("").to_string());
            checked += 1;
            if got.as_deref() != expected["verdict"].as_str() {
                wrong.push(format!(
                    "{} on {host}: expected {}, got {got:?}",
                    dir.display(),
                    expected["verdict"]
                ));
            }
        }
    }
    assert!(checked >= 10, "only {checked} fixture targets found");
    assert!(wrong.is_empty(), "wrong verdicts:\n{}", wrong.join("\n"));
}

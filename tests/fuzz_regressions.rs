//! Every saved fuzz input replayed through the fuzz targets' own checks as an ordinary
//! test: the seed corpus (`fuzz/seeds/`, made from the fixtures) and every input that
//! once crashed a target (`fuzz/regressions/<target>/`, kept after the fix).

#[path = "../fuzz/src/checks.rs"]
mod checks;

use std::path::Path;

fn inputs(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.is_file());
    files.sort();
    files
}

#[test]
fn saved_fuzz_inputs_pass_every_check() {
    let mut failures = Vec::new();
    for (name, check) in checks::TARGETS {
        let seeds = inputs(&Path::new("fuzz/seeds").join(name));
        assert!(
            !seeds.is_empty(),
            "no seed corpus for the fuzz target {name}"
        );
        let regressions = inputs(&Path::new("fuzz/regressions").join(name));
        for file in seeds.iter().chain(&regressions) {
            let data = std::fs::read(file).expect("read a saved fuzz input");
            if std::panic::catch_unwind(|| check(&data)).is_err() {
                failures.push(format!("{name}: {}", file.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "inputs that fail their checks:\n{}",
        failures.join("\n")
    );
}

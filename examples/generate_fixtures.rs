//! Regenerates the scenario fixtures: `cargo run --release --example generate_fixtures -- fixtures/`.
//!
//! Writes `fixtures/<scenario>/{app,cadvisor,node,redis}.json` (Prometheus `query_range`
//! responses) and `expected/truth.json` for every scenario. The output is byte-identical on every
//! run; see `fixtures/README.md`.
//!
//! With `--openmetrics`, writes `<dir>/<scenario>.om` instead: the same series as
//! OpenMetrics text for `promtool tsdb create-blocks-from openmetrics <file> <tsdb-dir>`,
//! at the raw scrape times, so that `query_range` over the backfilled TSDB with the
//! fixture's window and step returns the fixture's JSON byte for byte.

use memgrowth::synth::{
    ScenarioKind, fixture_params, generate, write_fixtures, write_openmetrics_file,
};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn write_openmetrics_files(root: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(root)
        .map_err(|e| format!("cannot create `{}`: {e}", root.display()))?;
    let mut written = Vec::new();
    for kind in ScenarioKind::ALL {
        // Raw scrape times: a Prometheus backfilled from these answers `query_range`
        // at the fixture's step with exactly the fixture's JSON.
        let mut params = fixture_params(kind);
        params.aligned_timestamps = false;
        let scenario = generate(kind, &params);
        let path = root.join(format!("{}.om", kind.name()));
        write_openmetrics_file(&scenario.series, &path).map_err(|e| e.to_string())?;
        written.push(path);
    }
    Ok(written)
}

fn main() -> ExitCode {
    let mut openmetrics = false;
    let mut root = PathBuf::from("fixtures");
    for arg in std::env::args_os().skip(1) {
        if arg == "--openmetrics" {
            openmetrics = true;
        } else if arg == "--help" || arg == "-h" {
            eprintln!("usage: generate_fixtures [--openmetrics] [DIR]   (default DIR: fixtures)");
            return ExitCode::SUCCESS;
        } else {
            root = PathBuf::from(arg);
        }
    }
    let result = if openmetrics {
        write_openmetrics_files(&root)
    } else {
        write_fixtures(&root)
            .map(|files| files.iter().map(|f| root.join(f)).collect())
            .map_err(|e| e.to_string())
    };
    match result {
        Ok(files) => {
            for f in files {
                eprintln!("wrote {}", f.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(3)
        }
    }
}

//! Regenerates the scenario fixtures: `cargo run --release --example generate_fixtures -- fixtures/`.
//!
//! Writes `fixtures/<scenario>/{app,cadvisor,node,redis}.json` (Prometheus `query_range`
//! responses) and `truth.json` for every scenario. The output is byte-identical on every
//! run; see `fixtures/README.md`.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("fixtures"));
    match memgrowth::synth::write_fixtures(&root) {
        Ok(files) => {
            for f in files {
                eprintln!("wrote {}", root.join(f).display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(3)
        }
    }
}

//! The `memgrowth` binary: parse arguments (config file applied), run the command, map
//! the outcome to an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    match memgrowth::cli::parse::parse_args(std::env::args_os().collect()) {
        Ok(cli) => memgrowth::cli::run(cli),
        Err(code) => code,
    }
}

//! From the process's arguments to a [`Cli`]: the config file applied, then clap.

use super::args::Cli;
use crate::config;
use clap::{CommandFactory, FromArgMatches};
use std::ffi::OsString;
use std::process::ExitCode;

/// Parses `argv` (program name first) with the config file applied. Help and version
/// print on stdout and give `Err(0)`; usage errors print on stderr and give `Err(2)`.
pub fn parse_args(argv: Vec<OsString>) -> Result<Cli, ExitCode> {
    let mut command = Cli::command();
    command.build();
    let applied = match config::apply(&command, argv) {
        Ok(applied) => applied,
        Err(error) => {
            eprintln!("error: {error}");
            return Err(ExitCode::from(2));
        }
    };
    let matches = match command.clone().try_get_matches_from(&applied.args) {
        Ok(matches) => matches,
        Err(error) => {
            let _ = error.print();
            if error.use_stderr() {
                if let (Some(file), false) = (&applied.file, applied.from_file.is_empty()) {
                    eprintln!(
                        "note: {} set {}",
                        file.display(),
                        applied.from_file.join(", ")
                    );
                }
            }
            return Err(ExitCode::from(if error.use_stderr() { 2 } else { 0 }));
        }
    };
    let mut cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return Err(ExitCode::from(2));
        }
    };
    if !cli.quiet {
        for warning in &applied.warnings {
            eprintln!("warning: {warning}");
        }
    }
    cli.provenance = config::provenance(&command, &matches, &applied);
    if let Some(prom) = cli.command.prom_args_mut() {
        prom.inline_secrets = applied.secrets.clone();
    }
    Ok(cli)
}

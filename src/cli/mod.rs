//! The command line: arguments, validated settings, and one module per command.
//!
//! Exit codes: 0 success; 1 `--fail-on` matched a target's verdict; 2 usage error;
//! 3 input, source or output error.

pub mod args;
mod compare;
mod diagnose;
mod discover;
mod error_text;
mod fetch;
mod fleet;
mod live;
mod man;
pub mod output;
pub mod parse;
mod pipeline_io;
mod postmortem;
mod report;
mod rules;
pub mod settings;
mod verify;

use args::{Cli, Command};
use clap::CommandFactory;
use output::{Log, OutputError};
use std::process::ExitCode;

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    FailOn = 1,
    Usage = 2,
    Source = 3,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// A failed command: the exit code and the error chain to print.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub error: anyhow::Error,
}

impl Failure {
    pub fn usage(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            exit: Exit::Usage,
            error: error.into(),
        }
    }

    pub fn source(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            exit: Exit::Source,
            error: error.into(),
        }
    }
}

impl From<settings::UsageError> for Failure {
    fn from(error: settings::UsageError) -> Self {
        Failure::usage(error)
    }
}

impl From<OutputError> for Failure {
    fn from(error: OutputError) -> Self {
        Failure::source(error)
    }
}

/// `config show`: resolves the given command line (default `diagnose`) as it would run.
fn config_show(
    args: args::ShowArgs,
    config_file: Option<&std::path::Path>,
) -> Result<Exit, Failure> {
    let mut argv: Vec<std::ffi::OsString> = vec!["memgrowth".into()];
    if let Some(path) = config_file {
        argv.push("--config".into());
        argv.push(path.into());
    }
    if args.args.is_empty() {
        argv.push("diagnose".into());
    }
    argv.extend(args.args);
    let inner = parse::parse_args(argv).map_err(|_| {
        Failure::usage(anyhow::anyhow!(
            "the command line given to `config show` is not valid (see the message above)"
        ))
    })?;
    output::print_stdout(&crate::config::render_show(&inner.provenance))?;
    Ok(Exit::Success)
}

/// Runs a parsed command line and returns its exit code; errors are printed on stderr.
pub fn run(cli: Cli) -> ExitCode {
    let log = Log { quiet: cli.quiet };
    let result = match cli.command {
        Command::Diagnose(args) => diagnose::run_diagnose(args, cli.color, log),
        Command::Fit(args) => diagnose::run_fit(args, cli.color, log),
        Command::Compare(args) => compare::run_compare(args, cli.color, log),
        Command::Report(args) => report::run_report(args, log),
        Command::Fetch(args) => fetch::run_fetch(args, log),
        Command::Discover(args) => discover::run_discover(args, cli.color, log),
        Command::Rules(args) => rules::run_rules(args),
        Command::Verify(args) => verify::run_verify(args),
        Command::Man(args) => man::run_man(args),
        Command::Config(args::ConfigCommand::Show(args)) => {
            config_show(args, cli.config.as_deref())
        }
        Command::Completions(args) => {
            let mut command = Cli::command();
            let mut buffer = Vec::new();
            clap_complete::generate(args.shell, &mut command, "memgrowth", &mut buffer);
            output::print_stdout(&String::from_utf8_lossy(&buffer))
                .map(|_| Exit::Success)
                .map_err(Failure::from)
        }
    };
    match result {
        Ok(exit) => exit.into(),
        Err(failure) if failure.exit == Exit::Usage => {
            // A value from the config file is named with the file and key it came from.
            let text = format!("{:#}", failure.error);
            let from_file = text
                .split_whitespace()
                .next()
                .map(|flag| flag.trim_end_matches(':'))
                .and_then(|flag| cli.provenance.file_key_of(flag));
            match from_file {
                Some((path, key)) => {
                    eprintln!("error: {text} (set by `{key}` in {})", path.display())
                }
                None => eprintln!("error: {text}"),
            }
            failure.exit.into()
        }
        Err(Failure { error, exit: _, .. })
            if matches!(
                error.downcast_ref::<OutputError>(),
                Some(OutputError::BrokenPipe)
            ) =>
        {
            Exit::Success.into()
        }
        Err(failure) => {
            eprintln!("error: {}", error_text::error_text(&failure.error));
            failure.exit.into()
        }
    }
}

//! Applying the config file: its values become arguments, appended to the command line
//! for every setting the command line and the environment leave at its default, so the
//! parser checks them exactly as it checks flags.

use super::{
    ConfigError, DEFAULT_FILE, INLINE_SECRETS, InlineSecrets, Provenance, Setting, Source, redact,
};
use clap::parser::ValueSource;
use clap::{ArgAction, ArgMatches, Command};
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The table of per-kind metric names: `[metrics] heap_used = "app_heap_bytes"`.
const METRICS_TABLE: &str = "metrics";

/// The command line with the config file applied.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// The arguments to parse: the command line, then the file's values.
    pub args: Vec<OsString>,
    /// The file that was read, if any.
    pub file: Option<PathBuf>,
    /// The keys whose values came from the file.
    pub from_file: Vec<String>,
    pub secrets: InlineSecrets,
    /// Things the user should know (inline secrets), for stderr.
    pub warnings: Vec<String>,
}

/// Which config file applies: `--config` (or `MEMGROWTH_CONFIG`), else `memgrowth.toml`
/// in the working directory when it exists. A named file that is missing is an error.
fn config_path(matches: &ArgMatches) -> Option<(PathBuf, bool)> {
    if let Some(path) = matches.get_one::<PathBuf>("config") {
        return Some((path.clone(), true));
    }
    let default = PathBuf::from(DEFAULT_FILE);
    default.is_file().then_some((default, false))
}

fn key_error(path: &Path, message: String) -> ConfigError {
    ConfigError::Key {
        path: path.to_path_buf(),
        message,
    }
}

/// Every key some command accepts: the long flags of every subcommand.
fn known_keys(command: &Command) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for sub in command.get_subcommands() {
        for arg in sub.get_arguments() {
            if let Some(long) = arg.get_long() {
                keys.insert(long.to_string());
            }
        }
    }
    for arg in command.get_arguments() {
        if let Some(long) = arg.get_long() {
            keys.insert(long.to_string());
        }
    }
    keys.remove("help");
    keys.remove("version");
    keys.remove("config");
    keys
}

/// A TOML value as the argument strings it stands for; `None` for a table.
fn as_args(value: &toml::Value) -> Option<Vec<String>> {
    Some(match value {
        toml::Value::String(s) => vec![s.clone()],
        toml::Value::Integer(n) => vec![n.to_string()],
        toml::Value::Float(x) => vec![x.to_string()],
        toml::Value::Boolean(b) => vec![b.to_string()],
        toml::Value::Datetime(d) => vec![d.to_string()],
        toml::Value::Array(items) => {
            let mut out = Vec::new();
            for item in items {
                out.extend(as_args(item)?);
            }
            out
        }
        toml::Value::Table(_) => return None,
    })
}

fn read_table(path: &Path) -> Result<toml::Table, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    text.parse::<toml::Table>()
        .map_err(|e| ConfigError::Syntax {
            path: path.to_path_buf(),
            message: e.to_string().trim().to_string(),
        })
}

/// Applies the config file to `argv` (the whole command line, program name first) for
/// `command` (built, so global flags reach the subcommands). When the command line does
/// not parse, or names no subcommand, it is returned as it is for the parser to report.
pub fn apply(command: &Command, argv: Vec<OsString>) -> Result<Applied, ConfigError> {
    let mut applied = Applied {
        args: argv.clone(),
        ..Applied::default()
    };
    let Ok(matches) = command
        .clone()
        .ignore_errors(true)
        .try_get_matches_from(&argv)
    else {
        return Ok(applied);
    };
    let Some((name, sub_matches)) = matches.subcommand() else {
        return Ok(applied);
    };
    let Some(sub) = command.find_subcommand(name) else {
        return Ok(applied);
    };
    let Some((path, named)) = config_path(&matches) else {
        return Ok(applied);
    };
    if !path.is_file() && named {
        return Err(ConfigError::Read {
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            path,
        });
    }
    let table = read_table(&path)?;
    let known = known_keys(command);
    for key in table.keys() {
        let canonical = key.replace('_', "-");
        if key != METRICS_TABLE
            && !known.contains(&canonical)
            && !INLINE_SECRETS.contains(&canonical.as_str())
        {
            return Err(key_error(
                &path,
                format!(
                    "unknown key `{key}`; the keys are the long flags of the commands (see `memgrowth COMMAND --help`), e.g. prometheus, app, container, limit, and a [metrics] table of per-kind metric names"
                ),
            ));
        }
    }
    let lookup = |long: &str| {
        table.get(long).map(|v| (long.to_string(), v)).or_else(|| {
            let snake = long.replace('-', "_");
            table.get(&snake).map(|v| (snake, v))
        })
    };
    let explicit = |id: &str| {
        matches!(
            sub_matches.value_source(id),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        )
    };
    let mut extra: Vec<String> = Vec::new();
    for arg in sub.get_arguments() {
        let (Some(long), id) = (arg.get_long(), arg.get_id().as_str()) else {
            continue;
        };
        if matches!(long, "help" | "version" | "config") || explicit(id) {
            continue;
        }
        if long == "metric" {
            if let Some(metrics) = table.get(METRICS_TABLE) {
                let toml::Value::Table(metrics) = metrics else {
                    return Err(key_error(
                        &path,
                        "`metrics` must be a table of kind = \"metric_name\", e.g. [metrics] heap_used = \"app_heap_bytes\"".into(),
                    ));
                };
                for (kind, name) in metrics {
                    let Some(toml::Value::String(name)) = Some(name) else {
                        return Err(key_error(
                            &path,
                            format!("metrics.{kind} must be a metric name in quotes"),
                        ));
                    };
                    extra.push(format!("--metric={kind}={name}"));
                }
                applied.from_file.push("metric".into());
            }
        }
        let Some((key, value)) = lookup(long) else {
            continue;
        };
        // A flag given for a conflicting setting (--input against a file's
        // `prometheus`) wins over the file's value; a conflict is declared on one side.
        let conflicts = |a: &clap::Arg, b: &clap::Arg| {
            sub.get_arg_conflicts_with(a)
                .iter()
                .any(|c| c.get_id() == b.get_id())
        };
        if sub.get_arguments().any(|other| {
            explicit(other.get_id().as_str()) && (conflicts(arg, other) || conflicts(other, arg))
        }) {
            continue;
        }
        let Some(values) = as_args(value) else {
            return Err(key_error(
                &path,
                format!("`{key}` must be a value or a list of values, not a table"),
            ));
        };
        if matches!(arg.get_action(), ArgAction::SetTrue) {
            match value {
                toml::Value::Boolean(true) => extra.push(format!("--{long}")),
                toml::Value::Boolean(false) => {}
                _ => return Err(key_error(&path, format!("`{key}` must be true or false"))),
            }
        } else {
            extra.extend(values.iter().map(|v| format!("--{long}={v}")));
        }
        applied.from_file.push(long.to_string());
    }
    for key in INLINE_SECRETS {
        if let Some((found, value)) = lookup(key) {
            let toml::Value::String(secret) = value else {
                return Err(key_error(&path, format!("`{found}` must be a string")));
            };
            applied.warnings.push(format!(
                "{}: `{found}` holds a secret inline; keep it in a file ({key}-file) or name a variable ({key}-env) instead",
                path.display()
            ));
            applied
                .secrets
                .values
                .insert(key.to_string(), secret.clone());
        }
    }
    applied.args.extend(extra.into_iter().map(OsString::from));
    applied.file = Some(path);
    Ok(applied)
}

/// Where each setting of the parsed subcommand came from, with its value (redacted).
pub fn provenance(command: &Command, matches: &ArgMatches, applied: &Applied) -> Provenance {
    let Some((name, sub_matches)) = matches.subcommand() else {
        return Provenance::default();
    };
    let Some(sub) = command.find_subcommand(name) else {
        return Provenance::default();
    };
    let mut settings = Vec::new();
    for arg in sub.get_arguments() {
        let (Some(long), id) = (arg.get_long(), arg.get_id().as_str()) else {
            continue;
        };
        if matches!(long, "help" | "version") {
            continue;
        }
        let values: Vec<String> = sub_matches
            .get_raw(id)
            .map(|raw| raw.map(|v| v.to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        let value = if matches!(arg.get_action(), ArgAction::SetTrue) {
            sub_matches.get_flag(id).to_string()
        } else {
            values.join("\n")
        };
        let source = match sub_matches.value_source(id) {
            Some(ValueSource::CommandLine) if applied.from_file.iter().any(|k| k == long) => {
                Source::File {
                    path: applied.file.clone().unwrap_or_default(),
                    key: if long == "metric" {
                        METRICS_TABLE.to_string()
                    } else {
                        long.to_string()
                    },
                }
            }
            Some(ValueSource::CommandLine) => Source::Flag,
            Some(ValueSource::EnvVariable) => Source::Env(
                arg.get_env()
                    .map(|e| e.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            ),
            _ => Source::Default,
        };
        settings.push(Setting {
            key: long.to_string(),
            value: redact(long, &value),
            source,
        });
    }
    for key in INLINE_SECRETS {
        if applied.secrets.values.contains_key(key) {
            settings.push(Setting {
                key: key.to_string(),
                value: "<redacted>".to_string(),
                source: Source::File {
                    path: applied.file.clone().unwrap_or_default(),
                    key: key.to_string(),
                },
            });
        }
    }
    Provenance {
        command: name.to_string(),
        file: applied.file.clone(),
        settings,
    }
}

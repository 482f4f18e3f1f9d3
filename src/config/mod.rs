//! The config file, `memgrowth.toml` in the working directory or `--config PATH`: the
//! same settings as the long flags, under the same names (`prometheus = "http://..."`,
//! `app = 'job="otl-api"'`, `limit = "1.5GiB"`, `[metrics]` for per-kind metric names).
//!
//! Precedence: a flag or its `MEMGROWTH_*` variable wins over the file, the file over
//! the defaults. The file is applied by handing its values to the same argument parser
//! as the command line, so a value from the file is checked exactly like a flag; what
//! each setting's value is and where it came from is kept in [`Provenance`] for
//! `memgrowth config show` and for errors.

mod apply;
mod show;

pub use apply::{Applied, apply, provenance};
pub use show::render_show;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file read when no `--config` is given, in the working directory.
pub const DEFAULT_FILE: &str = "memgrowth.toml";
/// The environment variable naming a config file (like `--config`).
pub const CONFIG_ENV: &str = "MEMGROWTH_CONFIG";

/// Keys holding a secret inline; accepted with a warning (the `-file` and `-env` keys
/// are preferred).
pub const INLINE_SECRETS: [&str; 2] = ["bearer-token", "basic-auth-password"];

/// A config file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: not valid TOML: {message}", path.display())]
    Syntax { path: PathBuf, message: String },
    #[error("{}: {message}", path.display())]
    Key { path: PathBuf, message: String },
}

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The command line.
    Flag,
    /// An environment variable (its name).
    Env(String),
    /// The config file, under this key.
    File { path: PathBuf, key: String },
    /// The built-in default.
    Default,
}

impl Source {
    pub fn describe(&self) -> String {
        match self {
            Source::Flag => "flag".to_string(),
            Source::Env(var) => format!("env {var}"),
            Source::File { path, key } => format!("{} ({key})", path.display()),
            Source::Default => "default".to_string(),
        }
    }
}

/// One setting as the command will use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The long flag's name, which is also the config key.
    pub key: String,
    /// The value as the command reads it, secrets already redacted; empty when unset.
    pub value: String,
    pub source: Source,
}

/// Every setting of one command with where its value came from, in flag order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Provenance {
    pub command: String,
    /// The config file that was read, if any.
    pub file: Option<PathBuf>,
    pub settings: Vec<Setting>,
}

impl Provenance {
    /// The file key that set `flag` (`--limit`), when the file set it.
    pub fn file_key_of(&self, flag: &str) -> Option<(&Path, &str)> {
        let key = flag.strip_prefix("--")?;
        self.settings.iter().find_map(|s| match &s.source {
            Source::File { path, key: k } if s.key == key => Some((path.as_path(), k.as_str())),
            _ => None,
        })
    }
}

/// Secrets given inline in the file, kept out of the argument parser and its errors.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct InlineSecrets {
    pub values: BTreeMap<String, String>,
}

impl std::fmt::Debug for InlineSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.values.keys()).finish()
    }
}

/// Whether the value of `key` is a secret or may carry one, and how to show it.
pub fn redact(key: &str, value: &str) -> String {
    if value.is_empty() {
        return String::new();
    }
    if INLINE_SECRETS.contains(&key) {
        return "<redacted>".to_string();
    }
    match key {
        // Header values are credentials more often than not: keep the name only.
        "header" => value
            .split('\n')
            .map(|h| match h.split_once(':') {
                Some((name, _)) => format!("{}: <redacted>", name.trim()),
                None => "<redacted>".to_string(),
            })
            .collect::<Vec<_>>()
            .join(", "),
        "prometheus" => crate::prom::config::redact_url_text(value),
        _ => value.to_string(),
    }
}

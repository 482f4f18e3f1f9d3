//! Renderers: terminal, JSON, Markdown, HTML, JUnit and charts. They read the report; they never compute.
//!
//! Every renderer is a plain function from a [`Report`](crate::report::Report) (plus the
//! options it needs) to text or bytes, and is deterministic: the same report gives
//! byte-identical output, so generated reports can be committed and checked for staleness.

pub mod charts;
mod dir;
pub mod discover;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
mod postmortem;
mod postmortem_text;
pub mod sparkline;
pub mod table;
mod text;

pub use dir::write_report_dir;
pub use html::render_html;
pub use json::render_json;
pub use junit::render_junit;
pub use markdown::render_markdown;
pub use sparkline::sparkline;
pub use table::{render_comparison, render_table, render_terminal};

use std::path::PathBuf;

/// How the terminal output may be styled. The caller decides (from `NO_COLOR`, whether
/// stdout is a TTY and its width); renderers never probe the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TerminalStyle {
    /// Emit ANSI colours.
    pub color: bool,
    /// Wrap the table to this many columns; `None` leaves lines unwrapped (pipes, files).
    pub width: Option<u16>,
    /// Show every series of a target, not only those that decide and explain its verdict.
    pub verbose: bool,
}

impl TerminalStyle {
    /// Decides the style from what the caller observed: `no_color` is the value of the
    /// `NO_COLOR` variable (any non-empty value disables colour, see no-color.org),
    /// `is_tty` whether the output is a terminal and `width` its width in columns.
    pub fn decide(no_color: Option<&std::ffi::OsStr>, is_tty: bool, width: Option<u16>) -> Self {
        let disabled = no_color.is_some_and(|v| !v.is_empty());
        TerminalStyle {
            color: is_tty && !disabled,
            width: if is_tty { width } else { None },
            verbose: false,
        }
    }

    /// The style for standard output, from `NO_COLOR`, whether stdout is a terminal and
    /// its width. For the command line; renderers take the result as an argument.
    pub fn for_stdout() -> Self {
        use std::io::IsTerminal;
        let is_tty = std::io::stdout().is_terminal();
        let width = if is_tty {
            comfy_table::Table::new().width()
        } else {
            None
        };
        Self::decide(std::env::var_os("NO_COLOR").as_deref(), is_tty, width)
    }
}

/// A report could not be rendered or written.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("could not serialize the report to JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error(
        "could not create or write `{path}`: {source}; check the directory exists and is writable"
    )]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// `--out` names something that cannot be a report directory.
    #[error("`{path}`: {message}; choose another --out")]
    OutDir {
        path: PathBuf,
        message: &'static str,
    },
    #[error("could not draw chart `{chart}`: {message}")]
    Chart { chart: String, message: String },
    #[error("the embedded chart font could not be loaded; the binary is damaged, reinstall it")]
    Font,
}

#[cfg(test)]
mod tests {
    use super::TerminalStyle;
    use std::ffi::OsStr;

    #[test]
    fn colour_follows_no_color_and_tty() {
        let tty = TerminalStyle::decide(None, true, Some(90));
        assert_eq!(
            tty,
            TerminalStyle {
                color: true,
                width: Some(90),
                verbose: false,
            }
        );
        assert!(!TerminalStyle::decide(Some(OsStr::new("1")), true, Some(90)).color);
        assert!(TerminalStyle::decide(Some(OsStr::new("")), true, None).color);
        let pipe = TerminalStyle::decide(None, false, Some(90));
        assert_eq!(
            pipe,
            TerminalStyle {
                color: false,
                width: None,
                verbose: false,
            }
        );
    }
}

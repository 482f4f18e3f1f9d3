//! The postmortem options: the window on offline input (from `--start`, `--end` and
//! `--range`), checked before any file is read.

use super::args::PromArgs;
use super::settings::UsageError;
use crate::input::WindowRequest;
use crate::report::BundleRef;
use crate::units::{parse_duration, parse_timestamp};

/// The window asked for on offline input; the ends not given default to the data's.
pub fn offline_window(args: &PromArgs) -> Result<WindowRequest, UsageError> {
    let time = |flag: &str, text: &Option<String>| {
        text.as_deref()
            .map(|t| parse_timestamp(t).map_err(|e| UsageError(format!("{flag}: {e}"))))
            .transpose()
    };
    let start = time("--start", &args.start)?;
    let end = time("--end", &args.end)?;
    let range = args
        .range
        .as_deref()
        .map(|t| parse_duration(t).map_err(|e| UsageError(format!("--range: {e}"))))
        .transpose()?;
    if let (Some(start), Some(end)) = (start, end) {
        if start >= end {
            return Err(UsageError(format!(
                "the window is empty: --start ({start}) is not before --end ({end})"
            )));
        }
    }
    if range.is_some_and(|r| r <= 0.0) {
        return Err(UsageError(
            "--range must be longer than zero, e.g. 2d".to_string(),
        ));
    }
    Ok(WindowRequest { start, end, range })
}

/// Gives the report the window offline input was cut to, rather than the span of the
/// samples inside it (the report covers what was asked for), and the bundles it was
/// read from.
pub fn apply_window(
    report: &mut crate::report::Report,
    window: Option<(f64, f64)>,
    bundles: Vec<BundleRef>,
) {
    if let Some((start, end)) = window {
        report.window.start = crate::units::rfc3339(start);
        report.window.end = crate::units::rfc3339(end);
    }
    report.bundles = bundles;
}

//! `report.json`: the report contract, pretty-printed, ending with a newline.

use super::RenderError;
use crate::report::Report;

/// The report as pretty JSON (two-space indent, field order of the struct, maps sorted).
pub fn render_json(report: &Report) -> Result<String, RenderError> {
    let mut text = serde_json::to_string_pretty(report)?;
    text.push('\n');
    Ok(text)
}

//! `memgrowth config show`: the effective settings of a command, each with its source.

use super::Provenance;
use std::fmt::Write;

/// One line per setting: key, value (secrets redacted, `-` when unset) and where it
/// came from, aligned; a list value takes one line per item.
pub fn render_show(provenance: &Provenance) -> String {
    let mut out = String::new();
    let file = provenance
        .file
        .as_ref()
        .map_or_else(|| "none".to_string(), |p| p.display().to_string());
    let _ = writeln!(
        out,
        "# memgrowth {}: effective settings (config file: {file})",
        provenance.command
    );
    let key_width = provenance
        .settings
        .iter()
        .map(|s| s.key.len())
        .max()
        .unwrap_or(0);
    let value_width = provenance
        .settings
        .iter()
        .flat_map(|s| s.value.lines().map(str::len))
        .max()
        .unwrap_or(1)
        .clamp(1, 48);
    for setting in &provenance.settings {
        let mut values: Vec<&str> = setting.value.lines().collect();
        if values.is_empty() {
            values.push("-");
        }
        for (i, value) in values.iter().enumerate() {
            let key = if i == 0 { setting.key.as_str() } else { "" };
            let _ = writeln!(
                out,
                "{key:<key_width$}  {value:<value_width$}  {}",
                setting.source.describe()
            );
        }
    }
    out
}

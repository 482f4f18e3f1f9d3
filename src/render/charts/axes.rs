//! Axis layout for charts: a byte unit that keeps tick labels round (MiB, GiB), time
//! ticks aligned to whole hours or days in UTC, and the shared palette.

use chrono::{TimeZone, Utc};
use plotters::style::RGBColor;

/// Fonts and colours used by every chart.
pub const FONT: &str = "sans-serif";
pub const INK: RGBColor = RGBColor(0x1f, 0x29, 0x37);
pub const MUTED: RGBColor = RGBColor(0x6b, 0x72, 0x80);
pub const GRID: RGBColor = RGBColor(0xe5, 0xe7, 0xeb);
pub const DATA: RGBColor = RGBColor(0x25, 0x63, 0xeb);
pub const DATA_LIGHT: RGBColor = RGBColor(0x93, 0xc5, 0xfd);
pub const FLOOR: RGBColor = RGBColor(0x1e, 0x3a, 0x8a);
pub const SELECTED: RGBColor = RGBColor(0xdc, 0x26, 0x26);
pub const RIVAL: RGBColor = RGBColor(0x9c, 0xa3, 0xaf);
pub const LIMIT: RGBColor = RGBColor(0x11, 0x18, 0x27);
pub const PROJECTED: RGBColor = RGBColor(0xf3, 0xf4, 0xf6);
pub const RESTART: RGBColor = RGBColor(0xf5, 0x9e, 0x0b);
pub const RSS: RGBColor = RGBColor(0xea, 0x58, 0x0c);
pub const CACHE: RGBColor = RGBColor(0x7d, 0xd3, 0xfc);
/// Timeline events: marks given with `--mark`, OOM kills, growth onsets.
pub const MARK: RGBColor = RGBColor(0xc0, 0x26, 0xd3);
pub const OOM: RGBColor = RGBColor(0x99, 0x1b, 0x1b);
pub const ONSET: RGBColor = RGBColor(0x05, 0x96, 0x69);

/// The colour of a memory kind in breakdowns and small multiples.
pub fn kind_color(kind: &str) -> RGBColor {
    match kind {
        "cgroup_usage" => RGBColor(0x11, 0x18, 0x27),
        "cgroup_working_set" => RGBColor(0x4b, 0x55, 0x63),
        "cgroup_rss" => RSS,
        "cgroup_cache" => RGBColor(0x02, 0x84, 0xc7),
        "process_rss" => RGBColor(0x7c, 0x3a, 0xed),
        "heap_used" => RGBColor(0x16, 0xa3, 0x4a),
        "heap_total" => RGBColor(0x86, 0xef, 0xac),
        "external" => RGBColor(0xdb, 0x27, 0x77),
        "redis_used" => RGBColor(0xb9, 0x1c, 0x1c),
        _ => MUTED,
    }
}

/// A byte unit for an axis, chosen so tick labels stay short.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ByteUnit {
    pub name: &'static str,
    pub bytes: f64,
}

impl ByteUnit {
    /// The largest binary unit not above `max_bytes` (B for tiny or non-finite values).
    pub fn for_max(max_bytes: f64) -> ByteUnit {
        let units = [
            ("TiB", 1024f64.powi(4)),
            ("GiB", 1024f64.powi(3)),
            ("MiB", 1024f64.powi(2)),
            ("KiB", 1024.0),
        ];
        units
            .iter()
            .find(|(_, size)| max_bytes.is_finite() && max_bytes >= *size)
            .map_or(
                ByteUnit {
                    name: "B",
                    bytes: 1.0,
                },
                |(name, bytes)| ByteUnit {
                    name,
                    bytes: *bytes,
                },
            )
    }

    /// Bytes expressed in this unit.
    pub fn scale(self, bytes: f64) -> f64 {
        bytes / self.bytes
    }

    /// A tick label: `1.5 GiB`, `300 MiB`.
    pub fn label(self, value: f64) -> String {
        let text = format!("{value:.2}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        let text = if text == "-0" { "0" } else { text };
        format!("{text} {}", self.name)
    }
}

/// Tick positions (Unix seconds) at whole steps of 15 minutes to 4 weeks, UTC-aligned,
/// at most `max_ticks` of them, and whether labels need the time of day.
pub fn time_ticks(start: f64, end: f64, max_ticks: usize) -> (Vec<f64>, bool) {
    const STEPS: [f64; 13] = [
        900.0, 1800.0, 3600.0, 7200.0, 10800.0, 21600.0, 43200.0, 86400.0, 172800.0, 345600.0,
        604800.0, 1209600.0, 2419200.0,
    ];
    let span = (end - start).max(1.0);
    let step = STEPS
        .iter()
        .copied()
        .find(|step| span / step <= max_ticks.max(1) as f64)
        .unwrap_or(span / max_ticks.max(1) as f64);
    let mut ticks = Vec::new();
    let mut tick = (start / step).ceil() * step;
    while tick <= end && ticks.len() <= max_ticks * 2 {
        ticks.push(tick);
        tick += step;
    }
    (ticks, step < 86400.0)
}

/// A time tick label in UTC: `Nov 03` for days (and for midnight), `06:00` within a day.
pub fn time_label(unix_seconds: f64, with_time: bool) -> String {
    let millis = (unix_seconds * 1000.0).round() as i64;
    match Utc.timestamp_millis_opt(millis).single() {
        Some(t) if with_time && millis.rem_euclid(86_400_000) != 0 => t.format("%H:%M").to_string(),
        Some(t) => t.format("%b %d").to_string(),
        None => String::new(),
    }
}

/// The x axis title: `time (UTC)`, naming the day when tick labels show only hours.
pub fn time_title(start: f64, with_time: bool) -> String {
    let millis = (start * 1000.0).round() as i64;
    match Utc.timestamp_millis_opt(millis).single() {
        Some(t) if with_time => format!("time (UTC), from {}", t.format("%b %d %Y %H:%M")),
        _ => "time (UTC)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_unit_keeps_labels_round() {
        let unit = ByteUnit::for_max(1.6 * 1024f64.powi(3));
        assert_eq!(unit.name, "GiB");
        assert_eq!(unit.label(1.5), "1.5 GiB");
        assert_eq!(unit.label(0.0), "0 GiB");
        assert_eq!(ByteUnit::for_max(300.0 * 1024.0 * 1024.0).name, "MiB");
        assert_eq!(ByteUnit::for_max(f64::NAN).name, "B");
    }

    #[test]
    fn time_ticks_align_to_days() {
        let start = 1_761_955_200.0 + 3600.0; // 2025-11-01T01:00Z
        let (ticks, with_time) = time_ticks(start, start + 7.0 * 86400.0, 8);
        assert!(!with_time);
        assert!(ticks.len() >= 6 && ticks.len() <= 8);
        assert!(ticks.iter().all(|t| t % 86400.0 == 0.0));
        assert_eq!(time_label(ticks[0], false), "Nov 02");
        assert_eq!(time_label(start + 5.0 * 3600.0, true), "06:00");
        assert_eq!(time_label(ticks[0], true), "Nov 02");
    }
}

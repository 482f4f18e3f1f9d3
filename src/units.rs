//! Human units: byte sizes (`1.5GiB`), Prometheus durations (`1h30m`), timestamps.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};

/// A value that could not be read as a unit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    #[error(
        "`{0}` is not a byte size; use a number with an optional unit, e.g. 1536MiB, 1.5GiB, 2G or 800000000"
    )]
    Bytes(String),
    #[error("`{0}` is not a Prometheus duration; use e.g. 90m, 14d, 1h30m or 15s")]
    Duration(String),
    #[error(
        "`{text}` is not a Prometheus duration: units go from the largest to the smallest, each at most once (y, w, d, h, m, s, ms); write `{normalised}`"
    )]
    DurationOrder { text: String, normalised: String },
    #[error(
        "`{0}` is not a time; use RFC 3339 (2026-11-01T00:00:00Z) or Unix seconds (1761955200)"
    )]
    Timestamp(String),
}

/// Parses `1.5GiB`, `512MiB`, `2G`, `800M`, `1024`, `1.5gb` (SI units are powers of 1000).
pub fn parse_bytes(text: &str) -> Result<f64, UnitError> {
    let err = || UnitError::Bytes(text.to_string());
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let number: f64 = number.parse().map_err(|_| err())?;
    let multiplier = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "ki" | "kib" => 1024.0,
        "mi" | "mib" => 1024.0 * 1024.0,
        "gi" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "ti" | "tib" => 1024.0f64.powi(4),
        _ => return Err(err()),
    };
    let bytes = number * multiplier;
    if bytes.is_finite() && bytes > 0.0 {
        Ok(bytes)
    } else {
        Err(err())
    }
}

/// Formats bytes with binary units: `1.50 GiB`, `12.3 MiB`, `512 B`.
pub fn format_bytes(bytes: f64) -> String {
    if !bytes.is_finite() {
        return "n/a".to_string();
    }
    let sign = if bytes < 0.0 { "-" } else { "" };
    let mut value = bytes.abs();
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut unit = 0;
    while value >= 1024.0 && unit < units.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 || value >= 100.0 {
        format!("{sign}{value:.0} {}", units[unit])
    } else if value >= 10.0 {
        format!("{sign}{value:.1} {}", units[unit])
    } else {
        format!("{sign}{value:.2} {}", units[unit])
    }
}

/// Formats a rate in bytes per hour: `+3.2 MiB/h`.
pub fn format_rate(bytes_per_hour: f64) -> String {
    let sign = if bytes_per_hour >= 0.0 { "+" } else { "" };
    format!("{sign}{}/h", format_bytes(bytes_per_hour))
}

/// Formats a count (goroutines, objects) with three significant digits at most and a
/// decimal prefix from ten thousand: `7`, `42.5`, `3600`, `12.3k`, `4.56M`.
pub fn format_count(count: f64) -> String {
    if !count.is_finite() {
        return "n/a".to_string();
    }
    let sign = if count < 0.0 { "-" } else { "" };
    let value = count.abs();
    let (value, prefix) = match value {
        v if v >= 1e9 => (v / 1e9, "G"),
        v if v >= 1e6 => (v / 1e6, "M"),
        v if v >= 1e4 => (v / 1e3, "k"),
        v => (v, ""),
    };
    let text = if value >= 100.0 || (prefix.is_empty() && value.fract() == 0.0) {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    };
    format!("{sign}{text}{prefix}")
}

/// Formats a count per hour: `+3600/h`, `+12.3k/h`, `-0.50/h`.
pub fn format_count_rate(per_hour: f64) -> String {
    let sign = if per_hour >= 0.0 { "+" } else { "" };
    format!("{sign}{}/h", format_count(per_hour))
}

/// Formats hours as `3.5 h`, `2.1 d` or `45 min`.
pub fn format_hours(hours: f64) -> String {
    if !hours.is_finite() {
        "never".to_string()
    } else if hours < 1.0 {
        format!("{:.0} min", hours * 60.0)
    } else if hours < 48.0 {
        format!("{hours:.1} h")
    } else {
        format!("{:.1} d", hours / 24.0)
    }
}

/// Duration units in the order Prometheus requires, with their length in seconds.
const DURATION_UNITS: [(&str, f64); 7] = [
    ("y", 31_536_000.0),
    ("w", 604_800.0),
    ("d", 86_400.0),
    ("h", 3600.0),
    ("m", 60.0),
    ("s", 1.0),
    ("ms", 0.001),
];

/// Parses a Prometheus duration (`1h30m`, `90m`, `14d`, `1w`, `500ms`, `1y`) into seconds.
///
/// Prometheus' own syntax: whole numbers, units from the largest to the smallest, each
/// at most once. `30m1h` or `1h1h` are refused with the normalised spelling to use.
pub fn parse_duration(text: &str) -> Result<f64, UnitError> {
    let err = || UnitError::Duration(text.to_string());
    let s = text.trim();
    if s.is_empty() {
        return Err(err());
    }
    let bytes = s.as_bytes();
    let mut total = 0.0;
    let mut in_order = true;
    let mut next_unit = 0;
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if start == i {
            return Err(err());
        }
        let number: f64 = s[start..i].parse().map_err(|_| err())?;
        let unit_start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        let unit = &s[unit_start..i];
        let position = DURATION_UNITS
            .iter()
            .position(|(name, _)| *name == unit)
            .ok_or_else(err)?;
        in_order &= position >= next_unit;
        next_unit = position + 1;
        total += number * DURATION_UNITS[position].1;
    }
    if !(total > 0.0 && total.is_finite()) {
        return Err(err());
    }
    if !in_order {
        return Err(UnitError::DurationOrder {
            text: text.to_string(),
            normalised: format_duration(total),
        });
    }
    Ok(total)
}

/// Spells seconds as a Prometheus duration in normal form: `5400` is `1h30m`, `86400`
/// is `1d`, `0.5` is `500ms`. What goes into a query is written this way. Durations
/// below a millisecond round to the nearest one; zero and less is `0s`.
pub fn format_duration(seconds: f64) -> String {
    let mut ms = if seconds.is_finite() && seconds > 0.0 {
        (seconds * 1000.0).round() as u64
    } else {
        0
    };
    if ms == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    for (name, length) in DURATION_UNITS {
        let unit_ms = (length * 1000.0).round() as u64;
        let n = ms / unit_ms;
        if n > 0 {
            out.push_str(&format!("{n}{name}"));
            ms -= n * unit_ms;
        }
    }
    out
}

/// Parses RFC 3339 or Unix seconds (fractions allowed) into Unix seconds.
pub fn parse_timestamp(text: &str) -> Result<f64, UnitError> {
    let s = text.trim();
    if let Ok(seconds) = s.parse::<f64>() {
        if seconds.is_finite() {
            return Ok(seconds);
        }
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp_millis() as f64 / 1000.0)
        .map_err(|_| UnitError::Timestamp(text.to_string()))
}

/// Formats Unix seconds as RFC 3339 in UTC, to the second.
pub fn rfc3339(unix_seconds: f64) -> String {
    let millis = (unix_seconds * 1000.0).round() as i64;
    match Utc.timestamp_millis_opt(millis).single() {
        Some(t) => t.to_rfc3339_opts(SecondsFormat::Secs, true),
        None => format!("{unix_seconds}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_parse_binary_and_si_units() {
        assert_eq!(parse_bytes("1.5GiB"), Ok(1.5 * 1024.0 * 1024.0 * 1024.0));
        assert_eq!(parse_bytes("2G"), Ok(2e9));
        assert_eq!(parse_bytes("800000000"), Ok(8e8));
        assert_eq!(parse_bytes(" 512 MiB "), Ok(512.0 * 1024.0 * 1024.0));
        assert!(parse_bytes("1.5 parsecs").is_err());
        assert!(parse_bytes("").is_err());
        assert!(parse_bytes("0").is_err());
    }

    #[test]
    fn counts_keep_three_significant_digits() {
        assert_eq!(format_count(7.0), "7");
        assert_eq!(format_count(42.5), "42.5");
        assert_eq!(format_count(3599.8), "3600");
        assert_eq!(format_count(12_345.0), "12.3k");
        assert_eq!(format_count(4_560_000.0), "4.56M");
        assert_eq!(format_count_rate(3599.8), "+3600/h");
        assert_eq!(format_count_rate(-0.5), "-0.50/h");
        assert_eq!(format_count(f64::NAN), "n/a");
    }

    #[test]
    fn durations_follow_prometheus_syntax() {
        assert_eq!(parse_duration("1h30m"), Ok(5400.0));
        assert_eq!(parse_duration("14d"), Ok(14.0 * 86400.0));
        assert_eq!(parse_duration("90m"), Ok(5400.0));
        assert_eq!(parse_duration("500ms"), Ok(0.5));
        assert!(parse_duration("1.5h").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("10x").is_err());
        assert!(parse_duration("0s").is_err());
    }

    #[test]
    fn durations_out_of_order_name_the_normal_form() {
        for (text, normalised) in [
            ("30m1h", "1h30m"),
            ("1h1h", "2h"),
            ("5s1d", "1d5s"),
            ("1ms1s", "1s1ms"),
        ] {
            match parse_duration(text) {
                Err(UnitError::DurationOrder { normalised: n, .. }) => assert_eq!(n, normalised),
                other => panic!("{text}: unexpected {other:?}"),
            }
        }
        let message = parse_duration("30m1h")
            .expect_err("out of order")
            .to_string();
        assert!(message.contains("write `1h30m`"), "{message}");
    }

    #[test]
    fn durations_format_in_normal_form() {
        assert_eq!(format_duration(5400.0), "1h30m");
        assert_eq!(format_duration(86_400.0), "1d");
        assert_eq!(format_duration(8.0 * 86_400.0 + 1.0), "1w1d1s");
        assert_eq!(format_duration(0.5), "500ms");
        assert_eq!(format_duration(0.0), "0s");
        for text in ["1y2w3d4h5m6s7ms", "90m", "14d", "12h", "1w"] {
            let seconds = parse_duration(text).expect("a duration");
            assert_eq!(
                parse_duration(&format_duration(seconds)),
                Ok(seconds),
                "{text}"
            );
        }
    }

    #[test]
    fn timestamps_accept_rfc3339_and_unix() {
        assert_eq!(parse_timestamp("1761955200"), Ok(1_761_955_200.0));
        assert_eq!(parse_timestamp("2025-11-01T00:00:00Z"), Ok(1_761_955_200.0));
        assert!(parse_timestamp("yesterday").is_err());
        assert_eq!(rfc3339(1_761_955_200.0), "2025-11-01T00:00:00Z");
    }

    #[test]
    fn bytes_format_human() {
        assert_eq!(format_bytes(512.0), "512 B");
        assert_eq!(format_bytes(1.5 * 1024.0 * 1024.0 * 1024.0), "1.50 GiB");
        assert_eq!(format_rate(-2048.0), "-2.00 KiB/h");
    }
}

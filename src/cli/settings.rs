//! Validated settings: every argument is checked and converted here, before any I/O.

use super::args::{AnalysisArgs, ColorChoice, Format, OutputArgs, SourceArgs, SubjectArgs};
use crate::analysis::AnalysisSettings;
use crate::catalog::Catalog;
use crate::input::WindowRequest;
use crate::matcher::Selector;
use crate::report::SubjectInfo;
use crate::subject::Subject;
use crate::units::parse_bytes;
use crate::verdict::Verdict;
use std::io::IsTerminal;
use std::path::PathBuf;

/// An argument that is present but unusable; the CLI exits with code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

fn usage(message: impl Into<String>) -> UsageError {
    UsageError(message.into())
}

/// Where the series come from.
#[derive(Debug, Clone)]
pub enum SourceSettings {
    /// Offline input, cut to the window asked for (if any).
    Files {
        paths: Vec<PathBuf>,
        window: WindowRequest,
    },
    Live(Box<super::live::LiveSettings>),
}

impl SourceSettings {
    pub fn from_args(args: &SourceArgs) -> Result<Self, UsageError> {
        if let Some(live) = super::live::LiveSettings::from_args(&args.prometheus)? {
            return Ok(SourceSettings::Live(Box::new(live)));
        }
        if args.input.is_empty() {
            return Err(usage(
                "no source given: pass --input PATH (a Prometheus JSON file, Grafana CSV, bundle or directory) or --prometheus URL (or set PROMETHEUS_URL)",
            ));
        }
        Ok(SourceSettings::Files {
            paths: args.input.clone(),
            window: super::postmortem::offline_window(&args.prometheus)?,
        })
    }
}

/// The subject, parsed: matchers, grouping label, host label, and the catalog to classify with.
#[derive(Debug, Clone)]
pub struct SubjectSettings {
    pub subject: Subject,
    pub info: SubjectInfo,
    pub catalog: Catalog,
}

impl SubjectSettings {
    pub fn from_args(args: &SubjectArgs) -> Result<Self, UsageError> {
        let (app, container) = parse_matchers(&args.matchers)?;
        for (flag, label) in [("--by", &args.by), ("--host-label", &args.host_label)] {
            if let Some(label) = label {
                if !is_label_name(label) {
                    return Err(usage(format!(
                        "{flag} {label:?} is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)"
                    )));
                }
            }
        }
        let mut catalog = match &args.metric_prefix {
            Some(prefix) => Catalog::with_prefix(prefix),
            None => Catalog::default(),
        };
        for pair in &args.metrics {
            let (kind, name) = parse_metric_override(pair)?;
            catalog.set(kind, &name);
        }
        let info = SubjectInfo {
            app: app.as_ref().map(Selector::to_promql),
            container: container.as_ref().map(Selector::to_promql),
            by: args.by.clone(),
            host_label: args
                .host_label
                .clone()
                .unwrap_or_else(|| "instance (port stripped)".to_string()),
        };
        let subject = Subject {
            app,
            container,
            by: args.by.clone(),
            host_label: args.host_label.clone(),
            service: args.service.clone(),
        };
        Ok(SubjectSettings {
            subject,
            info,
            catalog,
        })
    }
}

/// Parses `--app` and `--container`; an error names the flag and the text.
pub fn parse_matchers(
    args: &super::args::MatcherArgs,
) -> Result<(Option<Selector>, Option<Selector>), UsageError> {
    let parse = |flag: &str, text: &Option<String>| -> Result<Option<Selector>, UsageError> {
        text.as_deref()
            .map(|t| Selector::parse(t).map_err(|e| usage(format!("{flag} {t:?}: {e}"))))
            .transpose()
    };
    Ok((
        parse("--app", &args.app)?,
        parse("--container", &args.container)?,
    ))
}

/// Reads `--metric KIND=NAME`.
fn parse_metric_override(pair: &str) -> Result<(crate::kind::Kind, String), UsageError> {
    let Some((kind, name)) = pair.split_once('=') else {
        return Err(usage(format!(
            "--metric {pair:?}: expected KIND=NAME, e.g. process_rss=app_resident_bytes"
        )));
    };
    let kind = kind
        .trim()
        .parse::<crate::kind::Kind>()
        .map_err(|e| usage(format!("--metric {pair:?}: {e}")))?;
    let name = name.trim();
    if name.is_empty()
        || name
            .chars()
            .any(|c| c.is_whitespace() || c == '{' || c == '"')
    {
        return Err(usage(format!(
            "--metric {pair:?}: `{name}` is not a metric name; give the bare name, e.g. app_resident_bytes"
        )));
    }
    Ok((kind, name.to_string()))
}

fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub fn analysis_settings(args: &AnalysisArgs) -> Result<AnalysisSettings, UsageError> {
    if !(args.alpha > 0.0 && args.alpha < 0.5) {
        return Err(usage(format!(
            "--alpha {} is out of range; use a significance level between 0 and 0.5, e.g. 0.01",
            args.alpha
        )));
    }
    if !(args.min_growth_per_day >= 0.0 && args.min_growth_per_day.is_finite()) {
        return Err(usage(format!(
            "--min-growth-per-day {} is out of range; use a fraction of the level per day, e.g. 0.01 for 1%/day",
            args.min_growth_per_day
        )));
    }
    if !(args.min_change >= 0.0 && args.min_change < 1.0) {
        return Err(usage(format!(
            "--min-change {} is out of range; use a fraction of the level between 0 and 1, e.g. 0.05 for 5%",
            args.min_change
        )));
    }
    let min_change_bytes = parse_bytes(&args.min_change_bytes)
        .map_err(|e| usage(format!("--min-change-bytes: {e}")))?;
    let limit_bytes = args
        .limit
        .as_deref()
        .map(|text| parse_bytes(text).map_err(|e| usage(format!("--limit: {e}"))))
        .transpose()?;
    let horizon_seconds = crate::units::parse_duration(&args.horizon)
        .map_err(|e| usage(format!("--horizon: {e}")))?;
    Ok(AnalysisSettings {
        alpha: args.alpha,
        min_relative_growth_per_day: args.min_growth_per_day,
        min_relative_change: args.min_change,
        min_change_bytes,
        limit_horizon_hours: horizon_seconds / 3600.0,
        limit_bytes,
    })
}

/// `--grafana-url` and `--grafana-datasource`, checked; `None` without a URL.
pub fn grafana_settings(
    args: &super::args::LinkArgs,
) -> Result<Option<crate::links::GrafanaSettings>, UsageError> {
    let Some(url) = args.grafana_url.as_deref().map(str::trim) else {
        return Ok(None);
    };
    let scheme_ok = url.starts_with("http://") || url.starts_with("https://");
    if !scheme_ok || url.contains(|c: char| c.is_whitespace() || "()<>\"'".contains(c)) {
        return Err(usage(format!(
            "--grafana-url {url:?} is not a Grafana URL; give its base, e.g. https://grafana.example.com"
        )));
    }
    let Some(datasource) = args
        .grafana_datasource
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    else {
        return Err(usage(
            "--grafana-url needs --grafana-datasource UID: the uid of the Prometheus datasource (the last part of its URL under Connections > Data sources)",
        ));
    };
    if !datasource
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(usage(format!(
            "--grafana-datasource {datasource:?} is not a datasource uid (letters, digits, - and _)"
        )));
    }
    Ok(Some(crate::links::GrafanaSettings {
        url: url.trim_end_matches('/').to_string(),
        datasource: datasource.to_string(),
        org_id: args.grafana_org_id,
    }))
}

/// How results are printed.
#[derive(Debug, Clone)]
pub struct OutputSettings {
    pub format: Format,
    pub fail_on: Vec<Verdict>,
    pub color: bool,
    pub width: Option<u16>,
    /// Every series of each target on the terminal, not only the decisive ones.
    pub verbose: bool,
}

impl OutputSettings {
    pub fn from_args(args: &OutputArgs, color: ColorChoice) -> Result<Self, UsageError> {
        let fail_on = args
            .fail_on
            .iter()
            .filter(|v| !v.trim().is_empty())
            .map(|v| {
                v.parse::<Verdict>()
                    .map_err(|e| usage(format!("--fail-on: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let terminal = crate::render::TerminalStyle::for_stdout();
        let stdout_is_terminal = std::io::stdout().is_terminal();
        let format = args.format.unwrap_or(if stdout_is_terminal {
            Format::Table
        } else {
            Format::Json
        });
        let color = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal.color,
        };
        let width = terminal.width;
        Ok(OutputSettings {
            format,
            fail_on,
            color,
            width,
            verbose: args.verbose,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_names_follow_prometheus() {
        assert!(is_label_name("job"));
        assert!(is_label_name("_x9"));
        assert!(!is_label_name("9x"));
        assert!(!is_label_name("a-b"));
        assert!(!is_label_name(""));
    }

    #[test]
    fn metric_overrides_name_kind_and_metric() {
        let (kind, name) = parse_metric_override("process_rss = app_rss").expect("valid");
        assert_eq!(
            (kind, name.as_str()),
            (crate::kind::Kind::ProcessRss, "app_rss")
        );
        for bad in [
            "process_rss",
            "heap=x",
            "process_rss=",
            "process_rss=a{b=\"c\"}",
        ] {
            let error = parse_metric_override(bad).expect_err(bad).0;
            assert!(error.starts_with("--metric"), "{error}");
        }
    }
}

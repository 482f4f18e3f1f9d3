//! `report`: render the report directory from a saved report.json or from offline input.

use super::args::ReportArgs;
use super::error_text::what_failed;
use super::output::Log;
use super::postmortem::{PostmortemSettings, analyse};
use super::settings::{SourceSettings, SubjectSettings, UsageError, analysis_settings};
use super::{Exit, Failure};
use crate::render::write_report_dir;
use crate::report::{Report, SCHEMA_VERSION};
use crate::verdict::Verdict;
use anyhow::{Context, anyhow};
use std::path::Path;

/// A saved report, when `path` is a JSON file with a `schema_version`.
fn saved_report(path: &Path) -> Result<Option<Report>, Failure> {
    if !path.is_file() || path.extension().and_then(|e| e.to_str()) != Some("json") {
        return Ok(None);
    }
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read {}", path.display()))
        .map_err(Failure::source)?;
    let value: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(value) => value,
        Err(_) => return Ok(None),
    };
    let Some(version) = value.get("schema_version").and_then(|v| v.as_u64()) else {
        return Ok(None);
    };
    if version > u64::from(SCHEMA_VERSION) {
        return Err(Failure::source(anyhow!(
            "{} has schema_version {version}, newer than this memgrowth reads ({SCHEMA_VERSION}); upgrade memgrowth",
            path.display()
        )));
    }
    serde_json::from_value(value)
        .map(Some)
        .with_context(|| {
            format!(
                "{} is not a memgrowth report.json; give one written by `memgrowth diagnose --out`, or offline input",
                path.display()
            )
        })
        .map_err(Failure::source)
}

pub fn run_report(args: ReportArgs, log: Log) -> Result<Exit, Failure> {
    let fail_on = args
        .fail_on
        .iter()
        .filter(|v| !v.trim().is_empty())
        .map(|v| {
            v.parse::<Verdict>()
                .map_err(|e| UsageError(format!("--fail-on: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let analysis = analysis_settings(&args.analysis)?;
    let subject = SubjectSettings::from_args(&args.subject)?;
    let postmortem = PostmortemSettings::from_args(&args.postmortem)?;
    let report = match args.input.as_slice() {
        [single] => saved_report(single)?,
        _ => None,
    };
    let grafana = super::settings::grafana_settings(&args.links)?;
    let mut report = match report {
        Some(report) => report,
        None => {
            let source = SourceSettings::Files {
                paths: args.input.clone(),
                window: Default::default(),
            };
            analyse(&source, &subject, &analysis, &postmortem, log)?
        }
    };
    if let Some(grafana) = &grafana {
        crate::links::attach(&mut report, &subject.catalog, &subject.subject, grafana);
    }
    write_report_dir(&report, &args.out, &fail_on).map_err(|e| {
        let out = args.out.display().to_string();
        let what = what_failed("cannot write", "the report directory", &out, &e);
        Failure::source(anyhow::Error::new(e).context(what))
    })?;
    log.note(&format!("report written to {}", args.out.display()));
    if report.targets.iter().any(|t| fail_on.contains(&t.verdict)) {
        Ok(Exit::FailOn)
    } else {
        Ok(Exit::Success)
    }
}

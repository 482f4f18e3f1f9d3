//! `diagnose` and `fit`: read, fit, compare, print and keep the report.

use super::args::{ColorChoice, DiagnoseArgs, FitArgs, Format};
use super::output::{Log, print_stdout};
use super::pipeline_io::load_subject;
use super::settings::{OutputSettings, SourceSettings, SubjectSettings, analysis_settings};
use super::{Exit, Failure};
use crate::pipeline::build_report;
use crate::report::Report;
use anyhow::Context;

pub fn run_diagnose(args: DiagnoseArgs, color: ColorChoice, log: Log) -> Result<Exit, Failure> {
    let source = SourceSettings::from_args(&args.source)?;
    let subject = SubjectSettings::from_args(&args.subject)?;
    let analysis = analysis_settings(&args.analysis)?;
    let output = OutputSettings::from_args(&args.output, color)?;

    let selected = load_subject(&source, &subject, log)?;
    let report = build_report(selected.series, selected.source, subject.info, &analysis);
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the report directory {}", dir.display()))
            .map_err(Failure::source)?;
        let path = dir.join("report.json");
        std::fs::write(&path, report_json(&report)?)
            .with_context(|| format!("cannot write {}", path.display()))
            .map_err(Failure::source)?;
        log.note(&format!("report written to {}", dir.display()));
    }
    print_report(&report, &output)?;
    Ok(exit_for(&report, &output))
}

pub fn run_fit(args: FitArgs, color: ColorChoice, log: Log) -> Result<Exit, Failure> {
    let source = SourceSettings::from_args(&args.source)?;
    let subject = SubjectSettings::from_args(&args.subject)?;
    let analysis = analysis_settings(&args.analysis)?;
    let output = OutputSettings::from_args(&args.output, color)?;
    let selected = load_subject(&source, &subject, log)?;
    let report = build_report(selected.series, selected.source, subject.info, &analysis);
    print_report(&report, &output)?;
    Ok(exit_for(&report, &output))
}

fn report_json(report: &Report) -> Result<String, Failure> {
    serde_json::to_string_pretty(report)
        .context("cannot serialize the report")
        .map_err(Failure::source)
}

fn print_report(report: &Report, output: &OutputSettings) -> Result<(), Failure> {
    let text = match output.format {
        Format::Json => report_json(report)?,
        Format::Table | Format::Markdown => report_json(report)?,
    };
    print_stdout(&text)?;
    Ok(())
}

/// Exit code 1 when any target's verdict is in `--fail-on`.
fn exit_for(report: &Report, output: &OutputSettings) -> Exit {
    if report
        .targets
        .iter()
        .any(|t| output.fail_on.contains(&t.verdict))
    {
        Exit::FailOn
    } else {
        Exit::Success
    }
}

//! `compare`: the cross-host comparison alone.

use super::args::{ColorChoice, FitArgs, Format};
use super::output::{Log, print_stdout};
use super::pipeline_io::load_subject;
use super::settings::{OutputSettings, SourceSettings, SubjectSettings, analysis_settings};
use super::{Exit, Failure};
use crate::render::render_comparison;
use anyhow::Context;

pub fn run_compare(args: FitArgs, color: ColorChoice, log: Log) -> Result<Exit, Failure> {
    let source = SourceSettings::from_args(&args.source)?;
    let subject = SubjectSettings::from_args(&args.subject)?;
    let analysis = analysis_settings(&args.analysis)?;
    let output = OutputSettings::from_args(&args.output, color)?;
    let selected = load_subject(&source, &subject, log)?;
    let report = super::postmortem::report_of(selected, &subject, &analysis, &[]);
    let text = match output.format {
        Format::Json => serde_json::to_string_pretty(&report.comparison)
            .context("cannot serialize the comparison")
            .map_err(Failure::source)?,
        Format::Table | Format::Markdown => {
            let section = render_comparison(&report);
            if section.trim().is_empty() {
                format!(
                    "Nothing to compare: the subject was found on {} host{} ({}).",
                    report.comparison.hosts.len(),
                    if report.comparison.hosts.len() == 1 {
                        ""
                    } else {
                        "s"
                    },
                    report.comparison.hosts.join(", ")
                )
            } else {
                section.trim_start().to_string()
            }
        }
    };
    print_stdout(&text)?;
    Ok(super::diagnose::exit_for(&report, &output))
}

//! `diagnose` and `fit`: read, fit, compare, print and keep the report.

use super::args::{ColorChoice, DiagnoseArgs, FitArgs, Format};
use super::error_text::what_failed;
use super::output::{Log, print_stdout};
use super::pipeline_io::load_subject;
use super::postmortem::{PostmortemSettings, analyse, report_of};
use super::settings::{
    OutputSettings, SourceSettings, SubjectSettings, analysis_settings, grafana_settings,
};
use super::{Exit, Failure};
use crate::render::{
    TerminalStyle, render_json, render_markdown, render_table, render_terminal, write_report_dir,
};
use crate::report::Report;
use anyhow::Context;

pub fn run_diagnose(args: DiagnoseArgs, color: ColorChoice, log: Log) -> Result<Exit, Failure> {
    let source = SourceSettings::from_args(&args.source)?;
    let subject = SubjectSettings::from_args(&args.subject)?;
    let analysis = analysis_settings(&args.analysis)?;
    let output = OutputSettings::from_args(&args.output, color)?;
    let grafana = grafana_settings(&args.links)?;

    let postmortem = PostmortemSettings::from_args(&args.postmortem)?;

    let mut report = match fleet_scan(&source, &subject, &analysis, &postmortem, &args, log)? {
        Some(report) => report,
        None => analyse(&source, &subject, &analysis, &postmortem, log)?,
    };
    if let Some(grafana) = &grafana {
        crate::links::attach(&mut report, &subject.catalog, &subject.subject, grafana);
    }
    if let Some(dir) = &args.out {
        write_report_dir(&report, dir, &output.fail_on).map_err(|e| {
            let what = what_failed(
                "cannot write",
                "the report directory",
                &dir.display().to_string(),
                &e,
            );
            Failure::source(anyhow::Error::new(e).context(what))
        })?;
        log.note(&format!(
            "report written to {} (index.html, report.md, report.json, junit.xml, charts/)",
            dir.display()
        ));
    }
    print_report(&report, &output, true)?;
    Ok(exit_for(&report, &output))
}

pub fn run_fit(args: FitArgs, color: ColorChoice, log: Log) -> Result<Exit, Failure> {
    let source = SourceSettings::from_args(&args.source)?;
    let subject = SubjectSettings::from_args(&args.subject)?;
    let analysis = analysis_settings(&args.analysis)?;
    let output = OutputSettings::from_args(&args.output, color)?;
    let selected = load_subject(&source, &subject, log)?;
    let report = report_of(selected, &subject, &analysis, &[]);
    print_report(&report, &output, false)?;
    Ok(exit_for(&report, &output))
}

/// A `--by` fleet on a live server without a baseline goes service by service (each
/// written to `DIR/services/` as it completes); `None` for anything else, which is read
/// whole.
fn fleet_scan(
    source: &SourceSettings,
    subject: &SubjectSettings,
    analysis: &crate::analysis::AnalysisSettings,
    postmortem: &PostmortemSettings,
    args: &DiagnoseArgs,
    log: Log,
) -> Result<Option<Report>, Failure> {
    let SourceSettings::Live(live) = source else {
        return Ok(None);
    };
    if subject.subject.by.is_none() || postmortem.baseline.is_some() {
        return Ok(None);
    }
    let report = super::fleet::diagnose_fleet(
        live,
        subject,
        analysis,
        &postmortem.marks,
        args.out.as_deref(),
        log,
    )?;
    if let Some(report) = &report {
        for note in &report.source.warnings {
            log.note(&format!("note: {note}"));
        }
    }
    Ok(report)
}

/// Prints the report in the chosen format; `full` adds the sparklines and the
/// cross-host explanation to the terminal table.
pub fn print_report(report: &Report, output: &OutputSettings, full: bool) -> Result<(), Failure> {
    let style = TerminalStyle {
        color: output.color,
        width: output.width,
        verbose: output.verbose,
    };
    let text = match output.format {
        Format::Json => render_json(report)
            .context("cannot serialize the report")
            .map_err(Failure::source)?,
        Format::Table if full => render_terminal(report, style),
        Format::Table => render_table(report, style),
        Format::Markdown => render_markdown(report, None),
    };
    print_stdout(&text)?;
    Ok(())
}

/// Exit code 1 when any target's verdict is in `--fail-on`.
pub fn exit_for(report: &Report, output: &OutputSettings) -> Exit {
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

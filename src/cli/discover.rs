//! `discover`: which memory series exist per host and kind, and what their absence costs.

use super::args::{ColorChoice, DiscoverArgs, Format};
use super::live::{LiveSettings, runtime};
use super::output::{Log, print_stdout};
use super::settings::{SubjectSettings, UsageError};
use super::{Exit, Failure};
use crate::prom::{PromClient, discover};
use crate::render::TerminalStyle;
use crate::render::discover::render_discovery;
use anyhow::Context;

pub fn run_discover(args: DiscoverArgs, color: ColorChoice, _log: Log) -> Result<Exit, Failure> {
    let live = LiveSettings::from_args(&args.prometheus)?.ok_or_else(|| {
        UsageError("discover needs a server: pass --prometheus URL (or set PROMETHEUS_URL)".into())
    })?;
    let subject = SubjectSettings::from_args(&args.subject)?;
    let runtime = runtime()
        .context("cannot start the async runtime")
        .map_err(Failure::source)?;
    let report = runtime
        .block_on(async {
            let client = PromClient::new(&live.config)?;
            discover(
                &client,
                &subject.catalog,
                &subject.subject,
                live.start,
                live.end,
            )
            .await
        })
        .map_err(|e| {
            super::pipeline_io::server_failure("cannot discover series", "on", &live.config, e)
        })?;
    let terminal = TerminalStyle::for_stdout();
    let format = args.format.unwrap_or(if terminal.width.is_some() {
        Format::Table
    } else {
        Format::Json
    });
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&report)
            .context("cannot serialize the discovery")
            .map_err(Failure::source)?,
        Format::Table | Format::Markdown => render_discovery(
            &report,
            TerminalStyle {
                color: matches!(color, ColorChoice::Always) || terminal.color,
                width: terminal.width,
                verbose: false,
            },
        ),
    };
    print_stdout(&text)?;
    Ok(Exit::Success)
}

//! `fetch`: pull the subject's series into a bundle on disk for offline use; resumable.

use super::args::FetchArgs;
use super::live::{LiveSettings, runtime};
use super::output::Log;
use super::settings::{SubjectSettings, UsageError};
use super::{Exit, Failure};
use crate::prom::{PromClient, fetch_queries_to_bundle, plan_queries};
use anyhow::Context;
use std::io::IsTerminal;

pub fn run_fetch(args: FetchArgs, log: Log) -> Result<Exit, Failure> {
    let live = LiveSettings::from_args(&args.prometheus)?.ok_or_else(|| {
        UsageError("fetch needs a server: pass --prometheus URL (or set PROMETHEUS_URL)".into())
    })?;
    let subject = SubjectSettings::from_args(&args.subject)?;
    let progress = !log.quiet && std::io::stderr().is_terminal();
    let runtime = runtime()
        .context("cannot start the async runtime")
        .map_err(Failure::source)?;
    let summary = runtime
        .block_on(async {
            let client = PromClient::new(&live.config)?;
            let queries = plan_queries(
                &client,
                &subject.catalog,
                &subject.subject,
                live.start,
                live.end,
            )
            .await?;
            let window = live.window(&client, &queries).await;
            fetch_queries_to_bundle(
                &client,
                &queries,
                &subject.subject,
                window,
                &args.out,
                progress,
            )
            .await
            .map_err(anyhow::Error::from)
        })
        .map_err(|e| {
            let mut what = format!("cannot fetch into {}", args.out.display());
            if !e.to_string().contains("run the same command again") {
                what.push_str(" (what was written is kept; run the same command again to resume)");
            }
            Failure::source(e.context(what))
        })?;
    log.note(&format!(
        "bundle {} complete: {} chunks ({} fetched now, {} resumed), {} samples",
        args.out.display(),
        summary.chunks_total,
        summary.chunks_fetched,
        summary.chunks_resumed,
        summary.samples_fetched
    ));
    for warning in &summary.warnings {
        log.note(&format!("warning: {warning}"));
    }
    Ok(Exit::Success)
}

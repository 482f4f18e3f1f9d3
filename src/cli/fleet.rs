//! A `--by` fleet diagnosed live, one service at a time: the host series of every host
//! are fetched once, then each service's own series are fetched, analysed, written (with
//! `--out`, to `DIR/services/`) and dropped before the next service's, so memory is
//! bounded by the largest service, not the fleet. The Redis of each host that runs
//! redis-exporter is a target of its own, analysed once from the host series. A progress
//! bar over services is drawn on a terminal.

use super::Failure;
use super::error_text::what_failed;
use super::live::{LiveSettings, runtime};
use super::output::Log;
use super::settings::SubjectSettings;
use crate::analysis::AnalysisSettings;
use crate::frame::TidySeries;
use crate::pipeline::FleetReport;
use crate::prom::fleet::{fleet_services, host_queries, service_queries};
use crate::prom::{PromClient, PromError, fetch_queries};
use crate::report::{Comparison, Report, SCHEMA_VERSION, SourceInfo, TargetReport};
use crate::series::RawSeries;
use crate::subject::select_known;
use crate::timeline::Mark;
use anyhow::Context;
use serde::Serialize;
use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// What `DIR/services/NNN-<service>.json` holds: one service's targets and comparison,
/// written as soon as the service is analysed.
#[derive(Serialize)]
struct ServiceFile<'a> {
    schema_version: u32,
    service: &'a str,
    targets: &'a [TargetReport],
    comparison: &'a Comparison,
}

/// Diagnoses a `--by` fleet service by service; `Ok(None)` when the server has no app
/// series carrying the `--by` label (the caller then reads the subject whole).
pub fn diagnose_fleet(
    live: &LiveSettings,
    subject: &SubjectSettings,
    analysis: &AnalysisSettings,
    marks: &[Mark],
    out: Option<&Path>,
    log: Log,
) -> Result<Option<Report>, Failure> {
    let runtime = runtime()
        .context("cannot start the async runtime")
        .map_err(Failure::source)?;
    let progress = !log.quiet && std::io::stderr().is_terminal();
    runtime
        .block_on(run(live, subject, analysis, marks, out, progress))
        .map_err(|e| {
            let location = live.config.location();
            let what = what_failed("cannot fetch", "from", &location, &format!("{e:#}"));
            Failure::source(e.context(what))
        })
}

async fn run(
    live: &LiveSettings,
    subject: &SubjectSettings,
    analysis: &AnalysisSettings,
    marks: &[Mark],
    out: Option<&Path>,
    progress: bool,
) -> anyhow::Result<Option<Report>> {
    let (catalog, who) = (&subject.catalog, &subject.subject);
    let client = PromClient::new(&live.config)?;
    let services = fleet_services(&client, catalog, who, live.start, live.end).await?;
    let Some(first) = services.keys().next() else {
        return Ok(None);
    };
    let window = live
        .window(&client, &service_queries(catalog, who, first))
        .await;
    let host_queries = host_queries(catalog, who, &services);
    let (host_raw, mut source) = if host_queries.is_empty() {
        (Vec::new(), empty_source(&client))
    } else {
        fetch_queries(&client, &host_queries, window, false).await?
    };
    let dir = out.map(|d| d.join("services"));
    if let Some(dir) = &dir {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        remove_json(dir)?;
    }
    let known: BTreeSet<String> = services.keys().cloned().collect();
    let bar = crate::prom::fetch::counting_bar(services.len() as u64, progress, "services");
    let mut fleet = FleetReport::new(analysis, services.len(), marks);
    let redis = fleet.add_redis(&host_series(&host_raw, subject, &known));
    if let (Some(dir), false) = (&dir, redis.is_empty()) {
        write_service(dir, services.len(), "redis", &redis, &Comparison::default())?;
    }
    for (index, service) in services.keys().enumerate() {
        bar.set_message(service.clone());
        let queries = service_queries(catalog, who, service);
        let (raw, part) = fetch_queries(&client, &queries, window, false)
            .await
            .map_err(|e| service_error(service, e))?;
        source.series += part.series;
        source.samples += part.samples;
        let series = own_series(raw, &host_raw, subject, &known, service, &mut source);
        let (targets, comparison) = fleet.add_service(service, series);
        add_warnings(&mut source.warnings, part.warnings);
        if let Some(dir) = &dir {
            write_service(dir, index, service, &targets, &comparison)?;
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(Some(fleet.finish(source, subject.info.clone())))
}

/// The hosts' own series (node-exporter, redis-exporter), for the Redis targets.
fn host_series(
    host_raw: &[RawSeries],
    subject: &SubjectSettings,
    known: &BTreeSet<String>,
) -> Vec<TidySeries> {
    select_known(host_raw.to_vec(), &subject.catalog, &subject.subject, known)
        .series
        .into_iter()
        .filter(|s| s.key.service.is_empty())
        .collect()
}

/// A service's own series from what its queries returned, with its hosts' series.
fn own_series(
    raw: Vec<RawSeries>,
    host_raw: &[RawSeries],
    subject: &SubjectSettings,
    known: &BTreeSet<String>,
    service: &str,
    source: &mut SourceInfo,
) -> Vec<TidySeries> {
    let mut raw = raw;
    raw.extend(host_raw.iter().cloned());
    let selection = select_known(raw, &subject.catalog, &subject.subject, known);
    add_warnings(&mut source.warnings, selection.notes);
    selection
        .series
        .into_iter()
        .filter(|s| s.key.service == service || s.key.service.is_empty())
        .collect()
}

fn service_error(service: &str, e: PromError) -> anyhow::Error {
    anyhow::Error::new(e).context(format!("no series of service `{service}` could be fetched"))
}

fn empty_source(client: &PromClient) -> SourceInfo {
    SourceInfo {
        kind: "prometheus".to_string(),
        location: client.location().to_string(),
        files: Vec::new(),
        series: 0,
        samples: 0,
        warnings: Vec::new(),
    }
}

fn add_warnings(into: &mut Vec<String>, new: Vec<String>) {
    for w in new {
        if !into.contains(&w) {
            into.push(w);
        }
    }
}

/// `DIR/services/NNN-<service>.json`: the index keeps the files in service order and
/// apart when two names spell the same file name.
fn service_path(dir: &Path, index: usize, service: &str) -> PathBuf {
    let safe: String = service
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    dir.join(format!("{index:03}-{safe}.json"))
}

/// Removes the service files of an earlier run, so the directory holds this run's only.
fn remove_json(dir: &Path) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "json") {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    Ok(())
}

fn write_service(
    dir: &Path,
    index: usize,
    service: &str,
    targets: &[TargetReport],
    comparison: &Comparison,
) -> anyhow::Result<()> {
    let path = service_path(dir, index, service);
    let file = ServiceFile {
        schema_version: SCHEMA_VERSION,
        service,
        targets,
        comparison,
    };
    let mut text = serde_json::to_string_pretty(&file).context("cannot serialize a service")?;
    text.push('\n');
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_files_are_named_safely_and_in_order() {
        let dir = Path::new("/r/services");
        assert_eq!(
            service_path(dir, 3, "../a b/c"),
            dir.join("003-.._a_b_c.json")
        );
        assert_eq!(service_path(dir, 12, "api"), dir.join("012-api.json"));
    }
}

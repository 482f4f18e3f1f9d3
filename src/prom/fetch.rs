//! Fetching every kind of the catalog for a subject: one planned range query per kind,
//! all concurrent under the client's bound, aggregate results tagged with a
//! `memgrowth:<kind>` name, server warnings and per-kind failures carried into the
//! source description. Progress goes to stderr, and only on a terminal.

use super::client::{PromClient, RangeResult};
use super::errors::PromError;
use crate::catalog::Catalog;
use crate::kind::Kind;
use crate::report::SourceInfo;
use crate::series::RawSeries;
use crate::subject::Subject;
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// The time range to fetch, in Unix seconds, and the step in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FetchWindow {
    pub start: f64,
    pub end: f64,
    pub step: f64,
}

/// One kind and the PromQL that yields it for the subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindQuery {
    pub kind: Kind,
    pub promql: String,
}

/// The `__name__` given to series of `kind` that come back without one (aggregations).
pub fn tag_name(kind: Kind) -> String {
    format!("memgrowth:{}", kind.as_str())
}

/// Gives every nameless series of `kind` the name `memgrowth:<kind>`.
pub fn tag_nameless(series: &mut [RawSeries], kind: Kind) {
    for s in series {
        if s.metric_name().is_empty() {
            s.labels.insert("__name__".to_string(), tag_name(kind));
        }
    }
}

/// Whether progress bars may be drawn: stderr is a terminal and the caller allows it.
pub fn progress_bar(total: u64, enabled: bool) -> ProgressBar {
    counting_bar(total, enabled, "queries")
}

/// A progress bar over `total` things called `unit`, drawn only on a terminal.
pub fn counting_bar(total: u64, enabled: bool, unit: &str) -> ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(&format!(
        "{{spinner}} {{bar:30}} {{pos}}/{{len}} {unit}  {{msg}}  ETA {{eta}}"
    ))
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Describes what the client has done so far for a progress message.
pub fn progress_message(client: &PromClient) -> String {
    let stats = client.stats();
    format!(
        "{} samples, {}, {} retries",
        stats.samples.load(Ordering::Relaxed),
        crate::units::format_bytes(stats.bytes.load(Ordering::Relaxed) as f64),
        stats.retries.load(Ordering::Relaxed)
    )
}

/// Fetches every query over the window, concurrently. A kind that fails is named in the
/// warnings and the others are kept; when every kind fails, the first error is returned.
pub async fn fetch_queries(
    client: &PromClient,
    queries: &[KindQuery],
    window: FetchWindow,
    progress: bool,
) -> Result<(Vec<RawSeries>, SourceInfo), PromError> {
    let bar = progress_bar(queries.len() as u64, progress);
    let results: Vec<(Kind, Result<RangeResult, PromError>)> =
        futures_util::stream::iter(queries.iter().cloned())
            .map(|q| {
                let bar = bar.clone();
                async move {
                    let result = client
                        .query_range(&q.promql, window.start, window.end, window.step)
                        .await;
                    bar.inc(1);
                    bar.set_message(progress_message(client));
                    (q.kind, result)
                }
            })
            .buffer_unordered(queries.len().max(1))
            .collect()
            .await;
    bar.finish_and_clear();
    let mut series = Vec::new();
    let mut warnings = Vec::new();
    let mut first_error = None;
    let mut failures = 0;
    let mut ordered = results;
    ordered.sort_by_key(|(kind, _)| *kind);
    for (kind, result) in ordered {
        match result {
            Ok(mut r) => {
                tag_nameless(&mut r.series, kind);
                series.extend(r.series);
                for w in r.warnings {
                    let w = format!("{kind}: {w}");
                    if !warnings.contains(&w) {
                        warnings.push(w);
                    }
                }
            }
            Err(e) => {
                failures += 1;
                warnings.push(format!("{kind} could not be fetched: {e}"));
                first_error.get_or_insert(e);
            }
        }
    }
    if failures > 0 && failures == queries.len() {
        if let Some(e) = first_error {
            return Err(e);
        }
    }
    let samples = series.iter().map(RawSeries::len).sum();
    let info = SourceInfo {
        kind: "prometheus".to_string(),
        location: client.location().to_string(),
        files: Vec::new(),
        series: series.len(),
        samples,
        warnings,
    };
    Ok((series, info))
}

/// Fetches every kind of `catalog` for `subject` over `window`: app kinds by `--app`,
/// container kinds by `--container`, the rest restricted to the subject's hosts.
/// Nameless (aggregated) series are named `memgrowth:<kind>`.
pub async fn fetch_series(
    client: &PromClient,
    catalog: &Catalog,
    subject: &Subject,
    window: FetchWindow,
    progress: bool,
) -> Result<(Vec<RawSeries>, SourceInfo), PromError> {
    let queries =
        super::queries::plan_queries(client, catalog, subject, window.start, window.end).await?;
    fetch_queries(client, &queries, window, progress).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::Labels;

    #[test]
    fn only_nameless_series_are_tagged() {
        let mut series = vec![
            RawSeries::new(Labels::from([("host".into(), "a".into())])),
            RawSeries::new(Labels::from([("__name__".into(), "x".into())])),
        ];
        tag_nameless(&mut series, Kind::HostCpus);
        assert_eq!(series[0].metric_name(), "memgrowth:host_cpus");
        assert_eq!(series[1].metric_name(), "x");
    }
}

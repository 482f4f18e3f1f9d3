//! Fetching into a bundle on disk: every (kind, time chunk) pair is one resumable unit,
//! written atomically as soon as it arrives. An interrupted or partly failed fetch keeps
//! what it wrote; running the same command again fetches only what is missing.

use super::client::PromClient;
use super::errors::PromError;
use super::fetch::{FetchWindow, KindQuery, progress_bar, progress_message, tag_nameless};
use super::plan::Chunk;
use crate::catalog::Catalog;
use crate::input::InputError;
use crate::input::bundle::{BundleWriter, FetchWarning, Manifest, Query};
use crate::report::{SourceInfo, Window};
use crate::subject::Subject;
use crate::units::rfc3339;
use futures_util::StreamExt;
use std::collections::BTreeMap;
use std::path::Path;

/// Why a bundle fetch stopped.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(transparent)]
    Prom(#[from] PromError),
    #[error(transparent)]
    Bundle(#[from] InputError),
    #[error(
        "{failed} of {total} chunks could not be fetched ({written} are written and kept); run the same command again to fetch only the missing ones. First failure: {first}"
    )]
    Incomplete {
        failed: usize,
        written: usize,
        total: usize,
        first: Box<PromError>,
    },
}

/// What a finished bundle fetch did.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchSummary {
    pub manifest: Manifest,
    pub chunks_total: usize,
    /// Chunks fetched by this run.
    pub chunks_fetched: usize,
    /// Chunks already written by an earlier, interrupted run.
    pub chunks_resumed: usize,
    pub samples_fetched: usize,
    /// Server warnings met by this run.
    pub warnings: Vec<String>,
}

/// The chunk id of query `query` (of `kind`) over `chunk`: stable across runs.
fn chunk_id(query: usize, q: &KindQuery, chunk: &Chunk) -> String {
    format!("q{query:02}-{}-{}", q.kind.as_str(), chunk.start_ms)
}

/// Plans the queries for the subject, then fetches them into `dir`.
pub async fn fetch_to_bundle(
    client: &PromClient,
    catalog: &Catalog,
    subject: &Subject,
    window: FetchWindow,
    dir: &Path,
    progress: bool,
) -> Result<FetchSummary, FetchError> {
    let queries =
        super::queries::plan_queries(client, catalog, subject, window.start, window.end).await?;
    fetch_queries_to_bundle(client, &queries, subject, window, dir, progress).await
}

/// Fetches `queries` over `window` into the bundle directory `dir`, resuming a bundle
/// of the same plan, and finishes it once every chunk is written.
pub async fn fetch_queries_to_bundle(
    client: &PromClient,
    queries: &[KindQuery],
    subject: &Subject,
    window: FetchWindow,
    dir: &Path,
    progress: bool,
) -> Result<FetchSummary, FetchError> {
    let plan = client.plan(window.start, window.end, window.step)?;
    let source = SourceInfo {
        kind: "prometheus".to_string(),
        location: client.location().to_string(),
        ..SourceInfo::default()
    };
    let bundle_window = Window {
        start: rfc3339(plan.start_ms as f64 / 1000.0),
        end: rfc3339(plan.end_ms as f64 / 1000.0),
        step_seconds: plan.step_ms as f64 / 1000.0,
    };
    let mut manifest = Manifest::new(
        source,
        bundle_window,
        subject.info(),
        queries
            .iter()
            .map(|q| Query {
                kind: q.kind,
                promql: q.promql.clone(),
            })
            .collect(),
    );
    let mut units: BTreeMap<String, (usize, Chunk)> = BTreeMap::new();
    for (qi, q) in queries.iter().enumerate() {
        for chunk in &plan.chunks {
            let id = chunk_id(qi, q, chunk);
            manifest.add_chunk(
                &id,
                qi,
                &rfc3339(chunk.start_ms as f64 / 1000.0),
                &rfc3339(chunk.end_ms as f64 / 1000.0),
            );
            units.insert(id, (qi, *chunk));
        }
    }
    let total = units.len();
    let mut writer = BundleWriter::open(dir, manifest)?;
    let pending: Vec<(String, usize, Chunk)> = writer
        .pending()
        .iter()
        .filter_map(|c| {
            units
                .get(&c.id)
                .map(|(qi, chunk)| (c.id.clone(), *qi, *chunk))
        })
        .collect();
    let resumed = total - pending.len();
    let bar = progress_bar(total as u64, progress);
    bar.set_position(resumed as u64);
    let step_ms = plan.step_ms;
    let mut results = futures_util::stream::iter(pending)
        .map(|(id, qi, chunk)| async move {
            let q = queries.get(qi);
            let result = match q {
                Some(q) => client.query_chunk(&q.promql, chunk, step_ms).await,
                None => Err(PromError::Config(format!("chunk {id} names no query"))),
            };
            (id, q.map(|q| q.kind), result)
        })
        .buffer_unordered(client.max_concurrency().max(1) * 2);
    let mut fetched = 0;
    let mut samples = 0;
    let mut warnings: Vec<String> = Vec::new();
    let mut failures: Vec<PromError> = Vec::new();
    while let Some((id, kind, result)) = results.next().await {
        match (result, kind) {
            (Ok(mut decoded), Some(kind)) => {
                tag_nameless(&mut decoded.series, kind);
                samples += decoded.series.iter().map(|s| s.len()).sum::<usize>();
                // Written before anything else happens: a crash after this keeps the chunk.
                writer.write_chunk(&id, &decoded.series)?;
                fetched += 1;
                let mut met: Vec<FetchWarning> = decoded
                    .notes
                    .iter()
                    .map(|(what, why)| FetchWarning::now(Some(&id), what, why.clone()))
                    .collect();
                for w in decoded.warnings {
                    met.push(FetchWarning::now(Some(&id), "server", w.clone()));
                    let w = format!("{kind}: {w}");
                    if !warnings.contains(&w) {
                        warnings.push(w);
                    }
                }
                writer.record(met)?;
            }
            (Err(e), _) => {
                writer.record(vec![FetchWarning::now(Some(&id), "failed", e.to_string())])?;
                failures.push(e);
            }
            (Ok(_), None) => {}
        }
        bar.inc(1);
        bar.set_message(progress_message(client));
    }
    bar.finish_and_clear();
    let failed = failures.len();
    if let Some(first) = failures.into_iter().next() {
        return Err(FetchError::Incomplete {
            failed,
            written: resumed + fetched,
            total,
            first: Box::new(first),
        });
    }
    let manifest = writer.finish()?;
    Ok(FetchSummary {
        manifest,
        chunks_total: total,
        chunks_fetched: fetched,
        chunks_resumed: resumed,
        samples_fetched: samples,
        warnings,
    })
}

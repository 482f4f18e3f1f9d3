//! Discovery: for the subject, which kinds exist on which hosts, how well they are
//! scraped (interval, coverage, gaps), and what each missing kind costs the diagnosis.
//! The result is plain data; the CLI renders it.

use super::client::PromClient;
use super::costs::{family_cost, missing_cost};
use super::errors::PromError;
use super::fetch::{FetchWindow, KindQuery};
use super::plan::auto_step;
use crate::catalog::Catalog;
use crate::kind::{Kind, Runtime, Scope};
use crate::series::RawSeries;
use crate::subject::Subject;
use futures_util::StreamExt;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Evaluation points per series discovery asks for: enough to find gaps of ~0.1% of the window.
const DISCOVERY_POINTS: u64 = 1_000;
/// Raw samples looked at to estimate the scrape interval.
const INTERVAL_LOOKBACK: &str = "30m";

/// What exists for the subject, per host.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiscoveryReport {
    pub location: String,
    /// Unix seconds.
    pub start: f64,
    pub end: f64,
    /// The resolution coverage and gaps were measured at, seconds.
    pub step: f64,
    /// Sorted by host.
    pub hosts: Vec<HostDiscovery>,
    /// Kinds found on no host at all, with their cost.
    pub missing_everywhere: Vec<Missing>,
    /// Server warnings and kinds that could not be queried.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostDiscovery {
    pub host: String,
    /// Kinds present on the host, in catalog order.
    pub kinds: Vec<KindPresence>,
    /// Kinds absent on this host (but present elsewhere or expected), with their cost.
    pub missing: Vec<Missing>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindPresence {
    pub kind: Kind,
    /// Number of series of the kind on the host.
    pub series: usize,
    /// Median spacing of raw samples, seconds; null when it could not be measured.
    pub scrape_interval_seconds: Option<f64>,
    /// Share of the window's evaluation points with a value, 0..1.
    pub coverage: f64,
    /// First and last evaluation point with a value, Unix seconds.
    pub first: f64,
    pub last: f64,
    /// Runs of at least two evaluation points without a value.
    pub gaps: Vec<Gap>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Gap {
    /// First and last evaluation point without a value, Unix seconds.
    pub start: f64,
    pub end: f64,
}

/// Kinds that are absent, and what their absence costs, in plain words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Missing {
    pub kinds: Vec<Kind>,
    pub cost: String,
}

/// Evaluation timestamps (ms) of a window at a step, aligned as range queries are.
fn eval_points(window: FetchWindow) -> Vec<i64> {
    let step = super::client::seconds_to_ms(window.step).max(1);
    let (start, end) = super::plan::align(
        super::client::seconds_to_ms(window.start),
        super::client::seconds_to_ms(window.end),
        step,
    );
    (0..)
        .map(|i: i64| start + i * step)
        .take_while(|t| *t <= end)
        .collect()
}

/// Median spacing of timestamps, seconds.
pub fn median_interval(timestamps_ms: &[i64]) -> Option<f64> {
    let mut diffs: Vec<i64> = timestamps_ms
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| *d > 0)
        .collect();
    if diffs.is_empty() {
        return None;
    }
    diffs.sort_unstable();
    Some(diffs[diffs.len() / 2] as f64 / 1000.0)
}

/// Builds the report from what each kind's query returned at the discovery step
/// (`found`) and raw samples per kind for the scrape interval (`raw`).
pub fn build_report(
    location: &str,
    window: FetchWindow,
    kinds: &[Kind],
    found: &BTreeMap<Kind, Vec<RawSeries>>,
    raw: &BTreeMap<Kind, Vec<RawSeries>>,
    subject: &Subject,
    warnings: Vec<String>,
) -> DiscoveryReport {
    let points = eval_points(window);
    let mut per_host: BTreeMap<String, BTreeMap<Kind, Vec<&RawSeries>>> = BTreeMap::new();
    for (kind, series) in found {
        for s in series {
            let host = subject.host_of(&s.labels);
            if !host.is_empty() {
                per_host
                    .entry(host)
                    .or_default()
                    .entry(*kind)
                    .or_default()
                    .push(s);
            }
        }
    }
    let mut intervals: BTreeMap<(String, Kind), Vec<f64>> = BTreeMap::new();
    for (kind, series) in raw {
        for s in series {
            if let Some(i) = median_interval(&s.timestamps_ms) {
                let host = subject.host_of(&s.labels);
                intervals.entry((host, *kind)).or_default().push(i);
            }
        }
    }
    let present_anywhere: BTreeSet<Kind> =
        per_host.values().flat_map(|k| k.keys().copied()).collect();
    // Kinds of other runtimes than the one found (Node.js when none is) are not missing.
    let runtime = Runtime::detect(present_anywhere.iter().copied()).unwrap_or(Runtime::Node);
    let ours = |k: &Kind| k.runtime().is_none_or(|r| r == runtime);
    let our_kinds: Vec<Kind> = kinds.iter().copied().filter(ours).collect();
    let hosts = per_host
        .iter()
        .map(|(host, by_kind)| {
            let present: Vec<KindPresence> = kinds
                .iter()
                .filter_map(|kind| {
                    let series = by_kind.get(kind)?;
                    let interval = intervals.get(&(host.clone(), *kind)).and_then(|v| {
                        let mut v = v.clone();
                        v.sort_by(f64::total_cmp);
                        v.get(v.len() / 2).copied()
                    });
                    Some(presence(*kind, series, &points, interval))
                })
                .collect();
            let missing = missing_on_host(host, &our_kinds, by_kind, &present_anywhere);
            HostDiscovery {
                host: host.clone(),
                kinds: present,
                missing,
            }
        })
        .collect();
    let missing_everywhere = kinds
        .iter()
        .filter(|k| !present_anywhere.contains(k) && k.scope() != Scope::Redis && ours(k))
        .map(|k| Missing {
            kinds: vec![*k],
            cost: missing_cost(*k).to_string(),
        })
        .collect();
    DiscoveryReport {
        location: location.to_string(),
        start: window.start,
        end: window.end,
        step: window.step,
        hosts,
        missing_everywhere,
        warnings,
    }
}

fn presence(
    kind: Kind,
    series: &[&RawSeries],
    points: &[i64],
    interval: Option<f64>,
) -> KindPresence {
    let have: BTreeSet<i64> = series
        .iter()
        .flat_map(|s| s.timestamps_ms.iter().zip(&s.values))
        .filter(|(_, v)| !v.is_nan())
        .map(|(t, _)| *t)
        .collect();
    let covered = points.iter().filter(|t| have.contains(t)).count();
    let mut gaps = Vec::new();
    let mut run: Option<(i64, i64, usize)> = None;
    for t in points {
        if have.contains(t) {
            if let Some((a, b, n)) = run.take() {
                if n >= 2 {
                    gaps.push(Gap {
                        start: a as f64 / 1000.0,
                        end: b as f64 / 1000.0,
                    });
                }
            }
        } else {
            run = Some(match run {
                Some((a, _, n)) => (a, *t, n + 1),
                None => (*t, *t, 1),
            });
        }
    }
    if let Some((a, b, n)) = run {
        if n >= 2 {
            gaps.push(Gap {
                start: a as f64 / 1000.0,
                end: b as f64 / 1000.0,
            });
        }
    }
    KindPresence {
        kind,
        series: series.len(),
        scrape_interval_seconds: interval,
        coverage: if points.is_empty() {
            0.0
        } else {
            covered as f64 / points.len() as f64
        },
        first: have.first().map(|t| *t as f64 / 1000.0).unwrap_or(f64::NAN),
        last: have.last().map(|t| *t as f64 / 1000.0).unwrap_or(f64::NAN),
        gaps,
    }
}

fn missing_on_host(
    host: &str,
    kinds: &[Kind],
    by_kind: &BTreeMap<Kind, Vec<&RawSeries>>,
    present_anywhere: &BTreeSet<Kind>,
) -> Vec<Missing> {
    let mut out = Vec::new();
    for scope in [Scope::App, Scope::Container, Scope::Host, Scope::Redis] {
        let expected: Vec<Kind> = kinds
            .iter()
            .copied()
            .filter(|k| k.scope() == scope)
            .collect();
        let absent: Vec<Kind> = expected
            .iter()
            .copied()
            .filter(|k| !by_kind.contains_key(k))
            .collect();
        if absent.is_empty() || scope == Scope::Redis {
            continue;
        }
        if absent.len() == expected.len() {
            out.push(Missing {
                kinds: absent,
                cost: family_cost(scope, host),
            });
        } else {
            for kind in absent {
                // Kinds no host has are reported once, in `missing_everywhere`.
                if present_anywhere.contains(&kind) {
                    out.push(Missing {
                        kinds: vec![kind],
                        cost: missing_cost(kind).to_string(),
                    });
                }
            }
        }
    }
    out
}

/// Whether a query is a bare selector, to which a range (`[30m]`) can be appended.
fn is_plain_selector(promql: &str) -> bool {
    !promql.contains('(') && !promql.contains('[')
}

/// Runs discovery: each kind's query over the window at a coarse step, plus raw samples
/// near the end of the window for the scrape interval.
pub async fn discover_queries(
    client: &PromClient,
    queries: &[KindQuery],
    start: f64,
    end: f64,
    subject: &Subject,
) -> Result<DiscoveryReport, PromError> {
    let step = auto_step(end - start, 15.0, DISCOVERY_POINTS) as f64;
    let window = FetchWindow { start, end, step };
    let results: Vec<_> = futures_util::stream::iter(queries.iter().cloned())
        .map(|q| async move {
            let range = client.query_range(&q.promql, start, end, step).await;
            let raw = match &range {
                Ok(r) if is_plain_selector(&q.promql) && !r.series.is_empty() => {
                    let at = r
                        .series
                        .iter()
                        .filter_map(|s| s.timestamps_ms.last())
                        .max()
                        .map(|t| *t as f64 / 1000.0)
                        .unwrap_or(end);
                    client
                        .query(&format!("{}[{INTERVAL_LOOKBACK}]", q.promql), Some(at))
                        .await
                        .map(|d| d.series)
                        .unwrap_or_default()
                }
                _ => Vec::new(),
            };
            (q.kind, range, raw)
        })
        .buffer_unordered(queries.len().max(1))
        .collect()
        .await;
    let mut found = BTreeMap::new();
    let mut raw_by_kind = BTreeMap::new();
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    for (kind, range, raw) in results {
        match range {
            Ok(r) => {
                warnings.extend(r.warnings.into_iter().map(|w| format!("{kind}: {w}")));
                if !r.series.is_empty() {
                    found.insert(kind, r.series);
                }
                if !raw.is_empty() {
                    raw_by_kind.insert(kind, raw);
                }
            }
            Err(e) => {
                warnings.push(format!("{kind} could not be queried: {e}"));
                errors.push(e);
            }
        }
    }
    if !queries.is_empty() && errors.len() == queries.len() {
        if let Some(e) = errors.into_iter().next() {
            return Err(e);
        }
    }
    warnings.sort();
    warnings.dedup();
    let kinds: Vec<Kind> = queries.iter().map(|q| q.kind).collect();
    Ok(build_report(
        client.location(),
        window,
        &kinds,
        &found,
        &raw_by_kind,
        subject,
        warnings,
    ))
}

/// Discovery for a subject: which kinds of `catalog` exist on the subject's hosts in
/// `[start, end]` (Unix seconds), how well they are scraped, and what is missing.
pub async fn discover(
    client: &PromClient,
    catalog: &Catalog,
    subject: &Subject,
    start: f64,
    end: f64,
) -> Result<DiscoveryReport, PromError> {
    let queries = super::queries::plan_queries(client, catalog, subject, start, end).await?;
    discover_queries(client, &queries, start, end, subject).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::Labels;

    fn series(name: &str, instance: &str, ts: &[i64]) -> RawSeries {
        let mut s = RawSeries::new(Labels::from([
            ("__name__".into(), name.into()),
            ("instance".into(), instance.into()),
        ]));
        for t in ts {
            s.push(*t * 1000, 1.0);
        }
        s
    }

    #[test]
    fn coverage_gaps_and_missing_families() {
        let window = FetchWindow {
            start: 0.0,
            end: 900.0,
            step: 60.0,
        };
        let all: Vec<i64> = (0..=15).map(|i| i * 60).collect();
        let holed: Vec<i64> = all
            .iter()
            .copied()
            .filter(|t| !(300..=480).contains(t))
            .collect();
        let found = BTreeMap::from([
            (
                Kind::HeapUsed,
                vec![
                    series("h", "10.0.0.5:3000", &all),
                    series("h", "10.0.0.7:3000", &holed),
                ],
            ),
            (Kind::CgroupCache, vec![series("c", "10.0.0.5:8080", &all)]),
        ]);
        let raw = BTreeMap::from([(
            Kind::HeapUsed,
            vec![series("h", "10.0.0.5:3000", &[0, 15, 30, 45, 61])],
        )]);
        let kinds = [
            Kind::HeapUsed,
            Kind::CgroupCache,
            Kind::CgroupRss,
            Kind::HostCpus,
        ];
        let r = build_report(
            "http://p",
            window,
            &kinds,
            &found,
            &raw,
            &Subject::default(),
            vec![],
        );
        assert_eq!(r.hosts.len(), 2);
        let a = &r.hosts[0];
        assert_eq!(a.host, "10.0.0.5");
        assert_eq!(a.kinds[0].coverage, 1.0);
        assert_eq!(a.kinds[0].scrape_interval_seconds, Some(15.0));
        assert!(a.kinds[0].gaps.is_empty());
        let b = &r.hosts[1];
        assert_eq!(
            b.kinds[0].gaps,
            vec![Gap {
                start: 300.0,
                end: 480.0
            }]
        );
        assert!((b.kinds[0].coverage - 12.0 / 16.0).abs() < 1e-12);
        assert!(
            b.missing
                .iter()
                .any(|m| m.cost.contains("no cAdvisor series for host 10.0.0.7"))
        );
        assert!(!a.missing.iter().any(|m| m.cost.contains("cAdvisor")));
        let everywhere: Vec<Kind> = r
            .missing_everywhere
            .iter()
            .flat_map(|m| m.kinds.clone())
            .collect();
        assert_eq!(everywhere, vec![Kind::CgroupRss, Kind::HostCpus]);
    }

    #[test]
    fn another_runtimes_kinds_are_not_missing() {
        let window = FetchWindow {
            start: 0.0,
            end: 900.0,
            step: 60.0,
        };
        let all: Vec<i64> = (0..=15).map(|i| i * 60).collect();
        let found = BTreeMap::from([
            (Kind::GoHeapInuse, vec![series("g", "10.0.0.5:2112", &all)]),
            (Kind::ProcessRss, vec![series("r", "10.0.0.5:2112", &all)]),
        ]);
        let kinds = [
            Kind::HeapUsed,
            Kind::GoHeapInuse,
            Kind::GoGoroutines,
            Kind::JvmMemoryUsed,
            Kind::ProcessRss,
        ];
        let r = build_report(
            "http://p",
            window,
            &kinds,
            &found,
            &BTreeMap::new(),
            &Subject::default(),
            vec![],
        );
        let everywhere: Vec<Kind> = r
            .missing_everywhere
            .iter()
            .flat_map(|m| m.kinds.clone())
            .collect();
        assert_eq!(everywhere, vec![Kind::GoGoroutines]);
    }
}

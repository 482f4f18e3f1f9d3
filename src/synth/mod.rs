//! Synthetic scenarios shaped like real exporter output, for fixtures and tests.
//!
//! A scenario is a deterministic function of its parameters and seed: a Node.js service
//! (prom-client default metrics) in a Docker container (cAdvisor) on one or more hosts
//! (node-exporter, optionally redis-exporter), with coherent memory physics: V8 heap with
//! scavenges and mark-compact cycles, heap_total above heap_used, RSS made of heap,
//! external, native and mapped binary, cgroup usage = rss + cache (+ a little kernel
//! memory), working set = usage - inactive file, page cache that fills toward what the
//! host can spare and is reclaimed under pressure, restarts that reset the process.
//! The expected verdict of every target is part of the output ([`Truth`]), set by what
//! the generator built, never derived from names.

mod draw;
mod exporters;
mod fixtures;
mod fleet;
pub mod incidents;
mod params;
mod physics;
mod truth;
mod v8;
mod write;

pub use exporters::{Exporter, LOOKBACK_MS, is_counter};
pub use fixtures::{fixture_params, fixture_seed, write_fixtures};
pub use fleet::{
    FLEET_KINDS, Fleet, FleetParams, FleetTarget, generate_fleet, host_ip, service_name,
};
pub use params::{
    CacheParams, DEFAULT_START_UNIX_S, Gap, HeapGrowth, HostParams, ProcessParams, ScenarioParams,
};
pub use physics::{CgroupSample, HostSample, HostTrace, simulate_host};
pub use truth::{ComparisonTruth, HostContext, TargetTruth, Truth};
pub use v8::{AppSample, SPACES};
pub use write::{
    SynthError, format_timestamp, format_value, write_openmetrics, write_openmetrics_file,
    write_prometheus_json, write_prometheus_json_to,
};

use crate::kind::Kind;
use crate::series::RawSeries;
use serde::Serialize;
use std::fs;
use std::path::Path;

/// The scenarios: one per verdict, plus the seed's two-host case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum ScenarioKind {
    #[serde(rename = "leak")]
    Leak,
    #[serde(rename = "restart_masked_leak")]
    RestartMaskedLeak,
    #[serde(rename = "native_growth")]
    NativeGrowth,
    #[serde(rename = "cache_growth")]
    CacheGrowth,
    #[serde(rename = "plateau")]
    Plateau,
    #[serde(rename = "stable")]
    Stable,
    #[serde(rename = "insufficient_data")]
    InsufficientData,
    #[serde(rename = "otl-two-hosts")]
    OtlTwoHosts,
}

impl ScenarioKind {
    pub const ALL: [ScenarioKind; 8] = [
        ScenarioKind::Leak,
        ScenarioKind::RestartMaskedLeak,
        ScenarioKind::NativeGrowth,
        ScenarioKind::CacheGrowth,
        ScenarioKind::Plateau,
        ScenarioKind::Stable,
        ScenarioKind::InsufficientData,
        ScenarioKind::OtlTwoHosts,
    ];

    /// The fixture directory name.
    pub fn name(self) -> &'static str {
        match self {
            ScenarioKind::Leak => "leak",
            ScenarioKind::RestartMaskedLeak => "restart_masked_leak",
            ScenarioKind::NativeGrowth => "native_growth",
            ScenarioKind::CacheGrowth => "cache_growth",
            ScenarioKind::Plateau => "plateau",
            ScenarioKind::Stable => "stable",
            ScenarioKind::InsufficientData => "insufficient_data",
            ScenarioKind::OtlTwoHosts => "otl-two-hosts",
        }
    }

    /// Parses a fixture directory name.
    pub fn from_name(name: &str) -> Option<ScenarioKind> {
        ScenarioKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// What the scenario shows, in one paragraph.
    pub fn description(self) -> &'static str {
        match self {
            ScenarioKind::Leak => {
                "Retained objects pile up in V8 old space: the post-GC floor of old-space and heap used rises linearly, and RSS, cgroup rss, usage and working set rise with it. No restarts, no container limit."
            }
            ScenarioKind::RestartMaskedLeak => {
                "The same linear old-space leak, but pm2's max_memory_restart restarts the process whenever RSS crosses its threshold (every 6-18 hours): process_start_time_seconds changes, memory drops, and grows again at the same rate in every segment."
            }
            ScenarioKind::NativeGrowth => {
                "Two hosts, few and many CPUs. On the many-CPU host RSS and cgroup rss grow while the V8 heap and external memory stay flat: malloc arena fragmentation outside the heap, which scales with the number of glibc arenas (8 per CPU). The few-CPU host stays flat."
            }
            ScenarioKind::CacheGrowth => {
                "The app writes files (pm2 log files) inside its container on a host with plenty of available memory: cgroup cache and usage climb linearly while rss, the heap and RSS stay flat. Reclaimable page cache, not a leak; working set grows only by the active share."
            }
            ScenarioKind::Plateau => {
                "A fresh process warms an in-memory cache: the old-space floor follows a - b*exp(-t/tau) with tau between a thirtieth and a tenth of the window, so memory grows early in the window and then saturates."
            }
            ScenarioKind::Stable => {
                "Nothing grows: the heap shows only its GC sawtooth; some draws include one deploy restart."
            }
            ScenarioKind::InsufficientData => {
                "A window of 15-45 minutes: a heap leak is underway but there are too few points and too short a span to say so."
            }
            ScenarioKind::OtlTwoHosts => {
                "The seed's case: the same NestJS API under pm2 on two hosts, heap flat on both. pm2 writes log files inside the container on both hosts. On the roomy host (older 5.4 kernel, cgroup v1, plenty of available memory) the page cache and so cAdvisor usage climb for days; on the host under memory pressure (5.15 kernel, cgroup v2, little available memory) the kernel reclaims it and usage stays flat. node-exporter shows the differing kernel, CPUs and memory."
            }
        }
    }
}

/// A generated scenario: the series, what they were built to mean, and how.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub params: ScenarioParams,
    pub series: Vec<RawSeries>,
    pub truth: Truth,
    pub description: String,
}

impl Scenario {
    /// The series of one exporter, sorted by labels.
    pub fn exporter_series(&self, exporter: Exporter) -> Vec<RawSeries> {
        let mut out: Vec<RawSeries> = self
            .series
            .iter()
            .filter(|s| Exporter::of_metric(s.metric_name()) == exporter)
            .cloned()
            .collect();
        out.sort_by(|a, b| a.labels.cmp(&b.labels));
        out
    }
}

/// Generates a scenario from its parameters. Deterministic: the same parameters give the
/// same series, bit for bit.
pub fn generate(kind: ScenarioKind, params: &ScenarioParams) -> Scenario {
    let mut params = params.clone();
    params.kind = kind;
    let mut series = Vec::new();
    let mut targets = Vec::new();
    for (i, host) in params.hosts.iter().enumerate() {
        let trace = simulate_host(&params, i);
        series.extend(exporters::host_series(&params, i, &trace));
        targets.push(truth::target_truth(&params, host, &trace));
    }
    targets.sort_by(|a, b| (&a.service, &a.host).cmp(&(&b.service, &b.host)));
    series.sort_by(|a, b| a.labels.cmp(&b.labels));
    let comparison = expected_comparison(kind);
    Scenario {
        description: kind.description().to_string(),
        params,
        series,
        truth: Truth {
            targets,
            comparison,
        },
    }
}

/// How the hosts of a two-host scenario are expected to differ.
fn expected_comparison(kind: ScenarioKind) -> Option<ComparisonTruth> {
    match kind {
        ScenarioKind::OtlTwoHosts => Some(ComparisonTruth {
            divergent_kind: Kind::CgroupUsage,
            explained_by: Kind::CgroupCache,
            consistent_kinds: vec![Kind::HeapUsed, Kind::HeapSpaceUsed, Kind::External],
            context_kinds: vec![Kind::HostKernel, Kind::HostMemAvailable, Kind::HostCpus],
        }),
        ScenarioKind::NativeGrowth => Some(ComparisonTruth {
            divergent_kind: Kind::CgroupUsage,
            explained_by: Kind::CgroupRss,
            consistent_kinds: vec![
                Kind::HeapUsed,
                Kind::HeapSpaceUsed,
                Kind::External,
                Kind::CgroupCache,
            ],
            context_kinds: vec![Kind::HostCpus],
        }),
        _ => None,
    }
}

/// What `truth.json` holds.
#[derive(Serialize)]
struct TruthFile<'a> {
    scenario: &'static str,
    description: &'a str,
    /// How to select the subject: the app's and the container's label matchers.
    app_matcher: String,
    container_matcher: String,
    files: Vec<String>,
    truth: &'a Truth,
    params: &'a ScenarioParams,
}

/// Where a scenario directory keeps its truth: `<dir>/expected/truth.json`.
pub const TRUTH_DIR: &str = "expected";

/// Writes a scenario as a fixture directory: one `query_range` JSON file per exporter
/// (`app.json`, `cadvisor.json`, `node.json`, `redis.json` when present) and
/// `expected/truth.json`. Returns the files written, relative to `dir`.
pub fn write_scenario_dir(scenario: &Scenario, dir: &Path) -> Result<Vec<String>, SynthError> {
    fs::create_dir_all(dir).map_err(|source| SynthError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files = Vec::new();
    for exporter in Exporter::ALL {
        let series = scenario.exporter_series(exporter);
        if series.is_empty() {
            continue;
        }
        let name = format!("{}.json", exporter.name());
        write_prometheus_json(&series, &dir.join(&name))?;
        files.push(name);
    }
    // The truth sits in a subdirectory so that `--input fixtures/<scenario>` reads only
    // the exporter files.
    let expected = dir.join(TRUTH_DIR);
    fs::create_dir_all(&expected).map_err(|source| SynthError::Io {
        path: expected.clone(),
        source,
    })?;
    let path = expected.join("truth.json");
    let file = TruthFile {
        scenario: scenario.params.kind.name(),
        description: &scenario.description,
        app_matcher: format!("{{job=\"{}\"}}", scenario.params.service),
        container_matcher: format!("{{name=\"{}\"}}", scenario.params.service),
        files: files.clone(),
        truth: &scenario.truth,
        params: &scenario.params,
    };
    let mut text = serde_json::to_string_pretty(&file).map_err(|source| SynthError::Json {
        path: path.clone(),
        source,
    })?;
    text.push('\n');
    fs::write(&path, text).map_err(|source| SynthError::Io {
        path: path.clone(),
        source,
    })?;
    files.push(format!("{TRUTH_DIR}/truth.json"));
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in ScenarioKind::ALL {
            assert_eq!(ScenarioKind::from_name(kind.name()), Some(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.name()));
        }
        assert_eq!(ScenarioKind::from_name("leaky"), None);
    }

    #[test]
    fn generation_is_deterministic_and_seeded() {
        let kind = ScenarioKind::Leak;
        let a = generate(kind, &ScenarioParams::random(kind, 9));
        let b = generate(kind, &ScenarioParams::random(kind, 9));
        let c = generate(kind, &ScenarioParams::random(kind, 10));
        // NaN != NaN: compare the bits.
        let bits = |s: &Scenario| -> Vec<u64> {
            s.series
                .iter()
                .flat_map(|r| r.values.iter().map(|v| v.to_bits()))
                .collect()
        };
        assert_eq!(bits(&a), bits(&b));
        assert_eq!(a.truth, b.truth);
        assert_ne!(bits(&a), bits(&c));
    }

    #[test]
    fn degenerate_parameters_give_empty_series_not_panics() {
        let kind = ScenarioKind::Stable;
        let mut p = ScenarioParams::random(kind, 1);
        p.duration_s = -5;
        assert_eq!(p.points(), 0);
        assert!(generate(kind, &p).series.iter().all(|s| s.is_empty()));
        p.duration_s = 3600;
        p.step_s = 0;
        assert!(generate(kind, &p).series.iter().all(|s| s.is_empty()));
        p.step_s = 60;
        p.scrape_interval_s = f64::NAN;
        p.nan_probability = f64::NAN;
        p.gap = Some(Gap {
            host: 99,
            offset_s: 0,
            duration_s: 10,
        });
        assert!(generate(kind, &p).series.iter().all(|s| s.len() == 61));
        p.hosts.clear();
        assert!(generate(kind, &p).series.is_empty());
    }
}

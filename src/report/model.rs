//! The report contract: the analysis as plain data. `report.json` is this struct
//! serialized; renderers read it and never compute. Fields may be added, never renamed
//! or dropped (bump `SCHEMA_VERSION` on any incompatible change).

use crate::verdict::Verdict;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the JSON layout below.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: ToolInfo,
    pub window: Window,
    pub source: SourceInfo,
    /// How the subject was selected.
    pub subject: SubjectInfo,
    /// The worst verdict across targets (`leak` > ... > `insufficient_data`).
    pub verdict: Verdict,
    /// Sorted by service, then host.
    pub targets: Vec<TargetReport>,
    pub comparison: Comparison,
    /// The thresholds the verdicts were computed with, so a reader can check them.
    pub settings: AnalysisSettingsInfo,
    /// Marks, restarts, OOM kills and growth onsets in time order, with what each series
    /// did around them.
    #[serde(default)]
    pub timeline: Vec<super::TimelineEvent>,
    /// The comparison with a baseline window (`--baseline`); null without one.
    #[serde(default)]
    pub baseline: Option<super::BaselineComparison>,
    /// The bundles the report was read from, with their checksums.
    #[serde(default)]
    pub bundles: Vec<super::BundleRef>,
    /// Per target, links back to Grafana (with `--grafana-url`); absent otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<TargetLinks>,
}

/// Where to look at a target's decisive series in Grafana.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TargetLinks {
    pub service: String,
    pub host: String,
    /// A Grafana Explore view of `queries` over the report's window.
    pub grafana_explore: String,
    /// The PromQL shown there: the decisive series first.
    pub queries: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

impl ToolInfo {
    pub fn current() -> Self {
        ToolInfo {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Window {
    /// RFC 3339, UTC.
    pub start: String,
    /// RFC 3339, UTC.
    pub end: String,
    /// The resolution the series were read or resampled at.
    pub step_seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SourceInfo {
    /// "files", "bundle" or "prometheus".
    pub kind: String,
    /// Paths read, or the server URL with any userinfo and query removed.
    pub location: String,
    /// Files read, relative to the input when possible.
    #[serde(default)]
    pub files: Vec<String>,
    /// Number of series and samples read.
    #[serde(default)]
    pub series: usize,
    #[serde(default)]
    pub samples: usize,
    /// Warnings returned by the server (e.g. Thanos partial responses) or met while reading.
    #[serde(default)]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SubjectInfo {
    /// The `--app` matchers as given, normalized to `{...}`.
    pub app: Option<String>,
    /// The `--container` matchers as given, normalized to `{...}`.
    pub container: Option<String>,
    /// The `--by` label, when many services are diagnosed at once.
    pub by: Option<String>,
    /// The label that names the host (`instance` with the port stripped by default).
    pub host_label: String,
}

/// The thresholds in force, echoed into the report.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AnalysisSettingsInfo {
    /// Significance level of the trend tests.
    pub alpha: f64,
    /// Growth below this fraction of the level per day is immaterial.
    pub min_relative_growth_per_day: f64,
    /// Any other named thresholds (documented in docs/verdicts.md).
    #[serde(default)]
    pub other: BTreeMap<String, f64>,
}

/// The diagnosis of one target: one service on one host.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TargetReport {
    pub service: String,
    pub host: String,
    pub verdict: Verdict,
    /// 0..1: how strongly the evidence supports the verdict.
    pub confidence: f64,
    /// Plain-language reasons that cite numbers, most important first.
    pub reasons: Vec<String>,
    /// The growth that decided the verdict; null when nothing grows.
    pub growth: Option<Growth>,
    /// The limit used for projection, in bytes; null when none is known.
    pub limit_bytes: Option<f64>,
    /// Where the limit came from: "cgroup_limit", "--limit", "host_mem_total", "redis_max".
    pub limit_source: Option<String>,
    /// Hours until the selected model reaches the limit; null when it never does or no limit.
    pub time_to_limit_hours: Option<f64>,
    /// For a plateau: the asymptote of the selected model and the headroom to the limit.
    pub plateau: Option<PlateauInfo>,
    /// Number of restarts seen in the window.
    pub restarts: usize,
    /// When they happened, RFC 3339.
    #[serde(default)]
    pub restart_times: Vec<String>,
    /// Kinds the verdict would need or use that are absent for this target.
    #[serde(default)]
    pub missing_kinds: Vec<String>,
    pub series: Vec<SeriesReport>,
    /// When the growth the verdict rests on began, and whether a restart (a deploy)
    /// started it; null when nothing grows.
    #[serde(default)]
    pub growth_onset: Option<GrowthOnset>,
    /// The regime the verdict judges: the decisive series since its last restart or
    /// change point.
    #[serde(default)]
    pub current_regime: Option<Regime>,
    /// Every regime of the decisive series in time order, the current one last; earlier
    /// regimes are shown, not judged as the present.
    #[serde(default)]
    pub regimes: Vec<Regime>,
    /// Time to limit with its interval; null when no limit is known or nothing grows.
    #[serde(default)]
    pub time_to_limit: Option<TimeToLimit>,
    /// For the Redis of a host (a target of redis-exporter's series): its maxmemory,
    /// eviction policy and evictions; absent for a service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redis: Option<RedisInfo>,
}

/// What a Redis target's verdict reads besides its memory in use.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RedisInfo {
    /// maxmemory in bytes; 0 means unlimited; null when not scraped.
    pub maxmemory_bytes: Option<f64>,
    /// The `maxmemory-policy` (`noeviction`, `allkeys-lru`, ...); null when not exposed.
    pub policy: Option<String>,
    /// Whether Redis evicts keys at maxmemory rather than refusing writes: true for the
    /// `allkeys-*` policies, and for `volatile-*` when evictions were seen; null when
    /// the policy is unknown.
    pub evicts: Option<bool>,
    /// Keys evicted over the window; null when the counter is not scraped.
    pub evicted_keys: Option<f64>,
}

/// When the current growth began.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct GrowthOnset {
    /// RFC 3339, UTC.
    pub time: String,
    pub unix_seconds: f64,
    /// The series the onset was found on, e.g. "heap_space_used{old} floor".
    pub series: String,
    /// Whether the onset coincides with a restart (a deploy, an OOM kill).
    pub at_restart: bool,
    /// The restart it coincides with, RFC 3339; null otherwise.
    #[serde(default)]
    pub restart_time: Option<String>,
    /// How the onset was found: "restart", "change_point" or "window_start" (growth
    /// already under way when the window began).
    pub found_by: String,
}

/// One regime of a series: a stretch with one growth behaviour.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Regime {
    /// The series, e.g. "heap_space_used{old} floor".
    pub series: String,
    /// Unix seconds.
    pub start: f64,
    pub end: f64,
    /// What began it: "window_start", "restart" or "change_point".
    pub began_with: String,
    /// Growth rate over the regime, bytes per hour.
    pub bytes_per_hour: f64,
    /// Confidence interval of the rate at `interval_level`, bytes per hour.
    pub interval: [f64; 2],
    pub interval_level: f64,
    /// "flat", "rising", "levelling_off", "falling" or "untested" (too little data).
    pub shape: String,
    /// Whether this is the regime the verdict judges.
    pub current: bool,
}

/// When the growth reaches the limit.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TimeToLimit {
    /// Point estimate, hours from the end of the window.
    pub hours: f64,
    /// Earliest plausible (at the upper bound of the rate), hours.
    pub earliest_hours: f64,
    /// Latest plausible (at the lower bound of the rate); null when the lower bound never
    /// reaches the limit.
    pub latest_hours: Option<f64>,
    /// Confidence level of the interval.
    pub level: f64,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Growth {
    /// The kind whose growth this is (e.g. "heap_used" floor, "cgroup_cache").
    pub kind: String,
    pub bytes_per_hour: f64,
    /// 95% confidence interval of `bytes_per_hour`, [low, high].
    pub ci95: [f64; 2],
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PlateauInfo {
    pub asymptote_bytes: f64,
    /// Limit minus asymptote; null when no limit is known.
    pub headroom_bytes: Option<f64>,
    /// Confidence interval of the asymptote, bytes; null when it cannot be bounded.
    #[serde(default)]
    pub asymptote_interval: Option<[f64; 2]>,
}

/// One analysed series of a target.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SeriesReport {
    pub kind: String,
    /// The V8 heap space for `heap_space_used`; null otherwise.
    pub space: Option<String>,
    /// "raw" for the series as scraped, "floor" for its lower envelope (post-GC minima).
    #[serde(default = "default_view")]
    pub view: String,
    /// Number of finite samples analysed.
    pub points: usize,
    pub summary: SeriesSummary,
    /// Every fitted model, with parameters and information criteria.
    pub models: Vec<ModelFit>,
    /// Name of the model chosen by the information criterion; null if none could be fitted.
    pub selected_model: Option<String>,
    pub trend: Option<Trend>,
    /// Segments between restarts (one segment when there were none).
    #[serde(default)]
    pub segments: Vec<SegmentInfo>,
    /// Downsampled samples for charts and sparklines: [unix_seconds, value].
    #[serde(default)]
    pub samples: Vec<[f64; 2]>,
    /// The role the series plays in the verdict ("heap_floor", "resident", "cache", ...);
    /// null for series no rule reads.
    #[serde(default)]
    pub role: Option<String>,
    /// What its current regime shows, for a series with a role: "grows", "levelled",
    /// "flat", "falls", "warming_up", "undetermined" or "insufficient".
    #[serde(default)]
    pub status: Option<String>,
}

fn default_view() -> String {
    "raw".to_string()
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SeriesSummary {
    pub first: f64,
    pub last: f64,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    /// Unix seconds of the first and last sample.
    pub start: f64,
    pub end: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFit {
    /// "linear", "saturating_exponential", "logarithmic", "piecewise_linear".
    pub name: String,
    /// The formula, e.g. "y = a + b*t" with t in hours since the series start.
    pub formula: String,
    pub params: BTreeMap<String, f64>,
    pub rss: f64,
    pub aicc: f64,
    pub bic: f64,
    /// AICc minus the best model's AICc (0 for the best).
    pub delta_aicc: f64,
    /// Akaike weight, 0..1.
    pub weight: f64,
    /// The fitted curve (and its projection, where one is drawn): [unix_seconds, value].
    #[serde(default)]
    pub curve: Vec<[f64; 2]>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    /// e.g. "mann_kendall_hamed_rao".
    pub method: String,
    pub z: f64,
    pub p_value: f64,
    /// The current regime's growth rate, bytes per hour: the slope of the quasi-GLS
    /// regression after the last change point (`method`).
    pub slope_per_hour: f64,
    /// 95% confidence interval of that rate, bytes per hour.
    pub ci95: [f64; 2],
    pub n: usize,
    /// Effective sample size after the serial-correlation correction.
    pub n_effective: f64,
    pub significant: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentInfo {
    pub start: f64,
    pub end: f64,
    pub points: usize,
    /// The growth rate of the segment's last regime, bytes per hour.
    pub slope_per_hour: Option<f64>,
}

/// The cross-host comparison (DESIGN section 6).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Comparison {
    pub hosts: Vec<String>,
    pub divergent_kinds: Vec<DivergentKind>,
    pub consistent_kinds: Vec<ConsistentKind>,
    /// Per host: kernel, CPUs, memory, cgroup version.
    pub host_context: BTreeMap<String, HostContext>,
    /// Per service and kind: level and slope on each host.
    #[serde(default)]
    pub kinds: Vec<KindAcrossHosts>,
    /// The explanation in plain words, with numbers.
    #[serde(default)]
    pub explanation: Vec<String>,
    /// Recommendations, each tied to the evidence.
    #[serde(default)]
    pub recommendations: Vec<String>,
    /// Per divergent kind: between which hosts it diverges, by how much, and the share of
    /// the difference each component explains.
    #[serde(default)]
    pub attributions: Vec<Attribution>,
    /// The materiality thresholds the comparison used (documented in docs/compare.md).
    #[serde(default)]
    pub thresholds: BTreeMap<String, f64>,
}

/// How the difference of one divergent kind between two hosts splits into its components.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Attribution {
    pub service: String,
    pub kind: String,
    /// "level" when the levels differ materially, "slope" when only the growth does.
    pub basis: String,
    /// The host with the higher level (or slope) and the one with the lower.
    pub high_host: String,
    pub low_host: String,
    /// High minus low: bytes for a level basis, bytes per hour for a slope basis.
    pub difference: f64,
    /// Components, largest share first; sub-components name their `part_of`.
    #[serde(default)]
    pub components: Vec<ComponentShare>,
}

/// One component of a divergent kind's difference between two hosts.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ComponentShare {
    /// A kind ("cgroup_cache", "heap_used") or a derived part ("native", "other",
    /// "inactive_file", "active_file").
    pub component: String,
    /// The component this one is a part of, for a breakdown of a breakdown.
    #[serde(default)]
    pub part_of: Option<String>,
    /// High host minus low host, same unit as the attribution's difference.
    pub difference: f64,
    /// Difference over the parent's difference; may fall outside 0..1 when components move apart.
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DivergentKind {
    pub service: String,
    pub kind: String,
    /// Max over min of the level across hosts.
    pub ratio: f64,
    /// The component kind that explains most of the difference (e.g. "cgroup_cache").
    pub explained_by: Option<String>,
    /// Share of the difference that component explains, 0..1.
    pub share: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsistentKind {
    pub service: String,
    pub kind: String,
    pub ratio: f64,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct HostContext {
    pub kernel: Option<String>,
    pub cpus: Option<f64>,
    pub mem_total_bytes: Option<f64>,
    pub mem_available_bytes: Option<f64>,
    pub cgroup_version: Option<String>,
    /// What the cgroup version was inferred from, or why it is unknown.
    #[serde(default)]
    pub cgroup_version_evidence: Option<String>,
    /// Host page cache (node_memory_Cached_bytes), recent level.
    #[serde(default)]
    pub cached_bytes: Option<f64>,
    /// Available over total memory, 0..1: low values mean pressure that reclaims page cache.
    #[serde(default)]
    pub mem_available_fraction: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KindAcrossHosts {
    pub service: String,
    pub kind: String,
    /// Per host: the recent level in bytes (median of the last quarter of the window) and
    /// the slope (Sen's) in bytes per hour.
    pub per_host: BTreeMap<String, LevelAndSlope>,
    pub max_min_ratio: Option<f64>,
    pub coefficient_of_variation: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelAndSlope {
    pub level: f64,
    pub slope_per_hour: Option<f64>,
}

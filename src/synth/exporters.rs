//! Turns simulated host traces into the series real exporters emit, with their labels:
//! prom-client's default metrics, cAdvisor, node-exporter and redis-exporter.

use super::params::{HostParams, ScenarioParams};
use super::physics::{CgroupSample, HostTrace, host_rng};
use super::v8::SPACES;
use crate::series::{Labels, RawSeries};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// The exporter a series comes from; one fixture file per exporter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Exporter {
    /// prom-client's `collectDefaultMetrics` in the app.
    App,
    Cadvisor,
    Node,
    Redis,
}

impl Exporter {
    pub const ALL: [Exporter; 4] = [
        Exporter::App,
        Exporter::Cadvisor,
        Exporter::Node,
        Exporter::Redis,
    ];

    /// The fixture file name (`app.json`, ...) without extension.
    pub fn name(self) -> &'static str {
        match self {
            Exporter::App => "app",
            Exporter::Cadvisor => "cadvisor",
            Exporter::Node => "node",
            Exporter::Redis => "redis",
        }
    }

    /// Which exporter emits a metric, by its name.
    pub fn of_metric(name: &str) -> Exporter {
        if name.starts_with("container_") || name.starts_with("machine_") {
            Exporter::Cadvisor
        } else if name.starts_with("node_") {
            Exporter::Node
        } else if name.starts_with("redis_") {
            Exporter::Redis
        } else {
            Exporter::App
        }
    }
}

/// Whether a metric is a counter (for `# TYPE` lines); everything else here is a gauge.
pub fn is_counter(metric: &str) -> bool {
    metric.ends_with("_total")
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Reads one field of a cgroup sample.
type CgroupField = fn(&CgroupSample) -> f64;

/// Prometheus's default lookback: a `query_range` point shows the latest sample at most
/// this old, so the first grid points of a scrape gap still show the last sample.
pub const LOOKBACK_MS: i64 = 300_000;

/// Collects the samples of one series, as `query_range` shows them (on the grid, with
/// the lookback across the start of a gap) or as they were scraped.
struct Builder<'a> {
    trace: &'a HostTrace,
    keep: &'a [bool],
    aligned: bool,
}

impl Builder<'_> {
    fn series(&self, labels: Labels, value: impl Fn(usize) -> f64) -> RawSeries {
        let values: Vec<f64> = (0..self.trace.grid_ms.len()).map(value).collect();
        self.with_values(labels, &values)
    }

    /// Like `series`, with an occasional NaN sample.
    fn series_nan(
        &self,
        labels: Labels,
        rng: &mut ChaCha8Rng,
        p: f64,
        value: impl Fn(usize) -> f64,
    ) -> RawSeries {
        let mut values: Vec<f64> = (0..self.trace.grid_ms.len()).map(value).collect();
        if p > 0.0 {
            for v in values.iter_mut() {
                if rng.random_bool(p.min(1.0)) {
                    *v = f64::NAN;
                }
            }
        }
        self.with_values(labels, &values)
    }

    fn with_values(&self, labels: Labels, values: &[f64]) -> RawSeries {
        let mut s = RawSeries::new(labels);
        let mut last: Option<usize> = None;
        for (i, v) in values.iter().enumerate() {
            let (Some(grid), Some(scraped)) =
                (self.trace.grid_ms.get(i), self.trace.scrape_ms.get(i))
            else {
                break;
            };
            if self.keep.get(i).copied().unwrap_or(false) {
                s.push(if self.aligned { *grid } else { *scraped }, *v);
                last = Some(i);
            } else if self.aligned
                && let Some(j) = last
                && grid - self.trace.scrape_ms[j] <= LOOKBACK_MS
            {
                s.push(*grid, values[j]);
            }
        }
        s
    }
}

/// Which scrapes happened: none inside the gap (Unix ms, start inclusive, end exclusive).
fn kept(gap_ms: Option<(i64, i64)>, trace: &HostTrace) -> Vec<bool> {
    trace
        .scrape_ms
        .iter()
        .map(|t| match gap_ms {
            Some((from, to)) => *t < from || *t >= to,
            None => true,
        })
        .collect()
}

/// The facts of one machine that its exporters put in series and labels.
pub(crate) struct HostLabels<'a> {
    pub ip: &'a str,
    pub nodename: &'a str,
    /// `uname -r` and `uname -v`.
    pub kernel: &'a str,
    pub kernel_version: &'a str,
    pub cgroup_v2: bool,
    pub cpus: u32,
    pub mem_total_bytes: f64,
    /// 0 means unlimited, as cAdvisor reports it.
    pub cgroup_limit_bytes: f64,
}

impl<'a> HostLabels<'a> {
    fn of(h: &'a HostParams) -> Self {
        HostLabels {
            ip: &h.ip,
            nodename: &h.nodename,
            kernel: &h.kernel,
            kernel_version: &h.kernel_version,
            cgroup_v2: h.cgroup_v2,
            cpus: h.cpus,
            mem_total_bytes: h.mem_total_bytes,
            cgroup_limit_bytes: h.cgroup_limit_bytes,
        }
    }
}

/// What the exporters of one host put in labels and how the series were read: the parts
/// of a scenario's parameters that [`expose`] needs.
pub(crate) struct Exposition<'a> {
    pub service: &'a str,
    /// Default labels the app adds to its metrics.
    pub app_labels: &'a BTreeMap<String, String>,
    pub host: HostLabels<'a>,
    /// Missing scrapes, Unix ms (start inclusive, end exclusive).
    pub gap_ms: Option<(i64, i64)>,
    pub aligned: bool,
    pub nan_probability: f64,
    pub with_redis: bool,
    /// The random stream of occasional NaN samples.
    pub nan_rng: ChaCha8Rng,
}

/// All series of one host, every exporter.
pub fn host_series(params: &ScenarioParams, index: usize, trace: &HostTrace) -> Vec<RawSeries> {
    let Some(h) = params.hosts.get(index) else {
        return Vec::new();
    };
    let gap_ms = params.gap.as_ref().filter(|g| g.host == index).map(|g| {
        let from = (params.start_unix_s + g.offset_s) * 1000;
        (from, from + g.duration_s * 1000)
    });
    let exposition = Exposition {
        service: &params.service,
        app_labels: &params.app_labels,
        host: HostLabels::of(h),
        gap_ms,
        aligned: params.aligned_timestamps,
        nan_probability: params.nan_probability,
        with_redis: params.with_redis,
        nan_rng: host_rng(params.seed, index, 3),
    };
    expose(exposition, trace)
}

/// The series every exporter of one host emits for a trace.
pub(crate) fn expose(e: Exposition<'_>, trace: &HostTrace) -> Vec<RawSeries> {
    let h = &e.host;
    let keep = kept(e.gap_ms, trace);
    let b = Builder {
        trace,
        keep: &keep,
        aligned: e.aligned,
    };
    let mut nan_rng = e.nan_rng;
    let mut out = Vec::new();

    // prom-client
    let instance = format!("{}:3000", h.ip);
    let app = |name: &str| {
        let mut l = labels(&[
            ("__name__", name),
            ("instance", &instance),
            ("job", e.service),
        ]);
        for (k, v) in e.app_labels {
            l.entry(k.clone()).or_insert_with(|| v.clone());
        }
        l
    };
    let np = e.nan_probability;
    let a = &trace.app;
    out.push(
        b.series_nan(app("nodejs_heap_size_used_bytes"), &mut nan_rng, np, |i| {
            a[i].heap_used
        }),
    );
    out.push(
        b.series_nan(app("nodejs_heap_size_total_bytes"), &mut nan_rng, np, |i| {
            a[i].heap_total
        }),
    );
    for (j, space) in SPACES.iter().enumerate() {
        let mut l = app("nodejs_heap_space_size_used_bytes");
        l.insert("space".into(), (*space).into());
        out.push(b.series_nan(l, &mut nan_rng, np, |i| a[i].spaces[j]));
    }
    out.push(
        b.series_nan(app("nodejs_external_memory_bytes"), &mut nan_rng, np, |i| {
            a[i].external
        }),
    );
    out.push(b.series_nan(
        app("process_resident_memory_bytes"),
        &mut nan_rng,
        np,
        |i| a[i].rss,
    ));
    out.push(b.series(app("process_start_time_seconds"), |i| a[i].start_time_s));

    // cAdvisor
    let instance = format!("{}:8080", h.ip);
    let cgroup_id = |hex: &str| {
        if h.cgroup_v2 {
            format!("/system.slice/docker-{hex}.scope")
        } else {
            format!("/docker/{hex}")
        }
    };
    let ours_id = cgroup_id(&trace.container_id);
    let ours = |name: &str| {
        labels(&[
            ("__name__", name),
            ("id", &ours_id),
            ("image", "registry.sparcs.org/otl/otl-server:1.8.3"),
            ("instance", &instance),
            ("job", "cadvisor"),
            ("name", e.service),
        ])
    };
    let c = &trace.container;
    let cg: [(&str, CgroupField); 6] = [
        ("container_memory_usage_bytes", |s| s.usage),
        ("container_memory_working_set_bytes", |s| s.working_set),
        ("container_memory_rss", |s| s.rss),
        ("container_memory_cache", |s| s.cache),
        ("container_memory_mapped_file", |s| s.mapped_file),
        ("container_memory_swap", |s| s.swap),
    ];
    for (name, get) in cg {
        out.push(b.series(ours(name), |i| get(&c[i])));
    }
    out.push(b.series(ours("container_spec_memory_limit_bytes"), |_| {
        h.cgroup_limit_bytes
    }));
    out.push(b.series(ours("container_oom_events_total"), |i| trace.oom_events[i]));
    let neighbour_id = cgroup_id(&trace.neighbour_id);
    let neighbour = |name: &str| {
        labels(&[
            ("__name__", name),
            ("id", &neighbour_id),
            ("image", "redis:7.2-alpine"),
            ("instance", &instance),
            ("job", "cadvisor"),
            ("name", "otl-redis"),
        ])
    };
    let root = |name: &str| {
        labels(&[
            ("__name__", name),
            ("id", "/"),
            ("instance", &instance),
            ("job", "cadvisor"),
        ])
    };
    for (name, get) in cg.iter().take(4) {
        out.push(b.series(neighbour(name), |i| get(&trace.neighbour[i])));
        out.push(b.series(root(name), |i| get(&trace.root[i])));
    }
    // cAdvisor's start times, where the scenario simulates them.
    let started = &trace.container_started_s;
    if !started.is_empty() {
        let neighbour_started = trace.neighbour_started_s;
        out.push(b.series(ours("container_start_time_seconds"), |i| started[i]));
        out.push(b.series(neighbour("container_start_time_seconds"), |_| {
            neighbour_started
        }));
    }
    let cpus = h.cpus as f64;
    out.push(b.series(
        labels(&[
            ("__name__", "machine_cpu_cores"),
            ("boot_id", &trace.boot_id),
            ("instance", &instance),
            ("job", "cadvisor"),
            ("machine_id", &trace.machine_id),
            ("system_uuid", &trace.system_uuid),
        ]),
        |_| cpus,
    ));

    // node-exporter
    let instance = format!("{}:9100", h.ip);
    let node = |name: &str| labels(&[("__name__", name), ("instance", &instance), ("job", "node")]);
    let total = h.mem_total_bytes;
    out.push(b.series(node("node_memory_MemTotal_bytes"), |_| total));
    out.push(b.series(node("node_memory_MemAvailable_bytes"), |i| {
        trace.host[i].mem_available
    }));
    out.push(b.series(node("node_memory_Cached_bytes"), |i| trace.host[i].cached));
    let mut uname = node("node_uname_info");
    for (k, v) in [
        ("domainname", "(none)"),
        ("machine", "x86_64"),
        ("nodename", h.nodename),
        ("release", h.kernel),
        ("sysname", "Linux"),
        ("version", h.kernel_version),
    ] {
        uname.insert(k.into(), v.into());
    }
    out.push(b.series(uname, |_| 1.0));
    for cpu in 0..h.cpus as usize {
        let mut l = node("node_cpu_seconds_total");
        l.insert("cpu".into(), cpu.to_string());
        l.insert("mode".into(), "idle".into());
        out.push(b.series(l, |i| {
            trace.host[i].cpu_idle.get(cpu).copied().unwrap_or(0.0)
        }));
    }

    // redis-exporter
    if e.with_redis {
        let instance = format!("{}:9121", h.ip);
        let redis = |name: &str| {
            labels(&[
                ("__name__", name),
                ("instance", &instance),
                ("job", "redis"),
            ])
        };
        out.push(b.series(redis("redis_memory_used_bytes"), |i| trace.redis_used[i]));
        let max = trace.redis_max;
        out.push(b.series(redis("redis_memory_max_bytes"), |_| max));
    }
    out
}

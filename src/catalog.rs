//! The catalog: which metric names (per exporter) carry which kind, and the PromQL the
//! live fetcher sends per kind. See docs/inputs.md for the table.
//!
//! Names come from prom-client (optionally with its `prefix` option), Go's
//! client_golang, the JVM's Micrometer and JMX exporter, Python's prometheus_client,
//! cAdvisor, node-exporter and redis-exporter. Any kind can be pointed at another metric name with
//! [`Catalog::set`]. Series named `memgrowth:<kind>` (recording-rule style; the live
//! fetcher tags aggregate query results this way) are always that kind.

use crate::kind::Kind;
use crate::matcher::{Selector, quote};
use crate::series::Labels;
use std::collections::BTreeMap;

/// Prefix of recording-rule style names: `memgrowth:host_cpus`.
pub const RULE_PREFIX: &str = "memgrowth:";

/// The per-CPU counter that host CPUs are counted from (series with `mode="idle"`).
pub const CPU_COUNTER: &str = "node_cpu_seconds_total";

/// The label of `nodejs_heap_space_size_used_bytes` that names the V8 heap space.
pub const SPACE_LABEL: &str = "space";

/// prom-client's names; its `prefix` option is prepended to each.
const PROM_CLIENT: &[(&str, Kind)] = &[
    ("nodejs_heap_size_used_bytes", Kind::HeapUsed),
    ("nodejs_heap_size_total_bytes", Kind::HeapTotal),
    ("nodejs_heap_space_size_used_bytes", Kind::HeapSpaceUsed),
    ("nodejs_external_memory_bytes", Kind::External),
    ("process_resident_memory_bytes", Kind::ProcessRss),
    ("process_start_time_seconds", Kind::StartTime),
];

/// Go (client_golang), JVM (Micrometer, and the Prometheus JMX exporter / simpleclient
/// hotspot names) and Python (prometheus_client) runtime names; never prefixed.
const RUNTIMES: &[(&str, Kind)] = &[
    ("go_memstats_heap_inuse_bytes", Kind::GoHeapInuse),
    ("go_memstats_heap_alloc_bytes", Kind::GoHeapAlloc),
    ("go_memstats_next_gc_bytes", Kind::GoNextGc),
    ("go_memstats_sys_bytes", Kind::GoSys),
    ("go_goroutines", Kind::GoGoroutines),
    ("go_gc_gomemlimit_bytes", Kind::GoMemLimit),
    ("jvm_memory_used_bytes", Kind::JvmMemoryUsed),
    ("jvm_memory_pool_bytes_used", Kind::JvmMemoryUsed),
    ("jvm_memory_max_bytes", Kind::JvmMemoryMax),
    ("jvm_memory_pool_bytes_max", Kind::JvmMemoryMax),
    ("jvm_gc_live_data_size_bytes", Kind::JvmLiveData),
    ("jvm_gc_pause_seconds_count", Kind::JvmGcPauses),
    ("jvm_gc_collection_seconds_count", Kind::JvmGcPauses),
    ("jvm_threads_live_threads", Kind::JvmThreads),
    ("jvm_threads_current", Kind::JvmThreads),
    ("python_gc_objects_collected_total", Kind::PythonGcCollected),
];

/// The labels naming a JVM memory pool: Micrometer's `id`, the JMX exporter's `pool`.
pub const POOL_LABELS: [&str; 2] = ["id", "pool"];

/// cAdvisor, node-exporter and redis-exporter names.
const EXPORTERS: &[(&str, Kind)] = &[
    ("container_memory_usage_bytes", Kind::CgroupUsage),
    ("container_memory_working_set_bytes", Kind::CgroupWorkingSet),
    ("container_memory_rss", Kind::CgroupRss),
    ("container_memory_cache", Kind::CgroupCache),
    ("container_memory_mapped_file", Kind::CgroupMappedFile),
    ("container_memory_swap", Kind::CgroupSwap),
    ("container_spec_memory_limit_bytes", Kind::CgroupLimit),
    ("container_oom_events_total", Kind::OomEvents),
    ("container_start_time_seconds", Kind::ContainerStartTime),
    ("machine_cpu_cores", Kind::HostCpus),
    ("machine_memory_bytes", Kind::HostMemTotal),
    ("node_memory_MemTotal_bytes", Kind::HostMemTotal),
    ("node_memory_MemAvailable_bytes", Kind::HostMemAvailable),
    ("node_memory_Cached_bytes", Kind::HostCached),
    ("node_uname_info", Kind::HostKernel),
    ("redis_memory_used_bytes", Kind::RedisUsed),
    ("redis_memory_max_bytes", Kind::RedisMax),
    ("redis_instance_info", Kind::RedisInfo),
    ("redis_start_time_seconds", Kind::RedisStartTime),
    ("redis_evicted_keys_total", Kind::RedisEvicted),
];

/// Maps metric names to kinds.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    /// Metric name -> kind, for gauges and info series taken as they are.
    names: BTreeMap<String, Kind>,
    /// Per kind, the name the live fetcher queries (the first source of the kind).
    primary: BTreeMap<Kind, String>,
    /// The per-CPU counter host CPUs are counted from, if any.
    cpu_counter: Option<String>,
}

impl Default for Catalog {
    fn default() -> Self {
        Catalog::with_prefix("")
    }
}

impl Catalog {
    /// The default catalog, with prom-client's `prefix` option applied to its names.
    pub fn with_prefix(prefix: &str) -> Self {
        let mut catalog = Catalog {
            names: BTreeMap::new(),
            primary: BTreeMap::new(),
            cpu_counter: Some(CPU_COUNTER.to_string()),
        };
        for (name, kind) in PROM_CLIENT {
            catalog.add(format!("{prefix}{name}"), *kind);
        }
        for (name, kind) in RUNTIMES.iter().chain(EXPORTERS) {
            catalog.add((*name).to_string(), *kind);
        }
        catalog
    }

    fn add(&mut self, name: String, kind: Kind) {
        // host_cpus is fetched from node-exporter's counter by default, not cAdvisor.
        if kind != Kind::HostCpus {
            self.primary.entry(kind).or_insert_with(|| name.clone());
        }
        self.names.insert(name, kind);
    }

    /// Reads `kind` from `metric_name` instead of its default names.
    pub fn set(&mut self, kind: Kind, metric_name: &str) {
        self.names.retain(|_, k| *k != kind);
        if kind == Kind::HostCpus {
            self.cpu_counter = None;
        }
        self.names.insert(metric_name.to_string(), kind);
        self.primary.insert(kind, metric_name.to_string());
    }

    /// Learns that `metric_name` carries `kind` (e.g. from a bundle's frame), unless the
    /// catalog already reads that name; explicit [`Catalog::set`] choices are never undone.
    pub fn learn(&mut self, metric_name: &str, kind: Kind) {
        if metric_name.starts_with(RULE_PREFIX)
            || self.is_cpu_counter(metric_name)
            || self.names.contains_key(metric_name)
        {
            return;
        }
        self.names.insert(metric_name.to_string(), kind);
    }

    /// The kind (and heap space, "" when none) a series carries, or None when the
    /// catalog does not know its metric name.
    ///
    /// Per-CPU counter series (`node_cpu_seconds_total{mode="idle"}`) classify as
    /// `host_cpus`; [`crate::subject::select`] counts them into one series per host.
    pub fn classify(&self, labels: &Labels) -> Option<(Kind, String)> {
        let name = labels.get("__name__")?;
        let kind = if let Some(kind_name) = name.strip_prefix(RULE_PREFIX) {
            kind_name.parse().ok()?
        } else if self.is_cpu_counter(name) {
            if labels.get("mode").map(String::as_str) != Some("idle") {
                return None;
            }
            Kind::HostCpus
        } else {
            *self.names.get(name)?
        };
        let space = match kind {
            Kind::HeapSpaceUsed => labels.get(SPACE_LABEL).cloned().unwrap_or_default(),
            Kind::JvmMemoryUsed | Kind::JvmMemoryMax => POOL_LABELS
                .iter()
                .find_map(|l| labels.get(*l))
                .map(|pool| jvm_pool_space(pool))
                .unwrap_or_default(),
            Kind::PythonGcCollected => labels.get("generation").cloned().unwrap_or_default(),
            _ => String::new(),
        };
        Some((kind, space))
    }

    /// Whether `name` is the per-CPU counter host CPUs are counted from.
    pub fn is_cpu_counter(&self, name: &str) -> bool {
        self.cpu_counter.as_deref() == Some(name)
    }

    /// Every metric name the catalog reads for `kind`, sorted.
    pub fn names_of(&self, kind: Kind) -> Vec<String> {
        let mut names: Vec<String> = self
            .names
            .iter()
            .filter(|(_, k)| **k == kind)
            .map(|(n, _)| n.clone())
            .collect();
        if kind == Kind::HostCpus {
            names.extend(self.cpu_counter.clone());
        }
        names.sort();
        names
    }

    /// The query the live fetcher sends for `kind`, with the subject's matchers
    /// (escaped) added; hosts are counted by `instance`.
    pub fn promql(&self, kind: Kind, selector: &Selector) -> String {
        self.promql_with_host_label(kind, selector, None)
    }

    /// Like [`Catalog::promql`], with CPUs counted per `host_label` instead of `instance`.
    pub fn promql_with_host_label(
        &self,
        kind: Kind,
        selector: &Selector,
        host_label: Option<&str>,
    ) -> String {
        let inner = selector.inner_promql();
        let with = |extra: &str| {
            if inner.is_empty() {
                format!("{{{extra}}}")
            } else {
                format!("{{{extra},{inner}}}")
            }
        };
        if kind == Kind::HostCpus {
            if let Some(counter) = &self.cpu_counter {
                let by = match host_label {
                    Some(label) if label != "instance" => {
                        format!("instance, {}", render_name(label))
                    }
                    _ => "instance".to_string(),
                };
                return format!(
                    "label_replace(count by ({by}) ({counter}{}), \"__name__\", {}, \"\", \"\")",
                    with("mode=\"idle\""),
                    quote(&format!("{RULE_PREFIX}{}", kind.as_str()))
                );
            }
        }
        // A kind known under several names (host memory from node-exporter and from
        // cAdvisor) is queried under all of them, so a live fetch reads what offline
        // classification would accept.
        let names: Vec<String> = self
            .names
            .iter()
            .filter(|(n, k)| **k == kind && is_metric_name(n))
            .map(|(n, _)| n.clone())
            .collect();
        if names.len() > 1 {
            let alternatives: Vec<String> = names.iter().map(|n| regex::escape(n)).collect();
            return with(&format!("__name__=~{}", quote(&alternatives.join("|"))));
        }
        let name = self
            .primary
            .get(&kind)
            .cloned()
            .unwrap_or_else(|| format!("{RULE_PREFIX}{}", kind.as_str()));
        if is_metric_name(&name) {
            if inner.is_empty() {
                name
            } else {
                format!("{name}{{{inner}}}")
            }
        } else {
            // Prometheus 3 syntax for names outside the legacy character set.
            with(&quote(&name))
        }
    }
}

/// The space a JVM memory pool is read as: the old generation of every collector
/// (`G1 Old Gen`, `PS Old Gen`, `CMS Old Gen`, `Tenured Gen`) is `old`, like V8's old
/// space, so one name means "where a leak lives" whichever collector runs; the other
/// pools keep their names (`G1 Eden Space`, `Metaspace`, ...).
pub fn jvm_pool_space(pool: &str) -> String {
    if pool.ends_with("Old Gen") || pool == "Tenured Gen" {
        "old".to_string()
    } else {
        pool.to_string()
    }
}

/// Whether `name` is a legacy metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`).
fn is_metric_name(name: &str) -> bool {
    crate::matcher::is_legacy_label_name(&name.replace(':', "_"))
}

fn render_name(label: &str) -> String {
    if crate::matcher::is_legacy_label_name(label) {
        label.to_string()
    } else {
        quote(label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn default_names_classify() {
        let c = Catalog::default();
        let l = labels(&[("__name__", "container_memory_cache"), ("name", "api")]);
        assert_eq!(c.classify(&l), Some((Kind::CgroupCache, String::new())));
        let l = labels(&[
            ("__name__", "nodejs_heap_space_size_used_bytes"),
            ("space", "old"),
        ]);
        assert_eq!(c.classify(&l), Some((Kind::HeapSpaceUsed, "old".into())));
        let l = labels(&[("__name__", "machine_cpu_cores")]);
        assert_eq!(c.classify(&l), Some((Kind::HostCpus, String::new())));
        let l = labels(&[("__name__", "memgrowth:host_cpus")]);
        assert_eq!(c.classify(&l), Some((Kind::HostCpus, String::new())));
        assert_eq!(c.classify(&labels(&[("__name__", "memgrowth:nope")])), None);
        assert_eq!(
            c.classify(&labels(&[("__name__", "http_requests_total")])),
            None
        );
        assert_eq!(c.classify(&labels(&[("job", "x")])), None);
    }

    #[test]
    fn runtime_names_classify_with_their_pool() {
        let c = Catalog::with_prefix("otl_");
        let l = labels(&[("__name__", "go_memstats_heap_inuse_bytes"), ("job", "w")]);
        assert_eq!(c.classify(&l), Some((Kind::GoHeapInuse, String::new())));
        let l = labels(&[
            ("__name__", "jvm_memory_used_bytes"),
            ("area", "heap"),
            ("id", "G1 Old Gen"),
        ]);
        assert_eq!(c.classify(&l), Some((Kind::JvmMemoryUsed, "old".into())));
        let l = labels(&[
            ("__name__", "jvm_memory_pool_bytes_used"),
            ("pool", "Tenured Gen"),
        ]);
        assert_eq!(c.classify(&l), Some((Kind::JvmMemoryUsed, "old".into())));
        let l = labels(&[
            ("__name__", "jvm_memory_max_bytes"),
            ("id", "G1 Eden Space"),
        ]);
        assert_eq!(
            c.classify(&l),
            Some((Kind::JvmMemoryMax, "G1 Eden Space".into()))
        );
        let l = labels(&[
            ("__name__", "python_gc_objects_collected_total"),
            ("generation", "2"),
        ]);
        assert_eq!(c.classify(&l), Some((Kind::PythonGcCollected, "2".into())));
    }

    #[test]
    fn only_idle_cpu_series_count() {
        let c = Catalog::default();
        let idle = labels(&[("__name__", CPU_COUNTER), ("cpu", "0"), ("mode", "idle")]);
        let user = labels(&[("__name__", CPU_COUNTER), ("cpu", "0"), ("mode", "user")]);
        assert_eq!(c.classify(&idle).map(|k| k.0), Some(Kind::HostCpus));
        assert_eq!(c.classify(&user), None);
    }

    #[test]
    fn prefix_applies_to_prom_client_names_only() {
        let c = Catalog::with_prefix("otl_");
        let l = labels(&[("__name__", "otl_nodejs_heap_size_used_bytes")]);
        assert_eq!(c.classify(&l).map(|k| k.0), Some(Kind::HeapUsed));
        assert_eq!(
            c.classify(&labels(&[("__name__", "nodejs_heap_size_used_bytes")])),
            None
        );
        let l = labels(&[("__name__", "container_memory_rss")]);
        assert_eq!(c.classify(&l).map(|k| k.0), Some(Kind::CgroupRss));
    }

    #[test]
    fn set_overrides_a_kind() {
        let mut c = Catalog::default();
        c.set(Kind::ProcessRss, "app_rss");
        assert_eq!(
            c.classify(&labels(&[("__name__", "app_rss")])).map(|k| k.0),
            Some(Kind::ProcessRss)
        );
        assert_eq!(
            c.classify(&labels(&[("__name__", "process_resident_memory_bytes")])),
            None
        );
        assert_eq!(c.promql(Kind::ProcessRss, &Selector::all()), "app_rss");
    }

    #[test]
    fn learned_names_never_override() {
        let mut c = Catalog::default();
        c.learn("otl_nodejs_heap_size_used_bytes", Kind::HeapUsed);
        c.learn("container_memory_rss", Kind::CgroupCache);
        let l = labels(&[("__name__", "otl_nodejs_heap_size_used_bytes")]);
        assert_eq!(c.classify(&l).map(|k| k.0), Some(Kind::HeapUsed));
        let l = labels(&[("__name__", "container_memory_rss")]);
        assert_eq!(c.classify(&l).map(|k| k.0), Some(Kind::CgroupRss));
    }

    #[test]
    fn promql_escapes_and_counts_cpus() {
        let c = Catalog::default();
        let s = Selector::parse(r#"job="a\"b""#).unwrap();
        assert_eq!(
            c.promql(Kind::HeapUsed, &s),
            r#"nodejs_heap_size_used_bytes{job="a\"b"}"#
        );
        assert_eq!(
            c.promql(Kind::HostCpus, &Selector::all()),
            r#"label_replace(count by (instance) (node_cpu_seconds_total{mode="idle"}), "__name__", "memgrowth:host_cpus", "", "")"#
        );
        assert_eq!(
            c.promql_with_host_label(Kind::HostCpus, &s, Some("node")),
            r#"label_replace(count by (instance, node) (node_cpu_seconds_total{mode="idle",job="a\"b"}), "__name__", "memgrowth:host_cpus", "", "")"#
        );
        assert_eq!(
            c.promql(Kind::HostKernel, &Selector::all()),
            "node_uname_info"
        );
    }
}

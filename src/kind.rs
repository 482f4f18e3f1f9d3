//! Semantic memory kinds: what a series *means*, independent of the exporter that produced it.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a kind comes from, which decides how its series join a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The application's own metrics (prom-client): selected with `--app`.
    App,
    /// cAdvisor's per-container metrics: selected with `--container`.
    Container,
    /// node-exporter's per-machine metrics: joined by host.
    Host,
    /// redis-exporter's metrics: joined by host.
    Redis,
}

macro_rules! kinds {
    ($( $variant:ident => $name:literal, $scope:ident, $bytes:literal, $doc:literal; )*) => {
        /// One semantic kind of DESIGN section 5.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Kind {
            $( #[doc = $doc] $variant, )*
        }

        impl Kind {
            /// Every kind, in catalog order.
            pub const ALL: &'static [Kind] = &[$(Kind::$variant),*];

            /// The stable snake_case name used in frames, bundles and reports.
            pub fn as_str(self) -> &'static str {
                match self { $(Kind::$variant => $name,)* }
            }

            /// Which exporter family the kind belongs to.
            pub fn scope(self) -> Scope {
                match self { $(Kind::$variant => Scope::$scope,)* }
            }

            /// Whether values are bytes (as opposed to seconds, counts or info series).
            pub fn is_bytes(self) -> bool {
                match self { $(Kind::$variant => $bytes,)* }
            }

            /// One line saying what the kind measures.
            pub fn description(self) -> &'static str {
                match self { $(Kind::$variant => $doc,)* }
            }
        }

        impl FromStr for Kind {
            type Err = UnknownKind;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($name => Ok(Kind::$variant),)*
                    _ => Err(UnknownKind(s.to_string())),
                }
            }
        }
    };
}

kinds! {
    HeapUsed => "heap_used", App, true, "V8 heap in use";
    HeapTotal => "heap_total", App, true, "V8 heap reserved";
    HeapSpaceUsed => "heap_space_used", App, true, "V8 heap space in use, per space (old space is where a leak lives)";
    External => "external", App, true, "off-heap memory held by Buffers and ArrayBuffers";
    ProcessRss => "process_rss", App, true, "resident set size of the whole process";
    StartTime => "start_time", App, false, "process start time in Unix seconds; a change is a restart";
    CgroupUsage => "cgroup_usage", Container, true, "cgroup memory usage, page cache included";
    CgroupWorkingSet => "cgroup_working_set", Container, true, "cgroup usage minus inactive file pages";
    CgroupRss => "cgroup_rss", Container, true, "cgroup anonymous memory (v1 total_rss, v2 anon)";
    CgroupCache => "cgroup_cache", Container, true, "cgroup page cache (v1 total_cache, v2 file)";
    CgroupMappedFile => "cgroup_mapped_file", Container, true, "cgroup memory-mapped file pages";
    CgroupSwap => "cgroup_swap", Container, true, "cgroup swap in use";
    CgroupLimit => "cgroup_limit", Container, true, "cgroup memory limit; 0 means unlimited";
    OomEvents => "oom_events", Container, false, "cgroup OOM events (counter)";
    ContainerStartTime => "container_start_time", Container, false, "container start time in Unix seconds; the age of a container whose process exports none";
    HostMemTotal => "host_mem_total", Host, true, "host memory in total";
    HostMemAvailable => "host_mem_available", Host, true, "host memory available without swapping";
    HostCached => "host_cached", Host, true, "host page cache";
    HostKernel => "host_kernel", Host, false, "kernel release (info series)";
    HostCpus => "host_cpus", Host, false, "CPU count of the host";
    RedisUsed => "redis_used", Redis, true, "Redis memory in use";
    RedisMax => "redis_max", Redis, true, "Redis maxmemory; 0 means unlimited";
    RedisStartTime => "redis_start_time", Redis, false, "Redis server start time in Unix seconds; a change is a restart";
    GoHeapInuse => "go_heap_inuse", App, true, "Go heap spans in use (client_golang); its floor after GC is the live heap";
    GoHeapAlloc => "go_heap_alloc", App, true, "Go heap objects allocated and not yet freed";
    GoNextGc => "go_next_gc", App, true, "the heap size at which the Go GC runs next (its target)";
    GoSys => "go_sys", App, true, "memory the Go runtime obtained from the OS";
    GoGoroutines => "go_goroutines", App, false, "goroutines alive; a growing count is a goroutine leak";
    GoMemLimit => "go_mem_limit", App, true, "the Go soft memory limit (GOMEMLIMIT), where exposed";
    JvmMemoryUsed => "jvm_memory_used", App, true, "JVM memory pool in use, per pool (the old generation is where a leak lives)";
    JvmMemoryMax => "jvm_memory_max", App, true, "JVM memory pool maximum, per pool; -1 means undefined";
    JvmLiveData => "jvm_live_data", App, true, "JVM old generation after the last full collection (Micrometer)";
    JvmGcPauses => "jvm_gc_pauses", App, false, "JVM garbage collections (counter)";
    JvmThreads => "jvm_threads", App, false, "JVM live threads";
    PythonGcCollected => "python_gc_collected", App, false, "objects the Python GC collected, per generation (counter)";
    RedisInfo => "redis_info", Redis, false, "Redis instance info (info series); its `maxmemory_policy` label is the eviction policy";
    RedisEvicted => "redis_evicted", Redis, false, "keys Redis evicted at maxmemory (counter)";
}

impl Kind {
    /// Kinds whose series are memory levels that can grow and be fitted.
    pub fn is_memory_level(self) -> bool {
        self.is_bytes()
            && !matches!(
                self,
                Kind::CgroupLimit
                    | Kind::HostMemTotal
                    | Kind::RedisMax
                    | Kind::HeapTotal
                    | Kind::GoNextGc
                    | Kind::GoMemLimit
                    | Kind::JvmMemoryMax
            )
    }
}

/// The language runtime an app's series come from, detected from which series exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Runtime {
    /// Node.js with prom-client.
    Node,
    /// Go with client_golang.
    Go,
    /// The JVM with Micrometer or the Prometheus JMX exporter.
    Jvm,
    /// Python with prometheus_client.
    Python,
}

impl Runtime {
    pub fn as_str(self) -> &'static str {
        match self {
            Runtime::Node => "node",
            Runtime::Go => "go",
            Runtime::Jvm => "jvm",
            Runtime::Python => "python",
        }
    }

    /// The runtime whose kinds `kinds` holds, when exactly one does; the generic
    /// process kinds (RSS, start time) belong to none.
    pub fn detect(kinds: impl IntoIterator<Item = Kind>) -> Option<Runtime> {
        let mut found: Option<Runtime> = None;
        for kind in kinds {
            let Some(runtime) = kind.runtime() else {
                continue;
            };
            match found {
                None => found = Some(runtime),
                Some(r) if r == runtime => {}
                Some(_) => return None,
            }
        }
        found
    }
}

impl Kind {
    /// The runtime a kind belongs to; `None` for generic process, cgroup, host and
    /// Redis kinds.
    pub fn runtime(self) -> Option<Runtime> {
        Some(match self {
            Kind::HeapUsed | Kind::HeapTotal | Kind::HeapSpaceUsed | Kind::External => {
                Runtime::Node
            }
            Kind::GoHeapInuse
            | Kind::GoHeapAlloc
            | Kind::GoNextGc
            | Kind::GoSys
            | Kind::GoGoroutines
            | Kind::GoMemLimit => Runtime::Go,
            Kind::JvmMemoryUsed
            | Kind::JvmMemoryMax
            | Kind::JvmLiveData
            | Kind::JvmGcPauses
            | Kind::JvmThreads => Runtime::Jvm,
            Kind::PythonGcCollected => Runtime::Python,
            _ => return None,
        })
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A kind name that is not in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown kind `{0}`; known kinds: heap_used, heap_space_used, external, process_rss, cgroup_usage, cgroup_rss, cgroup_cache, ..."
)]
pub struct UnknownKind(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in Kind::ALL {
            assert_eq!(kind.as_str().parse::<Kind>(), Ok(*kind));
            let json = serde_json::to_string(kind).expect("serialize");
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
    }

    #[test]
    fn runtimes_are_detected_from_their_kinds() {
        assert_eq!(
            Runtime::detect([Kind::ProcessRss, Kind::GoGoroutines]),
            Some(Runtime::Go)
        );
        assert_eq!(Runtime::detect([Kind::JvmMemoryUsed]), Some(Runtime::Jvm));
        assert_eq!(
            Runtime::detect([Kind::PythonGcCollected, Kind::ProcessRss]),
            Some(Runtime::Python)
        );
        assert_eq!(
            Runtime::detect([Kind::HeapUsed, Kind::StartTime]),
            Some(Runtime::Node)
        );
        assert_eq!(Runtime::detect([Kind::ProcessRss]), None);
        assert_eq!(Runtime::detect([Kind::HeapUsed, Kind::GoHeapInuse]), None);
    }

    #[test]
    fn unknown_kind_is_an_error() {
        assert!("heap".parse::<Kind>().is_err());
    }
}

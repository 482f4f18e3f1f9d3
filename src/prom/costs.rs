//! What a missing kind costs the diagnosis, in plain words, per kind and per exporter.

use crate::kind::{Kind, Scope};

/// What a kind's absence costs the diagnosis.
pub fn missing_cost(kind: Kind) -> &'static str {
    match kind {
        Kind::HeapUsed => {
            "the V8 heap cannot be followed: a JavaScript leak cannot be told from native growth"
        }
        Kind::HeapTotal => "the reserved V8 heap is unknown (minor: heap_used carries the verdict)",
        Kind::HeapSpaceUsed => {
            "old space cannot be separated from the young generation: the heap floor is less sharp"
        }
        Kind::External => "Buffers and ArrayBuffers cannot be told from native (allocator) growth",
        Kind::ProcessRss => {
            "the process's resident memory is unknown: native growth is judged from cgroup rss only"
        }
        Kind::StartTime => {
            "restarts are found only from sharp drops: pm2 or OOM restarts may be missed"
        }
        Kind::CgroupUsage => "cgroup usage (page cache included) is unknown",
        Kind::CgroupWorkingSet => "the working set (what Kubernetes evicts on) is unknown",
        Kind::CgroupRss => {
            "anonymous cgroup memory is unknown: page cache cannot be told from a leak"
        }
        Kind::CgroupCache => "page cache cannot be told from a leak",
        Kind::CgroupMappedFile => "mapped file pages cannot be separated (minor)",
        Kind::CgroupSwap => "swap use is unknown: growth pushed into swap would be missed",
        Kind::CgroupLimit => {
            "no cgroup limit: time to limit needs --limit (e.g. pm2's max_memory_restart) or host memory"
        }
        Kind::OomEvents => "OOM kills cannot be confirmed",
        Kind::ContainerStartTime => {
            "a container without app series has no known age: a fresh one warming up can look like a leak"
        }
        Kind::HostMemTotal => {
            "host memory size is unknown: no fallback limit and no pressure ratio"
        }
        Kind::HostMemAvailable => {
            "memory pressure is unknown: page cache reclaim cannot be explained"
        }
        Kind::HostCached => "the host's page cache is unknown",
        Kind::HostKernel => {
            "the kernel release is unknown: kernel differences between hosts cannot be cited"
        }
        Kind::HostCpus => {
            "the CPU count is unknown: glibc arena counts cannot be compared across hosts"
        }
        Kind::RedisUsed | Kind::RedisMax => "Redis memory cannot be followed on this host",
        Kind::RedisInfo => {
            "the Redis eviction policy is unknown: filling maxmemory cannot be told from an outage ahead"
        }
        Kind::RedisEvicted => "Redis evictions cannot be counted (minor)",
        Kind::RedisStartTime => {
            "Redis restarts are found only from sharp drops: a restart that reloads its data is missed"
        }
        Kind::GoHeapInuse | Kind::GoHeapAlloc => {
            "the Go heap cannot be followed: a leak of Go objects cannot be told from native growth"
        }
        Kind::GoNextGc => "the Go GC target is unknown (minor)",
        Kind::GoSys => "memory the Go runtime holds from the OS is unknown (minor)",
        Kind::GoGoroutines => "goroutine leaks cannot be seen",
        Kind::GoMemLimit => {
            "no GOMEMLIMIT is exposed: the Go soft limit cannot be projected against"
        }
        Kind::JvmMemoryUsed => {
            "the JVM pools cannot be followed: old-generation growth cannot be told from native growth"
        }
        Kind::JvmMemoryMax => "the JVM pool maxima are unknown: no -Xmx to project against",
        Kind::JvmLiveData => {
            "the old generation after full GC is unknown: the heap floor is less sharp"
        }
        Kind::JvmGcPauses | Kind::JvmThreads => {
            "JVM GC and thread activity cannot be cited (minor)"
        }
        Kind::PythonGcCollected => "Python GC activity cannot be cited (minor)",
    }
}

/// What it costs when a whole exporter family is absent on a host.
pub fn family_cost(scope: Scope, host: &str) -> String {
    match scope {
        Scope::App => format!(
            "no prom-client series for host {host}: the V8 heap, external memory and restarts cannot be seen there; only cgroup and host memory can be judged"
        ),
        Scope::Container => format!(
            "no cAdvisor series for host {host}: page cache cannot be told from a leak there, and no cgroup limit is known"
        ),
        Scope::Host => format!(
            "no node-exporter series for host {host}: memory pressure, kernel and CPU count cannot explain how it differs from other hosts"
        ),
        Scope::Redis => format!("no redis-exporter series for host {host}"),
    }
}

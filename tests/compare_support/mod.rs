//! Hand-built targets for the comparison tests: realistic levels, a GC sawtooth, noise and
//! node-exporter host series, shaped like what the exporters report.

#![allow(dead_code)]

use memgrowth::frame::{SeriesKey, TidySeries};
use memgrowth::kind::Kind;
use memgrowth::series::Labels;
use memgrowth::target::Target;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::Normal;

pub const MIB: f64 = 1024.0 * 1024.0;
pub const GIB: f64 = 1024.0 * MIB;
/// 48 hours at one sample per minute.
pub const POINTS: usize = 2880;
pub const STEP_S: f64 = 60.0;
pub const START_S: f64 = 1_764_000_000.0;

/// What node-exporter says about a host.
#[derive(Debug, Clone)]
pub struct HostSpec {
    pub host: &'static str,
    pub kernel: &'static str,
    pub cpus: usize,
    pub mem_total: f64,
    pub mem_available: f64,
}

/// A value per hour since the start.
pub type Curve = Box<dyn Fn(f64) -> f64>;

pub fn flat(v: f64) -> Curve {
    Box::new(move |_| v)
}

pub fn linear(from: f64, per_hour: f64) -> Curve {
    Box::new(move |h| from + per_hour * h)
}

/// Grows from `from` towards `from + rise` with time constant `tau_h` hours.
pub fn saturating(from: f64, rise: f64, tau_h: f64) -> Curve {
    Box::new(move |h| from + rise * (1.0 - (-h / tau_h).exp()))
}

/// The memory of one service on one host, as curves in bytes.
pub struct Memory {
    /// Heap floor (post-GC); the sawtooth rides on top.
    pub heap: Curve,
    /// GC sawtooth amplitude, bytes.
    pub sawtooth: f64,
    pub external: Curve,
    /// Native memory outside the heap and external (code, stacks, malloc arenas).
    pub native: Curve,
    pub cache: Curve,
    /// Share of the cache that is inactive file pages.
    pub inactive_share: f64,
    /// Relative noise (standard deviation over level).
    pub noise: f64,
}

fn series(
    service: &str,
    host: &str,
    kind: Kind,
    name: &str,
    extra: &[(&str, &str)],
    values: Vec<f64>,
) -> TidySeries {
    let mut labels: Labels = Labels::new();
    labels.insert("__name__".into(), name.into());
    labels.insert("instance".into(), format!("{host}:9100"));
    for (k, v) in extra {
        labels.insert(k.to_string(), v.to_string());
    }
    TidySeries {
        key: SeriesKey {
            service: service.into(),
            host: host.into(),
            kind,
            space: String::new(),
        },
        labels,
        timestamps_ms: (0..values.len())
            .map(|i| ((START_S + i as f64 * STEP_S) * 1000.0) as i64)
            .collect(),
        values,
    }
}

/// One target with app, cAdvisor and node-exporter series.
pub fn target(service: &str, spec: &HostSpec, m: &Memory, seed: u64) -> Target {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let normal = Normal::new(0.0, 1.0).unwrap();
    let phase: f64 = rng.random::<f64>();
    let mut cols: [Vec<f64>; 8] = Default::default();
    for i in 0..POINTS {
        let h = i as f64 * STEP_S / 3600.0;
        let mut noisy = |v: f64| v * (1.0 + m.noise * rng.sample(normal));
        // A 7-minute GC sawtooth.
        let saw = ((h * 60.0 / 7.0 + phase).fract()) * m.sawtooth;
        let heap = noisy(m.heap.as_ref()(h) + saw);
        let heap_total = heap + 40.0 * MIB;
        let external = noisy(m.external.as_ref()(h));
        let native = noisy(m.native.as_ref()(h));
        let cache = noisy(m.cache.as_ref()(h));
        let rss = heap_total + external + native;
        let cgroup_rss = rss + 12.0 * MIB;
        let usage = cgroup_rss + cache + 8.0 * MIB;
        let ws = usage - m.inactive_share * cache;
        for (c, v) in cols.iter_mut().zip([
            heap, external, rss, cgroup_rss, cache, usage, ws, heap_total,
        ]) {
            c.push(v);
        }
    }
    let [heap, external, rss, cgroup_rss, cache, usage, ws, _] = cols;
    let host = spec.host;
    let app = [("job", "api")];
    let cadvisor = [("name", "otl-api"), ("id", "/docker/3f2a")];
    let series = vec![
        series(
            service,
            host,
            Kind::HeapUsed,
            "nodejs_heap_size_used_bytes",
            &app,
            heap,
        ),
        series(
            service,
            host,
            Kind::External,
            "nodejs_external_memory_bytes",
            &app,
            external,
        ),
        series(
            service,
            host,
            Kind::ProcessRss,
            "process_resident_memory_bytes",
            &app,
            rss,
        ),
        series(
            service,
            host,
            Kind::CgroupRss,
            "container_memory_rss",
            &cadvisor,
            cgroup_rss,
        ),
        series(
            service,
            host,
            Kind::CgroupCache,
            "container_memory_cache",
            &cadvisor,
            cache,
        ),
        series(
            service,
            host,
            Kind::CgroupUsage,
            "container_memory_usage_bytes",
            &cadvisor,
            usage,
        ),
        series(
            service,
            host,
            Kind::CgroupWorkingSet,
            "container_memory_working_set_bytes",
            &cadvisor,
            ws,
        ),
        series(
            service,
            host,
            Kind::CgroupLimit,
            "container_spec_memory_limit_bytes",
            &cadvisor,
            vec![0.0; POINTS],
        ),
    ];
    Target {
        service: service.into(),
        host: host.into(),
        series,
        host_series: host_series(spec),
    }
}

/// node-exporter series of a host: uname, one idle CPU counter per CPU, memory.
pub fn host_series(spec: &HostSpec) -> Vec<TidySeries> {
    let n = 30;
    let mut out = vec![
        series(
            "",
            spec.host,
            Kind::HostKernel,
            "node_uname_info",
            &[("release", spec.kernel), ("sysname", "Linux")],
            vec![1.0; n],
        ),
        series(
            "",
            spec.host,
            Kind::HostMemTotal,
            "node_memory_MemTotal_bytes",
            &[],
            vec![spec.mem_total; n],
        ),
        series(
            "",
            spec.host,
            Kind::HostMemAvailable,
            "node_memory_MemAvailable_bytes",
            &[],
            vec![spec.mem_available; n],
        ),
    ];
    for cpu in 0..spec.cpus {
        let cpu = cpu.to_string();
        out.push(series(
            "",
            spec.host,
            Kind::HostCpus,
            "node_cpu_seconds_total",
            &[("cpu", &cpu), ("mode", "idle")],
            (0..n).map(|i| i as f64 * 50.0).collect(),
        ));
    }
    out
}

pub fn host_a() -> HostSpec {
    HostSpec {
        host: "10.0.0.5",
        kernel: "5.15.0-91-generic",
        cpus: 16,
        mem_total: 64.0 * GIB,
        mem_available: 58.0 * GIB,
    }
}

pub fn host_b() -> HostSpec {
    HostSpec {
        host: "10.0.0.7",
        kernel: "4.19.0-25-amd64",
        cpus: 4,
        mem_total: 8.0 * GIB,
        mem_available: 0.6 * GIB,
    }
}

/// The seed's case: heap flat on both hosts; page cache climbs to ~2.4 GiB on the host with
/// memory to spare and stays reclaimed on the host under pressure.
pub fn seed_case(seed: u64) -> Vec<Target> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let heap = 150.0 * MIB * (1.0 + 0.05 * (rng.random::<f64>() - 0.5));
    let memory = |cache: Curve| Memory {
        heap: flat(heap),
        sawtooth: 40.0 * MIB,
        external: flat(9.0 * MIB),
        native: flat(90.0 * MIB),
        cache,
        inactive_share: 0.8,
        noise: 0.01,
    };
    let climb = 2.3 * GIB * (1.0 + 0.2 * (rng.random::<f64>() - 0.5));
    vec![
        target(
            "otl-api",
            &host_a(),
            &memory(linear(60.0 * MIB, climb / 48.0)),
            seed,
        ),
        target("otl-api", &host_b(), &memory(flat(45.0 * MIB)), seed + 1),
    ]
}

/// Native growth on a 64-CPU host, none on an 8-CPU host; the heap is flat on both.
pub fn native_case(seed: u64) -> Vec<Target> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xa7e4);
    let rise = 1000.0 * MIB * (1.0 + 0.3 * (rng.random::<f64>() - 0.5));
    let big = HostSpec {
        host: "node-a",
        kernel: "5.15.0-91-generic",
        cpus: 64,
        mem_total: 256.0 * GIB,
        mem_available: 200.0 * GIB,
    };
    let small = HostSpec {
        host: "node-b",
        kernel: "5.15.0-91-generic",
        cpus: 8,
        mem_total: 32.0 * GIB,
        mem_available: 20.0 * GIB,
    };
    let memory = |native: Curve| Memory {
        heap: flat(120.0 * MIB),
        sawtooth: 30.0 * MIB,
        external: flat(10.0 * MIB),
        native,
        cache: flat(30.0 * MIB),
        inactive_share: 0.5,
        noise: 0.01,
    };
    vec![
        target(
            "otl-api",
            &big,
            &memory(saturating(100.0 * MIB, rise, 20.0)),
            seed,
        ),
        target("otl-api", &small, &memory(flat(95.0 * MIB)), seed + 1),
    ]
}

//! Host context from node-exporter: kernel release, CPU count, memory and its pressure, and
//! the cgroup version where the evidence allows it (null when it does not).

use super::levels::recent_level;
use crate::frame::TidySeries;
use crate::kind::Kind;
use crate::report::HostContext;
use crate::target::Target;
use std::collections::{BTreeMap, BTreeSet};

/// The first kernel release with the cgroup v2 memory controller.
const CGROUP_V2_MEMORY_KERNEL: (u32, u32) = (4, 5);

/// Context of every host that carries a target, by host name.
pub fn host_contexts<'a>(
    targets: impl IntoIterator<Item = &'a Target>,
) -> BTreeMap<String, HostContext> {
    let mut out: BTreeMap<String, HostContext> = BTreeMap::new();
    for target in targets {
        if !out.contains_key(&target.host) {
            out.insert(target.host.clone(), host_context(&target.host_series));
        }
        let Some(ctx) = out.get_mut(&target.host) else {
            continue;
        };
        let noted = ctx
            .cgroup_version_evidence
            .as_deref()
            .is_some_and(|e| e.contains("cgroup driver"));
        if let (false, Some(note)) = (noted, cgroup_driver_note(&target.series)) {
            let evidence = ctx.cgroup_version_evidence.take().unwrap_or_default();
            ctx.cgroup_version_evidence = Some(format!("{evidence}; {note}"));
        }
    }
    out
}

/// What the cAdvisor `id` label (the container's cgroup path) says: the cgroup driver, which
/// hints at the version without deciding it.
fn cgroup_driver_note(series: &[TidySeries]) -> Option<String> {
    let id = series
        .iter()
        .filter(|s| s.key.kind.scope() == crate::kind::Scope::Container)
        .find_map(|s| s.labels.get("id"))?;
    if id.ends_with(".scope") || id.contains(".slice") {
        Some(format!(
            "the container's cgroup path {id} comes from the systemd cgroup driver, the default with cgroup v2 but also used with v1"
        ))
    } else if id.starts_with("/docker/") || id.starts_with("/kubepods/") {
        Some(format!(
            "the container's cgroup path {id} comes from the cgroupfs cgroup driver, the usual one with cgroup v1 but also usable with v2"
        ))
    } else {
        None
    }
}

/// Context of one host from its node-exporter series.
pub fn host_context(series: &[TidySeries]) -> HostContext {
    let of = |kind: Kind| series.iter().filter(move |s| s.key.kind == kind);
    let level = |kind: Kind| {
        of(kind)
            .filter_map(recent_level)
            .reduce(f64::max)
            .filter(|v| *v > 0.0)
    };
    let kernel = kernel_release(of(Kind::HostKernel));
    let mem_total_bytes = level(Kind::HostMemTotal);
    let mem_available_bytes = level(Kind::HostMemAvailable);
    let mem_available_fraction = match (mem_available_bytes, mem_total_bytes) {
        (Some(a), Some(t)) => Some((a / t).clamp(0.0, 1.0)),
        _ => None,
    };
    let (cgroup_version, evidence) = cgroup_version(kernel.as_deref());
    HostContext {
        kernel,
        cpus: cpu_count(of(Kind::HostCpus).collect()),
        mem_total_bytes,
        mem_available_bytes,
        cgroup_version,
        cgroup_version_evidence: Some(evidence),
        cached_bytes: level(Kind::HostCached),
        mem_available_fraction,
    }
}

/// The `release` label of the `node_uname_info` series seen last.
fn kernel_release<'a>(series: impl Iterator<Item = &'a TidySeries>) -> Option<String> {
    series
        .filter_map(|s| {
            let release = s.labels.get("release")?;
            let last = s.timestamps_ms.iter().copied().max().unwrap_or(i64::MIN);
            Some((last, release.clone()))
        })
        .max()
        .map(|(_, release)| release)
}

/// CPUs: distinct `cpu` labels when the series are per-CPU (`node_cpu_seconds_total`, idle
/// mode), otherwise the recent value of an already aggregated count.
fn cpu_count(series: Vec<&TidySeries>) -> Option<f64> {
    let per_cpu: BTreeSet<&str> = series
        .iter()
        .filter(|s| s.labels.get("mode").is_none_or(|m| m == "idle"))
        .filter_map(|s| s.labels.get("cpu").map(String::as_str))
        .collect();
    if !per_cpu.is_empty() {
        return Some(per_cpu.len() as f64);
    }
    series
        .iter()
        .filter_map(|s| recent_level(s))
        .reduce(f64::max)
        .filter(|v| *v >= 1.0)
        .map(f64::round)
}

/// (version, evidence). A kernel before 4.5 has no cgroup v2 memory controller, so v1 is
/// certain; newer kernels support both and node-exporter does not say which is mounted.
fn cgroup_version(kernel: Option<&str>) -> (Option<String>, String) {
    let Some(kernel) = kernel else {
        return (
            None,
            "unknown: no node_uname_info series for this host".to_string(),
        );
    };
    match parse_major_minor(kernel) {
        Some(v) if v < CGROUP_V2_MEMORY_KERNEL => (
            Some("v1".to_string()),
            format!(
                "kernel {kernel} predates the cgroup v2 memory controller (Linux 4.5): the memory cgroup is v1"
            ),
        ),
        Some(_) => (
            None,
            format!(
                "unknown: kernel {kernel} supports cgroup v1 and v2, and the scraped series do not say which is mounted"
            ),
        ),
        None => (
            None,
            format!("unknown: kernel release `{kernel}` could not be read as a version"),
        ),
    }
}

/// "5.15.0-91-generic" -> (5, 15).
pub fn parse_major_minor(release: &str) -> Option<(u32, u32)> {
    let mut parts = release.split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::SeriesKey;
    use crate::series::Labels;

    fn series(kind: Kind, labels: &[(&str, &str)], values: &[f64]) -> TidySeries {
        TidySeries {
            key: SeriesKey {
                service: String::new(),
                host: "h".into(),
                kind,
                space: String::new(),
            },
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Labels>(),
            timestamps_ms: (0..values.len() as i64).map(|i| i * 60_000).collect(),
            values: values.to_vec(),
        }
    }

    #[test]
    fn reads_kernel_cpus_and_memory() {
        let gib = 1024.0f64.powi(3);
        let ctx = host_context(&[
            series(
                Kind::HostKernel,
                &[("release", "4.19.0-25-amd64")],
                &[1.0; 3],
            ),
            series(Kind::HostCpus, &[("cpu", "0"), ("mode", "idle")], &[5.0; 3]),
            series(Kind::HostCpus, &[("cpu", "1"), ("mode", "idle")], &[5.0; 3]),
            series(Kind::HostCpus, &[("cpu", "1"), ("mode", "user")], &[5.0; 3]),
            series(Kind::HostMemTotal, &[], &[8.0 * gib; 3]),
            series(
                Kind::HostMemAvailable,
                &[],
                &[2.0 * gib, 1.0 * gib, 1.0 * gib],
            ),
        ]);
        assert_eq!(ctx.kernel.as_deref(), Some("4.19.0-25-amd64"));
        assert_eq!(ctx.cpus, Some(2.0));
        assert_eq!(ctx.mem_available_fraction, Some(0.125));
        assert_eq!(ctx.cgroup_version, None);
        assert!(ctx.cached_bytes.is_none());
    }

    #[test]
    fn old_kernels_are_cgroup_v1_and_counts_may_be_aggregated() {
        let ctx = host_context(&[
            series(
                Kind::HostKernel,
                &[("release", "3.10.0-1160.el7.x86_64")],
                &[1.0; 3],
            ),
            series(Kind::HostCpus, &[], &[16.0; 3]),
        ]);
        assert_eq!(ctx.cgroup_version.as_deref(), Some("v1"));
        assert_eq!(ctx.cpus, Some(16.0));
        let empty = host_context(&[]);
        assert!(empty.kernel.is_none() && empty.cgroup_version.is_none());
        assert!(
            empty
                .cgroup_version_evidence
                .unwrap()
                .contains("node_uname_info")
        );
    }

    #[test]
    fn the_cgroup_driver_is_noted_but_does_not_decide_the_version() {
        let mut container = series(
            Kind::CgroupUsage,
            &[("id", "/system.slice/docker-3f.scope")],
            &[1.0; 3],
        );
        container.key.service = "api".into();
        let target = Target {
            service: "api".into(),
            host: "h".into(),
            series: vec![container],
            host_series: vec![series(
                Kind::HostKernel,
                &[("release", "5.15.0-91-generic")],
                &[1.0; 3],
            )],
        };
        let ctx = &host_contexts(&[target.clone(), target])["h"];
        assert_eq!(ctx.cgroup_version, None);
        let evidence = ctx.cgroup_version_evidence.as_deref().unwrap();
        assert!(evidence.contains("systemd cgroup driver"), "{evidence}");
        assert_eq!(evidence.matches("cgroup driver").count(), 1, "{evidence}");
    }

    #[test]
    fn parses_release_versions() {
        assert_eq!(parse_major_minor("5.15.0-91-generic"), Some((5, 15)));
        assert_eq!(parse_major_minor("6.1"), Some((6, 1)));
        assert_eq!(parse_major_minor("generic"), None);
    }
}

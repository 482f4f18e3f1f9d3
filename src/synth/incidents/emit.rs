//! From a simulated case to what Prometheus holds: prom-client, cAdvisor and
//! node-exporter series with their real names and labels (through the scenario
//! exporters), a new cAdvisor container (`id`, `image`) after a deploy that recreated
//! it, and only the exporters the case has (no app series for a bare container).

use super::plan::Plan;
use super::sim::Simulated;
use crate::series::RawSeries;
use crate::synth::draw::KERNELS;
use crate::synth::exporters::{Exporter, Exposition, HostLabels, expose};
use crate::synth::physics::host_rng;
use rand::Rng;
use std::collections::BTreeMap;

/// The image every case's container runs, before its deploys bump the tag.
const IMAGE: &str = "registry.sparcs.org/otl/otl-server";

/// The host's IP address for a seed (the CLI names hosts by it).
pub(crate) fn host_ip(seed: u64) -> String {
    format!(
        "10.{}.{}.{}",
        (seed >> 16) % 250,
        (seed >> 8) % 250,
        seed % 250 + 2
    )
}

/// Every series the case's exporters emit, sorted by labels.
pub(crate) fn series(plan: &Plan, sim: &Simulated, seed: u64) -> Vec<RawSeries> {
    let ip = host_ip(seed);
    let nodename = format!("{}-node-{}", plan.service, seed % 7 + 1);
    let (kernel, kernel_version, _) = KERNELS[plan.machine.kernel.min(KERNELS.len() - 1)];
    let mut app_labels = BTreeMap::new();
    if seed % 2 == 0 {
        app_labels.insert("app".to_string(), plan.service.clone());
    }
    let start_ms = plan.start_s * 1000;
    let exposition = Exposition {
        service: &plan.service,
        app_labels: &app_labels,
        host: HostLabels {
            ip: &ip,
            nodename: &nodename,
            kernel,
            kernel_version,
            cgroup_v2: plan.machine.cgroup_v2,
            cpus: plan.machine.cpus,
            mem_total_bytes: plan.machine.mem_total_bytes,
            cgroup_limit_bytes: plan.limit_bytes,
        },
        gap_ms: plan
            .gap
            .map(|(offset, len)| (start_ms + offset * 1000, start_ms + (offset + len) * 1000)),
        aligned: plan.aligned,
        nan_probability: plan.nan_probability,
        with_redis: plan.with_redis,
        nan_rng: host_rng(seed, 0, 3),
    };
    let mut out: Vec<RawSeries> = expose(exposition, &sim.trace)
        .into_iter()
        .filter(|s| match Exporter::of_metric(s.metric_name()) {
            Exporter::App => {
                plan.runtime.scrapes_app()
                    && (plan.exports_memory || s.metric_name() == "process_start_time_seconds")
            }
            Exporter::Cadvisor => plan.exports_memory,
            _ => true,
        })
        .collect();
    if !sim.new_container_ms.is_empty() {
        out = split_containers(out, plan, sim, seed);
    }
    out.sort_by(|a, b| a.labels.cmp(&b.labels));
    out
}

/// Cuts the service container's cAdvisor series at each new container: every container
/// instance is its own series, with its own cgroup `id` and the deployed `image` tag.
fn split_containers(
    series: Vec<RawSeries>,
    plan: &Plan,
    sim: &Simulated,
    seed: u64,
) -> Vec<RawSeries> {
    let mut ids = host_rng(seed, 0, 14);
    let cuts = &sim.new_container_ms;
    let new_ids: Vec<String> = cuts
        .iter()
        .map(|_| {
            (0..64)
                .map(|_| char::from(b"0123456789abcdef"[ids.random_range(0..16usize)]))
                .collect()
        })
        .collect();
    let mut out = Vec::new();
    for s in series {
        let ours = Exporter::of_metric(s.metric_name()) == Exporter::Cadvisor
            && s.labels.get("name") == Some(&plan.service);
        if !ours || cuts.is_empty() {
            out.push(s);
            continue;
        }
        let old_id = s.labels.get("id").cloned().unwrap_or_default();
        let old_hex = sim.trace.container_id.as_str();
        let mut parts: Vec<RawSeries> = (0..=cuts.len())
            .map(|k| {
                let mut labels = s.labels.clone();
                labels.insert("image".into(), format!("{IMAGE}:1.8.{}", 3 + k));
                if k > 0 {
                    labels.insert("id".into(), old_id.replace(old_hex, &new_ids[k - 1]));
                }
                RawSeries::new(labels)
            })
            .collect();
        for (t, v) in s.timestamps_ms.iter().zip(&s.values) {
            let k = cuts.iter().filter(|c| **c <= *t).count();
            parts[k].push(*t, *v);
        }
        out.extend(parts.into_iter().filter(|p| !p.is_empty()));
    }
    out
}

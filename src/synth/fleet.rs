//! A fleet: many services sharing hosts, each service one generated scenario, as a
//! Prometheus holding a whole fleet would show them. Every host's node-exporter series
//! and cAdvisor's root and neighbour cgroups appear once per host (from the first service
//! placed there); every service keeps its own app series and its own container's series.

use super::params::{DEFAULT_START_UNIX_S, HostParams};
use super::{ScenarioKind, ScenarioParams, generate};
use crate::series::RawSeries;
use crate::verdict::Verdict;
use std::collections::BTreeSet;

/// The scenario each service is drawn from, in turn: page-cache growth on every other
/// service, so that most hosts run one service whose cache grows beside ones whose does not.
pub const FLEET_KINDS: [ScenarioKind; 8] = [
    ScenarioKind::CacheGrowth,
    ScenarioKind::Stable,
    ScenarioKind::CacheGrowth,
    ScenarioKind::Leak,
    ScenarioKind::CacheGrowth,
    ScenarioKind::Plateau,
    ScenarioKind::CacheGrowth,
    ScenarioKind::RestartMaskedLeak,
];

/// What a fleet is generated from.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetParams {
    pub seed: u64,
    pub services: usize,
    pub hosts: usize,
    /// Hosts each service runs on: service `i` runs on hosts `i, i+1, ...` (mod `hosts`).
    pub hosts_per_service: usize,
    pub start_unix_s: i64,
    pub duration_s: i64,
    pub step_s: i64,
    /// Keep only series of these metric names (all when `None`): a lean fleet for benchmarks.
    pub metrics: Option<Vec<String>>,
}

impl Default for FleetParams {
    fn default() -> Self {
        FleetParams {
            seed: 1,
            services: 6,
            hosts: 4,
            hosts_per_service: 2,
            start_unix_s: DEFAULT_START_UNIX_S,
            duration_s: 7 * 86_400,
            step_s: 600,
            metrics: None,
        }
    }
}

/// One service on one host, and the verdict its scenario built it to deserve.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetTarget {
    pub service: String,
    pub host: String,
    pub kind: ScenarioKind,
    pub expected: Verdict,
}

/// A generated fleet.
#[derive(Debug, Clone, PartialEq)]
pub struct Fleet {
    pub series: Vec<RawSeries>,
    /// Sorted by service, then host.
    pub targets: Vec<FleetTarget>,
}

impl Fleet {
    /// The service names, sorted.
    pub fn services(&self) -> Vec<String> {
        let names: BTreeSet<&str> = self.targets.iter().map(|t| t.service.as_str()).collect();
        names.into_iter().map(str::to_string).collect()
    }

    /// Samples over every series.
    pub fn samples(&self) -> usize {
        self.series.iter().map(RawSeries::len).sum()
    }
}

/// The name of service `i`: `svc-00`, `svc-01`, ...
pub fn service_name(i: usize) -> String {
    format!("svc-{i:02}")
}

/// The address of host `j`: `10.1.0.1`, `10.1.0.2`, ...
pub fn host_ip(j: usize) -> String {
    format!("10.1.{}.{}", j / 250, j % 250 + 1)
}

/// Generates the fleet. Deterministic in its parameters.
pub fn generate_fleet(p: &FleetParams) -> Fleet {
    let mut series = Vec::new();
    let mut targets = Vec::new();
    let mut hosts_done: BTreeSet<String> = BTreeSet::new();
    let keep_metric = |s: &RawSeries| {
        p.metrics
            .as_ref()
            .is_none_or(|m| m.iter().any(|n| n == s.metric_name()))
    };
    let per_service = p.hosts_per_service.clamp(1, p.hosts.max(1));
    for i in 0..p.services {
        let kind = FLEET_KINDS[i % FLEET_KINDS.len()];
        let mut params = ScenarioParams::random(kind, p.seed.wrapping_mul(1_000) + i as u64);
        let ips: Vec<String> = (0..per_service)
            .map(|k| host_ip((i + k) % p.hosts))
            .collect();
        params.service = service_name(i);
        params.start_unix_s = p.start_unix_s / p.step_s.max(1) * p.step_s.max(1);
        params.duration_s = p.duration_s;
        params.step_s = p.step_s;
        params.gap = None;
        params.with_redis = false;
        params.app_labels.clear();
        params.hosts = place(&params.hosts, &ips);
        let scenario = generate(kind, &params);
        for h in &scenario.params.hosts {
            targets.push(FleetTarget {
                service: params.service.clone(),
                host: h.ip.clone(),
                kind,
                expected: h.expected,
            });
        }
        let first_on: BTreeSet<String> = ips
            .iter()
            .filter(|ip| !hosts_done.contains(*ip))
            .cloned()
            .collect();
        for s in scenario.series {
            let own = match super::Exporter::of_metric(s.metric_name()) {
                super::Exporter::App => true,
                super::Exporter::Cadvisor => s.labels.get("name") == Some(&params.service),
                _ => false,
            };
            let host_of_series = s
                .labels
                .get("instance")
                .map(|i| crate::subject::strip_port(i))
                .unwrap_or_default();
            if (own || first_on.contains(&host_of_series)) && keep_metric(&s) {
                series.push(s);
            }
        }
        hosts_done.extend(first_on);
    }
    series.sort_by(|a, b| a.labels.cmp(&b.labels));
    targets.sort_by(|a, b| (&a.service, &a.host).cmp(&(&b.service, &b.host)));
    Fleet { series, targets }
}

/// The scenario's drawn hosts moved to the fleet's addresses; hosts beyond those drawn
/// repeat the last drawn one (each host still gets its own random streams).
fn place(drawn: &[HostParams], ips: &[String]) -> Vec<HostParams> {
    ips.iter()
        .enumerate()
        .filter_map(|(k, ip)| {
            let mut h = drawn.get(k).or(drawn.last())?.clone();
            h.ip = ip.clone();
            h.nodename = format!("node-{}", ip.replace('.', "-"));
            Some(h)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_share_hosts_and_host_series_appear_once() {
        let fleet = generate_fleet(&FleetParams {
            duration_s: 86_400,
            ..FleetParams::default()
        });
        assert_eq!(fleet.targets.len(), 12);
        assert_eq!(fleet.services().len(), 6);
        let mut labels: Vec<_> = fleet.series.iter().map(|s| &s.labels).collect();
        let n = labels.len();
        labels.dedup();
        assert_eq!(labels.len(), n, "a label set appears twice");
        let mem_total = fleet
            .series
            .iter()
            .filter(|s| s.metric_name() == "node_memory_MemTotal_bytes")
            .count();
        assert_eq!(mem_total, 4);
        let lean = generate_fleet(&FleetParams {
            duration_s: 86_400,
            metrics: Some(vec!["container_memory_cache".into()]),
            ..FleetParams::default()
        });
        assert_eq!(
            lean.series.len(),
            12 + 8,
            "own containers plus root and neighbour"
        );
    }
}

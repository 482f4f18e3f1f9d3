//! Targets: one service on one host, with every series that describes it; and the Redis
//! beside it, one target per host that runs redis-exporter.

use crate::frame::TidySeries;
use crate::kind::{Kind, Scope};
use std::collections::BTreeMap;

/// The service name of a Redis target whose series carry no `job` label.
pub const REDIS_SERVICE: &str = "redis";

/// One service on one host: its app and container series, and the host's own series.
///
/// A Redis target (see [`Target::is_redis`]) carries the host's redis-exporter series in
/// `series` and the host's node-exporter series in `host_series`.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub service: String,
    pub host: String,
    /// App and container series of this service on this host (for a Redis target: its
    /// redis-exporter series).
    pub series: Vec<TidySeries>,
    /// node-exporter and redis series of the host, shared by every service on it.
    pub host_series: Vec<TidySeries>,
}

impl Target {
    /// The series of one kind (any space), in a stable order.
    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &TidySeries> {
        self.series
            .iter()
            .chain(self.host_series.iter())
            .filter(move |s| s.key.kind == kind)
    }

    pub fn has_kind(&self, kind: Kind) -> bool {
        self.of_kind(kind).next().is_some()
    }

    /// Whether this is the Redis of a host rather than a service: its own series are
    /// redis-exporter's.
    pub fn is_redis(&self) -> bool {
        self.series
            .iter()
            .any(|s| s.key.kind.scope() == Scope::Redis)
    }
}

/// Groups classified series into targets, sorted by service then host.
///
/// Host-scope series (service "") are attached to every target on their host. A host
/// that has only host-scope series yields no target.
pub fn group_targets(series: Vec<TidySeries>) -> Vec<Target> {
    let mut per_host: BTreeMap<String, Vec<TidySeries>> = BTreeMap::new();
    let mut targets: BTreeMap<(String, String), Vec<TidySeries>> = BTreeMap::new();
    for s in series {
        match s.key.kind.scope() {
            Scope::Host | Scope::Redis if s.key.service.is_empty() => {
                per_host.entry(s.key.host.clone()).or_default().push(s)
            }
            _ => targets
                .entry((s.key.service.clone(), s.key.host.clone()))
                .or_default()
                .push(s),
        }
    }
    targets
        .into_iter()
        .map(|((service, host), mut series)| {
            series.sort_by(|a, b| (&a.key, &a.labels).cmp(&(&b.key, &b.labels)));
            let host_series = per_host.get(&host).cloned().unwrap_or_default();
            Target {
                service,
                host,
                series,
                host_series,
            }
        })
        .collect()
}

/// [`group_targets`], followed by one Redis target per host whose redis-exporter reports
/// `redis_memory_used_bytes`, sorted by service (the `job` of its series, else
/// [`REDIS_SERVICE`]) then host.
pub fn group_targets_with_redis(series: Vec<TidySeries>) -> Vec<Target> {
    let redis = redis_targets(&series);
    let mut targets = group_targets(series);
    targets.extend(redis);
    targets
}

/// One Redis target per host with a `redis_used` series: the host's Redis-scope series,
/// and its node-exporter series as host series.
pub fn redis_targets(series: &[TidySeries]) -> Vec<Target> {
    let mut per_host: BTreeMap<&str, (Vec<TidySeries>, Vec<TidySeries>)> = BTreeMap::new();
    for s in series.iter().filter(|s| s.key.service.is_empty()) {
        let entry = per_host.entry(s.key.host.as_str()).or_default();
        match s.key.kind.scope() {
            Scope::Redis => entry.0.push(s.clone()),
            Scope::Host => entry.1.push(s.clone()),
            _ => {}
        }
    }
    let mut out: Vec<Target> = per_host
        .into_iter()
        .filter(|(_, (redis, _))| redis.iter().any(|s| s.key.kind == Kind::RedisUsed))
        .map(|(host, (mut redis, host_series))| {
            redis.sort_by(|a, b| (&a.key, &a.labels).cmp(&(&b.key, &b.labels)));
            let service = redis
                .iter()
                .filter(|s| s.key.kind == Kind::RedisUsed)
                .find_map(|s| s.labels.get("job").filter(|j| !j.is_empty()).cloned())
                .unwrap_or_else(|| REDIS_SERVICE.to_string());
            Target {
                service,
                host: host.to_string(),
                series: redis,
                host_series,
            }
        })
        .collect();
    out.sort_by(|a, b| (&a.service, &a.host).cmp(&(&b.service, &b.host)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::SeriesKey;

    fn s(service: &str, host: &str, kind: Kind) -> TidySeries {
        TidySeries {
            key: SeriesKey {
                service: service.into(),
                host: host.into(),
                kind,
                space: String::new(),
            },
            labels: Default::default(),
            timestamps_ms: vec![0],
            values: vec![1.0],
        }
    }

    #[test]
    fn host_series_join_every_target_on_their_host() {
        let targets = group_targets(vec![
            s("api", "b", Kind::HeapUsed),
            s("api", "a", Kind::HeapUsed),
            s("worker", "a", Kind::CgroupRss),
            s("", "a", Kind::HostMemTotal),
            s("", "c", Kind::HostMemTotal),
        ]);
        let names: Vec<_> = targets
            .iter()
            .map(|t| (t.service.as_str(), t.host.as_str(), t.host_series.len()))
            .collect();
        assert_eq!(
            names,
            vec![("api", "a", 1), ("api", "b", 0), ("worker", "a", 1)]
        );
        assert!(targets[0].has_kind(Kind::HostMemTotal));
    }

    #[test]
    fn every_host_with_redis_memory_has_a_redis_target() {
        let mut used = s("", "a", Kind::RedisUsed);
        used.labels.insert("job".into(), "cache".into());
        let targets = group_targets_with_redis(vec![
            s("api", "a", Kind::HeapUsed),
            used,
            s("", "a", Kind::RedisMax),
            s("", "a", Kind::HostMemTotal),
            // maxmemory alone is no Redis to judge.
            s("", "b", Kind::RedisMax),
        ]);
        let names: Vec<_> = targets
            .iter()
            .map(|t| {
                (
                    t.service.as_str(),
                    t.host.as_str(),
                    t.series.len(),
                    t.is_redis(),
                )
            })
            .collect();
        assert_eq!(names, vec![("api", "a", 1, false), ("cache", "a", 2, true)]);
        // The service keeps the host's Redis series beside it; the Redis target the
        // host's node-exporter series.
        assert!(targets[0].has_kind(Kind::RedisUsed));
        assert!(targets[1].has_kind(Kind::HostMemTotal));
    }
}

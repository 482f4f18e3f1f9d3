//! Targets: one service on one host, with every series that describes it.

use crate::frame::TidySeries;
use crate::kind::{Kind, Scope};
use std::collections::BTreeMap;

/// One service on one host: its app and container series, and the host's own series.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub service: String,
    pub host: String,
    /// App and container series of this service on this host.
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
}

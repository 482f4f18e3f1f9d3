//! A `--by` fleet fetched one service at a time: the services and their hosts (from the
//! label sets of the app series, one cheap `/api/v1/series` call), the queries of one
//! service (its app series by the `--by` label, its containers by their name or `--by`
//! label), and the host kinds of every host, fetched once for the whole fleet.

use super::client::PromClient;
use super::errors::PromError;
use super::fetch::KindQuery;
use super::queries::host_matcher;
use crate::catalog::Catalog;
use crate::kind::{Kind, Scope};
use crate::matcher::{MatchOp, Matcher, Selector};
use crate::subject::{Subject, exporter_instances, job_instance};
use std::collections::{BTreeMap, BTreeSet};

/// The services of a fleet, each with the hosts its app series are on, sorted.
pub type Services = BTreeMap<String, BTreeSet<String>>;

/// The values of the `--by` label among the app series in the window, with their hosts.
/// Empty when the subject has no `--by` or no app series carry the label.
pub async fn fleet_services(
    client: &PromClient,
    catalog: &Catalog,
    subject: &Subject,
    start: f64,
    end: f64,
) -> Result<Services, PromError> {
    let Some(by) = &subject.by else {
        return Ok(Services::new());
    };
    let selector = subject.app.clone().unwrap_or_else(Selector::all);
    // The Redis kinds too: a redis-exporter's own `process_*` and `go_*` series are not a
    // service (see `exporter_instances`).
    let matchers: Vec<String> = Kind::ALL
        .iter()
        .filter_map(|k| match k.scope() {
            Scope::App => Some(catalog.promql(*k, &selector)),
            Scope::Redis => Some(catalog.promql(*k, &Selector::all())),
            _ => None,
        })
        .collect();
    let found = client.series(&matchers, start, end).await?;
    let exporters = exporter_instances(found.iter(), catalog);
    let mut services = Services::new();
    for labels in &found {
        let app = catalog
            .classify(labels)
            .is_some_and(|(k, _)| k.scope() == Scope::App);
        if !app || exporters.contains(&job_instance(labels)) {
            continue;
        }
        if let Some(service) = labels.get(by).filter(|v| !v.is_empty()) {
            let host = subject.host_of(labels);
            let hosts = services.entry(service.clone()).or_default();
            if !host.is_empty() {
                hosts.insert(host);
            }
        }
    }
    Ok(services)
}

fn equal(label: &str, value: &str) -> Option<Matcher> {
    Matcher::new(label, MatchOp::Equal, value).ok()
}

/// The app and container queries of one service of a `--by` fleet: app kinds whose `--by`
/// label is the service (within `--app`), container kinds whose `container` or `name`
/// label, or `--by` label, is the service (within `--container`). Which of those series
/// the service keeps is decided by [`crate::subject::select_known`], as for a whole fleet.
pub fn service_queries(catalog: &Catalog, subject: &Subject, service: &str) -> Vec<KindQuery> {
    let Some(by) = subject.by.as_deref() else {
        return Vec::new();
    };
    let host_label = subject.host_label.as_deref();
    let narrowed = |base: &Option<Selector>, label: &str| -> Option<Selector> {
        let mut selector = base.clone().unwrap_or_else(Selector::all);
        selector.push(equal(label, service)?);
        Some(selector)
    };
    Kind::ALL
        .iter()
        .filter_map(|kind| {
            let promql = match kind.scope() {
                Scope::App => {
                    let selector = narrowed(&subject.app, by)?;
                    catalog.promql_with_host_label(*kind, &selector, host_label)
                }
                Scope::Container => {
                    let mut labels = vec!["container", "name"];
                    if !labels.contains(&by) {
                        labels.push(by);
                    }
                    let parts: Option<Vec<String>> = labels
                        .into_iter()
                        .map(|l| {
                            narrowed(&subject.container, l)
                                .map(|s| catalog.promql_with_host_label(*kind, &s, host_label))
                        })
                        .collect();
                    parts?.join(" or ")
                }
                Scope::Host | Scope::Redis => return None,
            };
            Some(KindQuery {
                kind: *kind,
                promql,
            })
        })
        .collect()
}

/// The host and redis kinds of every host of the fleet, fetched once for all services.
pub fn host_queries(catalog: &Catalog, subject: &Subject, services: &Services) -> Vec<KindQuery> {
    let hosts: BTreeSet<String> = services.values().flatten().cloned().collect();
    let host_label = subject.host_label.as_deref();
    let Some(matcher) = host_matcher(&hosts, host_label) else {
        return Vec::new();
    };
    let mut selector = Selector::all();
    selector.push(matcher);
    Kind::ALL
        .iter()
        .filter(|k| matches!(k.scope(), Scope::Host | Scope::Redis))
        .map(|kind| KindQuery {
            kind: *kind,
            promql: catalog.promql_with_host_label(*kind, &selector, host_label),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_is_queried_by_its_label_and_its_containers_names() {
        let subject = Subject {
            by: Some("job".into()),
            ..Subject::default()
        };
        let queries = service_queries(&Catalog::default(), &subject, r#"a"b"#);
        let of = |k: Kind| queries.iter().find(|q| q.kind == k).unwrap().promql.clone();
        assert_eq!(
            of(Kind::HeapUsed),
            r#"nodejs_heap_size_used_bytes{job="a\"b"}"#
        );
        let cache = of(Kind::CgroupCache);
        for label in ["container", "name", "job"] {
            assert!(cache.contains(&format!(r#"{label}="a\"b""#)), "{cache}");
        }
        assert!(queries.iter().all(|q| q.kind.scope() != Scope::Host));
        let services = Services::from([("a".to_string(), BTreeSet::from(["h1".to_string()]))]);
        let hosts = host_queries(&Catalog::default(), &subject, &services);
        assert!(!hosts.is_empty());
        assert!(hosts.iter().all(|q| q.promql.contains("h1")), "{hosts:?}");
    }
}

//! The queries for a subject: one per kind of the catalog, app kinds restricted by
//! `--app`, container kinds by `--container`, and the remaining kinds (node-exporter,
//! redis, and cAdvisor when no `--container` is given) restricted to the subject's hosts,
//! which a cheap `/api/v1/series` call finds before any data is fetched.

use super::client::PromClient;
use super::errors::PromError;
use super::fetch::KindQuery;
use crate::catalog::Catalog;
use crate::kind::{Kind, Scope};
use crate::matcher::{MatchOp, Matcher, Selector};
use crate::subject::Subject;
use std::collections::BTreeSet;

/// Escapes a literal for a PromQL (RE2) regular expression.
pub fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A matcher selecting series of `hosts`: on `host_label`, or on `instance` with any port.
pub fn host_matcher(hosts: &BTreeSet<String>, host_label: Option<&str>) -> Option<Matcher> {
    if hosts.is_empty() {
        return None;
    }
    let alternatives: Vec<String> = hosts.iter().map(|h| regex_escape(h)).collect();
    let joined = alternatives.join("|");
    let (label, pattern) = match host_label {
        Some(label) if label != "instance" => (label, joined),
        // IPv6 instances are written `[::1]:9100`.
        _ => ("instance", format!("\\[?({joined})\\]?(:[0-9]+)?")),
    };
    Matcher::new(label, MatchOp::RegexMatch, &pattern).ok()
}

/// The subject's hosts, from the label sets of its app (and container) series in the window.
/// Empty when the subject has neither `--app` nor `--container` (then nothing is restricted).
pub async fn subject_hosts(
    client: &PromClient,
    catalog: &Catalog,
    subject: &Subject,
    start: f64,
    end: f64,
) -> Result<BTreeSet<String>, PromError> {
    let mut matchers = Vec::new();
    for (scope, selector) in [
        (Scope::App, &subject.app),
        (Scope::Container, &subject.container),
    ] {
        if let Some(selector) = selector {
            for kind in Kind::ALL.iter().filter(|k| k.scope() == scope) {
                matchers.push(catalog.promql(*kind, selector));
            }
        }
    }
    if matchers.is_empty() {
        return Ok(BTreeSet::new());
    }
    let labels = client.series(&matchers, start, end).await?;
    Ok(labels
        .iter()
        .map(|l| subject.host_of(l))
        .filter(|h| !h.is_empty())
        .collect())
}

/// One query per kind of the catalog for the subject, given its hosts.
pub fn kind_queries(
    catalog: &Catalog,
    subject: &Subject,
    hosts: &BTreeSet<String>,
) -> Vec<KindQuery> {
    let host_label = subject.host_label.as_deref();
    let restricted = |base: Selector| {
        let mut selector = base;
        if let Some(m) = host_matcher(hosts, host_label) {
            selector.push(m);
        }
        selector
    };
    Kind::ALL
        .iter()
        .map(|kind| {
            let selector = match (kind.scope(), &subject.app, &subject.container) {
                (Scope::App, Some(app), _) => app.clone(),
                (Scope::App, None, _) => restricted(Selector::all()),
                (Scope::Container, _, Some(container)) => container.clone(),
                _ => restricted(Selector::all()),
            };
            KindQuery {
                kind: *kind,
                promql: catalog.promql_with_host_label(*kind, &selector, host_label),
            }
        })
        .collect()
}

/// Finds the subject's hosts, then builds one query per kind.
pub async fn plan_queries(
    client: &PromClient,
    catalog: &Catalog,
    subject: &Subject,
    start: f64,
    end: f64,
) -> Result<Vec<KindQuery>, PromError> {
    let hosts = subject_hosts(client, catalog, subject, start, end).await?;
    Ok(kind_queries(catalog, subject, &hosts))
}

/// Points per series an automatic step aims at at most: plenty for the fits (trend tests
/// and model selection need hundreds), few enough to fetch a month quickly.
pub const AUTO_STEP_POINTS: u64 = 10_000;

/// The scrape interval of the subject's data, from raw samples of the first bare-selector
/// query in the 30 minutes before `end`; `None` when no such query has data there.
pub async fn scrape_interval(client: &PromClient, queries: &[KindQuery], end: f64) -> Option<f64> {
    for q in queries
        .iter()
        .filter(|q| !q.promql.contains('(') && !q.promql.contains('['))
    {
        let Ok(decoded) = client.query(&format!("{}[30m]", q.promql), Some(end)).await else {
            continue;
        };
        let mut intervals: Vec<f64> = decoded
            .series
            .iter()
            .filter_map(|s| super::discover::median_interval(&s.timestamps_ms))
            .collect();
        if intervals.is_empty() {
            continue;
        }
        intervals.sort_by(f64::total_cmp);
        return intervals.get(intervals.len() / 2).copied();
    }
    None
}

/// The step for a window when the user gave none: [`super::plan::auto_step`] over the
/// measured scrape interval (15 s, Prometheus' usual, when it cannot be measured).
pub async fn choose_step(client: &PromClient, queries: &[KindQuery], start: f64, end: f64) -> f64 {
    let interval = scrape_interval(client, queries, end).await.unwrap_or(15.0);
    super::plan::auto_step(end - start, interval, AUTO_STEP_POINTS) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_restriction_is_escaped_and_port_tolerant() {
        let hosts = BTreeSet::from(["10.0.0.5".to_string(), "a|b".to_string()]);
        let m = host_matcher(&hosts, None).unwrap();
        let re = regex::Regex::new(&format!("^(?:{})$", m.value)).unwrap();
        assert!(re.is_match("10.0.0.5:9100"));
        assert!(re.is_match("10.0.0.5"));
        assert!(!re.is_match("10.0.0.50:9100"));
        assert!(!re.is_match("10x0x0x5:9100"));
        assert!(re.is_match("a|b:1"));
        assert!(!re.is_match("a:1"));
        let m = host_matcher(&hosts, Some("node")).unwrap();
        assert_eq!(m.name, "node");
        assert!(host_matcher(&BTreeSet::new(), None).is_none());
    }

    #[test]
    fn subject_selectors_go_to_their_scopes() {
        let subject = Subject {
            app: Some(Selector::parse(r#"job="api""#).unwrap()),
            container: None,
            ..Subject::default()
        };
        let hosts = BTreeSet::from(["10.0.0.5".to_string()]);
        let queries = kind_queries(&Catalog::default(), &subject, &hosts);
        assert_eq!(queries.len(), Kind::ALL.len());
        let of = |k: Kind| queries.iter().find(|q| q.kind == k).unwrap().promql.clone();
        assert!(
            of(Kind::HeapUsed).contains(r#"job="api""#),
            "{}",
            of(Kind::HeapUsed)
        );
        assert!(!of(Kind::HeapUsed).contains("instance=~"));
        assert!(
            of(Kind::CgroupRss).contains("instance=~"),
            "{}",
            of(Kind::CgroupRss)
        );
        assert!(
            of(Kind::HostMemTotal).contains("10\\\\.0\\\\.0\\\\.5"),
            "{}",
            of(Kind::HostMemTotal)
        );
        assert!(!of(Kind::HostMemTotal).contains("job="));
    }
}

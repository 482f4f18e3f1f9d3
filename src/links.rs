//! Links back to Grafana: per target, an Explore view of the series that decide its
//! verdict over the report's window, and the same for each alerting rule.
//!
//! The link is Grafana's Explore URL (`/explore?schemaVersion=1&panes=...&orgId=1`,
//! Grafana 10 and later), one pane on the Prometheus datasource given by its uid, one
//! query per series. The queries are the catalog's, narrowed to the target's host and
//! service, so the view shows exactly the series the verdict read.

use crate::catalog::Catalog;
use crate::kind::{Kind, Scope};
use crate::matcher::{MatchOp, Matcher, Selector};
use crate::report::{Report, TargetLinks};
use crate::subject::Subject;

/// Where Grafana is and which Prometheus datasource the queries run on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrafanaSettings {
    /// Grafana's base URL, e.g. `https://grafana.example.com` (a sub-path included).
    pub url: String,
    /// The uid of the Prometheus datasource (Connections > Data sources > the URL's last part).
    pub datasource: String,
    pub org_id: u32,
}

/// Percent-encodes a URL query value (RFC 3986 unreserved characters stay).
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The Explore URL showing `queries` from `from` to `to`: Unix milliseconds, or
/// Grafana's relative times (`now-12h`, `now`).
pub fn explore_url(grafana: &GrafanaSettings, queries: &[String], from: &str, to: &str) -> String {
    let datasource = serde_json::json!({ "type": "prometheus", "uid": grafana.datasource });
    let queries: Vec<serde_json::Value> = queries
        .iter()
        .enumerate()
        .map(|(i, expr)| {
            serde_json::json!({
                "refId": ref_id(i),
                "expr": expr,
                "range": true,
                "datasource": datasource,
            })
        })
        .collect();
    let panes = serde_json::json!({
        "mg": {
            "datasource": grafana.datasource,
            "queries": queries,
            "range": { "from": from, "to": to },
        }
    });
    format!(
        "{}/explore?schemaVersion=1&panes={}&orgId={}",
        grafana.url.trim_end_matches('/'),
        encode(&panes.to_string()),
        grafana.org_id
    )
}

/// `A`, `B`, ..., `Z`, `AA`, ...
fn ref_id(mut i: usize) -> String {
    let mut id = String::new();
    loop {
        id.insert(0, (b'A' + (i % 26) as u8) as char);
        if i < 26 {
            return id;
        }
        i = i / 26 - 1;
    }
}

/// The matcher that picks `host` the way targets were grouped: the host label, or
/// `instance` with any port.
fn host_matcher(subject: &Subject, host: &str) -> Option<Matcher> {
    match &subject.host_label {
        Some(label) if label != "instance" => Matcher::new(label, MatchOp::Equal, host).ok(),
        _ => Matcher::new(
            "instance",
            MatchOp::RegexMatch,
            &format!("{}(:[0-9]+)?", regex::escape(host)),
        )
        .ok(),
    }
}

/// The query of one kind for one target: the catalog's, with the subject's matchers of
/// the kind's scope, the service (with `--by`) and the host.
pub fn target_query(
    catalog: &Catalog,
    subject: &Subject,
    kind: Kind,
    service: &str,
    host: &str,
) -> String {
    let mut selector = match kind.scope() {
        Scope::App => subject.app.clone().unwrap_or_else(Selector::all),
        Scope::Container => subject.container.clone().unwrap_or_else(Selector::all),
        Scope::Host | Scope::Redis => Selector::all(),
    };
    if let (Some(by), Scope::App) = (&subject.by, kind.scope()) {
        let named = selector
            .matchers()
            .iter()
            .any(|m| &m.name == by && m.op == MatchOp::Equal);
        if let (false, Ok(m)) = (named, Matcher::new(by, MatchOp::Equal, service)) {
            selector.push(m);
        }
    }
    if let Some(m) = host_matcher(subject, host) {
        selector.push(m);
    }
    catalog.promql_with_host_label(kind, &selector, subject.host_label.as_deref())
}

/// At most this many queries per link: the decisive series and those explaining it.
const QUERIES_PER_LINK: usize = 4;

/// Adds an Explore link per target to `report`: the kinds of its decisive growth and of
/// the series that explain the verdict, in that order, without repeats.
pub fn attach(
    report: &mut Report,
    catalog: &Catalog,
    subject: &Subject,
    grafana: &GrafanaSettings,
) {
    let from = window_ms(&report.window.start).to_string();
    let to = window_ms(&report.window.end).to_string();
    report.links = report
        .targets
        .iter()
        .map(|t| {
            let mut kinds: Vec<Kind> = Vec::new();
            let decisive = t.growth.as_ref().map(|g| g.kind.as_str());
            let named = decisive
                .and_then(|label| label.split([' ', '{']).next())
                .and_then(|name| name.parse::<Kind>().ok());
            kinds.extend(named);
            for series in &t.series {
                if let Ok(kind) = series.kind.parse::<Kind>() {
                    if !kinds.contains(&kind) && explains(kind) {
                        kinds.push(kind);
                    }
                }
            }
            kinds.truncate(QUERIES_PER_LINK);
            let queries: Vec<String> = kinds
                .iter()
                .map(|k| target_query(catalog, subject, *k, &t.service, &t.host))
                .collect();
            TargetLinks {
                service: t.service.clone(),
                host: t.host.clone(),
                grafana_explore: explore_url(grafana, &queries, &from, &to),
                queries,
            }
        })
        .collect();
}

/// Kinds a link shows beside the decisive one: the levels a reader compares first.
fn explains(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::HeapUsed
            | Kind::ProcessRss
            | Kind::CgroupWorkingSet
            | Kind::CgroupUsage
            | Kind::CgroupCache
            | Kind::RedisUsed
    )
}

fn window_ms(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339).map_or(0, |t| t.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grafana() -> GrafanaSettings {
        GrafanaSettings {
            url: "https://grafana.example.com/".into(),
            datasource: "P1809F7CD0C75ACF3".into(),
            org_id: 1,
        }
    }

    /// Decodes what [`encode`] wrote.
    fn decode(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("hex");
                out.push(u8::from_str_radix(hex, 16).expect("hex"));
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn explore_links_follow_grafanas_format() {
        let queries = vec![
            r#"container_memory_cache{name="otl-api",instance=~"10\\.0\\.0\\.5(:[0-9]+)?"}"#
                .to_string(),
        ];
        let url = explore_url(&grafana(), &queries, "1761955200000", "1762560000000");
        let rest = url
            .strip_prefix("https://grafana.example.com/explore?schemaVersion=1&panes=")
            .expect("base URL, Explore path and schema version");
        let (panes, org) = rest.split_once("&orgId=").expect("org id");
        assert_eq!(org, "1");
        assert!(
            !panes.contains(['{', '"', ' ', '&', '=', '+']),
            "encoded: {panes}"
        );
        let panes: serde_json::Value = serde_json::from_str(&decode(panes)).expect("panes JSON");
        let pane = &panes["mg"];
        assert_eq!(pane["datasource"], "P1809F7CD0C75ACF3");
        assert_eq!(pane["range"]["from"], "1761955200000");
        assert_eq!(pane["range"]["to"], "1762560000000");
        assert_eq!(pane["queries"][0]["refId"], "A");
        assert_eq!(pane["queries"][0]["expr"], queries[0]);
        assert_eq!(pane["queries"][0]["datasource"]["type"], "prometheus");
        assert_eq!(pane["queries"][0]["datasource"]["uid"], "P1809F7CD0C75ACF3");
    }

    #[test]
    fn ref_ids_count_like_columns() {
        assert_eq!(ref_id(0), "A");
        assert_eq!(ref_id(25), "Z");
        assert_eq!(ref_id(26), "AA");
    }

    #[test]
    fn target_queries_narrow_to_the_host_and_service() {
        let subject = Subject {
            app: Some(Selector::parse(r#"job="otl-api""#).expect("selector")),
            container: Some(Selector::parse(r#"name="otl-api""#).expect("selector")),
            by: None,
            host_label: None,
            service: None,
        };
        let catalog = Catalog::default();
        assert_eq!(
            target_query(&catalog, &subject, Kind::CgroupCache, "otl-api", "10.0.0.5"),
            r#"container_memory_cache{name="otl-api",instance=~"10\\.0\\.0\\.5(:[0-9]+)?"}"#
        );
        let by_node = Subject {
            host_label: Some("node".into()),
            by: Some("job".into()),
            ..subject
        };
        assert_eq!(
            target_query(&catalog, &by_node, Kind::HeapUsed, "otl-api", "n1"),
            r#"nodejs_heap_size_used_bytes{job="otl-api",node="n1"}"#
        );
    }
}

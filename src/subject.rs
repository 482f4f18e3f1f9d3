//! Subject selection: classify raw series into kinds, apply `--app`/`--container`
//! matchers, name services (`--by`) and hosts (`--host-label`).
//!
//! Rules (DESIGN section 5):
//! - app-scope kinds (prom-client) are taken when they match `--app` (all when absent);
//! - container-scope kinds (cAdvisor) are taken when they match `--container`; without
//!   it, a container is taken when its `container` (Kubernetes) or `name` (Docker) label
//!   names a service, and cAdvisor's root and system cgroups are skipped;
//! - host and redis kinds join by host with service "";
//! - the host is the `--host-label` value, else `instance` with the port stripped;
//! - the service is the `--by` label's value; without `--by` it is `--service`, else the
//!   most common `job` of the app series, else the container's name, else "service".
//! - with `--by`, a container series belongs to the service its `--by` value names (when
//!   that names a service: cAdvisor's own `job="cadvisor"` does not), else to the one its
//!   `container`/`name` label names, else to none: services sharing a host never share
//!   each other's cAdvisor series.

use crate::catalog::{Catalog, RULE_PREFIX};
use crate::frame::{SeriesKey, TidySeries};
use crate::kind::{Kind, Scope};
use crate::matcher::Selector;
use crate::report::SubjectInfo;
use crate::series::{Labels, RawSeries};
use std::collections::{BTreeMap, BTreeSet};

/// The service name used when nothing names one.
pub const DEFAULT_SERVICE: &str = "service";

/// What to diagnose, as the user chose it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Subject {
    /// `--app`: matchers for the app's own (prom-client) series.
    pub app: Option<Selector>,
    /// `--container`: matchers for cAdvisor's series.
    pub container: Option<Selector>,
    /// `--by LABEL`: one service per value of this label.
    pub by: Option<String>,
    /// `--host-label L`: the label naming the host (default `instance`, port stripped).
    pub host_label: Option<String>,
    /// `--service NAME`: the service's name when `--by` is absent.
    pub service: Option<String>,
}

impl Subject {
    /// How the subject was chosen, for the report.
    pub fn info(&self) -> SubjectInfo {
        SubjectInfo {
            app: self.app.as_ref().map(Selector::to_promql),
            container: self.container.as_ref().map(Selector::to_promql),
            by: self.by.clone(),
            host_label: self
                .host_label
                .clone()
                .unwrap_or_else(|| "instance".to_string()),
        }
    }

    /// The host key of a series: the `--host-label` value, else `instance` without its port.
    pub fn host_of(&self, labels: &Labels) -> String {
        if let Some(label) = &self.host_label {
            if let Some(v) = labels.get(label).filter(|v| !v.is_empty()) {
                return v.clone();
            }
        }
        labels
            .get("instance")
            .map(|i| strip_port(i))
            .unwrap_or_default()
    }
}

/// The outcome of selection.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    /// Classified series, sorted by key then labels.
    pub series: Vec<TidySeries>,
    /// Metric names the catalog does not know, with their series counts: `"up (3 series)"`.
    pub skipped: Vec<String>,
    /// What selection did that a reader should know (dropped series, guessed names).
    pub notes: Vec<String>,
}

/// `10.0.0.5:3000` -> `10.0.0.5`, `[::1]:9100` -> `::1`, `http://h:80/x` -> `h`;
/// bare hosts and bare IPv6 addresses are kept.
pub fn strip_port(instance: &str) -> String {
    let mut s = instance.trim();
    if let Some(i) = s.find("://") {
        s = s.get(i + 3..).unwrap_or(s);
        s = s.split('/').next().unwrap_or(s);
    }
    if let Some(rest) = s.strip_prefix('[') {
        if let Some(end) = rest.find(']') {
            return rest.get(..end).unwrap_or(rest).to_string();
        }
    }
    match s.rsplit_once(':') {
        Some((host, port))
            if !host.contains(':')
                && !host.is_empty()
                && !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit()) =>
        {
            host.to_string()
        }
        _ => s.to_string(),
    }
}

/// The container name cAdvisor gives a series: `container` (Kubernetes) or `name` (Docker).
fn container_name(labels: &Labels) -> Option<&str> {
    ["container", "name"]
        .iter()
        .filter_map(|k| labels.get(*k))
        .map(String::as_str)
        .find(|v| !v.is_empty() && *v != "POD")
}

struct Classified {
    raw: RawSeries,
    kind: Kind,
    space: String,
    host: String,
}

/// The `(job, instance)` of every redis-exporter among `labels`: the scrape targets whose
/// `process_*` and `go_*` series are the exporter's own, not a service's.
pub fn exporter_instances<'a>(
    labels: impl Iterator<Item = &'a Labels>,
    catalog: &Catalog,
) -> BTreeSet<(String, String)> {
    labels
        .filter(|l| {
            catalog
                .classify(l)
                .is_some_and(|(k, _)| k.scope() == Scope::Redis)
        })
        .map(job_instance)
        .collect()
}

/// A series' scrape target: its `job` and `instance` labels.
pub fn job_instance(labels: &Labels) -> (String, String) {
    let get = |k: &str| labels.get(k).cloned().unwrap_or_default();
    (get("job"), get("instance"))
}

/// Classifies and selects series for the subject. Output order is deterministic.
pub fn select(raw: Vec<RawSeries>, catalog: &Catalog, subject: &Subject) -> Selection {
    select_known(raw, catalog, subject, &BTreeSet::new())
}

/// [`select`] when some services are known beforehand (with `--by`, a fleet fetched one
/// service at a time): a container series whose `--by` value names one of `known` is that
/// service's even when that service's app series are not among `raw`, so each service's
/// share of the fleet is attributed exactly as the whole fleet would be.
pub fn select_known(
    raw: Vec<RawSeries>,
    catalog: &Catalog,
    subject: &Subject,
    known: &BTreeSet<String>,
) -> Selection {
    let mut notes = Vec::new();
    let mut unknown: BTreeMap<String, usize> = BTreeMap::new();
    let mut app = Vec::new();
    let mut container = Vec::new();
    let mut host = Vec::new();
    let mut cpu_counters = Vec::new();
    let exporters = exporter_instances(raw.iter().map(|s| &s.labels), catalog);
    let mut exporter_own = 0;
    for s in raw {
        if s.is_empty() {
            continue;
        }
        let Some((kind, space)) = catalog.classify(&s.labels) else {
            let name = s.metric_name();
            let is_other_cpu_mode = catalog.is_cpu_counter(name);
            if !is_other_cpu_mode {
                *unknown.entry(name.to_string()).or_default() += 1;
            }
            continue;
        };
        let c = Classified {
            host: subject.host_of(&s.labels),
            raw: s,
            kind,
            space,
        };
        match kind.scope() {
            Scope::App if exporters.contains(&job_instance(&c.raw.labels)) => exporter_own += 1,
            Scope::App => {
                if subject
                    .app
                    .as_ref()
                    .is_none_or(|sel| sel.matches(&c.raw.labels))
                {
                    app.push(c);
                }
            }
            Scope::Container => {
                if subject
                    .container
                    .as_ref()
                    .is_none_or(|sel| sel.matches(&c.raw.labels))
                {
                    container.push(c);
                }
            }
            Scope::Host | Scope::Redis if catalog.is_cpu_counter(c.raw.metric_name()) => {
                cpu_counters.push(c)
            }
            Scope::Host | Scope::Redis => host.push(c),
        }
    }

    if exporter_own > 0 {
        notes.push(format!(
            "skipped {exporter_own} series of redis-exporter's own process (the job and instance of its redis_* series): they describe the exporter, not a service"
        ));
    }
    let mut out = Vec::new();
    let mut services = place_app(app, subject, &mut out, &mut notes);
    if subject.by.is_some() {
        services.all.extend(known.iter().cloned());
    }
    place_containers(container, subject, &services, &mut out, &mut notes);
    for c in host.into_iter().chain(count_cpus(cpu_counters, &mut notes)) {
        out.push(tidy(c, String::new()));
    }
    out.sort_by(|a, b| (&a.key, &a.labels).cmp(&(&b.key, &b.labels)));
    let skipped = unknown
        .into_iter()
        .map(|(name, n)| {
            let name = if name.is_empty() {
                "(no __name__)".to_string()
            } else {
                name
            };
            format!("{name} ({n} series)")
        })
        .collect();
    Selection {
        series: out,
        skipped,
        notes,
    }
}

fn tidy(c: Classified, service: String) -> TidySeries {
    TidySeries {
        key: SeriesKey {
            service,
            host: c.host,
            kind: c.kind,
            space: c.space,
        },
        labels: c.raw.labels,
        timestamps_ms: c.raw.timestamps_ms,
        values: c.raw.values,
    }
}

/// Names the services of app series and places them; returns the services per host.
fn place_app(
    app: Vec<Classified>,
    subject: &Subject,
    out: &mut Vec<TidySeries>,
    notes: &mut Vec<String>,
) -> ServiceNames {
    let mut names = ServiceNames::default();
    if let Some(by) = &subject.by {
        let mut dropped = 0;
        for c in app {
            match c.raw.labels.get(by).filter(|v| !v.is_empty()).cloned() {
                Some(service) => {
                    names.add(&service);
                    out.push(tidy(c, service));
                }
                None => dropped += 1,
            }
        }
        if dropped > 0 {
            notes.push(format!(
                "dropped {dropped} app series without the --by label `{by}`"
            ));
        }
        return names;
    }
    let service = subject.service.clone().or_else(|| most_common_job(&app));
    names.single = service.clone();
    let service = service.unwrap_or_else(|| DEFAULT_SERVICE.to_string());
    for c in app {
        names.add(&service);
        out.push(tidy(c, service.clone()));
    }
    names
}

fn most_common_job(app: &[Classified]) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for c in app {
        if let Some(job) = c.raw.labels.get("job").filter(|j| !j.is_empty()) {
            *counts.entry(job).or_default() += 1;
        }
    }
    // Most series first; ties go to the name that sorts first.
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(job, _)| job.to_string())
}

/// Services known from app series or from `--service`/the job.
#[derive(Default)]
struct ServiceNames {
    single: Option<String>,
    all: BTreeSet<String>,
}

impl ServiceNames {
    fn add(&mut self, service: &str) {
        self.all.insert(service.to_string());
    }
}

fn place_containers(
    container: Vec<Classified>,
    subject: &Subject,
    services: &ServiceNames,
    out: &mut Vec<TidySeries>,
    notes: &mut Vec<String>,
) {
    let total = container.len();
    let mut taken = 0;
    for c in container {
        if let Some(service) = container_service(&c.raw.labels, subject, services) {
            taken += 1;
            out.push(tidy(c, service));
        }
    }
    if total == taken || (subject.container.is_some() && subject.by.is_none()) {
        return;
    }
    let mut named: Vec<&str> = services.all.iter().map(String::as_str).collect();
    let more = named.len().saturating_sub(8);
    named.truncate(8);
    let named = match (named.is_empty(), more) {
        (true, _) => "no service named".to_string(),
        (false, 0) => format!("services: {}", named.join(", ")),
        (false, n) => format!("services: {}, and {n} more", named.join(", ")),
    };
    let skipped = total - taken;
    notes.push(match &subject.by {
        Some(by) => format!(
            "skipped {skipped} cAdvisor series that belong to no service: neither their              `container`/`name` label nor their `{by}` label names one ({named});              diagnose a service alone with --app and --container to choose other containers"
        ),
        None => format!(
            "skipped {skipped} cAdvisor series whose `container`/`name` label is not a service ({named}); pass --container to choose them"
        ),
    });
}

/// The service a cAdvisor series belongs to, or `None` when it belongs to none.
///
/// With `--by`, a container is its own service's: the one its `--by` label names (when
/// that names a service: cAdvisor's own `job="cadvisor"` does not), else the one its
/// `container`/`name` label names. A container naming no service joins no target, so
/// that services sharing a host never see each other's memory. Without `--by`, every
/// container chosen by `--container` is the single service's; without `--container`,
/// only containers named after the service are taken.
fn container_service(
    labels: &Labels,
    subject: &Subject,
    services: &ServiceNames,
) -> Option<String> {
    let name = container_name(labels);
    let is_service = |v: &str| {
        if services.all.is_empty() && services.single.is_none() {
            // No service named anywhere: every named container is one.
            true
        } else {
            services.all.contains(v) || services.single.as_deref() == Some(v)
        }
    };
    if let Some(by) = &subject.by {
        let carried = labels
            .get(by)
            .map(String::as_str)
            .filter(|v| !v.is_empty() && services.all.contains(*v));
        return carried
            .or(name.filter(|n| is_service(n)))
            .map(str::to_string);
    }
    if subject.container.is_none() {
        // Only containers named after a service; root and system cgroups never are.
        return name.filter(|n| is_service(n)).map(str::to_string);
    }
    if let Some(s) = &services.single {
        return Some(s.clone());
    }
    if services.all.len() == 1 {
        return services.all.iter().next().cloned();
    }
    Some(name.unwrap_or(DEFAULT_SERVICE).to_string())
}

/// Turns per-CPU idle counters into one `host_cpus` series per host: at each timestamp,
/// the number of distinct `cpu` labels with a sample.
fn count_cpus(counters: Vec<Classified>, notes: &mut Vec<String>) -> Vec<Classified> {
    let mut per_host: BTreeMap<String, Vec<Classified>> = BTreeMap::new();
    for c in counters {
        per_host.entry(c.host.clone()).or_default().push(c);
    }
    let mut out = Vec::new();
    if !per_host.is_empty() {
        notes.push(format!(
            "host_cpus counted from node_cpu_seconds_total{{mode=\"idle\"}} on {} host(s)",
            per_host.len()
        ));
    }
    for (host, series) in per_host {
        let mut at: BTreeMap<i64, BTreeSet<&str>> = BTreeMap::new();
        let mut common: Option<Labels> = None;
        for c in &series {
            let cpu = c.raw.labels.get("cpu").map(String::as_str).unwrap_or("");
            for (t, v) in c.raw.timestamps_ms.iter().zip(&c.raw.values) {
                if v.is_finite() {
                    at.entry(*t).or_default().insert(cpu);
                }
            }
            common = Some(match common {
                None => c.raw.labels.clone(),
                Some(mut l) => {
                    l.retain(|k, v| c.raw.labels.get(k) == Some(v));
                    l
                }
            });
        }
        let mut labels = common.unwrap_or_default();
        labels.remove("cpu");
        labels.remove("mode");
        labels.insert(
            "__name__".to_string(),
            format!("{RULE_PREFIX}{}", Kind::HostCpus.as_str()),
        );
        let mut raw = RawSeries::new(labels);
        for (t, cpus) in at {
            raw.push(t, cpus.len() as f64);
        }
        out.push(Classified {
            raw,
            kind: Kind::HostCpus,
            space: String::new(),
            host,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_stripped() {
        assert_eq!(strip_port("10.0.0.5:3000"), "10.0.0.5");
        assert_eq!(strip_port("[::1]:9100"), "::1");
        assert_eq!(strip_port("[fe80::1]"), "fe80::1");
        assert_eq!(strip_port("fe80::1"), "fe80::1");
        assert_eq!(strip_port("node-a"), "node-a");
        assert_eq!(strip_port("node-a:metrics"), "node-a:metrics");
        assert_eq!(strip_port("http://10.0.0.5:8080/metrics"), "10.0.0.5");
    }

    #[test]
    fn host_label_wins_over_instance() {
        let subject = Subject {
            host_label: Some("node".into()),
            ..Subject::default()
        };
        let mut labels = Labels::from([("instance".to_string(), "10.0.0.5:3000".to_string())]);
        assert_eq!(subject.host_of(&labels), "10.0.0.5");
        labels.insert("node".into(), "worker-1".into());
        assert_eq!(subject.host_of(&labels), "worker-1");
    }
}

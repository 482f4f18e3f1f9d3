//! Subject selection: kinds, services, hosts, CPU counting, deterministic order.

use super::series;
use memgrowth::catalog::Catalog;
use memgrowth::kind::Kind;
use memgrowth::matcher::Selector;
use memgrowth::subject::{Subject, select};

const T: &[(i64, f64)] = &[(1000, 1.0), (2000, 2.0)];

fn app(metric: &str, instance: &str, job: &str) -> memgrowth::series::RawSeries {
    series(
        &[("__name__", metric), ("instance", instance), ("job", job)],
        T,
    )
}

fn cadvisor(metric: &str, instance: &str, name: &str) -> memgrowth::series::RawSeries {
    let mut pairs = vec![
        ("__name__", metric),
        ("instance", instance),
        ("id", "/docker/abc"),
    ];
    if !name.is_empty() {
        pairs.push(("name", name));
    } else {
        pairs[2] = ("id", "/");
    }
    series(&pairs, T)
}

fn cpu(
    instance: &str,
    cpu: &str,
    mode: &str,
    points: &[(i64, f64)],
) -> memgrowth::series::RawSeries {
    series(
        &[
            ("__name__", "node_cpu_seconds_total"),
            ("instance", instance),
            ("job", "node"),
            ("cpu", cpu),
            ("mode", mode),
        ],
        points,
    )
}

fn two_hosts() -> Vec<memgrowth::series::RawSeries> {
    let mut raw = vec![
        app("nodejs_heap_size_used_bytes", "10.0.0.6:3000", "otl-api"),
        app("nodejs_heap_size_used_bytes", "10.0.0.5:3000", "otl-api"),
        app("process_resident_memory_bytes", "10.0.0.5:3000", "otl-api"),
        app("http_requests_total", "10.0.0.5:3000", "otl-api"),
        app("http_requests_total", "10.0.0.6:3000", "otl-api"),
        cadvisor("container_memory_cache", "10.0.0.5:8080", "otl-api"),
        cadvisor("container_memory_cache", "10.0.0.6:8080", "otl-api"),
        cadvisor("container_memory_cache", "10.0.0.5:8080", "redis"),
        cadvisor("container_memory_cache", "10.0.0.5:8080", ""),
        series(
            &[
                ("__name__", "node_memory_MemTotal_bytes"),
                ("instance", "10.0.0.5:9100"),
            ],
            T,
        ),
        series(
            &[
                ("__name__", "node_uname_info"),
                ("instance", "[10.0.0.6]:9100"),
                ("release", "6.1.0"),
            ],
            &[(1000, 1.0)],
        ),
    ];
    for c in ["0", "1", "2", "3"] {
        raw.push(cpu("10.0.0.5:9100", c, "idle", T));
        raw.push(cpu("10.0.0.5:9100", c, "user", T));
    }
    // Host 6 has two CPUs, and a third that appears only in the second scrape.
    raw.push(cpu("10.0.0.6:9100", "0", "idle", T));
    raw.push(cpu("10.0.0.6:9100", "1", "idle", T));
    raw.push(cpu("10.0.0.6:9100", "2", "idle", &[(2000, 5.0)]));
    raw
}

fn keys(sel: &memgrowth::subject::Selection) -> Vec<(String, String, Kind)> {
    sel.series
        .iter()
        .map(|s| (s.key.service.clone(), s.key.host.clone(), s.key.kind))
        .collect()
}

#[test]
fn default_subject_joins_app_container_and_host_by_host() {
    let sel = select(two_hosts(), &Catalog::default(), &Subject::default());
    let k = keys(&sel);
    let svc = |h: &str, kind| ("otl-api".to_string(), h.to_string(), kind);
    let host = |h: &str, kind| (String::new(), h.to_string(), kind);
    assert_eq!(
        k,
        vec![
            host("10.0.0.5", Kind::HostMemTotal),
            host("10.0.0.5", Kind::HostCpus),
            host("10.0.0.6", Kind::HostKernel),
            host("10.0.0.6", Kind::HostCpus),
            svc("10.0.0.5", Kind::HeapUsed),
            svc("10.0.0.5", Kind::ProcessRss),
            svc("10.0.0.5", Kind::CgroupCache),
            svc("10.0.0.6", Kind::HeapUsed),
            svc("10.0.0.6", Kind::CgroupCache),
        ]
    );
    assert_eq!(
        sel.skipped,
        vec!["http_requests_total (2 series)".to_string()]
    );
    assert!(
        sel.notes
            .iter()
            .any(|n| n.contains("skipped 2 cAdvisor series")),
        "{:?}",
        sel.notes
    );

    let cpus: Vec<(&str, &Vec<f64>)> = sel
        .series
        .iter()
        .filter(|s| s.key.kind == Kind::HostCpus)
        .map(|s| (s.key.host.as_str(), &s.values))
        .collect();
    assert_eq!(
        cpus,
        vec![("10.0.0.5", &vec![4.0, 4.0]), ("10.0.0.6", &vec![2.0, 3.0])]
    );
    let cpu_series = sel
        .series
        .iter()
        .find(|s| s.key.kind == Kind::HostCpus)
        .unwrap();
    assert_eq!(cpu_series.metric(), "memgrowth:host_cpus");
    assert!(!cpu_series.labels.contains_key("cpu"));

    // The same input in another order selects the same output.
    let mut shuffled = two_hosts();
    shuffled.reverse();
    assert_eq!(
        select(shuffled, &Catalog::default(), &Subject::default()),
        sel
    );
}

#[test]
fn app_matchers_filter_app_series_only() {
    let subject = Subject {
        app: Some(Selector::parse(r#"instance=~"10\\.0\\.0\\.5:.*""#).unwrap()),
        ..Subject::default()
    };
    let sel = select(two_hosts(), &Catalog::default(), &subject);
    let app_hosts: Vec<&str> = sel
        .series
        .iter()
        .filter(|s| s.key.kind.scope() == memgrowth::kind::Scope::App)
        .map(|s| s.key.host.as_str())
        .collect();
    assert_eq!(app_hosts, vec!["10.0.0.5", "10.0.0.5"]);
    // Host series still join by host.
    assert!(
        sel.series
            .iter()
            .any(|s| s.key.host == "10.0.0.6" && s.key.kind == Kind::HostCpus)
    );
}

#[test]
fn by_label_makes_one_service_per_value() {
    let raw = vec![
        app("nodejs_heap_size_used_bytes", "h1:3000", "api"),
        app("nodejs_heap_size_used_bytes", "h1:3001", "worker"),
        app("nodejs_heap_size_used_bytes", "h2:3000", "api"),
        series(
            &[
                ("__name__", "nodejs_heap_size_used_bytes"),
                ("instance", "h2:1"),
            ],
            T,
        ),
        // A container naming no service, by its name or its --by label, joins no target.
        cadvisor("container_memory_rss", "h1:8080", "pod-x"),
        // One named after a service is that service's.
        cadvisor("container_memory_rss", "h1:8080", "worker"),
        // One carrying the --by label is the service it names, whatever its name.
        series(
            &[
                ("__name__", "container_memory_rss"),
                ("instance", "h2:8080"),
                ("name", "c"),
                ("job", "api"),
            ],
            T,
        ),
    ];
    let subject = Subject {
        by: Some("job".into()),
        container: Some(Selector::all()),
        ..Subject::default()
    };
    let sel = select(raw, &Catalog::default(), &subject);
    let k: Vec<(String, String, Kind)> = keys(&sel);
    assert_eq!(
        k,
        vec![
            ("api".into(), "h1".into(), Kind::HeapUsed),
            ("api".into(), "h2".into(), Kind::HeapUsed),
            ("api".into(), "h2".into(), Kind::CgroupRss),
            ("worker".into(), "h1".into(), Kind::HeapUsed),
            ("worker".into(), "h1".into(), Kind::CgroupRss),
        ]
    );
    assert!(
        sel.notes.iter().any(|n| n.contains("dropped 1 app series")),
        "{:?}",
        sel.notes
    );
    assert!(
        sel.notes
            .iter()
            .any(|n| n.contains("skipped 1 cAdvisor series") && n.contains("`job` label")),
        "{:?}",
        sel.notes
    );
}

#[test]
fn service_flag_and_host_label() {
    let raw = vec![
        series(
            &[
                ("__name__", "nodejs_heap_size_used_bytes"),
                ("instance", "10.1.2.3:3000"),
                ("node", "worker-1"),
            ],
            T,
        ),
        cadvisor("container_memory_usage_bytes", "10.1.2.3:8080", "checkout"),
    ];
    let subject = Subject {
        service: Some("checkout".into()),
        host_label: Some("node".into()),
        ..Subject::default()
    };
    let sel = select(raw, &Catalog::default(), &subject);
    assert_eq!(
        keys(&sel),
        vec![
            ("checkout".into(), "10.1.2.3".into(), Kind::CgroupUsage),
            ("checkout".into(), "worker-1".into(), Kind::HeapUsed),
        ]
    );
    assert_eq!(subject.info().host_label, "node");
}

#[test]
fn containers_alone_are_their_own_services() {
    let raw = vec![
        cadvisor("container_memory_rss", "h:8080", "b"),
        cadvisor("container_memory_rss", "h:8080", "a"),
        cadvisor("container_memory_rss", "h:8080", ""),
    ];
    let sel = select(raw, &Catalog::default(), &Subject::default());
    let services: Vec<&str> = sel.series.iter().map(|s| s.key.service.as_str()).collect();
    assert_eq!(services, vec!["a", "b"]);
}

#[test]
fn prefixed_prom_client_names_need_the_prefix() {
    let raw = vec![app("otl_nodejs_heap_size_used_bytes", "h:1", "api")];
    assert!(
        select(raw.clone(), &Catalog::default(), &Subject::default())
            .series
            .is_empty()
    );
    let sel = select(raw, &Catalog::with_prefix("otl_"), &Subject::default());
    assert_eq!(sel.series.len(), 1);
    assert_eq!(sel.series[0].key.service, "api");
}

#[test]
fn service_flag_picks_containers_without_app_series() {
    let raw = vec![
        cadvisor("container_memory_rss", "h:8080", "checkout"),
        cadvisor("container_memory_rss", "h:8080", "redis"),
    ];
    let subject = Subject {
        service: Some("checkout".into()),
        ..Subject::default()
    };
    let sel = select(raw, &Catalog::default(), &subject);
    let names: Vec<&str> = sel
        .series
        .iter()
        .map(|s| s.labels["name"].as_str())
        .collect();
    assert_eq!(names, vec!["checkout"]);
}

#[test]
fn by_job_does_not_take_cadvisors_scrape_job_for_a_service() {
    let cadvisor_job = |name: &str| {
        series(
            &[
                ("__name__", "container_memory_cache"),
                ("instance", "h1:8080"),
                ("job", "cadvisor"),
                ("name", name),
            ],
            T,
        )
    };
    let raw = vec![
        app("nodejs_heap_size_used_bytes", "h1:3000", "api"),
        app("nodejs_heap_size_used_bytes", "h1:3001", "worker"),
        cadvisor_job("api"),
        cadvisor_job("other"),
    ];
    let by_job = Subject {
        by: Some("job".into()),
        ..Subject::default()
    };
    let sel = select(raw.clone(), &Catalog::default(), &by_job);
    let k = keys(&sel);
    assert!(
        k.contains(&("api".into(), "h1".into(), Kind::CgroupCache)),
        "{k:?}"
    );
    assert!(!k.iter().any(|x| x.0 == "cadvisor"), "{k:?}");
    assert_eq!(k.len(), 3, "{k:?}");

    // With --container too, a container is the service it is named after, and no other
    // service on its host sees it.
    let with_container = Subject {
        container: Some(Selector::parse(r#"job="cadvisor""#).unwrap()),
        ..by_job
    };
    let k = keys(&select(raw, &Catalog::default(), &with_container));
    assert!(
        k.contains(&("api".into(), "h1".into(), Kind::CgroupCache)),
        "{k:?}"
    );
    assert!(
        !k.contains(&("worker".into(), "h1".into(), Kind::CgroupCache)),
        "{k:?}"
    );
    assert!(
        !k.iter().any(|x| x.0 == "cadvisor" || x.0 == "other"),
        "{k:?}"
    );
    assert_eq!(k.len(), 3, "{k:?}");
}

//! `--by` on a fleet where services share hosts and some services' page cache grows:
//! every target of one `--by job` call must equal the same target diagnosed alone
//! (`--app 'job="S"' --container 'name="S"'`), in the series it holds and in its verdict.

#[path = "support/json_diff.rs"]
mod json_diff;
#[path = "support/prom_servers.rs"]
mod prom_servers;

use assert_cmd::Command;
use memgrowth::catalog::Catalog;
use memgrowth::matcher::Selector;
use memgrowth::series::Labels;
use memgrowth::subject::{Subject, select};
use memgrowth::synth::{Fleet, FleetParams, generate_fleet};
use memgrowth::target::group_targets;
use serde_json::Value;
use std::collections::BTreeMap;

/// Six services on four hosts, two hosts each, three services per host; three of the six
/// services fill their page cache.
fn fleet() -> Fleet {
    generate_fleet(&FleetParams {
        seed: 12,
        step_s: 300,
        ..FleetParams::default()
    })
}

/// (service, host) -> the label sets of the target's own series.
type Attribution = BTreeMap<(String, String), Vec<Labels>>;

fn attribution(fleet: &Fleet, subject: &Subject) -> Attribution {
    let selection = select(fleet.series.clone(), &Catalog::default(), subject);
    group_targets(selection.series)
        .into_iter()
        .map(|t| {
            let mut labels: Vec<Labels> = t.series.into_iter().map(|s| s.labels).collect();
            labels.sort();
            ((t.service, t.host), labels)
        })
        .collect()
}

/// A series named by its metric and the labels that tell whose it is.
fn short(labels: &Labels) -> String {
    let get = |k: &str| labels.get(k).map(String::as_str).unwrap_or("");
    format!(
        "{}{{job={:?}, name={:?}, id={:?}}}",
        get("__name__"),
        get("job"),
        get("name"),
        get("id")
    )
}

fn alone(service: &str) -> Subject {
    Subject {
        app: Some(Selector::parse(&format!("job=\"{service}\"")).expect("matcher")),
        container: Some(Selector::parse(&format!("name=\"{service}\"")).expect("matcher")),
        ..Subject::default()
    }
}

/// Each service diagnosed alone, merged.
fn attribution_alone(fleet: &Fleet) -> Attribution {
    fleet
        .services()
        .iter()
        .flat_map(|s| attribution(fleet, &alone(s)))
        .collect()
}

#[test]
fn by_attributes_every_series_to_its_own_service() {
    let fleet = fleet();
    let expected = attribution_alone(&fleet);
    assert_eq!(expected.len(), fleet.targets.len(), "{:?}", expected.keys());
    for ((service, host), labels) in &expected {
        let containers: Vec<&Labels> = labels
            .iter()
            .filter(|l| l["__name__"].starts_with("container_"))
            .collect();
        assert!(
            !containers.is_empty(),
            "{service} on {host}: no cAdvisor series"
        );
        for l in containers {
            assert_eq!(l.get("name"), Some(service), "{service} on {host}: {l:?}");
        }
    }
    let by_job = Subject {
        by: Some("job".into()),
        ..Subject::default()
    };
    // cAdvisor's own scrape job selected explicitly: its series name no service by `job`.
    let by_job_cadvisor = Subject {
        container: Some(Selector::parse(r#"job="cadvisor""#).expect("matcher")),
        ..by_job.clone()
    };
    for subject in [by_job, by_job_cadvisor] {
        let got = attribution(&fleet, &subject);
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "{subject:?}: other targets"
        );
        for (key, labels) in &expected {
            let extra: Vec<String> = got[key]
                .iter()
                .filter(|l| !labels.contains(l))
                .map(short)
                .collect();
            let missing: Vec<String> = labels
                .iter()
                .filter(|l| !got[key].contains(l))
                .map(short)
                .collect();
            assert!(
                extra.is_empty() && missing.is_empty(),
                "{subject:?}: {key:?} holds {extra:?} besides its own series and lacks {missing:?}"
            );
        }
    }
}

fn memgrowth(args: &[&str]) -> Value {
    let output = Command::cargo_bin("memgrowth")
        .expect("binary")
        .env_remove("PROMETHEUS_URL")
        .args(args)
        .output()
        .expect("run memgrowth");
    assert!(
        output.status.success(),
        "memgrowth {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("report JSON")
}

/// (service, host) -> the target's report.
fn targets_of(report: &Value) -> BTreeMap<(String, String), Value> {
    report["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|t| {
            let key = (
                t["service"].as_str().unwrap_or_default().to_string(),
                t["host"].as_str().unwrap_or_default().to_string(),
            );
            (key, t.clone())
        })
        .collect()
}

#[test]
fn by_gives_every_target_the_verdict_it_gets_alone() {
    let fleet = fleet();
    let p = FleetParams::default();
    let server =
        prom_servers::start_prometheus_raw(&fleet.series, &["--query.lookback-delta=299s"]);
    let window = format!(
        "diagnose --prometheus {} --start {} --end {} --step 300s --format json",
        server.url(),
        p.start_unix_s,
        p.start_unix_s + p.duration_s
    );
    let window: Vec<&str> = window.split(' ').collect();
    let mut alone = BTreeMap::new();
    for service in fleet.services() {
        let app = format!("job=\"{service}\"");
        let container = format!("name=\"{service}\"");
        let mut args = window.clone();
        args.extend(["--app", &app, "--container", &container]);
        alone.extend(targets_of(&memgrowth(&args)));
    }
    assert_eq!(alone.len(), fleet.targets.len(), "{:?}", alone.keys());

    // The scenario the attribution matters for: a host where one service's page cache
    // grows and another's does not.
    let verdict = |t: &Value| t["verdict"].as_str().unwrap_or_default().to_string();
    let mut per_host: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for ((_, host), t) in &alone {
        per_host.entry(host).or_default().push(verdict(t));
    }
    assert!(
        per_host.values().any(|v| v.iter().any(|x| x == "cache_growth")
            && v.iter().any(|x| x != "cache_growth")),
        "no host mixes page-cache growth with other verdicts: {per_host:?}"
    );

    let out = tempfile::tempdir().expect("tempdir");
    let out_dir = out.path().to_str().expect("utf-8 path");
    for extra in [
        &["--out", out_dir][..],
        &["--container", r#"job="cadvisor""#][..],
    ] {
        let mut args = window.clone();
        args.extend(["--by", "job"]);
        args.extend(extra);
        let fleet_report = targets_of(&memgrowth(&args));
        assert_eq!(
            fleet_report.keys().collect::<Vec<_>>(),
            alone.keys().collect::<Vec<_>>(),
            "--by job {extra:?}: other targets"
        );
        for (key, expected) in &alone {
            let got = &fleet_report[key];
            assert_eq!(
                verdict(got),
                verdict(expected),
                "--by job {extra:?}: {key:?} has another verdict ({})",
                got["reasons"]
            );
            let mut diff = Vec::new();
            json_diff::differences(got, expected, "", &mut diff, 10);
            assert!(
                diff.is_empty(),
                "--by job {extra:?}: the report of {key:?} differs:\n{}",
                diff.join("\n")
            );
        }
    }

    // Each service's results were written on their own as the service completed.
    let mut files: Vec<_> = std::fs::read_dir(out.path().join("services"))
        .expect("services/")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    let services = fleet.services();
    assert_eq!(files.len(), services.len(), "{files:?}");
    for (file, service) in files.iter().zip(&services) {
        let part: Value =
            serde_json::from_str(&std::fs::read_to_string(file).expect("read")).expect("json");
        assert_eq!(part["service"], service.as_str());
        let hosts: Vec<&str> = part["targets"]
            .as_array()
            .expect("targets")
            .iter()
            .map(|t| t["host"].as_str().unwrap_or_default())
            .collect();
        let expected: Vec<&str> = alone
            .keys()
            .filter(|(s, _)| s == service)
            .map(|(_, h)| h.as_str())
            .collect();
        assert_eq!(hosts, expected, "{}", file.display());
    }
}

/// The series a per-service fetch returns for `service`: its app series, the containers
/// named after it or carrying its `job`, and every host's own series.
fn fetched_for(fleet: &Fleet, service: &str) -> Vec<memgrowth::series::RawSeries> {
    fleet
        .series
        .iter()
        .filter(|s| {
            let is = |k: &str| s.labels.get(k).map(String::as_str) == Some(service);
            let name = s.metric_name();
            if name.starts_with("container_") {
                is("name") || is("container") || is("job")
            } else if name.starts_with("node_") {
                true
            } else {
                is("job")
            }
        })
        .cloned()
        .collect()
}

#[test]
fn a_fleet_analysed_service_by_service_gives_the_whole_fleet_report() {
    let fleet = fleet();
    streamed_equals_whole(&fleet);
}

/// A redis-exporter on the first host, its used memory growing toward maxmemory.
fn with_redis(mut fleet: Fleet) -> Fleet {
    let host = memgrowth::synth::host_ip(0);
    let template = fleet
        .series
        .iter()
        .find(|s| {
            s.metric_name() == "node_memory_MemTotal_bytes"
                && s.labels
                    .get("instance")
                    .is_some_and(|i| i.starts_with(&format!("{host}:")))
        })
        .expect("a node-exporter series of the first host")
        .clone();
    let n = template.values.len() as f64;
    let series = |name: &str, value: &dyn Fn(f64) -> f64| {
        let mut s = template.clone();
        s.labels = Labels::from([
            ("__name__".to_string(), name.to_string()),
            ("instance".to_string(), format!("{host}:9121")),
            ("job".to_string(), "redis".to_string()),
        ]);
        s.values = (0..s.values.len()).map(|i| value(i as f64 / n)).collect();
        s
    };
    let mib = 1024.0 * 1024.0;
    fleet.series.push(series("redis_memory_used_bytes", &|x| {
        200.0 * mib + 300.0 * mib * x + 2.0 * mib * (x * 977.0).sin()
    }));
    fleet
        .series
        .push(series("redis_memory_max_bytes", &|_| 1024.0 * mib));
    fleet
}

#[test]
fn a_fleet_scan_reports_the_redis_beside_its_services() {
    let fleet = with_redis(fleet());
    let report = streamed_equals_whole(&fleet);
    let redis: Vec<_> = report
        .targets
        .iter()
        .filter(|t| t.redis.is_some())
        .collect();
    assert_eq!(
        redis.len(),
        1,
        "{:?}",
        report
            .targets
            .iter()
            .map(|t| (&t.service, &t.host))
            .collect::<Vec<_>>()
    );
    assert_eq!(redis[0].host, memgrowth::synth::host_ip(0));
    assert_eq!(
        redis[0].verdict,
        memgrowth::verdict::Verdict::Leak,
        "{:?}",
        redis[0].reasons
    );
    assert!(
        report
            .comparison
            .explanation
            .iter()
            .any(|l| l.contains("Redis")),
        "{:?}",
        report.comparison.explanation
    );
}

/// The report of the fleet analysed service by service, as `--by` does live, checked
/// equal to the report of the whole fleet at once.
fn streamed_equals_whole(fleet: &Fleet) -> memgrowth::report::Report {
    let subject = Subject {
        by: Some("job".into()),
        ..Subject::default()
    };
    let settings = memgrowth::analysis::AnalysisSettings::default();
    let source = memgrowth::report::SourceInfo::default();
    let selected = select(fleet.series.clone(), &Catalog::default(), &subject).series;
    // A mark in the middle of the window: its timeline event looks at every target.
    let window = memgrowth::pipeline::window_of(&selected);
    let (start, end) = (
        memgrowth::units::parse_timestamp(&window.start).expect("start"),
        memgrowth::units::parse_timestamp(&window.end).expect("end"),
    );
    let marks = vec![memgrowth::timeline::Mark {
        unix_seconds: (start + end) / 2.0,
        label: "deploy".into(),
    }];
    let whole = memgrowth::pipeline::build_report_marked(
        selected,
        source.clone(),
        subject.info(),
        &settings,
        &marks,
        None,
    );
    let mark = whole
        .timeline
        .iter()
        .find(|e| e.kind == "mark")
        .expect("mark");
    assert!(mark.around.len() > fleet.targets.len(), "{mark:?}");
    assert!(
        whole.timeline.iter().any(|e| e.kind != "mark"),
        "{:?}",
        whole.timeline
    );
    let services = fleet.services();
    let known = services.iter().cloned().collect();
    let mut streamed = memgrowth::pipeline::FleetReport::new(&settings, services.len(), &marks);
    let host_series: Vec<_> = memgrowth::subject::select_known(
        fleet
            .series
            .iter()
            .filter(|s| {
                s.metric_name().starts_with("node_") || s.metric_name().starts_with("redis_")
            })
            .cloned()
            .collect(),
        &Catalog::default(),
        &subject,
        &known,
    )
    .series
    .into_iter()
    .filter(|s| s.key.service.is_empty())
    .collect();
    streamed.add_redis(&host_series);
    for service in &services {
        let selection = memgrowth::subject::select_known(
            fetched_for(fleet, service),
            &Catalog::default(),
            &subject,
            &known,
        );
        let own = selection
            .series
            .into_iter()
            .filter(|s| &s.key.service == service || s.key.service.is_empty())
            .collect();
        let (targets, _) = streamed.add_service(service, own);
        assert!(targets.iter().all(|t| &t.service == service));
    }
    let streamed = streamed.finish(source, subject.info());
    let (a, b) = (
        serde_json::to_value(&streamed).expect("json"),
        serde_json::to_value(&whole).expect("json"),
    );
    let mut diff = Vec::new();
    json_diff::differences(&a, &b, "", &mut diff, 10);
    assert!(diff.is_empty(), "{}", diff.join("\n"));
    assert_eq!(
        streamed
            .targets
            .iter()
            .filter(|t| t.redis.is_none())
            .count(),
        fleet.targets.len()
    );
    streamed
}

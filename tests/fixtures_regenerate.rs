//! The shipped fixtures are exactly what the generator writes (a stale fixture fails),
//! the generated physics is coherent over many random seeds, and the writers produce
//! what Prometheus and promtool expect.

use memgrowth::series::RawSeries;
use memgrowth::synth::{
    Exporter, Scenario, ScenarioKind, ScenarioParams, generate, write_fixtures, write_openmetrics,
    write_prometheus_json,
};
use memgrowth::verdict::Verdict;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const MIB: f64 = 1024.0 * 1024.0;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Every file of the scenario directories under `root` (other directories, such as
/// real captures, are not the generator's), relative to `root`.
fn files_under(root: &Path) -> BTreeSet<String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.insert(
                    path.strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    let mut out = BTreeSet::new();
    for kind in ScenarioKind::ALL {
        let dir = root.join(kind.name());
        if dir.is_dir() {
            walk(root, &dir, &mut out);
        }
    }
    out
}

#[test]
fn fixtures_regenerate_byte_identically() {
    let tmp = tempfile::tempdir().unwrap();
    let written = write_fixtures(tmp.path()).unwrap();
    let shipped = files_under(&fixtures_dir());
    let fresh = files_under(tmp.path());
    assert_eq!(
        shipped, fresh,
        "fixtures/ holds other files than the generator writes; run `cargo run --release --example generate_fixtures -- fixtures/`"
    );
    assert_eq!(written.len(), fresh.len());
    for name in &fresh {
        let a = fs::read(fixtures_dir().join(name)).unwrap();
        let b = fs::read(tmp.path().join(name)).unwrap();
        assert!(
            a == b,
            "fixtures/{name} is stale; run `cargo run --release --example generate_fixtures -- fixtures/`"
        );
    }
    for kind in ScenarioKind::ALL {
        assert!(fresh.contains(&format!("{}/expected/truth.json", kind.name())));
        assert!(fresh.contains(&format!("{}/app.json", kind.name())));
    }
}

/// The series of one host, by metric name and then by the remaining labels.
fn by_host(series: &[RawSeries]) -> BTreeMap<String, Vec<&RawSeries>> {
    let mut out: BTreeMap<String, Vec<&RawSeries>> = BTreeMap::new();
    for s in series {
        let instance = s.labels.get("instance").cloned().unwrap_or_default();
        let host = instance.split(':').next().unwrap_or("").to_string();
        out.entry(host).or_default().push(s);
    }
    out
}

/// The one series of `metric` on a host whose labels include `extra`.
fn one<'a>(host: &[&'a RawSeries], metric: &str, extra: &[(&str, &str)]) -> &'a RawSeries {
    let found: Vec<&&RawSeries> = host
        .iter()
        .filter(|s| s.metric_name() == metric)
        .filter(|s| {
            extra
                .iter()
                .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .collect();
    assert_eq!(found.len(), 1, "{metric} {extra:?}");
    found[0]
}

fn values_at(s: &RawSeries) -> BTreeMap<i64, f64> {
    s.timestamps_ms
        .iter()
        .copied()
        .zip(s.values.iter().copied())
        .collect()
}

/// Pairs of finite values of two series at common timestamps.
fn pairs(a: &RawSeries, b: &RawSeries) -> Vec<(f64, f64)> {
    let b = values_at(b);
    a.timestamps_ms
        .iter()
        .zip(&a.values)
        .filter_map(|(t, x)| b.get(t).map(|y| (*x, *y)))
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect()
}

fn check_invariants(scenario: &Scenario) {
    let p = &scenario.params;
    let name = format!("{} seed {}", p.kind.name(), p.seed);
    let hosts = by_host(&scenario.series);
    assert_eq!(scenario.truth.targets.len(), p.hosts.len(), "{name}");
    for target in &scenario.truth.targets {
        let h = &hosts[&target.host];
        let cadvisor_id = |s: &&&RawSeries| s.labels.get("name") == Some(&p.service);
        let ours: Vec<&RawSeries> = h.iter().copied().filter(|s| cadvisor_id(&s)).collect();

        // Timestamps: strictly increasing, on the step grid.
        for s in h {
            assert!(
                s.timestamps_ms.windows(2).all(|w| w[0] < w[1]),
                "{name}: {:?}",
                s.labels
            );
            if p.aligned_timestamps {
                assert!(
                    s.timestamps_ms
                        .iter()
                        .all(|t| (t / 1000 - p.start_unix_s) % p.step_s == 0 && t % 1000 == 0)
                );
            }
        }

        // V8: heap_total >= heap_used = sum of spaces; RSS above the heap.
        let used = one(h, "nodejs_heap_size_used_bytes", &[]);
        let total = one(h, "nodejs_heap_size_total_bytes", &[]);
        let rss = one(h, "process_resident_memory_bytes", &[]);
        for (u, t) in pairs(used, total) {
            assert!(t >= u, "{name}: heap_total {t} < heap_used {u}");
        }
        for (t, r) in pairs(total, rss) {
            assert!(r > t, "{name}: rss {r} <= heap_total {t}");
        }
        let old = one(h, "nodejs_heap_space_size_used_bytes", &[("space", "old")]);
        for (o, u) in pairs(old, used) {
            assert!(o < u, "{name}: old space {o} >= heap used {u}");
        }

        // cgroup: usage = rss + cache (+ a little kernel memory), working set between
        // rss and usage, cache above mapped files, limit respected.
        let usage = one(&ours, "container_memory_usage_bytes", &[]);
        let crss = one(&ours, "container_memory_rss", &[]);
        let cache = one(&ours, "container_memory_cache", &[]);
        let ws = one(&ours, "container_memory_working_set_bytes", &[]);
        let mapped = one(&ours, "container_memory_mapped_file", &[]);
        let limit = one(&ours, "container_spec_memory_limit_bytes", &[]);
        let rc = values_at(cache);
        let rr = values_at(crss);
        let rw = values_at(ws);
        let rm = values_at(mapped);
        let lim = limit.values.first().copied().unwrap_or(0.0);
        for (t, &u) in usage.timestamps_ms.iter().zip(&usage.values) {
            let (r, c, w, m) = (rr[t], rc[t], rw[t], rm[t]);
            let kernel = u - r - c;
            assert!(
                (0.0..=32.0 * MIB).contains(&kernel),
                "{name}: usage {u} vs rss {r} + cache {c}"
            );
            assert!(
                w <= u && w >= r,
                "{name}: working set {w} outside [{r}, {u}]"
            );
            assert!(c >= m, "{name}: cache {c} below mapped files {m}");
            if lim > 0.0 {
                assert!(u <= lim, "{name}: usage {u} above limit {lim}");
            }
        }

        // The host: available below total; the host's page cache holds the container's.
        let mem_total = one(h, "node_memory_MemTotal_bytes", &[]);
        let available = one(h, "node_memory_MemAvailable_bytes", &[]);
        let cached = one(h, "node_memory_Cached_bytes", &[]);
        for (a, t) in pairs(available, mem_total) {
            assert!(a < t && a > 0.0, "{name}: MemAvailable {a} of {t}");
        }
        for (hc, c) in pairs(cached, cache) {
            assert!(
                hc >= c,
                "{name}: host Cached {hc} below container cache {c}"
            );
        }
        // One idle counter per CPU, monotone, as many as cAdvisor's machine_cpu_cores.
        let idle: Vec<&&RawSeries> = h
            .iter()
            .filter(|s| s.metric_name() == "node_cpu_seconds_total")
            .collect();
        assert_eq!(idle.len() as u32, target.context.cpus, "{name}");
        for s in &idle {
            assert!(s.values.windows(2).all(|w| w[0] <= w[1]), "{name}");
        }
        let cores = one(h, "machine_cpu_cores", &[]);
        assert_eq!(cores.values[0] as u32, target.context.cpus);
        let uname = one(h, "node_uname_info", &[]);
        assert_eq!(uname.labels["release"], target.context.kernel);

        // The selector must skip the root cgroup and the neighbour; both are there.
        assert!(
            h.iter()
                .any(|s| s.labels.get("id").map(String::as_str) == Some("/"))
        );
        assert!(
            h.iter()
                .any(|s| s.metric_name() == "container_memory_usage_bytes"
                    && s.labels.contains_key("name")
                    && s.labels.get("name") != Some(&p.service))
        );

        // Restarts: every change of process_start_time_seconds is one in the truth.
        let start = one(h, "process_start_time_seconds", &[]);
        let changes = start.values.windows(2).filter(|w| w[0] != w[1]).count();
        assert_eq!(changes, target.restarts, "{name}: restarts");
        // OOM kills: a monotone counter ending at the truth's count, each one a restart.
        let oom = one(&ours, "container_oom_events_total", &[]);
        assert!(oom.values.windows(2).all(|w| w[0] <= w[1]), "{name}");
        assert_eq!(
            oom.values.last().copied().unwrap_or(0.0) as usize,
            target.oom_kills,
            "{name}"
        );
        assert!(target.oom_kills <= target.restarts);
    }
}

fn observed(scenario: &Scenario, host: usize, kind: &str) -> f64 {
    scenario.truth.targets[host].observed_change_bytes[kind]
}

/// The generated series show what the truth says was built.
fn check_truth(scenario: &Scenario) {
    let p = &scenario.params;
    let name = format!("{} seed {}", p.kind.name(), p.seed);
    for (i, t) in scenario.truth.targets.iter().enumerate() {
        let usage = observed(scenario, i, "cgroup_usage");
        let crss = observed(scenario, i, "cgroup_rss");
        let cache = observed(scenario, i, "cgroup_cache");
        match t.verdict {
            Verdict::Leak => {
                assert!(
                    observed(scenario, i, "heap_space_used") > 50.0 * MIB,
                    "{name}"
                );
                assert!(crss > 50.0 * MIB && cache.abs() < 8.0 * MIB, "{name}");
            }
            Verdict::CacheGrowth => {
                assert!(cache > 500.0 * MIB, "{name}: cache +{cache}");
                assert!(crss.abs() < 16.0 * MIB, "{name}: rss {crss}");
                assert!(observed(scenario, i, "heap_used").abs() < 16.0 * MIB);
            }
            Verdict::NativeGrowth => {
                assert!(crss > 300.0 * MIB, "{name}: rss +{crss}");
                assert!(observed(scenario, i, "heap_used").abs() < 16.0 * MIB);
                assert!(observed(scenario, i, "external").abs() < 8.0 * MIB);
            }
            Verdict::Stable => {
                assert!(usage.abs() < 32.0 * MIB, "{name}: usage {usage}");
                assert!(t.growth_bytes_per_hour == 0.0);
            }
            Verdict::Plateau => {
                let tau = t.plateau_tau_hours.unwrap();
                assert!(
                    p.duration_s as f64 / 3600.0 > 7.0 * tau,
                    "{name}: saturates"
                );
                let amplitude = t.plateau_amplitude_bytes.unwrap();
                assert!(crss > 0.2 * amplitude, "{name}: rss +{crss} of {amplitude}");
            }
            Verdict::RestartMaskedLeak => {
                assert!(t.restarts >= 5, "{name}: {} restarts", t.restarts);
                // Either pm2's threshold or the container limit's OOM killer restarts it.
                match (t.pm2_limit_bytes, t.cgroup_limit_bytes) {
                    (Some(_), None) => assert_eq!(t.oom_kills, 0, "{name}"),
                    (None, Some(_)) => assert_eq!(t.oom_kills, t.restarts, "{name}"),
                    other => panic!("{name}: limits {other:?}"),
                }
            }
            Verdict::InsufficientData => {
                assert!(p.duration_s <= 45 * 60, "{name}");
            }
        }
    }
    if p.kind == ScenarioKind::OtlTwoHosts {
        let verdicts: Vec<Verdict> = scenario.truth.targets.iter().map(|t| t.verdict).collect();
        assert_eq!(verdicts, vec![Verdict::CacheGrowth, Verdict::Stable]);
        let a = &scenario.truth.targets[0].context;
        let b = &scenario.truth.targets[1].context;
        assert_ne!(a.kernel, b.kernel);
        assert!(
            a.mem_available_ratio > 0.5 && b.mem_available_ratio < 0.15,
            "{name}"
        );
        assert!(scenario.truth.comparison.is_some());
    }
    if p.kind == ScenarioKind::NativeGrowth {
        let t = &scenario.truth.targets;
        assert!(t[1].context.cpus > t[0].context.cpus * 4, "{name}");
        assert_eq!(t[1].verdict, Verdict::NativeGrowth);
        let c = scenario.truth.comparison.as_ref().unwrap();
        assert_eq!(c.explained_by, memgrowth::kind::Kind::CgroupRss);
    }
}

#[test]
fn physics_and_truth_hold_over_many_seeds() {
    for kind in ScenarioKind::ALL {
        for seed in 0..16 {
            let mut params = ScenarioParams::random(kind, seed);
            // Half the draws as raw scrapes, half as query_range output.
            params.aligned_timestamps = seed % 2 == 0;
            let scenario = generate(kind, &params);
            check_invariants(&scenario);
            check_truth(&scenario);
        }
    }
}

#[test]
fn seeds_draw_different_cases() {
    for kind in ScenarioKind::ALL {
        let drawn: BTreeSet<String> = (0..20)
            .map(|seed| {
                let s = generate(kind, &ScenarioParams::random(kind, seed));
                format!("{:?}", s.truth.targets[0].observed_change_bytes)
            })
            .collect();
        assert!(
            drawn.len() >= 18,
            "{}: only {} distinct",
            kind.name(),
            drawn.len()
        );
    }
}

#[test]
fn every_scenario_has_a_gap_and_a_jitter_free_grid() {
    for kind in ScenarioKind::ALL {
        let params = ScenarioParams::random(kind, 7);
        let scenario = generate(kind, &params);
        let Some(gap) = &params.gap else {
            assert_eq!(kind, ScenarioKind::InsufficientData);
            continue;
        };
        let host = &params.hosts[gap.host].ip;
        let s = scenario
            .series
            .iter()
            .find(|s| {
                s.metric_name() == "nodejs_heap_size_used_bytes"
                    && s.labels["instance"].starts_with(&format!("{host}:"))
            })
            .unwrap();
        let longest = s
            .timestamps_ms
            .windows(2)
            .map(|w| w[1] - w[0])
            .max()
            .unwrap();
        assert!(
            longest >= 30 * 60 * 1000,
            "{}: longest step {longest} ms",
            kind.name()
        );
        assert!(longest <= (90 * 60 + 2 * params.step_s) * 1000);
    }
}

#[test]
fn raw_scrape_timestamps_are_jittered_off_the_grid() {
    let mut params = ScenarioParams::random(ScenarioKind::Stable, 3);
    params.aligned_timestamps = false;
    let scenario = generate(ScenarioKind::Stable, &params);
    let s = &scenario.series[0];
    let off_grid = s
        .timestamps_ms
        .iter()
        .filter(|t| *t % (params.step_s * 1000) != 0)
        .count();
    assert!(off_grid > s.len() / 2);
    assert!(s.timestamps_ms.windows(2).all(|w| w[0] < w[1]));
    // Each scrape lies just before its grid point, within one scrape interval, so that
    // query_range at the grid point returns it.
    let step_ms = params.step_s * 1000;
    let interval_ms = (params.scrape_interval_s * 1000.0) as i64;
    for t in &s.timestamps_ms {
        let offset = (t - params.start_unix_s * 1000).rem_euclid(step_ms);
        let before = step_ms - offset;
        assert!(before > 0 && before < interval_ms.min(step_ms), "{t}");
    }
}

#[test]
fn prometheus_json_has_the_query_range_shape_and_round_trips() {
    let kind = ScenarioKind::OtlTwoHosts;
    let scenario = generate(kind, &ScenarioParams::random(kind, 11));
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("app.json");
    let series = scenario.exporter_series(Exporter::App);
    write_prometheus_json(&series, &path).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    assert_eq!(v["status"], "success");
    assert_eq!(v["data"]["resultType"], "matrix");
    let result = v["data"]["result"].as_array().unwrap();
    assert_eq!(result.len(), series.len());
    let mut nan = 0;
    for (r, s) in result.iter().zip(&series) {
        let metric = r["metric"].as_object().unwrap();
        assert_eq!(metric["__name__"], s.metric_name());
        assert_eq!(metric.len(), s.labels.len());
        let values = r["values"].as_array().unwrap();
        assert_eq!(values.len(), s.len());
        for ((pair, t), x) in values.iter().zip(&s.timestamps_ms).zip(&s.values) {
            let pair = pair.as_array().unwrap();
            assert_eq!(pair.len(), 2);
            assert_eq!((pair[0].as_f64().unwrap() * 1000.0).round() as i64, *t);
            let text = pair[1].as_str().unwrap();
            if x.is_nan() {
                assert_eq!(text, "NaN");
                nan += 1;
            } else {
                assert_eq!(text.parse::<f64>().unwrap(), *x);
                assert!(!text.contains('e'), "no exponent in {text}");
            }
        }
    }
    // Occasional NaN samples are part of the shape.
    assert!(nan > 0);
}

#[test]
fn openmetrics_is_what_promtool_backfills() {
    let kind = ScenarioKind::RestartMaskedLeak;
    let mut params = ScenarioParams::random(kind, 5);
    params.aligned_timestamps = false;
    let scenario = generate(kind, &params);
    let mut out = Vec::new();
    write_openmetrics(&scenario.series, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.ends_with("\n# EOF\n"));
    let mut families_seen = BTreeSet::new();
    let mut current = String::new();
    let mut last_ts: BTreeMap<String, f64> = BTreeMap::new();
    let mut samples = 0;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            current = parts.next().unwrap().to_string();
            let kind = parts.next().unwrap();
            assert!(kind == "gauge" || kind == "counter");
            assert!(!current.ends_with("_total"), "counter family {current}");
            assert!(
                families_seen.insert(current.clone()),
                "{current} not contiguous"
            );
            continue;
        }
        if line == "# EOF" {
            continue;
        }
        let (series, rest) = line.rsplit_once('}').unwrap_or_else(|| line.split_at(0));
        let name = series.split('{').next().unwrap();
        assert!(
            name.starts_with(&current),
            "{name} outside family {current}"
        );
        let mut fields = rest.split_whitespace();
        let _value: f64 = fields.next().unwrap().parse().unwrap();
        let ts: f64 = fields.next().unwrap().parse().unwrap();
        assert!(ts > 1.7e9 && ts < 1.9e9, "seconds, not ms: {ts}");
        if let Some(prev) = last_ts.insert(series.to_string(), ts) {
            assert!(ts > prev, "samples of {series} out of time order");
        }
        samples += 1;
    }
    let expected: usize = scenario.series.iter().map(|s| s.len()).sum();
    assert_eq!(samples, expected);
}

#[test]
fn query_range_output_carries_the_last_sample_into_a_gap_for_the_lookback() {
    let kind = ScenarioKind::Leak;
    let mut carried = 0;
    for seed in 0..6 {
        let mut params = ScenarioParams::random(kind, seed);
        params.step_s = 60;
        let scenario = generate(kind, &params);
        let gap = params.gap.clone().unwrap();
        let host = &params.hosts[gap.host].ip;
        let from = (params.start_unix_s + gap.offset_s) * 1000;
        let to = from + gap.duration_s * 1000;
        for s in scenario.series.iter().filter(|s| {
            s.metric_name() == "process_resident_memory_bytes"
                && s.labels["instance"].starts_with(&format!("{host}:"))
        }) {
            // A grid point just after the gap start may still hold a real scrape (taken
            // before the gap); every later point in the gap repeats it, within the lookback.
            let inside: Vec<(i64, f64)> = s
                .timestamps_ms
                .iter()
                .zip(&s.values)
                .filter(|(t, _)| (from..to).contains(*t))
                .map(|(t, v)| (*t, *v))
                .collect();
            for w in inside.windows(2) {
                assert!(w[1].1 == w[0].1 || (w[1].1.is_nan() && w[0].1.is_nan()));
            }
            for (t, _) in &inside {
                assert!(
                    *t - from <= 300_000 + 60_000,
                    "seed {seed}: a point deep in the gap"
                );
            }
            carried += inside.len().saturating_sub(1);
        }
    }
    assert!(carried > 0);
}

#[test]
fn fixture_directories_load_as_input_without_their_truth() {
    for kind in ScenarioKind::ALL {
        let dir = fixtures_dir().join(kind.name());
        let loaded = memgrowth::input::load(&[dir]).unwrap();
        let generated = generate(kind, &memgrowth::synth::fixture_params(kind));
        assert_eq!(
            loaded.series.len(),
            generated.series.len(),
            "{}",
            kind.name()
        );
        // app, cadvisor, node (and redis): the truth is not read as input.
        let exporters = if generated.params.with_redis { 4 } else { 3 };
        assert_eq!(loaded.source.files.len(), exporters, "{}", kind.name());
        let samples: usize = generated.series.iter().map(|s| s.len()).sum();
        assert_eq!(loaded.source.samples, samples, "{}", kind.name());
    }
}

#[test]
fn restart_masked_leaks_are_restarted_by_pm2_and_by_the_oom_killer() {
    let kind = ScenarioKind::RestartMaskedLeak;
    let (mut pm2, mut oom) = (0, 0);
    for seed in 0..16 {
        let scenario = generate(kind, &ScenarioParams::random(kind, seed));
        for t in &scenario.truth.targets {
            if t.oom_kills > 0 {
                oom += 1;
                // Each kill shows in cAdvisor's counter and resets the process.
                assert_eq!(t.oom_kills, t.restarts);
            } else if t.pm2_limit_bytes.is_some() {
                pm2 += 1;
            }
        }
    }
    assert!(pm2 > 0 && oom > 0, "pm2 {pm2}, oom {oom}");
}

//! The timeline on generated data: a mark, the restarts and the OOM kills of a leak the
//! OOM killer keeps restarting are listed in every format (JSON, terminal, Markdown,
//! HTML) and drawn on every chart (SVG text and legend, PNG pixels in their colours);
//! the growth onset the engine finds in a deploy leak, and one added to a saved report,
//! are drawn and listed the same way.

use super::util::{md_section, memgrowth};
use memgrowth::synth::incidents::{GroundTruth, IncidentClass, generate_series};
use memgrowth::synth::write_prometheus_json;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The colours of the timeline's lines on the charts (src/render/charts/axes.rs).
const MARK: [u8; 3] = [0xc0, 0x26, 0xd3];
const OOM: [u8; 3] = [0x99, 0x1b, 0x1b];
const ONSET: [u8; 3] = [0x05, 0x96, 0x69];

/// The first seed of a leak masked by restarts that the OOM killer (not pm2) restarts at
/// least twice inside the window, with app metrics, written as a Prometheus answer.
fn oom_case(dir: &Path) -> (PathBuf, GroundTruth) {
    for seed in 0..60 {
        let (series, truth) = generate_series(IncidentClass::RestartMaskedLeak, seed);
        if truth.oom_kills >= 2 && truth.runtime.scrapes_app() && truth.gap.is_none() {
            let path = dir.join("case.json");
            write_prometheus_json(&series, &path).expect("write the case");
            return (path, truth);
        }
    }
    panic!("no restart_masked_leak seed below 60 with two OOM kills");
}

fn of_kind<'a>(report: &'a Value, kind: &str) -> Vec<&'a Value> {
    report["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter(|e| e["kind"] == kind)
        .collect()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Charts of a report directory by the end of their stem (`series`, `breakdown`).
fn charts(dir: &Path, ending: &str, ext: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir.join("charts"))
        .expect("charts")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            // The service's own charts: a Redis target on the same host has its own,
            // with its own series, events and onsets.
            p.extension().is_some_and(|e| e == ext)
                && p.file_stem().is_some_and(|s| {
                    let stem = s.to_string_lossy();
                    stem.ends_with(ending) && !stem.contains("-redis-")
                })
        })
        .collect();
    found.sort();
    found
}

/// A PNG's width and its pixels, RGB.
fn decode(path: &Path) -> (usize, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(std::fs::File::open(path).expect("png"));
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("png frame");
    let channels = info.color_type.samples();
    let pixels = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    (info.width as usize, pixels)
}

/// Pixels of exactly `color` in a PNG.
fn pixels_of(path: &Path, color: [u8; 3]) -> usize {
    decode(path).1.iter().filter(|p| **p == color).count()
}

/// How many separate vertical runs of columns hold `color` (gaps wider than 20 px split).
fn column_groups(path: &Path, color: [u8; 3]) -> usize {
    let (width, pixels) = decode(path);
    let columns: std::collections::BTreeSet<usize> = pixels
        .iter()
        .enumerate()
        .filter(|(_, p)| **p == color)
        .map(|(i, _)| i % width)
        .collect();
    let gaps = columns
        .iter()
        .zip(columns.iter().skip(1))
        .filter(|(a, b)| **b > **a + 20)
        .count();
    if columns.is_empty() { 0 } else { gaps + 1 }
}

/// Runs `memgrowth report --input INPUT [marks] --out OUT`; returns OUT/report.json.
fn report_dir(input: &Path, marks: &[&str], out: &Path) -> Value {
    let mut cmd = memgrowth();
    cmd.args(["report", "--input"]).arg(input);
    for mark in marks {
        cmd.args(["--mark", mark]);
    }
    cmd.arg("--out").arg(out).assert().success();
    serde_json::from_str(&read(&out.join("report.json"))).expect("report.json")
}

#[test]
fn marks_restarts_and_oom_kills_are_drawn_on_every_chart_and_listed_in_every_format() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (case, truth) = oom_case(tmp.path());
    let at = ((truth.window_start_s + truth.window_end_s) / 2.0).round() as i64;
    let mark = format!("{at}=deploy v2.3");
    let out = tmp.path().join("out");
    let input = case.to_str().expect("utf-8 path");
    let json = report_dir(&case, &[&mark], &out);

    // JSON: the mark, every OOM kill and restart, in time order.
    let marks = of_kind(&json, "mark");
    assert_eq!(marks.len(), 1, "{}", json["timeline"]);
    assert_eq!(marks[0]["label"], "deploy v2.3");
    assert_eq!(marks[0]["unix_seconds"], at as f64);
    let kills = of_kind(&json, "oom_kill");
    let killed: f64 = kills
        .iter()
        .map(|k| match k["label"].as_str().expect("label") {
            l if l.starts_with("OOM kill:") => 1.0,
            l => l.split(' ').next().and_then(|n| n.parse().ok()).expect(l),
        })
        .sum();
    assert_eq!(killed, truth.oom_kills as f64, "{kills:?}");
    for kill in &kills {
        let t = kill["unix_seconds"].as_f64().expect("time");
        let near = truth.restarts.iter().any(|r| (r - t).abs() <= 600.0);
        assert!(
            near,
            "OOM kill at {t} is no planted restart {:?}",
            truth.restarts
        );
    }
    let restarts = of_kind(&json, "restart");
    assert!(!restarts.is_empty(), "no restart in {}", json["timeline"]);
    let times: Vec<f64> = json["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|e| e["unix_seconds"].as_f64().expect("time"))
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    assert!(
        marks[0]["around"]
            .as_array()
            .is_some_and(|a| a.iter().any(|s| s["slope_before"].is_number())),
        "nothing around the mark: {}",
        marks[0]
    );

    // Markdown: the summary opens with the verdicts, then the timeline, before any
    // target's own section, and links the charts.
    let md = read(&out.join("report.md"));
    let (timeline_at, summary) = md_section(&md, "## Timeline");
    let table_at = md
        .find("| Service | Host | Verdict")
        .expect("the verdict table");
    assert!(table_at < timeline_at, "the verdicts come first");
    assert!(
        summary.contains("mark: deploy v2.3 (every target)"),
        "{summary}"
    );
    assert!(summary.contains("OOM kill"), "{summary}");
    assert!(summary.contains("restart"), "{summary}");
    assert!(summary.contains("Charts: ["), "{summary}");

    // HTML and the terminal.
    let html = read(&out.join("index.html"));
    assert!(html.contains("<h2>Timeline</h2>"));
    assert!(html.contains("mark: deploy v2.3"));
    assert!(html.contains("OOM kill"));
    let terminal = memgrowth()
        .args([
            "diagnose", "--input", input, "--mark", &mark, "--format", "table",
        ])
        .output()
        .expect("run diagnose");
    let text = String::from_utf8_lossy(&terminal.stdout);
    assert!(text.contains("\nTimeline:\n"), "{text}");
    assert!(text.contains("mark: deploy v2.3"), "{text}");
    assert!(text.contains("OOM kill"), "{text}");

    // Every chart: the series chart and the breakdown name the mark and the OOM kills in
    // their legends and draw their lines in their colours.
    let series = charts(&out, "series", "svg");
    let breakdowns = charts(&out, "breakdown", "svg");
    assert_eq!(series.len(), 1, "{series:?}");
    assert_eq!(breakdowns.len(), 1, "{breakdowns:?}");
    let kills = kills.len();
    for svg in series.iter().chain(&breakdowns) {
        let text = read(svg);
        assert!(text.contains("\ndeploy v2.3\n"), "{}", svg.display());
        assert!(text.contains("marked moment (1)"), "{}", svg.display());
        assert!(
            text.contains(&format!("OOM kill ({kills})")),
            "{}",
            svg.display()
        );
        assert!(text.contains("restart ("), "{}", svg.display());
    }
    for png in charts(&out, "series", "png")
        .iter()
        .chain(&charts(&out, "breakdown", "png"))
    {
        assert!(
            pixels_of(png, MARK) > 100,
            "{}: no mark line",
            png.display()
        );
        assert!(pixels_of(png, OOM) > 50, "{}: no OOM line", png.display());
    }

    // The same report re-rendered from its report.json, with a growth onset added the
    // way the engine reports one: drawn and listed.
    let mut saved = json.clone();
    let onset = truth.window_start_s + 0.25 * (truth.window_end_s - truth.window_start_s);
    let event = serde_json::json!({
        "time": "", "unix_seconds": onset.round(), "kind": "growth_onset",
        "label": "growth of the old-space floor began",
        "service": json["targets"][0]["service"], "host": json["targets"][0]["host"],
        "around": [],
    });
    let timeline = saved["timeline"].as_array_mut().expect("timeline");
    timeline.push(event);
    let time = |e: &Value| e["unix_seconds"].as_f64().unwrap_or(f64::NAN);
    timeline.sort_by(|a, b| time(a).total_cmp(&time(b)));
    let saved_path = tmp.path().join("saved.json");
    std::fs::write(&saved_path, saved.to_string()).expect("write");
    let again = tmp.path().join("again");
    report_dir(&saved_path, &[], &again);
    let md = read(&again.join("report.md"));
    assert!(
        md.contains("growth onset: growth of the old-space floor began"),
        "{md}"
    );
    let svg = read(&charts(&again, "series", "svg")[0]);
    assert!(svg.contains("growth onset (1)"));
    assert!(pixels_of(&charts(&again, "series", "png")[0], ONSET) > 50);
    assert!(pixels_of(&charts(&again, "breakdown", "png")[0], ONSET) > 50);
}

#[test]
fn the_small_multiples_draw_a_mark_on_every_host() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tmp.path().join("out");
    let fixture = root.join("fixtures/otl-two-hosts");
    report_dir(&fixture, &["2025-11-05T12:00:00Z=incident"], &out);
    let hosts = charts(&out, "otl-api", "svg");
    assert_eq!(hosts.len(), 1, "{hosts:?}");
    let svg = read(&hosts[0]);
    // Named once in the legend however many panels draw it.
    assert_eq!(svg.matches("marked moment (1)").count(), 1, "{svg}");
    // One line on each host's panel and the legend's sample: three runs of columns.
    let png = charts(&out, "otl-api", "png");
    assert_eq!(column_groups(&png[0], MARK), 3, "{}", png[0].display());
}

#[test]
fn the_engines_growth_onset_of_a_deploy_leak_is_listed_and_drawn() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut checked = 0;
    for seed in 0..4 {
        let (series, truth) = generate_series(IncidentClass::DeployLeak, seed);
        let case = tmp.path().join(format!("deploy-{seed}.json"));
        write_prometheus_json(&series, &case).expect("write the case");
        let out = tmp.path().join(format!("out-{seed}"));
        let json = report_dir(&case, &[], &out);
        let target = &json["targets"][0];
        let onset = &target["growth_onset"];
        if onset.is_null() {
            continue;
        }
        let at = onset["unix_seconds"].as_f64().expect("onset time");
        let planted = truth.current_growth().expect("a planted growth").onset_s;
        let window = truth.window_end_s - truth.window_start_s;
        assert!(
            (at - planted).abs() <= 0.1 * window,
            "seed {seed}: onset {at} far from the planted {planted}"
        );
        let events = of_kind(&json, "growth_onset");
        assert_eq!(events.len(), 1, "seed {seed}: {}", json["timeline"]);
        assert_eq!(events[0]["unix_seconds"], onset["unix_seconds"]);
        assert_eq!(events[0]["host"], target["host"]);
        let label = events[0]["label"].as_str().expect("label");
        let series_name = onset["series"].as_str().expect("series");
        assert!(label.contains(series_name), "{label}");
        let md = read(&out.join("report.md"));
        let (_, timeline) = md_section(&md, "## Timeline");
        assert!(timeline.contains("· growth onset: growth of"), "{timeline}");
        for svg in charts(&out, "series", "svg")
            .iter()
            .chain(&charts(&out, "breakdown", "svg"))
        {
            let text = read(svg);
            assert!(text.contains("growth onset (1)"), "{}", svg.display());
        }
        for png in charts(&out, "series", "png") {
            assert!(
                pixels_of(&png, ONSET) > 50,
                "{}: no onset line",
                png.display()
            );
        }
        checked += 1;
    }
    assert!(
        checked >= 2,
        "the engine found the onset of only {checked} of 4 deploy leaks"
    );
}

//! Events at the window's edges: the stretches around a mark read what offline input
//! holds beyond the window it was cut to, exactly as the whole input gives them; at the
//! edge of the data they say there is none; a live query, which fetched only the window,
//! says so plainly.

use super::util::{report, stdout_of};
use super::window::served_fixture;
use memgrowth::synth::{ScenarioKind, fixture_params};
use serde_json::Value;

/// The timeline's "mark" event of `report`.
fn mark_of(report: &Value) -> &Value {
    report["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .find(|e| e["kind"] == "mark")
        .expect("a mark on the timeline")
}

fn around(event: &Value) -> &Vec<Value> {
    let around = event["around"].as_array().expect("around");
    assert!(!around.is_empty(), "nothing around {event}");
    around
}

#[test]
fn a_mark_at_the_start_of_a_cut_window_reads_the_input_before_it() {
    let params = fixture_params(ScenarioKind::OtlTwoHosts);
    let app = format!("job=\"{}\"", params.service);
    let container = format!("name=\"{}\"", params.service);
    let subject = ["--app", &app, "--container", &container, "--format", "json"];
    let day = 86_400;
    // Three days (the stretch on each side is then the longest, six hours, as it is for
    // the whole week), starting two days into the data.
    let start = params.start_unix_s + 2 * day;
    let end = start + 3 * day;
    let mark = format!("{start}=deploy");
    let (start, end) = (start.to_string(), end.to_string());
    let run = |head: &[&str]| {
        let args: Vec<&str> = head.iter().chain(&subject).copied().collect();
        report(&args)
    };
    let input = "fixtures/otl-two-hosts";
    let cut = run(&[
        "diagnose", "--input", input, "--start", &start, "--end", &end, "--mark", &mark,
    ]);
    let whole = run(&["diagnose", "--input", input, "--mark", &mark]);
    assert_eq!(cut["window"]["start"], mark_of(&cut)["time"]);
    for a in around(mark_of(&cut)) {
        assert!(
            a["level_before"].is_number() && a["slope_before"].is_number(),
            "the data before the window was not read: {a}"
        );
        assert!(a.get("missing").is_none(), "{a}");
    }
    // The same stretches of the same data: what the whole input gives.
    assert_eq!(
        mark_of(&cut)["around"],
        mark_of(&whole)["around"],
        "the cut input's stretches around the mark differ from the whole input's"
    );

    // At the start of the data itself there is nothing before, and the report says so.
    let first = format!("{}=first sample", params.start_unix_s);
    let at_start = run(&["diagnose", "--input", input, "--mark", &first]);
    for a in around(mark_of(&at_start)) {
        assert!(a["level_before"].is_null(), "{a}");
        assert_eq!(a["missing"], "no data before", "{a}");
    }
    let text = stdout_of(&[
        "diagnose",
        "--input",
        input,
        "--app",
        &app,
        "--container",
        &container,
        "--mark",
        &first,
        "--format",
        "table",
    ]);
    assert!(text.contains("(no data before)"), "{text}");
}

#[test]
fn a_mark_at_the_start_of_a_live_window_says_nothing_was_fetched_before_it() {
    let (server, params) = served_fixture();
    let app = format!("job=\"{}\"", params.service);
    let container = format!("name=\"{}\"", params.service);
    let step = format!("{}s", params.step_s);
    let start = params.start_unix_s + 2 * 86_400;
    let end = (start + 86_400).to_string();
    let mark = format!("{start}=deploy");
    let start = start.to_string();
    let url = server.url();
    let head = [
        "diagnose",
        "--prometheus",
        &url,
        "--start",
        &start,
        "--end",
        &end,
        "--step",
        &step,
        "--app",
        &app,
        "--container",
        &container,
        "--mark",
        &mark,
    ];
    let args: Vec<&str> = head.iter().chain(&["--format", "json"]).copied().collect();
    let live = report(&args);
    for a in around(mark_of(&live)) {
        assert!(a["level_before"].is_null(), "{a}");
        assert!(a["level_after"].is_number(), "{a}");
        let missing = a["missing"].as_str().unwrap_or_default();
        assert!(
            missing.contains("nothing was fetched before the window's start")
                && missing.contains("--start"),
            "{a}"
        );
    }
    let args: Vec<&str> = head.iter().chain(&["--format", "table"]).copied().collect();
    let text = stdout_of(&args);
    assert!(
        text.contains("nothing was fetched before the window's start"),
        "{text}"
    );
}

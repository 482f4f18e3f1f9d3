//! Snapshot tests of every text format (terminal table, Markdown, HTML, JUnit, JSON),
//! plus escaping, colour and determinism checks, on a hand-built report.

#[path = "support/render_sample.rs"]
mod render_sample;

use memgrowth::render::{
    self, TerminalStyle, charts, render_html, render_json, render_junit, render_markdown,
    render_table, render_terminal,
};
use memgrowth::report::Report;
use memgrowth::verdict::Verdict;
use render_sample::sample_report;

const PLAIN: TerminalStyle = TerminalStyle {
    color: false,
    width: Some(150),
    verbose: false,
};

fn plain(width: u16) -> TerminalStyle {
    TerminalStyle {
        color: false,
        width: Some(width),
        verbose: false,
    }
}

fn assert_fits(text: &str, width: usize) {
    for line in text.lines() {
        assert!(
            line.chars().count() <= width,
            "a line is longer than {width} columns ({}):\n{line}",
            line.chars().count()
        );
    }
}

/// Replaces each inline `<svg ...>...</svg>` with a marker, keeping snapshots readable.
fn without_svg(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("</svg>").expect("closed svg") + start + "</svg>".len();
        out.push_str("<svg>[chart]</svg>");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The report without its sample arrays and curves, so the JSON snapshot stays reviewable.
fn trimmed(mut report: Report) -> Report {
    for target in &mut report.targets {
        for series in &mut target.series {
            series.samples.truncate(2);
            for model in &mut series.models {
                model.curve.truncate(2);
            }
        }
    }
    report
}

#[test]
fn fixture_covers_every_verdict_and_two_hosts() {
    let report = sample_report();
    for verdict in Verdict::ALL {
        assert!(
            report.targets.iter().any(|t| t.verdict == verdict),
            "{verdict} missing"
        );
    }
    assert_eq!(report.comparison.hosts.len(), 2);
}

#[test]
fn terminal_table_snapshot() {
    insta::assert_snapshot!("terminal", render_terminal(&sample_report(), PLAIN));
}

#[test]
fn narrow_table_fits_its_width() {
    let table = render_table(&sample_report(), plain(100));
    insta::assert_snapshot!("table_100_columns", table);
    for line in table.lines() {
        assert!(line.chars().count() <= 100, "too wide: {line}");
    }
    let terminal = render_terminal(&sample_report(), plain(100));
    assert!(terminal.contains("  • heap floor (post-GC minima) grows"));
    insta::assert_snapshot!("terminal_100_columns", terminal);
}

#[test]
fn terminal_fits_80_and_120_columns() {
    let report = sample_report();
    for width in [80u16, 120] {
        let text = render_terminal(&report, plain(width));
        assert_fits(&text, usize::from(width));
        insta::assert_snapshot!(format!("terminal_{width}_columns"), text);
        let all = render_terminal(
            &report,
            TerminalStyle {
                verbose: true,
                ..plain(width)
            },
        );
        assert_fits(&all, usize::from(width));
        assert!(all.lines().count() >= text.lines().count());
    }
    // The seed's committed report too: long reasons, ~20 series per host.
    let seed: Report = serde_json::from_str(
        &std::fs::read_to_string("reports/otl-two-hosts/report.json").expect("committed report"),
    )
    .expect("report.json");
    for width in [80u16, 120] {
        for verbose in [false, true] {
            let text = render_terminal(
                &seed,
                TerminalStyle {
                    verbose,
                    ..plain(width)
                },
            );
            assert_fits(&text, usize::from(width));
        }
    }
    let default = render_terminal(&seed, plain(120));
    let all = render_terminal(
        &seed,
        TerminalStyle {
            verbose: true,
            ..plain(120)
        },
    );
    assert!(default.contains("more series (-v shows"), "{default}");
    assert!(default.lines().count() + 20 < all.lines().count());
    assert!(
        default.lines().any(|l| l.starts_with("  cgroup_cache ")),
        "the decisive series is shown:\n{default}"
    );
}

#[test]
fn tiny_widths_still_render_every_target() {
    let report = sample_report();
    for width in [0, 10, 40, 79] {
        let text = render_terminal(&report, plain(width));
        // Headings wrap at tiny widths: compare with the line breaks undone.
        let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for target in &report.targets {
            let heading = format!("{} on {}", target.service, target.host);
            assert!(words.contains(&heading), "{heading} at {width}:\n{text}");
        }
    }
}

#[test]
fn colour_only_when_asked() {
    let report = sample_report();
    let uncoloured = render_terminal(&report, PLAIN);
    assert!(!uncoloured.contains('\x1b'));
    let coloured = render_terminal(
        &report,
        TerminalStyle {
            color: true,
            ..plain(150)
        },
    );
    assert!(coloured.contains("\x1b["));
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!(
        "markdown",
        render_markdown(&sample_report(), Some("charts"))
    );
}

#[test]
fn markdown_without_charts_links_no_images() {
    let md = render_markdown(&sample_report(), None);
    assert!(!md.contains("!["));
}

#[test]
fn html_snapshot() {
    let report = sample_report();
    let html = render_html(&report).unwrap();
    assert_eq!(
        html.matches("<svg ").count(),
        charts::plan(&report).len(),
        "every chart is inlined"
    );
    insta::assert_snapshot!("html", without_svg(&html));
}

#[test]
fn html_is_self_contained() {
    let html = render_html(&sample_report()).unwrap();
    for fetch in ["src=\"http", "href=\"http", "<script", "@import", "url("] {
        assert!(!html.contains(fetch), "html fetches something: {fetch}");
    }
}

#[test]
fn junit_snapshot() {
    let xml = render_junit(
        &sample_report(),
        &[Verdict::Leak, Verdict::RestartMaskedLeak],
    );
    assert_eq!(xml.matches("<failure ").count(), 2);
    assert_eq!(xml.matches("<testcase ").count(), 7);
    insta::assert_snapshot!("junit", xml);
}

#[test]
fn junit_without_fail_on_passes_everything() {
    let xml = render_junit(&sample_report(), &[]);
    assert!(!xml.contains("<failure"));
    assert!(xml.contains("failures=\"0\""));
}

#[test]
fn json_snapshot_and_round_trip() {
    let report = sample_report();
    let json = render_json(&report).unwrap();
    let back: Report = serde_json::from_str(&json).unwrap();
    assert!(back == report, "report.json reads back to the same report");
    assert_eq!(render_json(&back).unwrap(), json);
    insta::assert_snapshot!("json", render_json(&trimmed(report)).unwrap());
}

#[test]
fn hostile_labels_are_escaped() {
    let mut report = sample_report();
    report.targets[0].host = "<script>alert(1)</script>".to_string();
    report.targets[0].service = "a|b & \"c\"".to_string();
    report.targets[0].reasons[0] = "<img src=x onerror=alert(1)>".to_string();
    let html = render_html(&report).unwrap();
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("<img src=x"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let md = render_markdown(&report, Some("charts"));
    assert!(!md.contains("<script>") && !md.contains("<img"));
    assert!(md.contains("a\\|b &amp; \"c\""));
    let xml = render_junit(&report, &[Verdict::Leak]);
    assert!(!xml.contains("<script>"));
}

#[test]
fn rendering_is_deterministic() {
    let report = sample_report();
    assert_eq!(render_html(&report).unwrap(), render_html(&report).unwrap());
    assert_eq!(
        render_markdown(&report, Some("charts")),
        render_markdown(&report, Some("charts"))
    );
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    let a = render::write_report_dir(&report, one.path(), &[Verdict::Leak]).unwrap();
    let b = render::write_report_dir(&report, two.path(), &[Verdict::Leak]).unwrap();
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.strip_prefix(one.path()), y.strip_prefix(two.path()));
        assert_eq!(
            std::fs::read(x).unwrap(),
            std::fs::read(y).unwrap(),
            "{}",
            x.display()
        );
    }
}

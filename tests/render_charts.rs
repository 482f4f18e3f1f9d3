//! Charts: every planned chart renders as SVG that parses and as PNG that decodes, at its
//! size, with visible content and text drawn with the embedded font.

#[path = "support/render_sample.rs"]
mod render_sample;

use memgrowth::render::charts::{self, ChartKind};
use memgrowth::render::{render_junit, write_report_dir};
use memgrowth::report::Report;
use memgrowth::verdict::Verdict;
use quick_xml::events::Event;
use render_sample::sample_report;
use std::collections::BTreeSet;
use std::path::Path;

struct Png {
    width: u32,
    height: u32,
    /// RGB per pixel.
    pixels: Vec<[u8; 3]>,
}

fn decode_png(path: &Path) -> Png {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    assert!(channels >= 3, "{} is not RGB", path.display());
    let pixels = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    Png {
        width: info.width,
        height: info.height,
        pixels,
    }
}

/// Share of pixels that are not (nearly) white.
fn ink(pixels: &[[u8; 3]]) -> f64 {
    let dark = pixels.iter().filter(|p| p.iter().any(|c| *c < 235)).count();
    dark as f64 / pixels.len().max(1) as f64
}

/// Parses an SVG document; returns (root width, root height, element names).
fn parse_svg(svg: &str) -> (String, String, Vec<String>) {
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut names = Vec::new();
    let mut size = (String::new(), String::new());
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                if name == "svg" && names.is_empty() {
                    for attr in e.attributes() {
                        let attr = attr.unwrap();
                        let value = String::from_utf8(attr.value.to_vec()).unwrap();
                        match attr.key.as_ref() {
                            b"width" => size.0 = value,
                            b"height" => size.1 = value,
                            _ => {}
                        }
                    }
                }
                names.push(name);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    (size.0, size.1, names)
}

#[test]
fn plan_covers_every_target_breakdown_and_service() {
    let report = sample_report();
    let specs = charts::plan(&report);
    let series = specs
        .iter()
        .filter(|s| matches!(s.kind, ChartKind::Target(_)))
        .count();
    assert_eq!(series, report.targets.len());
    let with_breakdown = report
        .targets
        .iter()
        .filter(|t| {
            let has = |k: &str| {
                t.series
                    .iter()
                    .any(|s| s.kind == k && !s.samples.is_empty())
            };
            has("cgroup_rss") && has("cgroup_cache")
        })
        .count();
    let breakdowns = specs
        .iter()
        .filter(|s| matches!(s.kind, ChartKind::Breakdown(_)))
        .count();
    assert_eq!(breakdowns, with_breakdown);
    let multi_host: BTreeSet<&str> = report
        .targets
        .iter()
        .filter(|t| {
            report
                .targets
                .iter()
                .filter(|u| u.service == t.service)
                .count()
                > 1
        })
        .map(|t| t.service.as_str())
        .collect();
    let hosts: BTreeSet<String> = specs
        .iter()
        .filter_map(|s| match &s.kind {
            ChartKind::Hosts(service) => Some(service.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(hosts, multi_host.iter().map(|s| s.to_string()).collect());
    let stems: BTreeSet<&str> = specs.iter().map(|s| s.stem.as_str()).collect();
    assert_eq!(stems.len(), specs.len(), "chart file names are unique");
}

#[test]
fn every_svg_parses_at_its_size_with_labels() {
    let report = sample_report();
    for spec in charts::plan(&report) {
        let svg = charts::render_svg(&report, &spec).unwrap();
        assert!(svg.len() > 2000, "{} is nearly empty", spec.stem);
        let (width, height, names) = parse_svg(&svg);
        assert_eq!(names.first().map(String::as_str), Some("svg"));
        assert_eq!(width, spec.size.0.to_string(), "{}", spec.stem);
        assert_eq!(height, spec.size.1.to_string(), "{}", spec.stem);
        let texts = names.iter().filter(|n| *n == "text").count();
        let shapes = names
            .iter()
            .filter(|n| {
                matches!(
                    n.as_str(),
                    "polyline" | "path" | "line" | "rect" | "polygon"
                )
            })
            .count();
        assert!(texts >= 10, "{}: {texts} labels", spec.stem);
        assert!(shapes >= 10, "{}: {shapes} shapes", spec.stem);
        let service = match &spec.kind {
            ChartKind::Target(i) | ChartKind::Breakdown(i) => report.targets[*i].service.clone(),
            ChartKind::Hosts(service) => service.clone(),
        };
        assert!(svg.contains(&service), "{} names its service", spec.stem);
    }
}

#[test]
fn every_png_decodes_at_its_size_with_content_and_text() {
    let report = sample_report();
    let dir = tempfile::tempdir().unwrap();
    for spec in charts::plan(&report) {
        let path = dir.path().join(format!("{}.png", spec.stem));
        charts::render_png(&report, &spec, &path).unwrap();
        let png = decode_png(&path);
        assert_eq!((png.width, png.height), spec.size, "{}", spec.stem);
        let share = ink(&png.pixels);
        assert!(share > 0.02, "{} is blank ({share:.4} ink)", spec.stem);
        let colours: BTreeSet<[u8; 3]> = png.pixels.iter().copied().collect();
        assert!(
            colours.len() > 20,
            "{}: {} colours",
            spec.stem,
            colours.len()
        );
        // The title is text: the band at the top must hold dark, anti-aliased glyphs.
        let band = &png.pixels[..(png.width * 36) as usize];
        let dark = band.iter().filter(|p| p.iter().all(|c| *c < 120)).count();
        assert!(
            dark > 200,
            "{}: title not drawn ({dark} dark pixels)",
            spec.stem
        );
    }
}

#[test]
fn a_target_without_series_still_renders() {
    let mut report: Report = sample_report();
    report.targets.truncate(1);
    report.targets[0].series.clear();
    report.targets[0].limit_bytes = None;
    report.targets[0].restart_times = vec!["not a time".to_string()];
    let dir = tempfile::tempdir().unwrap();
    let written = write_report_dir(&report, dir.path(), &[]).unwrap();
    assert!(
        written
            .iter()
            .any(|p| p.ends_with("charts/01-otl-api-host-a-series.png"))
    );
    let png = decode_png(&dir.path().join("charts/01-otl-api-host-a-series.png"));
    assert!(ink(&png.pixels) > 0.01);
}

#[test]
fn report_dir_holds_every_format_and_no_stale_chart() {
    let report = sample_report();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("charts")).unwrap();
    std::fs::write(dir.path().join("charts/99-gone-series.png"), b"old").unwrap();
    std::fs::write(dir.path().join("charts/notes.txt"), b"kept").unwrap();
    let written = write_report_dir(&report, dir.path(), &[Verdict::Leak]).unwrap();
    for name in ["index.html", "report.md", "report.json", "junit.xml"] {
        assert!(written.contains(&dir.path().join(name)), "{name} written");
    }
    let specs = charts::plan(&report);
    assert_eq!(written.len(), 4 + 2 * specs.len());
    for path in &written {
        assert!(
            std::fs::metadata(path).unwrap().len() > 0,
            "{}",
            path.display()
        );
    }
    assert!(!dir.path().join("charts/99-gone-series.png").exists());
    assert!(dir.path().join("charts/notes.txt").exists());
}

#[test]
fn junit_is_well_formed_xml() {
    let xml = render_junit(
        &sample_report(),
        &[Verdict::Leak, Verdict::RestartMaskedLeak],
    );
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut cases = 0;
    let mut failures = 0;
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) if e.name().as_ref() == b"testcase" => cases += 1,
            Event::Start(e) if e.name().as_ref() == b"failure" => failures += 1,
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!((cases, failures), (7, 2));
}

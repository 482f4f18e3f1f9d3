//! Opens the generated `index.html` in headless Chromium (Debian's `chromium`, installed
//! with apt-get when missing and running as root), takes a screenshot and checks that the
//! page rendered (a non-blank PNG) and logged no console message. A probe page with a
//! deliberate console error checks that such messages are caught.

#[path = "support/render_sample.rs"]
mod render_sample;

use memgrowth::render::write_report_dir;
use memgrowth::verdict::Verdict;
use std::path::{Path, PathBuf};
use std::process::Command;

fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

fn chromium() -> PathBuf {
    if let Some(found) = find_chromium() {
        return found;
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    if root {
        let status = Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends", "chromium"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status();
        eprintln!("apt-get install chromium: {status:?}");
    }
    find_chromium().expect("chromium is not installed; run `apt-get install -y chromium`")
}

struct Run {
    screenshot: Vec<u8>,
    console: Vec<String>,
}

/// Loads `page` headless and returns the screenshot and the console lines it logged.
fn load(browser: &Path, page: &Path, work: &Path) -> Run {
    let shot = work.join("shot.png");
    let profile = work.join("profile");
    let output = Command::new("timeout")
        .arg("300")
        .arg(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--hide-scrollbars",
            "--run-all-compositor-stages-before-draw",
            "--window-size=1280,1800",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "chromium failed: {:?}\n{stderr}",
        output.status
    );
    let console = stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .map(str::to_string)
        .collect();
    Run {
        screenshot: std::fs::read(&shot).expect("chromium wrote a screenshot"),
        console,
    }
}

/// (width, height, share of non-white pixels, distinct colours) of a PNG.
fn png_stats(bytes: &[u8]) -> (u32, u32, f64, usize) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
    let dark = pixels
        .iter()
        .filter(|p| p[..3].iter().any(|c| *c < 235))
        .count();
    let colours: std::collections::BTreeSet<[u8; 3]> =
        pixels.iter().map(|p| [p[0], p[1], p[2]]).collect();
    (
        info.width,
        info.height,
        dark as f64 / pixels.len().max(1) as f64,
        colours.len(),
    )
}

#[test]
fn index_html_renders_in_chromium_without_console_errors() {
    let browser = chromium();
    let work = tempfile::tempdir().unwrap();

    // The checker must see a console error when there is one.
    let probe = work.path().join("probe.html");
    std::fs::write(
        &probe,
        "<!DOCTYPE html><html><head><link rel=\"icon\" href=\"data:,\"></head><body><p>probe</p><script>console.error('probe-error')</script></body></html>",
    )
    .unwrap();
    let probe_dir = work.path().join("probe");
    std::fs::create_dir_all(&probe_dir).unwrap();
    let run = load(&browser, &probe, &probe_dir);
    assert!(
        run.console.iter().any(|l| l.contains("probe-error")),
        "console errors are not detected: {:?}",
        run.console
    );

    let report_dir = work.path().join("report");
    write_report_dir(
        &render_sample::sample_report(),
        &report_dir,
        &[Verdict::Leak],
    )
    .unwrap();
    let page_dir = work.path().join("page");
    std::fs::create_dir_all(&page_dir).unwrap();
    let run = load(&browser, &report_dir.join("index.html"), &page_dir);
    assert!(
        run.console.is_empty(),
        "console messages: {:#?}",
        run.console
    );
    let (width, height, ink, colours) = png_stats(&run.screenshot);
    assert_eq!((width, height), (1280, 1800));
    assert!(ink > 0.05, "the page looks blank ({ink:.4} ink)");
    assert!(colours > 50, "the page has {colours} colours");
}

//! Records the commit and the build date for `memgrowth --version`.
//!
//! The commit comes from git when the source is a checkout (`unknown` otherwise); the
//! date is `SOURCE_DATE_EPOCH` when set (reproducible builds), else today, in UTC.

use std::path::Path;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    (output.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

/// Days since 1970-01-01 as a civil date (Howard Hinnant's algorithm).
fn civil_date(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn main() {
    let commit = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=MEMGROWTH_COMMIT={commit}");
    let seconds = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    let (year, month, day) = civil_date(seconds.div_euclid(86_400));
    println!("cargo:rustc-env=MEMGROWTH_BUILD_DATE={year:04}-{month:02}-{day:02}");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    // Rerun when HEAD moves: a new commit, a checkout, or a branch ref updated. Only
    // files that exist are watched (cargo reruns every build for a missing one).
    let mut watched = vec!["build.rs".to_string()];
    if let Some(git_dir) = git(&["rev-parse", "--git-dir"]) {
        watched.push(format!("{git_dir}/HEAD"));
    }
    if let Some(common) = git(&["rev-parse", "--git-common-dir"]) {
        watched.push(format!("{common}/packed-refs"));
        if let Some(head_ref) = git(&["symbolic-ref", "-q", "HEAD"]) {
            watched.push(format!("{common}/{head_ref}"));
        }
    }
    for path in watched {
        if Path::new(&path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}

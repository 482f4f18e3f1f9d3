//! Goroutine growth as a cause: a Go service whose memory grows while its goroutine count
//! grows is likely leaking goroutines (each holds its stack and everything it references).
//! The count is fitted by the verdict engine's regime fit like a memory level, and named
//! when its current regime grows significantly (the rate's 1 - alpha interval above zero)
//! and materially (by at least the engine's minimum relative change of the level).

use crate::analysis::AnalysisSettings;
use crate::analysis::component::{interval, onset_rate};
use crate::analysis::points::{Points, chains};
use crate::analysis::regime::fit_stretch;
use crate::kind::Kind;
use crate::report::TargetReport;
use crate::target::Target;
use crate::units::{format_count, format_count_rate};
use crate::verdict::Verdict;

/// The reason naming goroutine growth, for a growth verdict of a Go target.
pub fn goroutine_cause(
    target: &Target,
    report: &TargetReport,
    s: &AnalysisSettings,
) -> Option<String> {
    if !matches!(
        report.verdict,
        Verdict::Leak | Verdict::NativeGrowth | Verdict::RestartMaskedLeak
    ) {
        return None;
    }
    let chain = chains(target.of_kind(Kind::GoGoroutines))
        .into_iter()
        .last()?;
    let p: &Points = &chain.points;
    let level = p.median_value().max(1.0);
    let stretch = fit_stretch(p, onset_rate(level, s), 0.0)?;
    let regime = stretch.current()?;
    let rate = interval(&regime.rate(), s.alpha);
    let material = regime.rise >= s.min_relative_change * level;
    if rate.low <= 0.0 || !material {
        return None;
    }
    let (first, last) = (p.y.first()?, p.y.last()?);
    Some(format!(
        "goroutines grow too: {} to {} over the window, {} ({:.0}% interval {} to {}): goroutines that never end (blocked on a channel, a lock or I/O) hold their stacks and what they reference; a goroutine profile (/debug/pprof/goroutine) shows where they wait",
        format_count(*first),
        format_count(*last),
        format_count_rate(regime.rate().value),
        100.0 * (1.0 - s.alpha),
        format_count_rate(rate.low),
        format_count_rate(rate.high)
    ))
}

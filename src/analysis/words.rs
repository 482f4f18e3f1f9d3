//! The reasons of a verdict as typed data, and the one place that words them: the JSON's
//! strings, the terminal, HTML and Markdown all say the same sentence.

use crate::units::{format_bytes, format_hours, format_rate, rfc3339};

/// A rate with its interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// Bytes per hour.
    pub value: f64,
    pub low: f64,
    pub high: f64,
    /// Confidence level of the interval, e.g. 0.99.
    pub level: f64,
}

/// Why a verdict was reached, most important first.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// A series grows in its current regime.
    Grows {
        series: String,
        rate: Rate,
        since: f64,
        span_hours: f64,
        onset: Onset,
        p_value: f64,
        slowing: bool,
    },
    /// Growth counts because it reaches the limit within the horizon, not by its size.
    MaterialByLimit {
        latest_hours: f64,
        horizon_hours: f64,
    },
    /// What the limit counts grows toward it and no narrower series attributes it; the
    /// heap floor, when it has too few GC cycles to be judged.
    LimitCounts {
        series: String,
        heap: Option<String>,
    },
    /// Memory outside the heap grows faster than the heap floor.
    OutsideOutpaces {
        outside: String,
        outside_rate: f64,
        heap: String,
        heap_rate: f64,
    },
    /// A series that would have explained the growth does not grow.
    Flat {
        series: String,
        rate: Rate,
    },
    NativeAdvice,
    ExternalAdvice,
    /// No heap series: resident growth cannot be attributed.
    NoHeapSeries,
    /// Without rss, cache or working set the usage growth cannot be split.
    UsageUnsplit,
    CacheGrows {
        cache_change: f64,
        other: Option<(String, f64)>,
    },
    CacheShare {
        share: f64,
    },
    WorkingSetFlat {
        usage_change: f64,
        working_set_change: f64,
    },
    AlertOnWorkingSet,
    /// Growth that slowed and stopped.
    Levelled {
        series: String,
        rise: f64,
        span_hours: f64,
        rate: Rate,
        flat_rate: f64,
    },
    /// Restarts cut the series; the pooled segments grow.
    Pooled {
        series: String,
        restarts: usize,
        segments: usize,
        rising: usize,
        rate: Rate,
        p_value: f64,
    },
    RestartsHide,
    /// A young process still warming up.
    WarmingUp {
        series: String,
        age_hours: Option<f64>,
        wait_hours: Option<f64>,
    },
    /// Too little data in a series.
    TooLittle {
        series: String,
        samples: usize,
        span_hours: f64,
        need_samples: usize,
        need_buckets: usize,
    },
    NoMemorySeries,
    /// The heap grows but has too few GC cycles for its floor.
    FloorUnresolved {
        series: String,
        need: usize,
    },
    /// The heap as scraped is neither shown to grow nor flat, and its floor has too few
    /// GC cycles to judge.
    HeapUnjudged {
        series: String,
        rate: Rate,
        cycles: usize,
        need: usize,
        wait_hours: Option<f64>,
    },
    /// A series shown to grow whose growth is shown neither to matter nor not to: its
    /// rise is below materiality and its regime too short to project to the limit.
    GrowthUnresolved {
        series: String,
        rate: Rate,
        flat_rate: f64,
        span_hours: f64,
        wait_hours: f64,
    },
    /// The heap at its GC cycle stands in for a floor that is neither shown to grow nor flat.
    FloorStandIn {
        floor: String,
        rate: Rate,
        series: String,
    },
    /// A series shown to be flat, or at least not growing, in its current regime.
    NoGrowth {
        series: String,
        rate: Rate,
        flat_rate: f64,
        shown_flat: bool,
    },
    /// A series grows but no rule attributes it.
    Unattributed {
        series: String,
        rate: Rate,
    },
    /// An earlier regime that is not judged as the present.
    Earlier {
        series: String,
        start: f64,
        end: f64,
        rate: f64,
        shape: &'static str,
    },
    TimeToLimit {
        source: String,
        limit: f64,
        current: f64,
        hours: f64,
        earliest: f64,
        latest: Option<f64>,
    },
    NotReachingLimit {
        source: String,
        limit: f64,
        current: f64,
    },
    Asymptote {
        asymptote: f64,
        low: f64,
        high: f64,
        headroom: Option<(f64, String)>,
    },
    NoLimit,
    Restarts {
        count: usize,
        how: &'static str,
    },
    Gaps {
        count: usize,
        factor: f64,
    },
}

/// When a regime began.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Onset {
    /// Already under way when the window began.
    WindowStart,
    /// With a restart (a deploy) at this time.
    Restart(f64),
    /// At a change point without a restart.
    ChangePoint(f64),
}

/// A rate with its interval: `+3.2 MiB/h (99% interval +2.9 MiB/h to +3.5 MiB/h)`; when
/// the bounds would read the same at the rate's precision, the interval is its
/// half-width: `+10.6 MiB/h ± 12 KiB/h (99% interval)`.
pub fn rate(r: &Rate) -> String {
    let (low, high) = (format_rate(r.low), format_rate(r.high));
    let level = r.level * 100.0;
    if low == high {
        let half = ((r.high - r.low) / 2.0).abs();
        return format!(
            "{} ± {}/h ({level:.0}% interval)",
            format_rate(r.value),
            format_bytes(half)
        );
    }
    format!(
        "{} ({level:.0}% interval {low} to {high})",
        format_rate(r.value)
    )
}

pub fn p_value(p: f64) -> String {
    if p < 1e-4 {
        "p < 0.0001".to_string()
    } else {
        format!("p = {p:.4}")
    }
}

fn change(bytes: f64) -> String {
    let sign = if bytes >= 0.0 { "+" } else { "" };
    format!("{sign}{}", format_bytes(bytes))
}

fn onset(o: &Onset) -> String {
    match o {
        Onset::WindowStart => "since the window began".to_string(),
        Onset::Restart(t) => format!(
            "since the restart at {} (a deploy or OOM kill began it)",
            rfc3339(*t)
        ),
        Onset::ChangePoint(t) => format!("since {} (a change point, no restart)", rfc3339(*t)),
    }
}

/// "; judge again in about 2.0 h", or `otherwise` when the wait is unknown.
fn judge_again(wait_hours: Option<f64>, otherwise: &str) -> String {
    match wait_hours {
        Some(w) => format!("; judge again in about {}", format_hours(w.max(1.0 / 60.0))),
        None => otherwise.to_string(),
    }
}

/// The sentence of a reason.
pub fn sentence(r: &Reason) -> String {
    match r {
        Reason::Grows { series, rate: g, span_hours, onset: o, p_value: p, slowing, .. } => format!(
            "{series} grows {} {} ({} over {}, {}){}",
            rate(g),
            onset(o),
            change(g.value * span_hours),
            format_hours(*span_hours),
            p_value(*p),
            if *slowing { "; slower than when it began, but not levelling off" } else { "" }
        ),
        Reason::MaterialByLimit { latest_hours, horizon_hours } => format!(
            "small against its level, but even at the low end of its rate it reaches the limit within {} (horizon {})",
            format_hours(*latest_hours),
            format_hours(*horizon_hours)
        ),
        Reason::LimitCounts { series, heap } => format!(
            "{series} is what the limit counts, and it will reach it: a leak of the process{}",
            match heap {
                Some(h) => format!(", not yet attributed ({h} has too few GC cycles to tell retained memory from garbage)"),
                None => ", attributed to no narrower series".to_string(),
            }
        ),
        Reason::OutsideOutpaces { outside, outside_rate, heap, heap_rate } => format!(
            "{outside} grows {} while {heap} grows {}: most of the growth is outside the V8 heap",
            format_rate(*outside_rate),
            format_rate(*heap_rate)
        ),
        Reason::Flat { series, rate: g } => format!("{series} does not grow: {}", rate(g)),
        Reason::NativeAdvice => "memory outside the V8 heap grows: native addons, allocator fragmentation (glibc arenas scale with CPUs: try MALLOC_ARENA_MAX=2 or jemalloc)".to_string(),
        Reason::ExternalAdvice => "off-heap Buffers/ArrayBuffers held from JavaScript keep growing".to_string(),
        Reason::NoHeapSeries => "no heap series: the growth cannot be attributed to the heap or to native memory".to_string(),
        Reason::UsageUnsplit => "without cgroup_rss, cgroup_cache or cgroup_working_set the growth cannot be told apart from page cache".to_string(),
        Reason::CacheGrows { cache_change, other } => match other {
            Some((series, c)) => format!(
                "cgroup cache {} while {series} {}: page cache, reclaimable",
                change(*cache_change),
                change(*c)
            ),
            None => format!("cgroup cache {}: page cache, reclaimable (no rss series to compare)", change(*cache_change)),
        },
        Reason::CacheShare { share } => format!("page cache explains {:.0}% of the cgroup usage growth", share * 100.0),
        Reason::WorkingSetFlat { usage_change, working_set_change } => format!(
            "cgroup usage {} while working set {}: the growth is inactive page cache, reclaimable",
            change(*usage_change),
            change(*working_set_change)
        ),
        Reason::AlertOnWorkingSet => "alert on cgroup_working_set or cgroup_rss, not on cgroup_usage".to_string(),
        Reason::Levelled { series, rise, span_hours, rate: g, flat_rate } => format!(
            "{series} rose {} over {} and has levelled off: now {}, below the {} that would matter",
            change(*rise),
            format_hours(*span_hours),
            rate(g),
            format_rate(*flat_rate)
        ),
        Reason::Pooled { series, restarts, segments, rising, rate: g, p_value: p } => format!(
            "{restarts} restarts cut {series} into segments; pooled over {segments} of them (after each warm-up) it grows {} ({}), {rising} of {segments} rising on their own",
            rate(g),
            p_value(*p)
        ),
        Reason::RestartsHide => "restarts (pm2 max_memory_restart, OOM kills, deploys) reset memory and hide the leak".to_string(),
        Reason::WarmingUp { series, age_hours, wait_hours } => format!(
            "{series} is still warming up: growth that slows after a start is not a leak{}{}",
            age_hours.map(|a| format!("; the process has run {}", format_hours(a))).unwrap_or_default(),
            judge_again(*wait_hours, "; judge again once it levels off")
        ),
        Reason::TooLittle { series, samples, span_hours, need_samples, need_buckets } => format!(
            "{series}: {samples} samples over {} in its current regime; need at least {need_samples} samples and {need_buckets} points (after the heap floor)",
            format_hours(*span_hours)
        ),
        Reason::FloorUnresolved { series, need } => format!(
            "{series} as scraped grows, but the window holds fewer than {need} GC cycles: garbage waiting for collection cannot be told from retained memory; look at a longer window"
        ),
        Reason::HeapUnjudged { series, rate: g, cycles, need, wait_hours } => format!(
            "{series} is neither shown to grow nor shown flat ({}), and its floor has {cycles} GC cycles of the {need} it needs: the heap cannot be judged yet{}",
            rate(g),
            judge_again(*wait_hours, "; look at a longer window")
        ),
        Reason::GrowthUnresolved { series, rate: g, flat_rate, span_hours, wait_hours } => format!(
            "{series} grows, {}, but {} of it shows neither that the growth matters nor that it does not (a growth of {} is inside the interval){}",
            rate(g),
            format_hours(*span_hours),
            format_rate(*flat_rate),
            judge_again(Some(*wait_hours), "")
        ),
        Reason::FloorStandIn { floor, rate: g, series } => format!(
            "{floor} is neither shown to grow nor shown flat ({}); {series}, averaged over whole GC cycles, grows at the same rate as the floor when the garbage per cycle is steady, and stands in for it",
            rate(g)
        ),
        Reason::NoMemorySeries => "no memory series for this target: need heap_used or process_rss (prom-client), or cgroup_usage / cgroup_rss / cgroup_working_set (cAdvisor)".to_string(),
        Reason::NoGrowth { series, rate: g, flat_rate, shown_flat } => if *shown_flat {
            format!("{series} is flat: {}, below the {} that would matter", rate(g), format_rate(*flat_rate))
        } else if g.low > 0.0 {
            format!(
                "{series} grows slightly, {}, not shown to matter, but a growth of {} cannot be ruled out: look at a longer window",
                rate(g),
                format_rate(*flat_rate)
            )
        } else {
            format!(
                "{series} shows no significant growth, {}, but a growth of {} cannot be ruled out: look at a longer window",
                rate(g),
                format_rate(*flat_rate)
            )
        },
        Reason::Unattributed { series, rate: g } => format!(
            "{series} grows {}, but neither the heap floor, memory outside the heap, nor the page cache does: unattributed (kernel memory, or another process in the container); the verdict is uncertain",
            rate(g)
        ),
        Reason::Earlier { series, start, end, rate: g, shape } => format!(
            "earlier regime of {series}, {} to {}: {shape}, {} (shown, not judged)",
            rfc3339(*start),
            rfc3339(*end),
            format_rate(*g)
        ),
        Reason::TimeToLimit { source, limit, current, hours, earliest, latest } => format!(
            "at the current rate it reaches the {source} of {} in {} (between {} and {}; now {})",
            format_bytes(*limit),
            format_hours(*hours),
            format_hours(*earliest),
            latest.map(format_hours).unwrap_or_else(|| "never".to_string()),
            format_bytes(*current)
        ),
        Reason::NotReachingLimit { source, limit, current } => format!(
            "not projected to reach the {source} of {} (now {})",
            format_bytes(*limit),
            format_bytes(*current)
        ),
        Reason::Asymptote { asymptote, low, high, headroom } => format!(
            "levels off at about {} ({} to {}){}",
            format_bytes(*asymptote),
            format_bytes(*low),
            format_bytes(*high),
            match headroom {
                Some((h, source)) => format!("; headroom {} to the {source}", format_bytes(*h)),
                None => "; no limit known (give --limit, or scrape cgroup_limit or host_mem_total)".to_string(),
            }
        ),
        Reason::NoLimit => "no limit known: give --limit (pm2 max_memory_restart), or scrape cgroup_limit or host_mem_total".to_string(),
        Reason::Restarts { count, how } => format!("{count} restarts detected ({how})"),
        Reason::Gaps { count, factor } => format!("{count} gaps longer than {factor:.0} scrape intervals; they are skipped, not filled"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: f64 = 1024.0 * 1024.0;

    #[test]
    fn an_interval_never_reads_as_one_rate_twice() {
        let narrow = Rate {
            value: 10.6 * MIB,
            low: 10.59 * MIB,
            high: 10.61 * MIB,
            level: 0.99,
        };
        let text = rate(&narrow);
        assert_eq!(text, "+10.6 MiB/h ± 10.2 KiB/h (99% interval)");
        let wide = Rate {
            value: 3.2 * MIB,
            low: 2.9 * MIB,
            high: 3.5 * MIB,
            level: 0.99,
        };
        assert_eq!(
            rate(&wide),
            "+3.20 MiB/h (99% interval +2.90 MiB/h to +3.50 MiB/h)"
        );
    }
}

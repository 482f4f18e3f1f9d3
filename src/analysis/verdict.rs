//! The verdict rules of DESIGN section 6, applied across a target's kinds in order of
//! severity: restart_masked_leak, leak, native_growth, cache_growth, plateau, stable;
//! insufficient_data when no key series can be judged. Thresholds: docs/verdicts.md.

use super::assess::Assessment;
use super::growth::{GrowthCheck, Shape, Thresholds, check};
use super::models::Fit;
use super::projection::Limit;
use super::reasons::{self, change, delta, percent_per_day, rate_with_ci, test_summary};
use super::signals::{Analysed, View};
use crate::kind::Kind;
use crate::report::Growth;
use crate::units::{format_bytes, format_hours};
use crate::verdict::Verdict;

/// Share of qualifying restart segments that must grow for a restart-masked leak.
pub const MASKED_SHARE: f64 = 2.0 / 3.0;
/// Largest ratio between the fastest and the slowest growing segment that still counts
/// as one consistent rate.
pub const MASKED_CONSISTENCY_RATIO: f64 = 4.0;
/// Share of the cgroup usage growth that page cache must explain for cache_growth.
pub const CACHE_SHARE: f64 = 0.5;

/// What the rules work with.
pub struct Context<'a> {
    pub all: &'a [Analysed],
    pub th: Thresholds,
    pub limit: Option<&'a Limit>,
    /// Limit minus the current level of what the limit measures.
    pub headroom: Option<f64>,
    pub restarts: usize,
    pub min_span_hours: f64,
}

/// Where the verdict's growth was measured: a series, and a segment of it (or the
/// stretch the rules judge).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decisive {
    pub series: usize,
    pub segment: Option<usize>,
}

/// The outcome of the rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub verdict: Verdict,
    pub confidence: f64,
    pub reasons: Vec<String>,
    pub growth: Option<Growth>,
    pub decisive: Option<Decisive>,
    /// For a plateau: the bending fit that won.
    pub plateau_fit: Option<Fit>,
}

/// A role a series plays in the rules, with the series judged.
struct Role<'a> {
    index: usize,
    series: &'a Analysed,
    check: GrowthCheck,
}

impl Role<'_> {
    fn assessment(&self) -> &Assessment {
        self.series.current()
    }

    fn growth(&self) -> Growth {
        Growth {
            kind: self.series.label(),
            bytes_per_hour: self.check.rate,
            ci95: self.check.trend.ci95,
        }
    }

    fn flatness(&self, th: &Thresholds) -> f64 {
        let a = self.assessment();
        self.check.flatness(th, a.level, a.span_hours())
    }

    fn describe_growth(&self) -> String {
        format!(
            "{} {} over {:.1} h, {} of its level; {}",
            self.series.label(),
            rate_with_ci(self.check.rate, self.check.trend.ci95),
            self.assessment().span_hours(),
            percent_per_day(self.check.relative_per_day),
            test_summary(&self.check)
        )
    }

    fn describe_flat(&self) -> String {
        format!(
            "{} {}: {} (p = {})",
            self.series.label(),
            if self.check.grows() {
                "levels off"
            } else {
                "flat"
            },
            rate_with_ci(self.check.rate, self.check.trend.ci95),
            reasons::p_value(self.check.trend.p_value)
        )
    }

    fn decisive(&self) -> Decisive {
        Decisive {
            series: self.index,
            segment: None,
        }
    }
}

fn role<'a>(ctx: &Context<'a>, candidates: &[(Kind, &str, View)]) -> Option<Role<'a>> {
    candidates.iter().find_map(|(kind, space, view)| {
        let (index, series) = ctx
            .all
            .iter()
            .enumerate()
            .find(|(_, a)| a.kind == *kind && a.space == *space && a.view == *view)?;
        if !series.usable(ctx.min_span_hours) {
            return None;
        }
        let check = check(series.current(), &ctx.th, ctx.limit, ctx.headroom)?;
        Some(Role {
            index,
            series,
            check,
        })
    })
}

const HEAP: [(Kind, &str, View); 2] = [
    (Kind::HeapSpaceUsed, "old", View::Floor),
    (Kind::HeapUsed, "", View::Floor),
];
/// The heap as scraped, garbage included: a level that fills and levels off (a cache)
/// shows here with far more points than its floor has GC cycles.
const HEAP_RAW: [(Kind, &str, View); 1] = [(Kind::HeapUsed, "", View::Raw)];
const EXTERNAL: [(Kind, &str, View); 1] = [(Kind::External, "", View::Raw)];
const RSS: [(Kind, &str, View); 6] = [
    (Kind::ProcessRss, "", View::OutsideHeap),
    (Kind::ProcessRss, "", View::Raw),
    (Kind::CgroupRss, "", View::OutsideHeap),
    (Kind::CgroupRss, "", View::Raw),
    (Kind::CgroupWorkingSet, "", View::OutsideHeap),
    (Kind::CgroupWorkingSet, "", View::Raw),
];
const USAGE: [(Kind, &str, View); 2] = [
    (Kind::CgroupUsage, "", View::OutsideHeap),
    (Kind::CgroupUsage, "", View::Raw),
];
const WORKING_SET: [(Kind, &str, View); 2] = [
    (Kind::CgroupWorkingSet, "", View::OutsideHeap),
    (Kind::CgroupWorkingSet, "", View::Raw),
];
const CACHE: [(Kind, &str, View); 1] = [(Kind::CgroupCache, "", View::Raw)];

/// Applies the rules.
pub fn decide(ctx: &Context) -> Decision {
    let heap = role(ctx, &HEAP);
    let heap_raw = role(ctx, &HEAP_RAW);
    let external = role(ctx, &EXTERNAL);
    let rss = role(ctx, &RSS);
    let usage = role(ctx, &USAGE);
    let working_set = role(ctx, &WORKING_SET);
    let cache = role(ctx, &CACHE);
    let th = ctx.th;

    // Short segments between frequent restarts are judged together, before the
    // longest one alone is found too short.
    if ctx.restarts > 0 {
        if let Some(d) = restart_masked(ctx).or_else(|| restart_masked_blocked(ctx)) {
            return d;
        }
    }

    if heap.is_none() && external.is_none() && rss.is_none() && usage.is_none() && cache.is_none() {
        return insufficient(ctx);
    }

    // Memory outside the heap (RSS minus heap_total) that grows faster than the heap
    // floor: most of the growth is native even if the heap holds a little of it (the
    // JavaScript wrappers of native objects).
    let native_dominates = |h: &Role| {
        rss.as_ref().is_some_and(|r| {
            r.series.view == View::OutsideHeap
                && r.check.grows_straight()
                && r.check.rate > h.check.rate
        })
    };

    // A leak of the V8 heap (its floor) or of Buffers (external).
    for r in [&heap, &external].into_iter().flatten() {
        // External memory is part of what lies outside the heap: never outpaced by it.
        let outpaced = r.series.kind != Kind::External && native_dominates(r);
        if r.check.grows_straight() && !outpaced {
            let mut reasons = vec![r.describe_growth()];
            reasons.push(linear_vs_saturating(r.assessment()));
            if r.series.kind == Kind::External {
                reasons.push(
                    "off-heap Buffers/ArrayBuffers held from JavaScript keep growing".to_string(),
                );
            }
            let confidence = r.check.evidence()
                * (0.5 + 0.5 * r.assessment().linear_weight())
                * r.check.materiality();
            return Decision {
                verdict: Verdict::Leak,
                confidence: reasons::confidence(confidence),
                reasons,
                growth: Some(r.growth()),
                decisive: Some(r.decisive()),
                plateau_fit: None,
            };
        }
    }

    // RSS grows straight on.
    if let Some(r) = rss.as_ref().filter(|r| r.check.grows_straight()) {
        let mut reasons = vec![r.describe_growth()];
        reasons.push(linear_vs_saturating(r.assessment()));
        let growth_confidence = r.check.evidence() * r.check.materiality();
        if let Some(h) = &heap {
            let mut flat = h.flatness(&th);
            if h.check.grows() {
                reasons.push(format!(
                    "{} also grows, {}: {:.0}% of the growth is outside the heap",
                    h.series.label(),
                    rate_with_ci(h.check.rate, h.check.trend.ci95),
                    100.0 * r.check.rate / (r.check.rate + h.check.rate.max(0.0))
                ));
            } else {
                reasons.push(h.describe_flat());
            }
            if let Some(e) = &external {
                flat = flat.min(e.flatness(&th));
                reasons.push(e.describe_flat());
            }
            reasons.push(
                "memory outside the V8 heap grows: native addons, allocator fragmentation \
                 (glibc arenas scale with CPUs: try MALLOC_ARENA_MAX=2 or jemalloc)"
                    .to_string(),
            );
            return Decision {
                verdict: Verdict::NativeGrowth,
                confidence: reasons::confidence(growth_confidence * (0.5 + 0.5 * flat)),
                reasons,
                growth: Some(r.growth()),
                decisive: Some(r.decisive()),
                plateau_fit: None,
            };
        }
        reasons.push(
            "no V8 heap series: the growth cannot be attributed to the heap or to native memory"
                .to_string(),
        );
        let confidence = growth_confidence * (0.5 + 0.5 * r.assessment().linear_weight());
        return Decision {
            verdict: Verdict::Leak,
            confidence: reasons::confidence(confidence),
            reasons,
            growth: Some(r.growth()),
            decisive: Some(r.decisive()),
            plateau_fit: None,
        };
    }

    if let Some(d) = cache_growth(ctx, &rss, &usage, &working_set, &cache) {
        return d;
    }

    // Growth that bends towards a plateau, on what the limit measures first.
    for r in [&rss, &working_set, &usage, &heap, &heap_raw, &external]
        .into_iter()
        .flatten()
    {
        if let Shape::Bending {
            fit,
            delta_aicc,
            recent_flat,
        } = &r.check.shape
        {
            if !r.check.grows() {
                continue;
            }
            let mut reasons = vec![format!(
                "{} grew {} over {:.1} h but {} beats linear by ΔAICc {}",
                r.series.label(),
                change(r.check.rate, r.assessment().span_hours()),
                r.assessment().span_hours(),
                fit.model.name(),
                delta(*delta_aicc)
            )];
            if let Some(recent) = &r.assessment().recent {
                reasons.push(format!(
                    "recent third: {} (p = {}){}",
                    rate_with_ci(recent.slope, recent.ci95),
                    reasons::p_value(recent.p_value),
                    if *recent_flat && recent.p_value < th.alpha {
                        ", below the materiality threshold"
                    } else if *recent_flat {
                        ", indistinguishable from no growth"
                    } else {
                        ", still rising towards the asymptote"
                    }
                ));
            }
            let w = 1.0 / (1.0 + (-delta_aicc / 2.0).exp());
            let confidence = w * if *recent_flat { 1.0 } else { 0.7 };
            return Decision {
                verdict: Verdict::Plateau,
                confidence: reasons::confidence(confidence),
                reasons,
                growth: Some(r.growth()),
                decisive: Some(r.decisive()),
                plateau_fit: Some(fit.clone()),
            };
        }
    }

    // Container usage grows straight on and nothing splits it into cache and anon.
    let split = rss.is_some() || working_set.is_some() || cache.is_some();
    if let Some(u) = usage
        .as_ref()
        .filter(|u| !split && u.check.grows_straight())
    {
        let reasons = vec![
            u.describe_growth(),
            linear_vs_saturating(u.assessment()),
            "without cgroup_rss, cgroup_cache or cgroup_working_set the growth cannot be told apart from page cache"
                .to_string(),
        ];
        let confidence = 0.7 * u.check.evidence() * u.check.materiality();
        return Decision {
            verdict: Verdict::Leak,
            confidence: reasons::confidence(confidence),
            reasons,
            growth: Some(u.growth()),
            decisive: Some(u.decisive()),
            plateau_fit: None,
        };
    }

    stable(ctx, [&heap, &external, &rss, &usage, &cache])
}

fn linear_vs_saturating(a: &Assessment) -> String {
    match a.linear_advantage() {
        Some(d) if d >= 0.0 => format!("linear beats saturating by ΔAICc {}", delta(d)),
        Some(d) => format!(
            "saturating fits slightly better (ΔAICc {}) but its time constant exceeds the window or the growth has not slowed",
            delta(-d)
        ),
        None => "the competing models could not be fitted".to_string(),
    }
}

fn insufficient(ctx: &Context) -> Decision {
    let mut reasons = Vec::new();
    let judged: Vec<&Analysed> = ctx.all.iter().filter(|a| a.view == View::Raw).collect();
    if judged.is_empty() {
        reasons.push(
            "no memory series for this target: need heap_used or process_rss (prom-client), \
             or cgroup_usage / cgroup_rss / cgroup_working_set (cAdvisor)"
                .to_string(),
        );
    }
    for a in judged {
        let c = a.current();
        reasons.push(format!(
            "{}: {} samples over {:.1} h; need at least {} samples (and {} points after the heap floor)",
            a.label(),
            a.current_raw_points(),
            c.span_hours(),
            super::assess::MIN_SAMPLES,
            super::assess::MIN_POINTS
        ));
    }
    Decision {
        verdict: Verdict::InsufficientData,
        confidence: 1.0,
        reasons,
        growth: None,
        decisive: None,
        plateau_fit: None,
    }
}

fn restart_masked(ctx: &Context) -> Option<Decision> {
    let order: Vec<(Kind, &str, View)> = HEAP
        .iter()
        .chain(RSS.iter())
        .chain(USAGE.iter())
        .copied()
        .collect();
    for (kind, space, view) in order {
        let Some((index, series)) = ctx
            .all
            .iter()
            .enumerate()
            .find(|(_, a)| a.kind == kind && a.space == space && a.view == view)
        else {
            continue;
        };
        let checks: Vec<(usize, GrowthCheck)> = series
            .segments
            .iter()
            .enumerate()
            .filter(|(_, s)| s.span_hours() > 0.0)
            .filter_map(|(i, s)| check(s, &ctx.th, None, None).map(|c| (i, c)))
            .collect();
        if checks.len() < 2 {
            continue;
        }
        let growing: Vec<&(usize, GrowthCheck)> =
            checks.iter().filter(|(_, c)| c.grows_straight()).collect();
        let share = growing.len() as f64 / checks.len() as f64;
        if growing.len() < 2 || share < MASKED_SHARE {
            continue;
        }
        let mut rates: Vec<f64> = growing.iter().map(|(_, c)| c.rate).collect();
        rates.sort_by(f64::total_cmp);
        let (min, max) = (rates[0], rates[rates.len() - 1]);
        if min <= 0.0 || max / min > MASKED_CONSISTENCY_RATIO {
            continue;
        }
        let median = rates[rates.len() / 2];
        let mut lows: Vec<f64> = growing.iter().map(|(_, c)| c.trend.ci95[0]).collect();
        let mut highs: Vec<f64> = growing.iter().map(|(_, c)| c.trend.ci95[1]).collect();
        lows.sort_by(f64::total_cmp);
        highs.sort_by(f64::total_cmp);
        let ci = [lows[lows.len() / 2], highs[highs.len() / 2]];
        let worst_p = growing
            .iter()
            .map(|(_, c)| c.trend.p_value)
            .fold(0.0, f64::max);
        let last = growing.last().map(|(i, _)| *i);
        let reasons = vec![
            format!(
                "{} restarts cut {} into {} segments; {} of {} long enough to judge grow at a consistent rate, median {}",
                ctx.restarts,
                series.label(),
                series.segments.len(),
                growing.len(),
                checks.len(),
                rate_with_ci(median, ci)
            ),
            format!(
                "segment rates range {} to {} per hour (ratio {:.1}, at most {:.0} counts as consistent); worst p = {}",
                format_bytes(min),
                format_bytes(max),
                max / min,
                MASKED_CONSISTENCY_RATIO,
                reasons::p_value(worst_p)
            ),
            "restarts (pm2 max_memory_restart, OOM kills, deploys) reset memory and hide the leak"
                .to_string(),
        ];
        let consistency = 1.0 - (max / min - 1.0) / (MASKED_CONSISTENCY_RATIO * 2.0);
        let confidence = share * (1.0 - worst_p) * consistency.clamp(0.5, 1.0);
        return Some(Decision {
            verdict: Verdict::RestartMaskedLeak,
            confidence: reasons::confidence(confidence),
            reasons,
            growth: Some(Growth {
                kind: series.label(),
                bytes_per_hour: median,
                ci95: ci,
            }),
            decisive: Some(Decisive {
                series: index,
                segment: last,
            }),
            plateau_fit: None,
        });
    }
    None
}

/// Fewest segments the blocked test pools.
pub const MASKED_MIN_BLOCKS: usize = 3;

/// Restart-masked growth in segments too short to test one by one: the blocked Kendall
/// test over the second half of each segment (past any warm-up after the start).
fn restart_masked_blocked(ctx: &Context) -> Option<Decision> {
    let order: Vec<(Kind, &str, View)> = HEAP
        .iter()
        .chain(RSS.iter())
        .chain(USAGE.iter())
        .copied()
        .collect();
    for (kind, space, view) in order {
        let Some((index, series)) = ctx
            .all
            .iter()
            .enumerate()
            .find(|(_, a)| a.kind == kind && a.space == space && a.view == view)
        else {
            continue;
        };
        let blocks: Vec<(Vec<f64>, Vec<f64>)> = series
            .segments
            .iter()
            .filter(|s| s.fitted.len() >= 8)
            .map(|s| {
                let half = s.fitted.len() / 2;
                (
                    s.fitted.t[half..].iter().map(|t| t / 3600.0).collect(),
                    s.fitted.y[half..].to_vec(),
                )
            })
            .collect();
        if blocks.len() < MASKED_MIN_BLOCKS {
            continue;
        }
        let rising = blocks
            .iter()
            .filter(|(t, y)| super::trend::sen_slope(t, y).is_some_and(|b| b > 0.0))
            .count();
        let share = rising as f64 / blocks.len() as f64;
        let Some(trend) = super::blocked::blocked_kendall(&blocks) else {
            continue;
        };
        let level = series.points.median_value().abs().max(1.0);
        let relative = trend.slope * 24.0 / level;
        if !(trend.p_value < ctx.th.alpha
            && trend.slope > 0.0
            && relative >= ctx.th.min_relative_growth_per_day
            && share >= MASKED_SHARE)
        {
            continue;
        }
        let reasons = vec![
            format!(
                "{} restarts cut {} into {} segments, too short to test one by one; pooled over the second half of {} of them (blocked Kendall test), it grows {}, {} of its level",
                ctx.restarts,
                series.label(),
                series.segments.len(),
                blocks.len(),
                rate_with_ci(trend.slope, trend.ci95),
                percent_per_day(relative)
            ),
            format!(
                "{rising} of {} segments rise; z = {:.1}, p = {}, effective n {:.0} of {}",
                blocks.len(),
                trend.z,
                reasons::p_value(trend.p_value),
                trend.n_effective,
                trend.n
            ),
            "restarts (pm2 max_memory_restart, OOM kills, deploys) reset memory and hide the leak"
                .to_string(),
        ];
        let confidence = share * (1.0 - trend.p_value);
        return Some(Decision {
            verdict: Verdict::RestartMaskedLeak,
            confidence: reasons::confidence(confidence),
            reasons,
            growth: Some(Growth {
                kind: series.label(),
                bytes_per_hour: trend.slope,
                ci95: trend.ci95,
            }),
            decisive: Some(Decisive {
                series: index,
                segment: series.segments.len().checked_sub(1),
            }),
            plateau_fit: None,
        });
    }
    None
}

fn cache_growth(
    ctx: &Context,
    rss: &Option<Role>,
    usage: &Option<Role>,
    working_set: &Option<Role>,
    cache: &Option<Role>,
) -> Option<Decision> {
    let th = ctx.th;
    if rss.as_ref().is_some_and(|r| r.check.grows()) {
        return None;
    }
    let hours = |r: &Role| r.assessment().span_hours();
    if let Some(c) = cache.as_ref().filter(|c| c.check.grows()) {
        let mut share = 1.0;
        if let Some(u) = usage.as_ref().filter(|u| u.check.rate > 0.0) {
            share = (c.check.rate / u.check.rate).clamp(0.0, 1.0);
            if share < CACHE_SHARE {
                return None;
            }
        }
        let mut reasons = Vec::new();
        match rss {
            Some(r) => reasons.push(format!(
                "cgroup cache {} while {} {}: page cache, reclaimable",
                change(c.check.rate, hours(c)),
                r.series.label(),
                change(r.check.rate, hours(c))
            )),
            None => reasons.push(format!(
                "cgroup cache {}: page cache, reclaimable (no rss series to compare)",
                change(c.check.rate, hours(c))
            )),
        }
        reasons.push(c.describe_growth());
        if usage.is_some() {
            reasons.push(format!(
                "page cache explains {:.0}% of the cgroup usage growth",
                share * 100.0
            ));
        }
        reasons.push("alert on cgroup_working_set or cgroup_rss, not on cgroup_usage".to_string());
        let flat = rss.as_ref().map(|r| r.flatness(&th)).unwrap_or(0.5);
        let confidence =
            c.check.evidence() * c.check.materiality() * (0.5 + 0.5 * flat) * share.max(0.5);
        return Some(Decision {
            verdict: Verdict::CacheGrowth,
            confidence: reasons::confidence(confidence),
            reasons,
            growth: Some(c.growth()),
            decisive: Some(c.decisive()),
            plateau_fit: None,
        });
    }
    // Usage grows but the working set (usage minus inactive file pages) does not.
    let u = usage.as_ref().filter(|u| u.check.grows())?;
    let w = working_set.as_ref().filter(|w| !w.check.grows())?;
    let reasons = vec![
        format!(
            "cgroup usage {} while working set {}: the growth is inactive page cache, reclaimable",
            change(u.check.rate, hours(u)),
            change(w.check.rate, hours(u))
        ),
        u.describe_growth(),
        "alert on cgroup_working_set or cgroup_rss, not on cgroup_usage".to_string(),
    ];
    let confidence = u.check.evidence() * u.check.materiality() * (0.5 + 0.5 * w.flatness(&th));
    Some(Decision {
        verdict: Verdict::CacheGrowth,
        confidence: reasons::confidence(confidence),
        reasons,
        growth: Some(u.growth()),
        decisive: Some(u.decisive()),
        plateau_fit: None,
    })
}

fn stable(ctx: &Context, roles: [&Option<Role>; 5]) -> Decision {
    let th = ctx.th;
    let mut reasons = Vec::new();
    let mut confidence: f64 = 1.0;
    for r in roles.into_iter().flatten() {
        let why = if r.check.grows() {
            format!(
                "{} grows {} (p = {}), but neither the heap floor, memory outside the heap, nor \
                 the page cache does: unattributed (kernel memory, or another process in the \
                 container); the verdict is uncertain",
                r.series.label(),
                rate_with_ci(r.check.rate, r.check.trend.ci95),
                reasons::p_value(r.check.trend.p_value)
            )
        } else if r.check.significant && !r.check.material_to_level {
            let a = r.assessment();
            if r.check.required_change > th.min_relative_growth_per_day * a.span_hours() / 24.0 {
                let level = a.level.abs().max(1.0);
                format!(
                    "{} rose {} ({:.1}% of its level) over {}, below the {} a window this short \
                     must show to tell growth from settling (the larger of {:.0}% of the level \
                     and {}): look at a longer window",
                    r.series.label(),
                    format_bytes(r.check.relative_change * level),
                    r.check.relative_change * 100.0,
                    format_hours(a.span_hours()),
                    format_bytes(r.check.required_change * level),
                    th.min_relative_change * 100.0,
                    format_bytes(th.min_change_bytes)
                )
            } else {
                format!(
                    "{} drifts {} = {}, below the {} materiality threshold",
                    r.series.label(),
                    rate_with_ci(r.check.rate, r.check.trend.ci95),
                    percent_per_day(r.check.relative_per_day),
                    percent_per_day(th.min_relative_growth_per_day)
                )
            }
        } else if r.check.significant && !r.check.material_to_limit {
            format!(
                "{} grows {} but would need more than {:.0} days to fill the headroom to the limit",
                r.series.label(),
                rate_with_ci(r.check.rate, r.check.trend.ci95),
                super::growth::LIMIT_HORIZON_DAYS
            )
        } else {
            format!(
                "{} has no significant trend: {} (p = {}, effective n {:.0})",
                r.series.label(),
                rate_with_ci(r.check.rate, r.check.trend.ci95),
                reasons::p_value(r.check.trend.p_value),
                r.check.trend.n_effective
            )
        };
        reasons.push(why);
        // A growing series no rule could attribute leaves the chance it is noise.
        let c = if r.check.grows() {
            1.0 - r.check.evidence()
        } else {
            0.5 + 0.5 * r.flatness(&th).max(1.0 - r.check.evidence())
        };
        confidence = confidence.min(c);
    }
    Decision {
        verdict: Verdict::Stable,
        confidence: reasons::confidence(confidence),
        reasons,
        growth: None,
        decisive: None,
        plateau_fit: None,
    }
}

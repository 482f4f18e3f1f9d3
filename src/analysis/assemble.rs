//! From evidence and finding to the report's plain data: the growth with its interval,
//! when it began, the regimes, the time to the limit with its interval, a plateau's
//! asymptote, the worded reasons and every series.

use super::calibration;
use super::component::{Component, Interval, interval};
use super::evidence::Evidence;
use super::regime::{Began, Regime, Stretch, fit_stretch};
use super::restarts::RestartEvidence;
use super::rules::Finding;
use super::rules::growth::onset;
use super::series_report::series_report;
use super::settings::{AnalysisSettings, GAP_FACTOR};
use super::words::{Onset, Reason, sentence};
use crate::report::{
    Growth, GrowthOnset, PlateauInfo, Regime as RegimeReport, TargetReport, TimeToLimit,
};
use crate::target::Target;
use crate::units::rfc3339;
use crate::verdict::Verdict;

/// Projections of the decisive series reach at most this many regime spans ahead.
const PROJECTION_SPANS: f64 = 4.0;

fn is_growth(v: Verdict) -> bool {
    matches!(
        v,
        Verdict::Leak | Verdict::RestartMaskedLeak | Verdict::NativeGrowth | Verdict::CacheGrowth
    )
}

/// The rate the verdict rests on and its interval at alpha: pooled or the current regime's;
/// for growth that has levelled off (a page cache that filled to its limit), the rate it
/// grew at, that of the regime's first piece.
fn decisive_rate(
    e: &Evidence,
    f: &Finding,
    alpha: f64,
) -> Option<(f64, Interval, super::stats::gls::Estimate)> {
    let role = f.decisive?;
    if f.pooled {
        let p = e.pooled.get(&role)?;
        return Some((p.rate.value, p.rate_interval, p.rate));
    }
    let c = e.get(role)?;
    let regime = c.current.as_ref()?;
    if f.verdict != Verdict::Plateau && c.status == super::component::Status::Levelled {
        let grew = regime.pieces.first()?.slope;
        return Some((grew.value, interval(&grew, alpha), grew));
    }
    let r = regime.rate();
    Some((r.value, c.rate_interval, r))
}

fn shape(r: &Regime, c: &Component) -> &'static str {
    let i = interval(&r.rate(), 0.05);
    if c.status == super::component::Status::Insufficient {
        "untested"
    } else if r.bends() && i.high < c.materiality.flat_rate {
        "levelling_off"
    } else if i.low > 0.0 {
        "rising"
    } else if i.high < 0.0 {
        "falling"
    } else {
        "flat"
    }
}

fn regimes(c: &Component, e: &Evidence, alpha: f64) -> Vec<RegimeReport> {
    let all: Vec<(usize, &Stretch, &Regime)> = c
        .stretches
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.as_ref().map(|s| (i, s)))
        .flat_map(|(i, s)| s.regimes.iter().map(move |r| (i, s, r)))
        .collect();
    let n = all.len();
    all.into_iter()
        .enumerate()
        .map(|(k, (segment, _, r))| {
            let after_restart = e.signals[c.signal]
                .segments
                .get(segment)
                .is_some_and(|s| s.after_restart);
            let began_with = match r.began {
                Began::ChangePoint { .. } => "change_point",
                Began::StretchStart if after_restart => "restart",
                Began::StretchStart => "window_start",
            };
            let i = interval(&r.rate(), alpha);
            RegimeReport {
                series: c.label.clone(),
                start: r.start,
                end: r.end,
                began_with: began_with.to_string(),
                bytes_per_hour: r.rate().value,
                interval: [i.low, i.high],
                interval_level: 1.0 - alpha,
                shape: shape(r, c).to_string(),
                current: k + 1 == n,
            }
        })
        .collect()
}

fn growth_onset(e: &Evidence, c: &Component) -> Option<GrowthOnset> {
    let (at, restart, found_by) = match onset(e, c) {
        Onset::WindowStart => (c.current.as_ref()?.start, None, "window_start"),
        Onset::Restart(t) => (t, Some(t), "restart"),
        Onset::ChangePoint(t) => {
            // A change point within a bucket of a restart is that restart.
            let width = c.stretches.last()?.as_ref()?.buckets.width_hours * 3600.0;
            let near = e.restarts.iter().copied().find(|r| (r - t).abs() <= width);
            (
                t,
                near,
                if near.is_some() {
                    "restart"
                } else {
                    "change_point"
                },
            )
        }
    };
    Some(GrowthOnset {
        time: rfc3339(at),
        unix_seconds: at,
        series: c.label.clone(),
        at_restart: restart.is_some(),
        restart_time: restart.map(rfc3339),
        found_by: found_by.to_string(),
    })
}

/// When growth reaches a limit, hours from the end, and from which level.
struct Reach {
    level: f64,
    hours: f64,
    earliest: f64,
    latest: Option<f64>,
}

/// When the growth reaches `limit`. Projected on what the limit counts (`Role::Charged`:
/// its trend's level at the end and its current rate) when that grows, else from the
/// scraped `level` at the verdict's rate `(value, interval)`. The interval carries the
/// uncertainty of both the level and the rate at alpha: earliest from the upper bound of
/// the level at the upper bound of the rate, latest from the lower bounds (none when the
/// rate's lower bound is not above zero).
fn reach(e: &Evidence, limit: f64, level: f64, (value, i): (f64, Interval), alpha: f64) -> Reach {
    let charged = e
        .get(super::roles::Role::Charged)
        .and_then(|c| c.current.as_ref().map(|r| (c, r)))
        .filter(|(_, r)| r.rate().value > 0.0);
    let (level, spread, value, i) = match charged {
        Some((c, r)) => {
            let end = r.level_end;
            let q = super::stats::tdist::upper_quantile(alpha / 2.0, end.df);
            (end.value, q * end.se, r.rate().value, c.rate_interval)
        }
        None => (level, 0.0, value, i),
    };
    let to = |from: f64, rate: f64| ((limit - from) / rate).max(0.0);
    let hours = to(level, value);
    Reach {
        level,
        hours,
        earliest: if i.high > 0.0 {
            to(level + spread, i.high)
        } else {
            hours
        },
        latest: (i.low > 0.0).then(|| to(level - spread, i.low)),
    }
}

/// Assembles the report of one target.
pub fn assemble(target: &Target, e: &Evidence, f: Finding, s: &AnalysisSettings) -> TargetReport {
    let mut reasons = f.reasons.clone();
    let decisive = f.decisive.and_then(|r| e.get(r));
    let rate = decisive_rate(e, &f, s.alpha);
    let growth = match (decisive, rate) {
        (Some(c), Some((value, _, estimate)))
            if is_growth(f.verdict) || f.verdict == Verdict::Plateau =>
        {
            let ci = interval(&estimate, 0.05);
            Some(Growth {
                kind: c.label.clone(),
                bytes_per_hour: value,
                ci95: [ci.low, ci.high],
            })
        }
        _ => None,
    };
    let mut time_to_limit = None;
    let mut projection_hours = None;
    let headroom = e
        .limit
        .as_ref()
        .zip(e.limited_level)
        .map(|(l, level)| (l, level, l.bytes - level));
    if let (true, Some((value, i, _)), Some(c)) = (is_growth(f.verdict), rate, decisive) {
        let span = c
            .current
            .as_ref()
            .map(|r| r.span_hours())
            .unwrap_or(1.0)
            .max(1.0);
        match headroom {
            Some((limit, level, _)) if f.verdict != Verdict::CacheGrowth && value > 0.0 => {
                let reach = reach(e, limit.bytes, level, (value, i), s.alpha);
                let (hours, earliest, latest) = (reach.hours, reach.earliest, reach.latest);
                reasons.push(Reason::TimeToLimit {
                    source: limit.source.to_string(),
                    limit: limit.bytes,
                    current: reach.level,
                    hours,
                    earliest,
                    latest,
                });
                time_to_limit = Some(TimeToLimit {
                    hours,
                    earliest_hours: earliest,
                    latest_hours: latest,
                    level: 1.0 - s.alpha,
                });
                projection_hours = Some(hours.min(PROJECTION_SPANS * span));
            }
            Some((limit, level, _)) if f.verdict != Verdict::CacheGrowth => {
                reasons.push(Reason::NotReachingLimit {
                    source: limit.source.to_string(),
                    limit: limit.bytes,
                    current: level,
                })
            }
            None if f.verdict != Verdict::CacheGrowth => reasons.push(Reason::NoLimit),
            _ => {}
        }
    }
    let mut plateau = None;
    if let (Verdict::Plateau, Some(c)) = (f.verdict, decisive) {
        if let Some(r) = &c.current {
            let level = r.level_end;
            let q = super::stats::tdist::upper_quantile(0.025, level.df);
            let low = level.value - q * level.se;
            let high = level.value + q * level.se + c.rate_interval.high.max(0.0) * r.span_hours();
            let headroom_bytes = headroom.map(|(_, _, h)| h);
            reasons.push(Reason::Asymptote {
                asymptote: level.value,
                low,
                high,
                headroom: headroom.map(|(l, _, h)| (h, l.source.to_string())),
            });
            plateau = Some(PlateauInfo {
                asymptote_bytes: level.value,
                headroom_bytes,
                asymptote_interval: Some([low, high]),
            });
            projection_hours = Some(r.span_hours());
        }
    }
    if let Some(c) = decisive.filter(|_| !f.pooled) {
        for r in regimes(c, e, s.alpha).iter().filter(|r| !r.current) {
            let shape = match r.shape.as_str() {
                "rising" => "rising",
                "levelling_off" => "levelling off",
                "falling" => "falling",
                "untested" => "too short to test",
                _ => "flat",
            };
            reasons.push(Reason::Earlier {
                series: r.series.clone(),
                start: r.start,
                end: r.end,
                rate: r.bytes_per_hour,
                shape,
            });
        }
    }
    if !e.restarts.is_empty() {
        let how = match e.restart_evidence {
            Some(RestartEvidence::StartTime) => "process start time changed",
            Some(RestartEvidence::JointDrop) => "heap and RSS dropped sharply together",
            Some(RestartEvidence::RssDrop) => "RSS dropped below half its recent peak",
            Some(RestartEvidence::NewSeries) => "a new container series replaced the old one",
            None => "restart",
        };
        reasons.push(Reason::Restarts {
            count: e.restarts.len(),
            how,
        });
    }
    let gaps = e
        .signals
        .iter()
        .filter(|sig| sig.view == super::signals::View::Raw)
        .map(|sig| sig.points.gaps(GAP_FACTOR).len())
        .max()
        .unwrap_or(0);
    if gaps > 0 {
        reasons.push(Reason::Gaps {
            count: gaps,
            factor: GAP_FACTOR,
        });
    }
    let (current_regime, regime_list, growth_onset) = match decisive.or_else(|| fallback(e)) {
        Some(c) => {
            let list = regimes(c, e, s.alpha);
            let onset = (is_growth(f.verdict) && !f.pooled)
                .then(|| growth_onset(e, c))
                .flatten();
            (list.last().cloned(), list, onset)
        }
        None => (None, Vec::new(), None),
    };
    let series = e
        .signals
        .iter()
        .enumerate()
        .map(|(i, sig)| {
            let component = e.components.values().find(|c| c.signal == i);
            let own: Vec<Option<Stretch>>;
            let stretches = match component {
                Some(c) => c.stretches.as_slice(),
                None => {
                    own = sig
                        .segments
                        .iter()
                        .map(|seg| {
                            fit_stretch(
                                &seg.points,
                                super::component::onset_rate(seg.raw_level, s),
                                seg.resolution,
                            )
                        })
                        .collect();
                    own.as_slice()
                }
            };
            let projection = match (decisive, projection_hours) {
                (Some(c), Some(h)) if c.signal == i => Some(h),
                _ => None,
            };
            let mut report = series_report(sig, stretches, s.alpha, projection);
            if let Some(c) = component {
                report.role = Some(c.role.as_str().to_string());
                report.status = Some(c.status.as_str().to_string());
            }
            report
        })
        .collect();
    TargetReport {
        service: target.service.clone(),
        host: target.host.clone(),
        verdict: f.verdict,
        confidence: calibration::confidence(f.verdict, f.score),
        reasons: reasons.iter().map(sentence).collect(),
        growth,
        limit_bytes: e.limit.as_ref().map(|l| l.bytes),
        limit_source: e.limit.as_ref().map(|l| l.source.to_string()),
        time_to_limit_hours: time_to_limit.as_ref().map(|t| t.hours),
        time_to_limit,
        plateau,
        restarts: e.restarts.len(),
        restart_times: e.restarts.iter().map(|t| rfc3339(*t)).collect(),
        missing_kinds: super::missing_kinds(target),
        series,
        growth_onset,
        current_regime,
        regimes: regime_list,
        redis: None,
    }
}

/// The component whose regimes a verdict without a decisive series shows.
fn fallback(e: &Evidence) -> Option<&Component> {
    use super::roles::Role;
    [
        Role::HeapFloor,
        Role::Resident,
        Role::WorkingSet,
        Role::Usage,
    ]
    .iter()
    .find_map(|r| e.get(*r).filter(|c| c.current.is_some()))
}

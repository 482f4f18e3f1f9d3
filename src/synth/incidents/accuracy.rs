//! Runs a verdict engine over labelled cases on all cores and summarises it as plain
//! data: per class the accuracy, the confusion row, the false-leak rate and the mean
//! confidence; over all cases a reliability table and the Brier score of the confidence
//! read as the probability that the verdict is right. `table.rs` words it.

use super::{GroundTruth, IncidentClass, LabelledTarget, generate};
use crate::analysis::{AnalysisSettings, analyze_target};
use crate::report::TargetReport;
use crate::verdict::Verdict;
use serde::Serialize;
use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// One case judged: what it is, what the engine said, and the whole report.
#[derive(Debug, Clone, Serialize)]
pub struct CaseRecord {
    pub class: IncidentClass,
    pub seed: u64,
    pub expected: Verdict,
    pub got: Verdict,
    pub confidence: f64,
    pub truth: GroundTruth,
    #[serde(skip)]
    pub report: TargetReport,
}

impl CaseRecord {
    pub fn correct(&self) -> bool {
        self.got == self.expected
    }

    /// A `leak` or `restart_masked_leak` verdict on a case whose truth is neither.
    pub fn false_leak(&self) -> bool {
        !self.class.is_leak() && matches!(self.got, Verdict::Leak | Verdict::RestartMaskedLeak)
    }

    /// The confidence as a probability: clamped to 0..1, 0 when not a number.
    pub fn probability(&self) -> f64 {
        if self.confidence.is_finite() {
            self.confidence.clamp(0.0, 1.0)
        } else {
            0.0
        }
    }
}

/// Every `(class, seed)` case, judged by `judge` on `threads` threads (at least one).
/// Records come back sorted by class, then seed, whatever the number of threads.
pub fn run_with<F>(
    classes: &[IncidentClass],
    seeds: Range<u64>,
    threads: usize,
    judge: F,
) -> Vec<CaseRecord>
where
    F: Fn(&LabelledTarget) -> TargetReport + Sync,
{
    let jobs: Vec<(IncidentClass, u64)> = classes
        .iter()
        .flat_map(|c| seeds.clone().map(move |s| (*c, s)))
        .collect();
    let next = AtomicUsize::new(0);
    let done = Mutex::new(Vec::with_capacity(jobs.len()));
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, jobs.len().max(1)) {
            scope.spawn(|| {
                let mut mine = Vec::new();
                while let Some(&(class, seed)) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let case = generate(class, seed);
                    let report = judge(&case);
                    mine.push(CaseRecord {
                        class,
                        seed,
                        expected: case.expected,
                        got: report.verdict,
                        confidence: report.confidence,
                        truth: case.truth,
                        report,
                    });
                }
                if let Ok(mut all) = done.lock() {
                    all.extend(mine);
                }
            });
        }
    });
    let mut records = done.into_inner().unwrap_or_else(|e| e.into_inner());
    records.sort_by_key(|r| (r.class, r.seed));
    records
}

/// The current engine with default settings over every `(class, seed)` case.
pub fn run(classes: &[IncidentClass], seeds: Range<u64>, threads: usize) -> Vec<CaseRecord> {
    let settings = AnalysisSettings::default();
    run_with(classes, seeds, threads, |case| {
        analyze_target(&case.target, &settings)
    })
}

/// One class's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassRow {
    pub class: IncidentClass,
    pub expected: Verdict,
    pub n: usize,
    pub correct: usize,
    pub accuracy: f64,
    /// How many cases got each verdict, in [`Verdict::ALL`] order.
    pub confusion: [usize; 7],
    pub false_leaks: usize,
    /// `None` for leak classes, where a leak verdict is not false.
    pub false_leak_rate: Option<f64>,
    pub mean_confidence: f64,
}

/// Cases whose confidence fell in `[lower, upper)` (the last bin includes 1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReliabilityBin {
    pub lower: f64,
    pub upper: f64,
    pub count: usize,
    /// `None` when the bin is empty.
    pub mean_confidence: Option<f64>,
    pub accuracy: Option<f64>,
}

/// Everything the accuracy table shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub classes: Vec<ClassRow>,
    pub n: usize,
    pub accuracy: f64,
    /// The lowest per-class accuracy, and the highest false-leak rate of a non-leak class.
    pub worst_class_accuracy: f64,
    pub max_false_leak_rate: f64,
    pub reliability: Vec<ReliabilityBin>,
    /// Mean squared difference between confidence and being right (0 is perfect; always
    /// saying 0.5 scores 0.25).
    pub brier: f64,
    /// Mean of the confidences minus the share right: over-confidence when positive.
    pub confidence_gap: f64,
    /// Reported growth onsets and times to limit against the planted ones, per class
    /// that has either.
    pub timing: Vec<TimingRow>,
}

/// One class's reported onsets and times to limit against the truth.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimingRow {
    pub class: IncidentClass,
    /// Cases whose current growth began inside the window, and how many reported an onset.
    pub onsets: usize,
    pub onsets_reported: usize,
    /// Median distance between reported and planted onset, hours.
    pub onset_median_error_h: Option<f64>,
    /// Share of reported onsets within 5% of the window of the planted one.
    pub onset_within: Option<f64>,
    /// Cases whose running process reaches the container limit within 90 days, and how
    /// many reported a time to limit from the cgroup limit.
    pub limits: usize,
    pub limits_reported: usize,
    /// Median of reported over planted hours to the limit.
    pub limit_median_ratio: Option<f64>,
    /// Share of reported intervals (earliest..latest) that hold the planted time.
    pub limit_covered: Option<f64>,
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied()
}

fn timing_row(class: IncidentClass, of: &[&CaseRecord]) -> TimingRow {
    let mut errors = Vec::new();
    let mut within = 0;
    let mut onsets = 0;
    let mut ratios = Vec::new();
    let mut covered = 0;
    let mut intervals = 0;
    let mut limits = 0;
    for r in of {
        let t = &r.truth;
        let window = t.window_end_s - t.window_start_s;
        if let Some(g) = t.current_growth().filter(|g| g.onset_s >= t.window_start_s) {
            onsets += 1;
            if let Some(o) = &r.report.growth_onset {
                let error = (o.unix_seconds - g.onset_s).abs();
                errors.push(error / 3600.0);
                within += usize::from(error <= 0.05 * window);
            }
        }
        let Some(truth_h) = t.hours_to_limit_at_end.filter(|h| *h > 0.0) else {
            continue;
        };
        limits += 1;
        if r.report.limit_source.as_deref() != Some("cgroup_limit") {
            continue;
        }
        if let Some(ttl) = &r.report.time_to_limit {
            ratios.push(ttl.hours / truth_h);
            intervals += 1;
            let latest = ttl.latest_hours.unwrap_or(f64::INFINITY);
            covered += usize::from(ttl.earliest_hours <= truth_h && truth_h <= latest);
        } else if let Some(h) = r.report.time_to_limit_hours {
            ratios.push(h / truth_h);
        }
    }
    TimingRow {
        class,
        onsets,
        onsets_reported: errors.len(),
        onset_within: (!errors.is_empty()).then(|| within as f64 / errors.len() as f64),
        onset_median_error_h: median(errors),
        limits,
        limits_reported: ratios.len(),
        limit_median_ratio: median(ratios),
        limit_covered: (intervals > 0).then(|| covered as f64 / intervals as f64),
    }
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// Summarises records with `bins` equal-width confidence bins (at least one).
pub fn summarize(records: &[CaseRecord], bins: usize) -> Summary {
    let mut classes = Vec::new();
    let mut timing = Vec::new();
    for class in IncidentClass::ALL {
        let of: Vec<&CaseRecord> = records.iter().filter(|r| r.class == class).collect();
        if of.is_empty() {
            continue;
        }
        let mut confusion = [0usize; 7];
        for r in &of {
            confusion[r.got.severity_rank().min(6)] += 1;
        }
        let correct = of.iter().filter(|r| r.correct()).count();
        let false_leaks = of.iter().filter(|r| r.false_leak()).count();
        let row = timing_row(class, &of);
        if row.onsets > 0 || row.limits > 0 {
            timing.push(row);
        }
        classes.push(ClassRow {
            class,
            expected: class.expected(),
            n: of.len(),
            correct,
            accuracy: correct as f64 / of.len() as f64,
            confusion,
            false_leaks,
            false_leak_rate: (!class.is_leak()).then(|| false_leaks as f64 / of.len() as f64),
            mean_confidence: mean(of.iter().map(|r| r.probability())).unwrap_or(0.0),
        });
    }
    let bins = bins.max(1);
    let width = 1.0 / bins as f64;
    let reliability = (0..bins)
        .map(|b| {
            let in_bin: Vec<&CaseRecord> = records
                .iter()
                .filter(|r| ((r.probability() / width) as usize).min(bins - 1) == b)
                .collect();
            ReliabilityBin {
                lower: b as f64 * width,
                upper: (b + 1) as f64 * width,
                count: in_bin.len(),
                mean_confidence: mean(in_bin.iter().map(|r| r.probability())),
                accuracy: mean(in_bin.iter().map(|r| f64::from(u8::from(r.correct())))),
            }
        })
        .collect();
    let hit = |r: &CaseRecord| f64::from(u8::from(r.correct()));
    let accuracy = mean(records.iter().map(hit)).unwrap_or(0.0);
    Summary {
        n: records.len(),
        accuracy,
        worst_class_accuracy: classes.iter().map(|c| c.accuracy).fold(1.0, f64::min),
        max_false_leak_rate: classes
            .iter()
            .filter_map(|c| c.false_leak_rate)
            .fold(0.0, f64::max),
        classes,
        reliability,
        brier: mean(records.iter().map(|r| (r.probability() - hit(r)).powi(2))).unwrap_or(0.0),
        confidence_gap: mean(records.iter().map(|r| r.probability())).unwrap_or(0.0) - accuracy,
        timing,
    }
}

/// The `k` worst misses: wrong verdicts, the most confident first (a confident wrong
/// verdict misleads most), false leaks before other misses of equal confidence.
pub fn worst_misses(records: &[CaseRecord], k: usize) -> Vec<&CaseRecord> {
    let mut misses: Vec<&CaseRecord> = records.iter().filter(|r| !r.correct()).collect();
    misses.sort_by(|a, b| {
        b.probability()
            .total_cmp(&a.probability())
            .then(b.false_leak().cmp(&a.false_leak()))
            .then((a.class, a.seed).cmp(&(b.class, b.seed)))
    });
    misses.truncate(k);
    misses
}

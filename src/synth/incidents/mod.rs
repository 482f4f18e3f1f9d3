//! Labelled incidents: random cases of the memory shapes real services show, each with
//! the verdict it deserves and the ground truth that was planted, for measuring the
//! verdict engine on data it has never seen.
//!
//! [`generate`] draws one case of an [`IncidentClass`] from a seed: a Node.js service
//! (prom-client default metrics, under pm2 or as the container's process) or a bare
//! container (cAdvisor only), on a host with node-exporter, scraped every 10-60 s and
//! read as `query_range` at the step the CLI picks, at the scrape interval, or as raw
//! samples. The physics is the one of `crate::synth`: V8 old space with a mark-compact
//! sawtooth (garbage promoted faster under load), RSS from the committed heap, external
//! and native memory, a cgroup with page cache reclaimed at the limit, OOM kills, pm2's
//! `max_memory_restart`, and deploys that start a new process (in the same container or
//! a new one). On top come what incidents are made of: a leak that begins with a deploy
//! or at a wall-clock moment, a limit close by, a process still warming up, daily and
//! weekly load cycles, AR(1) noise with coefficient up to 0.99 per scrape, and slow
//! bounded wander. The series go through `catalog` and `subject::select` like the CLI's.
//!
//! Every class, its expected verdict and its parameter ranges are documented in
//! `docs/verdicts.md` ("Labelled incident generator"); [`accuracy`] runs the engine over
//! many seeds per class and summarises how often it is right and how well its confidence
//! is calibrated.

pub mod accuracy;
mod base;
mod classes;
mod emit;
mod load;
mod plan;
mod sim;
pub mod table;
mod truth;

#[cfg(test)]
mod tests;

pub use load::Cycle;
pub use plan::{Build, Clock, Deploy, Noise, Runtime, Shape};
pub use truth::{GroundTruth, GrowingMemory, PlantedGrowth, WarmUp};

use crate::catalog::Catalog;
use crate::matcher::Selector;
use crate::series::RawSeries;
use crate::subject::{Subject, select};
use crate::target::{Target, group_targets};
use crate::verdict::Verdict;
use serde::Serialize;

/// The labelled classes: the shape of one kind of incident (or of its absence).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentClass {
    SteadyLeak,
    DeployLeak,
    FlagLeak,
    NearLimitSlow,
    NearLimitFast,
    DailyLeak,
    WeeklyLeak,
    RestartMaskedLeak,
    NativeGrowth,
    CacheLinear,
    CacheSaturating,
    Plateau,
    DailyPlateau,
    WeeklyPlateau,
    Stable,
    CycleStable,
    Ar1Wander,
    RandomWalk,
    FixedByDeploy,
    WarmUp,
    TooLittleData,
}

impl IncidentClass {
    pub const ALL: [IncidentClass; 21] = [
        IncidentClass::SteadyLeak,
        IncidentClass::DeployLeak,
        IncidentClass::FlagLeak,
        IncidentClass::NearLimitSlow,
        IncidentClass::NearLimitFast,
        IncidentClass::DailyLeak,
        IncidentClass::WeeklyLeak,
        IncidentClass::RestartMaskedLeak,
        IncidentClass::NativeGrowth,
        IncidentClass::CacheLinear,
        IncidentClass::CacheSaturating,
        IncidentClass::Plateau,
        IncidentClass::DailyPlateau,
        IncidentClass::WeeklyPlateau,
        IncidentClass::Stable,
        IncidentClass::CycleStable,
        IncidentClass::Ar1Wander,
        IncidentClass::RandomWalk,
        IncidentClass::FixedByDeploy,
        IncidentClass::WarmUp,
        IncidentClass::TooLittleData,
    ];

    /// The snake_case name used on the command line and in tables.
    pub fn name(self) -> &'static str {
        use IncidentClass as C;
        match self {
            C::SteadyLeak => "steady_leak",
            C::DeployLeak => "deploy_leak",
            C::FlagLeak => "flag_leak",
            C::NearLimitSlow => "near_limit_slow",
            C::NearLimitFast => "near_limit_fast",
            C::DailyLeak => "daily_leak",
            C::WeeklyLeak => "weekly_leak",
            C::RestartMaskedLeak => "restart_masked_leak",
            C::NativeGrowth => "native_growth",
            C::CacheLinear => "cache_linear",
            C::CacheSaturating => "cache_saturating",
            C::Plateau => "plateau",
            C::DailyPlateau => "daily_plateau",
            C::WeeklyPlateau => "weekly_plateau",
            C::Stable => "stable",
            C::CycleStable => "cycle_stable",
            C::Ar1Wander => "ar1_wander",
            C::RandomWalk => "random_walk",
            C::FixedByDeploy => "fixed_by_deploy",
            C::WarmUp => "warm_up",
            C::TooLittleData => "too_little_data",
        }
    }

    pub fn from_name(name: &str) -> Option<IncidentClass> {
        IncidentClass::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The verdict a case of this class deserves.
    pub fn expected(self) -> Verdict {
        use IncidentClass as C;
        match self {
            C::SteadyLeak
            | C::DeployLeak
            | C::FlagLeak
            | C::NearLimitSlow
            | C::NearLimitFast
            | C::DailyLeak
            | C::WeeklyLeak => Verdict::Leak,
            C::RestartMaskedLeak => Verdict::RestartMaskedLeak,
            C::NativeGrowth => Verdict::NativeGrowth,
            C::CacheLinear | C::CacheSaturating => Verdict::CacheGrowth,
            C::Plateau | C::DailyPlateau | C::WeeklyPlateau => Verdict::Plateau,
            C::Stable | C::CycleStable | C::Ar1Wander | C::RandomWalk | C::FixedByDeploy => {
                Verdict::Stable
            }
            C::WarmUp | C::TooLittleData => Verdict::InsufficientData,
        }
    }

    /// Whether the truth is a leak of any kind (for the false-leak rate).
    pub fn is_leak(self) -> bool {
        matches!(self.expected(), Verdict::Leak | Verdict::RestartMaskedLeak)
    }

    /// What a case looks like, in one sentence.
    pub fn description(self) -> &'static str {
        use IncidentClass as C;
        match self {
            C::SteadyLeak => {
                "the old-space floor rises linearly from the process start, no restart"
            }
            C::DeployLeak => {
                "flat for days, then a deploy (new process_start_time_seconds) and the floor rises"
            }
            C::FlagLeak => {
                "flat, then the floor rises from a moment mid-window without a restart (a feature flag)"
            }
            C::NearLimitSlow => {
                "working set at 80-97% of a 1-4 GiB limit, slow growth reaching it in 1.5-7 days"
            }
            C::NearLimitFast => "a 0.5-1.5 GiB limit reached 4-24 h after a window of a few hours",
            C::DailyLeak => "a linear leak under a daily traffic cycle",
            C::WeeklyLeak => {
                "a linear leak under a daily cycle with quiet weekends, over 2-4 weeks"
            }
            C::RestartMaskedLeak => {
                "a fast leak cut every 4-24 h by pm2 max_memory_restart or the OOM killer"
            }
            C::NativeGrowth => {
                "RSS grows outside the V8 heap (allocator arenas on a many-CPU host); heap flat"
            }
            C::CacheLinear => {
                "page cache charged to the container grows linearly (log files), anon flat"
            }
            C::CacheSaturating => "page cache fills toward a working set of files, anon flat",
            C::Plateau => {
                "an in-memory cache warms after a deploy and saturates early in the window"
            }
            C::DailyPlateau => "a saturating cache under a daily traffic cycle",
            C::WeeklyPlateau => "a saturating cache under a weekly traffic cycle",
            C::Stable => {
                "GC sawtooth and short-memory noise; sometimes a deploy of an unchanged build"
            }
            C::CycleStable => "a daily or weekly traffic cycle, nothing grows",
            C::Ar1Wander => {
                "strongly autocorrelated noise on the live set (AR(1), phi 0.9-0.99 per scrape)"
            }
            C::RandomWalk => {
                "bounded wander that drifts up and down over the window (time constant W/20-W/2)"
            }
            C::FixedByDeploy => "a leak in the old build, a deploy, flat since (at least 36 h)",
            C::WarmUp => {
                "10-60 min of a process started 0.5-10 min before the window, still warming up"
            }
            C::TooLittleData => "3-20 scrapes, or days of data with no memory series",
        }
    }
}

impl std::fmt::Display for IncidentClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One labelled case: the target as the CLI selects it, and its truth.
#[derive(Debug, Clone)]
pub struct LabelledTarget {
    pub target: Target,
    pub expected: Verdict,
    pub truth: GroundTruth,
}

/// The exporters' series of one case, before selection, and its truth. Deterministic in
/// `(class, seed)`.
pub fn generate_series(class: IncidentClass, seed: u64) -> (Vec<RawSeries>, GroundTruth) {
    let plan = classes::draw(class, seed);
    let simulated = sim::simulate(&plan, seed);
    let series = emit::series(&plan, &simulated, seed);
    let truth = truth::ground_truth(class, seed, &plan, &simulated, &emit::host_ip(seed));
    (series, truth)
}

/// How the CLI would be pointed at a case: `--app '{job="<service>"}' --container
/// '{name="<service>"}'`.
pub fn subject(service: &str) -> Subject {
    let parse = |text: String| Selector::parse(&text).ok();
    Subject {
        app: parse(format!("{{job=\"{service}\"}}")),
        container: parse(format!("{{name=\"{service}\"}}")),
        ..Subject::default()
    }
}

/// One labelled case, selected through the catalog and subject like the CLI does.
pub fn generate(class: IncidentClass, seed: u64) -> LabelledTarget {
    let (series, truth) = generate_series(class, seed);
    let selection = select(series, &Catalog::default(), &subject(&truth.service));
    let target = group_targets(selection.series)
        .into_iter()
        .find(|t| t.service == truth.service && t.host == truth.host)
        .unwrap_or_else(|| Target {
            service: truth.service.clone(),
            host: truth.host.clone(),
            series: Vec::new(),
            host_series: Vec::new(),
        });
    LabelledTarget {
        target,
        expected: class.expected(),
        truth,
    }
}

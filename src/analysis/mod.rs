//! Statistics and verdicts: takes a target's series, returns plain data (no printing).

use crate::report::{AnalysisSettingsInfo, TargetReport};
use crate::target::Target;
use crate::verdict::Verdict;

/// Thresholds and hints the verdict engine works with.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisSettings {
    /// Significance level of the trend tests.
    pub alpha: f64,
    /// Growth below this fraction of the series level per day is immaterial.
    pub min_relative_growth_per_day: f64,
    /// A limit given by the user (`--limit`, e.g. pm2's `max_memory_restart`), in bytes.
    pub limit_bytes: Option<f64>,
}

impl Default for AnalysisSettings {
    fn default() -> Self {
        AnalysisSettings {
            alpha: 0.01,
            min_relative_growth_per_day: 0.01,
            limit_bytes: None,
        }
    }
}

impl AnalysisSettings {
    /// The settings as echoed into the report.
    pub fn info(&self) -> AnalysisSettingsInfo {
        AnalysisSettingsInfo {
            alpha: self.alpha,
            min_relative_growth_per_day: self.min_relative_growth_per_day,
            other: Default::default(),
        }
    }
}

/// Diagnoses one target.
pub fn analyze_target(target: &Target, _settings: &AnalysisSettings) -> TargetReport {
    TargetReport {
        service: target.service.clone(),
        host: target.host.clone(),
        verdict: Verdict::InsufficientData,
        confidence: 0.0,
        reasons: vec!["the verdict engine is not built into this version".to_string()],
        growth: None,
        limit_bytes: None,
        limit_source: None,
        time_to_limit_hours: None,
        plateau: None,
        restarts: 0,
        restart_times: Vec::new(),
        missing_kinds: Vec::new(),
        series: Vec::new(),
    }
}

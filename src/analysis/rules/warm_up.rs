//! A process still warming up: a component of a young process grows ever slower and has
//! not levelled off yet. Growth inside the warm-up after a start is not a leak; the
//! verdict is insufficient_data, and the reason says how long to wait.

use super::Finding;
use crate::analysis::component::Status;
use crate::analysis::evidence::Evidence;
use crate::analysis::settings::AnalysisSettings;
use crate::analysis::words::Reason;
use crate::verdict::Verdict;

pub fn rule(e: &Evidence, _: &AnalysisSettings) -> Option<Finding> {
    if !super::warming(e) {
        return None;
    }
    let (role, c, wait) = e.components.iter().find_map(|(role, c)| match c.status {
        Status::WarmingUp { wait_hours } => Some((*role, c, wait_hours)),
        _ => None,
    })?;
    let age_hours = e
        .process_start
        .map(|p| (e.window.1 - p) / 3600.0)
        .filter(|a| *a >= 0.0);
    Some(Finding {
        verdict: Verdict::InsufficientData,
        decisive: Some(role),
        pooled: false,
        score: 0.0,
        reasons: vec![Reason::WarmingUp {
            series: c.label.clone(),
            age_hours,
            wait_hours: wait,
        }],
    })
}

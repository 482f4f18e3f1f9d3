//! plateau: growth that levelled off: a component rose materially in its current regime,
//! its slope fell significantly (a change point), and the current slope is shown below
//! materiality (an equivalence test), on what the limit measures first.

use super::{Finding, margin, rate_of};
use crate::analysis::component::Status;
use crate::analysis::evidence::Evidence;
use crate::analysis::roles::Role;
use crate::analysis::settings::AnalysisSettings;
use crate::analysis::words::Reason;
use crate::verdict::Verdict;

/// The order the roles are tried in: what the limit measures first.
const ORDER: [Role; 6] = [
    Role::Resident,
    Role::WorkingSet,
    Role::Usage,
    Role::HeapFloor,
    Role::HeapRaw,
    Role::External,
];

pub fn rule(e: &Evidence, s: &AnalysisSettings) -> Option<Finding> {
    let (role, c) = ORDER.iter().find_map(|r| {
        e.get(*r)
            .filter(|c| c.status == Status::Levelled)
            .map(|c| (*r, c))
    })?;
    let r = c.current.as_ref()?;
    let flat_rate = c.materiality.flat_rate;
    let flatness = margin(flat_rate / c.rate_interval.high.max(flat_rate * 1e-3));
    Some(Finding {
        verdict: Verdict::Plateau,
        decisive: Some(role),
        pooled: false,
        score: flatness.min(margin(r.rise / c.materiality.required_change)),
        reasons: vec![Reason::Levelled {
            series: c.label.clone(),
            rise: r.rise,
            span_hours: r.span_hours(),
            rate: rate_of(c, s),
            flat_rate,
        }],
    })
}

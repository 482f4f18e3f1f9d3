//! Redis beside the service in the comparison: for each service whose hosts run a Redis,
//! how much memory that Redis holds on each host, against its maxmemory and the host's
//! memory, with its verdict. The Redis of a host takes memory every service there
//! competes for (page cache included), so a difference between hosts can be its doing.

use crate::report::{HostContext, TargetReport};
use crate::target::Target;
use crate::units::format_bytes;
use std::collections::BTreeMap;

/// One sentence per service that shares a host with a Redis target.
pub fn redis_lines(
    services: &[&Target],
    redis: &[&Target],
    reports: &[TargetReport],
    ctx: &BTreeMap<String, HostContext>,
) -> Vec<String> {
    let mut hosts_of: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for t in services {
        hosts_of
            .entry(t.service.as_str())
            .or_default()
            .push(t.host.as_str());
    }
    let mut out = Vec::new();
    for (service, mut hosts) in hosts_of {
        hosts.sort();
        hosts.dedup();
        let beside: Vec<String> = hosts
            .iter()
            .filter_map(|host| {
                let r = redis.iter().find(|t| t.host == *host)?;
                let report = reports.iter().find(|rep| {
                    rep.host == r.host && rep.service == r.service && rep.redis.is_some()
                })?;
                Some(on_host(host, report, ctx.get(*host)))
            })
            .collect();
        if beside.is_empty() {
            continue;
        }
        let shared = if beside.len() == hosts.len() && hosts.len() > 1 {
            "every host".to_string()
        } else {
            format!("{} of its {} host(s)", beside.len(), hosts.len())
        };
        out.push(format!(
            "Redis shares {shared} with {service}: {}.",
            beside.join("; ")
        ));
    }
    out
}

/// "on 10.0.0.5 Redis holds 147 MiB (57% of maxmemory 256 MiB; 2.3% of the host's 6 GiB), stable"
fn on_host(host: &str, report: &TargetReport, ctx: Option<&HostContext>) -> String {
    let level = report
        .series
        .iter()
        .find(|s| s.kind == crate::kind::Kind::RedisUsed.as_str() && s.view == "raw")
        .map(|s| s.summary.last);
    let Some(level) = level else {
        return format!("on {host} Redis memory has no samples, {}", report.verdict);
    };
    let mut of = Vec::new();
    match report.redis.as_ref().and_then(|r| r.maxmemory_bytes) {
        Some(max) if max > 0.0 => of.push(format!(
            "{:.0}% of maxmemory {}",
            100.0 * level / max,
            format_bytes(max)
        )),
        Some(_) => of.push("no maxmemory".to_string()),
        None => {}
    }
    if let Some(total) = ctx.and_then(|c| c.mem_total_bytes).filter(|t| *t > 0.0) {
        of.push(format!(
            "{:.1}% of the host's {}",
            100.0 * level / total,
            format_bytes(total)
        ));
    }
    let of = if of.is_empty() {
        String::new()
    } else {
        format!(" ({})", of.join("; "))
    };
    format!(
        "on {host} it holds {}{of}, {}",
        format_bytes(level),
        report.verdict
    )
}

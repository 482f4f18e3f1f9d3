//! Writes a generated fleet as OpenMetrics text for `promtool tsdb create-blocks-from
//! openmetrics`: services sharing hosts, each a generated scenario (see
//! `memgrowth::synth::generate_fleet`). Used by `scripts/bench-fleet.sh`.
//!
//! `cargo run --release --example generate_fleet -- OUT.om [--services 33] [--hosts 4]
//! [--hosts-per-service 4] [--days 14] [--step 60] [--start UNIX] [--seed 1] [--all-metrics]`
//!
//! By default only nine series per target are kept (heap used and total, external, RSS,
//! start time, cgroup usage, working set, rss and cache) plus the hosts' memory size and
//! availability; `--all-metrics` keeps every series the exporters emit. Prints
//! `series=N samples=N targets=N` on stdout.

use memgrowth::synth::{FleetParams, generate_fleet, write_openmetrics_file};
use std::process::ExitCode;

const LEAN_METRICS: [&str; 11] = [
    "nodejs_heap_size_used_bytes",
    "nodejs_heap_size_total_bytes",
    "nodejs_external_memory_bytes",
    "process_resident_memory_bytes",
    "process_start_time_seconds",
    "container_memory_usage_bytes",
    "container_memory_working_set_bytes",
    "container_memory_rss",
    "container_memory_cache",
    "node_memory_MemTotal_bytes",
    "node_memory_MemAvailable_bytes",
];

fn parse_args(args: &[String]) -> Result<(String, FleetParams), String> {
    let mut out = None;
    let mut p = FleetParams {
        services: 33,
        hosts: 4,
        hosts_per_service: 4,
        duration_s: 14 * 86_400,
        step_s: 60,
        metrics: Some(LEAN_METRICS.iter().map(|m| m.to_string()).collect()),
        ..FleetParams::default()
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| -> Result<i64, String> {
            let text = it.next().ok_or(format!("{name} needs a value"))?;
            text.parse::<i64>()
                .ok()
                .filter(|v| *v >= 0)
                .ok_or(format!("{name} {text:?}: expected a non-negative integer"))
        };
        match arg.as_str() {
            "--services" => p.services = value(arg)? as usize,
            "--hosts" => p.hosts = value(arg)?.max(1) as usize,
            "--hosts-per-service" => p.hosts_per_service = value(arg)?.max(1) as usize,
            "--days" => p.duration_s = value(arg)? * 86_400,
            "--step" => p.step_s = value(arg)?.max(1),
            "--start" => p.start_unix_s = value(arg)?,
            "--seed" => p.seed = value(arg)? as u64,
            "--all-metrics" => p.metrics = None,
            other if other.starts_with("--") => return Err(format!("unknown option {other}")),
            path => out = Some(path.to_string()),
        }
    }
    let out = out.ok_or("usage: generate_fleet OUT.om [options]; see the file's header")?;
    Ok((out, p))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (out, params) = match parse_args(&args) {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("generate_fleet: {e}");
            return ExitCode::from(2);
        }
    };
    let fleet = generate_fleet(&params);
    if let Err(e) = write_openmetrics_file(&fleet.series, std::path::Path::new(&out)) {
        eprintln!("generate_fleet: {e}");
        return ExitCode::from(1);
    }
    println!(
        "series={} samples={} targets={}",
        fleet.series.len(),
        fleet.samples(),
        fleet.targets.len()
    );
    ExitCode::SUCCESS
}

//! The verdict engine's accuracy on labelled incidents (`memgrowth::synth::incidents`):
//! `cargo run --release --example verdict_accuracy -- --seeds 100`.
//!
//! Generates `--seeds` cases per class (seeds `--first-seed..`), runs
//! `analysis::analyze_target` with default settings on each (through the CLI's catalog and
//! subject selection), and prints per class n, accuracy, the confusion row, the
//! false-leak rate and the mean confidence, then the reliability table and the Brier
//! score, then the worst misses with their truth and reasons. It prints; it does not
//! judge. `--json FILE` also writes every case (class, seed, expected, got, confidence,
//! reasons, reported onset and time to limit, ground truth) for fitting a calibration.

use anyhow::{Context, Result, bail};
use clap::Parser;
use memgrowth::synth::incidents::IncidentClass;
use memgrowth::synth::incidents::accuracy::{CaseRecord, run, summarize, worst_misses};
use memgrowth::synth::incidents::table::{Format, render_misses, render_summary};
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Parser)]
#[command(about = "Accuracy and calibration of the verdict engine on labelled incidents")]
struct Args {
    /// Cases per class.
    #[arg(long, default_value_t = 100)]
    seeds: u64,
    /// First seed (cases use seeds first..first+seeds).
    #[arg(long, default_value_t = 0)]
    first_seed: u64,
    /// Only these classes (repeatable; default: all). Names as in the table.
    #[arg(long = "class")]
    classes: Vec<String>,
    /// Worker threads (default: every core).
    #[arg(long)]
    threads: Option<usize>,
    /// How many of the worst misses to print.
    #[arg(long, default_value_t = 10)]
    misses: usize,
    /// Reasons printed per miss.
    #[arg(long, default_value_t = 3)]
    reasons: usize,
    /// Confidence bins of the reliability table.
    #[arg(long, default_value_t = 10)]
    bins: usize,
    /// Table format: text or markdown.
    #[arg(long, default_value = "text")]
    format: String,
    /// Also write every case as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// A case as written by `--json`: the record without its full report.
#[derive(Serialize)]
struct CaseJson<'a> {
    #[serde(flatten)]
    record: &'a CaseRecord,
    reasons: &'a [String],
    /// The report's growth onset (Unix seconds) and hours to limit, when it gives them.
    reported_onset_s: Option<f64>,
    reported_hours_to_limit: Option<f64>,
}

fn classes(names: &[String]) -> Result<Vec<IncidentClass>> {
    if names.is_empty() {
        return Ok(IncidentClass::ALL.to_vec());
    }
    names
        .iter()
        .map(|n| {
            IncidentClass::from_name(n).with_context(|| {
                let known: Vec<&str> = IncidentClass::ALL.iter().map(|c| c.name()).collect();
                format!("unknown class `{n}`; known classes: {}", known.join(", "))
            })
        })
        .collect()
}

fn main() -> Result<()> {
    let args = Args::parse();
    let format = match args.format.as_str() {
        "text" => Format::Text,
        "markdown" => Format::Markdown,
        other => bail!("unknown --format `{other}`; use text or markdown"),
    };
    let classes = classes(&args.classes)?;
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let seeds = args.first_seed..args.first_seed.saturating_add(args.seeds);
    let started = Instant::now();
    let records = run(&classes, seeds.clone(), threads);
    let elapsed = started.elapsed().as_secs_f64();
    eprintln!(
        "{} cases ({} classes x seeds {}..{}) on {threads} thread(s) in {elapsed:.1} s ({:.1} cases/s)",
        records.len(),
        classes.len(),
        seeds.start,
        seeds.end,
        records.len() as f64 / elapsed.max(1e-9)
    );
    let summary = summarize(&records, args.bins);
    print!("{}", render_summary(&summary, format));
    let misses = worst_misses(&records, args.misses);
    if !misses.is_empty() {
        println!("\nWorst misses (most confident first):");
        print!("{}", render_misses(&misses, args.reasons));
    }
    if let Some(path) = &args.json {
        let cases: Vec<CaseJson> = records
            .iter()
            .map(|r| CaseJson {
                record: r,
                reasons: &r.report.reasons,
                reported_onset_s: r.report.growth_onset.as_ref().map(|o| o.unix_seconds),
                reported_hours_to_limit: r
                    .report
                    .time_to_limit
                    .as_ref()
                    .map(|t| t.hours)
                    .or(r.report.time_to_limit_hours),
            })
            .collect();
        let text = serde_json::to_string_pretty(&cases).context("cannot encode the cases")?;
        std::fs::write(path, text).with_context(|| format!("cannot write `{}`", path.display()))?;
        eprintln!("wrote {} cases to {}", cases.len(), path.display());
    }
    Ok(())
}

//! `rules`: print Prometheus alerting rules for the subject.

use super::args::RulesArgs;
use super::output::print_stdout;
use super::settings::{UsageError, parse_matchers};
use super::{Exit, Failure};
use crate::matcher::Selector;
use crate::rules::{RuleSettings, render_rules};
use crate::units::{parse_bytes, parse_duration};

pub fn run_rules(args: RulesArgs) -> Result<Exit, Failure> {
    let (app, container) = parse_matchers(&args.matchers)?;
    // The rule expressions add their own matchers, so the selectors go in without braces.
    let inner = |selector: Option<Selector>| selector.map(|s| s.inner_promql()).unwrap_or_default();
    let window_seconds =
        parse_duration(&args.window).map_err(|e| UsageError(format!("--window: {e}")))?;
    if !(args.min_growth_per_day > 0.0 && args.min_growth_per_day.is_finite()) {
        return Err(UsageError(format!(
            "--min-growth-per-day {} must be a positive ratio, e.g. 0.01 for 1% per day",
            args.min_growth_per_day
        ))
        .into());
    }
    let settings = RuleSettings {
        app_matchers: inner(app),
        container_matchers: inner(container),
        min_relative_growth_per_day: args.min_growth_per_day,
        window_seconds,
        horizon_hours: parse_duration(&args.horizon)
            .map_err(|e| UsageError(format!("--horizon: {e}")))?
            / 3600.0,
        limit_bytes: args
            .limit
            .as_deref()
            .map(|l| parse_bytes(l).map_err(|e| UsageError(format!("--limit: {e}"))))
            .transpose()?,
        grafana: super::settings::grafana_settings(&args.links)?,
        ..RuleSettings::default()
    };
    print_stdout(&render_rules(&settings))?;
    Ok(Exit::Success)
}

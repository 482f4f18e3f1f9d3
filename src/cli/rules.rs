//! `rules`: print Prometheus alerting rules for the subject.

use super::args::RulesArgs;
use super::output::print_stdout;
use super::settings::UsageError;
use super::{Exit, Failure};
use crate::matcher::Selector;
use crate::rules::{RuleSettings, render_rules};
use crate::units::{parse_bytes, parse_duration};

pub fn run_rules(args: RulesArgs) -> Result<Exit, Failure> {
    let matchers = |flag: &str, text: &Option<String>| -> Result<String, UsageError> {
        match text {
            None => Ok(String::new()),
            Some(t) => Selector::parse(t)
                .map(|s| {
                    s.to_promql()
                        .trim_matches(|c| c == '{' || c == '}')
                        .to_string()
                })
                .map_err(|e| UsageError(format!("{flag} {t:?}: {e}"))),
        }
    };
    for (flag, value) in [("--window", &args.window), ("--horizon", &args.horizon)] {
        parse_duration(value).map_err(|e| UsageError(format!("{flag}: {e}")))?;
    }
    if !(args.min_growth_per_day > 0.0 && args.min_growth_per_day.is_finite()) {
        return Err(UsageError(format!(
            "--min-growth-per-day {} must be a positive ratio, e.g. 0.01 for 1% per day",
            args.min_growth_per_day
        ))
        .into());
    }
    let settings = RuleSettings {
        app_matchers: matchers("--app", &args.app)?,
        container_matchers: matchers("--container", &args.container)?,
        min_relative_growth_per_day: args.min_growth_per_day,
        window: args.window.clone(),
        horizon_hours: parse_duration(&args.horizon)
            .map_err(|e| UsageError(format!("--horizon: {e}")))?
            / 3600.0,
        limit_bytes: args
            .limit
            .as_deref()
            .map(|l| parse_bytes(l).map_err(|e| UsageError(format!("--limit: {e}"))))
            .transpose()?,
        ..RuleSettings::default()
    };
    print_stdout(&render_rules(&settings))?;
    Ok(Exit::Success)
}

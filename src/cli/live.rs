//! The live source: validated server settings and the fetch of a subject's series.

use super::args::PromArgs;
use super::settings::UsageError;
use crate::catalog::Catalog;
use crate::prom::{
    Auth, AuthSources, Backend, ExtraHeader, FetchWindow, PromClient, PromConfig, PromError,
    Secret, choose_step, fetch_queries, plan_queries,
};
use crate::report::SourceInfo;
use crate::series::RawSeries;
use crate::subject::Subject;
use crate::units::{parse_bytes, parse_duration, parse_timestamp};
use std::time::Duration;

/// How far back from the end a live query reads when neither --range nor --start is given.
pub const DEFAULT_RANGE: &str = "7d";

/// A server and a window, checked before any request is sent.
#[derive(Debug, Clone)]
pub struct LiveSettings {
    pub config: PromConfig,
    pub start: f64,
    pub end: f64,
    /// None: chosen from the measured scrape interval and the window.
    pub step: Option<f64>,
}

impl LiveSettings {
    /// `Ok(None)` when no server was given.
    pub fn from_args(args: &PromArgs) -> Result<Option<Self>, UsageError> {
        let Some(url) = args.prometheus.as_deref() else {
            return Ok(None);
        };
        let usage = |flag: &str, e: &dyn std::fmt::Display| UsageError(format!("{flag}: {e}"));
        let mut config = PromConfig::new(url, None).map_err(|e| usage("--prometheus", &e))?;
        // A variable named by --bearer-token-env (or -password-env) must be set; an
        // inline secret from the config file comes after it.
        let named = |flag: &str,
                     var: &Option<String>,
                     inline: &str|
         -> Result<Option<Secret>, UsageError> {
            match var {
                Some(var) => Secret::from_env(var).map(Some).ok_or_else(|| {
                    UsageError(format!("{flag} {var}: the variable is not set or empty"))
                }),
                None => Ok(args
                    .inline_secrets
                    .values
                    .get(inline)
                    .cloned()
                    .map(Secret::new)),
            }
        };
        let auth = Auth::resolve(&AuthSources {
            bearer_token_file: args.bearer_token_file.as_deref(),
            bearer_token: named("--bearer-token-env", &args.bearer_token_env, "bearer-token")?,
            basic_auth_user: args.basic_auth_user.as_deref(),
            basic_auth_password_file: args.basic_auth_password_file.as_deref(),
            basic_auth_password: named(
                "--basic-auth-password-env",
                &args.basic_auth_password_env,
                "basic-auth-password",
            )?,
        })
        .map_err(|e| UsageError(e.to_string()))?;
        if !matches!(auth, Auth::None) {
            config.auth = auth;
        }
        for header in &args.headers {
            config
                .headers
                .push(ExtraHeader::parse(header).map_err(|e| UsageError(e.to_string()))?);
        }
        config.tenant = args.tenant.clone();
        config.insecure = args.insecure;
        config.ca_cert = args.ca_cert.clone();
        config.concurrency = args.concurrency;
        config.backend = Backend::parse(&args.backend).map_err(|e| usage("--backend", &e))?;
        let timeout = parse_duration(&args.timeout).map_err(|e| usage("--timeout", &e))?;
        config.request_timeout = Duration::from_secs_f64(timeout);
        let cap =
            parse_bytes(&args.max_response_size).map_err(|e| usage("--max-response-size", &e))?;
        config.max_response_bytes = cap as u64;
        config.validate().map_err(|e| UsageError(e.to_string()))?;

        let end = match &args.end {
            Some(text) => parse_timestamp(text).map_err(|e| usage("--end", &e))?,
            None => now_seconds(),
        };
        let start = match &args.start {
            Some(text) => parse_timestamp(text).map_err(|e| usage("--start", &e))?,
            None => {
                end - parse_duration(args.range.as_deref().unwrap_or(DEFAULT_RANGE))
                    .map_err(|e| usage("--range", &e))?
            }
        };
        if start >= end {
            return Err(UsageError(format!(
                "the window is empty: --start ({start}) is not before --end ({end})"
            )));
        }
        let step = args
            .step
            .as_deref()
            .map(|s| parse_duration(s).map_err(|e| usage("--step", &e)))
            .transpose()?;
        Ok(Some(LiveSettings {
            config,
            start,
            end,
            step,
        }))
    }

    /// The window, with the step chosen from the scrape interval when none was given.
    pub async fn window(
        &self,
        client: &PromClient,
        queries: &[crate::prom::KindQuery],
    ) -> FetchWindow {
        let step = match self.step {
            Some(step) => step,
            None => choose_step(client, queries, self.start, self.end).await,
        };
        FetchWindow {
            start: self.start,
            end: self.end,
            step,
        }
    }
}

fn now_seconds() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64().floor())
        .unwrap_or(0.0)
}

/// A runtime for the async client; the rest of the program is synchronous.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

/// Fetches every kind of the catalog for the subject over the window.
pub fn fetch_subject(
    live: &LiveSettings,
    catalog: &Catalog,
    subject: &Subject,
    progress: bool,
) -> Result<(Vec<RawSeries>, SourceInfo), PromError> {
    let runtime = runtime().map_err(|e| PromError::Config(format!("cannot start: {e}")))?;
    runtime.block_on(async {
        let client = PromClient::new(&live.config)?;
        let queries = plan_queries(&client, catalog, subject, live.start, live.end).await?;
        let window = live.window(&client, &queries).await;
        fetch_queries(&client, &queries, window, progress).await
    })
}

//! Command-line arguments (clap derive). Doc comments here are the `--help` text.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// The version line: the crate version, the commit and the date it was built from.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("MEMGROWTH_COMMIT"),
    ", built ",
    env!("MEMGROWTH_BUILD_DATE"),
    ")"
);

/// Tell, with evidence, whether a service's memory growth is a leak, a plateau,
/// reclaimable page cache, native (off-heap) growth or a leak hidden by restarts,
/// and why the same service looks different on different hosts.
#[derive(Debug, Parser)]
#[command(name = "memgrowth", version = LONG_VERSION, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Print nothing on stderr but errors.
    #[arg(long, short, global = true, env = "MEMGROWTH_QUIET")]
    pub quiet: bool,

    /// When to use colour on the terminal (NO_COLOR is honoured by `auto`).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, env = "MEMGROWTH_COLOR")]
    pub color: ColorChoice,

    /// A config file whose keys are the long flags (`prometheus = "http://..."`,
    /// `limit = "1.5GiB"`); default: memgrowth.toml in the working directory, when it
    /// exists. Flags and MEMGROWTH_* variables override it.
    #[arg(long, global = true, value_name = "PATH", env = "MEMGROWTH_CONFIG")]
    pub config: Option<PathBuf>,

    /// Where each setting came from (filled after parsing).
    #[arg(skip)]
    pub provenance: crate::config::Provenance,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The main job: read the series, fit models, compare hosts and report verdicts.
    Diagnose(DiagnoseArgs),
    /// Fit models and print verdicts, without the cross-host comparison or report files.
    Fit(FitArgs),
    /// The cross-host comparison alone: which kinds diverge between hosts, what explains it.
    Compare(FitArgs),
    /// Render the report directory (HTML, Markdown, JSON, JUnit, charts) from a saved
    /// report.json or from offline input, without fetching.
    Report(ReportArgs),
    /// Fetch the subject's series from a server into a bundle for offline use (resumable).
    Fetch(FetchArgs),
    /// Which memory series exist per host and kind, how well they are scraped, and what is missing.
    Discover(DiscoverArgs),
    /// Emit Prometheus alerting rules that encode the verdict logic (floors, working set,
    /// materiality, restarts, native growth) for the subject.
    Rules(RulesArgs),
    /// Check a bundle's files against the sha256 in its manifest and say whether the
    /// fetch is complete (exit 0 when intact, 1 when not).
    Verify(VerifyArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the manual page (roff), or write one page per command into a directory.
    Man(ManArgs),
    /// The config file: `config show` prints the effective settings and their sources.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print every setting of a command line (default: `diagnose`) with its value and
    /// where it came from (flag, environment, config file, default); secrets redacted.
    Show(ShowArgs),
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The command line to resolve, e.g. `diagnose --limit 2GiB` or `rules`.
    #[arg(
        value_name = "COMMAND",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub args: Vec<std::ffi::OsString>,
}

impl Command {
    /// The server arguments of the command, when it reads a server.
    pub fn prom_args_mut(&mut self) -> Option<&mut PromArgs> {
        match self {
            Command::Diagnose(a) => Some(&mut a.source.prometheus),
            Command::Fit(a) | Command::Compare(a) => Some(&mut a.source.prometheus),
            Command::Fetch(a) => Some(&mut a.prometheus),
            Command::Discover(a) => Some(&mut a.prometheus),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A verdict table for people (the default on a terminal).
    Table,
    /// The report as JSON (the default when stdout is not a terminal).
    Json,
    /// The report as Markdown.
    Markdown,
}

/// Where the series come from.
#[derive(Debug, Clone, Args)]
pub struct SourceArgs {
    /// Offline input: a Prometheus API JSON file, a Grafana CSV export, a bundle
    /// directory, or a directory of such files. Repeatable.
    #[arg(
        long,
        short = 'i',
        value_name = "PATH",
        env = "MEMGROWTH_INPUT",
        value_delimiter = ',',
        conflicts_with = "prometheus"
    )]
    pub input: Vec<PathBuf>,

    #[command(flatten)]
    pub prometheus: PromArgs,
}

/// A live Prometheus-compatible server (Prometheus, Mimir, Thanos, VictoriaMetrics).
#[derive(Debug, Clone, Args)]
pub struct PromArgs {
    /// Base URL of the server, path prefix included (e.g. http://mimir:8080/prometheus).
    #[arg(long, value_name = "URL", env = "PROMETHEUS_URL")]
    pub prometheus: Option<String>,

    /// How far back from --end to read (Prometheus duration). Default: 7d from a server;
    /// all of the data for offline input, which is cut to the window when it is given.
    #[arg(long, value_name = "DURATION", env = "MEMGROWTH_RANGE")]
    pub range: Option<String>,

    /// Start of the window: RFC 3339 or Unix seconds (overrides --range). Default for
    /// offline input: where its data begins.
    #[arg(long, value_name = "TIME", env = "MEMGROWTH_START")]
    pub start: Option<String>,

    /// End of the window: RFC 3339 or Unix seconds. Default: now from a server; where
    /// the data ends for offline input.
    #[arg(long, value_name = "TIME", env = "MEMGROWTH_END")]
    pub end: Option<String>,

    /// Query resolution (Prometheus duration); default: from the scrape interval and window.
    #[arg(long, value_name = "DURATION", env = "MEMGROWTH_STEP")]
    pub step: Option<String>,

    /// The server's kind, for its points-per-series limit: prometheus, mimir, thanos,
    /// victoriametrics, or a number of points.
    #[arg(
        long,
        value_name = "KIND",
        default_value = "prometheus",
        env = "MEMGROWTH_BACKEND"
    )]
    pub backend: String,

    /// A file holding a bearer token (else MEMGROWTH_BEARER_TOKEN is used when set).
    #[arg(long, value_name = "FILE", env = "MEMGROWTH_BEARER_TOKEN_FILE")]
    pub bearer_token_file: Option<PathBuf>,

    /// Basic-auth user; the password comes from --basic-auth-password-file or
    /// MEMGROWTH_BASIC_AUTH_PASSWORD.
    #[arg(long, value_name = "USER", env = "MEMGROWTH_BASIC_AUTH_USER")]
    pub basic_auth_user: Option<String>,

    /// A file holding the basic-auth password.
    #[arg(long, value_name = "FILE", env = "MEMGROWTH_BASIC_AUTH_PASSWORD_FILE")]
    pub basic_auth_password_file: Option<PathBuf>,

    /// The name of an environment variable holding the bearer token (instead of
    /// MEMGROWTH_BEARER_TOKEN), e.g. PROM_TOKEN.
    #[arg(long, value_name = "VAR")]
    pub bearer_token_env: Option<String>,

    /// The name of an environment variable holding the basic-auth password.
    #[arg(long, value_name = "VAR")]
    pub basic_auth_password_env: Option<String>,

    /// Secrets a config file gave inline (accepted with a warning).
    #[arg(skip)]
    pub inline_secrets: crate::config::InlineSecrets,

    /// An extra request header, 'Name: value' (repeatable); values are never printed.
    #[arg(long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,

    /// Tenant for Mimir/Cortex, sent as X-Scope-OrgID.
    #[arg(long, value_name = "TENANT", env = "MEMGROWTH_TENANT")]
    pub tenant: Option<String>,

    /// Skip TLS certificate verification (explicit opt-in only).
    #[arg(long, env = "MEMGROWTH_INSECURE")]
    pub insecure: bool,

    /// A PEM file of extra CA certificates to trust.
    #[arg(long, value_name = "FILE", env = "MEMGROWTH_CA_CERT")]
    pub ca_cert: Option<PathBuf>,

    /// Timeout of one request, body included (Prometheus duration).
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "2m",
        env = "MEMGROWTH_TIMEOUT"
    )]
    pub timeout: String,

    /// Requests in flight at most.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 4,
        env = "MEMGROWTH_CONCURRENCY"
    )]
    pub concurrency: usize,

    /// The largest response body read from the server; a larger one is an error, so an
    /// oversized or endless answer cannot exhaust memory.
    #[arg(
        long,
        value_name = "BYTES",
        default_value = "512MiB",
        env = "MEMGROWTH_MAX_RESPONSE_SIZE"
    )]
    pub max_response_size: String,
}

/// The label matchers that pick the app's and the container's series.
#[derive(Debug, Clone, Args)]
pub struct MatcherArgs {
    /// PromQL label matchers selecting the app's own metrics (prom-client),
    /// e.g. 'job="otl-api"' or '{job="otl-api",env!="dev"}'.
    #[arg(long, value_name = "MATCHERS", env = "MEMGROWTH_APP")]
    pub app: Option<String>,

    /// PromQL label matchers selecting cAdvisor's container series, e.g. 'name="otl-api"'.
    /// Without it, containers whose `name` or `container` label equals the service are used.
    #[arg(long, value_name = "MATCHERS", env = "MEMGROWTH_CONTAINER")]
    pub container: Option<String>,
}

/// Which service, containers and hosts are diagnosed.
#[derive(Debug, Clone, Args)]
pub struct SubjectArgs {
    #[command(flatten)]
    pub matchers: MatcherArgs,

    /// Diagnose one service per value of this label (e.g. job, app, service).
    #[arg(long, value_name = "LABEL", env = "MEMGROWTH_BY")]
    pub by: Option<String>,

    /// The label that names the host; default: `instance` with the port stripped.
    #[arg(long, value_name = "LABEL", env = "MEMGROWTH_HOST_LABEL")]
    pub host_label: Option<String>,

    /// The service name to report; default: the `job` label of the app's series.
    #[arg(long, value_name = "NAME", env = "MEMGROWTH_SERVICE")]
    pub service: Option<String>,

    /// prom-client's `prefix` option, prepended to the nodejs_*/process_* metric names.
    #[arg(long, value_name = "PREFIX", env = "MEMGROWTH_METRIC_PREFIX")]
    pub metric_prefix: Option<String>,

    /// Read a kind from another metric name, KIND=NAME (repeatable), e.g.
    /// process_rss=app_resident_bytes; in the config file, a [metrics] table.
    #[arg(long = "metric", value_name = "KIND=NAME")]
    pub metrics: Vec<String>,
}

/// Thresholds and limits of the verdict engine.
#[derive(Debug, Clone, Args)]
pub struct AnalysisArgs {
    /// The memory limit to project against, e.g. pm2's max_memory_restart: 1.5GiB, 800M.
    /// Default: the cgroup limit, else the host's memory.
    #[arg(long, value_name = "BYTES", env = "MEMGROWTH_LIMIT")]
    pub limit: Option<String>,

    /// Significance level of the trend tests.
    #[arg(
        long,
        value_name = "P",
        default_value_t = 0.01,
        env = "MEMGROWTH_ALPHA"
    )]
    pub alpha: f64,

    /// Growth whose rate's lower bound is below this fraction of the level per day is not
    /// growth (default: 5% within the 30-day horizon, 0.00167).
    #[arg(long, value_name = "RATIO", default_value_t = crate::analysis::settings::MIN_GROWTH_PER_DAY)]
    pub min_growth_per_day: f64,

    /// Growth that changed the level by less than this fraction within the window is not
    /// growth, however short the window (0.05 = 5%): minutes of settling extrapolated to a
    /// day are not a leak.
    #[arg(long, value_name = "RATIO", default_value_t = 0.05)]
    pub min_change: f64,

    /// Growth that changed the level by less than this within the window is not growth,
    /// whatever the level (e.g. 8MiB, 0 to disable): the first minutes of a process
    /// settle by a few MiB.
    #[arg(long, value_name = "BYTES", default_value = "8MiB")]
    pub min_change_bytes: String,

    /// Growth that would reach the limit within this horizon is material however small
    /// it is against the level (judged at the low end of its rate), e.g. 30d, 7d.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "30d",
        env = "MEMGROWTH_HORIZON"
    )]
    pub horizon: String,
}

/// How results are printed and kept.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Output format on stdout; default: table on a terminal, json otherwise.
    #[arg(long, short = 'f', value_enum, env = "MEMGROWTH_FORMAT")]
    pub format: Option<Format>,

    /// Exit with code 1 when a target's verdict is one of these (comma-separated),
    /// e.g. leak,restart_masked_leak.
    #[arg(
        long,
        value_name = "VERDICTS",
        value_delimiter = ',',
        env = "MEMGROWTH_FAIL_ON"
    )]
    pub fail_on: Vec<String>,

    /// On the terminal, show every series of each target, not only those that decide
    /// and explain its verdict.
    #[arg(long, short = 'v', env = "MEMGROWTH_VERBOSE")]
    pub verbose: bool,
}

/// Links from the reports back to Grafana.
#[derive(Debug, Clone, Args)]
pub struct LinkArgs {
    /// Grafana's base URL: every target in the HTML and Markdown reports (and every
    /// rule of `rules`) links to a Grafana Explore view of its series.
    #[arg(long, value_name = "URL", env = "MEMGROWTH_GRAFANA_URL")]
    pub grafana_url: Option<String>,

    /// The uid of Grafana's Prometheus datasource the links query (needed with --grafana-url).
    #[arg(long, value_name = "UID", env = "MEMGROWTH_GRAFANA_DATASOURCE")]
    pub grafana_datasource: Option<String>,

    /// Grafana's organisation id.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1,
        env = "MEMGROWTH_GRAFANA_ORG_ID"
    )]
    pub grafana_org_id: u32,
}

#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub subject: SubjectArgs,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub postmortem: super::postmortem::PostmortemArgs,
    #[command(flatten)]
    pub links: LinkArgs,

    /// Write the report files (report.json, ...) into this directory.
    #[arg(long, short = 'o', value_name = "DIR", env = "MEMGROWTH_OUT")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FitArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub subject: SubjectArgs,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate completions for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write memgrowth.1 and one memgrowth-COMMAND.1 per command into this directory
    /// instead of printing memgrowth.1 (e.g. /usr/local/share/man/man1).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(flatten)]
    pub matchers: MatcherArgs,
    #[command(flatten)]
    pub links: LinkArgs,

    /// A fixed limit to project against (pm2's max_memory_restart); default: the cgroup limit.
    #[arg(long, value_name = "BYTES", env = "MEMGROWTH_LIMIT")]
    pub limit: Option<String>,

    /// The window trends are measured over (Prometheus duration).
    #[arg(long, value_name = "DURATION", default_value = "12h")]
    pub window: String,

    /// Alert when the working set is projected to reach the limit within this duration.
    #[arg(long, value_name = "DURATION", default_value = "1d")]
    pub horizon: String,

    /// Growth below this fraction of the level per day does not alert.
    #[arg(long, value_name = "RATIO", default_value_t = 0.01)]
    pub min_growth_per_day: f64,
}

#[derive(Debug, Args)]
pub struct FetchArgs {
    #[command(flatten)]
    pub prometheus: PromArgs,
    #[command(flatten)]
    pub subject: SubjectArgs,

    /// The bundle directory to write (or to resume, when an earlier fetch was interrupted).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct DiscoverArgs {
    #[command(flatten)]
    pub prometheus: PromArgs,
    #[command(flatten)]
    pub subject: SubjectArgs,

    /// Output format on stdout; default: table on a terminal, json otherwise.
    #[arg(long, short = 'f', value_enum, env = "MEMGROWTH_FORMAT")]
    pub format: Option<Format>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A saved report.json (re-rendered as it is), or offline input (a bundle, Prometheus
    /// JSON, Grafana CSV, or a directory of them), which is analysed first.
    #[arg(
        long,
        short = 'i',
        value_name = "PATH",
        required = true,
        value_delimiter = ','
    )]
    pub input: Vec<PathBuf>,

    #[command(flatten)]
    pub subject: SubjectArgs,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
    #[command(flatten)]
    pub postmortem: super::postmortem::PostmortemArgs,
    #[command(flatten)]
    pub links: LinkArgs,

    /// The report directory to write.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: PathBuf,

    /// Mark these verdicts as failures in junit.xml and exit with code 1 when one appears.
    #[arg(
        long,
        value_name = "VERDICTS",
        value_delimiter = ',',
        env = "MEMGROWTH_FAIL_ON"
    )]
    pub fail_on: Vec<String>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The bundle directory (the one holding manifest.json).
    #[arg(value_name = "BUNDLE")]
    pub bundle: PathBuf,

    /// Output format on stdout: table (text for people) or json.
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,
}

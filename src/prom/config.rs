//! Validated settings of the Prometheus client: server URL and path prefix, credentials,
//! headers, tenant, timeouts, concurrency, TLS and the backend's per-query limit.

use super::auth::{Auth, ExtraHeader, Secret};
use super::errors::PromError;
use super::plan::{PROMETHEUS_MAX_POINTS, VICTORIA_MAX_POINTS};
use super::retry::RetryPolicy;
use reqwest::Url;
use std::path::PathBuf;
use std::time::Duration;

/// Which kind of server answers, which decides the points-per-series limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Backend {
    /// Prometheus, Thanos, Mimir, Cortex: 11,000 points per series.
    #[default]
    Prometheus,
    /// VictoriaMetrics: 30,000 points per series by default.
    VictoriaMetrics,
    /// A server with a known custom limit.
    Custom { max_points: u64 },
}

impl Backend {
    pub fn max_points(self) -> u64 {
        match self {
            Backend::Prometheus => PROMETHEUS_MAX_POINTS,
            Backend::VictoriaMetrics => VICTORIA_MAX_POINTS,
            Backend::Custom { max_points } => max_points.max(1),
        }
    }

    /// `prometheus`, `mimir`, `thanos`, `cortex`, `victoriametrics`/`vm`, or a number of points.
    pub fn parse(text: &str) -> Result<Self, PromError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "prometheus" | "mimir" | "thanos" | "cortex" => Ok(Backend::Prometheus),
            "victoriametrics" | "victoria-metrics" | "vm" => Ok(Backend::VictoriaMetrics),
            other => other
                .parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .map(|max_points| Backend::Custom { max_points })
                .ok_or_else(|| {
                    PromError::Config(format!(
                        "unknown backend `{text}`; use prometheus, mimir, thanos, victoriametrics or a points-per-series limit"
                    ))
                }),
        }
    }
}

/// Everything the client needs, validated before any I/O.
#[derive(Debug, Clone)]
pub struct PromConfig {
    /// Base URL, path prefix included (`http://mimir:8080/prometheus`); no userinfo.
    pub url: Url,
    pub auth: Auth,
    pub headers: Vec<ExtraHeader>,
    /// Sent as `X-Scope-OrgID` (Mimir, Cortex).
    pub tenant: Option<String>,
    pub connect_timeout: Duration,
    /// Per request, body included.
    pub request_timeout: Duration,
    /// Requests in flight at most.
    pub concurrency: usize,
    /// Skips TLS certificate verification (explicit opt-in only).
    pub insecure: bool,
    /// A PEM file with extra CA certificates to trust.
    pub ca_cert: Option<PathBuf>,
    pub backend: Backend,
    pub retry: RetryPolicy,
    /// Queries whose encoded parameters exceed this many bytes are sent as POST forms.
    pub post_threshold: usize,
    /// A response body longer than this is an error (`--max-response-size`).
    pub max_response_bytes: u64,
}

/// `--max-response-size` by default: 512 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 512 << 20;

impl PromConfig {
    /// Defaults for a server URL. Userinfo in the URL (`http://user:pass@host`) becomes
    /// basic auth and is removed from the URL; an optional `prefix` is appended to its path.
    pub fn new(url: &str, prefix: Option<&str>) -> Result<Self, PromError> {
        let bad = |reason: &str| PromError::InvalidUrl {
            url: redact_url_text(url),
            reason: reason.to_string(),
        };
        let mut parsed = Url::parse(url.trim()).map_err(|e| bad(&e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(bad("the scheme must be http or https"));
        }
        if parsed.host_str().is_none() {
            return Err(bad("the URL has no host"));
        }
        // `https:https://user:pass@host` or `https://host\user:pass@x` parse with the
        // credentials in the path, where they would be shown and stored as the location.
        // No Prometheus path holds `@`, so such a URL is refused rather than kept.
        if parsed.path().contains('@') {
            return Err(bad(
                "its path holds `@`; put credentials before the host (`https://user:pass@host`) or use --basic-auth-user",
            ));
        }
        let mut auth = Auth::None;
        // `https://:TOKEN@host` has an empty user and a password: still userinfo to remove.
        if !parsed.username().is_empty() || parsed.password().is_some() {
            let user = percent_decode(parsed.username());
            let password = percent_decode(parsed.password().unwrap_or(""));
            auth = Auth::Basic {
                user,
                password: Secret::new(password),
            };
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
        }
        parsed.set_query(None);
        parsed.set_fragment(None);
        let mut path = parsed.path().trim_end_matches('/').to_string();
        if let Some(prefix) = prefix
            .map(|p| p.trim_matches('/'))
            .filter(|p| !p.is_empty())
        {
            path.push('/');
            path.push_str(prefix);
        }
        // Mimir's `/prometheus` and similar prefixes: keep them, then a trailing slash so
        // that `api/v1/...` joins beneath them.
        let path = path.trim_end_matches("/api/v1").to_string();
        parsed.set_path(&format!("{path}/"));
        Ok(PromConfig {
            url: parsed,
            auth,
            headers: Vec::new(),
            tenant: None,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(120),
            concurrency: 8,
            insecure: false,
            ca_cert: None,
            backend: Backend::Prometheus,
            retry: RetryPolicy::default(),
            post_threshold: 4_096,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        })
    }

    /// The server URL as it may be shown and stored: no userinfo, no query.
    pub fn location(&self) -> String {
        self.url.as_str().trim_end_matches('/').to_string()
    }

    /// Checks the values a user can get wrong.
    pub fn validate(&self) -> Result<(), PromError> {
        if self.max_response_bytes == 0 {
            return Err(PromError::Config(
                "--max-response-size must be at least 1 byte".into(),
            ));
        }
        if self.concurrency == 0 {
            return Err(PromError::Config("--concurrency must be at least 1".into()));
        }
        if self.request_timeout.is_zero() || self.connect_timeout.is_zero() {
            return Err(PromError::Config("timeouts must be positive".into()));
        }
        if let Some(tenant) = &self.tenant {
            if tenant.is_empty() || reqwest::header::HeaderValue::from_str(tenant).is_err() {
                return Err(PromError::Config(format!(
                    "--tenant `{tenant}` is not a valid header value"
                )));
            }
        }
        Ok(())
    }
}

/// The client's settings as the command line collects them (flags and env vars), before
/// validation. Secrets are never values here: only the files (or env vars) holding them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PromSettings {
    /// `--prometheus` / `PROMETHEUS_URL`.
    pub url: String,
    /// An extra path prefix (`/prometheus` for Mimir) when not part of the URL.
    pub prefix: Option<String>,
    /// `--bearer-token-file`; else `MEMGROWTH_BEARER_TOKEN`.
    pub bearer_token_file: Option<PathBuf>,
    /// `--basic-auth-user`, with `--basic-auth-password-file` or `MEMGROWTH_BASIC_AUTH_PASSWORD`.
    pub basic_auth_user: Option<String>,
    pub basic_auth_password_file: Option<PathBuf>,
    /// `--header 'Name: value'`, repeatable.
    pub headers: Vec<String>,
    /// `--tenant` (X-Scope-OrgID).
    pub tenant: Option<String>,
    /// `--timeout`, a Prometheus duration (`2m`); default 2m.
    pub timeout: Option<String>,
    /// `--concurrency`; default 8.
    pub concurrency: Option<usize>,
    pub insecure: bool,
    pub ca_cert: Option<PathBuf>,
    /// `--backend`: prometheus, mimir, thanos, victoriametrics, or a points-per-series limit.
    pub backend: Option<String>,
}

impl PromConfig {
    /// Validates settings into a configuration: URL, credentials (read from their files
    /// or env vars now), headers, tenant, timeout, concurrency and backend.
    pub fn from_settings(settings: &PromSettings) -> Result<Self, PromError> {
        let mut config = PromConfig::new(&settings.url, settings.prefix.as_deref())?;
        let resolved = Auth::resolve(&super::auth::AuthSources {
            bearer_token_file: settings.bearer_token_file.as_deref(),
            basic_auth_user: settings.basic_auth_user.as_deref(),
            basic_auth_password_file: settings.basic_auth_password_file.as_deref(),
            ..Default::default()
        })?;
        match (&config.auth, resolved) {
            (_, Auth::None) => {}
            (Auth::None, auth) => config.auth = auth,
            _ => {
                return Err(PromError::Config(
                    "the URL carries credentials and other credentials are configured too; use one"
                        .into(),
                ));
            }
        }
        config.headers = settings
            .headers
            .iter()
            .map(|h| ExtraHeader::parse(h))
            .collect::<Result<_, _>>()?;
        config.tenant = settings.tenant.clone().filter(|t| !t.is_empty());
        if let Some(timeout) = &settings.timeout {
            let seconds = crate::units::parse_duration(timeout)
                .map_err(|e| PromError::Config(format!("--timeout: {e}")))?;
            config.request_timeout = Duration::from_secs_f64(seconds);
        }
        if let Some(n) = settings.concurrency {
            config.concurrency = n;
        }
        config.insecure = settings.insecure;
        config.ca_cert = settings.ca_cert.clone();
        if let Some(backend) = &settings.backend {
            config.backend = Backend::parse(backend)?;
        }
        config.validate()?;
        Ok(config)
    }
}

/// A URL for messages: userinfo and query removed even when the URL does not parse.
pub fn redact_url_text(url: &str) -> String {
    let without_query = url.split(['?', '#']).next().unwrap_or("");
    match without_query.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let host = authority.rsplit('@').next().unwrap_or("");
            // A path holding `@` may hold credentials typed in the wrong place.
            let path = if path.contains('@') { "/…" } else { path };
            format!("{scheme}://{host}{path}")
        }
        None => without_query.rsplit('@').next().unwrap_or("").to_string(),
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_join_under_the_base() {
        let c = PromConfig::new("http://mimir:8080/prometheus", None).unwrap();
        assert_eq!(
            c.url.join("api/v1/query").unwrap().as_str(),
            "http://mimir:8080/prometheus/api/v1/query"
        );
        let c = PromConfig::new("http://mimir:8080/", Some("/prometheus/")).unwrap();
        assert_eq!(c.location(), "http://mimir:8080/prometheus");
        let c = PromConfig::new("http://p:9090/api/v1", None).unwrap();
        assert_eq!(c.location(), "http://p:9090");
    }

    #[test]
    fn userinfo_becomes_basic_auth_and_leaves_the_url() {
        let c = PromConfig::new("https://alice:p%40ss@prom.example:443/x?token=abc", None).unwrap();
        assert_eq!(c.location(), "https://prom.example/x");
        match &c.auth {
            Auth::Basic { user, password } => {
                assert_eq!(user, "alice");
                assert_eq!(password.expose(), "p@ss");
            }
            other => panic!("{other:?}"),
        }
        assert!(!format!("{c:?}").contains("p@ss"));
        let err = PromConfig::new("ftp://bob:secret@x", None)
            .unwrap_err()
            .to_string();
        assert!(!err.contains("secret"), "{err}");
        assert_eq!(redact_url_text("http://u:pw@h:1/p?q=1"), "http://h:1/p");
    }

    #[test]
    fn a_password_without_a_user_leaves_the_url_too() {
        let c = PromConfig::new("https://:tok3n-secret@prom.example/", None).unwrap();
        assert_eq!(c.location(), "https://prom.example");
        assert!(!c.url.as_str().contains("tok3n-secret"));
        match &c.auth {
            Auth::Basic { user, password } => {
                assert_eq!(user, "");
                assert_eq!(password.expose(), "tok3n-secret");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn credentials_that_parse_into_the_path_are_refused_and_not_echoed() {
        for url in [
            "https:https://:pa55word-98@prom.example/",
            "https://prom.example\\u:pa55word-98@x/",
            "https://prom.example/a/u:pa55word-98@x",
        ] {
            let err = PromConfig::new(url, None).unwrap_err().to_string();
            assert!(err.contains("holds `@`"), "{url}: {err}");
            assert!(!err.contains("pa55word-98"), "{url}: {err}");
        }
    }

    #[test]
    fn settings_validate_into_a_config() {
        let dir = tempfile::tempdir().unwrap();
        let token = dir.path().join("token");
        std::fs::write(&token, "t0k\n").unwrap();
        let settings = PromSettings {
            url: "https://mimir.example:8080".into(),
            prefix: Some("prometheus".into()),
            bearer_token_file: Some(token),
            headers: vec!["X-Key: k".into()],
            tenant: Some("team".into()),
            timeout: Some("30s".into()),
            concurrency: Some(3),
            backend: Some("mimir".into()),
            ..PromSettings::default()
        };
        let c = PromConfig::from_settings(&settings).unwrap();
        assert_eq!(c.location(), "https://mimir.example:8080/prometheus");
        assert_eq!(c.auth, Auth::Bearer(Secret::new("t0k")));
        assert_eq!(c.request_timeout, Duration::from_secs(30));
        assert_eq!(c.concurrency, 3);
        assert_eq!(c.tenant.as_deref(), Some("team"));
        let bad = PromSettings {
            timeout: Some("soon".into()),
            ..settings.clone()
        };
        assert!(
            PromConfig::from_settings(&bad)
                .unwrap_err()
                .to_string()
                .contains("--timeout")
        );
        let bad = PromSettings {
            concurrency: Some(0),
            ..settings
        };
        assert!(PromConfig::from_settings(&bad).is_err());
    }

    #[test]
    fn backends_and_validation() {
        assert_eq!(Backend::parse("vm").unwrap().max_points(), 30_000);
        assert_eq!(Backend::parse("Mimir").unwrap().max_points(), 11_000);
        assert_eq!(Backend::parse("500").unwrap().max_points(), 500);
        assert!(Backend::parse("influx").is_err());
        let mut c = PromConfig::new("http://127.0.0.1:9090", None).unwrap();
        c.concurrency = 0;
        assert!(c.validate().is_err());
    }
}

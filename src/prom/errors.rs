//! Typed errors of the Prometheus client: transport faults, HTTP statuses, the API's
//! `errorType`s, and what the caller can do about each (retry, split the range, or stop).

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// The `errorType` of a Prometheus API error response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorType {
    BadData,
    Execution,
    Timeout,
    Canceled,
    Internal,
    NotFound,
    NotAcceptable,
    Unavailable,
    Other(String),
}

impl ErrorType {
    pub fn parse(text: &str) -> Self {
        match text {
            "bad_data" => ErrorType::BadData,
            "execution" => ErrorType::Execution,
            "timeout" => ErrorType::Timeout,
            "canceled" => ErrorType::Canceled,
            "internal" => ErrorType::Internal,
            "not_found" => ErrorType::NotFound,
            "not_acceptable" => ErrorType::NotAcceptable,
            "unavailable" => ErrorType::Unavailable,
            other => ErrorType::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            ErrorType::BadData => "bad_data",
            ErrorType::Execution => "execution",
            ErrorType::Timeout => "timeout",
            ErrorType::Canceled => "canceled",
            ErrorType::Internal => "internal",
            ErrorType::NotFound => "not_found",
            ErrorType::NotAcceptable => "not_acceptable",
            ErrorType::Unavailable => "unavailable",
            ErrorType::Other(s) => s,
        }
    }

    /// What a user can do about an error of this type.
    pub fn hint(&self) -> &'static str {
        match self {
            ErrorType::BadData => {
                "the query or its parameters were rejected; check the matchers and --step/--start/--end"
            }
            ErrorType::Execution => {
                "the server could not evaluate the query; a shorter --range or a larger --step may help"
            }
            ErrorType::Timeout => {
                "the server's query timeout was hit; a shorter --range, a larger --step or a lower --concurrency may help"
            }
            ErrorType::Canceled => {
                "the server canceled the query (shutdown or overload); try again"
            }
            ErrorType::Internal => "the server failed internally; check its logs",
            ErrorType::NotFound => {
                "the API endpoint does not exist there; check the URL and its path prefix (e.g. http://mimir:8080/prometheus)"
            }
            ErrorType::NotAcceptable => "the server refused the request format",
            ErrorType::Unavailable => "the server is unavailable; try again later",
            ErrorType::Other(_) => "see the server's message",
        }
    }
}

impl fmt::Display for ErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What failed below HTTP, which decides whether a retry can help and what to advise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportCause {
    /// Nothing listens at the address: retrying will not help (no retry storm).
    Refused,
    /// The host name does not resolve.
    Dns,
    /// The TLS handshake failed: an untrusted certificate, or TLS to a plain-HTTP port.
    Tls,
    /// The connection broke (reset, closed early): worth another try.
    Broken,
    Other,
}

impl TransportCause {
    /// Classifies an error chain (an HTTP client's error and its sources).
    pub fn of(error: &(dyn std::error::Error + 'static)) -> Self {
        let mut messages = String::new();
        let mut kinds = Vec::new();
        let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
        while let Some(e) = next {
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                kinds.push(io.kind());
            }
            messages.push_str(&e.to_string().to_ascii_lowercase());
            messages.push('\n');
            next = e.source();
        }
        use std::io::ErrorKind::*;
        const DNS: [&str; 3] = ["dns error", "failed to lookup address", "name resolution"];
        const TLS: [&str; 6] = [
            "certificate",
            "invalidcontenttype",
            "corrupt message",
            "handshake",
            "received fatal alert",
            "tls",
        ];
        let broken = [
            ConnectionReset,
            ConnectionAborted,
            BrokenPipe,
            UnexpectedEof,
        ];
        if kinds.contains(&ConnectionRefused) {
            TransportCause::Refused
        } else if DNS.iter().any(|m| messages.contains(m)) {
            TransportCause::Dns
        } else if TLS.iter().any(|m| messages.contains(m)) {
            TransportCause::Tls
        } else if kinds.iter().any(|k| broken.contains(k))
            || messages.contains("connection closed")
            || messages.contains("reset")
        {
            TransportCause::Broken
        } else {
            TransportCause::Other
        }
    }

    /// What a user can do about it.
    pub fn hint(self) -> &'static str {
        match self {
            TransportCause::Refused => {
                "nothing listens there: check the host and port in the URL and that the server is running"
            }
            TransportCause::Dns => {
                "the host name does not resolve: check its spelling in the URL and this machine's DNS settings"
            }
            TransportCause::Tls => {
                "the TLS handshake failed: check that the URL's scheme (http or https) matches the server; for a private CA pass --ca-cert FILE (or --insecure to skip verification)"
            }
            TransportCause::Broken => {
                "the connection broke off; check the network and any proxy between here and the server"
            }
            TransportCause::Other => {
                "check the URL, the network and TLS settings (--ca-cert, --insecure)"
            }
        }
    }
}

/// An error talking to a Prometheus-compatible server. Messages never contain credentials.
#[derive(Debug, thiserror::Error)]
pub enum PromError {
    #[error(
        "invalid Prometheus URL `{url}`: {reason}; give the server's base URL, such as https://prometheus.example:9090"
    )]
    InvalidUrl { url: String, reason: String },
    #[error(transparent)]
    Plan(#[from] super::plan::PlanError),
    /// A setting that cannot work; the message names the flag and what to do.
    #[error("{0}")]
    Config(String),
    #[error(
        "cannot read {what} from `{path}`: {reason}; check that the file exists and is readable"
    )]
    ReadFile {
        what: &'static str,
        path: String,
        reason: String,
    },
    #[error("cannot reach {endpoint}: {reason}; {}", cause.hint())]
    Transport {
        endpoint: String,
        reason: String,
        cause: TransportCause,
    },
    #[error(
        "{endpoint} answered more than {} (--max-response-size); raise --max-response-size, or ask for less: a shorter range, a larger --step, narrower --app/--container",
        crate::units::format_bytes(*limit as f64)
    )]
    TooLarge { endpoint: String, limit: u64 },
    #[error("{endpoint} did not answer within {after:?}; raise --timeout or lower --concurrency")]
    Timeout { endpoint: String, after: Duration },
    #[error("{endpoint} answered HTTP {status}{}: {excerpt}", retry_after.map(|d| format!(" (Retry-After {d:?})")).unwrap_or_default())]
    Http {
        endpoint: String,
        status: u16,
        retry_after: Option<Duration>,
        excerpt: String,
    },
    #[error(
        "{endpoint} answered with {content_type}, not the Prometheus API's JSON: {excerpt}; check the URL and its path prefix (Mimir: /prometheus)"
    )]
    NotJson {
        endpoint: String,
        content_type: String,
        excerpt: String,
    },
    #[error("{endpoint} returned unreadable JSON: {reason}")]
    Decode {
        endpoint: String,
        reason: String,
        /// The body ended early (a cut connection or a proxy limit): worth another try.
        truncated: bool,
    },
    #[error("{endpoint}: Prometheus error {error_type} (HTTP {status}): {message} ({})", error_type.hint())]
    Api {
        endpoint: String,
        status: u16,
        retry_after: Option<Duration>,
        error_type: ErrorType,
        message: String,
    },
    #[error(
        "the range cannot be split further (one step per query) and the server still refuses it: {last}"
    )]
    CannotSplit { last: Box<PromError> },
    #[error("gave up after {attempts} attempts: {last}")]
    RetriesExhausted { attempts: u32, last: Box<PromError> },
    #[error(
        "the server returned a `{got}` result where a `{expected}` was expected for {endpoint}"
    )]
    UnexpectedResult {
        endpoint: String,
        expected: &'static str,
        got: String,
    },
}

impl PromError {
    /// Whether trying the same request again may succeed (429, 5xx, timeouts, resets, truncation).
    pub fn is_retryable(&self) -> bool {
        match self {
            PromError::Transport { cause, .. } => {
                matches!(cause, TransportCause::Broken | TransportCause::Other)
            }
            PromError::Timeout { .. } => true,
            PromError::Decode { truncated, .. } => *truncated,
            PromError::Http { status, .. } => *status == 429 || *status >= 500,
            PromError::NotJson { .. } => false,
            PromError::Api {
                error_type, status, ..
            } => {
                matches!(
                    error_type,
                    ErrorType::Canceled | ErrorType::Unavailable | ErrorType::Internal
                ) || *status == 429
                    || (*status >= 502 && !self.needs_split())
            }
            _ => false,
        }
    }

    /// Whether the server refused the query for its size, so a shorter range will do.
    pub fn needs_split(&self) -> bool {
        match self {
            PromError::Api {
                error_type,
                message,
                ..
            } => *error_type == ErrorType::Timeout || message_asks_for_split(message),
            PromError::Http { excerpt, .. } => message_asks_for_split(excerpt),
            _ => false,
        }
    }

    /// Whether the request (or every retry of it) ran out of time: the client's timeout
    /// or a gateway's 504. A shorter range may then succeed where retries did not.
    pub fn is_timeout_like(&self) -> bool {
        match self {
            PromError::Timeout { .. } => true,
            PromError::Http { status, .. } => *status == 504,
            PromError::RetriesExhausted { last, .. } => last.is_timeout_like(),
            _ => false,
        }
    }

    /// The server's Retry-After, when it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            PromError::Http { retry_after, .. } | PromError::Api { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }
}

/// The first connection failure that retrying cannot fix (refused, a name that does not
/// resolve, a failed TLS handshake), shared by a client's concurrent requests so that the
/// requests after it fail at once with it instead of each knocking again.
#[derive(Debug, Clone, Default)]
pub(crate) struct Unreachable(Arc<OnceLock<(String, String, TransportCause)>>);

impl Unreachable {
    /// Fails with the recorded failure, if there is one.
    pub(crate) fn check(&self) -> Result<(), PromError> {
        match self.0.get() {
            Some((endpoint, reason, cause)) => Err(PromError::Transport {
                endpoint: endpoint.clone(),
                reason: reason.clone(),
                cause: *cause,
            }),
            None => Ok(()),
        }
    }

    /// Records `error` when it is such a failure; returns it.
    pub(crate) fn note(&self, error: PromError) -> PromError {
        if let PromError::Transport {
            endpoint,
            reason,
            cause,
        } = &error
            && !error.is_retryable()
        {
            let _ = self.0.set((endpoint.clone(), reason.clone(), *cause));
        }
        error
    }
}

impl PromError {
    /// A transport error for `endpoint` from an HTTP client's error: its causes, without
    /// the wrappers that say nothing ("error sending request", "client error (Connect)"),
    /// classified so that a refused connection, a name that does not resolve and a failed
    /// TLS handshake fail at once with advice, while a broken connection is retried.
    pub fn transport(endpoint: &str, error: &(dyn std::error::Error + 'static)) -> PromError {
        const WRAPPERS: [&str; 3] = [
            "error sending request",
            "client error (Connect)",
            "client error (SendRequest)",
        ];
        let mut parts: Vec<String> = Vec::new();
        let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
        while let Some(e) = next {
            let text = e.to_string();
            let text = text.trim();
            let repeated = parts.last().is_some_and(|last| last.contains(text));
            if !text.is_empty() && !WRAPPERS.contains(&text) && !repeated {
                parts.push(text.to_string());
            }
            next = e.source();
        }
        PromError::Transport {
            endpoint: endpoint.to_string(),
            reason: if parts.is_empty() {
                "the connection failed".to_string()
            } else {
                parts.join(": ")
            },
            cause: TransportCause::of(error),
        }
    }

    /// The error with every one of `secrets` (see [`super::auth::secret_forms`]) cut out
    /// of the text that came from the server or the network: a proxy's error page, an
    /// API message or a transport cause that echoes the request's credentials.
    pub fn redact(self, secrets: &[String]) -> PromError {
        if secrets.is_empty() {
            return self;
        }
        let r = |text: String| redact_text(text, secrets);
        match self {
            PromError::InvalidUrl { url, reason } => PromError::InvalidUrl {
                url: r(url),
                reason: r(reason),
            },
            PromError::Config(message) => PromError::Config(r(message)),
            PromError::Transport {
                endpoint,
                reason,
                cause,
            } => PromError::Transport {
                endpoint: r(endpoint),
                reason: r(reason),
                cause,
            },
            PromError::Timeout { endpoint, after } => PromError::Timeout {
                endpoint: r(endpoint),
                after,
            },
            PromError::TooLarge { endpoint, limit } => PromError::TooLarge {
                endpoint: r(endpoint),
                limit,
            },
            PromError::Http {
                endpoint,
                status,
                retry_after,
                excerpt,
            } => PromError::Http {
                endpoint: r(endpoint),
                status,
                retry_after,
                excerpt: r(excerpt),
            },
            PromError::NotJson {
                endpoint,
                content_type,
                excerpt,
            } => PromError::NotJson {
                endpoint: r(endpoint),
                content_type: r(content_type),
                excerpt: r(excerpt),
            },
            PromError::Decode {
                endpoint,
                reason,
                truncated,
            } => PromError::Decode {
                endpoint: r(endpoint),
                reason: r(reason),
                truncated,
            },
            PromError::Api {
                endpoint,
                status,
                retry_after,
                error_type,
                message,
            } => PromError::Api {
                endpoint: r(endpoint),
                status,
                retry_after,
                error_type: match error_type {
                    ErrorType::Other(t) => ErrorType::Other(r(t)),
                    known => known,
                },
                message: r(message),
            },
            PromError::CannotSplit { last } => PromError::CannotSplit {
                last: Box::new(last.redact(secrets)),
            },
            PromError::RetriesExhausted { attempts, last } => PromError::RetriesExhausted {
                attempts,
                last: Box::new(last.redact(secrets)),
            },
            PromError::UnexpectedResult {
                endpoint,
                expected,
                got,
            } => PromError::UnexpectedResult {
                endpoint: r(endpoint),
                expected,
                got: r(got),
            },
            PromError::ReadFile { what, path, reason } => PromError::ReadFile {
                what,
                path,
                reason: r(reason),
            },
            other @ PromError::Plan(_) => other,
        }
    }
}

/// `text` with every one of `secrets` (longest first) replaced by `<redacted>`, and a
/// secret's beginning too where the text was cut short inside it (an excerpt of a body).
pub fn redact_text(text: String, secrets: &[String]) -> String {
    // First the tail, while the secret's beginning is still whole there.
    let (body, ellipsis) = match text.strip_suffix('…') {
        Some(body) => (body, "…"),
        None => (text.as_str(), ""),
    };
    let cut = secrets.iter().find_map(|secret| {
        (MIN_CUT_LEN..secret.len())
            .rev()
            .filter_map(|k| secret.get(..k))
            .find(|prefix| body.ends_with(prefix))
    });
    let mut out = match cut {
        Some(prefix) => format!("{}<redacted>{ellipsis}", &body[..body.len() - prefix.len()]),
        None => text,
    };
    for secret in secrets {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), "<redacted>");
        }
    }
    out
}

/// The shortest beginning of a secret that is cut from the end of an excerpt.
const MIN_CUT_LEN: usize = 3;

/// Messages with which Prometheus, Mimir, Thanos and VictoriaMetrics refuse a too-large query.
pub fn message_asks_for_split(message: &str) -> bool {
    const MARKERS: [&str; 9] = [
        "exceeded maximum resolution",
        "too many samples",
        "query processing would load too many samples",
        "maxPointsPerTimeseries",
        "maxSamplesPerQuery",
        "cannot select more than",
        "the query time range exceeds the limit",
        "max number of chunks",
        "maximum number of chunks",
    ];
    MARKERS.iter().any(|m| message.contains(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(error_type: &str, message: &str, status: u16) -> PromError {
        PromError::Api {
            endpoint: "/api/v1/query_range".into(),
            status,
            retry_after: None,
            error_type: ErrorType::parse(error_type),
            message: message.into(),
        }
    }

    #[test]
    fn resolution_and_sample_limits_ask_for_a_split() {
        let e = api(
            "bad_data",
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
            400,
        );
        assert!(e.needs_split());
        assert!(!e.is_retryable());
        let e = api(
            "execution",
            "query processing would load too many samples into memory in query execution",
            422,
        );
        assert!(e.needs_split());
        assert!(api("timeout", "query timed out in expression evaluation", 503).needs_split());
        assert!(!api("bad_data", "parse error at char 3", 400).needs_split());
    }

    #[test]
    fn retryable_statuses() {
        let http = |status| PromError::Http {
            endpoint: "x".into(),
            status,
            retry_after: None,
            excerpt: String::new(),
        };
        assert!(http(429).is_retryable());
        assert!(http(503).is_retryable());
        assert!(!http(404).is_retryable());
        assert!(!http(401).is_retryable());
        assert!(api("canceled", "", 503).is_retryable());
        assert!(!api("bad_data", "", 400).is_retryable());
    }

    #[test]
    fn redaction_reaches_nested_errors_and_every_text() {
        let secrets = vec!["s3cret-value".to_string(), "s3cret".to_string()];
        let inner = PromError::Http {
            endpoint: "http://h/api/v1/query_range".into(),
            status: 400,
            retry_after: None,
            excerpt: "echo: Authorization: Bearer s3cret-value; x: s3cret".into(),
        };
        let e = PromError::RetriesExhausted {
            attempts: 3,
            last: Box::new(inner),
        }
        .redact(&secrets);
        let text = e.to_string();
        assert!(!text.contains("s3cret"), "{text}");
        assert_eq!(text.matches("<redacted>").count(), 2, "{text}");
        let api = api("bad_data", "you sent s3cret-value", 400).redact(&secrets);
        assert!(!api.to_string().contains("s3cret"), "{api}");
        // An excerpt cut inside a secret loses the part it shows.
        let cut = redact_text("x-key: s3cret-va…".into(), &secrets);
        assert_eq!(cut, "x-key: <redacted>…");
        assert_eq!(redact_text("plain".into(), &secrets), "plain");
    }

    #[test]
    fn transport_causes_decide_retries() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let e = PromError::transport("http://h:1/api/v1/query", &refused);
        assert!(!e.is_retryable(), "{e}");
        assert!(e.to_string().contains("nothing listens there"), "{e}");
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert!(PromError::transport("x", &reset).is_retryable());
        let dns = std::io::Error::other("dns error: failed to lookup address information");
        let e = PromError::transport("x", &dns);
        assert!(
            !e.is_retryable() && e.to_string().contains("does not resolve"),
            "{e}"
        );
        let tls = std::io::Error::other("received corrupt message of type InvalidContentType");
        let e = PromError::transport("x", &tls);
        assert!(
            !e.is_retryable() && e.to_string().contains("--ca-cert"),
            "{e}"
        );
    }

    #[test]
    fn every_error_type_has_a_name_and_hint() {
        for name in [
            "bad_data",
            "execution",
            "timeout",
            "canceled",
            "internal",
            "not_found",
            "not_acceptable",
        ] {
            let t = ErrorType::parse(name);
            assert_eq!(t.as_str(), name);
            assert!(!matches!(t, ErrorType::Other(_)));
            assert!(!t.hint().is_empty());
        }
    }
}

//! Typed errors of the Prometheus client: transport faults, HTTP statuses, the API's
//! `errorType`s, and what the caller can do about each (retry, split the range, or stop).

use std::fmt;
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

/// An error talking to a Prometheus-compatible server. Messages never contain credentials.
#[derive(Debug, thiserror::Error)]
pub enum PromError {
    #[error("invalid Prometheus URL `{url}`: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error(transparent)]
    Plan(#[from] super::plan::PlanError),
    #[error("invalid setting: {0}")]
    Config(String),
    #[error("cannot read {what} from `{path}`: {reason}")]
    ReadFile {
        what: &'static str,
        path: String,
        reason: String,
    },
    #[error(
        "cannot reach {endpoint}: {reason}; check the URL, the network and TLS settings (--ca-cert, --insecure)"
    )]
    Transport { endpoint: String, reason: String },
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
            PromError::Transport { .. } | PromError::Timeout { .. } => true,
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

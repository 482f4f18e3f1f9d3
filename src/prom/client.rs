//! The HTTP client for the Prometheus API (`query_range`, `query`, `series`, `labels`):
//! GET, or a POST form for long queries; gzip; timeouts; TLS verification on unless
//! `--insecure`; extra CAs; bounded concurrency and retries. Range queries are planned
//! into chunks, fetched concurrently, split further when the server refuses their size,
//! and stitched so every sample appears once.

use super::auth::{Auth, SecretForms, TENANT_HEADER, secret_forms};
use super::config::PromConfig;
use super::decode::{Decoded, decode_error, decode_names, decode_query, decode_series};
use super::errors::{PromError, Unreachable};
use super::plan::{Chunk, RangePlan, plan_range};
use super::retry::{RetryPolicy, parse_retry_after};
use crate::series::{Labels, RawSeries, merge_by_labels};
use futures_util::StreamExt;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use reqwest::{Client, Url};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

/// How often a chunk's range is halved because every retry of it timed out.
const MAX_TIMEOUT_SPLITS: u32 = 2;

/// Counters of what the client did, read by progress displays.
#[derive(Debug, Default)]
pub struct ClientStats {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
    pub splits: AtomicU64,
    /// Milliseconds spent waiting before retries (backoff and Retry-After).
    pub retry_wait_ms: AtomicU64,
    pub bytes: AtomicU64,
    pub samples: AtomicU64,
}

/// The answer of a range query: stitched series and the server's warnings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RangeResult {
    pub series: Vec<RawSeries>,
    /// Distinct warnings (e.g. Thanos partial responses), in the order first seen.
    pub warnings: Vec<String>,
}

/// A client for one Prometheus-compatible server. Cheap to clone.
#[derive(Clone)]
pub struct PromClient {
    http: Client,
    base: Url,
    location: String,
    auth: Auth,
    headers: HeaderMap,
    permits: Arc<Semaphore>,
    concurrency: usize,
    retry: RetryPolicy,
    max_points: u64,
    request_timeout: Duration,
    post_threshold: usize,
    max_response_bytes: u64,
    stats: Arc<ClientStats>,
    /// Cut out of every error, in case the server echoes them.
    secrets: SecretForms,
    /// Set by the first refused, unresolvable or TLS-failed connection: later requests
    /// fail with it at once instead of knocking again.
    unreachable: Unreachable,
}

impl std::fmt::Debug for PromClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PromClient")
            .field("location", &self.location)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

impl PromClient {
    pub fn new(config: &PromConfig) -> Result<Self, PromError> {
        config.validate()?;
        let mut builder = Client::builder()
            .gzip(true)
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(concat!("memgrowth/", env!("CARGO_PKG_VERSION")));
        if config.insecure {
            builder = builder.danger_accept_invalid_certs(true);
        }
        if let Some(path) = &config.ca_cert {
            let read_err = |reason: String| PromError::ReadFile {
                what: "the CA certificate",
                path: path.display().to_string(),
                reason,
            };
            let pem = std::fs::read(path).map_err(|e| read_err(e.to_string()))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| read_err(format!("not a PEM certificate bundle: {e}")))?;
            if certs.is_empty() {
                return Err(read_err(
                    "no PEM certificate (-----BEGIN CERTIFICATE-----) in the file".to_string(),
                ));
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder
            .build()
            .map_err(|e| PromError::Config(format!("cannot build the HTTP client: {e}")))?;
        let mut headers = HeaderMap::new();
        for h in &config.headers {
            let name = HeaderName::from_bytes(h.name.as_bytes())
                .map_err(|_| PromError::Config(format!("invalid header name `{}`", h.name)))?;
            let mut value = HeaderValue::from_str(h.value.expose())
                .map_err(|_| PromError::Config(format!("invalid value for header `{}`", h.name)))?;
            value.set_sensitive(true);
            headers.append(name, value);
        }
        if let Some(tenant) = &config.tenant {
            let value = HeaderValue::from_str(tenant)
                .map_err(|_| PromError::Config(format!("invalid --tenant `{tenant}`")))?;
            headers.insert(TENANT_HEADER, value);
        }
        Ok(PromClient {
            http,
            base: config.url.clone(),
            location: config.location(),
            auth: config.auth.clone(),
            headers,
            permits: Arc::new(Semaphore::new(config.concurrency)),
            concurrency: config.concurrency,
            retry: config.retry.clone(),
            max_points: config.backend.max_points(),
            request_timeout: config.request_timeout,
            post_threshold: config.post_threshold,
            max_response_bytes: config.max_response_bytes,
            stats: Arc::new(ClientStats::default()),
            secrets: secret_forms(&config.auth, &config.headers),
            unreachable: Unreachable::default(),
        })
    }

    /// The server URL without credentials, for reports and manifests.
    pub fn location(&self) -> &str {
        &self.location
    }

    pub fn stats(&self) -> &Arc<ClientStats> {
        &self.stats
    }

    /// Requests the client keeps in flight at most.
    pub fn max_concurrency(&self) -> usize {
        self.concurrency
    }

    /// Points per series the backend answers in one query.
    pub fn max_points(&self) -> u64 {
        self.max_points
    }

    /// Plans a range query (aligned, chunked) without running it. Times in Unix seconds.
    pub fn plan(&self, start: f64, end: f64, step: f64) -> Result<RangePlan, PromError> {
        Ok(plan_range(
            seconds_to_ms(start),
            seconds_to_ms(end),
            seconds_to_ms(step),
            self.max_points,
        )?)
    }

    /// A range query over any span: planned, chunked, fetched concurrently, retried,
    /// split when the server refuses a chunk's size, stitched. Times in Unix seconds.
    pub async fn query_range(
        &self,
        promql: &str,
        start: f64,
        end: f64,
        step: f64,
    ) -> Result<RangeResult, PromError> {
        let plan = self.plan(start, end, step)?;
        let step_ms = plan.step_ms;
        let results: Vec<Result<Decoded, PromError>> = futures_util::stream::iter(plan.chunks)
            .map(|chunk| self.query_chunk(promql, chunk, step_ms))
            .buffer_unordered(self.concurrency.max(1) * 2)
            .collect()
            .await;
        let mut series = Vec::new();
        let mut warnings = Vec::new();
        for result in results {
            let decoded = result?;
            series.extend(decoded.series);
            add_warnings(&mut warnings, decoded.warnings);
        }
        Ok(RangeResult {
            series: merge_by_labels(series),
            warnings,
        })
    }

    /// One chunk of a range query, split in halves (and so on) while the server refuses
    /// its size ("exceeded maximum resolution", "too many samples", query timeouts).
    pub async fn query_chunk(
        &self,
        promql: &str,
        chunk: Chunk,
        step_ms: i64,
    ) -> Result<Decoded, PromError> {
        // Chunks still to fetch, with how often their range was halved after timeouts.
        let mut pending = vec![(chunk, 0u32)];
        let mut out = Decoded {
            result_type: "matrix".to_string(),
            ..Decoded::default()
        };
        while let Some((part, timeout_splits)) = pending.pop() {
            let params = [
                ("query", promql.to_string()),
                ("start", ms_to_param(part.start_ms)),
                ("end", ms_to_param(part.end_ms)),
                ("step", ms_to_param(step_ms)),
            ];
            let mut retried = Vec::new();
            let answer = self
                .call_noting("api/v1/query_range", &params, decode_query, |e| {
                    retried.push(e)
                })
                .await;
            for why in retried {
                out.notes
                    .push(("retried", format!("{}: {why}", range_text(part))));
            }
            match answer {
                Ok(decoded) => {
                    if decoded.result_type != "matrix" {
                        return Err(PromError::UnexpectedResult {
                            endpoint: "api/v1/query_range".to_string(),
                            expected: "matrix",
                            got: decoded.result_type,
                        });
                    }
                    let samples: usize = decoded.series.iter().map(RawSeries::len).sum();
                    self.stats
                        .samples
                        .fetch_add(samples as u64, Ordering::Relaxed);
                    out.series.extend(decoded.series);
                    add_warnings(&mut out.warnings, decoded.warnings);
                }
                // Refused for its size, or timed out on every retry (at most
                // MAX_TIMEOUT_SPLITS times, so a dead server does not multiply requests).
                Err(e)
                    if e.needs_split()
                        || (e.is_timeout_like() && timeout_splits < MAX_TIMEOUT_SPLITS) =>
                {
                    let splits = timeout_splits + u32::from(!e.needs_split());
                    match part.halve(step_ms) {
                        Some((a, b)) => {
                            self.stats.splits.fetch_add(1, Ordering::Relaxed);
                            out.notes
                                .push(("halved", format!("{}: {e}", range_text(part))));
                            pending.push((b, splits));
                            pending.push((a, splits));
                        }
                        None => return Err(PromError::CannotSplit { last: Box::new(e) }),
                    }
                }
                Err(e) => return Err(e),
            }
        }
        out.series = merge_by_labels(out.series);
        Ok(out)
    }

    /// An instant query at `time` (Unix seconds), or now when `None`.
    pub async fn query(&self, promql: &str, time: Option<f64>) -> Result<Decoded, PromError> {
        let mut params = vec![("query", promql.to_string())];
        if let Some(t) = time {
            params.push(("time", ms_to_param(seconds_to_ms(t))));
        }
        self.call("api/v1/query", &params, decode_query).await
    }

    /// Label sets of the series matching any of `matchers` in `[start, end]`.
    pub async fn series(
        &self,
        matchers: &[String],
        start: f64,
        end: f64,
    ) -> Result<Vec<Labels>, PromError> {
        let mut params: Vec<(&str, String)> =
            matchers.iter().map(|m| ("match[]", m.clone())).collect();
        params.push(("start", ms_to_param(seconds_to_ms(start))));
        params.push(("end", ms_to_param(seconds_to_ms(end))));
        Ok(self.call("api/v1/series", &params, decode_series).await?.0)
    }

    /// Label names, optionally only of series matching `matchers`.
    pub async fn labels(&self, matchers: &[String]) -> Result<Vec<String>, PromError> {
        let params: Vec<(&str, String)> = matchers.iter().map(|m| ("match[]", m.clone())).collect();
        Ok(self.call("api/v1/labels", &params, decode_names).await?.0)
    }

    /// One API call with retries; `decode` turns a 2xx JSON body into the answer.
    async fn call<T: Send + 'static>(
        &self,
        path: &'static str,
        params: &[(&str, String)],
        decode: fn(&[u8], &str, u16) -> Result<T, PromError>,
    ) -> Result<T, PromError> {
        self.call_noting(path, params, decode, |_| {}).await
    }

    /// Like `call`; `retried` hears why each retry was needed.
    async fn call_noting<T: Send + 'static>(
        &self,
        path: &'static str,
        params: &[(&str, String)],
        decode: fn(&[u8], &str, u16) -> Result<T, PromError>,
        mut retried: impl FnMut(String),
    ) -> Result<T, PromError> {
        self.retry
            .run(
                || self.attempt(path, params, decode),
                |error, delay| {
                    retried(format!("{error} (retried after {} ms)", delay.as_millis()));
                    self.stats.retries.fetch_add(1, Ordering::Relaxed);
                    self.stats
                        .retry_wait_ms
                        .fetch_add(delay.as_millis() as u64, Ordering::Relaxed);
                },
            )
            .await
            // A server may echo the request's credentials back (an error page, a message).
            .map_err(|e| e.redact(self.secrets.as_slice()))
    }

    async fn attempt<T: Send + 'static>(
        &self,
        path: &'static str,
        params: &[(&str, String)],
        decode: fn(&[u8], &str, u16) -> Result<T, PromError>,
    ) -> Result<T, PromError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| PromError::Config("the client was shut down".to_string()))?;
        self.unreachable.check()?;
        let url = self.base.join(path).map_err(|e| PromError::InvalidUrl {
            url: self.location.clone(),
            reason: e.to_string(),
        })?;
        let endpoint = format!("{}/{path}", self.location);
        let request = if encoded_query_len(&url, params) > self.post_threshold {
            self.http.post(url).form(params)
        } else {
            self.http.get(url).query(params)
        };
        let request = match &self.auth {
            Auth::None => request,
            Auth::Bearer(token) => request.bearer_auth(token.expose()),
            Auth::Basic { user, password } => request.basic_auth(user, Some(password.expose())),
        }
        .headers(self.headers.clone());
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        let response = request
            .send()
            .await
            .map_err(|e| self.unreachable.note(self.transport_error(&endpoint, e)))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, chrono::Utc::now()));
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = self.read_body(response, &endpoint).await?;
        self.stats
            .bytes
            .fetch_add(body.len() as u64, Ordering::Relaxed);
        let looks_json = content_type.contains("json")
            || body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
        if !(200..300).contains(&status) {
            if looks_json {
                if let Some(PromError::Api {
                    endpoint,
                    error_type,
                    message,
                    ..
                }) = decode_error(&body, &endpoint, status)
                {
                    return Err(PromError::Api {
                        endpoint,
                        status,
                        retry_after,
                        error_type,
                        message,
                    });
                }
            }
            return Err(PromError::Http {
                endpoint,
                status,
                retry_after,
                excerpt: excerpt(&body),
            });
        }
        if !looks_json {
            return Err(PromError::NotJson {
                endpoint,
                content_type: if content_type.is_empty() {
                    "no content type".to_string()
                } else {
                    content_type
                },
                excerpt: excerpt(&body),
            });
        }
        let answer = if body.len() > 1 << 20 {
            // Large bodies are decoded off the async workers.
            let endpoint = endpoint.clone();
            tokio::task::spawn_blocking(move || decode(&body, &endpoint, status))
                .await
                .map_err(|e| PromError::Decode {
                    endpoint: endpoint_name(path),
                    reason: e.to_string(),
                    truncated: false,
                })?
        } else {
            decode(&body, &endpoint, status)
        }?;
        Ok(answer)
    }

    /// The response body, read piece by piece up to `--max-response-size`: a longer one
    /// (announced or sent) fails before it fills memory.
    async fn read_body(
        &self,
        mut response: reqwest::Response,
        endpoint: &str,
    ) -> Result<Vec<u8>, PromError> {
        let limit = self.max_response_bytes;
        let too_large = || PromError::TooLarge {
            endpoint: endpoint.to_string(),
            limit,
        };
        let announced = response.content_length().unwrap_or(0);
        if announced > limit {
            return Err(too_large());
        }
        let mut body = Vec::with_capacity(announced as usize);
        while let Some(piece) = response
            .chunk()
            .await
            .map_err(|e| self.transport_error(endpoint, e))?
        {
            if (body.len() + piece.len()) as u64 > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&piece);
        }
        Ok(body)
    }

    fn transport_error(&self, endpoint: &str, error: reqwest::Error) -> PromError {
        // A connect timeout means the server is unreachable, not that the query is slow.
        if error.is_timeout() && !error.is_connect() {
            return PromError::Timeout {
                endpoint: endpoint.to_string(),
                after: self.request_timeout,
            };
        }
        // The URL (with the query) is named by `endpoint`; the error chain names the cause.
        PromError::transport(endpoint, &error.without_url())
    }
}

fn endpoint_name(path: &str) -> String {
    path.to_string()
}

/// The first 200 characters of a body, HTML tags and runs of whitespace removed.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    let mut out = String::new();
    let mut in_tag = false;
    let mut last_space = true;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                if !last_space {
                    out.push(' ');
                    last_space = true;
                }
            }
            _ if in_tag => {}
            c if c.is_whitespace() => {
                if !last_space {
                    out.push(' ');
                    last_space = true;
                }
            }
            c => {
                out.push(c);
                last_space = false;
            }
        }
        if out.chars().count() >= 200 {
            out.push('…');
            break;
        }
    }
    let out = out.trim().to_string();
    if out.is_empty() {
        "(empty body)".to_string()
    } else {
        out
    }
}

/// A chunk's range for the manifest: `2025-11-01T00:00:00Z..2025-11-02T00:00:00Z`.
fn range_text(chunk: Chunk) -> String {
    format!(
        "{}..{}",
        crate::units::rfc3339(chunk.start_ms as f64 / 1000.0),
        crate::units::rfc3339(chunk.end_ms as f64 / 1000.0)
    )
}

fn add_warnings(into: &mut Vec<String>, new: Vec<String>) {
    for w in new {
        if !into.contains(&w) {
            into.push(w);
        }
    }
}

/// A multi-threaded async runtime for the synchronous command line to run the client on.
pub fn runtime() -> Result<tokio::runtime::Runtime, PromError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| PromError::Config(format!("cannot start the async runtime: {e}")))
}

/// Unix seconds to milliseconds.
pub fn seconds_to_ms(seconds: f64) -> i64 {
    (seconds * 1000.0).round() as i64
}

/// Milliseconds as the API's decimal seconds (`1700000000.5`).
fn ms_to_param(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let abs = ms.unsigned_abs();
    let (secs, frac) = (abs / 1000, abs % 1000);
    if frac == 0 {
        format!("{sign}{secs}")
    } else {
        format!("{sign}{secs}.{frac:03}")
    }
}

/// The length of the query string a GET would send: the parameters URL-encoded as the
/// request encodes them (`{`, `"`, `=~`, `|` and `,` take three bytes each), so a long
/// PromQL selector goes as a POST form before a server or proxy rejects its URL.
fn encoded_query_len(url: &Url, params: &[(&str, String)]) -> usize {
    let mut url = url.clone();
    url.query_pairs_mut()
        .extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())));
    url.query().map_or(0, str::len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_post_decision_measures_the_encoded_query() {
        let url = Url::parse("http://127.0.0.1:9090/api/v1/query_range").expect("a URL");
        // Each of `{"=~|,` (and the space) is three bytes once encoded; `}` too.
        let query = r#"m{a=~"x|y",b="z"}"#.to_string();
        let len = encoded_query_len(&url, &[("query", query.clone())]);
        assert_eq!(
            len,
            "query=".len() + "m%7Ba%3D%7E%22x%7Cy%22%2Cb%3D%22z%22%7D".len()
        );
        assert!(len > "query=".len() + query.len());
        assert_eq!(encoded_query_len(&url, &[]), 0);
    }

    #[test]
    fn params_are_exact_decimal_seconds() {
        assert_eq!(ms_to_param(1_700_000_000_000), "1700000000");
        assert_eq!(ms_to_param(1_500), "1.500");
        assert_eq!(ms_to_param(-1_500), "-1.500");
        assert_eq!(seconds_to_ms(1.5), 1_500);
    }

    #[test]
    fn html_excerpts_are_readable() {
        let e = excerpt(b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>");
        assert_eq!(e, "502 Bad Gateway 502 Bad Gateway");
        assert_eq!(excerpt(b""), "(empty body)");
    }
}

//! Retries: exponential backoff with jitter on 429, 5xx, timeouts and broken responses,
//! honouring the server's Retry-After (capped), with a bounded number of attempts.

use super::errors::PromError;
use rand::Rng;
use std::future::Future;
use std::time::Duration;

/// How failed requests are retried.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (1 means no retry).
    pub max_attempts: u32,
    /// The backoff before the first retry; it doubles with every attempt.
    pub base_delay: Duration,
    /// The backoff never exceeds this.
    pub max_delay: Duration,
    /// A server's Retry-After is honoured up to this long.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The delay before retry number `retry` (0 for the first retry): "equal jitter",
    /// uniformly in [d/2, d] with d = min(max_delay, base_delay * 2^retry), so concurrent
    /// clients spread out yet never retry immediately.
    pub fn backoff(&self, retry: u32, rng: &mut impl Rng) -> Duration {
        let factor = 2u32.saturating_pow(retry.min(30));
        let full = self.base_delay.saturating_mul(factor).min(self.max_delay);
        let half = full / 2;
        let jitter_ms = half.as_millis() as u64;
        let extra = if jitter_ms == 0 {
            0
        } else {
            rng.random_range(0..=jitter_ms)
        };
        half + Duration::from_millis(extra)
    }

    /// The delay before a retry after `error`: the server's Retry-After when it sent one
    /// (capped at `max_retry_after`), never shorter than the backoff.
    pub fn delay_for(&self, error: &PromError, retry: u32, rng: &mut impl Rng) -> Duration {
        let backoff = self.backoff(retry, rng);
        match error.retry_after() {
            Some(after) => after.min(self.max_retry_after).max(backoff),
            None => backoff,
        }
    }

    /// Runs `attempt` until it succeeds, fails with an error that retrying cannot fix, or
    /// the attempts are used up. `on_retry` hears about each retry (for progress/logs).
    pub async fn run<T, F, Fut>(
        &self,
        mut attempt: F,
        mut on_retry: impl FnMut(&PromError, Duration),
    ) -> Result<T, PromError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, PromError>>,
    {
        let attempts = self.max_attempts.max(1);
        let mut retry = 0;
        loop {
            match attempt().await {
                Ok(value) => return Ok(value),
                Err(error) if error.is_retryable() && retry + 1 < attempts => {
                    let delay = self.delay_for(&error, retry, &mut rand::rng());
                    on_retry(&error, delay);
                    tokio::time::sleep(delay).await;
                    retry += 1;
                }
                Err(error) if error.is_retryable() && attempts > 1 => {
                    return Err(PromError::RetriesExhausted {
                        attempts,
                        last: Box::new(error),
                    });
                }
                Err(error) => return Err(error),
            }
        }
    }
}

/// Parses a Retry-After header: delay seconds or an HTTP date (RFC 9110).
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - now;
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let policy = RetryPolicy::default();
        for seed in 0..200 {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            for retry in 0..12 {
                let d = policy.backoff(retry, &mut rng);
                let full = policy
                    .base_delay
                    .saturating_mul(1 << retry)
                    .min(policy.max_delay);
                assert!(
                    d >= full / 2 && d <= full,
                    "retry {retry}: {d:?} vs {full:?}"
                );
            }
        }
        // Jitter: different seeds give different delays.
        let delays: std::collections::BTreeSet<_> = (0..50)
            .map(|seed| policy.backoff(3, &mut rand_chacha::ChaCha8Rng::seed_from_u64(seed)))
            .collect();
        assert!(delays.len() > 10);
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let policy = RetryPolicy::default();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let err = |secs| PromError::Http {
            endpoint: "x".into(),
            status: 429,
            retry_after: Some(Duration::from_secs(secs)),
            excerpt: String::new(),
        };
        assert_eq!(
            policy.delay_for(&err(7), 0, &mut rng),
            Duration::from_secs(7)
        );
        assert_eq!(
            policy.delay_for(&err(3600), 0, &mut rng),
            policy.max_retry_after
        );
        let now = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(parse_retry_after("12", now), Some(Duration::from_secs(12)));
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 2026 00:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[tokio::test]
    async fn retries_until_success_and_stops_on_fatal_errors() {
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
            ..RetryPolicy::default()
        };
        let calls = AtomicU32::new(0);
        let result = policy
            .run(
                || async {
                    if calls.fetch_add(1, Ordering::SeqCst) < 3 {
                        Err(PromError::Http {
                            endpoint: "x".into(),
                            status: 503,
                            retry_after: None,
                            excerpt: String::new(),
                        })
                    } else {
                        Ok(42)
                    }
                },
                |_, _| {},
            )
            .await;
        assert_eq!(result.unwrap(), 42);
        assert_eq!(calls.load(Ordering::SeqCst), 4);

        let calls = AtomicU32::new(0);
        let result: Result<(), _> = policy
            .run(
                || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Err(PromError::Http {
                        endpoint: "x".into(),
                        status: 404,
                        retry_after: None,
                        excerpt: String::new(),
                    })
                },
                |_, _| {},
            )
            .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let result: Result<(), _> = policy
            .run(
                || async {
                    Err(PromError::Timeout {
                        endpoint: "x".into(),
                        after: Duration::from_secs(1),
                    })
                },
                |_, _| {},
            )
            .await;
        assert!(matches!(
            result,
            Err(PromError::RetriesExhausted { attempts: 6, .. })
        ));
    }
}

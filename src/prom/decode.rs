//! Decoding Prometheus API answers. Query answers go through the streaming parser of
//! [`crate::input::prom_json`] straight into columnar [`RawSeries`] (no JSON DOM, no
//! allocation per sample); the small `series`/`labels` answers and error bodies are read
//! here with typed serde structs.

use super::errors::{ErrorType, PromError};
use crate::input::prom_json::{self, PromJsonError, ResultType};
use crate::series::{Labels, RawSeries};
use serde::Deserialize;

/// A decoded `query`/`query_range` answer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Decoded {
    pub result_type: String,
    pub series: Vec<RawSeries>,
    pub warnings: Vec<String>,
    /// What the client had to do to get the answer, for the bundle manifest:
    /// `("retried", why)` and `("halved", why)`.
    pub notes: Vec<(&'static str, String)>,
}

#[derive(Deserialize)]
struct Envelope<D> {
    status: String,
    data: Option<D>,
    #[serde(rename = "errorType")]
    error_type: Option<String>,
    error: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default)]
    infos: Vec<String>,
}

fn envelope<D: for<'de> Deserialize<'de>>(
    bytes: &[u8],
    endpoint: &str,
    status: u16,
) -> Result<(D, Vec<String>), PromError> {
    let env: Envelope<D> = serde_json::from_slice(bytes).map_err(|e| PromError::Decode {
        endpoint: endpoint.to_string(),
        reason: e.to_string(),
        truncated: e.is_eof(),
    })?;
    if env.status != "success" {
        return Err(PromError::Api {
            endpoint: endpoint.to_string(),
            status,
            retry_after: None,
            error_type: ErrorType::parse(env.error_type.as_deref().unwrap_or("")),
            message: env.error.unwrap_or_default(),
        });
    }
    let data = env.data.ok_or_else(|| PromError::Decode {
        endpoint: endpoint.to_string(),
        reason: "a successful answer without `data`".to_string(),
        truncated: false,
    })?;
    let mut warnings = env.warnings;
    warnings.extend(env.infos.into_iter().map(|i| format!("info: {i}")));
    Ok((data, warnings))
}

/// Decodes a `query` or `query_range` answer (matrix or vector).
pub fn decode_query(bytes: &[u8], endpoint: &str, status: u16) -> Result<Decoded, PromError> {
    let response = prom_json::parse_response(bytes).map_err(|e| match e {
        PromJsonError::Api {
            error_type,
            message,
        } => PromError::Api {
            endpoint: endpoint.to_string(),
            status,
            retry_after: None,
            error_type: ErrorType::parse(&error_type),
            message,
        },
        other => {
            let reason = other.to_string();
            PromError::Decode {
                endpoint: endpoint.to_string(),
                // The streaming parser says so when the document ends early.
                truncated: reason.contains("ends early"),
                reason,
            }
        }
    })?;
    let result_type = match response.result_type {
        ResultType::Matrix => "matrix",
        ResultType::Vector => "vector",
        ResultType::Scalar => "scalar",
        ResultType::String => "string",
    };
    let mut warnings = response.warnings;
    warnings.extend(response.infos.into_iter().map(|i| format!("info: {i}")));
    Ok(Decoded {
        result_type: result_type.to_string(),
        series: response.series,
        warnings,
        notes: Vec::new(),
    })
}

/// Decodes a `series` answer: label sets.
pub fn decode_series(
    bytes: &[u8],
    endpoint: &str,
    status: u16,
) -> Result<(Vec<Labels>, Vec<String>), PromError> {
    envelope(bytes, endpoint, status)
}

/// Decodes a `labels` or `label/<name>/values` answer: names.
pub fn decode_names(
    bytes: &[u8],
    endpoint: &str,
    status: u16,
) -> Result<(Vec<String>, Vec<String>), PromError> {
    envelope(bytes, endpoint, status)
}

/// Decodes only the error part of an answer, for non-2xx statuses with a JSON body.
pub fn decode_error(bytes: &[u8], endpoint: &str, status: u16) -> Option<PromError> {
    match envelope::<serde::de::IgnoredAny>(bytes, endpoint, status) {
        Err(e @ PromError::Api { .. }) => Some(e),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_answers_become_columns() {
        let body = br#"{"status":"success","warnings":["partial response"],"data":{"resultType":"matrix","result":[
            {"metric":{"__name__":"m","instance":"a:1"},"values":[[1.5,"1"],[3,"NaN"],[4.5,"+Inf"]]}]}}"#;
        let d = decode_query(body, "q", 200).unwrap();
        assert_eq!(d.result_type, "matrix");
        assert_eq!(d.series[0].timestamps_ms, vec![1500, 3000, 4500]);
        assert_eq!(d.series[0].values[0], 1.0);
        assert!(d.series[0].values[1].is_nan());
        assert_eq!(d.series[0].values[2], f64::INFINITY);
        assert_eq!(d.warnings, vec!["partial response"]);
    }

    #[test]
    fn errors_and_truncation() {
        let body = br#"{"status":"error","errorType":"bad_data","error":"parse error"}"#;
        match decode_query(body, "q", 400) {
            Err(PromError::Api {
                error_type,
                message,
                ..
            }) => {
                assert_eq!(error_type, ErrorType::BadData);
                assert_eq!(message, "parse error");
            }
            other => panic!("{other:?}"),
        }
        assert!(decode_error(body, "q", 400).is_some());
        let truncated = br#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"#;
        assert!(matches!(
            decode_query(truncated, "q", 200),
            Err(PromError::Decode {
                truncated: true,
                ..
            })
        ));
        // Complete JSON of the wrong shape is not worth retrying.
        let wrong = br#"{"status":"success","data":{"resultType":"matrix","result":{"a":1}}}"#;
        match decode_query(wrong, "q", 200) {
            Err(e @ PromError::Decode { .. }) => assert!(!e.is_retryable(), "{e}"),
            other => panic!("{other:?}"),
        }
    }
}

//! Unit tests of the Prometheus API JSON parser.

use super::*;

const MATRIX: &str = r#"{"status":"success","data":{"resultType":"matrix","result":[
 {"metric":{"__name__":"nodejs_heap_size_used_bytes","instance":"10.0.0.5:3000","job":"api"},
  "values":[[1700000000,"1.5"],[1700000015.123,"NaN"],[1700000030,"+Inf"],[1700000045,"-Inf"]]},
 {"metric":{"__name__":"up"},"values":[]}
]},"warnings":["partial response"],"infos":["x"]}"#;

#[test]
fn parses_a_matrix_with_special_values() {
    let r = parse_response(MATRIX.as_bytes()).expect("the test body parses");
    assert_eq!(r.result_type, ResultType::Matrix);
    assert_eq!(r.series.len(), 2);
    let s = &r.series[0];
    assert_eq!(s.metric_name(), "nodejs_heap_size_used_bytes");
    assert_eq!(s.labels["job"], "api");
    assert_eq!(
        s.timestamps_ms,
        vec![
            1_700_000_000_000,
            1_700_000_015_123,
            1_700_000_030_000,
            1_700_000_045_000
        ]
    );
    assert_eq!(s.values[0], 1.5);
    assert!(s.values[1].is_nan());
    assert_eq!(s.values[2], f64::INFINITY);
    assert_eq!(s.values[3], f64::NEG_INFINITY);
    assert_eq!(r.warnings, vec!["partial response".to_string()]);
    assert_eq!(r.infos, vec!["x".to_string()]);
}

#[test]
fn parses_a_vector_and_keys_in_any_order() {
    let body = r#"{"data":{"result":[{"value":[1700000000.5,"42"],"metric":{"job":"a"}}],
        "resultType":"vector"},"status":"success"}"#;
    let r = parse_response(body.as_bytes()).expect("the test body parses");
    assert_eq!(r.result_type, ResultType::Vector);
    assert_eq!(r.series[0].timestamps_ms, vec![1_700_000_000_500]);
    assert_eq!(r.series[0].values, vec![42.0]);
}

#[test]
fn scalar_results_have_no_series() {
    let body = r#"{"status":"success","data":{"resultType":"scalar","result":[1700000000,"3"]}}"#;
    let r = parse_response(body.as_bytes()).expect("the test body parses");
    assert_eq!(r.result_type, ResultType::Scalar);
    assert!(r.series.is_empty());
}

#[test]
fn api_errors_carry_type_and_message() {
    let body = r#"{"status":"error","errorType":"bad_data","error":"parse error at char 3"}"#;
    match parse_response(body.as_bytes()) {
        Err(PromJsonError::Api {
            error_type,
            message,
        }) => {
            assert_eq!(error_type, "bad_data");
            assert_eq!(message, "parse error at char 3");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn bad_value_names_its_json_path() {
    let body = "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[\n\
        {\"metric\":{},\"values\":[[1,\"1\"]]},\n\
        {\"metric\":{},\"values\":[[1,\"1\"],[2,\"oops\"]]}]}}";
    let e = parse_response(body.as_bytes()).unwrap_err();
    match &e {
        PromJsonError::Syntax { line, path, .. } => {
            assert_eq!(*line, 3);
            assert_eq!(path, "data.result[1].values[1]");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(e.to_string().contains("oops"), "{e}");
}

#[test]
fn truncation_and_wrong_types_are_located() {
    let cut = &MATRIX[..120];
    let e = parse_response(cut.as_bytes()).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("truncated"), "{text}");
    assert!(text.contains("data.result[0].metric"), "{text}");

    let body =
        r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"job":3}}]}}"#;
    let e = parse_response(body.as_bytes()).unwrap_err();
    assert!(e.to_string().contains("data.result[0].metric"), "{e}");

    let body = r#"{"status":"success","data":{"resultType":"matrix","result":{}}}"#;
    let e = parse_response(body.as_bytes()).unwrap_err();
    assert!(e.to_string().contains("data.result"), "{e}");

    let e = parse_response(b"[1,2]").unwrap_err();
    assert!(matches!(e, PromJsonError::Syntax { .. }), "{e}");
    let e = parse_response(br#"{"status":"success"}"#).unwrap_err();
    assert!(matches!(e, PromJsonError::Shape(_)), "{e}");
}

#[test]
fn reader_and_slice_agree() {
    let a = parse_response(MATRIX.as_bytes()).expect("the test body parses");
    let b = parse_reader(MATRIX.as_bytes()).expect("the test body parses");
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
}

#[test]
fn escaped_strings_are_decoded() {
    let body = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"x\"y\u00e9"},"value":[1,"1e3"]}]}}"#;
    let r = parse_response(body.as_bytes()).expect("the test body parses");
    assert_eq!(r.series[0].labels["a"], "x\"y\u{e9}");
    assert_eq!(r.series[0].values, vec![1000.0]);
}

#[test]
fn victoriametrics_partial_responses_warn() {
    let body = r#"{"status":"success","isPartial":true,"data":{"resultType":"matrix","result":[],"stats":{"seriesFetched":"0"}}}"#;
    let r = parse_response(body.as_bytes()).expect("the test body parses");
    assert_eq!(r.warnings.len(), 1);
    assert!(r.series.is_empty());
}

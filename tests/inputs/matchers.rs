//! Label matcher semantics, case by case from the Prometheus documentation
//! ("Querying basics", time series selectors).

use super::labels;
use memgrowth::matcher::Selector;

fn matches(selector: &str, pairs: &[(&str, &str)]) -> bool {
    Selector::parse(selector)
        .unwrap_or_else(|e| panic!("{selector}: {e}"))
        .matches(&labels(pairs))
}

const API: &[(&str, &str)] = &[("job", "api"), ("env", "staging"), ("method", "GET")];
const BARE: &[(&str, &str)] = &[("job", "api")];

#[test]
fn equality_and_inequality() {
    assert!(matches(r#"job="api""#, API));
    assert!(!matches(r#"job="ap""#, API));
    assert!(matches(r#"job!="web""#, API));
    assert!(!matches(r#"job!="api""#, API));
    // Several matchers: all must hold (the docs' example).
    assert!(matches(
        r#"{env=~"staging|testing|development",method!="GET"}"#,
        &[("env", "testing"), ("method", "POST")]
    ));
    assert!(!matches(
        r#"{env=~"staging|testing|development",method!="GET"}"#,
        API
    ));
}

#[test]
fn regexes_are_fully_anchored() {
    // `env=~"foo"` is treated as `env=~"^foo$"`.
    assert!(matches(r#"env=~"staging""#, API));
    assert!(!matches(r#"env=~"stag""#, API));
    assert!(!matches(r#"env=~"taging""#, API));
    assert!(matches(r#"env=~"stag.*""#, API));
    // Anchoring wraps the whole alternation, not only its ends.
    assert!(!matches(r#"env=~"xstaging|prod""#, API));
    assert!(!matches(r#"env=~"stag|prodx""#, API));
    assert!(matches(r#"env=~"prod|staging""#, API));
    // Negative regex is the complement of the anchored match.
    assert!(matches(r#"env!~"stag""#, API));
    assert!(!matches(r#"env!~"stag.*""#, API));
    // RE2 flags work; `.` matches a newline as in Prometheus 3.
    assert!(matches(r#"job=~"(?i)API""#, API));
    assert!(matches(r#"job=~"a.b""#, &[("job", "a\nb")]));
}

#[test]
fn empty_values_match_missing_labels() {
    // "Label matchers that match empty label values also select all time series that do
    // not have the specific label set at all."
    assert!(matches(r#"env="""#, BARE));
    assert!(!matches(r#"env="""#, API));
    assert!(matches(r#"env=~"""#, BARE));
    assert!(matches(r#"env=~".*""#, BARE));
    assert!(matches(r#"env=~"staging|""#, BARE));
    assert!(!matches(r#"env=~".+""#, BARE));
    assert!(matches(r#"env!~".+""#, BARE));
    // `!=""` and `!~""` require the label.
    assert!(!matches(r#"env!="""#, BARE));
    assert!(matches(r#"env!="""#, API));
    assert!(!matches(r#"env!~"""#, BARE));
    // A present but empty label is the same as a missing one.
    assert!(matches(r#"env="""#, &[("env", "")]));
}

#[test]
fn inequality_selects_series_lacking_the_label() {
    assert!(matches(r#"env!="prod""#, BARE));
    assert!(matches(r#"env!~"prod|dev""#, BARE));
    assert!(!matches(r#"env=~"prod|dev""#, BARE));
}

#[test]
fn matching_is_case_sensitive_and_exact() {
    assert!(!matches(r#"job="API""#, API));
    assert!(!matches(r#"job="api ""#, API));
}

#[test]
fn rendered_selectors_select_the_same_series() {
    let cases = [
        r#"{job="api",env=~"stag.*"}"#,
        r#"env!="""#,
        "job='it\\'s', env=`a\\b`",
        r#"{job="a\"b\\c\nd"}"#,
    ];
    let label_sets: &[&[(&str, &str)]] = &[
        API,
        BARE,
        &[("job", "it's"), ("env", "a\\b")],
        &[("job", "a\"b\\c\nd")],
    ];
    for case in cases {
        let s = Selector::parse(case).unwrap();
        let again = Selector::parse(&s.to_promql()).unwrap();
        assert_eq!(s, again, "{case}");
        for l in label_sets {
            assert_eq!(s.matches(&labels(l)), again.matches(&labels(l)), "{case}");
        }
    }
}

#[test]
fn injection_attempts_stay_inside_one_value() {
    let hostile = "api\"} or vector(1) # \\\n";
    let m = memgrowth::matcher::Matcher::new("job", memgrowth::matcher::MatchOp::Equal, hostile)
        .unwrap();
    let s = Selector::from_matchers(vec![m]);
    let text = s.to_promql();
    assert!(!text.contains('\n'), "{text}");
    let back = Selector::parse(&text).unwrap();
    assert_eq!(back.matchers().len(), 1);
    assert_eq!(back.matchers()[0].value, hostile);
}

proptest::proptest! {
    /// Any value, however hostile, renders to one literal that parses back to itself.
    #[test]
    fn any_value_round_trips_through_promql(value in "\\PC*|[\"'`\\\\\n\r\t{},=~!]*", negate in proptest::bool::ANY) {
        use memgrowth::matcher::{MatchOp, Matcher};
        let op = if negate { MatchOp::NotEqual } else { MatchOp::Equal };
        let m = Matcher::new("job", op, &value).unwrap();
        let s = Selector::from_matchers(vec![m]);
        let back = Selector::parse(&s.to_promql()).unwrap();
        proptest::prop_assert_eq!(back.matchers().len(), 1);
        proptest::prop_assert_eq!(&back.matchers()[0].value, &value);
        proptest::prop_assert_eq!(back.matchers()[0].op, op);
    }

    /// The parser returns an error, never panics, on arbitrary text.
    #[test]
    fn parser_never_panics(text in "\\PC{0,40}") {
        let _ = Selector::parse(&text);
    }
}

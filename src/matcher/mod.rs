//! PromQL label matchers (`{job="api", instance=~"10\\.0\\..*"}`) with Prometheus semantics.
//!
//! The same selector filters offline data ([`Selector::matches`]) and goes into live
//! queries ([`Selector::to_promql`]), so both must agree with Prometheus exactly:
//! - regexes are fully anchored, `^(?s:re)$` (Prometheus 3 lets `.` match newlines);
//! - a label the series lacks has the value `""`: `foo=""` matches series without `foo`,
//!   `foo!=""` requires it, `foo!="x"` matches series that lack it, `foo=~""`/`foo=~".*"`
//!   match series without `foo`;
//! - values are Go/PromQL string literals: `"..."` and `'...'` with escapes, `` `...` `` raw.
//!
//! Rendering escapes every value, so user input can never change the query's structure.

mod parse;

use crate::series::Labels;
use parse::{Parser, ascii_classes};
use regex::Regex;
use std::fmt;

/// The comparison a matcher makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchOp {
    Equal,
    NotEqual,
    RegexMatch,
    RegexNoMatch,
}

impl MatchOp {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::RegexMatch => "=~",
            MatchOp::RegexNoMatch => "!~",
        }
    }
}

/// One label matcher, e.g. `instance=~"10\\..*"`.
#[derive(Debug, Clone)]
pub struct Matcher {
    pub name: String,
    pub op: MatchOp,
    pub value: String,
    regex: Option<Regex>,
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.op == other.op && self.value == other.value
    }
}

impl Matcher {
    /// Builds a matcher, compiling (and anchoring) the regex for `=~` and `!~`.
    pub fn new(name: &str, op: MatchOp, value: &str) -> Result<Matcher, MatcherError> {
        if name.is_empty() {
            return Err(MatcherError::new("", 0, "a label name is empty"));
        }
        let regex = match op {
            MatchOp::RegexMatch | MatchOp::RegexNoMatch => Some(
                Regex::new(&format!("^(?s:{})$", ascii_classes(value))).map_err(|e| {
                    MatcherError {
                        input: value.to_string(),
                        offset: 0,
                        message: format!("`{name}{}` has an invalid regex: {e}", op.as_str()),
                    }
                })?,
            ),
            MatchOp::Equal | MatchOp::NotEqual => None,
        };
        Ok(Matcher {
            name: name.to_string(),
            op,
            value: value.to_string(),
            regex,
        })
    }

    /// Whether a label value (`""` when the series lacks the label) satisfies the matcher.
    pub fn matches_value(&self, value: &str) -> bool {
        match (self.op, &self.regex) {
            (MatchOp::Equal, _) => value == self.value,
            (MatchOp::NotEqual, _) => value != self.value,
            (MatchOp::RegexMatch, Some(re)) => re.is_match(value),
            (MatchOp::RegexNoMatch, Some(re)) => !re.is_match(value),
            // Unreachable by construction; treat as no match rather than panic.
            (MatchOp::RegexMatch | MatchOp::RegexNoMatch, None) => false,
        }
    }

    /// Whether a label set satisfies the matcher.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.matches_value(labels.get(&self.name).map(String::as_str).unwrap_or(""))
    }

    /// The matcher as PromQL, value escaped: `name="va\"lue"`.
    pub fn to_promql(&self) -> String {
        format!(
            "{}{}{}",
            render_label_name(&self.name),
            self.op.as_str(),
            quote(&self.value)
        )
    }
}

/// A set of label matchers; a series is selected when every matcher matches.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Selector {
    matchers: Vec<Matcher>,
}

/// A selector that could not be parsed, with the byte offset of the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid label matchers `{input}` at byte {offset}: {message}; write them like PromQL, e.g. `job=\"api\"` or `{{job=\"api\",instance=~\"10\\\\..*\"}}`"
)]
pub struct MatcherError {
    pub input: String,
    pub offset: usize,
    pub message: String,
}

impl MatcherError {
    pub(crate) fn new(input: &str, offset: usize, message: impl Into<String>) -> Self {
        MatcherError {
            input: input.to_string(),
            offset,
            message: message.into(),
        }
    }
}

impl Selector {
    /// The empty selector, which matches every series.
    pub fn all() -> Self {
        Selector::default()
    }

    /// Parses matchers like PromQL: braces optional, an optional metric name in front
    /// (`up{job="x"}` means `__name__="up",job="x"`), a trailing comma allowed.
    pub fn parse(text: &str) -> Result<Selector, MatcherError> {
        Parser {
            input: text,
            pos: 0,
        }
        .selector()
    }

    pub fn from_matchers(matchers: Vec<Matcher>) -> Self {
        Selector { matchers }
    }

    pub fn matchers(&self) -> &[Matcher] {
        &self.matchers
    }

    pub fn is_empty(&self) -> bool {
        self.matchers.is_empty()
    }

    /// Adds one more matcher (all must match).
    pub fn push(&mut self, matcher: Matcher) {
        self.matchers.push(matcher);
    }

    /// Whether every matcher matches the label set (a missing label counts as `""`).
    pub fn matches(&self, labels: &Labels) -> bool {
        self.matchers.iter().all(|m| m.matches(labels))
    }

    /// The matchers inside braces, every value escaped: `{job="api",instance=~"a.*"}`.
    pub fn to_promql(&self) -> String {
        format!("{{{}}}", self.inner_promql())
    }

    /// The matchers without braces, comma-separated: `job="api",instance=~"a.*"`.
    pub fn inner_promql(&self) -> String {
        self.matchers
            .iter()
            .map(Matcher::to_promql)
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_promql())
    }
}

impl std::str::FromStr for Selector {
    type Err = MatcherError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Selector::parse(s)
    }
}

/// Whether `name` is a legacy label name (`[a-zA-Z_][a-zA-Z0-9_]*`).
pub fn is_legacy_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn render_label_name(name: &str) -> String {
    if is_legacy_label_name(name) {
        name.to_string()
    } else {
        // Prometheus 3 accepts quoted (UTF-8) label names.
        quote(name)
    }
}

/// Quotes a string as a PromQL double-quoted literal, escaping quotes, backslashes and
/// every control character, so the result is always one literal.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{07}' => out.push_str("\\a"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            '\u{0b}' => out.push_str("\\v"),
            c if c.is_control() => {
                let code = c as u32;
                if code <= 0xff {
                    out.push_str(&format!("\\x{code:02x}"));
                } else {
                    out.push_str(&format!("\\u{code:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn sel(text: &str) -> Selector {
        Selector::parse(text).unwrap()
    }

    #[test]
    fn missing_labels_read_as_empty() {
        let l = labels(&[("job", "api")]);
        assert!(sel(r#"env="""#).matches(&l));
        assert!(sel(r#"env!="x""#).matches(&l));
        assert!(!sel(r#"env!="""#).matches(&l));
        assert!(!sel(r#"job=~"a""#).matches(&l));
        assert!(sel(r#"job=~"a.*""#).matches(&l));
    }

    #[test]
    fn perl_classes_are_ascii_as_in_re2() {
        assert_eq!(
            ascii_classes(r"a\d+[\w.]\.\b[]\d]"),
            r"a[0-9]+[[0-9A-Za-z_].]\.(?-u:\b)[][0-9]]"
        );
        let l = labels(&[("id", "\u{0663}"), ("x", "10.0.0.5:3000")]);
        assert!(!sel(r#"id=~"\\d""#).matches(&l));
        assert!(sel(r#"id=~"\\D""#).matches(&l));
        assert!(sel(r#"x=~"\\d+\\.\\d+\\.[\\d.]+:\\d{4}""#).matches(&l));
    }

    #[test]
    fn braces_are_optional_and_trailing_comma_allowed() {
        let a = sel(r#"job="api""#);
        let b = sel(r#" { job = "api" , } "#);
        assert_eq!(a, b);
        assert_eq!(a.to_promql(), r#"{job="api"}"#);
        assert!(sel("").is_empty());
        assert!(sel("{}").is_empty());
    }

    #[test]
    fn metric_name_in_front_becomes_name_matcher() {
        let s = sel(r#"up{job="x"}"#);
        assert_eq!(s.to_promql(), r#"{__name__="up",job="x"}"#);
        assert_eq!(
            sel("memgrowth:host_cpus").matchers()[0].value,
            "memgrowth:host_cpus"
        );
    }

    #[test]
    fn string_escapes_follow_go() {
        let s = sel(r#"a="x\"y\n\u00e9\x41\101", b='it\'s', c=`raw\n`"#);
        let m = s.matchers();
        assert_eq!(m[0].value, "x\"y\n\u{e9}AA");
        assert_eq!(m[1].value, "it's");
        assert_eq!(m[2].value, "raw\\n");
        assert!(Selector::parse(r#"a="\'""#).is_err());
        assert!(Selector::parse(r#"a="\q""#).is_err());
    }

    #[test]
    fn parse_errors_carry_an_offset() {
        let e = Selector::parse(r#"{job="api",instance}"#).unwrap_err();
        assert_eq!(e.offset, 19);
        let e = Selector::parse(r#"job=api"#).unwrap_err();
        assert_eq!(e.offset, 4);
        assert!(Selector::parse(r#"{job="api""#).is_err());
        assert!(Selector::parse(r#"job="a"}"#).is_err());
        assert!(Selector::parse(r#"job=~"(""#).is_err());
        assert!(Selector::parse("job=\"a\nb\"").is_err());
    }

    #[test]
    fn rendering_escapes_every_value() {
        let m = Matcher::new("job", MatchOp::Equal, "a\"}) or vector(1) or up{x=\"\\\n").unwrap();
        let s = Selector::from_matchers(vec![m]);
        let text = s.to_promql();
        assert_eq!(text, r#"{job="a\"}) or vector(1) or up{x=\"\\\n"}"#);
        assert_eq!(Selector::parse(&text).unwrap(), s);
        let odd = Matcher::new("service.name", MatchOp::Equal, "\u{1}").unwrap();
        let s = Selector::from_matchers(vec![odd]);
        assert_eq!(s.to_promql(), r#"{"service.name"="\x01"}"#);
        assert_eq!(Selector::parse(&s.to_promql()).unwrap(), s);
    }
}

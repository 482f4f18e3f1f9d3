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

use crate::series::Labels;
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
                Regex::new(&format!("^(?s:{value})$")).map_err(|e| MatcherError {
                    input: value.to_string(),
                    offset: 0,
                    message: format!("`{name}{}` has an invalid regex: {e}", op.as_str()),
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
    fn new(input: &str, offset: usize, message: impl Into<String>) -> Self {
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

struct Parser<'a> {
    input: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn err(&self, message: impl Into<String>) -> MatcherError {
        MatcherError::new(self.input, self.pos, message)
    }

    fn rest(&self) -> &str {
        self.input.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(c) if c.is_whitespace()) {
            self.bump();
        }
    }

    fn eat(&mut self, token: &str) -> bool {
        if self.rest().starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn selector(mut self) -> Result<Selector, MatcherError> {
        let mut matchers = Vec::new();
        self.skip_ws();
        // An optional metric name before braces: `up{...}` or just `up`.
        let start = self.pos;
        let ident = self.identifier(true);
        self.skip_ws();
        let braced = if !ident.is_empty() && (self.peek() == Some('{') || self.peek().is_none()) {
            matchers.push(Matcher::new("__name__", MatchOp::Equal, &ident)?);
            self.eat("{")
        } else {
            self.pos = start;
            self.eat("{")
        };
        loop {
            self.skip_ws();
            match self.peek() {
                None if !braced => break,
                None => return Err(self.err("missing closing `}`")),
                Some('}') if braced => {
                    self.bump();
                    self.skip_ws();
                    if self.peek().is_some() {
                        return Err(self.err("unexpected text after `}`"));
                    }
                    break;
                }
                Some(_) => {}
            }
            matchers.push(self.matcher()?);
            self.skip_ws();
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some('}') if braced => {}
                None if !braced => {}
                None => return Err(self.err("missing closing `}`")),
                Some(c) => return Err(self.err(format!("expected `,` or `}}`, found `{c}`"))),
            }
        }
        Ok(Selector { matchers })
    }

    /// Reads an identifier; metric names may also hold `:`.
    fn identifier(&mut self, metric: bool) -> String {
        let start = self.pos;
        let mut first = true;
        while let Some(c) = self.peek() {
            let ok = c.is_ascii_alphabetic()
                || c == '_'
                || (metric && c == ':')
                || (!first && c.is_ascii_digit());
            if !ok {
                break;
            }
            first = false;
            self.bump();
        }
        self.input.get(start..self.pos).unwrap_or("").to_string()
    }

    fn matcher(&mut self) -> Result<Matcher, MatcherError> {
        let name_at = self.pos;
        let name = match self.peek() {
            Some('"') | Some('\'') | Some('`') => self.string()?,
            _ => self.identifier(false),
        };
        if name.is_empty() {
            self.pos = name_at;
            return Err(self.err("expected a label name"));
        }
        self.skip_ws();
        let op = if self.eat("=~") {
            MatchOp::RegexMatch
        } else if self.eat("!~") {
            MatchOp::RegexNoMatch
        } else if self.eat("!=") {
            MatchOp::NotEqual
        } else if self.eat("=") {
            MatchOp::Equal
        } else {
            return Err(self.err(format!(
                "expected `=`, `!=`, `=~` or `!~` after label `{name}`"
            )));
        };
        self.skip_ws();
        let value_at = self.pos;
        if !matches!(self.peek(), Some('"') | Some('\'') | Some('`')) {
            return Err(self.err(format!(
                "the value of `{name}` must be quoted, e.g. {name}{}\"value\"",
                op.as_str()
            )));
        }
        let value = self.string()?;
        Matcher::new(&name, op, &value).map_err(|mut e| {
            e.input = self.input.to_string();
            e.offset = value_at;
            e
        })
    }

    /// Reads a Go/PromQL string literal: `"..."` or `'...'` with escapes, `` `...` `` raw.
    fn string(&mut self) -> Result<String, MatcherError> {
        let start = self.pos;
        let quote = self.bump().ok_or_else(|| self.err("expected a string"))?;
        let mut out = String::new();
        if quote == '`' {
            loop {
                match self.bump() {
                    None => {
                        self.pos = start;
                        return Err(self.err("unterminated raw string"));
                    }
                    Some('`') => return Ok(out),
                    Some(c) => out.push(c),
                }
            }
        }
        loop {
            let at = self.pos;
            match self.bump() {
                None => {
                    self.pos = start;
                    return Err(self.err("unterminated string"));
                }
                Some('\n') => {
                    self.pos = at;
                    return Err(self.err("newline in string; write it as \\n"));
                }
                Some(c) if c == quote => return Ok(out),
                Some('\\') => {
                    let c = self.escape(quote).inspect_err(|_| self.pos = at);
                    out.push(c.map_err(|m| self.err(m))?);
                }
                Some(c) => out.push(c),
            }
        }
    }

    /// One escape sequence after `\`, as Go's strconv.Unquote reads it.
    fn escape(&mut self, quote: char) -> Result<char, String> {
        let c = self.bump().ok_or("unterminated escape")?;
        let simple = match c {
            'a' => Some('\u{07}'),
            'b' => Some('\u{08}'),
            'f' => Some('\u{0c}'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\u{0b}'),
            '\\' => Some('\\'),
            '"' | '\'' if c == quote => Some(c),
            _ => None,
        };
        if let Some(s) = simple {
            return Ok(s);
        }
        let (digits, radix) = match c {
            'x' => (2, 16),
            'u' => (4, 16),
            'U' => (8, 16),
            '0'..='7' => (2, 8),
            _ => return Err(format!("unknown escape sequence `\\{c}`")),
        };
        let mut code: u32 = if radix == 8 {
            c.to_digit(8).unwrap_or(0)
        } else {
            0
        };
        for _ in 0..digits {
            let d = self
                .bump()
                .and_then(|d| d.to_digit(radix))
                .ok_or_else(|| format!("bad escape sequence `\\{c}`"))?;
            code = code
                .checked_mul(radix)
                .and_then(|v| v.checked_add(d))
                .unwrap_or(u32::MAX);
        }
        if radix == 8 && code > 0xff {
            return Err("octal escape value above 255".into());
        }
        char::from_u32(code).ok_or_else(|| format!("escape `\\{c}` is not a valid code point"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(text: &str) -> Selector {
        Selector::parse(text).unwrap()
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

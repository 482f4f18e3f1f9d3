//! The selector parser (PromQL label matchers, Go string literals) and the regex
//! rewrite that gives Perl classes their RE2 (ASCII) meaning.

use super::{MatchOp, Matcher, MatcherError, Selector};

/// Rewrites the Perl classes `\d \D \w \W \s \S` and word boundaries `\b \B` to
/// their ASCII meaning, as Go's RE2 (and so Prometheus) reads them; the regex crate
/// would read them as Unicode classes.
pub(super) fn ascii_classes(re: &str) -> String {
    let mut out = String::with_capacity(re.len() + 8);
    let mut chars = re.chars();
    let mut in_class = false;
    let mut class_start = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(next) = chars.next() else {
                    out.push(c);
                    break;
                };
                let replacement = match next {
                    'd' => Some("[0-9]"),
                    'D' => Some("[^0-9]"),
                    'w' => Some("[0-9A-Za-z_]"),
                    'W' => Some("[^0-9A-Za-z_]"),
                    's' => Some("[\\t\\n\\f\\r ]"),
                    'S' => Some("[^\\t\\n\\f\\r ]"),
                    'b' if !in_class => Some("(?-u:\\b)"),
                    'B' if !in_class => Some("(?-u:\\B)"),
                    _ => None,
                };
                match replacement {
                    Some(r) => out.push_str(r),
                    None => {
                        out.push(c);
                        out.push(next);
                    }
                }
                class_start = false;
                continue;
            }
            '[' if !in_class => {
                in_class = true;
                class_start = true;
                out.push(c);
                continue;
            }
            ']' if in_class && !class_start => in_class = false,
            '^' if class_start => {
                out.push(c);
                continue;
            }
            _ => {}
        }
        class_start = false;
        out.push(c);
    }
    out
}

pub(super) struct Parser<'a> {
    pub(super) input: &'a str,
    pub(super) pos: usize,
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

    pub(super) fn selector(mut self) -> Result<Selector, MatcherError> {
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

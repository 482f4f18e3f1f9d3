//! Credentials and tenancy: bearer tokens and basic auth read from the environment or a
//! file, custom headers, and the Mimir/Cortex tenant header. Secret values are wrapped in
//! [`Secret`], whose `Debug` and `Display` are redacted, so they never reach logs,
//! errors, reports or bundles.

use super::errors::PromError;
use std::fmt;
use std::path::Path;

/// Env var holding a bearer token.
pub const BEARER_TOKEN_ENV: &str = "MEMGROWTH_BEARER_TOKEN";
/// Env var holding the basic-auth password.
pub const BASIC_AUTH_PASSWORD_ENV: &str = "MEMGROWTH_BASIC_AUTH_PASSWORD";
/// The header Mimir, Cortex and Loki read the tenant from.
pub const TENANT_HEADER: &str = "X-Scope-OrgID";

/// A secret string. Its `Debug` and `Display` print `<redacted>`; read it with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value; only for building the request that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Reads a secret from a file, dropping one trailing newline (as `echo` writes it).
    pub fn from_file(path: &Path, what: &'static str) -> Result<Self, PromError> {
        let text = std::fs::read_to_string(path).map_err(|e| PromError::ReadFile {
            what,
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let value = text
            .strip_suffix("\r\n")
            .or_else(|| text.strip_suffix('\n'))
            .unwrap_or(&text);
        if value.is_empty() {
            return Err(PromError::ReadFile {
                what,
                path: path.display().to_string(),
                reason: "the file is empty".to_string(),
            });
        }
        Ok(Secret(value.to_string()))
    }

    /// Reads a secret from an env var; `None` when unset or empty.
    pub fn from_env(var: &str) -> Option<Self> {
        std::env::var(var)
            .ok()
            .filter(|v| !v.is_empty())
            .map(Secret)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// How requests authenticate.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Auth {
    #[default]
    None,
    Bearer(Secret),
    Basic {
        user: String,
        password: Secret,
    },
}

/// Every spelling in which the credentials of `auth` and the values of `headers` could
/// come back in text a server sends (an error page that echoes the request, say): each
/// value as given, basic auth's `user:password` and its base64 form, and percent-encoded
/// forms. [`PromError::redact`] removes them from errors.
pub fn secret_forms(auth: &Auth, headers: &[ExtraHeader]) -> SecretForms {
    let mut forms = Vec::new();
    let mut add = |value: &str| {
        for form in [value.to_string(), percent_encode(value)] {
            if form.len() >= MIN_REDACTED_LEN && !forms.contains(&form) {
                forms.push(form);
            }
        }
    };
    match auth {
        Auth::None => {}
        Auth::Bearer(token) => add(token.expose()),
        Auth::Basic { user, password } => {
            let pair = format!("{user}:{}", password.expose());
            add(&base64(pair.as_bytes()));
            add(&pair);
            add(password.expose());
        }
    }
    for h in headers {
        add(h.value.expose());
    }
    // Longest first, so that a value inside another is not cut out of it first.
    forms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    SecretForms(forms)
}

/// The spellings of the credentials, from [`secret_forms`]; `Debug` shows only how many.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretForms(Vec<String>);

impl SecretForms {
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

impl fmt::Debug for SecretForms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} redacted forms>", self.0.len())
    }
}

/// Shorter values are not searched for (a one-letter password would blank out every
/// such letter of a message).
const MIN_REDACTED_LEN: usize = 3;

fn percent_encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Standard base64 with padding, as HTTP basic auth spells `user:password`.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (byte(0) << 16) | (byte(1) << 8) | byte(2);
        for i in 0..4 {
            if i <= chunk.len() {
                let index = ((n >> (18 - 6 * i)) & 63) as usize;
                out.push(char::from(ALPHABET[index]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Where credentials may come from (flags name files; values come from env or files only).
#[derive(Debug, Clone, Default)]
pub struct AuthSources<'a> {
    pub bearer_token_file: Option<&'a Path>,
    /// A token already read (from a variable the user named, or a config file).
    pub bearer_token: Option<Secret>,
    pub basic_auth_user: Option<&'a str>,
    pub basic_auth_password_file: Option<&'a Path>,
    /// A password already read (from a variable the user named, or a config file).
    pub basic_auth_password: Option<Secret>,
}

impl Auth {
    /// Resolves credentials: a token file wins over `MEMGROWTH_BEARER_TOKEN`; basic auth
    /// needs a user and a password from `--basic-auth-password-file` or
    /// `MEMGROWTH_BASIC_AUTH_PASSWORD`. Bearer and basic together are an error.
    pub fn resolve(sources: &AuthSources<'_>) -> Result<Self, PromError> {
        let bearer = match sources.bearer_token_file {
            Some(path) => Some(Secret::from_file(path, "the bearer token")?),
            None => sources
                .bearer_token
                .clone()
                .or_else(|| Secret::from_env(BEARER_TOKEN_ENV)),
        };
        let basic = match sources.basic_auth_user {
            Some(user) => {
                let password = match sources.basic_auth_password_file {
                    Some(path) => Secret::from_file(path, "the basic-auth password")?,
                    None => sources.basic_auth_password.clone().or_else(|| Secret::from_env(BASIC_AUTH_PASSWORD_ENV)).ok_or_else(|| {
                        PromError::Config(format!(
                            "--basic-auth-user needs a password: set {BASIC_AUTH_PASSWORD_ENV} or pass --basic-auth-password-file"
                        ))
                    })?,
                };
                Some((user.to_string(), password))
            }
            None if sources.basic_auth_password_file.is_some() => {
                return Err(PromError::Config(
                    "--basic-auth-password-file needs --basic-auth-user".to_string(),
                ));
            }
            None => None,
        };
        match (bearer, basic) {
            (Some(_), Some(_)) => Err(PromError::Config(
                "both a bearer token and basic auth are configured; use one".to_string(),
            )),
            (Some(token), None) => Ok(Auth::Bearer(token)),
            (None, Some((user, password))) => Ok(Auth::Basic { user, password }),
            (None, None) => Ok(Auth::None),
        }
    }
}

/// One extra request header from `--header 'Name: value'`; the value is treated as secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraHeader {
    pub name: String,
    pub value: Secret,
}

impl ExtraHeader {
    /// Parses `Name: value`.
    pub fn parse(text: &str) -> Result<Self, PromError> {
        let bad = |why: &str| {
            // The value may be a credential: name only what is safe to show, and nothing
            // of a header without `:`, which may be all value (`Authorization Bearer x`).
            let shown = match text.split_once(':') {
                Some((name, _)) => format!("`{}: ...`", name.trim()),
                None => "(value not shown)".to_string(),
            };
            PromError::Config(format!(
                "--header {shown} is not valid: {why}; use --header 'Name: value'"
            ))
        };
        let (name, value) = text
            .split_once(':')
            .ok_or_else(|| bad("it has no `:` between the name and the value"))?;
        let name = name.trim();
        let value = value.trim();
        if name.is_empty() {
            return Err(bad("the name is empty"));
        }
        reqwest::header::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| bad("the name has characters a header name cannot have"))?;
        reqwest::header::HeaderValue::from_str(value)
            .map_err(|_| bad("the value has characters a header value cannot have"))?;
        Ok(ExtraHeader {
            name: name.to_string(),
            value: Secret::new(value),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_forms_cover_the_basic_auth_header_and_encodings() {
        let auth = Auth::Basic {
            user: "memgrowth".into(),
            password: Secret::new("p@ss word"),
        };
        let headers = [ExtraHeader::parse("X-Key: k3y-value").unwrap()];
        let forms = secret_forms(&auth, &headers).as_slice().to_vec();
        // `Authorization: Basic ...` as reqwest sends it for memgrowth:p@ss word.
        assert!(
            forms.contains(&"bWVtZ3Jvd3RoOnBAc3Mgd29yZA==".to_string()),
            "{forms:?}"
        );
        assert!(forms.contains(&"p%40ss%20word".to_string()), "{forms:?}");
        assert!(
            forms.contains(&"memgrowth:p@ss word".to_string()),
            "{forms:?}"
        );
        assert!(forms.contains(&"k3y-value".to_string()), "{forms:?}");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
        assert!(
            secret_forms(&Auth::Bearer(Secret::new("ab")), &[])
                .as_slice()
                .is_empty()
        );
        let debug = format!("{:?}", secret_forms(&auth, &headers));
        assert!(!debug.contains("k3y") && !debug.contains("p@ss"), "{debug}");
    }

    #[test]
    fn a_header_without_a_colon_is_not_shown() {
        let err = ExtraHeader::parse("Authorization Bearer tok-123").unwrap_err();
        let text = err.to_string();
        assert!(
            !text.contains("tok-123") && text.contains("no `:`"),
            "{text}"
        );
    }

    #[test]
    fn secrets_never_print() {
        let auth = Auth::Basic {
            user: "alice".into(),
            password: Secret::new("hunter2"),
        };
        let shown = format!("{auth:?} {}", Secret::new("hunter2"));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("alice"));
        let header = ExtraHeader::parse("Authorization: Bearer s3cr3t").unwrap();
        assert_eq!(header.name, "Authorization");
        assert_eq!(header.value.expose(), "Bearer s3cr3t");
        assert!(!format!("{header:?}").contains("s3cr3t"));
    }

    #[test]
    fn bad_headers_do_not_echo_the_value() {
        let err = ExtraHeader::parse("X Bad: s3cr3t").unwrap_err().to_string();
        assert!(!err.contains("s3cr3t"), "{err}");
        assert!(ExtraHeader::parse("novalue").is_err());
        assert!(ExtraHeader::parse(": v").is_err());
    }

    #[test]
    fn token_file_drops_the_trailing_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "abc\n").unwrap();
        let auth = Auth::resolve(&AuthSources {
            bearer_token_file: Some(&path),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(auth, Auth::Bearer(Secret::new("abc")));
        std::fs::write(&path, "").unwrap();
        let err = Auth::resolve(&AuthSources {
            bearer_token_file: Some(&path),
            ..Default::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("empty"));
    }
}

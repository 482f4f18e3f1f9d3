//! The one line an error is printed as: its context and causes joined by `: `, each said
//! once. A cause whose text is already in the line (an I/O error a message embeds and
//! also keeps as its source, a wrapper that prints what it wraps) is left out.

/// `error` and its causes, outermost first, without repeating any of them.
pub(crate) fn error_text(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        let text = text.trim();
        if text.is_empty() || line.contains(text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(text);
    }
    line
}

/// The context of a failure on `name` (a path, a server): `what joiner name`, or only
/// `what` when the error names `name` already, so that it is said once.
pub(crate) fn what_failed(
    what: &str,
    joiner: &str,
    name: &str,
    error: &dyn std::fmt::Display,
) -> String {
    if error.to_string().contains(name) {
        what.to_string()
    } else {
        format!("{what} {joiner} {name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[derive(Debug, thiserror::Error)]
    #[error("x.json: {source}; check that the path exists")]
    struct Embeds {
        source: std::io::Error,
    }

    #[test]
    fn a_cause_the_message_already_holds_is_said_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let error = anyhow::Error::new(Embeds { source: io }).context("cannot read the input");
        assert_eq!(
            error_text(&error),
            "cannot read the input: x.json: no such file; check that the path exists"
        );
    }

    #[test]
    fn a_name_the_error_holds_is_left_out_of_the_context() {
        let error = "`out/x` is a file";
        assert_eq!(
            what_failed("cannot write", "into", "out/x", &error),
            "cannot write"
        );
        assert_eq!(
            what_failed("cannot write", "into", "y", &error),
            "cannot write into y"
        );
    }

    #[test]
    fn distinct_causes_are_all_kept_in_order() {
        let error = Err::<(), _>(anyhow::anyhow!("HTTP 503"))
            .context("chunk 2")
            .context("cannot fetch")
            .unwrap_err();
        assert_eq!(error_text(&error), "cannot fetch: chunk 2: HTTP 503");
    }
}

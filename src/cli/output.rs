//! stdout for data, stderr for progress; a closed pipe ends the program quietly.

use std::io::{self, Write};

/// Writing to stdout failed.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The reader went away (`memgrowth ... | head`): not an error worth reporting.
    #[error("stdout was closed")]
    BrokenPipe,
    #[error("cannot write to stdout: {0}")]
    Io(#[from] io::Error),
}

/// Writes `text` to stdout, ensuring a final newline.
pub fn print_stdout(text: &str) -> Result<(), OutputError> {
    let stdout = io::stdout();
    let mut lock = stdout.lock();
    let result = lock
        .write_all(text.as_bytes())
        .and_then(|_| {
            if text.ends_with('\n') {
                Ok(())
            } else {
                lock.write_all(b"\n")
            }
        })
        .and_then(|_| lock.flush());
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Err(OutputError::BrokenPipe),
        Err(e) => Err(OutputError::Io(e)),
    }
}

/// Progress and notes on stderr, unless `--quiet`.
#[derive(Debug, Clone, Copy)]
pub struct Log {
    pub quiet: bool,
}

impl Log {
    pub fn note(&self, message: &str) {
        if !self.quiet {
            let _ = writeln!(io::stderr(), "{message}");
        }
    }
}

//! The one error type of the CLI: a message chain, optional hints, and the
//! exit code class the failure belongs to.
//!
//! Code deeper down uses `anyhow` with context; a plain `anyhow::Error`
//! converts into [`Error`] as [`Exit::Failure`]. Places that know better
//! (argument checks, the HTTP status mapping) build an [`Error`] with the
//! right [`Exit`] directly. Printing is done once, in `main`, by
//! [`Error::render`], so the format never depends on `RUST_BACKTRACE`.

use std::fmt;

/// The process exit codes, part of the command's documented interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0: the command did what was asked.
    Success,
    /// 1: any other error: the result could not be saved or printed, or the
    /// server's answer was not one otsd gives.
    Failure,
    /// 2: wrong arguments, unusable input, or a malformed link.
    Usage,
    /// 3: the secret does not exist: already read, expired, burned, or never existed.
    NotFound,
    /// 4: wrong key or passphrase (the server refused the proof, or the envelope did not decrypt).
    WrongKey,
    /// 5: the secret is larger than the server accepts.
    TooLarge,
    /// 6: the server is rate limiting this client.
    RateLimited,
    /// 7: the server or the network is unavailable (connection, timeout, 5xx).
    Unavailable,
}

impl Exit {
    /// Every code, in numeric order.
    pub const ALL: [Exit; 8] = [
        Exit::Success,
        Exit::Failure,
        Exit::Usage,
        Exit::NotFound,
        Exit::WrongKey,
        Exit::TooLarge,
        Exit::RateLimited,
        Exit::Unavailable,
    ];

    /// The numeric exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::Usage => 2,
            Exit::NotFound => 3,
            Exit::WrongKey => 4,
            Exit::TooLarge => 5,
            Exit::RateLimited => 6,
            Exit::Unavailable => 7,
        }
    }

    /// A short description for `--help`.
    pub fn describe(self) -> &'static str {
        match self {
            Exit::Success => "success",
            Exit::Failure => "other error (saving or printing the result, unexpected answers)",
            Exit::Usage => "usage error or malformed link",
            Exit::NotFound => "the secret does not exist (read, expired, burned, or never existed)",
            Exit::WrongKey => "wrong key or passphrase",
            Exit::TooLarge => "the secret is too large for the server",
            Exit::RateLimited => "rate limited by the server",
            Exit::Unavailable => "server or network unavailable",
        }
    }

    /// The exit code table shown after `--help`.
    pub fn help_table() -> String {
        let mut text = String::from("Exit codes:\n");
        for exit in Exit::ALL {
            text.push_str(&format!("  {}  {}\n", exit.code(), exit.describe()));
        }
        text
    }
}

/// A failure with its exit code class and hints for the user.
pub struct Error {
    exit: Exit,
    inner: anyhow::Error,
    hints: Vec<String>,
}

/// Result with the CLI's error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps any error in the given class.
    pub fn new(exit: Exit, inner: impl Into<anyhow::Error>) -> Self {
        Self { exit, inner: inner.into(), hints: Vec::new() }
    }

    /// An error from a message.
    pub fn msg(
        exit: Exit,
        message: impl fmt::Display + fmt::Debug + Send + Sync + 'static,
    ) -> Self {
        Self::new(exit, anyhow::Error::msg(message))
    }

    /// A usage error from a message.
    pub fn usage(message: impl fmt::Display + fmt::Debug + Send + Sync + 'static) -> Self {
        Self::msg(Exit::Usage, message)
    }

    /// Adds a `hint:` line.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    /// Adds context in front of the message, keeping class and hints.
    pub fn context(mut self, context: impl fmt::Display + Send + Sync + 'static) -> Self {
        self.inner = self.inner.context(context);
        self
    }

    /// The exit code class.
    pub fn exit(&self) -> Exit {
        self.exit
    }

    /// Whether the failure is stdout closing under us (`otsctl get | head`).
    pub fn is_broken_pipe(&self) -> bool {
        self.inner.downcast_ref::<crate::output::StdoutClosed>().is_some()
    }

    /// The message chain, without the `otsctl:` prefix and the hints.
    pub fn message(&self) -> String {
        let chain: Vec<String> =
            self.inner.chain().map(|e| lowercase_first(&e.to_string())).collect();
        chain.join(": ")
    }

    /// The lines printed on stderr: `otsctl: <chain>` and any `hint:` lines.
    pub fn render(&self) -> String {
        let mut text = format!("otsctl: {}\n", self.message());
        for hint in &self.hints {
            text.push_str(&format!("hint: {hint}\n"));
        }
        text
    }
}

impl From<anyhow::Error> for Error {
    fn from(inner: anyhow::Error) -> Self {
        Self::new(Exit::Failure, inner)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error").field("exit", &self.exit).field("message", &self.render()).finish()
    }
}

/// Lowercases the first letter of messages from the standard library
/// ("No such file or directory"), but leaves acronyms ("HTTP", "TLS") alone.
fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => {
            first.to_lowercase().chain(text.chars().skip(1)).collect()
        }
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_ordered() {
        let codes: Vec<u8> = Exit::ALL.iter().map(|e| e.code()).collect();
        assert_eq!(codes, vec![0, 1, 2, 3, 4, 5, 6, 7]);
    }

    #[test]
    fn render_joins_the_chain_and_adds_hints() {
        let io = std::io::Error::from(std::io::ErrorKind::NotFound);
        let err = Error::new(Exit::Usage, anyhow::Error::new(io).context("cannot read x"))
            .hint("pass a readable file");
        assert_eq!(
            err.render(),
            "otsctl: cannot read x: entity not found\nhint: pass a readable file\n"
        );
        assert_eq!(err.exit(), Exit::Usage);
    }

    #[test]
    fn lowercases_sentences_not_acronyms() {
        assert_eq!(lowercase_first("No such file"), "no such file");
        assert_eq!(lowercase_first("HTTP status"), "HTTP status");
        assert_eq!(lowercase_first("x"), "x");
        assert_eq!(lowercase_first(""), "");
    }
}

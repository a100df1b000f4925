//! What goes to stdout and stderr.
//!
//! Stdout carries only the product of a command (a link, a secret, a status),
//! so that it can be piped; notes and warnings go to stderr. Text that came
//! from the network is escaped before it reaches a terminal, and a secret that
//! is not printable text is never dumped raw onto one.

use std::fmt;
use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use ots_shared::Content;
use ots_shared::ContentKind;

/// Whether notes are suppressed (`--quiet`), set once at start.
static QUIET: AtomicBool = AtomicBool::new(false);

/// Suppresses or allows notes for the rest of the process.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Prints `note: <message>` on stderr unless `--quiet` was given.
pub fn note(message: &str) {
    if !QUIET.load(Ordering::Relaxed) {
        eprintln!("note: {message}");
    }
}

/// Prints an informational line on stderr unless `--quiet` was given.
pub fn info(message: &str) {
    if !QUIET.load(Ordering::Relaxed) {
        eprintln!("{message}");
    }
}

/// Prints a line on stderr that matters even with `--quiet`.
pub fn say(message: &str) {
    eprintln!("{message}");
}

/// Prints `warning: <message>` on stderr, even with `--quiet`.
pub fn warn(message: &str) {
    eprintln!("warning: {message}");
}

/// Stdout was closed by the reader (`otsctl get | head -c1`): the process
/// exits quietly.
#[derive(Debug)]
pub struct StdoutClosed;

impl fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("stdout was closed")
    }
}

impl std::error::Error for StdoutClosed {}

/// Writes bytes to stdout and flushes.
pub fn stdout(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(bytes).and_then(|()| out.flush()).map_err(|err| {
        if err.kind() == io::ErrorKind::BrokenPipe {
            anyhow::Error::new(StdoutClosed)
        } else {
            anyhow::Error::new(err).context("cannot write to stdout")
        }
    })
}

/// Writes a line to stdout.
pub fn stdout_line(line: &str) -> anyhow::Result<()> {
    stdout(format!("{line}\n").as_bytes())
}

/// Writes a result that must not vanish (a revealed secret, a new link) to
/// stdout, reporting every failure: a broken pipe, a full disk, or a closed
/// stdout, which the standard library's `Stdout` would report as success.
pub fn deliver(bytes: &[u8]) -> io::Result<()> {
    let mut out = stdout_file()?;
    out.write_all(bytes)?;
    out.flush()
}

/// Whether stdout leads nowhere: /dev/null, or closed when otsctl started
/// (the Rust runtime then opens /dev/null in its place, so `>&-` looks the
/// same as `>/dev/null`).
#[cfg(unix)]
pub fn stdout_is_discarded() -> bool {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};

    let Ok(out) = stdout_file().and_then(|file| file.metadata()) else {
        return true;
    };
    let Ok(null) = std::fs::metadata("/dev/null") else {
        return false;
    };
    out.file_type().is_char_device() && out.rdev() == null.rdev()
}

/// Whether stdout leads nowhere (not detectable here).
#[cfg(not(unix))]
pub fn stdout_is_discarded() -> bool {
    false
}

/// Stdout as a file of its own, written without `Stdout`'s buffer; fails
/// when descriptor 1 is closed.
#[cfg(unix)]
fn stdout_file() -> io::Result<std::fs::File> {
    use std::os::fd::AsFd;
    Ok(std::fs::File::from(io::stdout().as_fd().try_clone_to_owned()?))
}

/// Stdout, locked.
#[cfg(not(unix))]
fn stdout_file() -> io::Result<io::StdoutLock<'static>> {
    Ok(io::stdout().lock())
}

/// Makes untrusted text safe for a terminal: control, bidi and other
/// invisible formatting characters are escaped, and the text is cut to
/// `max_chars` characters.
pub fn escape(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    for (count, c) in text.chars().enumerate() {
        if count == max_chars {
            out.push_str("...");
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else if is_invisible_format(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Bidi controls, zero-width characters and the byte order mark: they change
/// how surrounding text is displayed without being seen themselves.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Whether bytes can be shown on a terminal as they are: UTF-8 without
/// control characters other than newline, carriage return and tab, and
/// without bidi or invisible formatting characters.
pub fn is_printable_text(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    text.chars()
        .all(|c| matches!(c, '\n' | '\r' | '\t') || !(c.is_control() || is_invisible_format(c)))
}

/// Where a revealed secret goes when no `-o` was given.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Byte for byte to stdout.
    Stdout,
    /// Into a new file in the current directory, named from this base.
    NewFile(String),
}

/// Decides where a secret goes without `-o`: a pipe or file gets every byte;
/// a terminal gets printable text only, anything else is saved to a file.
pub fn delivery(stdout_is_terminal: bool, content: &Content) -> Delivery {
    if !stdout_is_terminal || is_printable_text(content.data.expose()) {
        return Delivery::Stdout;
    }
    match content.kind {
        ContentKind::File => Delivery::NewFile(safe_file_name(&content.name)),
        ContentKind::Text => Delivery::NewFile(FALLBACK_NAME.to_owned()),
    }
}

/// The name a secret gets when its payload names none usable.
const FALLBACK_NAME: &str = "secret.bin";
/// The longest file name taken from a payload, in bytes.
const MAX_SAFE_NAME: usize = 100;

/// A sender-chosen file name made harmless in the current directory: no
/// leading dots (no `.bashrc`, no hidden files), nothing but letters, digits,
/// `.`, `_`, `-` and spaces (others become `_`, so no `/` or terminal
/// controls), at most 100 bytes; `secret.bin` when nothing is left.
pub fn safe_file_name(name: &str) -> String {
    let safe: String =
        name.trim_start_matches('.')
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ' ' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .take(MAX_SAFE_NAME)
            .collect();
    if safe.is_empty() { FALLBACK_NAME.to_owned() } else { safe }
}

/// Whether stdout is a terminal.
pub fn stdout_is_terminal() -> bool {
    io::stdout().is_terminal()
}

/// Whether stderr is a terminal.
pub fn stderr_is_terminal() -> bool {
    io::stderr().is_terminal()
}

#[cfg(test)]
mod tests {
    use ots_shared::SecretBytes;

    use super::*;

    fn text(bytes: &[u8]) -> Content {
        Content::text(SecretBytes::new(bytes.to_vec()))
    }

    #[test]
    fn printable_text_allows_newlines_tabs_and_unicode() {
        assert!(is_printable_text(b"hunter2\n"));
        assert!(is_printable_text(b"a: 1\r\nb:\t2\r\n"));
        assert!(is_printable_text("caf\u{65}\u{301} \u{1F511}".as_bytes()));
        assert!(is_printable_text(b""));
    }

    #[test]
    fn printable_text_refuses_binary_and_escapes() {
        assert!(!is_printable_text(b"\xff\xfe"));
        assert!(!is_printable_text(b"a\0b"));
        assert!(!is_printable_text(b"\x1b[2J"));
        assert!(!is_printable_text("\u{202E}txt.exe".as_bytes()));
        assert!(!is_printable_text("\u{85}".as_bytes()));
    }

    #[test]
    fn delivery_depends_on_terminal_and_content() {
        assert_eq!(delivery(false, &text(b"\0\x01")), Delivery::Stdout);
        assert_eq!(delivery(true, &text(b"hunter2\n")), Delivery::Stdout);
        assert_eq!(delivery(true, &text(b"\0\x01")), Delivery::NewFile("secret.bin".into()));
        let file = Content::file("key.der", SecretBytes::new(vec![0x30, 0x82, 0x00]));
        assert_eq!(delivery(true, &file), Delivery::NewFile("key.der".into()));
        let printable = Content::file(".env", SecretBytes::new(b"A=1\n".to_vec()));
        assert_eq!(delivery(true, &printable), Delivery::Stdout);
        let hidden = Content::file(".bashrc", SecretBytes::new(vec![0]));
        assert_eq!(delivery(true, &hidden), Delivery::NewFile("bashrc".into()));
    }

    #[test]
    fn sender_chosen_names_are_made_safe() {
        let cases = [
            ("key.der", "key.der"),
            ("my key-2_final.pem", "my key-2_final.pem"),
            (".bashrc", "bashrc"),
            ("...profile", "profile"),
            ("../../.ssh/authorized_keys", "_.._.ssh_authorized_keys"),
            ("/etc/passwd", "_etc_passwd"),
            ("a\\b:c*d?e", "a_b_c_d_e"),
            ("\u{202e}gpj.exe", "_gpj.exe"),
            ("na\u{ef}ve\u{1F511}.txt", "na_ve_.txt"),
            ("\x1b[2J", "__2J"),
            ("", "secret.bin"),
            (".", "secret.bin"),
            ("..", "secret.bin"),
        ];
        for (name, safe) in cases {
            assert_eq!(safe_file_name(name), safe, "{name:?}");
        }
        assert_eq!(safe_file_name(&"x".repeat(300)), "x".repeat(100));
        assert_eq!(safe_file_name(&"\u{e9}".repeat(300)), "_".repeat(100));
    }

    #[test]
    fn escape_neutralises_terminal_controls_and_caps_length() {
        assert_eq!(escape("plain text", 100), "plain text");
        assert_eq!(escape("a\x1b[31mred\nb", 100), "a\\u{1b}[31mred\\nb");
        assert_eq!(escape("x\u{202E}y", 100), "x\\u{202e}y");
        assert_eq!(escape("abcdef", 3), "abc...");
        assert_eq!(escape("abc", 3), "abc");
    }
}

//! Reading the secret to send: from a file, a pipe, or a hidden prompt.
//!
//! Bytes are kept exactly as read: no trimming, no newline conversion, no
//! Unicode normalisation. The one exception is the prompt, where the Enter
//! that ends the line is not part of the secret. Reading stops one byte past
//! what the server accepts, so `send /dev/zero` ends at once, in bounded
//! memory.

use std::fs::File;
use std::io::{self, IsTerminal, Read};
use std::path::Path;

use ots_shared::{Content, SecretBytes};

use crate::error::{Error, Exit, Result};
use crate::output;

/// Where the secret comes from, which decides the payload's kind and name.
/// Choosing it (and opening a file) happens before any request; reading it
/// happens once the server's size limit is known.
#[derive(Debug)]
pub enum Source {
    /// A file named on the command line, opened.
    File {
        /// The open file.
        file: File,
        /// Its base name, which travels (encrypted) with it.
        name: String,
        /// Its path, escaped for messages.
        shown: String,
    },
    /// Stdin that is a pipe or a redirected file.
    Stdin,
    /// A hidden prompt on the terminal.
    Prompt,
}

/// Chooses the source: `file`, else stdin, else a prompt; opens the file.
/// A file named `-` means stdin, as without one (a file of that name is
/// `./-`).
pub fn open(file: Option<&Path>) -> Result<Source> {
    match file.filter(|path| !is_stdin(path)) {
        Some(path) => open_file(path),
        None if io::stdin().is_terminal() => Ok(Source::Prompt),
        None => Ok(Source::Stdin),
    }
}

/// Whether a path, as typed, is `-`, the usual name for stdin.
fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

impl Source {
    /// The length of the name that travels with the secret.
    pub fn name_len(&self) -> usize {
        match self {
            Source::File { name, .. } => name.len(),
            Source::Stdin | Source::Prompt => 0,
        }
    }

    /// Reads the secret and wraps it as payload content; reads at most one
    /// byte more than `max_len`, and returns `None` when there is more.
    pub fn read(self, max_len: u64) -> Result<Option<Content>> {
        let from_stdin = matches!(self, Source::Stdin);
        let content = match self {
            Source::File { file, name, shown } => {
                Content::file(name, read_file(file, &shown, max_len)?)
            }
            Source::Stdin => Content::text(read_stdin(max_len)?),
            Source::Prompt => prompt()?,
        };
        if u64::try_from(content.data.len()).unwrap_or(u64::MAX) > max_len {
            return Ok(None);
        }
        if content.data.is_empty() {
            return Err(Error::usage("the secret is empty")
                .hint("pipe the secret in, name a file, or type it at the prompt"));
        }
        if from_stdin && content.data.expose().ends_with(b"\n") {
            output::note(
                "the secret ends with a newline, which is kept; use printf '%s' to send it without",
            );
        }
        Ok(Some(content))
    }
}

/// Opens a file to send; its base name travels (encrypted) with it.
fn open_file(path: &Path) -> Result<Source> {
    let shown = output::escape(&path.display().to_string(), 200);
    if path.is_dir() {
        return Err(Error::usage(format!("cannot read {shown}: it is a directory")));
    }
    let file = File::open(path).map_err(|err| {
        let not_found = err.kind() == io::ErrorKind::NotFound;
        let error = cannot_read(&shown, err);
        if not_found {
            error.hint("the secret comes from a file, a pipe or a prompt, never from an argument")
        } else {
            error
        }
    })?;
    Ok(Source::File { file, name: base_name(path), shown })
}

fn cannot_read(shown: &str, err: io::Error) -> Error {
    Error::new(Exit::Usage, anyhow::Error::new(err).context(format!("cannot read {shown}")))
}

/// Reads at most `max_len + 1` bytes of a file.
fn read_file(file: File, shown: &str, max_len: u64) -> Result<SecretBytes> {
    let limit = max_len.saturating_add(1);
    // Sized up front so that a file that does not change while it is read
    // needs no growing at all.
    let size = file.metadata().map(|m| m.len()).unwrap_or(0).min(limit);
    let capacity = usize::try_from(size).unwrap_or(0).saturating_add(1);
    read_wiped(file.take(limit), capacity).map_err(|err| cannot_read(shown, err))
}

/// Reads `reader` to its end. `Vec`'s own growth would leave the old
/// allocation, holding a copy of the secret, unwiped in freed memory; this
/// grows by copying into a larger buffer and wiping the old one.
fn read_wiped(mut reader: impl Read, capacity: usize) -> io::Result<SecretBytes> {
    const CHUNK: usize = 16 * 1024;
    let mut data = SecretBytes::new(Vec::with_capacity(capacity.max(CHUNK)));
    let mut chunk = zeroize::Zeroizing::new([0u8; CHUNK]);
    loop {
        let read = match reader.read(&mut chunk[..]) {
            Ok(0) => return Ok(data),
            Ok(read) => read,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        let (len, capacity) = (data.len(), data.expose_mut().capacity());
        if capacity - len < read {
            let mut bigger = Vec::with_capacity(capacity.saturating_mul(2).max(len + read));
            bigger.extend_from_slice(data.expose());
            // The old buffer is wiped as it is dropped.
            data = SecretBytes::new(bigger);
        }
        data.expose_mut().extend_from_slice(&chunk[..read]);
    }
}

/// The name stored in the payload: the path's last component, or `secret`
/// when there is none (such as `/`).
fn base_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "secret".to_owned())
}

/// Reads at most `max_len + 1` bytes of stdin.
fn read_stdin(max_len: u64) -> Result<SecretBytes> {
    read_wiped(io::stdin().lock().take(max_len.saturating_add(1)), 0)
        .map_err(|err| anyhow::Error::new(err).context("cannot read the secret from stdin").into())
}

/// Asks once, without echo; the line without its newline is the secret.
fn prompt() -> Result<Content> {
    let line = rpassword::prompt_password("secret (input hidden): ").map_err(|err| {
        Error::new(Exit::Usage, anyhow::Error::new(err).context("cannot prompt for the secret"))
            .hint("pipe the secret in or name a file")
    })?;
    Ok(Content::text(SecretBytes::new(line.into_bytes())))
}

/// Reads up to the first `\n` (or the end), at most `max_line` bytes and a
/// `\r\n`, into buffers that are wiped when dropped; returns the line
/// without its line ending, or `None` when it is longer than `max_line`.
/// Reading stops at the first `\n`, so a pipe or FIFO whose writer stays
/// open works, and an endless source such as `/dev/zero` ends at once.
pub fn read_first_line(
    mut reader: impl Read,
    max_line: usize,
) -> io::Result<Option<zeroize::Zeroizing<Vec<u8>>>> {
    let most = max_line + 2;
    let mut buf = zeroize::Zeroizing::new(vec![0u8; most]);
    let mut filled = 0;
    while filled < most && !buf[..filled].contains(&b'\n') {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        }
    }
    let line = first_line(&buf[..filled]);
    if line.len() > max_line {
        return Ok(None);
    }
    Ok(Some(zeroize::Zeroizing::new(line.to_vec())))
}

/// The first line of `bytes`, without its line ending (`\n` or `\r\n`).
fn first_line(bytes: &[u8]) -> &[u8] {
    let line = match bytes.iter().position(|b| *b == b'\n') {
        Some(end) => &bytes[..end],
        None => bytes,
    };
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out at most `step` bytes per read, with an interruption
    /// between reads, like a slow pipe. With `open`, a read past the data
    /// fails, like waiting on a FIFO whose writer stays open.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
        interrupt: bool,
        open: bool,
    }

    impl<'a> Trickle<'a> {
        fn new(data: &'a [u8], step: usize) -> Self {
            Self { data, step, interrupt: false, open: false }
        }

        fn open(data: &'a [u8], step: usize) -> Self {
            Self { open: true, ..Self::new(data, step) }
        }
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.open && self.data.is_empty() {
                return Err(io::Error::other("read past the first line"));
            }
            self.interrupt = !self.interrupt;
            if self.interrupt {
                return Err(io::ErrorKind::Interrupted.into());
            }
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn reads_everything_across_growth() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        for (step, capacity) in [(1, 0), (7_777, 0), (16 * 1024, 100), (100_000, 200_001)] {
            let reader = Trickle::new(&data, step);
            let read = read_wiped(reader, capacity).expect("read");
            assert_eq!(read.expose(), data.as_slice(), "step {step}, capacity {capacity}");
        }
        let empty = read_wiped(io::empty(), 0).expect("read");
        assert!(empty.is_empty());
    }

    #[test]
    fn read_errors_come_through() {
        struct Broken;
        impl Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("disk on fire"))
            }
        }
        let err = read_wiped(Broken, 0).expect_err("fails");
        assert_eq!(err.to_string(), "disk on fire");
        let err = read_first_line(Broken, 10).expect_err("fails");
        assert_eq!(err.to_string(), "disk on fire");
    }

    fn line_of(data: &[u8], step: usize) -> Option<Vec<u8>> {
        let line = read_first_line(Trickle::open(data, step), 4096).expect("read");
        line.map(|line| line.to_vec())
    }

    #[test]
    fn reading_stops_at_the_first_newline() {
        for step in [1, 3, 4096] {
            assert_eq!(line_of(b"correct horse\n", step).as_deref(), Some(&b"correct horse"[..]));
            assert_eq!(line_of(b"pass\r\n", step).as_deref(), Some(&b"pass"[..]), "{step}");
            assert_eq!(line_of(b"\n", step).as_deref(), Some(&b""[..]), "{step}");
        }
        // Bytes after the newline that arrive in the same read are dropped.
        assert_eq!(line_of(b"a\nsecond\n", 100).as_deref(), Some(&b"a"[..]));
        let ended = read_first_line(&b"no newline"[..], 4096).expect("read");
        assert_eq!(ended.as_deref().map(Vec::as_slice), Some(&b"no newline"[..]));
    }

    #[test]
    fn long_first_lines_are_refused_without_reading_on() {
        let longest = [b'x'; 4096];
        assert_eq!(line_of(&[&longest[..], b"\r\n"].concat(), 1000).map(|l| l.len()), Some(4096));
        assert_eq!(line_of(&[&longest[..], b"x\n"].concat(), 1000), None);
        // An endless source: reading stops after the longest line and \r\n.
        let endless = io::repeat(0).take(u64::MAX);
        assert!(read_first_line(endless, 4096).expect("read").is_none());
        assert!(read_first_line(io::repeat(b'a'), 8192).expect("read").is_none());
    }

    #[test]
    fn a_dash_is_stdin_but_a_path_to_it_is_a_file() {
        assert!(is_stdin(Path::new("-")));
        for path in ["./-", "-/", "--", "a-", "/tmp/-"] {
            assert!(!is_stdin(Path::new(path)), "{path}");
        }
    }

    #[test]
    fn base_names() {
        assert_eq!(base_name(Path::new("/home/a/.ssh/id_ed25519")), "id_ed25519");
        assert_eq!(base_name(Path::new("kube.yaml")), "kube.yaml");
        assert_eq!(base_name(Path::new("/")), "secret");
    }

    #[test]
    fn first_line_strips_one_line_ending() {
        assert_eq!(first_line(b"secret\n"), b"secret");
        assert_eq!(first_line(b"secret\r\n"), b"secret");
        assert_eq!(first_line(b"secret"), b"secret");
        assert_eq!(first_line(b"a b \nsecond\n"), b"a b ");
        assert_eq!(first_line(b"\n"), b"");
        assert_eq!(first_line(b"x\r\r\n"), b"x\r");
    }
}

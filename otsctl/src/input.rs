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
pub fn open(file: Option<&Path>) -> Result<Source> {
    match file {
        Some(path) => open_file(path),
        None if io::stdin().is_terminal() => Ok(Source::Prompt),
        None => Ok(Source::Stdin),
    }
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
    let mut data = SecretBytes::default();
    // Reserving the size up front avoids reallocations that would leave
    // unwiped copies of the secret behind.
    let size = file.metadata().map(|m| m.len()).unwrap_or(0).min(limit);
    data.expose_mut().reserve(usize::try_from(size).unwrap_or(0));
    file.take(limit).read_to_end(data.expose_mut()).map_err(|err| cannot_read(shown, err))?;
    Ok(data)
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
    let mut data = SecretBytes::default();
    io::stdin()
        .lock()
        .take(max_len.saturating_add(1))
        .read_to_end(data.expose_mut())
        .map_err(|err| anyhow::Error::new(err).context("cannot read the secret from stdin"))?;
    Ok(data)
}

/// Asks once, without echo; the line without its newline is the secret.
fn prompt() -> Result<Content> {
    let line = rpassword::prompt_password("secret (input hidden): ").map_err(|err| {
        Error::new(Exit::Usage, anyhow::Error::new(err).context("cannot prompt for the secret"))
            .hint("pipe the secret in or name a file")
    })?;
    Ok(Content::text(SecretBytes::new(line.into_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_names() {
        assert_eq!(base_name(Path::new("/home/a/.ssh/id_ed25519")), "id_ed25519");
        assert_eq!(base_name(Path::new("kube.yaml")), "kube.yaml");
        assert_eq!(base_name(Path::new("/")), "secret");
    }
}

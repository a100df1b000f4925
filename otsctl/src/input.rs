//! Reading the secret to send: from a file, a pipe, or a hidden prompt.
//!
//! Bytes are kept exactly as read: no trimming, no newline conversion, no
//! Unicode normalisation. The one exception is the prompt, where the Enter
//! that ends the line is not part of the secret.

use std::fs::File;
use std::io::{self, IsTerminal, Read};
use std::path::Path;

use ots_shared::{Content, SecretBytes};

use crate::error::{Error, Exit, Result};
use crate::output;

/// The most memory reserved ahead of reading a file, whatever size it claims.
const RESERVE_CAP: u64 = 1 << 30;

/// Where the secret came from, which decides the payload's kind and name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    /// A file named on the command line.
    File,
    /// Stdin that is a pipe or a redirected file.
    Stdin,
    /// A hidden prompt on the terminal.
    Prompt,
}

/// Reads the secret from `file`, else stdin, else a prompt, and wraps it as
/// payload content.
pub fn read_secret(file: Option<&Path>) -> Result<Content> {
    let (source, content) = match file {
        Some(path) => (Source::File, read_file(path)?),
        None if io::stdin().is_terminal() => (Source::Prompt, prompt()?),
        None => (Source::Stdin, Content::text(read_stdin()?)),
    };
    if content.data.is_empty() {
        return Err(Error::usage("the secret is empty")
            .hint("pipe the secret in, name a file, or type it at the prompt"));
    }
    if source == Source::Stdin && content.data.expose().ends_with(b"\n") {
        output::note(
            "the secret ends with a newline, which is kept; use printf '%s' to send it without",
        );
    }
    Ok(content)
}

/// Reads a whole file; its base name travels (encrypted) with it.
fn read_file(path: &Path) -> Result<Content> {
    let shown = output::escape(&path.display().to_string(), 200);
    let cannot = |err: io::Error| {
        Error::new(Exit::Usage, anyhow::Error::new(err).context(format!("cannot read {shown}")))
    };
    if path.is_dir() {
        return Err(Error::usage(format!("cannot read {shown}: it is a directory")));
    }
    let mut file = File::open(path).map_err(|err| {
        let not_found = err.kind() == io::ErrorKind::NotFound;
        let error = cannot(err);
        if not_found {
            error.hint("the secret comes from a file, a pipe or a prompt, never from an argument")
        } else {
            error
        }
    })?;
    let mut data = SecretBytes::default();
    // Reserving the size up front avoids reallocations that would leave
    // unwiped copies of the secret behind.
    let size = file.metadata().map(|m| m.len()).unwrap_or(0).min(RESERVE_CAP);
    data.expose_mut().reserve(usize::try_from(size).unwrap_or(0) + 1);
    file.read_to_end(data.expose_mut()).map_err(cannot)?;
    Ok(Content::file(base_name(path), data))
}

/// The name stored in the payload: the path's last component, or `secret`
/// when there is none (such as `/`).
fn base_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "secret".to_owned())
}

fn read_stdin() -> Result<SecretBytes> {
    let mut data = SecretBytes::default();
    io::stdin()
        .lock()
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

//! `otsctl get LINK [-o FILE]`.
//!
//! The reveal consumes the secret, so everything that can fail locally is
//! checked before it: the link, the passphrase, and where the secret will be
//! written.

use std::path::Path;

use ots_shared::{Content, Envelope, EnvelopeError};

use super::{Opened, parse_link};
use crate::cli::GetArgs;
use crate::destination::{PendingFile, show};
use crate::error::{Error, Exit, Result};
use crate::output::{self, Delivery};

/// The name the temporary file gets before the secret's own name is known.
const TEMP_NAME: &str = "secret";

/// Reveals the secret and writes it out.
pub fn run(args: &GetArgs) -> Result<()> {
    let link = parse_link(&args.link)?;
    let target = match &args.output {
        Some(path) => Some((path.as_path(), PendingFile::for_target(path, args.force)?)),
        None => None,
    };
    let opened = Opened::unlock(link, &args.passphrase_input)?;
    let fallback = match target {
        None if output::stdout_is_terminal() => Some(fallback_file()?),
        _ => None,
    };

    let revealed = opened.client()?.reveal(opened.link.id(), opened.proof())?;
    let content = decrypt(&opened, revealed.envelope, revealed.views_left)?;
    match (target, fallback) {
        (Some((path, pending)), _) => pending.commit(content.data.expose(), path, args.force)?,
        (None, fallback) => deliver(&content, fallback)?,
    }
    if revealed.views_left > 0 {
        let views = if revealed.views_left == 1 { "view" } else { "views" };
        output::note(&format!("{} more {views} left", revealed.views_left));
    }
    Ok(())
}

/// Where a secret that cannot be shown on the terminal will go, prepared
/// before the reveal: the current directory, else the temporary directory.
fn fallback_file() -> Result<PendingFile> {
    PendingFile::in_dir(Path::new("."), TEMP_NAME)
        .or_else(|_| PendingFile::in_dir(&std::env::temp_dir(), TEMP_NAME))
        .map_err(|err| {
            err.context("stdout is a terminal, and there is nowhere to save a binary secret")
        })
}

/// Checks and decrypts the revealed envelope.
fn decrypt(opened: &Opened, bytes: Vec<u8>, views_left: u32) -> Result<Content> {
    Envelope::from_bytes(bytes)
        .and_then(|envelope| envelope.open(&opened.keys, opened.link.fragment().header()))
        .map_err(|err| envelope_error(err, views_left))
}

fn envelope_error(err: EnvelopeError, views_left: u32) -> Error {
    let error = match err {
        EnvelopeError::UnsupportedVersion(_) => Error::new(Exit::Failure, err),
        _ => Error::msg(
            Exit::WrongKey,
            "the envelope did not decrypt: the link and the stored envelope do not match",
        ),
    };
    if views_left == 0 {
        error.hint("that was its last view; ask the sender for a new link")
    } else {
        error
    }
}

/// Writes the secret to stdout, or, when stdout is a terminal and the secret
/// is not printable text, into a new file.
fn deliver(content: &Content, fallback: Option<PendingFile>) -> Result<()> {
    let terminal = output::stdout_is_terminal();
    match (output::delivery(terminal, content), fallback) {
        (Delivery::NewFile(name), Some(pending)) => {
            let saved = pending.commit_numbered(content.data.expose(), &name)?;
            output::say(&format!(
                "the secret is not printable text; it was saved to {} (readable only by you)",
                show(saved.strip_prefix(".").unwrap_or(&saved))
            ));
        }
        _ => {
            output::stdout(content.data.expose())?;
            if terminal && !content.data.expose().ends_with(b"\n") && output::stderr_is_terminal() {
                // Keeps the shell prompt off the secret's last line; stdout stays exact.
                output::say("");
            }
        }
    }
    Ok(())
}

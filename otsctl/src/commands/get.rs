//! `otsctl get LINK [-o FILE]`.
//!
//! The reveal consumes the secret, so everything that can fail locally is
//! checked before it: the link, where the secret will be written, and the
//! passphrase. After it, a secret that cannot be delivered is never
//! reported as a success.

use std::path::Path;

use ots_shared::{Content, Envelope, EnvelopeError};

use super::{Opened, parse_link};
use crate::cli::GetArgs;
use crate::destination::{self, PendingFile, show};
use crate::error::{Error, Exit, Result};
use crate::output::{self, Delivery};

/// The name the temporary file gets before the secret's own name is known.
const TEMP_NAME: &str = "secret";

/// Reveals the secret and writes it out.
pub fn run(args: &GetArgs) -> Result<()> {
    let link = parse_link(&args.link, &args.passphrase_input)?;
    let output = output_file(args);
    match output {
        Some(path) => {
            destination::check_target(path, args.force)?;
        }
        None => check_stdout()?,
    }
    let opened = Opened::unlock(link, &args.passphrase_input)?;
    let target = match output {
        Some(path) => Some((path, PendingFile::for_target(path, args.force)?)),
        None => None,
    };
    let fallback = match target {
        None if output::stdout_is_terminal() => Some(fallback_file()?),
        _ => None,
    };

    let revealed = opened.client()?.reveal(opened.link.id(), opened.proof())?;
    let content = decrypt(&opened, revealed.envelope, revealed.views_left)?;
    let lost = lost_hint(revealed.views_left);
    match (target, fallback) {
        (Some((path, pending)), _) => {
            pending.commit(content.data.expose(), path, args.force, &lost)?;
        }
        (None, fallback) => deliver(&content, fallback, &lost)?,
    }
    notes(&content, revealed.views_left);
    Ok(())
}

/// The `-o` file, if any: `-o -` means stdout, as without `-o` (a file of
/// that name is `./-`).
fn output_file(args: &GetArgs) -> Option<&Path> {
    args.output.as_deref().filter(|path| path.as_os_str() != "-")
}

/// Refuses to reveal into a stdout that leads nowhere.
fn check_stdout() -> Result<()> {
    if output::stdout_is_discarded() {
        return Err(Error::usage("stdout is closed or /dev/null, so the secret would be lost")
            .hint("write it to a file with -o FILE, or destroy it with otsctl burn"));
    }
    Ok(())
}

/// What the reveal cost, for errors that lose the revealed secret.
fn lost_hint(views_left: u32) -> String {
    match views_left {
        0 => "the secret has been consumed; ask the sender for a new one".to_owned(),
        1 => "one view has been used; 1 more view is left".to_owned(),
        n => format!("one view has been used; {n} more views are left"),
    }
}

/// The notes after a successful delivery.
fn notes(content: &Content, views_left: u32) {
    if !content.media_type.is_empty() {
        output::note(&format!("media type {}", output::escape(&content.media_type, 300)));
    }
    if views_left > 0 {
        let views = if views_left == 1 { "view" } else { "views" };
        output::note(&format!("{views_left} more {views} left"));
    }
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
fn deliver(content: &Content, fallback: Option<PendingFile>, lost: &str) -> Result<()> {
    let terminal = output::stdout_is_terminal();
    match (output::delivery(terminal, content), fallback) {
        (Delivery::NewFile(name), Some(pending)) => {
            let saved = pending.commit_numbered(content.data.expose(), &name, lost)?;
            output::say(&format!(
                "the secret is not printable text; it was saved to {} (readable only by you)",
                show(saved.strip_prefix(".").unwrap_or(&saved))
            ));
        }
        _ => {
            output::deliver(content.data.expose()).map_err(|err| {
                let err = anyhow::Error::new(err).context("could not write the secret to stdout");
                Error::new(Exit::Failure, err).hint(lost)
            })?;
            if terminal && !content.data.expose().ends_with(b"\n") && output::stderr_is_terminal() {
                // Keeps the shell prompt off the secret's last line; stdout stays exact.
                output::say("");
            }
        }
    }
    Ok(())
}

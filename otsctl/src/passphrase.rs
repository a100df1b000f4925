//! Where a passphrase comes from: a prompt on the terminal, a file, or an
//! environment variable (the last two for scripts, which have no terminal).

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use ots_shared::Passphrase;

use crate::cli::PassphraseArgs;
use crate::error::{Error, Exit, Result};
use crate::{input, output};

/// One way of obtaining a passphrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Ask on /dev/tty; `confirm` asks a second time and compares.
    Prompt {
        /// Whether to ask twice (when setting a passphrase).
        confirm: bool,
    },
    /// The first line of a file.
    File(PathBuf),
    /// An environment variable.
    Env(String),
}

impl Source {
    /// The non-interactive source named by the flags, if any.
    pub fn from_args(args: &PassphraseArgs) -> Option<Self> {
        match (&args.passphrase_file, &args.passphrase_env) {
            (Some(path), _) => Some(Source::File(path.clone())),
            (None, Some(var)) => Some(Source::Env(var.clone())),
            (None, None) => None,
        }
    }

    /// Obtains the passphrase; an empty one is refused.
    pub fn read(&self) -> Result<Passphrase> {
        let text = match self {
            Source::Prompt { confirm } => prompt(*confirm)?,
            Source::File(path) => from_file(path)?,
            Source::Env(var) => from_env(var)?,
        };
        if text.is_empty() {
            return Err(Error::usage("the passphrase is empty"));
        }
        Ok(Passphrase::new(text))
    }
}

/// The passphrase for a link that needs one: from the flags, else a prompt.
/// A passphrase given for a link that needs none is ignored with a note.
pub fn for_link(needed: bool, args: &PassphraseArgs) -> Result<Option<Passphrase>> {
    let source = Source::from_args(args);
    match (needed, source) {
        (true, Some(source)) => source.read().map(Some),
        (true, None) => Source::Prompt { confirm: false }.read().map(Some),
        (false, Some(_)) => {
            output::note("the link needs no passphrase; the one given is not used");
            Ok(None)
        }
        (false, None) => Ok(None),
    }
}

fn prompt(confirm: bool) -> Result<String> {
    let mut first = zeroize::Zeroizing::new(ask("passphrase (input hidden): ")?);
    if confirm {
        let again = zeroize::Zeroizing::new(ask("passphrase again: ")?);
        if again != first {
            return Err(Error::usage("the two passphrases differ"));
        }
    }
    Ok(std::mem::take(&mut *first))
}

fn ask(prompt: &str) -> Result<String> {
    rpassword::prompt_password(prompt).map_err(|err| {
        Error::new(Exit::Usage, anyhow::Error::new(err).context("cannot prompt for the passphrase"))
            .hint("without a terminal, use --passphrase-file FILE or --passphrase-env VAR")
    })
}

/// The longest passphrase read from a file, in bytes.
const MAX_FILE_PASSPHRASE: usize = 4096;

/// The file's first line, without its line ending (`\n` or `\r\n`).
/// Reading stops at the first `\n`, so a pipe or FIFO whose writer stays
/// open works, and never goes past the longest passphrase and a line
/// ending, so an endless file such as `/dev/zero` is refused at once.
fn from_file(path: &Path) -> Result<String> {
    let shown = output::escape(&path.display().to_string(), 200);
    let cannot_read = |err: io::Error| {
        Error::new(Exit::Usage, anyhow::Error::new(err).context(format!("cannot read {shown}")))
    };
    let file = File::open(path).map_err(cannot_read)?;
    let Some(line) = input::read_first_line(file, MAX_FILE_PASSPHRASE).map_err(cannot_read)? else {
        return Err(Error::usage(format!(
            "the passphrase in {shown} is longer than {MAX_FILE_PASSPHRASE} bytes"
        ))
        .hint("--passphrase-file takes the passphrase from the file's first line"));
    };
    String::from_utf8(line.to_vec()).map_err(|err| {
        // The error holds a copy of the bytes: wipe it.
        drop(zeroize::Zeroizing::new(err.into_bytes()));
        Error::usage(format!("the passphrase in {shown} is not valid UTF-8"))
    })
}

fn from_env(var: &str) -> Result<String> {
    let shown = output::escape(var, 100);
    match std::env::var(var) {
        Ok(text) => Ok(text),
        Err(std::env::VarError::NotPresent) => {
            Err(Error::usage(format!("the environment variable {shown} is not set")))
        }
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(Error::usage(format!("the environment variable {shown} is not valid UTF-8")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_variable_is_a_usage_error() {
        let err = Source::Env("OTSCTL_TEST_SURELY_UNSET_VAR".into()).read().expect_err("unset");
        assert_eq!(err.exit(), Exit::Usage);
        assert_eq!(
            err.render(),
            "otsctl: the environment variable OTSCTL_TEST_SURELY_UNSET_VAR is not set\n"
        );
    }
}

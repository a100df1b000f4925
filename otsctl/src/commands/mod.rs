//! One module per subcommand; each turns validated arguments into requests
//! and output.

mod burn;
mod completions;
mod get;
mod send;
mod status;

use std::io::{self, IsTerminal as _};
use std::path::Path;

use ots_shared::{DerivedKeys, Fragment, Passphrase, Proof, ShareLink};
use zeroize::Zeroizing;

use crate::cli::{Cli, Command, PassphraseArgs};
use crate::client::Client;
use crate::config::ServerUrl;
use crate::error::{Error, Exit, Result};
use crate::{input, output, passphrase};

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    output::set_quiet(cli.quiet);
    match cli.command {
        Command::Send(args) => send::run(&args),
        Command::Get(args) => get::run(&args),
        Command::Status(args) => status::run(&args),
        Command::Burn(args) => burn::run(&args),
        Command::Completions(args) => completions::run(&args),
    }
}

/// A parsed link with the keys derived from it: everything needed before
/// the first request on an existing secret.
struct Opened {
    link: ShareLink,
    server: ServerUrl,
    keys: DerivedKeys,
}

/// The longest link read from standard input, in bytes.
const MAX_LINK_LEN: usize = 8192;

/// Parses the LINK argument as pasted; a malformed link is a usage error,
/// found before any request is made. `-` reads the link from standard input
/// instead, which keeps its key out of the shell history and out of the
/// process list that other users of the machine can read.
fn parse_link(arg: &str, passphrase_args: &PassphraseArgs) -> Result<ShareLink> {
    let from_stdin;
    let text = if arg == "-" {
        refuse_shared_stdin(passphrase_args)?;
        from_stdin = read_link()?;
        from_stdin.as_str()
    } else {
        arg
    };
    ShareLink::parse(text).map_err(|err| {
        Error::new(Exit::Usage, anyhow::Error::new(err).context("the link is not valid"))
    })
}

/// Standard input can carry the link or the passphrase, not both: the link
/// reader may read past its line, and a reopened `/dev/stdin` would start
/// over at the link and spend a try on it as a passphrase.
fn refuse_shared_stdin(passphrase_args: &PassphraseArgs) -> Result<()> {
    let names_stdin = |path: &Path| {
        matches!(path.to_str(), Some("-" | "/dev/stdin" | "/dev/fd/0" | "/proc/self/fd/0"))
    };
    if passphrase_args.passphrase_file.as_deref().is_some_and(names_stdin) {
        return Err(Error::usage(
            "the link and the passphrase cannot both come from standard input",
        )
        .hint("give the passphrase with --passphrase-env VAR or a --passphrase-file of its own"));
    }
    Ok(())
}

/// The link from standard input: its first line, or a hidden prompt when
/// standard input is a terminal.
fn read_link() -> Result<Zeroizing<String>> {
    if io::stdin().is_terminal() {
        return rpassword::prompt_password("link (input hidden): ").map(Zeroizing::new).map_err(
            |err| Error::new(Exit::Usage, anyhow::Error::new(err).context("cannot read the link")),
        );
    }
    let cannot_read = |err: io::Error| {
        Error::new(
            Exit::Usage,
            anyhow::Error::new(err).context("cannot read the link from standard input"),
        )
    };
    let line = input::read_first_line(io::stdin().lock(), MAX_LINK_LEN)
        .map_err(cannot_read)?
        .ok_or_else(|| {
            Error::usage(format!(
                "the first line of standard input is longer than {MAX_LINK_LEN} bytes, too long \
                 for a link"
            ))
        })?;
    let text = std::str::from_utf8(&line)
        .map_err(|_| Error::usage("the link on standard input is not valid UTF-8"))?;
    if text.trim().is_empty() {
        return Err(Error::usage("standard input holds no link"));
    }
    Ok(Zeroizing::new(text.to_owned()))
}

impl Opened {
    /// Parses the link, obtains the passphrase if it needs one, and derives.
    fn new(text: &str, passphrase_args: &PassphraseArgs) -> Result<Self> {
        Self::unlock(parse_link(text, passphrase_args)?, passphrase_args)
    }

    /// Obtains the passphrase if the link needs one, and derives the keys.
    fn unlock(link: ShareLink, passphrase_args: &PassphraseArgs) -> Result<Self> {
        let server = ServerUrl::parse(link.base())?;
        let pass = passphrase::for_link(link.fragment().needs_passphrase(), passphrase_args)?;
        let keys = derive(link.fragment(), pass.as_ref())?;
        Ok(Self { link, server, keys })
    }

    /// A client for the server the link points at.
    fn client(&self) -> Result<Client> {
        self.server.warn_if_plain_http();
        Client::new(self.server.clone())
    }

    /// A copy of the proof for one request.
    fn proof(&self) -> Proof {
        Proof::from_bytes(*self.keys.proof().expose())
    }
}

/// Derives the keys; Argon2id runs here when there is a passphrase.
fn derive(fragment: &Fragment, pass: Option<&Passphrase>) -> Result<DerivedKeys> {
    fragment.derive(pass).map_err(|err| {
        Error::new(Exit::Failure, anyhow::Error::new(err).context("cannot derive the keys"))
    })
}

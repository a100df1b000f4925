//! One module per subcommand; each turns validated arguments into requests
//! and output.

mod burn;
mod completions;
mod get;
mod send;
mod status;

use ots_shared::{DerivedKeys, Fragment, Passphrase, Proof, ShareLink};

use crate::cli::{Cli, Command, PassphraseArgs};
use crate::client::Client;
use crate::config::ServerUrl;
use crate::error::{Error, Exit, Result};
use crate::{output, passphrase};

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

/// Parses a link as pasted; a malformed link is a usage error, found before
/// any request is made.
fn parse_link(text: &str) -> Result<ShareLink> {
    ShareLink::parse(text).map_err(|err| {
        Error::new(Exit::Usage, anyhow::Error::new(err).context("the link is not valid"))
    })
}

impl Opened {
    /// Parses the link, obtains the passphrase if it needs one, and derives.
    fn new(text: &str, passphrase_args: &PassphraseArgs) -> Result<Self> {
        Self::unlock(parse_link(text)?, passphrase_args)
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

//! `otsctl burn LINK`.

use super::Opened;
use crate::cli::BurnArgs;
use crate::error::Result;
use crate::output;

/// Destroys the secret.
pub fn run(args: &BurnArgs) -> Result<()> {
    let opened = Opened::new(&args.link, &args.passphrase_input)?;
    opened.client()?.burn(opened.link.id(), opened.proof())?;
    output::note("burned");
    Ok(())
}

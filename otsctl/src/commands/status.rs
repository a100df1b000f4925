//! `otsctl status LINK`.

use ots_shared::api::StatusResponse;

use super::Opened;
use crate::cli::StatusArgs;
use crate::error::Result;
use crate::expiry::Expiry;
use crate::output;

/// Prints views left, expiry and tries left without consuming anything.
pub fn run(args: &StatusArgs) -> Result<()> {
    let opened = Opened::new(&args.link, &args.passphrase_input)?;
    let status = opened.client()?.status(opened.link.id(), opened.proof())?;
    let expiry = Expiry::parse(&status.expires_at)?;

    if args.json {
        let checked = StatusResponse { expires_at: expiry.rfc3339(), ..status };
        let json = serde_json::to_string(&checked).map_err(anyhow::Error::new)?;
        output::stdout_line(&json)?;
    } else {
        let text = format!(
            "views left: {}\nexpires: {}\ntries left: {}",
            status.views_left,
            expiry.describe(),
            status.tries_left
        );
        output::stdout_line(&text)?;
    }
    Ok(())
}

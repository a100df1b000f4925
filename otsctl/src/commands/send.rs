//! `otsctl send [FILE]`.

use ots_shared::api::{CreateRequest, CreateResponse, ServerConfig};
use ots_shared::envelope::{VERSION, sealed_len};
use ots_shared::{
    Argon2Params, Content, Envelope, EnvelopeError, Fragment, Passphrase, SecretId, ShareLink,
};

use super::derive;
use crate::cli::SendArgs;
use crate::client::Client;
use crate::error::{Error, Exit, Result};
use crate::expiry::{Expiry, short_duration};
use crate::passphrase::Source;
use crate::{config, input, output};

/// What `send --json` prints, in this field order.
#[derive(Debug, serde::Serialize)]
struct SendOutput<'a> {
    link: &'a str,
    expires_at: String,
    views: u32,
}

/// Encrypts the secret, stores it, and prints the link.
pub fn run(args: &SendArgs) -> Result<()> {
    let server = config::resolve(args.server.as_deref())?;
    let content = input::read_secret(args.file.as_deref())?;
    let content = match &args.media_type {
        Some(media_type) => content.with_media_type(media_type.as_str()),
        None => content,
    };
    let pass = passphrase(args)?;

    server.warn_if_plain_http();
    let client = Client::new(server)?;
    check_limits(args, &content, pass.is_some(), &client.config()?)?;

    let fragment = Fragment::generate(pass.is_some().then_some(Argon2Params::DEFAULT));
    let keys = derive(&fragment, pass.as_ref())?;
    let envelope = Envelope::seal(&content, &keys, fragment.header()).map_err(|err| {
        let exit = if err == EnvelopeError::TooLarge { Exit::TooLarge } else { Exit::Usage };
        Error::new(exit, anyhow::Error::new(err).context("cannot encrypt the secret"))
    })?;
    let request = CreateRequest {
        envelope: envelope.into_bytes(),
        verifier: keys.proof().verifier(),
        ttl_seconds: args.ttl.map(|ttl| i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX)),
        views: Some(i64::from(args.views)),
    };
    let created = client.create(&request)?;
    print(args, &created, fragment)
}

/// The passphrase chosen by the flags, if any.
fn passphrase(args: &SendArgs) -> Result<Option<Passphrase>> {
    let source = match Source::from_args(&args.passphrase_input) {
        Some(source) => Some(source),
        None if args.passphrase => Some(Source::Prompt { confirm: true }),
        None => None,
    };
    source.map(|source| source.read()).transpose()
}

/// Checks size, TTL and views against the server's limits before anything
/// is encrypted or uploaded.
fn check_limits(
    args: &SendArgs,
    content: &Content,
    passphrase: bool,
    limits: &ServerConfig,
) -> Result<()> {
    if !limits.envelope_versions.contains(&VERSION) {
        return Err(Error::msg(
            Exit::Failure,
            format!("the server does not accept envelope version {VERSION}"),
        ));
    }
    let size =
        sealed_len(content.data.len(), content.name.len(), content.media_type.len(), passphrase);
    if u64::try_from(size).unwrap_or(u64::MAX) > limits.max_envelope_bytes {
        return Err(Error::msg(
            Exit::TooLarge,
            format!(
                "the secret is too large: encrypted it takes {size} bytes, the server accepts at most {} (max_envelope_bytes)",
                limits.max_envelope_bytes
            ),
        ));
    }
    if let Some(ttl) = args.ttl.filter(|ttl| ttl.as_secs() > limits.max_ttl_seconds) {
        let max = std::time::Duration::from_secs(limits.max_ttl_seconds);
        return Err(Error::usage(format!(
            "--ttl {} is longer than the server allows (max_ttl {})",
            short_duration(ttl),
            short_duration(max)
        )));
    }
    if args.views > limits.max_views {
        return Err(Error::usage(format!(
            "--views {} is more than the server allows (max_views {})",
            args.views, limits.max_views
        )));
    }
    Ok(())
}

/// Prints the link on stdout (or the JSON object) and the expiry on stderr.
fn print(args: &SendArgs, created: &CreateResponse, fragment: Fragment) -> Result<()> {
    let id = SecretId::parse(&created.id).map_err(|err| {
        Error::new(Exit::Failure, anyhow::Error::new(err).context("the server returned a bad id"))
    })?;
    let link = ShareLink::new(&created.public_url, id, fragment).map_err(|err| {
        Error::new(
            Exit::Failure,
            anyhow::Error::new(err).context("the server returned a bad public url"),
        )
    })?;
    let expiry = Expiry::parse(&created.expires_at)?;
    let url = link.to_url();

    if args.json {
        let json = SendOutput { link: &url, expires_at: expiry.rfc3339(), views: created.views };
        output::stdout_line(&serde_json::to_string(&json).map_err(anyhow::Error::new)?)?;
    } else {
        output::stdout_line(&url)?;
    }
    let views =
        if created.views == 1 { "1 view".to_owned() } else { format!("{} views", created.views) };
    output::info(&format!("expires {}, {views}", expiry.describe()));
    Ok(())
}

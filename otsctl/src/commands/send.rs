//! `otsctl send [FILE]`.
//!
//! The server's limits are fetched first, so that a secret larger than it
//! accepts is refused after reading just past the limit, and nothing is
//! uploaded that it would refuse. A secret whose link cannot be printed is
//! burned at once: nobody could ever read it.

use ots_shared::api::{CreateRequest, CreateResponse, ServerConfig};
use ots_shared::envelope::{MAX_DATA_LEN, VERSION, sealed_len};
use ots_shared::{
    Argon2Params, Content, DerivedKeys, Envelope, EnvelopeError, Fragment, Passphrase, Proof,
    SecretId, ShareLink,
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
    check_stdout()?;
    let source = input::open(args.file.as_deref())?;
    let scripted = scripted_passphrase(args)?;

    server.warn_if_plain_http();
    let client = Client::new(server)?;
    let limits = client.config()?;
    check_limits(args, &limits)?;
    let content = read_secret(args, source, scripted.is_some() || args.passphrase, &limits)?;
    let pass = passphrase(args, scripted)?;

    let fragment = Fragment::generate(pass.is_some().then_some(Argon2Params::DEFAULT));
    let keys = derive(&fragment, pass.as_ref())?;
    let created = client.create(&create_request(args, &content, &keys, &fragment)?)?;
    print(args, &client, &created, fragment, &keys)
}

/// Refuses to create a secret whose link would be lost.
fn check_stdout() -> Result<()> {
    if output::stdout_is_discarded() {
        return Err(Error::usage("stdout is closed or /dev/null, so the link would be lost")
            .hint("redirect stdout to a file or a pipe"));
    }
    Ok(())
}

/// The passphrase from a file or variable, read before any request so that
/// a missing one fails early.
fn scripted_passphrase(args: &SendArgs) -> Result<Option<Passphrase>> {
    Source::from_args(&args.passphrase_input).map(|source| source.read()).transpose()
}

/// The passphrase: the scripted one, else a prompt (twice) with
/// `--passphrase`, asked after the secret.
fn passphrase(args: &SendArgs, scripted: Option<Passphrase>) -> Result<Option<Passphrase>> {
    match scripted {
        Some(pass) => Ok(Some(pass)),
        None if args.passphrase => Source::Prompt { confirm: true }.read().map(Some),
        None => Ok(None),
    }
}

/// Reads the secret, refusing it as soon as it is larger than the server's
/// envelope limit allows.
fn read_secret(
    args: &SendArgs,
    source: input::Source,
    passphrase: bool,
    limits: &ServerConfig,
) -> Result<Content> {
    let media_type_len = args.media_type.as_ref().map_or(0, String::len);
    let max_len =
        max_data_len(limits.max_envelope_bytes, source.name_len(), media_type_len, passphrase);
    let Some(content) = source.read(max_len)? else {
        return Err(Error::msg(
            Exit::TooLarge,
            format!(
                "the secret is too large: at most {max_len} bytes fit in the server's limit of {} encrypted bytes (max_envelope_bytes)",
                limits.max_envelope_bytes
            ),
        ));
    };
    Ok(match &args.media_type {
        Some(media_type) => content.with_media_type(media_type.as_str()),
        None => content,
    })
}

/// The most bytes of secret whose envelope, with this name, media type and
/// passphrase flag, stays within `max_envelope` bytes.
fn max_data_len(
    max_envelope: u64,
    name_len: usize,
    media_type_len: usize,
    passphrase: bool,
) -> u64 {
    let fits = |len: usize| {
        let sealed = sealed_len(len, name_len, media_type_len, passphrase);
        u64::try_from(sealed).is_ok_and(|sealed| sealed <= max_envelope)
    };
    // The envelope grows with the data (in padded steps), so the largest
    // length that fits is found by bisection: `low` fits (or is 0), `high`
    // does not.
    if fits(MAX_DATA_LEN) {
        return u64::try_from(MAX_DATA_LEN).unwrap_or(u64::MAX);
    }
    let (mut low, mut high) = (0, MAX_DATA_LEN);
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        if fits(mid) { low = mid } else { high = mid }
    }
    u64::try_from(low).unwrap_or(u64::MAX)
}

/// Seals the content and builds the create request.
fn create_request(
    args: &SendArgs,
    content: &Content,
    keys: &DerivedKeys,
    fragment: &Fragment,
) -> Result<CreateRequest> {
    let envelope = Envelope::seal(content, keys, fragment.header()).map_err(|err| {
        let exit = if err == EnvelopeError::TooLarge { Exit::TooLarge } else { Exit::Usage };
        Error::new(exit, anyhow::Error::new(err).context("cannot encrypt the secret"))
    })?;
    Ok(CreateRequest {
        envelope: envelope.into_bytes(),
        verifier: keys.proof().verifier(),
        ttl_seconds: args.ttl.map(|ttl| i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX)),
        views: Some(i64::from(args.views)),
    })
}

/// Checks the envelope version, TTL and views against the server's limits
/// before the secret is read.
fn check_limits(args: &SendArgs, limits: &ServerConfig) -> Result<()> {
    if !limits.envelope_versions.contains(&VERSION) {
        return Err(Error::msg(
            Exit::Failure,
            format!("the server does not accept envelope version {VERSION}"),
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

/// Prints the link on stdout (or the JSON object) and the expiry on stderr;
/// burns the new secret when no usable link can be printed.
fn print(
    args: &SendArgs,
    client: &Client,
    created: &CreateResponse,
    fragment: Fragment,
    keys: &DerivedKeys,
) -> Result<()> {
    // Without a valid id there is nothing to burn either; the secret
    // expires unread, and nobody has a key for it.
    let id = SecretId::parse(&created.id).map_err(|err| {
        Error::new(Exit::Failure, anyhow::Error::new(err).context("the server returned a bad id"))
    })?;
    let link = ShareLink::new(&created.public_url, id.clone(), fragment).map_err(|err| {
        let err = anyhow::Error::new(err).context("the server returned a bad public url");
        abandon(client, &id, keys, Error::new(Exit::Failure, err), None)
    })?;
    let expiry = Expiry::parse(&created.expires_at)
        .map_err(|err| abandon(client, &id, keys, Error::new(Exit::Failure, err), None))?;
    let url = link.to_url();

    let text = if args.json {
        let json = SendOutput { link: &url, expires_at: expiry.rfc3339(), views: created.views };
        serde_json::to_string(&json).map_err(anyhow::Error::new)?
    } else {
        url
    };
    if let Err(err) = output::deliver(format!("{text}\n").as_bytes()) {
        let error = Error::new(
            Exit::Failure,
            anyhow::Error::new(err).context("could not write the link to stdout"),
        );
        return Err(abandon(client, &id, keys, error, Some(expiry)));
    }
    let views =
        if created.views == 1 { "1 view".to_owned() } else { format!("{} views", created.views) };
    output::info(&format!("expires {}, {views}", expiry.describe()));
    Ok(())
}

/// `error`, after burning the new secret whose link cannot be printed
/// (nobody else has the link, so nobody could ever read it).
fn abandon(
    client: &Client,
    id: &SecretId,
    keys: &DerivedKeys,
    error: Error,
    expiry: Option<Expiry>,
) -> Error {
    match client.burn(id, Proof::from_bytes(*keys.proof().expose())) {
        Ok(()) => {
            error.hint("the secret was burned, so it cannot linger without a link; send it again")
        }
        Err(burn) => {
            let expires =
                expiry.map_or_else(|| "when its lifetime ends".to_owned(), Expiry::rfc3339);
            error.hint(format!(
                "burning the secret failed too ({}); nobody has its link, and it expires {expires}",
                burn.message(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_data_len_is_the_largest_that_fits() {
        for (max, name, media, pass) in [
            (2000, 0, 0, false),
            (2000, 8, 16, true),
            (64 * 1024, 0, 0, false),
            (2 << 20, 3, 0, false),
        ] {
            let len = usize::try_from(max_data_len(max, name, media, pass)).expect("fits usize");
            let sealed = |len| u64::try_from(sealed_len(len, name, media, pass)).expect("fits u64");
            assert!(sealed(len) <= max, "{max} {name} {media} {pass}");
            assert!(sealed(len + 1) > max, "{max} {name} {media} {pass}");
        }
        assert_eq!(max_data_len(2000, 0, 0, false), 1913);
        assert_eq!(max_data_len(1000, 0, 0, false), 0);
        assert_eq!(max_data_len(u64::MAX, 0, 0, false), u64::from(u32::MAX));
    }
}

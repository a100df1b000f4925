//! The pieces of otsctl and otsd that both sides must agree on, byte for byte.
//!
//! - [`envelope`]: the encrypted container the server stores (format v1).
//! - [`kdf`]: how the link key and an optional passphrase become the payload
//!   key and the retrieval proof.
//! - [`link`]: the share link, `<base>/s/<id>#<fragment>`.
//! - [`id`]: secret identifiers.
//! - [`api`]: the HTTP API's paths, request and response bodies, and error codes.
//! - [`secret`]: containers for secret bytes that zeroize on drop and never
//!   print their contents.
//!
//! The normative description of every byte lives in `docs/protocol.md`; the
//! test vectors under `testdata/` are walked by this crate's tests. Nothing
//! here does I/O beyond reading the operating system's random number
//! generator.

#![deny(missing_docs)]

pub mod api;
pub mod envelope;
pub mod id;
pub mod kdf;
pub mod link;
pub mod secret;

mod b64;

pub use envelope::{Content, ContentKind, Envelope, EnvelopeError};
pub use id::SecretId;
pub use kdf::{Argon2Params, DerivedKeys, Proof, Verifier};
pub use link::{Fragment, LinkError, ShareLink, normalize_base};
pub use secret::{LinkKey, Passphrase, SecretBytes};

/// Fills `buf` from the operating system's CSPRNG.
///
/// A machine that cannot produce randomness cannot make secrets safely, so
/// this is one of the few places that panics: there is no sensible fallback.
pub(crate) fn os_random(buf: &mut [u8]) {
    if let Err(err) = getrandom::fill(buf) {
        panic!("the operating system's random number generator failed: {err}");
    }
}

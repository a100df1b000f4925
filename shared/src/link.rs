//! Share links: `<base>/s/<id>#<fragment>`.
//!
//! The fragment is unpadded base64url of
//!
//! ```text
//! fragment = (version << 4 | flags) || [m_log2 || t || p] || key (32 bytes)
//! ```
//!
//! Version is 1 and flags bit 0 means "a passphrase is needed", in which case
//! the Argon2id parameters follow. Both lengths (33 and 36 bytes) are
//! multiples of three, so every character of the text carries six key bits
//! and no padding bits: a single changed character always means a different
//! key, which the server then refuses without consuming anything.
//!
//! Parsing forgives what mail and chat clients do to links (surrounding
//! whitespace, angle brackets, trailing punctuation) and refuses anything
//! else with a message saying what is wrong. No message repeats the key.

use std::fmt;

use crate::envelope::Header;
use crate::id::{IdError, SecretId};
use crate::kdf::{Argon2Params, DerivedKeys, KdfError};
use crate::secret::{LINK_KEY_LEN, LinkKey, Passphrase};

/// The link format version this library writes and reads.
pub const LINK_VERSION: u8 = 1;
/// Fragment flag: a passphrase is needed.
pub const LINK_FLAG_PASSPHRASE: u8 = 0x01;
/// The path segment that precedes the id.
pub const SHARE_PATH: &str = "/s/";

/// Characters forgiven after a link: sentence punctuation and closing brackets.
const TRAILING_JUNK: &[char] = &['.', ',', ')', '>', ']', '}', ';', ':', '!', '?', '"', '\''];
/// Characters forgiven before a link.
const LEADING_JUNK: &[char] = &['<', '(', '[', '{', '"', '\''];

/// What the client needs besides the id: the key and how to derive from it.
pub struct Fragment {
    key: LinkKey,
    passphrase: Option<Argon2Params>,
}

impl Fragment {
    /// A fresh key; `passphrase` carries Argon2id parameters when the sender
    /// adds a passphrase.
    pub fn generate(passphrase: Option<Argon2Params>) -> Self {
        Self { key: LinkKey::generate(), passphrase }
    }

    /// A fragment from known parts (test vectors).
    pub fn new(key: LinkKey, passphrase: Option<Argon2Params>) -> Self {
        Self { key, passphrase }
    }

    /// Whether the recipient must supply a passphrase.
    pub fn needs_passphrase(&self) -> bool {
        self.passphrase.is_some()
    }

    /// The envelope header this fragment's secret must carry.
    pub fn header(&self) -> Header {
        Header { passphrase: self.passphrase }
    }

    /// Derives the payload key and proof. A passphrase given where none is
    /// needed is ignored; one missing where it is needed is an error.
    pub fn derive(&self, passphrase: Option<&Passphrase>) -> Result<DerivedKeys, KdfError> {
        match (self.passphrase, passphrase) {
            (None, _) => DerivedKeys::derive(&self.key, None),
            (Some(params), Some(pass)) => DerivedKeys::derive(&self.key, Some((pass, params))),
            (Some(_), None) => Err(KdfError::EmptyPassphrase),
        }
    }

    /// The text after `#`.
    pub fn encode(&self) -> String {
        let mut bytes = zeroize::Zeroizing::new(Vec::with_capacity(36));
        match self.passphrase {
            None => bytes.push(LINK_VERSION << 4),
            Some(params) => {
                bytes.push(LINK_VERSION << 4 | LINK_FLAG_PASSPHRASE);
                bytes.extend_from_slice(&params.to_bytes());
            }
        }
        bytes.extend_from_slice(self.key.expose());
        crate::b64::encode(&bytes)
    }

    /// Parses the text after `#`.
    pub fn parse(text: &str) -> Result<Self, LinkError> {
        if text.is_empty() {
            return Err(LinkError::MissingKey);
        }
        if let Some(c) = crate::b64::first_foreign_char(text) {
            return Err(LinkError::ForeignChar(c));
        }
        let first = crate::b64::decode(text.get(..4).unwrap_or(text)).unwrap_or_default();
        let Some(&lead) = first.first() else {
            return Err(LinkError::Truncated { expected: 44, found: text.len() });
        };
        let (version, flags) = (lead >> 4, lead & 0x0f);
        if version != LINK_VERSION {
            return Err(LinkError::UnsupportedVersion(version));
        }
        if flags & !LINK_FLAG_PASSPHRASE != 0 {
            return Err(LinkError::UnknownFlags);
        }
        let needs_passphrase = flags & LINK_FLAG_PASSPHRASE != 0;
        let expected = if needs_passphrase { 48 } else { 44 };
        if text.len() < expected {
            return Err(LinkError::Truncated { expected, found: text.len() });
        }
        if text.len() > expected {
            return Err(LinkError::TooLong { expected, found: text.len() });
        }
        let bytes =
            zeroize::Zeroizing::new(crate::b64::decode(text).map_err(|_| LinkError::Garbled)?);
        let (params, key) = bytes[1..].split_at(bytes.len() - 1 - LINK_KEY_LEN);
        let passphrase = match params {
            [] => None,
            [m, t, p] => Some(Argon2Params::from_bytes([*m, *t, *p]).ok_or(LinkError::BadParams)?),
            _ => return Err(LinkError::Garbled),
        };
        let mut key_bytes = [0u8; LINK_KEY_LEN];
        key_bytes.copy_from_slice(key);
        Ok(Self { key: LinkKey::from_bytes(key_bytes), passphrase })
    }
}

impl fmt::Debug for Fragment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fragment").field("passphrase", &self.passphrase).finish_non_exhaustive()
    }
}

/// A parsed share link.
pub struct ShareLink {
    base: String,
    id: SecretId,
    fragment: Fragment,
}

impl ShareLink {
    /// Builds a link from the server's public base URL, an id and a fragment.
    pub fn new(base: &str, id: SecretId, fragment: Fragment) -> Result<Self, LinkError> {
        let base = normalize_base(base)?;
        Ok(Self { base, id, fragment })
    }

    /// Parses a link as a person pasted it.
    pub fn parse(text: &str) -> Result<Self, LinkError> {
        let text = text.trim().trim_start_matches(LEADING_JUNK).trim_end_matches(TRAILING_JUNK);
        if text.is_empty() {
            return Err(LinkError::Empty);
        }
        let Some((location, fragment)) = text.split_once('#') else {
            // Text that does not even look like a link is not "missing a key".
            return Err(if text.contains(SHARE_PATH) {
                LinkError::MissingFragment
            } else {
                LinkError::NotShareLink
            });
        };
        let Some((base, id)) = location.rsplit_once(SHARE_PATH) else {
            return Err(LinkError::NotShareLink);
        };
        let id = SecretId::parse(id).map_err(LinkError::BadId)?;
        let fragment = Fragment::parse(fragment)?;
        Self::new(base, id, fragment)
    }

    /// The full link, key included: hand it only to the recipient.
    pub fn to_url(&self) -> String {
        format!("{}{SHARE_PATH}{}#{}", self.base, self.id.as_str(), self.fragment.encode())
    }

    /// The server's public base URL, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The secret's id.
    pub fn id(&self) -> &SecretId {
        &self.id
    }

    /// The key part.
    pub fn fragment(&self) -> &Fragment {
        &self.fragment
    }
}

impl fmt::Debug for ShareLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShareLink")
            .field("base", &self.base)
            .field("fragment", &self.fragment)
            .finish_non_exhaustive()
    }
}

/// Checks a server's base URL and drops trailing slashes.
///
/// Accepted: `http(s)://host[:port][/path]` in printable ASCII, with no user
/// information, query or fragment. Anything else is refused rather than
/// guessed at: a `\\` or `@` in the authority makes clients disagree about
/// which host is meant, and bidirectional-override characters make a link
/// show one host and contact another.
pub fn normalize_base(base: &str) -> Result<String, LinkError> {
    let lower = base.to_ascii_lowercase();
    let scheme_len = ["https://", "http://"]
        .iter()
        .find(|scheme| lower.starts_with(*scheme))
        .map(|scheme| scheme.len())
        .ok_or(LinkError::BadScheme)?;
    let base = base.trim_end_matches('/');
    let printable = base.bytes().all(|b| b.is_ascii_graphic());
    if !printable || base.contains(['?', '#', '\\', '@']) {
        return Err(LinkError::BadBase);
    }
    let authority =
        base.get(scheme_len..).unwrap_or_default().split('/').next().unwrap_or_default();
    check_authority(authority)?;
    Ok(base.to_owned())
}

/// A host, optionally with a port of 1 to 65535 (IPv6 literals in brackets).
fn check_authority(authority: &str) -> Result<(), LinkError> {
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.starts_with('[') || host.ends_with(']') => (host, Some(port)),
        _ => (authority, None),
    };
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0));
    if host.is_empty() || host == "[]" || !port_ok {
        return Err(LinkError::BadBase);
    }
    Ok(())
}

/// Why text is not a usable share link. Messages never repeat the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Nothing was given.
    #[error("the link is empty")]
    Empty,
    /// No `#`, so no key.
    #[error(
        "the link has no '#' followed by a key; copy the whole link, including the part after '#'"
    )]
    MissingFragment,
    /// A `#` with nothing after it.
    #[error("the link's key after '#' is missing; copy the whole link")]
    MissingKey,
    /// Not of the form `<base>/s/<id>#<key>`.
    #[error("not a share link: expected <server>/s/<id>#<key>")]
    NotShareLink,
    /// The base is not http or https.
    #[error("a share link starts with http:// or https://")]
    BadScheme,
    /// The base has no host or holds characters a base URL cannot.
    #[error("the server part of the link is not a valid URL")]
    BadBase,
    /// The id is malformed.
    #[error("the link's id is malformed: {0}")]
    BadId(IdError),
    /// A character that base64url never produces.
    #[error(
        "the key after '#' contains {0:?}, which never appears in a share link; the link was probably altered in transit"
    )]
    ForeignChar(char),
    /// Fewer characters than the format needs.
    #[error(
        "the key after '#' is truncated: {found} of {expected} characters; copy the whole link"
    )]
    Truncated {
        /// Characters the key should have.
        expected: usize,
        /// Characters it has.
        found: usize,
    },
    /// More characters than the format allows.
    #[error("the key after '#' is too long: {found} characters, expected {expected}")]
    TooLong {
        /// Characters the key should have.
        expected: usize,
        /// Characters it has.
        found: usize,
    },
    /// Right length and alphabet, yet not a canonical encoding.
    #[error("the key after '#' is garbled; the link was probably altered")]
    Garbled,
    /// A link version from a newer release.
    #[error(
        "this link uses format version {0}, which this otsctl does not know; a newer otsctl may read it"
    )]
    UnsupportedVersion(u8),
    /// Flags reserved for later versions.
    #[error("the link asks for options this otsctl does not know; a newer otsctl may read it")]
    UnknownFlags,
    /// Argon2id parameters out of range.
    #[error("the link's passphrase parameters are out of range")]
    BadParams,
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "AAECAwQFBgcICQoLDA0ODw";

    fn sample(passphrase: Option<Argon2Params>) -> ShareLink {
        let fragment = Fragment::new(LinkKey::from_bytes([0xAB; 32]), passphrase);
        let id = SecretId::parse(ID).expect("id");
        ShareLink::new("https://ots.example/team/", id, fragment).expect("link")
    }

    #[test]
    fn builds_and_parses() {
        let url = sample(None).to_url();
        assert!(url.starts_with("https://ots.example/team/s/AAECAwQFBgcICQoLDA0ODw#EKur"), "{url}");
        assert_eq!(url.split('#').nth(1).map(str::len), Some(44));
        assert_eq!(normalize_base("HTTP://[::1]:8080/"), Ok("HTTP://[::1]:8080".to_owned()));

        let back = ShareLink::parse(&url).expect("parse");
        assert_eq!(back.base(), "https://ots.example/team");
        assert_eq!(back.id().as_str(), ID);
        assert_eq!(back.to_url(), url);
        assert!(!back.fragment().needs_passphrase());
    }

    #[test]
    fn passphrase_links_carry_params() {
        let url = sample(Some(Argon2Params::DEFAULT)).to_url();
        assert_eq!(url.split('#').nth(1).map(str::len), Some(48));
        let back = ShareLink::parse(&url).expect("parse");
        assert_eq!(back.fragment().header().passphrase, Some(Argon2Params::DEFAULT));
    }

    #[test]
    fn forgives_punctuation_and_brackets() {
        let url = sample(None).to_url();
        for pasted in [
            format!("{url}."),
            format!("{url},"),
            format!("({url})"),
            format!("<{url}>"),
            format!("  {url}\n"),
            format!("\"{url}\"."),
        ] {
            assert_eq!(ShareLink::parse(&pasted).expect(&pasted).to_url(), url);
        }
    }

    #[test]
    fn names_what_is_wrong() {
        let url = sample(None).to_url();
        let (location, key) = url.split_once('#').expect("has #");
        let cases = [
            (String::new(), LinkError::Empty),
            (location.to_owned(), LinkError::MissingFragment),
            ("not a link".to_owned(), LinkError::NotShareLink),
            ("https://ots.example.com/".to_owned(), LinkError::NotShareLink),
            (format!("{location}#"), LinkError::MissingKey),
            (
                format!("{}#{}", location, &key[..40]),
                LinkError::Truncated { expected: 44, found: 40 },
            ),
            (format!("{url}A"), LinkError::TooLong { expected: 44, found: 45 }),
            (format!("{}#{}+{}", location, &key[..20], &key[21..]), LinkError::ForeignChar('+')),
            (format!("{url}|"), LinkError::ForeignChar('|')),
            (url.replace("/s/", "/x/"), LinkError::NotShareLink),
            (url.replace("https://", "ftp://"), LinkError::BadScheme),
            (url.replace("https://", "https://user:pw@"), LinkError::BadBase),
            (url.replace("ots.example", "evil.example\\@ots.example"), LinkError::BadBase),
            (url.replace("ots.example", "ots.example:65536"), LinkError::BadBase),
            (url.replace("ots.example", "ots.example:"), LinkError::BadBase),
            (url.replace("/team", "/te\u{202e}am"), LinkError::BadBase),
            (url.replace("#EK", "#IK"), LinkError::UnsupportedVersion(2)),
            (url.replace("#EK", "#Em"), LinkError::UnknownFlags),
        ];
        for (text, expected) in cases {
            assert_eq!(ShareLink::parse(&text).err(), Some(expected), "{text}");
        }
    }

    #[test]
    fn changed_last_character_still_parses() {
        let url = sample(None).to_url();
        let mut changed = url.clone();
        let last = changed.pop().expect("non-empty");
        changed.push(if last == 'A' { 'B' } else { 'A' });
        let link = ShareLink::parse(&changed).expect("parses as another key");
        assert_ne!(link.to_url(), url);
    }

    #[test]
    fn debug_hides_key_and_id() {
        let text = format!("{:?}", sample(None));
        assert!(!text.contains(ID) && !text.contains("EKur"), "{text}");
    }
}

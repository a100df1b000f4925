//! Envelope format v1: the sealed container that otsd stores and never opens.
//!
//! ```text
//! envelope = header || nonce || ciphertext
//! header   = "OTS" || version (0x01) || flags || [m_log2 || t || p]
//! nonce    = 24 random bytes (XChaCha20-Poly1305)
//! ciphertext = XChaCha20-Poly1305(payload key, nonce, aad = header, padded payload)
//!
//! payload  = kind || name_len || name || type_len || media_type
//!            || data_len (u32, big-endian) || data || zero padding
//! ```
//!
//! Flags bit 0 says a passphrase is needed; the Argon2id parameters follow
//! only when it is set. The header is the associated data, so changing any
//! header byte makes decryption fail. The padded payload length is a function
//! of the unpadded length alone (see [`padded_len`]), which makes every
//! payload's encoding unique. `docs/protocol.md` is the normative text.

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use crate::kdf::{Argon2Params, DerivedKeys};
use crate::secret::SecretBytes;

/// The three magic bytes every envelope starts with.
pub const MAGIC: &[u8; 3] = b"OTS";
/// The envelope version this library writes and reads.
pub const VERSION: u8 = 1;
/// Flags bit: a passphrase is needed.
pub const FLAG_PASSPHRASE: u8 = 0x01;
/// Nonce length in bytes.
pub const NONCE_LEN: usize = 24;
/// Authentication tag length in bytes.
pub const TAG_LEN: usize = 16;
/// Every payload is padded to at least this many bytes, so that passwords,
/// tokens and small key files all look alike.
pub const MIN_PADDED_LEN: usize = 1024;
/// Longest file name, in bytes.
pub const MAX_NAME_LEN: usize = 255;
/// Longest media type, in bytes.
pub const MAX_MEDIA_TYPE_LEN: usize = 255;
/// Largest amount of secret data one envelope can carry.
pub const MAX_DATA_LEN: usize = u32::MAX as usize;

/// Fixed payload bytes besides name, media type and data.
const PAYLOAD_FIXED: usize = 1 + 1 + 1 + 4;

/// What kind of secret the payload holds; the recipient uses it to decide how
/// to present it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContentKind {
    /// Typed or piped text (which may still hold any bytes).
    Text,
    /// A file, with its name.
    File,
}

/// A decrypted secret with the metadata the server must not see.
#[derive(Debug)]
pub struct Content {
    /// Text or file.
    pub kind: ContentKind,
    /// The file name for [`ContentKind::File`]; empty for text.
    pub name: String,
    /// The media type, or empty when unknown.
    pub media_type: String,
    /// The secret itself.
    pub data: SecretBytes,
}

impl Content {
    /// A text secret.
    pub fn text(data: SecretBytes) -> Self {
        Self { kind: ContentKind::Text, name: String::new(), media_type: String::new(), data }
    }

    /// A file secret; `name` is the file's base name.
    pub fn file(name: impl Into<String>, data: SecretBytes) -> Self {
        Self { kind: ContentKind::File, name: name.into(), media_type: String::new(), data }
    }

    /// Sets the media type.
    pub fn with_media_type(mut self, media_type: impl Into<String>) -> Self {
        self.media_type = media_type.into();
        self
    }

    fn check(&self) -> Result<(), EnvelopeError> {
        match self.kind {
            ContentKind::Text if !self.name.is_empty() => {
                return Err(EnvelopeError::InvalidName("a text secret has no file name"));
            }
            ContentKind::File => check_file_name(&self.name)?,
            ContentKind::Text => {}
        }
        check_media_type(&self.media_type)?;
        if self.data.len() > MAX_DATA_LEN {
            return Err(EnvelopeError::TooLarge);
        }
        Ok(())
    }
}

/// The clear part of an envelope: version and passphrase parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Argon2id parameters when a passphrase is needed.
    pub passphrase: Option<Argon2Params>,
}

impl Header {
    /// The encoded header (the AEAD's associated data).
    pub fn to_bytes(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8);
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        match self.passphrase {
            None => out.push(0),
            Some(params) => {
                out.push(FLAG_PASSPHRASE);
                out.extend_from_slice(&params.to_bytes());
            }
        }
        out
    }

    /// Parses a header from the start of `bytes`; returns it with its length.
    fn parse(bytes: &[u8]) -> Result<(Self, usize), EnvelopeError> {
        let [m0, m1, m2, version, flags, rest @ ..] = bytes else {
            return Err(EnvelopeError::Truncated);
        };
        if [*m0, *m1, *m2] != *MAGIC {
            return Err(EnvelopeError::BadMagic);
        }
        if *version != VERSION {
            return Err(EnvelopeError::UnsupportedVersion(*version));
        }
        if flags & !FLAG_PASSPHRASE != 0 {
            return Err(EnvelopeError::ReservedFlags(*flags));
        }
        if flags & FLAG_PASSPHRASE == 0 {
            return Ok((Self { passphrase: None }, 5));
        }
        let [m_log2, t, p, ..] = rest else {
            return Err(EnvelopeError::Truncated);
        };
        let params = Argon2Params::from_bytes([*m_log2, *t, *p]).ok_or(EnvelopeError::BadParams)?;
        Ok((Self { passphrase: Some(params) }, 8))
    }
}

/// A sealed secret, structurally valid (the header parses and the ciphertext
/// is long enough); whether it decrypts is known only to a key holder.
#[derive(Clone, PartialEq, Eq)]
pub struct Envelope {
    bytes: Vec<u8>,
    header: Header,
    header_len: usize,
}

impl Envelope {
    /// Encrypts `content` under the payload key in `keys`, with a fresh nonce.
    pub fn seal(
        content: &Content,
        keys: &DerivedKeys,
        header: Header,
    ) -> Result<Self, EnvelopeError> {
        let mut nonce = [0u8; NONCE_LEN];
        crate::os_random(&mut nonce);
        Self::seal_with_nonce(content, keys, header, nonce)
    }

    /// Like [`Envelope::seal`] with a caller-chosen nonce. Only for test
    /// vectors: a nonce must never be used twice with one key.
    pub fn seal_with_nonce(
        content: &Content,
        keys: &DerivedKeys,
        header: Header,
        nonce: [u8; NONCE_LEN],
    ) -> Result<Self, EnvelopeError> {
        content.check()?;
        let mut payload = encode_payload(content);
        let aad = header.to_bytes();
        cipher(keys)
            .encrypt_in_place(&XNonce::from(nonce), &aad, &mut *payload)
            .map_err(|_| EnvelopeError::TooLarge)?;

        let mut bytes = Vec::with_capacity(aad.len() + NONCE_LEN + payload.len());
        bytes.extend_from_slice(&aad);
        bytes.extend_from_slice(&nonce);
        bytes.extend_from_slice(&payload);
        Ok(Self { bytes, header, header_len: aad.len() })
    }

    /// Checks the structure of received bytes without any key.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, EnvelopeError> {
        let (header, header_len) = Header::parse(&bytes)?;
        if bytes.len() < header_len + NONCE_LEN + MIN_PADDED_LEN + TAG_LEN {
            return Err(EnvelopeError::Truncated);
        }
        Ok(Self { bytes, header, header_len })
    }

    /// The clear header.
    pub fn header(&self) -> Header {
        self.header
    }

    /// The encoded envelope.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The encoded envelope, by value.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Decrypts and decodes the payload.
    ///
    /// `expected` is the header the link promised. A mismatch means the link
    /// and the envelope do not belong together and is reported as a
    /// decryption failure, like every other sign of tampering.
    pub fn open(&self, keys: &DerivedKeys, expected: Header) -> Result<Content, EnvelopeError> {
        if self.header != expected {
            return Err(EnvelopeError::DecryptionFailed);
        }
        let (aad, rest) = self.bytes.split_at(self.header_len);
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).map_err(|_| EnvelopeError::Truncated)?;

        let mut payload = Zeroizing::new(ciphertext.to_vec());
        cipher(keys)
            .decrypt_in_place(&nonce, aad, &mut *payload)
            .map_err(|_| EnvelopeError::DecryptionFailed)?;
        decode_payload(&payload)
    }
}

impl std::fmt::Debug for Envelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Envelope")
            .field("header", &self.header)
            .field("len", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

/// Why an envelope could not be read or made. Messages never include secret
/// material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// Fewer bytes than the structure needs.
    #[error("the envelope is truncated")]
    Truncated,
    /// The bytes do not start with "OTS".
    #[error("not an otsctl envelope")]
    BadMagic,
    /// A version this library does not know.
    #[error("envelope version {0} is not supported by this release; a newer otsctl may read it")]
    UnsupportedVersion(u8),
    /// Flag bits reserved for later versions are set.
    #[error("the envelope sets unknown flags ({0:#04x})")]
    ReservedFlags(u8),
    /// Argon2id parameters out of the accepted range.
    #[error("the envelope's passphrase parameters are out of range")]
    BadParams,
    /// Authentication failed: wrong key, wrong passphrase or altered bytes.
    #[error("decryption failed")]
    DecryptionFailed,
    /// Decrypted, but the payload breaks a rule of the format.
    #[error("the decrypted payload is malformed: {0}")]
    MalformedPayload(&'static str),
    /// A file name that cannot be carried.
    #[error("invalid file name: {0}")]
    InvalidName(&'static str),
    /// A media type that cannot be carried.
    #[error("invalid media type: {0}")]
    InvalidMediaType(&'static str),
    /// More data than the format can carry.
    #[error("the secret is too large for the envelope format")]
    TooLarge,
}

/// The padded payload length for `unpadded` bytes: at least
/// [`MIN_PADDED_LEN`], above that rounded up by the Padmé rule, which
/// leaks O(log log n) bits of the length with at most about 12 % overhead.
pub fn padded_len(unpadded: usize) -> usize {
    if unpadded <= MIN_PADDED_LEN {
        return MIN_PADDED_LEN;
    }
    let e = usize::BITS - 1 - unpadded.leading_zeros();
    let s = u32::BITS - e.leading_zeros();
    let mask = (1usize << (e - s)) - 1;
    (unpadded + mask) & !mask
}

/// The envelope size for `data_len` bytes of secret with the given metadata
/// lengths: what a client compares with the server's limit before sealing.
pub fn sealed_len(
    data_len: usize,
    name_len: usize,
    media_type_len: usize,
    passphrase: bool,
) -> usize {
    let header = if passphrase { 8 } else { 5 };
    let unpadded = PAYLOAD_FIXED + name_len + media_type_len + data_len;
    header + NONCE_LEN + padded_len(unpadded) + TAG_LEN
}

fn cipher(keys: &DerivedKeys) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(keys.payload_key().into())
}

fn encode_payload(content: &Content) -> Zeroizing<Vec<u8>> {
    let data = content.data.expose();
    let unpadded = PAYLOAD_FIXED + content.name.len() + content.media_type.len() + data.len();
    let padded = padded_len(unpadded);

    let mut out = Zeroizing::new(Vec::with_capacity(padded + TAG_LEN));
    out.push(match content.kind {
        ContentKind::Text => 0,
        ContentKind::File => 1,
    });
    // Lengths were checked by Content::check, so these casts cannot truncate.
    out.push(content.name.len() as u8);
    out.extend_from_slice(content.name.as_bytes());
    out.push(content.media_type.len() as u8);
    out.extend_from_slice(content.media_type.as_bytes());
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(data);
    out.resize(padded, 0);
    out
}

fn decode_payload(payload: &[u8]) -> Result<Content, EnvelopeError> {
    let mut reader = Reader(payload);
    let kind = match reader.byte()? {
        0 => ContentKind::Text,
        1 => ContentKind::File,
        _ => return Err(EnvelopeError::MalformedPayload("unknown content kind")),
    };
    let name_len = reader.byte()?;
    let name = utf8(reader.take(name_len.into())?)?;
    let type_len = reader.byte()?;
    let media_type = utf8(reader.take(type_len.into())?)?;
    let data_len = u32::from_be_bytes(reader.array()?) as usize;
    let data = reader.take(data_len)?;

    let unpadded = payload.len() - reader.0.len();
    if payload.len() != padded_len(unpadded) {
        return Err(EnvelopeError::MalformedPayload("padding has the wrong length"));
    }
    if reader.0.iter().any(|b| *b != 0) {
        return Err(EnvelopeError::MalformedPayload("padding is not zero"));
    }

    let content = Content { kind, name, media_type, data: SecretBytes::new(data.to_vec()) };
    content.check().map_err(|_| EnvelopeError::MalformedPayload("invalid metadata"))?;
    Ok(content)
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], EnvelopeError> {
        if self.0.len() < n {
            return Err(EnvelopeError::MalformedPayload("a length field runs past the end"));
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    fn byte(&mut self) -> Result<u8, EnvelopeError> {
        Ok(self.take(1)?[0])
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], EnvelopeError> {
        let bytes = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }
}

fn utf8(bytes: &[u8]) -> Result<String, EnvelopeError> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| EnvelopeError::MalformedPayload("metadata is not UTF-8"))
}

/// File names are base names a recipient can write safely anywhere.
fn check_file_name(name: &str) -> Result<(), EnvelopeError> {
    if name.is_empty() {
        return Err(EnvelopeError::InvalidName("a file secret needs a file name"));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(EnvelopeError::InvalidName("longer than 255 bytes"));
    }
    if name == "." || name == ".." {
        return Err(EnvelopeError::InvalidName("'.' and '..' are not file names"));
    }
    if name.chars().any(|c| c == '/' || c == '\\' || c.is_control()) {
        return Err(EnvelopeError::InvalidName("contains a path separator or control character"));
    }
    Ok(())
}

fn check_media_type(media_type: &str) -> Result<(), EnvelopeError> {
    if media_type.len() > MAX_MEDIA_TYPE_LEN {
        return Err(EnvelopeError::InvalidMediaType("longer than 255 bytes"));
    }
    if !media_type.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(EnvelopeError::InvalidMediaType("only printable ASCII is allowed"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::LinkKey;

    fn keys(byte: u8) -> DerivedKeys {
        DerivedKeys::derive(&LinkKey::from_bytes([byte; 32]), None).expect("derive")
    }

    const PLAIN: Header = Header { passphrase: None };

    #[test]
    fn padding_sizes() {
        assert_eq!(padded_len(0), 1024);
        assert_eq!(padded_len(1024), 1024);
        assert_eq!(padded_len(1025), 1088);
        assert_eq!(padded_len(1 << 20), 1 << 20);
        assert_eq!(padded_len((1 << 20) + 7), (1 << 20) + (1 << 15));
        for n in [1025usize, 4000, 65_537, 1_000_000, 3_000_001] {
            let p = padded_len(n);
            assert!(p >= n && p - n <= n / 8, "{n} -> {p}");
            assert_eq!(padded_len(p), p, "padding is idempotent at {n}");
        }
    }

    #[test]
    fn short_secrets_have_one_size() {
        let a = Envelope::seal(&Content::text(b"x".to_vec().into()), &keys(1), PLAIN);
        let b = Envelope::seal(&Content::text(vec![b'y'; 900].into()), &keys(1), PLAIN);
        let (a, b) = (a.expect("seal"), b.expect("seal"));
        assert_eq!(a.as_bytes().len(), b.as_bytes().len());
        assert_eq!(a.as_bytes().len(), sealed_len(1, 0, 0, false));
    }

    #[test]
    fn file_metadata_round_trips() {
        let content = Content::file("id_ed25519", b"key".to_vec().into())
            .with_media_type("application/x-pem-file");
        let env = Envelope::seal(&content, &keys(2), PLAIN).expect("seal");
        let env = Envelope::from_bytes(env.into_bytes()).expect("parse");
        let back = env.open(&keys(2), PLAIN).expect("open");
        assert_eq!(back.kind, ContentKind::File);
        assert_eq!(back.name, "id_ed25519");
        assert_eq!(back.media_type, "application/x-pem-file");
        assert_eq!(back.data.expose(), b"key");
    }

    #[test]
    fn wrong_key_and_header_mismatch_fail_alike() {
        let env = Envelope::seal(&Content::text(b"s".to_vec().into()), &keys(3), PLAIN);
        let env = env.expect("seal");
        let other = Header { passphrase: Some(Argon2Params::DEFAULT) };
        assert_eq!(env.open(&keys(4), PLAIN).err(), Some(EnvelopeError::DecryptionFailed));
        assert_eq!(env.open(&keys(3), other).err(), Some(EnvelopeError::DecryptionFailed));
    }

    #[test]
    fn bad_names_are_refused() {
        for name in ["", ".", "..", "a/b", "a\\b", "a\nb"] {
            let content = Content::file(name, SecretBytes::default());
            let err = Envelope::seal(&content, &keys(5), PLAIN).expect_err(name);
            assert!(matches!(err, EnvelopeError::InvalidName(_)), "{name:?}");
        }
    }
}

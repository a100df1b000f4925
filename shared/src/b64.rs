//! Unpadded base64url (RFC 4648 section 5), the only text encoding of bytes in
//! links and API bodies. Decoding is strict: no padding, no whitespace, no
//! other alphabet, and the unused low bits of the last character must be zero,
//! so every byte string has exactly one spelling.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Encodes bytes as unpadded base64url.
pub(crate) fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes strict unpadded base64url.
pub(crate) fn decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    URL_SAFE_NO_PAD.decode(text)
}

/// The first character of `text` that is not in the base64url alphabet.
pub(crate) fn first_foreign_char(text: &str) -> Option<char> {
    text.chars().find(|c| !is_alphabet(*c))
}

/// Whether `c` belongs to the base64url alphabet.
pub(crate) fn is_alphabet(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Serde adapter: `Vec<u8>` as an unpadded base64url string.
pub(crate) mod serde_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(bytes: &[u8], ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_str(&super::encode(bytes))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(de: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(de)?;
        super::decode(&text).map_err(|_| serde::de::Error::custom("not unpadded base64url"))
    }
}

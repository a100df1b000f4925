//! Secret identifiers: 128 random bits, written as 22 characters of unpadded
//! base64url.
//!
//! An id alone opens nothing, but it still says "a secret exists here", so it
//! is kept out of logs: `SecretId` prints as redacted and has no `Display`.

use std::fmt;

/// Number of random bytes in an id.
pub const ID_BYTES: usize = 16;
/// Number of characters in an id's text form.
pub const ID_CHARS: usize = 22;

/// A validated secret id.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SecretId(String);

impl SecretId {
    /// A fresh id from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = [0u8; ID_BYTES];
        crate::os_random(&mut bytes);
        Self(crate::b64::encode(&bytes))
    }

    /// Parses the text form; anything but 22 canonical base64url characters
    /// is refused.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        if crate::b64::first_foreign_char(text).is_some() {
            return Err(IdError::Alphabet);
        }
        if text.len() != ID_CHARS {
            return Err(IdError::Length(text.len()));
        }
        match crate::b64::decode(text) {
            Ok(bytes) if bytes.len() == ID_BYTES => Ok(Self(text.to_owned())),
            _ => Err(IdError::Canonical),
        }
    }

    /// The text form, for building URLs and store keys.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretId(<redacted>)")
    }
}

/// Why a string is not a secret id. The messages never repeat the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Wrong number of characters.
    #[error("a secret id has 22 characters, this one has {0}")]
    Length(usize),
    /// A character outside A-Z, a-z, 0-9, '-' and '_'.
    #[error("a secret id uses only A-Z, a-z, 0-9, '-' and '_'")]
    Alphabet,
    /// The last character encodes bits that must be zero.
    #[error("the secret id's last character is not valid")]
    Canonical,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_parse_back() {
        let id = SecretId::generate();
        assert_eq!(id.as_str().len(), ID_CHARS);
        assert_eq!(SecretId::parse(id.as_str()), Ok(id));
    }

    #[test]
    fn rejects_bad_ids() {
        assert_eq!(SecretId::parse("abc"), Err(IdError::Length(3)));
        assert_eq!(SecretId::parse("AAAAAAAAAAAAAAAAAAAA+A"), Err(IdError::Alphabet));
        assert_eq!(SecretId::parse("AAAAAAAAAAAAAAAAAAAA\u{410}"), Err(IdError::Alphabet));
        assert_eq!(SecretId::parse("AAAAAAAAAAAAAAAAAAAAAB"), Err(IdError::Canonical));
        assert!(SecretId::parse("AAAAAAAAAAAAAAAAAAAAAA").is_ok());
    }

    #[test]
    fn debug_is_redacted() {
        let id = SecretId::parse("AAAAAAAAAAAAAAAAAAAAAA").expect("valid");
        assert_eq!(format!("{id:?}"), "SecretId(<redacted>)");
    }
}

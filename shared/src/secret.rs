//! Containers for values that must not outlive their use or reach a log.
//!
//! Every type here wipes its memory when dropped and prints as `<redacted>`
//! through `Debug`. None implements `Display`, `Clone` or `PartialEq`, so a
//! secret cannot be formatted into a message, silently copied, or compared in
//! variable time by accident.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Length of a link key in bytes.
pub const LINK_KEY_LEN: usize = 32;

/// Secret bytes of any length: plaintext, or a decrypted payload.
#[derive(Default)]
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    /// Takes ownership of `bytes`; they are wiped when this value is dropped.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The secret bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Mutable access, for readers that fill the buffer in place.
    pub fn expose_mut(&mut self) -> &mut Vec<u8> {
        &mut self.0
    }

    /// Number of bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(bytes: Vec<u8>) -> Self {
        Self::new(bytes)
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes(<redacted>, {} bytes)", self.0.len())
    }
}

/// The 256-bit key carried in a link's fragment. Everything else is derived
/// from it.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct LinkKey([u8; LINK_KEY_LEN]);

impl LinkKey {
    /// A fresh key from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let mut key = Self([0; LINK_KEY_LEN]);
        crate::os_random(&mut key.0);
        key
    }

    /// Wraps key bytes read from a link or a test vector.
    pub fn from_bytes(bytes: [u8; LINK_KEY_LEN]) -> Self {
        Self(bytes)
    }

    /// The key bytes.
    pub fn expose(&self) -> &[u8; LINK_KEY_LEN] {
        &self.0
    }
}

impl fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LinkKey(<redacted>)")
    }
}

/// A passphrase typed by a person, used exactly as given: no trimming and no
/// Unicode normalisation happen here.
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    /// Wraps a passphrase; it is wiped when this value is dropped.
    pub fn new(text: String) -> Self {
        Self(Zeroizing::new(text))
    }

    /// The passphrase's UTF-8 bytes.
    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// Whether the passphrase is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_is_redacted() {
        let bytes = SecretBytes::new(b"hunter2".to_vec());
        let key = LinkKey::from_bytes([0x41; LINK_KEY_LEN]);
        let pass = Passphrase::new("correct horse".into());

        assert_eq!(format!("{bytes:?}"), "SecretBytes(<redacted>, 7 bytes)");
        assert_eq!(format!("{key:?}"), "LinkKey(<redacted>)");
        assert_eq!(format!("{pass:?}"), "Passphrase(<redacted>)");
        assert_eq!(format!("{:#?}", bytes), "SecretBytes(<redacted>, 7 bytes)");
    }

    #[test]
    fn generated_keys_differ() {
        assert_ne!(LinkKey::generate().expose(), LinkKey::generate().expose());
    }
}

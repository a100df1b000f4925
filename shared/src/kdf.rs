//! Key derivation: from the link key (and, when the sender chose one, a
//! passphrase) to the payload key and the retrieval proof.
//!
//! ```text
//! salt     = HKDF-SHA256(ikm = K, salt = "", info = "ots v1 argon2id salt", L = 16)
//! A        = Argon2id(passphrase, salt, m = 2^m_log2 KiB, t, p, L = 32)
//! IKM      = K || A          (IKM = K when there is no passphrase)
//! key      = HKDF-SHA256(ikm = IKM, salt = "", info = "ots v1 payload key", L = 32)
//! proof    = HKDF-SHA256(ikm = IKM, salt = "", info = "ots v1 retrieval proof", L = 32)
//! verifier = SHA-256(proof)
//! ```
//!
//! The server stores only the verifier. A client shows the proof to read,
//! inspect or burn a secret; the server hashes it and compares. Because the
//! proof depends on the passphrase, a wrong passphrase is caught by the server
//! before anything is consumed, exactly like a mistyped link.

use std::fmt;

use hkdf::Hkdf;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::secret::{LinkKey, Passphrase};

/// HKDF info string for the Argon2id salt.
pub const INFO_ARGON2_SALT: &[u8] = b"ots v1 argon2id salt";
/// HKDF info string for the payload encryption key.
pub const INFO_PAYLOAD_KEY: &[u8] = b"ots v1 payload key";
/// HKDF info string for the retrieval proof.
pub const INFO_PROOF: &[u8] = b"ots v1 retrieval proof";

/// Length of the retrieval proof and of the verifier, in bytes.
pub const PROOF_LEN: usize = 32;

/// Argon2id cost parameters, as carried in a link and in an envelope header.
///
/// Memory is a power of two so that it fits one byte; the accepted ranges keep
/// a hostile link from asking a recipient's machine for absurd work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Argon2Params {
    /// Memory cost as log2 of KiB (16 means 64 MiB).
    pub m_log2: u8,
    /// Number of passes.
    pub t: u8,
    /// Degree of parallelism (lanes).
    pub p: u8,
}

impl Argon2Params {
    /// Accepted range of `m_log2`: 1 MiB to 2 GiB.
    pub const M_LOG2_RANGE: std::ops::RangeInclusive<u8> = 10..=21;
    /// Accepted range of `t`.
    pub const T_RANGE: std::ops::RangeInclusive<u8> = 1..=10;
    /// Accepted range of `p`.
    pub const P_RANGE: std::ops::RangeInclusive<u8> = 1..=8;

    /// What new secrets use: RFC 9106's second recommended option
    /// (64 MiB, 3 passes, 4 lanes).
    pub const DEFAULT: Self = Self { m_log2: 16, t: 3, p: 4 };

    /// Checks the ranges above; `None` names no field, the caller says which
    /// input was wrong.
    pub fn validate(self) -> Option<Self> {
        let ok = Self::M_LOG2_RANGE.contains(&self.m_log2)
            && Self::T_RANGE.contains(&self.t)
            && Self::P_RANGE.contains(&self.p);
        ok.then_some(self)
    }

    /// The three bytes written to links and headers.
    pub fn to_bytes(self) -> [u8; 3] {
        [self.m_log2, self.t, self.p]
    }

    /// Reads and validates the three bytes written by [`Self::to_bytes`].
    pub fn from_bytes(bytes: [u8; 3]) -> Option<Self> {
        Self { m_log2: bytes[0], t: bytes[1], p: bytes[2] }.validate()
    }

    /// Memory cost in KiB.
    pub fn memory_kib(self) -> u32 {
        1 << self.m_log2
    }
}

/// The retrieval proof: shown to the server to read, inspect or burn a secret.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct Proof([u8; PROOF_LEN]);

impl Proof {
    /// Wraps proof bytes received from a client.
    pub fn from_bytes(bytes: [u8; PROOF_LEN]) -> Self {
        Self(bytes)
    }

    /// The proof bytes.
    pub fn expose(&self) -> &[u8; PROOF_LEN] {
        &self.0
    }

    /// The verifier that matches this proof.
    pub fn verifier(&self) -> Verifier {
        Verifier(Sha256::digest(self.0).into())
    }
}

impl fmt::Debug for Proof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Proof(<redacted>)")
    }
}

/// SHA-256 of the proof: what the server stores and compares against.
///
/// Not secret in the way a key is (it opens nothing), but it is still kept out
/// of logs, so `Debug` is redacted.
#[derive(Clone, Copy)]
pub struct Verifier([u8; PROOF_LEN]);

impl Verifier {
    /// Wraps verifier bytes.
    pub fn from_bytes(bytes: [u8; PROOF_LEN]) -> Self {
        Self(bytes)
    }

    /// The verifier bytes.
    pub fn as_bytes(&self) -> &[u8; PROOF_LEN] {
        &self.0
    }

    /// Constant-time comparison.
    pub fn matches(&self, other: &Verifier) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Verifier(<redacted>)")
    }
}

/// The keys derived for one secret.
pub struct DerivedKeys {
    payload_key: Zeroizing<[u8; 32]>,
    proof: Proof,
}

impl DerivedKeys {
    /// Derives both keys; with a passphrase this runs Argon2id, which takes a
    /// noticeable fraction of a second by design.
    pub fn derive(
        key: &LinkKey,
        passphrase: Option<(&Passphrase, Argon2Params)>,
    ) -> Result<Self, KdfError> {
        let mut ikm = Zeroizing::new(Vec::with_capacity(64));
        ikm.extend_from_slice(key.expose());
        if let Some((passphrase, params)) = passphrase {
            ikm.extend_from_slice(&*stretch(key, passphrase, params)?);
        }

        let hkdf = Hkdf::<Sha256>::new(None, &ikm);
        let mut payload_key = Zeroizing::new([0u8; 32]);
        let mut proof = Proof([0u8; PROOF_LEN]);
        expand(&hkdf, INFO_PAYLOAD_KEY, &mut *payload_key);
        expand(&hkdf, INFO_PROOF, &mut proof.0);
        Ok(Self { payload_key, proof })
    }

    /// The XChaCha20-Poly1305 key for the payload.
    pub fn payload_key(&self) -> &[u8; 32] {
        &self.payload_key
    }

    /// The retrieval proof.
    pub fn proof(&self) -> &Proof {
        &self.proof
    }

    /// Gives up the payload key and keeps only the proof.
    pub fn into_proof(self) -> Proof {
        self.proof
    }
}

impl fmt::Debug for DerivedKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DerivedKeys(<redacted>)")
    }
}

/// Key derivation failed.
#[derive(Debug, thiserror::Error)]
pub enum KdfError {
    /// The passphrase was empty.
    #[error("the passphrase is empty")]
    EmptyPassphrase,
    /// Argon2 refused the parameters or could not allocate its memory.
    #[error("argon2id failed: {0}")]
    Argon2(String),
}

/// Argon2id over the passphrase with a salt derived from the link key.
fn stretch(
    key: &LinkKey,
    passphrase: &Passphrase,
    params: Argon2Params,
) -> Result<Zeroizing<[u8; 32]>, KdfError> {
    if passphrase.is_empty() {
        return Err(KdfError::EmptyPassphrase);
    }
    let mut salt = [0u8; 16];
    expand(&Hkdf::<Sha256>::new(None, key.expose()), INFO_ARGON2_SALT, &mut salt);

    let argon_params =
        argon2::Params::new(params.memory_kib(), params.t.into(), params.p.into(), Some(32))
            .map_err(|e| KdfError::Argon2(e.to_string()))?;
    let argon =
        argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, argon_params);
    let mut out = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passphrase.expose(), &salt, &mut *out)
        .map_err(|e| KdfError::Argon2(e.to_string()))?;
    Ok(out)
}

fn expand(hkdf: &Hkdf<Sha256>, info: &[u8], out: &mut [u8]) {
    // HKDF-SHA256 can expand up to 8160 bytes; every caller asks for 32 or less.
    if hkdf.expand(info, out).is_err() {
        unreachable!("hkdf output of {} bytes is within the limit", out.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHEAP: Argon2Params = Argon2Params { m_log2: 10, t: 1, p: 1 };

    #[test]
    fn passphrase_changes_both_keys() {
        let key = LinkKey::from_bytes([7; 32]);
        let plain = DerivedKeys::derive(&key, None).expect("derive");
        let pass = Passphrase::new("open sesame".into());
        let with = DerivedKeys::derive(&key, Some((&pass, CHEAP))).expect("derive");

        assert_ne!(plain.payload_key(), with.payload_key());
        assert_ne!(plain.proof().expose(), with.proof().expose());
        assert_ne!(plain.payload_key(), plain.proof().expose());
    }

    #[test]
    fn empty_passphrase_is_refused() {
        let key = LinkKey::from_bytes([7; 32]);
        let pass = Passphrase::new(String::new());
        let err = DerivedKeys::derive(&key, Some((&pass, CHEAP))).expect_err("empty");
        assert!(matches!(err, KdfError::EmptyPassphrase));
    }

    #[test]
    fn verifier_is_sha256_of_proof() {
        let proof = Proof::from_bytes([0; 32]);
        let expected: [u8; 32] = Sha256::digest([0u8; 32]).into();
        assert_eq!(proof.verifier().as_bytes(), &expected);
        assert!(proof.verifier().matches(&Verifier::from_bytes(expected)));
        assert!(!proof.verifier().matches(&Verifier::from_bytes([0; 32])));
    }

    #[test]
    fn params_ranges() {
        assert_eq!(Argon2Params::from_bytes([16, 3, 4]), Some(Argon2Params::DEFAULT));
        assert_eq!(Argon2Params::from_bytes([9, 3, 4]), None);
        assert_eq!(Argon2Params::from_bytes([22, 3, 4]), None);
        assert_eq!(Argon2Params::from_bytes([16, 0, 4]), None);
        assert_eq!(Argon2Params::from_bytes([16, 11, 4]), None);
        assert_eq!(Argon2Params::from_bytes([16, 3, 0]), None);
        assert_eq!(Argon2Params::from_bytes([16, 3, 9]), None);
    }
}

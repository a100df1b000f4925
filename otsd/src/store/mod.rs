//! Where secrets live between create and reveal.
//!
//! Two implementations share one small trait: [`MemoryStore`], the embedded
//! default, and [`RedisStore`] for production. Both pass the same conformance
//! suite (`conformance.rs`). Every operation that takes a verifier checks it,
//! counts a wrong one against the secret's tries, and deletes the secret at
//! the last try, all in one atomic step; reveal also counts the view and
//! deletes at the last one in that same step.

use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ots_shared::{SecretId, Verifier};

mod memory;
mod redis;

#[cfg(test)]
mod conformance;
#[cfg(test)]
pub(crate) mod redis_server;

pub use memory::{ENTRY_OVERHEAD, MemoryStore};
pub use redis::RedisStore;

/// A secret as it arrives from a create request.
#[derive(Clone)]
pub struct NewSecret {
    /// The sealed envelope (opaque to the server).
    pub envelope: Vec<u8>,
    /// SHA-256 of the retrieval proof.
    pub verifier: Verifier,
    /// How long the secret lives.
    pub ttl: Duration,
    /// How many reveals it allows (at least 1).
    pub views: u32,
    /// Wrong proofs tolerated before it is burned (at least 1).
    pub tries: u32,
}

impl std::fmt::Debug for NewSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSecret")
            .field("envelope_len", &self.envelope.len())
            .field("ttl", &self.ttl)
            .field("views", &self.views)
            .field("tries", &self.tries)
            .finish_non_exhaustive()
    }
}

/// What status reports about a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretStatus {
    /// Reveals left.
    pub views_left: u32,
    /// Wrong proofs left.
    pub tries_left: u32,
    /// Wall-clock expiry.
    pub expires_at: SystemTime,
}

/// What a successful reveal returns.
#[derive(Clone, PartialEq, Eq)]
pub struct Revealed {
    /// The sealed envelope.
    pub envelope: Vec<u8>,
    /// Reveals left; 0 means the secret is gone.
    pub views_left: u32,
}

impl std::fmt::Debug for Revealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Revealed")
            .field("envelope_len", &self.envelope.len())
            .field("views_left", &self.views_left)
            .finish()
    }
}

/// Why a store operation did not succeed. Details are for the server's log
/// and never name an id or hold secret material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// No such secret: never existed, expired, read or burned.
    #[error("no such secret")]
    NotFound,
    /// The verifier does not match; `tries_left` wrong proofs remain
    /// (0: the secret has just been deleted).
    #[error("wrong proof")]
    WrongProof {
        /// Wrong proofs left.
        tries_left: u32,
    },
    /// Create found the id taken; the caller retries with a new id.
    #[error("the id is already taken")]
    Conflict,
    /// No room for the secret; nothing was evicted.
    #[error("the store is full")]
    Full,
    /// The store cannot be reached right now: the operation was refused
    /// before it was sent, or the store went away with it. Trying again
    /// later is the right advice.
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    /// The operation went to the store but no answer came in time: it may
    /// have taken effect (a reveal may have consumed a view), so it must not
    /// be reported as safe to retry.
    #[error("the store did not confirm the operation in time: {0}")]
    Timeout(String),
    /// Create was given a lifetime that reaches past what the clock can
    /// represent.
    #[error("the lifetime is out of range")]
    TtlOutOfRange,
    /// Anything else: a bug or an unexpected answer.
    #[error("store error: {0}")]
    Internal(String),
}

/// A place to keep secrets. Implementations are cheap to clone handles.
pub trait Store: Clone + Send + Sync + 'static {
    /// Stores `secret` under `id`, never overwriting: a taken id gives
    /// [`StoreError::Conflict`], a lifetime past the clock's range
    /// [`StoreError::TtlOutOfRange`]. Returns the wall-clock expiry.
    fn create(
        &self,
        id: &SecretId,
        secret: &NewSecret,
    ) -> impl Future<Output = Result<SystemTime, StoreError>> + Send;

    /// Views left, tries left and expiry; consumes nothing.
    fn status(
        &self,
        id: &SecretId,
        verifier: &Verifier,
    ) -> impl Future<Output = Result<SecretStatus, StoreError>> + Send;

    /// Returns the envelope and counts a view, deleting at the last one.
    fn reveal(
        &self,
        id: &SecretId,
        verifier: &Verifier,
    ) -> impl Future<Output = Result<Revealed, StoreError>> + Send;

    /// Deletes the secret.
    fn burn(
        &self,
        id: &SecretId,
        verifier: &Verifier,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Whether the store is reachable.
    fn ping(&self) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// When a secret created at `now` with lifetime `ttl` expires, rounded up
/// to a whole second, and the lifetime that reaches that moment from `now`.
///
/// The API reports expiry in whole seconds; rounding the real expiry up to
/// the reported one, rather than reporting a truncated time, keeps a secret
/// from being readable after the `expires_at` its sender was shown.
pub(crate) fn whole_second_expiry(
    now: SystemTime,
    ttl: Duration,
) -> Result<(SystemTime, Duration), StoreError> {
    let exact = now.checked_add(ttl).ok_or(StoreError::TtlOutOfRange)?;
    let fraction = exact.duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    if fraction == 0 {
        return Ok((exact, ttl));
    }
    let up = Duration::from_nanos(u64::from(1_000_000_000 - fraction));
    let rounded = exact.checked_add(up).ok_or(StoreError::TtlOutOfRange)?;
    Ok((rounded, ttl + up))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_is_rounded_up_to_a_whole_second() {
        let at = |s: u64, ms: u64| UNIX_EPOCH + Duration::from_millis(s * 1000 + ms);
        let ttl = Duration::from_secs(10);
        assert_eq!(whole_second_expiry(at(100, 0), ttl), Ok((at(110, 0), ttl)));
        let (expiry, lifetime) = whole_second_expiry(at(100, 250), ttl).expect("in range");
        assert_eq!((expiry, lifetime), (at(111, 0), Duration::from_millis(10_750)));
        assert_eq!(
            whole_second_expiry(at(100, 999), ttl),
            Ok((at(111, 0), Duration::from_millis(10_001)))
        );
        let far = UNIX_EPOCH + Duration::from_secs(u64::MAX / 2);
        assert_eq!(whole_second_expiry(far, Duration::MAX), Err(StoreError::TtlOutOfRange));
    }
}

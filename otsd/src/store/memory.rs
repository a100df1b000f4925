//! The embedded store: a map behind a mutex, bounded by bytes.
//!
//! Nothing live is ever evicted to make room: a create that would pass the
//! capacity first drops expired secrets, then fails with
//! [`StoreError::Full`] if there is still no room. Expiry is checked on every
//! access, so an expired secret is gone at once even if the sweeper has not
//! run yet; the sweeper only gives the memory back. A secret expires by
//! whichever clock says so first: the monotonic one (immune to the wall
//! clock being set back) or the wall clock (which keeps counting while the
//! machine is suspended, when the monotonic clock stands still), so it is
//! never readable past the `expires_at` that status reported.
//! The lock is held for short, synchronous steps and never across an await.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, SystemTime};

use ots_shared::{SecretId, Verifier};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::{NewSecret, Revealed, SecretStatus, Store, StoreError, whole_second_expiry};

/// Bytes charged per secret on top of its envelope: the id, verifier,
/// counters and the map's own bookkeeping, rounded up.
pub const ENTRY_OVERHEAD: u64 = 192;

/// The in-memory store. Clones share the same map.
#[derive(Debug, Clone)]
pub struct MemoryStore {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    capacity: u64,
}

#[derive(Debug, Default)]
struct State {
    entries: HashMap<SecretId, Entry>,
    used: u64,
    /// When a create last swept because the store was full.
    last_full_sweep: Option<Instant>,
}

#[derive(Debug)]
struct Entry {
    envelope: Vec<u8>,
    verifier: Verifier,
    views_left: u32,
    tries_left: u32,
    deadline: Instant,
    expires_at: SystemTime,
    cost: u64,
}

impl Entry {
    fn is_expired(&self, now: Now) -> bool {
        self.deadline <= now.mono || self.expires_at <= now.wall
    }
}

/// Both clocks, read once per operation.
#[derive(Debug, Clone, Copy)]
struct Now {
    mono: Instant,
    wall: SystemTime,
}

impl Now {
    fn read() -> Self {
        Self { mono: Instant::now(), wall: SystemTime::now() }
    }
}

/// How often a full store may look for expired secrets to make room. A full
/// sweep walks every entry under the lock; without a limit, a stream of
/// creates against a store full of live secrets would stall every reveal.
const FULL_SWEEP_INTERVAL: Duration = Duration::from_secs(1);

impl State {
    fn remove(&mut self, id: &SecretId) {
        if let Some(entry) = self.entries.remove(id) {
            self.used -= entry.cost;
        }
    }

    /// Whether `cost` more bytes fit; expired secrets still holding space
    /// are dropped first (at most once per [`FULL_SWEEP_INTERVAL`]), so a
    /// full store does not refuse for long because of them.
    fn has_room(&mut self, cost: u64, capacity: u64, now: Now) -> bool {
        let fits = |state: &Self| state.used.saturating_add(cost) <= capacity;
        if fits(self) {
            return true;
        }
        let due = self
            .last_full_sweep
            .is_none_or(|last| now.mono.duration_since(last) >= FULL_SWEEP_INTERVAL);
        if due {
            self.last_full_sweep = Some(now.mono);
            self.sweep(now);
        }
        fits(self)
    }

    fn sweep(&mut self, now: Now) -> usize {
        let before = self.entries.len();
        let mut freed = 0;
        self.entries.retain(|_, entry| {
            let keep = !entry.is_expired(now);
            if !keep {
                freed += entry.cost;
            }
            keep
        });
        self.used -= freed;
        before - self.entries.len()
    }
}

/// What an operation does with a secret whose proof matched.
enum After<T> {
    Keep(T),
    Delete(T),
}

impl MemoryStore {
    /// An empty store holding at most `capacity` bytes (envelopes plus
    /// [`ENTRY_OVERHEAD`] per secret).
    pub fn new(capacity: u64) -> Self {
        let shared = Shared { state: Mutex::new(State::default()), capacity };
        Self { shared: Arc::new(shared) }
    }

    /// Bytes currently charged against the capacity.
    pub fn used_bytes(&self) -> u64 {
        self.lock().used
    }

    /// Removes expired secrets now; returns how many.
    pub fn sweep(&self) -> usize {
        self.lock().sweep(Now::read())
    }

    /// Sweeps every `period` until the last handle to the store is dropped.
    pub fn spawn_sweeper(&self, period: Duration) -> JoinHandle<()> {
        let weak = Arc::downgrade(&self.shared);
        tokio::spawn(sweep_forever(weak, period))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every critical section leaves the map and the byte count
        // consistent before anything that could panic, so a poisoned lock
        // still guards valid data.
        self.shared.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn insert(&self, id: &SecretId, secret: &NewSecret) -> Result<SystemTime, StoreError> {
        let cost = secret.envelope.len() as u64 + ENTRY_OVERHEAD;
        let now = Now::read();
        let mut state = self.lock();

        match state.entries.get(id) {
            Some(old) if old.is_expired(now) => state.remove(id),
            Some(_) => return Err(StoreError::Conflict),
            None => {}
        }
        if !state.has_room(cost, self.shared.capacity, now) {
            return Err(StoreError::Full);
        }

        let (expires_at, lifetime) = whole_second_expiry(now.wall, secret.ttl)?;
        let deadline = now.mono.checked_add(lifetime).ok_or(StoreError::TtlOutOfRange)?;
        let entry = Entry {
            envelope: secret.envelope.clone(),
            verifier: secret.verifier,
            views_left: secret.views,
            tries_left: secret.tries,
            deadline,
            expires_at,
            cost,
        };
        state.entries.insert(id.clone(), entry);
        state.used += cost;
        Ok(expires_at)
    }

    /// Finds a live secret, checks the verifier (counting a wrong one) and
    /// applies `op` to it, all under one lock.
    fn access<T>(
        &self,
        id: &SecretId,
        verifier: &Verifier,
        op: impl FnOnce(&mut Entry) -> After<T>,
    ) -> Result<T, StoreError> {
        let now = Now::read();
        let mut state = self.lock();
        let entry = state.entries.get_mut(id).ok_or(StoreError::NotFound)?;

        if entry.is_expired(now) {
            state.remove(id);
            return Err(StoreError::NotFound);
        }
        if !entry.verifier.matches(verifier) {
            entry.tries_left = entry.tries_left.saturating_sub(1);
            let tries_left = entry.tries_left;
            if tries_left == 0 {
                state.remove(id);
            }
            return Err(StoreError::WrongProof { tries_left });
        }

        match op(entry) {
            After::Keep(value) => Ok(value),
            After::Delete(value) => {
                state.remove(id);
                Ok(value)
            }
        }
    }
}

async fn sweep_forever(store: Weak<Shared>, period: Duration) {
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Some(shared) = store.upgrade() else { return };
        let removed = MemoryStore { shared }.sweep();
        if removed > 0 {
            tracing::debug!(removed, "swept expired secrets");
        }
    }
}

fn status_of(entry: &mut Entry) -> After<SecretStatus> {
    After::Keep(SecretStatus {
        views_left: entry.views_left,
        tries_left: entry.tries_left,
        expires_at: entry.expires_at,
    })
}

fn reveal_of(entry: &mut Entry) -> After<Revealed> {
    entry.views_left = entry.views_left.saturating_sub(1);
    let views_left = entry.views_left;
    if views_left == 0 {
        let envelope = std::mem::take(&mut entry.envelope);
        return After::Delete(Revealed { envelope, views_left });
    }
    After::Keep(Revealed { envelope: entry.envelope.clone(), views_left })
}

impl Store for MemoryStore {
    async fn create(&self, id: &SecretId, secret: &NewSecret) -> Result<SystemTime, StoreError> {
        self.insert(id, secret)
    }

    async fn status(&self, id: &SecretId, verifier: &Verifier) -> Result<SecretStatus, StoreError> {
        self.access(id, verifier, status_of)
    }

    async fn reveal(&self, id: &SecretId, verifier: &Verifier) -> Result<Revealed, StoreError> {
        self.access(id, verifier, reveal_of)
    }

    async fn burn(&self, id: &SecretId, verifier: &Verifier) -> Result<(), StoreError> {
        self.access(id, verifier, |_| After::Delete(()))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::conformance::{conformance_suite, secret, verifier};

    async fn make() -> (MemoryStore, ()) {
        (MemoryStore::new(1 << 20), ())
    }

    conformance_suite!(make());

    const COST: u64 = 100 + ENTRY_OVERHEAD;

    /// Creates a secret that expires exactly `lifetime` from now on the
    /// (paused) monotonic clock. A real create rounds the expiry up to a
    /// whole second of the wall clock, which would make these tests depend
    /// on when they run.
    async fn create_for(store: &MemoryStore, id: &SecretId, data: &[u8], lifetime: Duration) {
        store.create(id, &secret(data, 1, lifetime)).await.expect("create");
        let mut state = store.lock();
        let entry = state.entries.get_mut(id).expect("stored");
        entry.deadline = Instant::now() + lifetime;
        entry.expires_at = SystemTime::now() + lifetime + Duration::from_secs(3600);
    }

    #[tokio::test]
    async fn full_at_capacity_and_nothing_is_evicted() {
        let store = MemoryStore::new(2 * COST);
        let (a, b, c) = (SecretId::generate(), SecretId::generate(), SecretId::generate());
        let hour = Duration::from_secs(3600);
        store.create(&a, &secret(&[7; 100], 1, hour)).await.expect("a fits");
        store.create(&b, &secret(&[8; 100], 1, hour)).await.expect("b fits");
        assert_eq!(store.used_bytes(), 2 * COST);

        assert_eq!(store.create(&c, &secret(&[9; 1], 1, hour)).await, Err(StoreError::Full));
        assert_eq!(store.used_bytes(), 2 * COST);
        assert!(store.status(&a, &verifier(1)).await.is_ok());
        assert!(store.status(&b, &verifier(1)).await.is_ok());

        store.burn(&a, &verifier(1)).await.expect("burn");
        assert_eq!(store.used_bytes(), COST);
        store.create(&c, &secret(&[9; 100], 1, hour)).await.expect("c fits now");
        assert_eq!(store.used_bytes(), 2 * COST);
    }

    #[tokio::test(start_paused = true)]
    async fn expired_secrets_make_room_before_a_create_is_refused() {
        let store = MemoryStore::new(2 * COST);
        let (a, b, c) = (SecretId::generate(), SecretId::generate(), SecretId::generate());
        let second = Duration::from_secs(1);
        create_for(&store, &a, &[7; 100], second).await;
        store.create(&b, &secret(&[8; 100], 1, Duration::from_secs(3600))).await.expect("b fits");
        assert_eq!(store.create(&c, &secret(&[9; 100], 1, second)).await, Err(StoreError::Full));

        // No sweeper runs: the create itself drops the expired secret.
        tokio::time::advance(second).await;
        store.create(&c, &secret(&[9; 100], 1, second)).await.expect("a's room is free again");
        assert_eq!(store.used_bytes(), 2 * COST);
        assert_eq!(store.status(&a, &verifier(1)).await, Err(StoreError::NotFound));
        assert!(store.status(&b, &verifier(1)).await.is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_store_sweeps_at_most_once_a_second() {
        let store = MemoryStore::new(2 * COST);
        let (a, b, c) = (SecretId::generate(), SecretId::generate(), SecretId::generate());
        let brief = Duration::from_millis(500);
        create_for(&store, &a, &[7; 100], brief).await;
        store.create(&b, &secret(&[8; 100], 1, Duration::from_secs(3600))).await.expect("b fits");
        assert_eq!(store.create(&c, &secret(&[9; 100], 1, brief)).await, Err(StoreError::Full));

        // a has expired, but the last sweep was 600 ms ago: still full.
        tokio::time::advance(Duration::from_millis(600)).await;
        assert_eq!(store.create(&c, &secret(&[9; 100], 1, brief)).await, Err(StoreError::Full));
        assert_eq!(store.used_bytes(), 2 * COST);

        tokio::time::advance(Duration::from_millis(400)).await;
        store.create(&c, &secret(&[9; 100], 1, brief)).await.expect("swept a second later");
        assert_eq!(store.used_bytes(), 2 * COST);
    }

    #[tokio::test]
    async fn the_wall_clock_expires_a_secret_after_a_suspend() {
        let store = MemoryStore::new(1 << 20);
        let id = SecretId::generate();
        let hour = Duration::from_secs(3600);
        let expires_at = store.create(&id, &secret(&[1; 100], 1, hour)).await.expect("create");
        assert!(store.status(&id, &verifier(1)).await.is_ok());

        // After a suspend the monotonic deadline is still ahead, but the
        // wall clock has passed the expiry that status reported.
        let suspended = expires_at - hour - Duration::from_secs(1);
        store.lock().entries.get_mut(&id).expect("stored").expires_at = suspended;
        assert_eq!(store.reveal(&id, &verifier(1)).await.map(drop), Err(StoreError::NotFound));
        assert_eq!(store.used_bytes(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn expiry_is_checked_on_read_and_frees_the_bytes() {
        let store = MemoryStore::new(1 << 20);
        let id = SecretId::generate();
        create_for(&store, &id, &[1; 100], Duration::from_secs(1)).await;

        tokio::time::advance(Duration::from_millis(999)).await;
        assert!(store.status(&id, &verifier(1)).await.is_ok());
        tokio::time::advance(Duration::from_millis(1)).await;
        assert_eq!(store.status(&id, &verifier(1)).await, Err(StoreError::NotFound));
        assert_eq!(store.used_bytes(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn the_sweeper_frees_expired_secrets() {
        let store = MemoryStore::new(1 << 20);
        let (brief, lasting) = (SecretId::generate(), SecretId::generate());
        create_for(&store, &brief, &[1; 100], Duration::from_secs(10)).await;
        store.create(&lasting, &secret(&[2; 100], 1, Duration::from_secs(3600))).await.expect("ok");
        assert_eq!(store.used_bytes(), 2 * COST);

        let started = Instant::now();
        let _sweeper = store.spawn_sweeper(Duration::from_secs(30));
        // The paused clock jumps ahead whenever every task is idle.
        while store.used_bytes() > COST {
            assert!(started.elapsed() < Duration::from_secs(120), "the sweeper never ran");
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let waited = started.elapsed();
        assert!(
            (Duration::from_secs(30)..=Duration::from_secs(31)).contains(&waited),
            "{waited:?}"
        );
        assert_eq!(store.used_bytes(), COST);
        assert!(store.status(&lasting, &verifier(1)).await.is_ok());
    }

    #[tokio::test]
    async fn the_sweeper_stops_with_the_store() {
        let store = MemoryStore::new(1 << 20);
        let sweeper = store.spawn_sweeper(Duration::from_millis(1));
        drop(store);
        sweeper.await.expect("the sweeper ends without panicking");
    }
}

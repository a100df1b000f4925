//! The behaviour every store must show, run against each implementation.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ots_shared::kdf::Proof;
use ots_shared::{SecretId, Verifier};

use super::{NewSecret, Revealed, SecretStatus, Store, StoreError};

pub(crate) const TRIES: u32 = 5;

pub(crate) fn verifier(seed: u8) -> Verifier {
    Proof::from_bytes([seed; 32]).verifier()
}

pub(crate) fn secret(envelope: &[u8], views: u32, ttl: Duration) -> NewSecret {
    NewSecret { envelope: envelope.to_vec(), verifier: verifier(1), ttl, views, tries: TRIES }
}

fn unix_ms(time: SystemTime) -> u128 {
    time.duration_since(UNIX_EPOCH).expect("after 1970").as_millis()
}

pub(crate) async fn round_trip<S: Store>(store: &S) {
    let id = SecretId::generate();
    let right = verifier(1);
    let before = SystemTime::now();
    let expires_at =
        store.create(&id, &secret(b"sealed\0bytes\r\n", 2, Duration::from_secs(60))).await;
    let expires_at = expires_at.expect("create");
    let lifetime = expires_at.duration_since(before).expect("expiry is in the future");
    assert!((Duration::from_secs(60)..=Duration::from_secs(62)).contains(&lifetime));
    let since_epoch = expires_at.duration_since(UNIX_EPOCH).expect("after 1970");
    assert_eq!(since_epoch.subsec_nanos(), 0, "expiry is a whole second, as reported");

    let status = store.status(&id, &right).await.expect("status");
    assert_eq!((status.views_left, status.tries_left), (2, TRIES));
    assert_eq!(unix_ms(status.expires_at), unix_ms(expires_at));

    let revealed = store.reveal(&id, &right).await.expect("reveal");
    assert_eq!(revealed, Revealed { envelope: b"sealed\0bytes\r\n".to_vec(), views_left: 1 });
    let status = store.status(&id, &right).await.expect("status after reveal");
    assert_eq!((status.views_left, status.tries_left), (1, TRIES));

    assert_eq!(store.burn(&id, &right).await, Ok(()));
    assert_eq!(store.status(&id, &right).await, Err(StoreError::NotFound));
    assert_eq!(store.reveal(&id, &right).await, Err(StoreError::NotFound));
    assert_eq!(store.burn(&id, &right).await, Err(StoreError::NotFound));
    assert_eq!(store.ping().await, Ok(()));
}

pub(crate) async fn unknown_ids_are_not_found<S: Store>(store: &S) {
    let id = SecretId::generate();
    let right = verifier(1);
    assert_eq!(store.status(&id, &right).await, Err(StoreError::NotFound));
    assert_eq!(store.reveal(&id, &right).await, Err(StoreError::NotFound));
    assert_eq!(store.burn(&id, &right).await, Err(StoreError::NotFound));
}

pub(crate) async fn views_count_down<S: Store>(store: &S) {
    let id = SecretId::generate();
    let right = verifier(1);
    store.create(&id, &secret(b"three", 3, Duration::from_secs(60))).await.expect("create");
    for views_left in [2, 1, 0] {
        let revealed = store.reveal(&id, &right).await.expect("reveal");
        assert_eq!(revealed, Revealed { envelope: b"three".to_vec(), views_left });
    }
    assert_eq!(store.reveal(&id, &right).await, Err(StoreError::NotFound));
    assert_eq!(store.status(&id, &right).await, Err(StoreError::NotFound));
}

/// Starts `readers` reveals at once and counts the successes.
async fn concurrent_reveals<S: Store>(store: &S, views: u32, readers: usize) -> usize {
    let id = SecretId::generate();
    store.create(&id, &secret(b"race", views, Duration::from_secs(60))).await.expect("create");
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(readers));
    let tasks: Vec<_> = (0..readers)
        .map(|_| {
            let (store, id, barrier) = (store.clone(), id.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                store.reveal(&id, &verifier(1)).await
            })
        })
        .collect();

    let mut successes = 0;
    for task in tasks {
        match task.await.expect("the reveal task does not panic") {
            Ok(revealed) => {
                assert_eq!(revealed.envelope, b"race");
                successes += 1;
            }
            Err(err) => assert_eq!(err, StoreError::NotFound),
        }
    }
    successes
}

pub(crate) async fn one_view_is_revealed_once<S: Store>(store: &S) {
    assert_eq!(concurrent_reveals(store, 1, 50).await, 1);
}

pub(crate) async fn three_views_are_revealed_three_times<S: Store>(store: &S) {
    assert_eq!(concurrent_reveals(store, 3, 50).await, 3);
}

pub(crate) async fn wrong_proofs_count_and_burn<S: Store>(store: &S) {
    let id = SecretId::generate();
    let (right, wrong) = (verifier(1), verifier(2));
    store.create(&id, &secret(b"guarded", 2, Duration::from_secs(60))).await.expect("create");

    assert_eq!(store.reveal(&id, &wrong).await, Err(StoreError::WrongProof { tries_left: 4 }));
    assert_eq!(store.status(&id, &wrong).await, Err(StoreError::WrongProof { tries_left: 3 }));
    assert_eq!(store.burn(&id, &wrong).await, Err(StoreError::WrongProof { tries_left: 2 }));

    // No view was consumed, and a right proof does not reset the count.
    let status: SecretStatus = store.status(&id, &right).await.expect("status");
    assert_eq!((status.views_left, status.tries_left), (2, 2));
    let revealed = store.reveal(&id, &right).await.expect("reveal");
    assert_eq!(revealed.views_left, 1);

    assert_eq!(store.reveal(&id, &wrong).await, Err(StoreError::WrongProof { tries_left: 1 }));
    assert_eq!(store.reveal(&id, &wrong).await, Err(StoreError::WrongProof { tries_left: 0 }));
    assert_eq!(store.reveal(&id, &right).await, Err(StoreError::NotFound));
    assert_eq!(store.reveal(&id, &wrong).await, Err(StoreError::NotFound));
}

/// Real time: a 1 s secret is gone just after the expiry create reported,
/// without any sweeper.
pub(crate) async fn expired_secrets_are_not_found<S: Store>(store: &S) {
    let (short, long) = (SecretId::generate(), SecretId::generate());
    let right = verifier(1);
    let expires_at =
        store.create(&short, &secret(b"brief", 1, Duration::from_secs(1))).await.expect("create");
    store.create(&long, &secret(b"long", 1, Duration::from_secs(60))).await.expect("create");
    assert!(store.status(&short, &right).await.is_ok());

    let left = expires_at.duration_since(SystemTime::now()).unwrap_or_default();
    assert!(left <= Duration::from_secs(2), "a 1 s secret expires within 2 s: {left:?}");
    tokio::time::sleep(left + Duration::from_millis(50)).await;
    assert_eq!(store.status(&short, &right).await, Err(StoreError::NotFound));
    assert_eq!(store.reveal(&short, &right).await, Err(StoreError::NotFound));
    assert_eq!(store.burn(&short, &right).await, Err(StoreError::NotFound));
    assert!(store.status(&long, &right).await.is_ok());
}

pub(crate) async fn create_never_overwrites<S: Store>(store: &S) {
    let id = SecretId::generate();
    store.create(&id, &secret(b"first", 1, Duration::from_secs(60))).await.expect("create");
    let again = store.create(&id, &secret(b"second", 5, Duration::from_secs(60))).await;
    assert_eq!(again, Err(StoreError::Conflict));
    let revealed = store.reveal(&id, &verifier(1)).await.expect("reveal");
    assert_eq!(revealed, Revealed { envelope: b"first".to_vec(), views_left: 0 });
}

/// A lifetime past the clock's range is refused, never a panic.
pub(crate) async fn a_ttl_past_the_clock_is_refused<S: Store>(store: &S) {
    let id = SecretId::generate();
    let forever = store.create(&id, &secret(b"forever", 1, Duration::MAX)).await;
    assert_eq!(forever, Err(StoreError::TtlOutOfRange));
    assert_eq!(store.status(&id, &verifier(1)).await, Err(StoreError::NotFound));
}

/// Expands to one test per conformance check for the store that `$make`
/// (an async expression) builds; `$make` yields `(store, guard)`.
macro_rules! conformance_suite {
    ($make:expr) => {
        conformance_suite!(@tests $make;
            round_trip,
            unknown_ids_are_not_found,
            views_count_down,
            one_view_is_revealed_once,
            three_views_are_revealed_three_times,
            wrong_proofs_count_and_burn,
            expired_secrets_are_not_found,
            create_never_overwrites,
            a_ttl_past_the_clock_is_refused,
        );
    };
    (@tests $make:expr; $($check:ident,)*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $check() {
                let (store, _guard) = $make.await;
                crate::store::conformance::$check(&store).await;
            }
        )*
    };
}

pub(crate) use conformance_suite;

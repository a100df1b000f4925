use std::time::Instant;

use super::*;
use crate::store::conformance::{TRIES, conformance_suite, secret, verifier};
use crate::store::redis_server::RedisServer;

#[test]
fn url_forms_configure_tls_credentials_and_database() {
    let plain = RedisUrl::parse("redis://127.0.0.1:6390").expect("valid");
    let plain = client_config(&plain).expect("config");
    assert!(plain.tls.is_none());
    assert_eq!((plain.username, plain.password, plain.database), (None, None, None));

    let tls = RedisUrl::parse("rediss://app:s3cret@redis.internal:6380/2").expect("valid");
    let tls = client_config(&tls).expect("config");
    assert!(tls.tls.is_some(), "rediss:// must never fall back to plain text");
    assert_eq!(tls.username.as_deref(), Some("app"));
    assert_eq!(tls.password.as_deref(), Some("s3cret"));
    assert_eq!(tls.database, Some(2));
    assert_eq!(address_of(&tls), "redis.internal:6380");
}

async fn make() -> (RedisStore, RedisServer) {
    let server = RedisServer::start();
    let url = RedisUrl::parse(&server.url()).expect("valid url");
    let store = RedisStore::connect(&url, "test:").await.expect("connect");
    (store, server)
}

conformance_suite!(make());

#[tokio::test]
async fn keys_carry_the_prefix_and_an_expiry() {
    let (store, _server) = make().await;
    let id = SecretId::generate();
    let ttl = Duration::from_secs(60);
    let expires_at = store.create(&id, &secret(b"x", 1, ttl)).await.expect("create");
    let pttl = CustomCommand::new_static("PTTL", None, false);
    let key = format!("test:{}", id.as_str());
    let ms: i64 = store.client.custom(pttl, vec![key]).await.expect("pttl");
    // Redis drops the key at the reported expiry: the lifetime rounded
    // up to a whole second.
    let left = expires_at.duration_since(SystemTime::now()).expect("in the future");
    let left = i64::try_from(left.as_millis()).expect("small");
    assert!((59_000..=61_000).contains(&ms), "{ms}");
    assert!((ms - left).abs() <= 100, "key ttl {ms} ms, reported expiry in {left} ms");
}

/// A key whose Redis expiry lags behind the stored one (a create that
/// Redis ran late) is gone at the stored expiry all the same.
#[tokio::test]
async fn the_stored_expiry_wins_over_a_late_key_expiry() {
    let (store, _server) = make().await;
    let id = SecretId::generate();
    let right = verifier(1);
    store.create(&id, &secret(b"x", 3, Duration::from_secs(60))).await.expect("create");
    let past = unix_ms(SystemTime::now() - Duration::from_millis(1)).to_string();
    let hset = CustomCommand::new_static("HSET", None, false);
    let key = format!("test:{}", id.as_str());
    let _: i64 = store.client.custom(hset, vec![key.as_str(), "x", &past]).await.expect("hset");

    assert_eq!(store.status(&id, &right).await, Err(StoreError::NotFound));
    let exists = CustomCommand::new_static("EXISTS", None, false);
    let left: i64 = store.client.custom(exists, vec![key]).await.expect("exists");
    assert_eq!(left, 0, "the expired key was deleted");
}

/// Sets a Redis setting through the store's own client.
async fn config_set(store: &RedisStore, name: &str, value: &str) {
    let command = CustomCommand::new_static("CONFIG", None, false);
    let _: String = store.client.custom(command, vec!["SET", name, value]).await.expect("set");
}

#[tokio::test]
async fn a_full_redis_still_counts_wrong_proofs() {
    let (store, _server) = make().await;
    let (counted, burned) = (SecretId::generate(), SecretId::generate());
    let hour = Duration::from_secs(3600);
    store.create(&counted, &secret(b"counted", 2, hour)).await.expect("create");
    store.create(&burned, &secret(b"burned", 1, hour)).await.expect("create");
    config_set(&store, "maxmemory-policy", "noeviction").await;
    config_set(&store, "maxmemory", "1").await;

    let (right, wrong) = (verifier(1), verifier(2));
    let refused = store.create(&SecretId::generate(), &secret(b"new", 1, hour)).await;
    assert_eq!(refused, Err(StoreError::Full));
    assert_eq!(store.status(&counted, &wrong).await, Err(StoreError::WrongProof { tries_left: 4 }));
    let status = store.status(&counted, &right).await.expect("status");
    assert_eq!((status.views_left, status.tries_left), (2, 4));
    let revealed = store.reveal(&counted, &right).await.expect("a multi-view reveal");
    assert_eq!(revealed, Revealed { envelope: b"counted".to_vec(), views_left: 1 });
    let status = store.status(&counted, &right).await.expect("status");
    assert_eq!((status.views_left, status.tries_left), (1, 4));

    for tries_left in (0..TRIES).rev() {
        let result = store.reveal(&burned, &wrong).await;
        assert_eq!(result, Err(StoreError::WrongProof { tries_left }));
    }
    assert_eq!(store.reveal(&burned, &right).await, Err(StoreError::NotFound));
    assert_eq!(store.burn(&counted, &right).await, Ok(()));
    assert_eq!(store.status(&counted, &right).await, Err(StoreError::NotFound));
}

#[tokio::test]
async fn unreachable_at_start_is_an_error_without_the_password() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let url = RedisUrl::parse(&format!("redis://:hunter2@127.0.0.1:{port}")).expect("url");
    let started = Instant::now();
    let err = RedisStore::connect(&url, "test:").await.expect_err("nothing listens there");
    let message = format!("{err:#}");
    assert!(message.starts_with(&format!("redis at 127.0.0.1:{port} is unreachable: ")));
    assert!(!message.contains("hunter2"), "{message}");
    assert!(started.elapsed() < STARTUP_TIMEOUT + Duration::from_secs(1));
}

/// Asserts that `result` is `Unavailable` and came within `limit`.
fn assert_unavailable_within<T: std::fmt::Debug>(
    limit: Duration,
    started: Instant,
    result: Result<T, StoreError>,
) {
    assert!(matches!(result, Err(StoreError::Unavailable(_))), "{result:?}");
    assert!(started.elapsed() < limit, "took {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_command_is_a_timeout_not_unavailable() {
    let (store, server) = make().await;
    let id = SecretId::generate();
    store.create(&id, &secret(b"slow", 2, Duration::from_secs(60))).await.expect("create");

    server.pause();
    let started = Instant::now();
    let result = store.reveal(&id, &verifier(1)).await;
    let waited = started.elapsed();
    server.resume();
    assert!(matches!(result, Err(StoreError::Timeout(_))), "{result:?}");
    assert!(waited >= COMMAND_TIMEOUT && waited < Duration::from_secs(3), "{waited:?}");

    // Why it must not be reported as safe to retry: the reveal reached
    // Redis and ran once Redis woke up, so its view is gone.
    let status = store.status(&id, &verifier(1)).await.expect("status");
    assert_eq!((status.views_left, status.tries_left), (1, TRIES));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reveal_cut_off_by_a_dying_redis_may_have_run() {
    let (store, mut server) = make().await;
    let id = SecretId::generate();
    store.create(&id, &secret(b"cut off", 1, Duration::from_secs(60))).await.expect("create");

    // Written to Redis, then the connection breaks before any answer:
    // Redis may have run it, so it must not read as safe to retry.
    server.pause();
    let reveal = tokio::spawn({
        let store = store.clone();
        async move { store.reveal(&id, &verifier(1)).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.stop();
    let result = reveal.await.expect("reveal task");
    // The broken connection, not the command timeout, ends it.
    assert!(
        matches!(&result, Err(StoreError::Timeout(detail)) if detail.starts_with("IO Error")),
        "{result:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outage_fails_fast_and_recovers_without_restart() {
    let (store, mut server) = make().await;
    let id = SecretId::generate();
    let hour = Duration::from_secs(3600);
    store.create(&id, &secret(b"kept", 2, hour)).await.expect("create");

    server.stop();
    // In the instant before the client notices the lost connection, a
    // create may still be written and wait out its timeout; a create's
    // unconfirmed outcome does not matter, so it is "unavailable".
    let started = Instant::now();
    let result = store.create(&id, &secret(b"x", 1, hour)).await;
    assert_unavailable_within(COMMAND_TIMEOUT + Duration::from_secs(1), started, result);
    let noticed = Instant::now();
    while store.client.is_connected() {
        assert!(noticed.elapsed() < Duration::from_secs(5), "the lost connection went unseen");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Once the client is reconnecting, every command is refused unsent.
    let limit = Duration::from_millis(200);
    let started = Instant::now();
    assert_unavailable_within(limit, started, store.reveal(&id, &verifier(1)).await);
    let started = Instant::now();
    assert_unavailable_within(limit, started, store.status(&id, &verifier(1)).await);
    let started = Instant::now();
    assert_unavailable_within(limit, started, store.burn(&id, &verifier(1)).await);
    let started = Instant::now();
    let result = store.create(&id, &secret(b"x", 1, hour)).await;
    assert_unavailable_within(limit, started, result);
    let started = Instant::now();
    assert_unavailable_within(limit, started, store.ping().await);

    server.restart();
    let started = Instant::now();
    while store.ping().await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(10), "no reconnect within 10 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A fresh server: the data and the script cache are empty, so this
    // also exercises loading the scripts again.
    let fresh = SecretId::generate();
    store.create(&fresh, &secret(b"again", 1, hour)).await.expect("create after restart");
    let revealed = store.reveal(&fresh, &verifier(1)).await.expect("reveal after restart");
    assert_eq!(revealed.envelope, b"again");
}

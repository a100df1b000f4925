//! Redis going away: otsd answers 503 quickly instead of hanging or crashing,
//! and recovers by itself when Redis is back on the same port.

use std::time::{Duration, Instant};

use ots_shared::api::ErrorCode;

use crate::api::{client, create, create_body, expect_error, post};
use crate::harness::{
    Backend, Otsd, Redis, assert_exit, assert_success, exit, get, otsctl, run_with_input, send,
};

/// The longest a request may take while Redis is down. Not a performance
/// target: a request that hangs would blow far past it.
const PROMPT: Duration = Duration::from_secs(5);

#[test]
fn redis_outage_gives_503_and_recovers() {
    let mut redis = Redis::start();
    let otsd = Otsd::start(Backend::Redis, Some(&redis), &[]);
    let base = otsd.base.clone();
    let (id, proof) = create(&base, b"before the outage", 1);

    redis.stop();
    let started = Instant::now();
    let (body, _) = create_body(b"during", None, None);
    let resp = post(&base, "/api/v1/secrets", &body);
    let retry = resp.headers().get("retry-after").map(|v| v.to_str().unwrap_or("").to_owned());
    expect_error(resp, 503, ErrorCode::StoreUnavailable);
    assert!(retry.as_deref().is_some_and(|r| r.parse::<u64>().is_ok()), "Retry-After: {retry:?}");
    let ready = client().get(format!("{base}/readyz")).send().expect("readyz");
    assert_eq!(ready.status().as_u16(), 503);
    // otsd has seen Redis go, so the reveal is refused unsent: 503, safe to
    // retry. (A reveal caught in flight by the outage would be 504 instead,
    // since Redis may have run it; the store's own tests cover that.)
    let reveal = post(&base, &format!("/api/v1/secrets/{id}/reveal"), &proof);
    expect_error(reveal, 503, ErrorCode::StoreUnavailable);
    assert!(started.elapsed() < PROMPT * 3, "503s took {:?}", started.elapsed());

    let cmd = otsctl(&["send", "--server", &base]);
    let started = Instant::now();
    assert_exit(&run_with_input(cmd, b"during"), exit::UNAVAILABLE, "send while Redis is down");
    assert!(started.elapsed() < PROMPT * 2, "otsctl took {:?}", started.elapsed());

    redis.restart();
    wait_ready(&base);
    let link = send(&base, b"after the outage", &[]);
    let out = get(&link);
    assert_success(&out, "get after recovery");
    assert_eq!(out.stdout, b"after the outage");
    let log = otsd.log();
    assert!(!log.contains("panicked"), "{log}");
}

/// Polls /readyz until the store answers again (otsd reconnects on its own).
fn wait_ready(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let resp = client().get(format!("{base}/readyz")).send();
        if resp.is_ok_and(|r| r.status().as_u16() == 200) {
            return;
        }
        assert!(Instant::now() < deadline, "otsd did not reconnect to Redis");
        std::thread::sleep(Duration::from_millis(100));
    }
}

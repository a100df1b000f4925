//! An expired secret is gone at once, before any sweeper could run.

use std::time::{Duration, SystemTime};

use crate::harness::{Backend, Stack, assert_exit, both_stores, exit, get, otsctl, run_with_input};

both_stores!(expired_secret_is_not_found);

fn expired_secret_is_not_found(backend: Backend) {
    let stack = Stack::start(backend, &[]);
    let cmd = otsctl(&["send", "--server", stack.base(), "--ttl", "2s", "--json"]);
    let out = run_with_input(cmd, b"short-lived");
    assert_exit(&out, exit::OK, "send --ttl 2s");
    let reply: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let link = reply["link"].as_str().expect("link").to_owned();
    let expires = reply["expires_at"].as_str().expect("expires_at");
    let expires = humantime::parse_rfc3339(expires).expect("expires_at is RFC 3339");
    // The expiry is the requested lifetime rounded up to a whole second.
    let now = SystemTime::now();
    assert!(expires > now && expires <= now + Duration::from_secs(3), "{expires:?}");
    let left = expires.duration_since(now).expect("in the future");

    // Waiting out a lifetime is what this test is about, not a readiness
    // wait. Just past the reported expiry, the secret is gone.
    std::thread::sleep(left + Duration::from_millis(100));
    assert_exit(&get(&link), exit::NOT_FOUND, "expired");
}

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
    let expires = humantime_parse(expires);
    let now = SystemTime::now();
    assert!(expires > now && expires <= now + Duration::from_secs(3), "{expires:?}");

    // Waiting out a lifetime is what this test is about, not a readiness wait.
    std::thread::sleep(Duration::from_millis(2300));
    assert_exit(&get(&link), exit::NOT_FOUND, "expired");
}

/// Parses `YYYY-MM-DDTHH:MM:SSZ` without a date library.
fn humantime_parse(text: &str) -> SystemTime {
    let digits: Vec<u64> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().expect("number"))
        .collect();
    let [y, mo, d, h, mi, s] = digits[..] else { panic!("not RFC 3339 seconds: {text}") };
    assert!(text.ends_with('Z'), "UTC: {text}");
    let days = days_from_civil(y as i64, mo, d);
    SystemTime::UNIX_EPOCH + Duration::from_secs(days as u64 * 86_400 + h * 3600 + mi * 60 + s)
}

/// Days since 1970-01-01 for a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u64, d: u64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

//! Expiry times and durations as people read them.
//!
//! The server's `expires_at` is parsed and printed again rather than echoed,
//! so nothing the network sends reaches the terminal unchecked.

use std::time::{Duration, SystemTime};

use anyhow::Context as _;

/// A parsed expiry time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expiry(SystemTime);

impl Expiry {
    /// Parses the server's RFC 3339 UTC timestamp.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let time = humantime::parse_rfc3339(text)
            .context("the server's answer holds an invalid expiry time")?;
        Ok(Self(time))
    }

    /// RFC 3339 in UTC with seconds precision, e.g. `2026-12-04T19:13:54Z`.
    pub fn rfc3339(self) -> String {
        humantime::format_rfc3339_seconds(self.0).to_string()
    }

    /// How far away it is from `now`, to the nearest second: `in 1d`,
    /// `in 2h 5m`, or `now`. Rounding, not truncating, keeps a fresh
    /// `--ttl 3s` reading `in 3s` after the round trip to the server.
    pub fn relative_to(self, now: SystemTime) -> String {
        match self.0.duration_since(now) {
            Ok(left) if left >= Duration::from_millis(500) => {
                let rounded = Duration::from_secs((left + Duration::from_millis(500)).as_secs());
                format!("in {}", short_duration(rounded))
            }
            _ => "now".to_owned(),
        }
    }

    /// Both forms, e.g. `2026-12-04T19:13:54Z (in 1d)`.
    pub fn describe(self) -> String {
        format!("{} ({})", self.rfc3339(), self.relative_to(SystemTime::now()))
    }
}

/// A compact duration with at most two units: `45s`, `10m`, `1h 30m`, `7d`.
///
/// Above two minutes it is rounded to the minute, so a secret created a
/// moment ago with `--ttl 1d` reads `1d` and not `23h 59m`.
pub fn short_duration(duration: Duration) -> String {
    let mut secs = duration.as_secs();
    if secs >= 120 {
        secs = secs.saturating_add(30) / 60 * 60;
    }
    let units = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let parts: Vec<String> = units
        .iter()
        .scan(secs, |left, (size, name)| {
            let count = *left / size;
            *left %= size;
            Some((count, *name))
        })
        .skip_while(|(count, _)| *count == 0)
        .take(2)
        .filter(|(count, _)| *count > 0)
        .map(|(count, name)| format!("{count}{name}"))
        .collect();
    if parts.is_empty() { "0s".to_owned() } else { parts.join(" ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_durations() {
        let cases = [
            (0, "0s"),
            (1, "1s"),
            (59, "59s"),
            (90, "1m 30s"),
            (600, "10m"),
            (3_599, "1h"),
            (5_400, "1h 30m"),
            (86_399, "1d"),
            (90_061, "1d 1h"),
            (7 * 86_400, "7d"),
            (u64::MAX, "213503982334601d 7h"),
        ];
        for (secs, expected) in cases {
            assert_eq!(short_duration(Duration::from_secs(secs)), expected, "{secs}");
        }
    }

    #[test]
    fn expiry_round_trips_and_reads_relative() {
        let expiry = Expiry::parse("2026-12-04T19:13:54Z").expect("valid");
        assert_eq!(expiry.rfc3339(), "2026-12-04T19:13:54Z");
        let now = humantime::parse_rfc3339("2026-12-03T19:13:55Z").expect("valid");
        assert_eq!(expiry.relative_to(now), "in 1d");
        let later = humantime::parse_rfc3339("2026-12-05T00:00:00Z").expect("valid");
        assert_eq!(expiry.relative_to(later), "now");
        let at = |ms: u64| SystemTime::UNIX_EPOCH + Duration::from_millis(ms);
        let expiry = Expiry(at(10_000));
        assert_eq!(expiry.relative_to(at(7_300)), "in 3s");
        assert_eq!(expiry.relative_to(at(9_200)), "in 1s");
        assert_eq!(expiry.relative_to(at(9_600)), "now");
        assert_eq!(expiry.relative_to(at(10_000)), "now");
    }

    #[test]
    fn refuses_garbage_without_echoing_it() {
        let err = Expiry::parse("\x1b[2Jsoon").expect_err("garbage");
        assert_eq!(err.to_string(), "the server's answer holds an invalid expiry time");
    }
}

//! Command-line flags and `OTSD_*` variables, parsed once into a validated
//! [`Config`].
//!
//! clap reads every value as text; this module turns the text into typed,
//! checked values, and every error names both the flag and its variable. A
//! variable that is set but empty is an error, never a silent default: clap
//! would hand an empty variable to the parser as an empty value, and for
//! optional settings such as `OTSD_REDIS_URL` an empty value must not quietly
//! mean "use the memory store".

use std::ffi::OsString;
use std::net::SocketAddr;
use std::time::Duration;

use clap::{CommandFactory as _, Parser};

use ots_shared::api::{API_VERSION, MAX_ENVELOPE_BYTES, ServerConfig};
use ots_shared::envelope::{MIN_PADDED_LEN, NONCE_LEN, TAG_LEN, VERSION};
use ots_shared::{LinkError, normalize_base};

use crate::store::ENTRY_OVERHEAD;

/// The smallest envelope the format allows; a smaller limit could store
/// nothing.
const MIN_ENVELOPE_BYTES: u64 = (5 + NONCE_LEN + MIN_PADDED_LEN + TAG_LEN) as u64;
/// The longest lifetime otsd accepts in its settings. It keeps every expiry
/// far inside the range of the clocks it is added to.
const TTL_CAP: Duration = Duration::from_secs(365 * 24 * 3600);
/// What a size setting accepts, for error messages.
const SIZE_FORMS: &str = "use whole bytes or a number with a unit (4096, 512KiB, 2MiB, 1GB)";
/// What a duration setting accepts, for error messages.
const DURATION_FORMS: &str =
    "use a number with s, m, h or d (30s, 10m, 1h, 7d), or a combination like 1h30m";

/// The raw flags, as clap sees them. Use [`Config::from_args`] to check them.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "otsd",
    version,
    about = "One-time secret server: stores sealed secrets with an expiry and a view limit",
    long_about = "One-time secret server: stores sealed secrets with an expiry and a view \
                  limit.\n\nEvery flag can also be set through the environment variable named \
                  beside it. A variable that is set but empty, or any invalid value, stops \
                  otsd at start. Sizes take plain bytes or a unit (512KiB, 2MiB, 1GB); \
                  durations take a number and a unit, s, m, h or d (30s, 10m, 1h, 7d), or a \
                  combination like 1h30m."
)]
// The field docs are clap's --help text, where `[user:password@]` is usage
// notation, not a rustdoc link.
#[allow(rustdoc::broken_intra_doc_links)]
pub struct Args {
    /// Address to listen on, IP:PORT (port 0 picks a free port)
    #[arg(
        long,
        env = "OTSD_LISTEN",
        value_name = "ADDR",
        default_value = "127.0.0.1:8080",
        hide_env_values = true
    )]
    pub listen: String,

    /// Base URL put in share links, http(s)://host[:port][/path] without query or
    /// fragment [default: http:// and the bound address]
    #[arg(long, env = "OTSD_PUBLIC_URL", value_name = "URL", hide_env_values = true)]
    pub public_url: Option<String>,

    /// Redis (7.0 or newer) to store secrets in: redis://[user:password@]host[:port][/db],
    /// or rediss:// for TLS [default: none: an in-memory store that a restart empties]
    #[arg(long, env = "OTSD_REDIS_URL", value_name = "URL", hide_env_values = true)]
    pub redis_url: Option<String>,

    /// Prefix of every Redis key otsd writes
    #[arg(
        long,
        env = "OTSD_REDIS_PREFIX",
        value_name = "PREFIX",
        default_value = "ots:",
        hide_env_values = true
    )]
    pub redis_prefix: String,

    /// Largest sealed secret accepted, in bytes (units allowed: 512KiB, 2MiB), from 1069
    /// to 256MiB
    #[arg(
        long,
        env = "OTSD_MAX_SECRET_BYTES",
        value_name = "SIZE",
        default_value = "2MiB",
        hide_env_values = true
    )]
    pub max_secret_bytes: String,

    /// Longest lifetime a secret may ask for, at most 365d (whole seconds: 30s, 10m,
    /// 1h, 7d)
    #[arg(
        long,
        env = "OTSD_MAX_TTL",
        value_name = "DURATION",
        default_value = "7d",
        hide_env_values = true
    )]
    pub max_ttl: String,

    /// Lifetime of a secret that asks for none; at most --max-ttl
    #[arg(
        long,
        env = "OTSD_DEFAULT_TTL",
        value_name = "DURATION",
        default_value = "24h",
        hide_env_values = true
    )]
    pub default_ttl: String,

    /// Most views one secret may allow
    #[arg(
        long,
        env = "OTSD_MAX_VIEWS",
        value_name = "N",
        default_value = "100",
        hide_env_values = true
    )]
    pub max_views: String,

    /// Wrong proofs (wrong key or passphrase) tolerated before a secret is burned
    #[arg(
        long,
        env = "OTSD_MAX_FAILED_PROOFS",
        value_name = "N",
        default_value = "5",
        hide_env_values = true
    )]
    pub max_failed_proofs: String,

    /// Memory store only: total bytes of secrets held (units allowed), at least
    /// --max-secret-bytes plus 192; when full, creates fail with 507 and nothing
    /// live is evicted
    #[arg(
        long,
        env = "OTSD_MEMORY_CAPACITY_BYTES",
        value_name = "SIZE",
        default_value = "256MiB",
        hide_env_values = true
    )]
    pub memory_capacity_bytes: String,

    /// Log filter in tracing EnvFilter syntax (error, warn, info, debug, trace,
    /// or e.g. otsd=debug); logs go to stderr
    #[arg(
        long,
        env = "OTSD_LOG",
        value_name = "FILTER",
        default_value = "info",
        hide_env_values = true
    )]
    pub log: String,
}

/// A configuration error; the message names the flag and its variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to bind.
    pub listen: SocketAddr,
    /// Base URL for links; `None` derives it from the bound address.
    pub public_url: Option<String>,
    /// Where secrets are kept.
    pub store: StoreConfig,
    /// Limits enforced on requests.
    pub limits: Limits,
    /// Log filter (already checked to parse).
    pub log: String,
}

/// Which store to use.
#[derive(Debug, Clone)]
pub enum StoreConfig {
    /// The embedded store, bounded by bytes.
    Memory {
        /// Capacity in bytes.
        capacity_bytes: u64,
    },
    /// Redis.
    Redis {
        /// Where Redis is (may hold a password).
        url: RedisUrl,
        /// Key prefix.
        prefix: String,
    },
}

/// Limits on what clients may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest envelope, in bytes.
    pub max_secret_bytes: u64,
    /// Longest lifetime.
    pub max_ttl: Duration,
    /// Lifetime when a create names none.
    pub default_ttl: Duration,
    /// Most views per secret.
    pub max_views: u32,
    /// Wrong proofs tolerated per secret.
    pub max_failed_proofs: u32,
}

impl Limits {
    /// What `GET /api/v1/config` answers.
    pub fn server_config(&self) -> ServerConfig {
        ServerConfig {
            api_version: API_VERSION,
            max_envelope_bytes: self.max_secret_bytes,
            default_ttl_seconds: self.default_ttl.as_secs(),
            max_ttl_seconds: self.max_ttl.as_secs(),
            max_views: self.max_views,
            max_failed_proofs: self.max_failed_proofs,
            envelope_versions: vec![VERSION],
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_secret_bytes: 2 * 1024 * 1024,
            max_ttl: Duration::from_secs(7 * 24 * 3600),
            default_ttl: Duration::from_secs(24 * 3600),
            max_views: 100,
            max_failed_proofs: 5,
        }
    }
}

/// A Redis URL. It may carry a password, so it never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisUrl(String);

impl RedisUrl {
    /// Checks a Redis URL without ever repeating it (it may hold a password).
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let flag = "--redis-url";
        let text = non_empty(flag, text)?.trim();
        if !(text.starts_with("redis://") || text.starts_with("rediss://")) {
            return Err(invalid(flag, "must start with redis:// or rediss://"));
        }
        fred::types::config::Config::from_url_centralized(text)
            .map_err(|err| invalid(flag, format!("not a valid redis URL: {}", err.details())))?;
        Ok(Self(text.to_owned()))
    }

    /// The URL itself, for the Redis client only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RedisUrl(<redacted>)")
    }
}

impl Config {
    /// Checks raw arguments and turns them into a configuration.
    pub fn from_args(args: &Args) -> Result<Self, ConfigError> {
        let limits = limits(args)?;
        let store = match args.redis_url.as_deref() {
            None => StoreConfig::Memory {
                capacity_bytes: memory_capacity(&args.memory_capacity_bytes, &limits)?,
            },
            Some(url) => StoreConfig::Redis {
                url: RedisUrl::parse(url)?,
                prefix: non_empty("--redis-prefix", &args.redis_prefix)?.to_owned(),
            },
        };
        Ok(Self {
            listen: listen_addr(&args.listen)?,
            public_url: args.public_url.as_deref().map(public_url).transpose()?,
            store,
            limits,
            log: log_filter(&args.log)?,
        })
    }
}

/// Fails when any `OTSD_*` variable that otsd reads is set but empty.
pub fn reject_empty_env(lookup: impl Fn(&str) -> Option<OsString>) -> Result<(), ConfigError> {
    let command = Args::command();
    let names = command.get_arguments().filter_map(|arg| arg.get_env());
    for name in names {
        let name = name.to_string_lossy();
        if lookup(&name).is_some_and(|value| value.is_empty()) {
            return Err(ConfigError(format!(
                "{name} is set but empty; unset it or give it a value"
            )));
        }
    }
    Ok(())
}

fn limits(args: &Args) -> Result<Limits, ConfigError> {
    let max_ttl = ttl("--max-ttl", &args.max_ttl)?;
    let default_ttl = ttl("--default-ttl", &args.default_ttl)?;
    if default_ttl > max_ttl {
        return Err(ConfigError(format!(
            "--default-ttl (OTSD_DEFAULT_TTL) is {}, longer than --max-ttl (OTSD_MAX_TTL) {}",
            humantime::format_duration(default_ttl),
            humantime::format_duration(max_ttl)
        )));
    }
    let max_secret_bytes = byte_size("--max-secret-bytes", &args.max_secret_bytes)?;
    if max_secret_bytes < MIN_ENVELOPE_BYTES {
        return Err(invalid(
            "--max-secret-bytes",
            format!("must be at least {MIN_ENVELOPE_BYTES} bytes, the smallest envelope"),
        ));
    }
    if max_secret_bytes > MAX_ENVELOPE_BYTES {
        return Err(invalid(
            "--max-secret-bytes",
            format!("must be at most {MAX_ENVELOPE_BYTES} bytes (256MiB)"),
        ));
    }
    Ok(Limits {
        max_secret_bytes,
        max_ttl,
        default_ttl,
        max_views: count("--max-views", &args.max_views)?,
        max_failed_proofs: count("--max-failed-proofs", &args.max_failed_proofs)?,
    })
}

/// The variable that goes with a flag: `--max-ttl` -> `OTSD_MAX_TTL`.
fn env_name(flag: &str) -> String {
    format!("OTSD_{}", flag.trim_start_matches('-').replace('-', "_").to_uppercase())
}

fn invalid(flag: &str, why: impl std::fmt::Display) -> ConfigError {
    ConfigError(format!("{flag} ({}): {why}", env_name(flag)))
}

fn non_empty<'a>(flag: &str, text: &'a str) -> Result<&'a str, ConfigError> {
    if text.trim().is_empty() {
        return Err(invalid(flag, "is empty"));
    }
    Ok(text)
}

fn positive(flag: &str, value: u64) -> Result<u64, ConfigError> {
    if value == 0 {
        return Err(invalid(flag, "must be greater than zero"));
    }
    Ok(value)
}

fn listen_addr(text: &str) -> Result<SocketAddr, ConfigError> {
    let text = non_empty("--listen", text)?;
    text.parse().map_err(|_| invalid("--listen", format!("{text:?} is not an IP:PORT address")))
}

fn byte_size(flag: &str, text: &str) -> Result<u64, ConfigError> {
    let text = non_empty(flag, text)?;
    // bytesize's own messages do not say what a size looks like (for a
    // number that overflows they name an empty unit), and it saturates
    // instead of failing on overflow.
    let not_a_size = || invalid(flag, format!("{text:?} is not a size: {SIZE_FORMS}"));
    let size: bytesize::ByteSize = text.trim().parse().map_err(|_| not_a_size())?;
    if size.as_u64() == u64::MAX {
        return Err(invalid(flag, format!("{text:?} is out of range")));
    }
    positive(flag, size.as_u64())
}

fn count(flag: &str, text: &str) -> Result<u32, ConfigError> {
    let text = non_empty(flag, text)?;
    let value: u32 = text
        .trim()
        .parse()
        .map_err(|_| invalid(flag, format!("{text:?} is not a whole number")))?;
    Ok(positive(flag, u64::from(value))? as u32)
}

/// A lifetime: whole seconds, more than zero, at most [`TTL_CAP`]. humantime
/// also knows units otsd has no use for (ms, us, ns), so its own message,
/// which lists them, is not passed on.
fn ttl(flag: &str, text: &str) -> Result<Duration, ConfigError> {
    let text = non_empty(flag, text)?;
    let duration = match humantime::parse_duration(text.trim()) {
        Ok(duration) => duration,
        Err(humantime::DurationError::NumberOverflow) => return Err(too_long(flag)),
        Err(_) => {
            return Err(invalid(flag, format!("{text:?} is not a duration: {DURATION_FORMS}")));
        }
    };
    if duration.subsec_nanos() != 0 {
        return Err(invalid(flag, "must be a whole number of seconds"));
    }
    if duration.is_zero() {
        return Err(invalid(flag, "must be greater than zero"));
    }
    if duration > TTL_CAP {
        return Err(too_long(flag));
    }
    Ok(duration)
}

fn too_long(flag: &str) -> ConfigError {
    invalid(flag, format!("must be at most {} days", TTL_CAP.as_secs() / 86_400))
}

/// The memory store's capacity: enough for at least one secret of the
/// largest size, or every create of such a secret would fail.
fn memory_capacity(text: &str, limits: &Limits) -> Result<u64, ConfigError> {
    let flag = "--memory-capacity-bytes";
    let capacity = byte_size(flag, text)?;
    let smallest = limits.max_secret_bytes.saturating_add(ENTRY_OVERHEAD);
    if capacity < smallest {
        return Err(invalid(
            flag,
            format!(
                "must be at least {smallest} bytes, room for one secret of --max-secret-bytes \
                 ({} bytes)",
                limits.max_secret_bytes
            ),
        ));
    }
    Ok(capacity)
}

/// Checks a public base URL with the same rule otsctl applies to links
/// ([`normalize_base`]), so every link otsd hands out parses on the other
/// side. A trailing slash is dropped so links have exactly one. Messages
/// never repeat the URL: it may hold a password.
fn public_url(text: &str) -> Result<String, ConfigError> {
    let flag = "--public-url";
    let text = non_empty(flag, text)?.trim();
    normalize_base(text).map_err(|err| invalid(flag, public_url_problem(text, &err)))
}

fn public_url_problem(text: &str, err: &LinkError) -> &'static str {
    match err {
        LinkError::BadScheme => "must start with http:// or https://",
        _ if text.contains(['?', '#']) => "must not have a query (?) or fragment (#)",
        _ if text.contains('@') => "must not hold user info (user:password@)",
        _ => {
            "must be http(s)://host[:port][/path] in ASCII, with a port from 1 to 65535 and no \
             backslash"
        }
    }
}

fn log_filter(text: &str) -> Result<String, ConfigError> {
    let text = non_empty("--log", text)?;
    tracing_subscriber::EnvFilter::try_new(text).map_err(|err| invalid("--log", err))?;
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests;

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

use ots_shared::api::{API_VERSION, ServerConfig};
use ots_shared::envelope::{MIN_PADDED_LEN, NONCE_LEN, TAG_LEN, VERSION};

/// The smallest envelope the format allows; a smaller limit could store
/// nothing.
const MIN_ENVELOPE_BYTES: u64 = (5 + NONCE_LEN + MIN_PADDED_LEN + TAG_LEN) as u64;

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
                  durations take a number and a unit (30s, 10m, 1h, 7d)."
)]
pub struct Args {
    /// Address to listen on, IP:PORT (port 0 picks a free port)
    #[arg(long, env = "OTSD_LISTEN", value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: String,

    /// Base URL put in share links, http(s)://host[:port][/path] without query or
    /// fragment [default: http:// and the bound address]
    #[arg(long, env = "OTSD_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,

    /// Redis to store secrets in: redis://[user:password@]host[:port][/db], or
    /// rediss:// for TLS [default: none: an in-memory store that a restart empties]
    #[arg(long, env = "OTSD_REDIS_URL", value_name = "URL", hide_env_values = true)]
    pub redis_url: Option<String>,

    /// Prefix of every Redis key otsd writes
    #[arg(long, env = "OTSD_REDIS_PREFIX", value_name = "PREFIX", default_value = "ots:")]
    pub redis_prefix: String,

    /// Largest sealed secret accepted, in bytes (units allowed: 512KiB, 2MiB)
    #[arg(long, env = "OTSD_MAX_SECRET_BYTES", value_name = "SIZE", default_value = "2MiB")]
    pub max_secret_bytes: String,

    /// Longest lifetime a secret may ask for (whole seconds: 30s, 10m, 1h, 7d)
    #[arg(long, env = "OTSD_MAX_TTL", value_name = "DURATION", default_value = "7d")]
    pub max_ttl: String,

    /// Lifetime of a secret that asks for none; at most --max-ttl
    #[arg(long, env = "OTSD_DEFAULT_TTL", value_name = "DURATION", default_value = "24h")]
    pub default_ttl: String,

    /// Most views one secret may allow
    #[arg(long, env = "OTSD_MAX_VIEWS", value_name = "N", default_value = "100")]
    pub max_views: String,

    /// Wrong proofs (wrong key or passphrase) tolerated before a secret is burned
    #[arg(long, env = "OTSD_MAX_FAILED_PROOFS", value_name = "N", default_value = "5")]
    pub max_failed_proofs: String,

    /// Memory store only: total bytes of secrets held (units allowed); when full,
    /// creates fail with 507 and nothing is evicted
    #[arg(long, env = "OTSD_MEMORY_CAPACITY_BYTES", value_name = "SIZE", default_value = "256MiB")]
    pub memory_capacity_bytes: String,

    /// Log filter in tracing EnvFilter syntax (error, warn, info, debug, trace,
    /// or e.g. otsd=debug); logs go to stderr
    #[arg(long, env = "OTSD_LOG", value_name = "FILTER", default_value = "info")]
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
                capacity_bytes: positive(
                    "--memory-capacity-bytes",
                    byte_size("--memory-capacity-bytes", &args.memory_capacity_bytes)?,
                )?,
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
    let size: bytesize::ByteSize = text.trim().parse().map_err(|err| invalid(flag, err))?;
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

fn ttl(flag: &str, text: &str) -> Result<Duration, ConfigError> {
    let text = non_empty(flag, text)?;
    let duration = humantime::parse_duration(text.trim()).map_err(|err| {
        invalid(flag, format!("{text:?} is not a duration like 30s, 1h or 7d: {err}"))
    })?;
    if duration.subsec_nanos() != 0 {
        return Err(invalid(flag, "must be a whole number of seconds"));
    }
    if duration.is_zero() {
        return Err(invalid(flag, "must be greater than zero"));
    }
    Ok(duration)
}

/// Checks a public base URL: http or https, a host, no user info, query or
/// fragment. A trailing slash is dropped so links have exactly one.
fn public_url(text: &str) -> Result<String, ConfigError> {
    let flag = "--public-url";
    let text = non_empty(flag, text)?.trim();
    let uri: hyper::Uri =
        text.parse().map_err(|_| invalid(flag, format!("{text:?} is not a URL")))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) {
        return Err(invalid(flag, "must start with http:// or https://"));
    }
    let Some(authority) = uri.authority() else {
        return Err(invalid(flag, "has no host"));
    };
    if authority.as_str().contains('@') || authority.host().is_empty() {
        return Err(invalid(flag, "must be http(s)://host[:port][/path] without user info"));
    }
    if text.contains('?') || text.contains('#') {
        return Err(invalid(flag, "must not have a query (?) or fragment (#)"));
    }
    Ok(text.trim_end_matches('/').to_owned())
}

fn log_filter(text: &str) -> Result<String, ConfigError> {
    let text = non_empty("--log", text)?;
    tracing_subscriber::EnvFilter::try_new(text).map_err(|err| invalid("--log", err))?;
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, ConfigError> {
        let argv = std::iter::once("otsd").chain(args.iter().copied());
        let args = Args::try_parse_from(argv).expect("clap accepts the arguments");
        Config::from_args(&args)
    }

    fn error(args: &[&str]) -> String {
        parse(args).expect_err("the configuration is invalid").to_string()
    }

    #[test]
    fn defaults() {
        let config = parse(&[]).expect("defaults are valid");
        assert_eq!(config.listen, "127.0.0.1:8080".parse().expect("addr"));
        assert_eq!(config.public_url, None);
        assert!(matches!(config.store, StoreConfig::Memory { capacity_bytes: 268_435_456 }));
        assert_eq!(config.limits, Limits::default());
        assert_eq!(config.limits.max_secret_bytes, 2_097_152);
        assert_eq!(config.limits.max_ttl, Duration::from_secs(604_800));
        assert_eq!(config.limits.default_ttl, Duration::from_secs(86_400));
        assert_eq!(config.log, "info");
    }

    #[test]
    fn server_config_reports_limits() {
        let config = parse(&["--max-views", "7", "--max-ttl", "2h", "--default-ttl", "10m"]);
        let server = config.expect("valid").limits.server_config();
        assert_eq!(
            server,
            ServerConfig {
                api_version: 1,
                max_envelope_bytes: 2_097_152,
                default_ttl_seconds: 600,
                max_ttl_seconds: 7200,
                max_views: 7,
                max_failed_proofs: 5,
                envelope_versions: vec![1],
            }
        );
    }

    #[test]
    fn empty_env_var_is_an_error() {
        let lookup = |name: &str| (name == "OTSD_REDIS_URL").then(OsString::new);
        let err = reject_empty_env(lookup).expect_err("empty is refused");
        assert_eq!(err.to_string(), "OTSD_REDIS_URL is set but empty; unset it or give it a value");
        assert_eq!(reject_empty_env(|_| Some("x".into())), Ok(()));
        assert_eq!(reject_empty_env(|_| None), Ok(()));
    }

    #[test]
    fn empty_flag_values_are_errors() {
        assert_eq!(error(&["--public-url", ""]), "--public-url (OTSD_PUBLIC_URL): is empty");
        assert_eq!(error(&["--redis-url", " "]), "--redis-url (OTSD_REDIS_URL): is empty");
        assert_eq!(error(&["--max-ttl", ""]), "--max-ttl (OTSD_MAX_TTL): is empty");
    }

    #[test]
    fn default_ttl_longer_than_max_is_an_error() {
        assert_eq!(
            error(&["--max-ttl", "1h", "--default-ttl", "2h"]),
            "--default-ttl (OTSD_DEFAULT_TTL) is 2h, longer than --max-ttl (OTSD_MAX_TTL) 1h"
        );
        assert!(parse(&["--max-ttl", "1h", "--default-ttl", "1h"]).is_ok());
    }

    #[test]
    fn durations() {
        let config = parse(&["--max-ttl", "30d", "--default-ttl", "90s"]).expect("valid");
        assert_eq!(config.limits.max_ttl, Duration::from_secs(30 * 86_400));
        assert_eq!(config.limits.default_ttl, Duration::from_secs(90));
        assert_eq!(
            error(&["--max-ttl", "0s"]),
            "--max-ttl (OTSD_MAX_TTL): must be greater than zero"
        );
        assert_eq!(
            error(&["--default-ttl", "1500ms"]),
            "--default-ttl (OTSD_DEFAULT_TTL): must be a whole number of seconds"
        );
        assert!(error(&["--max-ttl", "soon"]).starts_with("--max-ttl (OTSD_MAX_TTL): \"soon\""));
    }

    #[test]
    fn byte_sizes() {
        let size = |text: &str| byte_size("--max-secret-bytes", text);
        assert_eq!(size("4096"), Ok(4096));
        assert_eq!(size("512KiB"), Ok(524_288));
        assert_eq!(size("2MiB"), Ok(2_097_152));
        assert_eq!(size("1MB"), Ok(1_000_000));
        assert_eq!(size("0"), Err(invalid("--max-secret-bytes", "must be greater than zero")));
        assert!(size("lots").is_err());
        assert_eq!(
            error(&["--max-secret-bytes", "1000"]),
            "--max-secret-bytes (OTSD_MAX_SECRET_BYTES): must be at least 1069 bytes, the \
             smallest envelope"
        );
        let config = parse(&["--memory-capacity-bytes", "1GiB"]).expect("valid");
        assert!(matches!(config.store, StoreConfig::Memory { capacity_bytes: 1_073_741_824 }));
    }

    #[test]
    fn counts_must_be_positive() {
        assert_eq!(
            error(&["--max-views", "0"]),
            "--max-views (OTSD_MAX_VIEWS): must be greater than zero"
        );
        assert_eq!(
            error(&["--max-failed-proofs", "0"]),
            "--max-failed-proofs (OTSD_MAX_FAILED_PROOFS): must be greater than zero"
        );
        assert_eq!(
            error(&["--max-views=-1"]),
            "--max-views (OTSD_MAX_VIEWS): \"-1\" is not a whole number"
        );
    }

    #[test]
    fn public_urls() {
        let url = |text: &str| public_url(text);
        assert_eq!(url("https://ots.example/"), Ok("https://ots.example".to_owned()));
        assert_eq!(url("http://127.0.0.1:8080/ots/"), Ok("http://127.0.0.1:8080/ots".to_owned()));
        assert_eq!(
            url("ftp://ots.example"),
            Err(invalid("--public-url", "must start with http:// or https://"))
        );
        assert_eq!(
            url("https://ots.example/?a=b"),
            Err(invalid("--public-url", "must not have a query (?) or fragment (#)"))
        );
        assert!(url("https://ots.example/#x").is_err());
        assert!(url("https://user:pw@ots.example").is_err());
        assert!(url("ots.example").is_err());
    }

    #[test]
    fn redis_urls_never_echo_the_password() {
        let config = parse(&["--redis-url", "redis://user:hunter2@127.0.0.1:6390/2"]).expect("ok");
        let StoreConfig::Redis { url, prefix } = &config.store else {
            panic!("a redis url selects the redis store");
        };
        assert_eq!(prefix, "ots:");
        assert_eq!(url.expose(), "redis://user:hunter2@127.0.0.1:6390/2");
        assert!(!format!("{config:?}").contains("hunter2"));
        assert!(parse(&["--redis-url", "rediss://:pw@redis.example:6380"]).is_ok());

        let err = error(&["--redis-url", "http://:hunter2@x"]);
        assert_eq!(err, "--redis-url (OTSD_REDIS_URL): must start with redis:// or rediss://");
        let err = error(&["--redis-url", "redis://:hunter2@"]);
        assert!(err.starts_with("--redis-url (OTSD_REDIS_URL): not a valid redis URL"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn listen_and_log() {
        let config = parse(&["--listen", "[::1]:0", "--log", "otsd=debug"]).expect("valid");
        assert_eq!(config.listen, "[::1]:0".parse().expect("addr"));
        assert_eq!(config.log, "otsd=debug");
        assert_eq!(
            error(&["--listen", "localhost"]),
            "--listen (OTSD_LISTEN): \"localhost\" is not an IP:PORT address"
        );
        assert!(error(&["--log", "otsd=loud"]).starts_with("--log (OTSD_LOG): "));
    }

    #[test]
    fn every_flag_has_its_env_var() {
        let command = Args::command();
        for arg in command.get_arguments().filter(|a| a.get_long().is_some()) {
            let long = arg.get_long().expect("filtered on long");
            if long == "help" || long == "version" {
                continue;
            }
            let env = arg.get_env().map(|e| e.to_string_lossy().into_owned());
            assert_eq!(env, Some(env_name(&format!("--{long}"))), "--{long}");
        }
    }
}

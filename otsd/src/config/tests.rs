//! The flags and variables, checked value by value.

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
    assert_eq!(error(&["--max-ttl", "0s"]), "--max-ttl (OTSD_MAX_TTL): must be greater than zero");
    assert_eq!(
        error(&["--default-ttl", "1500ms"]),
        "--default-ttl (OTSD_DEFAULT_TTL): must be a whole number of seconds"
    );
    assert!(error(&["--max-ttl", "soon"]).starts_with("--max-ttl (OTSD_MAX_TTL): \"soon\""));
}

#[test]
fn ttls_are_capped_at_a_year() {
    let config = parse(&["--max-ttl", "365d", "--default-ttl", "365d"]).expect("a year is fine");
    assert_eq!(config.limits.max_ttl, Duration::from_secs(365 * 86_400));
    assert_eq!(error(&["--max-ttl", "366d"]), "--max-ttl (OTSD_MAX_TTL): must be at most 365 days");
    assert_eq!(
        error(&["--max-ttl", "400000000y"]),
        "--max-ttl (OTSD_MAX_TTL): must be at most 365 days"
    );
    assert_eq!(
        error(&["--default-ttl", "8760h1s"]),
        "--default-ttl (OTSD_DEFAULT_TTL): must be at most 365 days"
    );
}

#[test]
fn duration_errors_name_the_accepted_units() {
    let expected = "--max-ttl (OTSD_MAX_TTL): \"5x\" is not a duration: use a number \
                    with s, m, h or d (30s, 10m, 1h, 7d), or a combination like 1h30m";
    assert_eq!(error(&["--max-ttl", "5x"]), expected);
    let expected = "--default-ttl (OTSD_DEFAULT_TTL): \"soon\" is not a duration: use a \
                    number with s, m, h or d (30s, 10m, 1h, 7d), or a combination like 1h30m";
    assert_eq!(error(&["--default-ttl", "soon"]), expected);
    let config = parse(&["--max-ttl", "1d", "--default-ttl", "1h30m"]).expect("valid");
    assert_eq!(config.limits.max_ttl, Duration::from_secs(86_400));
    assert_eq!(config.limits.default_ttl, Duration::from_secs(5400));
}

#[test]
fn the_memory_store_holds_at_least_one_maximal_secret() {
    let smallest = 2_097_152 + ENTRY_OVERHEAD;
    let config = parse(&["--memory-capacity-bytes", &smallest.to_string()]).expect("valid");
    let StoreConfig::Memory { capacity_bytes } = config.store else {
        panic!("no redis url selects the memory store");
    };
    assert_eq!(capacity_bytes, smallest);
    assert_eq!(
        error(&["--memory-capacity-bytes", "1MiB"]),
        "--memory-capacity-bytes (OTSD_MEMORY_CAPACITY_BYTES): must be at least 2097344 \
         bytes, room for one secret of --max-secret-bytes (2097152 bytes)"
    );
    let small = ["--memory-capacity-bytes", "64KiB", "--max-secret-bytes", "64KiB"];
    assert_eq!(
        error(&small),
        "--memory-capacity-bytes (OTSD_MEMORY_CAPACITY_BYTES): must be at least 65728 \
         bytes, room for one secret of --max-secret-bytes (65536 bytes)"
    );
    // Redis ignores the memory store's capacity.
    assert!(parse(&["--memory-capacity-bytes", "1KiB", "--redis-url", "redis://x"]).is_ok());
}

#[test]
fn byte_sizes() {
    let size = |text: &str| byte_size("--max-secret-bytes", text);
    assert_eq!(size("4096"), Ok(4096));
    assert_eq!(size("512KiB"), Ok(524_288));
    assert_eq!(size("2MiB"), Ok(2_097_152));
    assert_eq!(size("1MB"), Ok(1_000_000));
    assert_eq!(size("0"), Err(invalid("--max-secret-bytes", "must be greater than zero")));
    let not_a_size = |text: &str| {
        let forms = "use whole bytes or a number with a unit (4096, 512KiB, 2MiB, 1GB)";
        Err(invalid("--max-secret-bytes", format!("{text:?} is not a size: {forms}")))
    };
    for text in ["lots", "18446744073709551616", "1069.9", "0.5", "-1", "2 parsecs"] {
        assert_eq!(size(text), not_a_size(text), "{text}");
    }
    assert_eq!(
        error(&["--max-secret-bytes", "1000"]),
        "--max-secret-bytes (OTSD_MAX_SECRET_BYTES): must be at least 1069 bytes, the \
         smallest envelope"
    );
    assert_eq!(
        error(&["--max-secret-bytes", "257MiB"]),
        "--max-secret-bytes (OTSD_MAX_SECRET_BYTES): must be at most 268435456 bytes (256MiB)"
    );
    assert!(parse(&["--max-secret-bytes", "256MiB", "--memory-capacity-bytes", "1GiB"]).is_ok());
    assert_eq!(
        error(&["--memory-capacity-bytes", "99999EiB"]),
        "--memory-capacity-bytes (OTSD_MEMORY_CAPACITY_BYTES): \"99999EiB\" is out of range"
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
    assert_eq!(url("http://[::1]:65535"), Ok("http://[::1]:65535".to_owned()));
    assert_eq!(
        url("ftp://ots.example"),
        Err(invalid("--public-url", "must start with http:// or https://"))
    );
    assert_eq!(url("ots.example"), url("ftp://ots.example"));
    let query = Err(invalid("--public-url", "must not have a query (?) or fragment (#)"));
    assert_eq!(url("https://ots.example/?a=b"), query);
    assert_eq!(url("https://ots.example/#x"), query);
    let user_info = Err(invalid("--public-url", "must not hold user info (user:password@)"));
    assert_eq!(url("https://user:pw@ots.example"), user_info);
    assert_eq!(url("https://@ots.example"), user_info);
    let malformed = Err(invalid(
        "--public-url",
        "must be http(s)://host[:port][/path] in ASCII, with a port from 1 to 65535 and no \
         backslash",
    ));
    for bad in [
        "https://ots.example:65536",
        "https://ots.example:",
        "https://ots.example:0",
        "https://ots.example\\evil.example",
        "https://ötş.example",
        "https://ots.example/ä",
        "https://",
        "https://:8080",
        "https://ots example",
    ] {
        assert_eq!(url(bad), malformed, "{bad}");
    }
}

#[test]
fn public_url_errors_never_repeat_the_url() {
    let err = error(&["--public-url", "https://user:hunter2@ots.example:99999"]);
    assert!(!err.contains("hunter2"), "{err}");
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
        // Otherwise help shows `[env: OTSD_X=]`, which reads as "set but empty".
        assert!(arg.is_hide_env_values_set(), "--{long} shows its variable's value");
    }
}

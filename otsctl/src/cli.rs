//! The command-line model: every subcommand, flag and help text, in one place.
//!
//! The same model generates the shell completions in `completions/`, so a
//! flag added here shows up there after `OTSCTL_UPDATE_COMPLETIONS=1 cargo
//! test -p otsctl` (a test fails while the committed scripts are stale).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueHint};
use clap_complete::Shell;

use crate::error::Exit;

/// Share a secret through a link that works once.
///
/// The secret is encrypted on this machine; the server stores only ciphertext
/// and never sees the key, which travels in the link after '#'.
#[derive(Debug, Parser)]
#[command(name = "otsctl", version, about, long_about, after_help = Exit::help_table())]
pub struct Cli {
    /// Print no notes on stderr (errors and warnings are still printed).
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Encrypt a secret and print a link that reveals it once.
    ///
    /// The secret comes from FILE, else (also for FILE '-') from stdin when
    /// it is a pipe or a file, else from a hidden prompt. It is never taken
    /// from an argument, which would end up in the shell history. Only the
    /// link is printed on stdout; expiry and views go to stderr.
    Send(SendArgs),
    /// Reveal a secret: print it on stdout, or write it to a file with -o.
    ///
    /// This consumes a view. '-o -' means stdout. When stdout is a terminal
    /// and the secret is not printable text, it is saved to a new file in
    /// the current directory instead of being dumped raw.
    Get(GetArgs),
    /// Show a secret's views left, expiry and tries left, without consuming it.
    Status(StatusArgs),
    /// Destroy a secret now.
    Burn(BurnArgs),
    /// Print a shell completion script on stdout.
    Completions(CompletionsArgs),
}

/// Arguments of `send`.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// Read the secret from this file (its name travels encrypted with it).
    #[arg(value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub file: Option<PathBuf>,

    /// How long the link works, e.g. 30s, 10m, 1h, 7d [default: the server's].
    #[arg(long, value_name = "DURATION", value_parser = parse_ttl)]
    pub ttl: Option<Duration>,

    /// How many times the secret can be revealed.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = parse_views)]
    pub views: u32,

    /// The otsd server's base URL.
    #[arg(long, value_name = "URL", env = "OTS_SERVER", value_hint = ValueHint::Url)]
    pub server: Option<String>,

    /// Print one JSON object {link, expires_at, views} on stdout.
    #[arg(long)]
    pub json: bool,

    /// A media type to store (encrypted) with the secret, e.g. application/json.
    #[arg(long, value_name = "TYPE")]
    pub media_type: Option<String>,

    /// Also protect the secret with a passphrase, asked on the terminal (twice).
    #[arg(long, conflicts_with_all = ["passphrase_file", "passphrase_env"])]
    pub passphrase: bool,

    /// Where a passphrase comes from without a prompt.
    #[command(flatten)]
    pub passphrase_input: PassphraseArgs,
}

/// Passphrase sources that need no terminal.
#[derive(Debug, Args)]
pub struct PassphraseArgs {
    /// Read the passphrase from the first line of this file.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath, conflicts_with = "passphrase_env")]
    pub passphrase_file: Option<PathBuf>,

    /// Read the passphrase from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub passphrase_env: Option<String>,
}

/// Arguments of `get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// The share link, as received; '-' reads it from stdin.
    #[arg(value_name = "LINK")]
    pub link: String,

    /// Write the secret to this file (created 0600, written atomically).
    #[arg(short, long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub output: Option<PathBuf>,

    /// Replace the -o file if it exists.
    #[arg(long, requires = "output")]
    pub force: bool,

    /// Where the passphrase comes from when the link needs one (else: a prompt).
    #[command(flatten)]
    pub passphrase_input: PassphraseArgs,
}

/// Arguments of `status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The share link, as received; '-' reads it from stdin.
    #[arg(value_name = "LINK")]
    pub link: String,

    /// Print one JSON object {views_left, expires_at, tries_left}.
    #[arg(long)]
    pub json: bool,

    /// Where the passphrase comes from when the link needs one (else: a prompt).
    #[command(flatten)]
    pub passphrase_input: PassphraseArgs,
}

/// Arguments of `burn`.
#[derive(Debug, Args)]
pub struct BurnArgs {
    /// The share link, as received; '-' reads it from stdin.
    #[arg(value_name = "LINK")]
    pub link: String,

    /// Where the passphrase comes from when the link needs one (else: a prompt).
    #[command(flatten)]
    pub passphrase_input: PassphraseArgs,
}

/// Arguments of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate the script for.
    #[arg(value_name = "SHELL")]
    pub shell: Shell,
}

/// Parses a TTL such as `30s`, `10m`, `1h` or `7d` into whole seconds.
///
/// humantime's own messages suggest units such as `ms` that are refused
/// here, so its errors are replaced rather than passed on.
fn parse_ttl(text: &str) -> Result<Duration, String> {
    let ttl = humantime::parse_duration(text).map_err(|err| match err {
        humantime::DurationError::NumberOverflow => "the duration is too long".to_owned(),
        _ => "use a number and a unit, e.g. 30s, 10m, 1h, 7d".to_owned(),
    })?;
    if ttl.subsec_nanos() != 0 {
        return Err("use whole seconds, e.g. 30s, 10m, 1h, 7d".into());
    }
    if ttl.is_zero() {
        return Err("the ttl must be at least 1s".into());
    }
    Ok(ttl)
}

/// A view count: a whole number of at least 1. The upper bound is the
/// server's `max_views`, which the server enforces and names.
fn parse_views(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(0) => Err("a secret must allow at least 1 view".into()),
        Ok(views) => Ok(views),
        Err(_) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
            Err("too many views".into())
        }
        Err(_) => Err("use a whole number of at least 1".into()),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn model_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn ttl_accepts_units_and_refuses_fractions() {
        assert_eq!(parse_ttl("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_ttl("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_ttl("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_ttl("1h 30m"), Ok(Duration::from_secs(5_400)));
        assert_eq!(parse_ttl("0s"), Err("the ttl must be at least 1s".into()));
        assert_eq!(parse_ttl("1500ms"), Err("use whole seconds, e.g. 30s, 10m, 1h, 7d".into()));
        assert_eq!(parse_ttl("10ms"), Err("use whole seconds, e.g. 30s, 10m, 1h, 7d".into()));
        for text in ["10", "soon", "", "1h soon", "-5m"] {
            assert_eq!(
                parse_ttl(text),
                Err("use a number and a unit, e.g. 30s, 10m, 1h, 7d".into())
            );
        }
        assert_eq!(parse_ttl("99999999999999999999d"), Err("the duration is too long".into()));
    }

    #[test]
    fn parses_a_typical_send() {
        let cli = Cli::try_parse_from([
            "otsctl",
            "send",
            "--ttl",
            "1h",
            "--views",
            "3",
            "--server",
            "https://x",
            "key.pem",
        ])
        .expect("valid");
        let Command::Send(send) = cli.command else { panic!("expected send") };
        assert_eq!(send.ttl, Some(Duration::from_secs(3600)));
        assert_eq!(send.views, 3);
        assert_eq!(send.file, Some(PathBuf::from("key.pem")));
    }

    #[test]
    fn refuses_zero_views_and_two_passphrase_sources() {
        for (views, message) in [
            ("0", "a secret must allow at least 1 view"),
            ("-1", "use a whole number of at least 1"),
            ("1.5", "use a whole number of at least 1"),
            ("99999999999", "too many views"),
        ] {
            let err = Cli::try_parse_from(["otsctl", "send", &format!("--views={views}")])
                .err()
                .unwrap_or_else(|| panic!("--views {views} was accepted"));
            assert_eq!(err.kind(), clap::error::ErrorKind::ValueValidation, "{views}");
            assert!(err.to_string().contains(message), "{views}: {err}");
        }
        assert_eq!(parse_views("4294967295"), Ok(u32::MAX));
        let both = ["otsctl", "send", "--passphrase", "--passphrase-env", "P"];
        assert!(Cli::try_parse_from(both).is_err());
        let both = ["otsctl", "get", "L", "--passphrase-file", "f", "--passphrase-env", "P"];
        assert!(Cli::try_parse_from(both).is_err());
    }

    #[test]
    fn force_needs_an_output_file() {
        assert!(Cli::try_parse_from(["otsctl", "get", "L", "--force"]).is_err());
        assert!(Cli::try_parse_from(["otsctl", "get", "L", "-o", "f", "--force"]).is_ok());
    }
}

//! Plain-text logs on stderr through tracing.
//!
//! Only tracing events are shown. The `log` crate is deliberately not
//! bridged in (tracing-subscriber is built without `tracing-log`): the Redis
//! client logs through `log` and may include command arguments, which can be
//! envelopes and verifiers.

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber with `filter` (EnvFilter syntax).
pub fn init(filter: &str) -> anyhow::Result<()> {
    let filter =
        EnvFilter::try_new(filter).map_err(|err| anyhow::anyhow!("invalid log filter: {err}"))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init()
        .map_err(|err| anyhow::anyhow!("cannot set up logging: {err}"))
}

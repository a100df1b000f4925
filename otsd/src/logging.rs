//! Plain-text logs on stderr through tracing.
//!
//! Only tracing events are shown. The `log` crate is deliberately not
//! bridged in (tracing-subscriber is built without `tracing-log`): the Redis
//! client logs through `log` and may include command arguments, which can be
//! envelopes and verifiers.
//!
//! The HTTP/2 library logs rejected request heads, paths included, at debug
//! level, and a path can hold a secret's id. Whatever filter the operator
//! gives, `h2` is held at `info` by a second filter that every event must
//! also pass, so no level of otsd's log names an id.

use std::io::IsTerminal as _;

use tracing::Subscriber;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::{EnvFilter, FilterExt as _, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{Layer as _, Registry};

/// Installs the global subscriber with `filter` (EnvFilter syntax).
pub fn init(filter: &str) -> anyhow::Result<()> {
    subscriber(filter, std::io::stderr, std::io::stderr().is_terminal())?
        .try_init()
        .map_err(|err| anyhow::anyhow!("cannot set up logging: {err}"))
}

/// The subscriber [`init`] installs, writing to `writer`: events pass both
/// the operator's `filter` and the fixed caps (`h2` at `info`). Public so
/// that tests can capture exactly what otsd would log.
pub fn subscriber<W>(filter: &str, writer: W, ansi: bool) -> anyhow::Result<impl Subscriber>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter =
        EnvFilter::try_new(filter).map_err(|err| anyhow::anyhow!("invalid log filter: {err}"))?;
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(ansi)
        .with_filter(filter.and(caps()));
    Ok(Registry::default().with(layer))
}

/// Levels no filter can raise: `h2` and every module below it at `info`.
fn caps() -> Targets {
    Targets::new().with_default(LevelFilter::TRACE).with_target("h2", LevelFilter::INFO)
}

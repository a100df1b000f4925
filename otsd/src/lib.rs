//! otsd, the one-time secret server.
//!
//! It stores sealed envelopes it cannot open, each with an expiry, a view
//! limit and the verifier of a retrieval proof, and hands an envelope out
//! only to a client that shows the proof. [`serve`] runs the HTTP API on a
//! listener it is given until a shutdown future resolves, so tests bind port
//! 0 and run it in-process; [`run`] is what the binary does around it.

pub mod config;
pub mod logging;
pub mod server;
pub mod store;

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use tokio::net::TcpListener;

use config::{Config, Limits, StoreConfig};
pub use server::{Timeouts, serve};
use store::{MemoryStore, RedisStore, Store};

/// How often the memory store frees expired secrets.
const SWEEP_PERIOD: Duration = Duration::from_secs(30);

/// Everything a request handler needs.
#[derive(Debug, Clone)]
pub struct App<S> {
    /// Where secrets live.
    pub store: S,
    /// Limits on requests.
    pub limits: Limits,
    /// Base URL for share links, without a trailing slash.
    pub public_url: String,
    /// How long the server waits on clients and on the store.
    pub timeouts: Timeouts,
}

/// Binds the configured address, opens the store, serves until SIGINT or
/// SIGTERM, then drains in-flight requests.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr().context("cannot read the bound address")?;
    let public_url = resolve_public_url(config.public_url.as_deref(), addr);
    let shutdown = server::shutdown_signal()?;

    match &config.store {
        StoreConfig::Memory { capacity_bytes } => {
            tracing::warn!(
                "using the in-memory store: a restart loses all secrets; set --redis-url to keep them"
            );
            let store = MemoryStore::new(*capacity_bytes);
            let _sweeper = store.spawn_sweeper(SWEEP_PERIOD);
            let app =
                App { store, limits: config.limits, public_url, timeouts: Timeouts::default() };
            start(listener, app, shutdown).await
        }
        StoreConfig::Redis { url, prefix } => {
            let store = RedisStore::connect(url, prefix).await?;
            let app =
                App { store, limits: config.limits, public_url, timeouts: Timeouts::default() };
            start(listener, app, shutdown).await
        }
    }
}

async fn start<S: Store>(
    listener: TcpListener,
    app: App<S>,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let addr = listener.local_addr().context("cannot read the bound address")?;
    tracing::info!(addr = %addr, public_url = %app.public_url, "listening");
    serve(listener, app, shutdown).await
}

/// The configured public URL, or `http://` and the bound address. An
/// unspecified address (0.0.0.0, ::) is no use in a link, so 127.0.0.1
/// stands in for it, with a warning.
fn resolve_public_url(configured: Option<&str>, addr: SocketAddr) -> String {
    if let Some(url) = configured {
        return url.to_owned();
    }
    if addr.ip().is_unspecified() {
        tracing::warn!(
            "no --public-url and listening on all interfaces: links will point to \
             127.0.0.1; set --public-url to the address clients use"
        );
        return format!("http://127.0.0.1:{}", addr.port());
    }
    format!("http://{addr}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_url_from_the_bound_address() {
        let url = |addr: &str| resolve_public_url(None, addr.parse().expect("addr"));
        assert_eq!(url("127.0.0.1:41234"), "http://127.0.0.1:41234");
        assert_eq!(url("[::1]:8080"), "http://[::1]:8080");
        assert_eq!(url("0.0.0.0:8080"), "http://127.0.0.1:8080");
        assert_eq!(url("[::]:9000"), "http://127.0.0.1:9000");
        let configured =
            resolve_public_url(Some("https://ots.example"), "0.0.0.0:1".parse().expect("addr"));
        assert_eq!(configured, "https://ots.example");
    }
}

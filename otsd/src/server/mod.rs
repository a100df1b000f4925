//! The HTTP layer: hyper 1 with hyper-util's HTTP/1 + HTTP/2 builder,
//! routing by hand.
//!
//! Each request is logged once, with its route template (never the path,
//! which holds an id), status and duration. Every response gets the security
//! headers here, in one place, whatever produced it.

mod body;
mod error;
mod handlers;
mod page;
mod response;
mod router;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

use crate::App;
use crate::store::Store;
use response::Body;

/// How long a client may take to send its request headers.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long shutdown waits for in-flight requests.
const DRAIN_DEADLINE: Duration = Duration::from_secs(10);
/// Pause after a failed accept (e.g. out of file descriptors), so the loop
/// does not spin while the condition lasts.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves `app` on `listener` until `shutdown` resolves, then stops
/// accepting and waits (up to 10 s) for in-flight requests to finish.
pub async fn serve<S: Store>(
    listener: TcpListener,
    app: App<S>,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let app = Arc::new(app);
    let builder = connection_builder();
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);

    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        match accepted {
            Ok((stream, _)) => spawn_connection(&builder, &graceful, stream, Arc::clone(&app)),
            Err(err) => accept_failed(&err).await,
        }
    }

    drop(listener);
    drain(graceful).await;
    Ok(())
}

fn connection_builder() -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT);
    builder.http2().timer(TokioTimer::new());
    builder
}

fn spawn_connection<S: Store>(
    builder: &auto::Builder<TokioExecutor>,
    graceful: &GracefulShutdown,
    stream: TcpStream,
    app: Arc<App<S>>,
) {
    let service = service_fn(move |request| {
        let app = Arc::clone(&app);
        async move { Ok::<_, Infallible>(respond(&app, request).await) }
    });
    let connection = builder.serve_connection(TokioIo::new(stream), service).into_owned();
    let connection = graceful.watch(connection);
    tokio::spawn(async move {
        if let Err(err) = connection.await {
            tracing::debug!(error = %err, "connection ended with an error");
        }
    });
}

async fn accept_failed(err: &std::io::Error) {
    tracing::warn!(error = %err, "cannot accept a connection");
    tokio::time::sleep(ACCEPT_BACKOFF).await;
}

async fn drain(graceful: GracefulShutdown) {
    tracing::info!(connections = graceful.count(), "shutting down");
    if tokio::time::timeout(DRAIN_DEADLINE, graceful.shutdown()).await.is_err() {
        tracing::warn!("in-flight requests did not finish in time; closing them");
    }
    tracing::info!("stopped");
}

/// Handles one request, adds the security headers and logs it.
async fn respond<S: Store>(app: &App<S>, request: Request<Incoming>) -> Response<Body> {
    let started = Instant::now();
    let method = request.method().clone();
    let (route, mut response) = handlers::handle(app, request).await;
    response::add_security_headers(response.headers_mut());
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(
        method = %method,
        route = %route,
        status = response.status().as_u16(),
        duration_ms = %format_args!("{duration_ms:.3}"),
        "request"
    );
    response
}

/// Resolves on the first SIGINT or SIGTERM. The handlers are installed now,
/// so a signal that arrives during startup is not lost.
#[cfg(unix)]
pub fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()> + Send> {
    use anyhow::Context as _;
    use tokio::signal::unix::{SignalKind, signal};

    let mut interrupt = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

/// Resolves on Ctrl-C.
#[cfg(not(unix))]
pub fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()> + Send> {
    Ok(async {
        // Without a working Ctrl-C handler the server runs until killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    })
}

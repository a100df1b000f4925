//! The HTTP layer: hyper 1 with hyper-util's HTTP/1 + HTTP/2 builder,
//! routing by hand.
//!
//! Each request is logged once, with its route template (never the path,
//! which holds an id), status and duration. Every response is finished
//! here, in one place, whatever produced it: it gets the security headers,
//! and a HEAD answer loses its body.

mod body;
mod error;
mod handlers;
mod page;
mod response;
mod router;
mod timeout;

pub use timeout::{BODY_DEADLINE, IDLE_TIMEOUT, STORE_DEADLINE, Timeouts};

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::{Body as _, Incoming};
use hyper::header::{CONTENT_LENGTH, HeaderValue};
use hyper::service::service_fn;
use hyper::{Method, Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

use crate::App;
use crate::store::Store;
use response::Body;
use timeout::IdleStream;

/// How long a client may take to send its request headers (HTTP/1; HTTP/2
/// has no such setting, and relies on the idle timeout).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Requests one HTTP/2 connection may have in progress at once. Each may
/// hold a body of up to the body limit until its deadline, so this bounds
/// what one connection can make the server hold.
const H2_MAX_STREAMS: u32 = 32;
/// How long shutdown waits for in-flight requests.
const DRAIN_DEADLINE: Duration = Duration::from_secs(10);
/// Pause after a failed accept (e.g. out of file descriptors), so the loop
/// does not spin while the condition lasts.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves `app` on `listener` until `shutdown` resolves, then stops
/// accepting and waits (up to 10 s) for in-flight requests to finish.
/// Connections and requests are bounded by `app.timeouts`.
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
    // No HTTP/2 keep-alive pings: the idle timeout already closes silent or
    // dead connections, and a peer's answer to a ping would count as
    // activity and keep an idle connection open forever.
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(None)
        .max_concurrent_streams(H2_MAX_STREAMS);
    builder
}

fn spawn_connection<S: Store>(
    builder: &auto::Builder<TokioExecutor>,
    graceful: &GracefulShutdown,
    stream: TcpStream,
    app: Arc<App<S>>,
) {
    let io = TokioIo::new(IdleStream::new(stream, app.timeouts.idle));
    let service = service_fn(move |request| {
        let app = Arc::clone(&app);
        async move { Ok::<_, Infallible>(respond(&app, request).await) }
    });
    let connection = builder.serve_connection(io, service).into_owned();
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

/// Handles one request, finishes the response and logs it.
async fn respond<S: Store>(app: &App<S>, request: Request<Incoming>) -> Response<Body> {
    let started = Instant::now();
    let method = request.method().clone();
    let (route, mut response) = handlers::handle(app, request).await;
    response::add_security_headers(response.headers_mut());
    if method == Method::HEAD {
        strip_body(&mut response);
    }
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

/// Drops a HEAD answer's body, keeping the length the GET answer would
/// have. HTTP/1 leaves the body out by itself, but HTTP/2 would send it,
/// which clients reject as a protocol error.
fn strip_body(response: &mut Response<Body>) {
    let length = response.body().size_hint().exact().unwrap_or(0);
    response.headers_mut().insert(CONTENT_LENGTH, HeaderValue::from(length));
    *response.body_mut() = Body::default();
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

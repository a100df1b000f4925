//! How long the server waits on clients and on the store, and the idle
//! timeout on every connection.
//!
//! hyper waits forever for a connection's first byte, HTTP/2 has no header
//! or idle timeouts, and reading a body has no deadline, so without these a
//! few hundred silent connections exhaust the file descriptors. The idle
//! timeout sits below hyper, on the socket itself, and so covers HTTP/1 and
//! HTTP/2 alike: before the first byte, between requests, and mid-request.

use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// A connection on which no byte moved, in either direction, for this long
/// is closed. This also bounds idle keep-alive connections. It is longer
/// than [`BODY_DEADLINE`] plus [`STORE_DEADLINE`], so a request in progress
/// ends with an answer (a stalled body with 408) rather than a dropped
/// connection.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(35);
/// The longest a client may take to send one request body, from the end of
/// its headers; a slower body gets 408. At the largest body (2 MiB of
/// envelope in base64) this asks for about 100 KB/s.
pub const BODY_DEADLINE: Duration = Duration::from_secs(30);
/// The longest wait on the store within one request.
pub const STORE_DEADLINE: Duration = Duration::from_secs(3);

/// The server's timeouts. [`Timeouts::default`] gives the production values;
/// tests shorten them. `idle` should stay longer than `body` plus `store`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// See [`IDLE_TIMEOUT`].
    pub idle: Duration,
    /// See [`BODY_DEADLINE`].
    pub body: Duration,
    /// See [`STORE_DEADLINE`].
    pub store: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self { idle: IDLE_TIMEOUT, body: BODY_DEADLINE, store: STORE_DEADLINE }
    }
}

/// A stream that fails with [`io::ErrorKind::TimedOut`] once no byte has
/// been read or written for the idle timeout, which makes hyper close the
/// connection.
///
/// Writes count as activity because hyper keeps a read pending while it
/// writes an HTTP/1 response (to notice a client that hangs up): counting
/// reads alone would cut off a large reveal on a slow link, after its view
/// was already consumed.
#[derive(Debug)]
pub(crate) struct IdleStream<S> {
    inner: S,
    idle: Duration,
    last_progress: Instant,
    timer: Pin<Box<Sleep>>,
}

impl<S> IdleStream<S> {
    pub(crate) fn new(inner: S, idle: Duration) -> Self {
        let now = Instant::now();
        Self { inner, idle, last_progress: now, timer: Box::pin(tokio::time::sleep(idle)) }
    }

    fn progressed(&mut self) {
        self.last_progress = Instant::now();
    }

    /// Called when the inner stream is not ready: pending while the
    /// connection is within its idle time, an error once it is past it.
    fn idle_check<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let due = self.last_progress + self.idle;
        if self.timer.deadline() != due {
            self.timer.as_mut().reset(due);
        }
        match self.timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("no bytes moved for {}", humantime::format_duration(self.idle)),
            ))),
            Poll::Pending => Poll::Pending,
        }
    }

    /// Notes progress for a finished write of `written` bytes, or checks
    /// the idle time when the write is not ready.
    fn after_write(
        &mut self,
        cx: &mut Context<'_>,
        result: Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        match result {
            Poll::Ready(Ok(written)) => {
                if written > 0 {
                    self.progressed();
                }
                Poll::Ready(Ok(written))
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => self.idle_check(cx),
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for IdleStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.progressed();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => this.idle_check(cx),
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for IdleStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.after_write(cx, result)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.after_write(cx, result)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Pending => this.idle_check(cx),
            done => done,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use super::*;

    const IDLE: Duration = Duration::from_secs(30);

    #[test]
    fn requests_in_progress_end_before_the_idle_timeout() {
        let timeouts = Timeouts::default();
        assert_eq!(timeouts.idle, Duration::from_secs(35));
        assert!(timeouts.idle > timeouts.body + timeouts.store);
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_peer_times_out_after_the_idle_time() {
        let (ours, _theirs) = tokio::io::duplex(64);
        let mut stream = IdleStream::new(ours, IDLE);
        let started = Instant::now();
        let err = stream.read(&mut [0u8; 8]).await.expect_err("the peer sends nothing");
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert_eq!(err.to_string(), "no bytes moved for 30s");
        assert_eq!(started.elapsed(), IDLE);
    }

    #[tokio::test(start_paused = true)]
    async fn reads_and_writes_both_count_as_activity() {
        let (ours, mut theirs) = tokio::io::duplex(64);
        let mut stream = IdleStream::new(ours, IDLE);
        let started = Instant::now();

        tokio::time::advance(Duration::from_secs(20)).await;
        theirs.write_all(b"x").await.expect("write");
        assert_eq!(stream.read(&mut [0u8; 8]).await.expect("read"), 1);
        tokio::time::advance(Duration::from_secs(20)).await;
        stream.write_all(b"y").await.expect("a write is progress too");

        let err = stream.read(&mut [0u8; 8]).await.expect_err("silent from now on");
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert_eq!(started.elapsed(), Duration::from_secs(70));
    }

    #[tokio::test(start_paused = true)]
    async fn a_peer_that_stops_reading_times_out_a_write() {
        let (ours, _theirs) = tokio::io::duplex(4);
        let mut stream = IdleStream::new(ours, IDLE);
        let err = stream.write_all(&[0u8; 16]).await.expect_err("the buffer stays full");
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }
}

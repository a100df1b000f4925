//! Nothing secret reaches the log, even at trace level.
//!
//! A test binary of its own: it installs the global subscriber, which no
//! other test binary may share. Both tests use otsd's own subscriber.

#[path = "http/support.rs"]
#[allow(dead_code)]
mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;

use support::{seal, start};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("capture lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn trace_logs_hold_no_ids_proofs_or_envelopes() {
    let capture = Capture::default();
    let writer = capture.clone();
    // The client's own trace logs name the URL; only the server's count.
    let filter = "trace,reqwest=off,hyper_util::client=off";
    let subscriber = otsd::logging::subscriber(filter, move || writer.clone(), false);
    tracing::subscriber::set_global_default(subscriber.expect("valid filter"))
        .expect("the only global subscriber");

    let server = start().await;
    let sealed = seal(b"correct horse battery staple");
    let id = server.create(&sealed, 2).await;
    for action in ["status", "reveal", "burn"] {
        let path = format!("/api/v1/secrets/{id}/{action}");
        if action != "burn" {
            server.post(&path, &sealed.wrong_proof_body()).await;
        }
        let response = server.post(&path, &sealed.proof_body()).await;
        assert!(response.status() == StatusCode::OK || response.status() == StatusCode::NO_CONTENT);
    }
    server.client.get(server.url(&format!("/s/{id}"))).send().await.expect("page");
    server.stop().await;

    let logs = String::from_utf8(capture.0.lock().expect("lock").clone()).expect("utf-8");
    assert!(logs.contains("route=/api/v1/secrets/{id}/reveal"), "{logs}");
    assert!(logs.contains("route=/s/{id}"), "{logs}");
    let envelope = URL_SAFE_NO_PAD.encode(&sealed.envelope);
    let forbidden = [
        id.clone(),
        URL_SAFE_NO_PAD.encode(sealed.proof),
        URL_SAFE_NO_PAD.encode(sealed.verifier.as_bytes()),
        envelope[..40].to_owned(),
        "correct horse".to_owned(),
    ];
    for needle in forbidden {
        assert!(!logs.contains(&needle), "the log holds {needle:?}");
    }
}

/// What otsd's subscriber with `filter` prints for a few events, captured
/// on this thread only.
fn logged(filter: &str) -> String {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = otsd::logging::subscriber(filter, move || writer.clone(), false);
    tracing::subscriber::with_default(subscriber.expect("valid filter"), || {
        tracing::debug!(target: "h2::server", "malformed path /s/h2-debug");
        tracing::info!(target: "h2::server", "h2-info");
        tracing::trace!(target: "otsd::server", "otsd-trace");
    });
    String::from_utf8(capture.0.lock().expect("capture lock").clone()).expect("utf-8")
}

/// The HTTP/2 library logs rejected paths at debug level; no filter lets
/// that through.
#[test]
fn h2_is_held_at_info_whatever_the_filter() {
    for filter in ["trace", "debug", "h2=trace", "trace,h2=debug", "h2::server=trace"] {
        let logs = logged(filter);
        assert!(!logs.contains("h2-debug"), "{filter}: {logs}");
    }
    let logs = logged("trace");
    assert!(logs.contains("h2-info") && logs.contains("otsd-trace"), "{logs}");
}

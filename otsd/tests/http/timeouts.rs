//! Slow and silent clients: connections that send nothing, HTTP/2
//! connections that go quiet after the preface, and bodies that never
//! finish are all let go within the (here shortened) timeouts.

use std::time::{Duration, Instant};

use otsd::store::MemoryStore;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::support::{limits, seal, short_timeouts, start_with_timeouts};

/// The client preface and an empty SETTINGS frame.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00";

/// Reads until the server closes the connection; returns what it sent and
/// how long that took. Fails if the connection is still open after 5 s.
async fn read_until_closed(stream: &mut TcpStream) -> (Vec<u8>, Duration) {
    let started = Instant::now();
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut chunk));
        match read.await.expect("the server closes the connection") {
            Ok(0) | Err(_) => return (received, started.elapsed()),
            Ok(n) => received.extend_from_slice(&chunk[..n]),
        }
    }
}

fn body_head(length: usize) -> String {
    format!(
        "POST /api/v1/secrets HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
         content-length: {length}\r\n\r\n"
    )
}

#[tokio::test]
async fn a_silent_connection_is_closed() {
    let server = start_with_timeouts(MemoryStore::new(1 << 20), limits(), short_timeouts()).await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    let (received, waited) = read_until_closed(&mut stream).await;
    assert_eq!(received, b"");
    assert!(waited >= Duration::from_millis(700), "closed after {waited:?}");
    server.stop().await;
}

#[tokio::test]
async fn an_http2_connection_that_goes_quiet_after_the_preface_is_closed() {
    let server = start_with_timeouts(MemoryStore::new(1 << 20), limits(), short_timeouts()).await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    stream.write_all(H2_PREFACE).await.expect("write the preface");
    let (received, waited) = read_until_closed(&mut stream).await;
    // The server spoke HTTP/2: its first frame is SETTINGS (type 4).
    assert_eq!(received.get(3), Some(&4), "{received:?}");
    assert!(waited >= Duration::from_millis(700), "closed after {waited:?}");
    server.stop().await;
}

#[tokio::test]
async fn a_body_that_stops_midway_is_408() {
    let server = start_with_timeouts(MemoryStore::new(1 << 20), limits(), short_timeouts()).await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    stream.write_all(body_head(100).as_bytes()).await.expect("write");
    stream.write_all(b"{\"envelope\":").await.expect("write part of the body");

    let (received, waited) = read_until_closed(&mut stream).await;
    let response = String::from_utf8_lossy(&received);
    assert!(response.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{response}");
    assert!(response.contains("cache-control: no-store\r\n"), "{response}");
    let body =
        r#"{"error":"request_timeout","message":"the request body did not arrive within 300ms"}"#;
    assert!(response.ends_with(body), "{response}");
    assert!(waited < Duration::from_secs(2), "answered after {waited:?}");
    server.stop().await;
}

#[tokio::test]
async fn a_body_that_trickles_is_408_at_the_deadline() {
    let server = start_with_timeouts(MemoryStore::new(1 << 20), limits(), short_timeouts()).await;
    let stream = TcpStream::connect(server.addr).await.expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    writer.write_all(body_head(1000).as_bytes()).await.expect("write");
    // One byte every 50 ms: well within the idle time, never done.
    let trickle = tokio::spawn(async move {
        for _ in 0..100 {
            if writer.write_all(b" ").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });

    let started = Instant::now();
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), reader.read_to_end(&mut received));
    let _ = read.await.expect("the server answers and closes");
    let response = String::from_utf8_lossy(&received);
    assert!(response.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{response}");
    assert!(response.contains(r#""error":"request_timeout""#), "{response}");
    assert!(started.elapsed() < Duration::from_secs(2), "after {:?}", started.elapsed());
    trickle.abort();
    server.stop().await;
}

#[tokio::test]
async fn requests_still_work_with_short_timeouts() {
    let server = start_with_timeouts(MemoryStore::new(1 << 20), limits(), short_timeouts()).await;
    let sealed = seal(b"still works");
    let id = server.create(&sealed, 2).await;
    assert_eq!(server.views_and_tries(&sealed, &id).await, (2, 3));

    // Past the idle time the pooled connection is gone; a new one works.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let path = format!("/api/v1/secrets/{id}/reveal");
    let response = server.post(&path, &sealed.proof_body()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(server.views_and_tries(&sealed, &id).await, (1, 3));
    server.stop().await;
}

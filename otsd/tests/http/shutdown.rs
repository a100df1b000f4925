//! Graceful shutdown: stop accepting, finish what is in flight.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::support::{seal, start};

async fn read_until(stream: &mut TcpStream, marker: &str) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !String::from_utf8_lossy(&buf).contains(marker) {
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut chunk));
        let n = read.await.expect("answer in time").expect("read");
        assert!(n > 0, "connection closed early: {}", String::from_utf8_lossy(&buf));
        buf.extend_from_slice(&chunk[..n]);
    }
    String::from_utf8_lossy(&buf).into_owned()
}

#[tokio::test]
async fn shutdown_finishes_the_request_in_flight() {
    let mut server = start().await;
    let body = seal(b"in flight").create_body(None, None).to_string();
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    let head = format!(
        "POST /api/v1/secrets HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
         expect: 100-continue\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    // 100 Continue means the handler is reading the body: in flight.
    read_until(&mut stream, "100 Continue\r\n\r\n").await;

    server.begin_stop();
    let started = Instant::now();
    while TcpStream::connect(server.addr).await.is_ok() {
        assert!(started.elapsed() < Duration::from_secs(5), "still accepting");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    stream.write_all(body.as_bytes()).await.expect("write body");
    let response = read_until(&mut stream, "\"public_url\"").await;
    assert!(response.contains("HTTP/1.1 201 Created\r\n"), "{response}");
    server.finished().await;
}

#[tokio::test]
async fn shutdown_with_nothing_in_flight_is_prompt() {
    let server = start().await;
    let started = Instant::now();
    server.stop().await;
    assert!(started.elapsed() < Duration::from_secs(1));
}

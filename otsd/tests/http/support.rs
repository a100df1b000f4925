//! Starting a server, sealing secrets, and small request helpers.

use std::time::Duration;

use ots_shared::api::{CreateRequest, ProofRequest};
use ots_shared::kdf::Proof;
use ots_shared::{Content, Envelope, Fragment, SecretBytes, Verifier};
use otsd::config::Limits;
use otsd::store::{MemoryStore, Store};
use otsd::{App, Timeouts};
use reqwest::StatusCode;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A server running in this process.
pub struct Server {
    pub base: String,
    pub addr: std::net::SocketAddr,
    pub client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
}

/// Limits small enough to test the edges quickly.
pub fn limits() -> Limits {
    Limits {
        max_secret_bytes: 4000,
        max_ttl: Duration::from_secs(3600),
        default_ttl: Duration::from_secs(600),
        max_views: 10,
        max_failed_proofs: 3,
    }
}

/// A server on the memory store with [`limits`].
pub async fn start() -> Server {
    start_with(MemoryStore::new(1 << 20), limits()).await
}

/// A server on `store`.
pub async fn start_with<S: Store>(store: S, limits: Limits) -> Server {
    start_with_timeouts(store, limits, Timeouts::default()).await
}

/// Timeouts short enough to wait out in a test, in the same order as the
/// production ones: idle is longer than body plus store.
pub fn short_timeouts() -> Timeouts {
    let short = Duration::from_millis(300);
    Timeouts { idle: Duration::from_millis(800), body: short, store: short }
}

/// A server on `store` with `timeouts`.
pub async fn start_with_timeouts<S: Store>(store: S, limits: Limits, timeouts: Timeouts) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("bound address");
    let base = format!("http://{addr}");
    let app = App { store, limits, public_url: "https://ots.example".to_owned(), timeouts };
    let (tx, rx) = oneshot::channel::<()>();
    let shutdown = async move {
        let _ = rx.await;
    };
    let task = tokio::spawn(otsd::serve(listener, app, shutdown));
    let client = reqwest::Client::builder().no_proxy().build().expect("client");
    Server { base, addr, client, shutdown: Some(tx), task }
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Asks the server to stop and waits until it has.
    pub async fn stop(mut self) {
        self.begin_stop();
        self.finished().await;
    }

    pub fn begin_stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }

    pub async fn finished(self) {
        let result = tokio::time::timeout(Duration::from_secs(15), self.task).await;
        result.expect("stops in time").expect("no panic").expect("serve returns Ok");
    }

    /// POSTs a JSON value.
    pub async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client.post(self.url(path)).json(body).send().await.expect("request")
    }

    /// Creates a secret and returns its id.
    pub async fn create(&self, sealed: &Sealed, views: i64) -> String {
        let response =
            self.post("/api/v1/secrets", &sealed.create_body(Some(60), Some(views))).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.expect("json");
        body["id"].as_str().expect("id").to_owned()
    }

    /// Status with the right proof, as (views_left, tries_left).
    pub async fn views_and_tries(&self, sealed: &Sealed, id: &str) -> (u64, u64) {
        let path = format!("/api/v1/secrets/{id}/status");
        let response = self.post(&path, &sealed.proof_body()).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.expect("json");
        (body["views_left"].as_u64().expect("views"), body["tries_left"].as_u64().expect("tries"))
    }
}

/// A sealed secret with its proof.
pub struct Sealed {
    pub envelope: Vec<u8>,
    pub verifier: Verifier,
    pub proof: [u8; 32],
}

/// Seals `text` under a fresh key.
pub fn seal(text: &[u8]) -> Sealed {
    let fragment = Fragment::generate(None);
    let keys = fragment.derive(None).expect("derive");
    let content = Content::text(SecretBytes::new(text.to_vec()));
    let envelope = Envelope::seal(&content, &keys, fragment.header()).expect("seal");
    let proof = *keys.proof().expose();
    Sealed { envelope: envelope.into_bytes(), verifier: keys.proof().verifier(), proof }
}

impl Sealed {
    pub fn create_body(&self, ttl_seconds: Option<i64>, views: Option<i64>) -> Value {
        let request = CreateRequest {
            envelope: self.envelope.clone(),
            verifier: self.verifier,
            ttl_seconds,
            views,
        };
        serde_json::to_value(request).expect("serialize")
    }

    pub fn proof_body(&self) -> Value {
        proof_body(self.proof)
    }

    pub fn wrong_proof_body(&self) -> Value {
        let mut wrong = self.proof;
        wrong[31] ^= 1;
        proof_body(wrong)
    }
}

pub fn proof_body(bytes: [u8; 32]) -> Value {
    serde_json::to_value(ProofRequest { proof: Proof::from_bytes(bytes) }).expect("serialize")
}

/// Asserts an error answer: status, code, and (when given) message.
pub async fn assert_error(
    response: reqwest::Response,
    status: u16,
    code: &str,
    message: Option<&str>,
) -> Value {
    assert_eq!(response.status().as_u16(), status);
    let content_type = response.headers()["content-type"].to_str().expect("ascii").to_owned();
    assert_eq!(content_type, "application/json");
    let body: Value = response.json().await.expect("json error body");
    assert_eq!(body["error"], code, "{body}");
    if let Some(message) = message {
        assert_eq!(body["message"], message, "{body}");
    }
    body
}

/// Sends raw bytes on a fresh connection and reads until the response
/// headers and the declared body have arrived (or the server closes).
pub async fn raw_exchange(addr: std::net::SocketAddr, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request).await.expect("write");
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut chunk))
            .await
            .expect("the server answers without waiting for the rest of the body");
        match read {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if response_complete(&buf) {
            break;
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

fn response_complete(buf: &[u8]) -> bool {
    let text = String::from_utf8_lossy(buf);
    let Some((head, body)) = text.split_once("\r\n\r\n") else { return false };
    let length = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length: "))
        .and_then(|n| n.trim().parse::<usize>().ok())
        .unwrap_or(0);
    body.len() >= length
}

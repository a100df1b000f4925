//! Every refusal: its status, code and message.

use otsd::store::{NewSecret, Revealed, SecretStatus, Store, StoreError};
use serde_json::{Value, json};

use crate::support::{
    assert_error, limits, raw_exchange, seal, short_timeouts, start, start_with,
    start_with_timeouts,
};

const VALID_UNKNOWN_ID: &str = "AAAAAAAAAAAAAAAAAAAAAA";

#[tokio::test]
async fn bad_create_requests() {
    let server = start().await;
    let sealed = seal(b"x");
    let create = |body: Value| {
        let server = &server;
        async move { server.post("/api/v1/secrets", &body).await }
    };

    let ttl = "ttl_seconds must be between 1 and 3600";
    for bad in [0, -5, 3601] {
        let response = create(sealed.create_body(Some(bad), None)).await;
        assert_error(response, 400, "invalid_ttl", Some(ttl)).await;
    }
    let views = "views must be between 1 and 10";
    for bad in [0, -1, 11] {
        let response = create(sealed.create_body(None, Some(bad))).await;
        assert_error(response, 400, "invalid_views", Some(views)).await;
    }

    let mut unknown = sealed.create_body(None, None);
    unknown["burn_after_reading"] = json!(true);
    let body = assert_error(create(unknown).await, 400, "invalid_request", None).await;
    let message = body["message"].as_str().expect("message");
    assert!(
        message.starts_with("invalid JSON body: unknown field `burn_after_reading`"),
        "{message}"
    );

    let mut wrong_type = sealed.create_body(None, None);
    wrong_type["views"] = json!("three");
    assert_error(create(wrong_type).await, 400, "invalid_request", None).await;

    let mut missing = sealed.create_body(None, None);
    missing.as_object_mut().expect("object").remove("verifier");
    assert_error(create(missing).await, 400, "invalid_request", None).await;

    let not_json = server
        .client
        .post(server.url("/api/v1/secrets"))
        .header("content-type", "application/json")
        .body("{\"envelope\":")
        .send()
        .await
        .expect("send");
    assert_error(not_json, 400, "invalid_request", None).await;

    let mut short = sealed.create_body(None, None);
    short["envelope"] = json!("T1RTAQA");
    let message = Some("invalid envelope: the envelope is truncated");
    assert_error(create(short).await, 400, "invalid_envelope", message).await;
    server.stop().await;
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let server = start().await;
    let body = seal(b"x").create_body(None, None).to_string();
    let response = server
        .client
        .post(server.url("/api/v1/secrets"))
        .header("content-type", "text/plain")
        .body(body)
        .send()
        .await
        .expect("send");
    let message = Some("the request body must have Content-Type: application/json");
    assert_error(response, 415, "unsupported_media_type", message).await;
    server.stop().await;
}

#[tokio::test]
async fn ids_are_checked_before_the_store() {
    let server = start().await;
    let sealed = seal(b"x");
    for path in ["/api/v1/secrets/abc/reveal", "/api/v1/secrets/AAAAAAAAAAAAAAAAAAAAA+/status"] {
        let response = server.post(path, &sealed.proof_body()).await;
        assert_error(response, 400, "invalid_id", None).await;
    }
    let response = server.client.get(server.url("/s/short")).send().await.expect("send");
    let message = Some("invalid secret id: a secret id has 22 characters, this one has 5");
    assert_error(response, 400, "invalid_id", message).await;

    let path = format!("/api/v1/secrets/{VALID_UNKNOWN_ID}/status");
    let response = server.post(&path, &sealed.proof_body()).await;
    let message =
        Some("no such secret: it never existed, expired, was already read, or was burned");
    assert_error(response, 404, "not_found", message).await;
    server.stop().await;
}

#[tokio::test]
async fn unknown_paths_and_wrong_methods() {
    let server = start().await;
    let response = server.client.get(server.url("/nope")).send().await.expect("send");
    assert_error(response, 404, "unknown_path", Some("no such path")).await;

    let response = server.client.get(server.url("/api/v1/secrets")).send().await.expect("send");
    assert_eq!(response.headers()["allow"], "POST, OPTIONS");
    let message = Some("method not allowed here; allowed: POST, OPTIONS");
    assert_error(response, 405, "method_not_allowed", message).await;

    let response = server.client.delete(server.url("/healthz")).send().await.expect("send");
    assert_eq!(response.headers()["allow"], "GET, HEAD, OPTIONS");
    assert_error(response, 405, "method_not_allowed", None).await;
    server.stop().await;
}

#[tokio::test]
async fn wrong_proofs_count_down_then_burn() {
    let server = start().await;
    let sealed = seal(b"guarded");
    let id = server.create(&sealed, 1).await;
    let path = format!("/api/v1/secrets/{id}/reveal");

    let response = server.post(&path, &sealed.wrong_proof_body()).await;
    let message = Some("wrong key or passphrase; 2 tries left before the secret is burned");
    let body = assert_error(response, 403, "wrong_proof", message).await;
    assert_eq!(body["tries_left"], 2);
    assert_eq!(server.views_and_tries(&sealed, &id).await, (1, 2));

    server.post(&path, &sealed.wrong_proof_body()).await;
    let response = server.post(&path, &sealed.wrong_proof_body()).await;
    let body = assert_error(response, 403, "wrong_proof", None).await;
    assert_eq!(body["tries_left"], 0);
    assert_error(server.post(&path, &sealed.proof_body()).await, 404, "not_found", None).await;
    server.stop().await;
}

#[tokio::test]
async fn oversize_content_length_is_refused_before_the_body() {
    let server = start().await;
    let request = "POST /api/v1/secrets HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
                   content-length: 100000000\r\n\r\n";
    let response = raw_exchange(server.addr, request.as_bytes()).await;
    assert!(response.starts_with("HTTP/1.1 413 Payload Too Large\r\n"), "{response}");
    assert!(response.contains("\"error\":\"payload_too_large\""), "{response}");
    assert!(response.contains("cache-control: no-store"), "{response}");
    server.stop().await;
}

#[tokio::test]
async fn oversize_chunked_body_is_refused_at_the_limit() {
    let server = start().await;
    // Well past the body limit for 4000-byte envelopes, with the final
    // chunk never sent: the answer must come without it.
    let chunk = "x".repeat(9000);
    let request = format!(
        "POST /api/v1/secrets HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
         transfer-encoding: chunked\r\n\r\n{:x}\r\n{chunk}\r\n",
        chunk.len()
    );
    let response = raw_exchange(server.addr, request.as_bytes()).await;
    assert!(response.starts_with("HTTP/1.1 413 Payload Too Large\r\n"), "{response}");
    assert!(response.contains("the request body is larger than 6360 bytes"), "{response}");
    server.stop().await;
}

#[tokio::test]
async fn oversize_envelope_within_the_body_limit_is_413() {
    let server = start().await;
    let mut sealed = seal(b"x");
    sealed.envelope.resize(4001, 0);
    let response = server.post("/api/v1/secrets", &sealed.create_body(None, None)).await;
    let message = Some("the envelope is larger than 4000 bytes");
    assert_error(response, 413, "payload_too_large", message).await;
    server.stop().await;
}

#[tokio::test]
async fn a_full_memory_store_is_507() {
    let store = otsd::store::MemoryStore::new(1000);
    let server = start_with(store, limits()).await;
    let response = server.post("/api/v1/secrets", &seal(b"x").create_body(None, None)).await;
    assert_error(response, 507, "store_full", None).await;
    server.stop().await;
}

/// A store that always fails the same way.
#[derive(Debug, Clone)]
struct Broken(StoreError);

impl Store for Broken {
    async fn create(
        &self,
        _: &ots_shared::SecretId,
        _: &NewSecret,
    ) -> Result<std::time::SystemTime, StoreError> {
        Err(self.0.clone())
    }
    async fn status(
        &self,
        _: &ots_shared::SecretId,
        _: &ots_shared::Verifier,
    ) -> Result<SecretStatus, StoreError> {
        Err(self.0.clone())
    }
    async fn reveal(
        &self,
        _: &ots_shared::SecretId,
        _: &ots_shared::Verifier,
    ) -> Result<Revealed, StoreError> {
        Err(self.0.clone())
    }
    async fn burn(
        &self,
        _: &ots_shared::SecretId,
        _: &ots_shared::Verifier,
    ) -> Result<(), StoreError> {
        Err(self.0.clone())
    }
    async fn ping(&self) -> Result<(), StoreError> {
        Err(self.0.clone())
    }
}

#[tokio::test]
async fn an_unavailable_store_is_503_with_retry_after() {
    let store = Broken(StoreError::Unavailable("connection refused".to_owned()));
    let server = start_with(store, limits()).await;
    let sealed = seal(b"x");
    let path = format!("/api/v1/secrets/{VALID_UNKNOWN_ID}/reveal");
    let message = Some("the secret store is unavailable; retry in 5 seconds");
    for response in [
        server.post("/api/v1/secrets", &sealed.create_body(None, None)).await,
        server.post(&path, &sealed.proof_body()).await,
        server.client.get(server.url("/readyz")).send().await.expect("send"),
    ] {
        assert_eq!(response.headers()["retry-after"], "5");
        assert_error(response, 503, "store_unavailable", message).await;
    }
    server.stop().await;
}

/// A store that never answers.
#[derive(Debug, Clone)]
struct Silent;

impl Store for Silent {
    async fn create(
        &self,
        _: &ots_shared::SecretId,
        _: &NewSecret,
    ) -> Result<std::time::SystemTime, StoreError> {
        std::future::pending().await
    }
    async fn status(
        &self,
        _: &ots_shared::SecretId,
        _: &ots_shared::Verifier,
    ) -> Result<SecretStatus, StoreError> {
        std::future::pending().await
    }
    async fn reveal(
        &self,
        _: &ots_shared::SecretId,
        _: &ots_shared::Verifier,
    ) -> Result<Revealed, StoreError> {
        std::future::pending().await
    }
    async fn burn(
        &self,
        _: &ots_shared::SecretId,
        _: &ots_shared::Verifier,
    ) -> Result<(), StoreError> {
        std::future::pending().await
    }
    async fn ping(&self) -> Result<(), StoreError> {
        std::future::pending().await
    }
}

#[tokio::test]
async fn a_store_that_does_not_answer_is_504_without_retry_after() {
    let server = start_with_timeouts(Silent, limits(), short_timeouts()).await;
    let sealed = seal(b"x");
    let unconfirmed = "the secret store did not confirm the operation in time; it may have \
                       taken effect";
    let path = |action: &str| format!("/api/v1/secrets/{VALID_UNKNOWN_ID}/{action}");
    let cases = [
        ("/api/v1/secrets".to_owned(), sealed.create_body(None, None), unconfirmed.to_owned()),
        (path("status"), sealed.proof_body(), unconfirmed.to_owned()),
        (
            path("reveal"),
            sealed.proof_body(),
            format!("{unconfirmed}: the secret may have been consumed"),
        ),
        (
            path("burn"),
            sealed.proof_body(),
            format!("{unconfirmed}: the secret may have been burned"),
        ),
    ];
    for (path, body, message) in cases {
        let response = server.post(&path, &body).await;
        assert_eq!(response.headers().get("retry-after"), None, "{path}");
        assert_error(response, 504, "store_timeout", Some(&message)).await;
    }

    // Readiness is not an operation: a silent store is simply not ready.
    let ready = server.client.get(server.url("/readyz")).send().await.expect("send");
    assert_eq!(ready.headers()["retry-after"], "5");
    assert_error(ready, 503, "store_unavailable", None).await;
    server.stop().await;
}

#[tokio::test]
async fn a_store_timeout_is_504_not_503() {
    let store = Broken(StoreError::Timeout("request timed out".to_owned()));
    let server = start_with(store, limits()).await;
    let path = format!("/api/v1/secrets/{VALID_UNKNOWN_ID}/reveal");
    let response = server.post(&path, &seal(b"x").proof_body()).await;
    assert_eq!(response.headers().get("retry-after"), None);
    let message = "the secret store did not confirm the operation in time; it may have taken \
                   effect: the secret may have been consumed";
    assert_error(response, 504, "store_timeout", Some(message)).await;
    server.stop().await;
}

#[tokio::test]
async fn internal_errors_keep_their_detail_private() {
    let store = Broken(StoreError::Internal("lua: secret detail".to_owned()));
    let server = start_with(store, limits()).await;
    let response = server.post("/api/v1/secrets", &seal(b"x").create_body(None, None)).await;
    let body = assert_error(response, 500, "internal", None).await;
    assert_eq!(body["message"], "internal error; details are in the server's log");
    assert!(!body.to_string().contains("secret detail"));
    server.stop().await;
}

#[tokio::test]
async fn bodies_must_be_json_objects() {
    let server = start().await;
    let sealed = seal(b"x");
    let object = sealed.create_body(Some(60), Some(1));
    let array = json!([object["envelope"], object["verifier"], 60, 1]);
    let message = Some("the body must be a JSON object");
    let response = server.post("/api/v1/secrets", &array).await;
    assert_error(response, 400, "invalid_request", message).await;

    let proof = json!([sealed.proof_body()["proof"]]);
    let path = format!("/api/v1/secrets/{VALID_UNKNOWN_ID}/status");
    assert_error(server.post(&path, &proof).await, 400, "invalid_request", message).await;
    for text in ["", " \r\n\t", "\"text\"", "null", "1"] {
        let response = server
            .client
            .post(server.url(&path))
            .header("content-type", "application/json")
            .body(text)
            .send()
            .await
            .expect("send");
        assert_error(response, 400, "invalid_request", message).await;
    }

    // Whitespace before the object is fine, and so is an explicit null TTL.
    let mut with_null = sealed.create_body(None, None);
    with_null["ttl_seconds"] = Value::Null;
    let response = server
        .client
        .post(server.url("/api/v1/secrets"))
        .header("content-type", "application/json")
        .body(format!("\r\n {with_null}"))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 201);
    server.stop().await;
}

#[tokio::test]
async fn a_ttl_past_the_clock_range_is_400_not_a_panic() {
    let mut huge = limits();
    huge.max_ttl = std::time::Duration::from_secs(u64::MAX);
    let server = start_with(otsd::store::MemoryStore::new(1 << 20), huge).await;
    let body = seal(b"x").create_body(Some(i64::MAX), None);
    let response = server.post("/api/v1/secrets", &body).await;
    let message = format!("ttl_seconds must be between 1 and {}", u64::MAX);
    assert_error(response, 400, "invalid_ttl", Some(&message)).await;
    server.stop().await;
}

//! The API's successful answers.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{seal, start};

#[tokio::test]
async fn create_status_reveal_burn() {
    let server = start().await;
    let sealed = seal(b"hunter2\n");
    let before = std::time::SystemTime::now();
    let response = server.post("/api/v1/secrets", &sealed.create_body(Some(120), Some(2))).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.expect("json");
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(id.len(), 22);
    assert_eq!(created["views"], 2);
    assert_eq!(created["public_url"], "https://ots.example");
    let expires_at = created["expires_at"].as_str().expect("expires_at");
    let expected = humantime::format_rfc3339_seconds(before + std::time::Duration::from_secs(120));
    assert_eq!(expires_at.len(), 20, "{expires_at}");
    assert!(expires_at.ends_with('Z'));
    let parsed = humantime::parse_rfc3339(expires_at).expect("rfc 3339");
    let diff = parsed.duration_since(humantime::parse_rfc3339(&expected.to_string()).expect("ok"));
    assert!(diff.expect("not earlier") <= std::time::Duration::from_secs(2));

    let status = server.post(&format!("/api/v1/secrets/{id}/status"), &sealed.proof_body()).await;
    assert_eq!(status.status(), StatusCode::OK);
    let status: Value = status.json().await.expect("json");
    assert_eq!(status, json!({ "views_left": 2, "expires_at": expires_at, "tries_left": 3 }));

    let reveal = server.post(&format!("/api/v1/secrets/{id}/reveal"), &sealed.proof_body()).await;
    assert_eq!(reveal.status(), StatusCode::OK);
    let reveal: Value = reveal.json().await.expect("json");
    let envelope = URL_SAFE_NO_PAD.encode(&sealed.envelope);
    assert_eq!(reveal, json!({ "envelope": envelope, "views_left": 1 }));

    let burn = server.post(&format!("/api/v1/secrets/{id}/burn"), &sealed.proof_body()).await;
    assert_eq!(burn.status(), StatusCode::NO_CONTENT);
    assert_eq!(burn.bytes().await.expect("body").len(), 0);

    let again = server.post(&format!("/api/v1/secrets/{id}/reveal"), &sealed.proof_body()).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    server.stop().await;
}

#[tokio::test]
async fn defaults_one_view_and_the_default_ttl() {
    let server = start().await;
    let sealed = seal(b"once");
    let response = server.post("/api/v1/secrets", &sealed.create_body(None, None)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.expect("json");
    assert_eq!(created["views"], 1);
    let id = created["id"].as_str().expect("id");

    let reveal = server.post(&format!("/api/v1/secrets/{id}/reveal"), &sealed.proof_body()).await;
    let reveal: Value = reveal.json().await.expect("json");
    assert_eq!(reveal["views_left"], 0);
    let again = server.post(&format!("/api/v1/secrets/{id}/reveal"), &sealed.proof_body()).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    server.stop().await;
}

#[tokio::test]
async fn config_reports_the_limits() {
    let server = start().await;
    let response = server.client.get(server.url("/api/v1/config")).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        body,
        json!({
            "api_version": 1,
            "max_envelope_bytes": 4000,
            "default_ttl_seconds": 600,
            "max_ttl_seconds": 3600,
            "max_views": 10,
            "max_failed_proofs": 3,
            "envelope_versions": [1],
        })
    );
    server.stop().await;
}

#[tokio::test]
async fn health_and_readiness() {
    let server = start().await;
    let health = server.client.get(server.url("/healthz")).send().await.expect("send");
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(health.json::<Value>().await.expect("json"), json!({ "status": "ok" }));
    let ready = server.client.get(server.url("/readyz")).send().await.expect("send");
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.json::<Value>().await.expect("json"), json!({ "status": "ready" }));
    server.stop().await;
}

#[tokio::test]
async fn the_page_does_not_echo_the_id() {
    let server = start().await;
    let sealed = seal(b"page");
    let id = server.create(&sealed, 1).await;
    let response = server.client.get(server.url(&format!("/s/{id}"))).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8");
    let html = response.text().await.expect("text");
    assert!(html.contains("otsctl get '&lt;the whole link&gt;'"));
    assert!(!html.contains(&id));
    assert!(!html.contains("<script") && !html.contains("style"));
    server.stop().await;
}

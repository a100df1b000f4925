//! No GET, HEAD or OPTIONS ever changes a secret.

use reqwest::{Method, StatusCode};

use crate::support::{seal, start};

#[tokio::test]
async fn reads_and_options_never_consume() {
    let server = start().await;
    let sealed = seal(b"look, don't touch");
    let id = server.create(&sealed, 2).await;
    let paths = [
        format!("/s/{id}"),
        format!("/api/v1/secrets/{id}/status"),
        format!("/api/v1/secrets/{id}/reveal"),
        format!("/api/v1/secrets/{id}/burn"),
        "/api/v1/secrets".to_owned(),
        "/api/v1/config".to_owned(),
    ];
    for method in [Method::GET, Method::HEAD, Method::OPTIONS] {
        for path in &paths {
            let response = server.client.request(method.clone(), server.url(path)).send().await;
            let status = response.expect("send").status();
            assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{method} {path}");
        }
    }
    assert_eq!(server.views_and_tries(&sealed, &id).await, (2, 3));
    server.stop().await;
}

#[tokio::test]
async fn options_lists_the_allowed_methods() {
    let server = start().await;
    let url = server.url("/api/v1/secrets/AAAAAAAAAAAAAAAAAAAAAA/reveal");
    let response = server.client.request(Method::OPTIONS, url).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(response.headers()["allow"], "POST, OPTIONS");
    server.stop().await;
}

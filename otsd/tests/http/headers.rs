//! The security headers, on every kind of response.

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{raw_exchange, seal, start};

fn assert_security_headers(headers: &HeaderMap, what: &str) {
    assert_eq!(headers["cache-control"], "no-store", "{what}");
    assert_eq!(headers["referrer-policy"], "no-referrer", "{what}");
    assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
}

#[tokio::test]
async fn every_response_kind_carries_them() {
    let server = start().await;
    let sealed = seal(b"headers");
    let secrets = server.url("/api/v1/secrets");
    let create = server.client.post(&secrets).json(&sealed.create_body(None, Some(2)));
    let created = create.send().await.expect("send");
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_security_headers(created.headers(), "201");
    let id = created.json::<serde_json::Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let action = |name: &str| server.url(&format!("/api/v1/secrets/{id}/{name}"));
    let bad_id = server.url("/api/v1/secrets/abc/status");
    let cases = [
        (Method::POST, action("status"), Some(sealed.proof_body()), 200),
        (Method::POST, action("status"), Some(sealed.wrong_proof_body()), 403),
        (Method::POST, bad_id, Some(sealed.proof_body()), 400),
        (Method::POST, secrets.clone(), Some(json!({ "nope": 1 })), 400),
        (Method::GET, server.url("/missing"), None, 404),
        (Method::GET, secrets.clone(), None, 405),
        (Method::OPTIONS, secrets.clone(), None, 204),
        (Method::GET, server.url("/healthz"), None, 200),
        (Method::GET, server.url("/readyz"), None, 200),
        (Method::GET, server.url("/api/v1/config"), None, 200),
        (Method::POST, action("burn"), Some(sealed.proof_body()), 204),
        (Method::POST, action("reveal"), Some(sealed.proof_body()), 404),
    ];
    for (method, url, body, status) in cases {
        let mut request = server.client.request(method.clone(), &url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("send");
        let what = format!("{method} {url}");
        assert_eq!(response.status().as_u16(), status, "{what}");
        assert_security_headers(response.headers(), &what);
    }

    let request = "POST /api/v1/secrets HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
                   content-length: 999999999\r\n\r\n";
    let response = raw_exchange(server.addr, request.as_bytes()).await.to_ascii_lowercase();
    assert!(response.starts_with("http/1.1 413"), "{response}");
    for header in [
        "cache-control: no-store",
        "referrer-policy: no-referrer",
        "x-content-type-options: nosniff",
    ] {
        assert!(response.contains(header), "413 lacks {header}");
    }
    server.stop().await;
}

#[tokio::test]
async fn the_page_has_a_strict_policy() {
    let server = start().await;
    let url = server.url("/s/AAAAAAAAAAAAAAAAAAAAAA");
    for method in [Method::GET, Method::HEAD] {
        let response = server.client.request(method, &url).send().await.expect("send");
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers();
        assert_security_headers(headers, "page");
        assert_eq!(
            headers["content-security-policy"],
            "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        );
        assert_eq!(headers["x-frame-options"], "DENY");
    }
    server.stop().await;
}

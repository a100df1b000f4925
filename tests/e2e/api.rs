//! Bad input over raw HTTP: each gets its 4xx with a JSON error body, nothing
//! crashes, nothing is consumed by a GET, and every answer carries the
//! security headers.

use std::io::{Read, Write};
use std::net::TcpStream;

use ots_shared::api::{CreateRequest, ErrorBody, ErrorCode, ProofRequest};
use ots_shared::envelope::Header;
use ots_shared::{Content, Envelope, Fragment, SecretBytes};
use reqwest::blocking::{Client, Response};

use crate::harness::{Backend, Stack, both_stores};

both_stores!(bad_requests_get_clear_errors, reads_never_consume, oversize_body_refused_early);

pub fn client() -> Client {
    Client::builder().build().expect("http client")
}

/// A valid create body for `data`, and the proof that opens it.
pub fn create_body(data: &[u8], ttl: Option<i64>, views: Option<i64>) -> (String, String) {
    let fragment = Fragment::generate(None);
    let keys = fragment.derive(None).expect("derive");
    let content = Content::text(SecretBytes::new(data.to_vec()));
    let envelope = Envelope::seal(&content, &keys, Header { passphrase: None }).expect("seal");
    let request = CreateRequest {
        envelope: envelope.into_bytes(),
        verifier: keys.proof().verifier(),
        ttl_seconds: ttl,
        views,
    };
    let proof = serde_json::to_string(&ProofRequest {
        proof: ots_shared::Proof::from_bytes(*keys.proof().expose()),
    })
    .expect("proof json");
    (serde_json::to_string(&request).expect("create json"), proof)
}

pub fn post(base: &str, path: &str, body: &str) -> Response {
    client()
        .post(format!("{base}{path}"))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .expect("request")
}

/// Asserts status, error code and the security headers.
pub fn expect_error(resp: Response, status: u16, code: ErrorCode) -> ErrorBody {
    assert_eq!(resp.status().as_u16(), status);
    assert_security_headers(&resp);
    let ctype = resp.headers()["content-type"].to_str().expect("ascii").to_owned();
    assert!(ctype.starts_with("application/json"), "{ctype}");
    let body: ErrorBody = resp.json().expect("json error body");
    assert_eq!(body.error, code, "{}", body.message);
    assert!(!body.message.is_empty());
    body
}

pub fn assert_security_headers(resp: &Response) {
    let h = resp.headers();
    assert_eq!(h.get("cache-control").map(|v| v.as_bytes()), Some(&b"no-store"[..]));
    assert_eq!(h.get("referrer-policy").map(|v| v.as_bytes()), Some(&b"no-referrer"[..]));
    assert_eq!(h.get("x-content-type-options").map(|v| v.as_bytes()), Some(&b"nosniff"[..]));
}

/// Creates a secret over HTTP and returns its id and proof body.
pub fn create(base: &str, data: &[u8], views: i64) -> (String, String) {
    let (body, proof) = create_body(data, Some(600), Some(views));
    let resp = post(base, "/api/v1/secrets", &body);
    assert_eq!(resp.status().as_u16(), 201);
    assert_security_headers(&resp);
    let created: serde_json::Value = resp.json().expect("json");
    (created["id"].as_str().expect("id").to_owned(), proof)
}

fn bad_requests_get_clear_errors(backend: Backend) {
    let stack =
        Stack::start(backend, &["--max-views", "10", "--max-ttl", "1h", "--default-ttl", "10m"]);
    let base = stack.base();
    let create_cases = [
        (Some(0), None, ErrorCode::InvalidTtl),
        (Some(-5), None, ErrorCode::InvalidTtl),
        (Some(3601), None, ErrorCode::InvalidTtl),
        (None, Some(0), ErrorCode::InvalidViews),
        (None, Some(-1), ErrorCode::InvalidViews),
        (None, Some(11), ErrorCode::InvalidViews),
    ];
    for (ttl, views, code) in create_cases {
        let (body, _) = create_body(b"x", ttl, views);
        expect_error(post(base, "/api/v1/secrets", &body), 400, code);
    }

    let (body, _) = create_body(b"x", None, None);
    let extra = body.replacen('{', r#"{"burn_after_reading":true,"#, 1);
    let err = expect_error(post(base, "/api/v1/secrets", &extra), 400, ErrorCode::InvalidRequest);
    assert!(err.message.contains("burn_after_reading"), "{}", err.message);
    expect_error(post(base, "/api/v1/secrets", "{not json"), 400, ErrorCode::InvalidRequest);
    expect_error(post(base, "/api/v1/secrets", "[]"), 400, ErrorCode::InvalidRequest);
    let garbage = body.replacen(r#""envelope":""#, r#""envelope":"AAAA"#, 1);
    expect_error(post(base, "/api/v1/secrets", &garbage), 400, ErrorCode::InvalidEnvelope);
    let form = client().post(format!("{base}/api/v1/secrets")).body(body);
    let form = form.header("content-type", "application/x-www-form-urlencoded");
    expect_error(form.send().expect("request"), 415, ErrorCode::UnsupportedMediaType);

    let (id, proof) = create(base, b"x", 1);
    for bad_id in ["abc", "AAAAAAAAAAAAAAAAAAAA+A", "AAAAAAAAAAAAAAAAAAAAAAAAAAAA", "..%2F..%2Fetc"]
    {
        let path = format!("/api/v1/secrets/{bad_id}/reveal");
        expect_error(post(base, &path, &proof), 400, ErrorCode::InvalidId);
    }
    let unknown = "AAAAAAAAAAAAAAAAAAAAAA";
    expect_error(
        post(base, &format!("/api/v1/secrets/{unknown}/reveal"), &proof),
        404,
        ErrorCode::NotFound,
    );
    expect_error(
        post(base, &format!("/api/v1/secrets/{id}/reveal"), "{}"),
        400,
        ErrorCode::InvalidRequest,
    );
    expect_error(
        post(base, &format!("/api/v1/secrets/{id}/explode"), &proof),
        404,
        ErrorCode::UnknownPath,
    );
    let get = client().get(format!("{base}/api/v1/secrets/{id}/reveal")).send().expect("get");
    let allow = get.headers().get("allow").map(|v| v.to_str().unwrap_or("").to_owned());
    assert_eq!(allow.as_deref(), Some("POST, OPTIONS"));
    expect_error(get, 405, ErrorCode::MethodNotAllowed);
    expect_error(
        client().get(format!("{base}/nope")).send().expect("get"),
        404,
        ErrorCode::UnknownPath,
    );

    let health = client().get(format!("{base}/healthz")).send().expect("healthz");
    assert_eq!(health.status().as_u16(), 200, "otsd survived");
    let resp = post(base, &format!("/api/v1/secrets/{id}/reveal"), &proof);
    assert_eq!(resp.status().as_u16(), 200, "the secret survived the bad requests");
}

fn reads_never_consume(backend: Backend) {
    let stack = Stack::start(backend, &[]);
    let base = stack.base();
    let (id, proof) = create(base, b"untouched", 1);
    let http = client();
    for path in [
        format!("/s/{id}"),
        format!("/api/v1/secrets/{id}"),
        format!("/api/v1/secrets/{id}/reveal"),
        format!("/api/v1/secrets/{id}/burn"),
    ] {
        for method in [reqwest::Method::GET, reqwest::Method::HEAD, reqwest::Method::OPTIONS] {
            let resp =
                http.request(method.clone(), format!("{base}{path}")).send().expect("request");
            assert_security_headers(&resp);
            assert!(resp.status().as_u16() < 500, "{method} {path}: {}", resp.status());
        }
    }
    let page = http.get(format!("{base}/s/{id}")).send().expect("page");
    assert_eq!(page.status().as_u16(), 200);
    let csp = page.headers().get("content-security-policy").expect("csp").to_str().expect("ascii");
    assert!(csp.contains("default-src 'none'"), "{csp}");
    let html = page.text().expect("html");
    assert!(html.contains("otsctl get"), "{html}");
    assert!(!html.contains(&id), "the page does not echo the id");

    let status = post(base, &format!("/api/v1/secrets/{id}/status"), &proof);
    let status: serde_json::Value = status.json().expect("status json");
    assert_eq!(status["views_left"], 1);
    let resp = post(base, &format!("/api/v1/secrets/{id}/reveal"), &proof);
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.json::<serde_json::Value>().expect("json")["views_left"], 0);
}

fn oversize_body_refused_early(backend: Backend) {
    let stack = Stack::start(backend, &["--max-secret-bytes", "64KiB"]);
    let base = stack.base();
    let (body, _) = create_body(&vec![7u8; 100 * 1024], None, None);
    expect_error(post(base, "/api/v1/secrets", &body), 413, ErrorCode::PayloadTooLarge);

    // Announce a body far over the limit and send none of it: the answer must
    // come without otsd waiting for the body.
    let addr = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).expect("connect");
    let head = format!(
        "POST /api/v1/secrets HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).expect("write head");
    stream.set_read_timeout(Some(std::time::Duration::from_secs(30))).expect("timeout");
    let mut reply = vec![0u8; 1024];
    let n = stream.read(&mut reply).expect("otsd answers before the body arrives");
    let reply = String::from_utf8_lossy(&reply[..n]);
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    assert!(reply.contains("payload_too_large"), "{reply}");
}

//! HTTP/2 with prior knowledge: HEAD answers carry the GET answer's headers,
//! its length included, and no body.

use reqwest::{Method, StatusCode};

use crate::support::{seal, start};

#[tokio::test]
async fn head_over_http2_sends_no_body() {
    let server = start().await;
    let client =
        reqwest::Client::builder().no_proxy().http2_prior_knowledge().build().expect("client");
    let sealed = seal(b"head");
    let id = server.create(&sealed, 1).await;
    let cases = [
        ("/healthz".to_owned(), StatusCode::OK),
        (format!("/s/{id}"), StatusCode::OK),
        ("/api/v1/secrets".to_owned(), StatusCode::METHOD_NOT_ALLOWED),
    ];
    for (path, status) in cases {
        let get = client.get(server.url(&path)).send().await.expect("get");
        let length = get.bytes().await.expect("get body").len();
        assert!(length > 0, "{path}");

        let response = client.request(Method::HEAD, server.url(&path)).send().await;
        let response = response.unwrap_or_else(|err| panic!("HEAD {path}: {err:?}"));
        assert_eq!(response.version(), reqwest::Version::HTTP_2, "{path}");
        assert_eq!(response.status(), status, "{path}");
        assert_eq!(response.headers()["content-length"], length.to_string().as_str(), "{path}");
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
        assert_eq!(response.bytes().await.expect("HEAD body").len(), 0, "{path}");
    }
    assert_eq!(server.views_and_tries(&sealed, &id).await, (1, 3));
    server.stop().await;
}

#[tokio::test]
async fn head_over_http1_keeps_the_length() {
    let server = start().await;
    let get = server.client.get(server.url("/healthz")).send().await.expect("get");
    assert_eq!(get.bytes().await.expect("body").as_ref(), br#"{"status":"ok"}"#);
    let head = server.client.head(server.url("/healthz")).send().await.expect("head");
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()["content-length"], "15");
    assert_eq!(head.bytes().await.expect("body").len(), 0);
    server.stop().await;
}

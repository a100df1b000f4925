//! Building responses: JSON bodies, empty bodies, the security headers.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{
    CACHE_CONTROL, CONTENT_TYPE, HeaderMap, HeaderValue, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
};
use hyper::{Response, StatusCode};
use serde::Serialize;

/// Every response body is a complete buffer.
pub(crate) type Body = Full<Bytes>;

fn json_type() -> HeaderValue {
    HeaderValue::from_static("application/json")
}

/// A JSON response.
pub(crate) fn json<T: Serialize>(status: StatusCode, value: &T) -> Response<Body> {
    match serde_json::to_vec(value) {
        Ok(bytes) => with_type(status, json_type(), bytes),
        Err(err) => {
            // Our own response types always serialize; this is a bug.
            tracing::error!(error = %err, "cannot serialize a response");
            let body = br#"{"error":"internal","message":"internal error"}"#.to_vec();
            with_type(StatusCode::INTERNAL_SERVER_ERROR, json_type(), body)
        }
    }
}

/// A response with no body.
pub(crate) fn empty(status: StatusCode) -> Response<Body> {
    let mut response = Response::new(Body::default());
    *response.status_mut() = status;
    response
}

/// A response with a body of the given media type.
pub(crate) fn with_type(
    status: StatusCode,
    content_type: HeaderValue,
    body: impl Into<Bytes>,
) -> Response<Body> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, content_type);
    response
}

/// The headers every response carries: nothing is cached, no referrer
/// leaves, no content sniffing.
pub(crate) fn add_security_headers(headers: &mut HeaderMap) {
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
}

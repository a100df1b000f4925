//! Reading JSON request bodies within a size limit and a deadline.
//!
//! A declared `Content-Length` over the limit is refused before a byte of
//! the body is read; a body without one is read through `Limited`, which
//! stops at the first byte past the limit. Either way the client gets 413
//! without the server holding more than the limit in memory. A body that
//! is not complete by the deadline gets 408, however steadily it trickles.
//!
//! Every body must be a JSON object: serde would also take a struct as an
//! array of its fields in order, a second shape the API does not document.

use std::time::Duration;

use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use hyper::Request;
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap};
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// Reads and parses a JSON object body of at most `limit` bytes, which must
/// arrive within `deadline`.
pub(crate) async fn read_json<T: DeserializeOwned>(
    request: Request<Incoming>,
    limit: u64,
    deadline: Duration,
) -> Result<T, ApiError> {
    check_content_type(request.headers())?;
    check_declared_length(request.headers(), limit)?;
    let read = read_limited(request.into_body(), limit);
    let bytes = tokio::time::timeout(deadline, read)
        .await
        .map_err(|_| ApiError::RequestTimeout { deadline })??;
    check_object(&bytes)?;
    serde_json::from_slice(&bytes)
        .map_err(|err| ApiError::InvalidRequest(format!("invalid JSON body: {err}")))
}

/// Refuses anything but an object before serde sees it.
fn check_object(bytes: &[u8]) -> Result<(), ApiError> {
    let json_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    match bytes.iter().find(|b| !json_space(b)) {
        Some(b'{') => Ok(()),
        _ => Err(ApiError::InvalidRequest("the body must be a JSON object".to_owned())),
    }
}

fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let value = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let essence = value.split(';').next().unwrap_or_default().trim();
    if essence.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType)
    }
}

fn check_declared_length(headers: &HeaderMap, limit: u64) -> Result<(), ApiError> {
    let declared = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok());
    match declared.and_then(|text| text.parse::<u64>().ok()) {
        Some(length) if length > limit => Err(too_large(limit)),
        _ => Ok(()),
    }
}

async fn read_limited(body: Incoming, limit: u64) -> Result<Bytes, ApiError> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.is::<LengthLimitError>() => Err(too_large(limit as u64)),
        Err(_) => Err(ApiError::InvalidRequest("the request body could not be read".to_owned())),
    }
}

fn too_large(limit: u64) -> ApiError {
    ApiError::PayloadTooLarge(format!("the request body is larger than {limit} bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().expect("valid header value"));
        }
        map
    }

    #[test]
    fn content_types() {
        let ok = |value| check_content_type(&headers(&[("content-type", value)])).is_ok();
        assert!(ok("application/json"));
        assert!(ok("application/json; charset=utf-8"));
        assert!(ok("Application/JSON"));
        assert!(!ok("text/plain"));
        assert!(!ok("application/jsonx"));
        assert_eq!(check_content_type(&headers(&[])), Err(ApiError::UnsupportedMediaType));
    }

    #[test]
    fn only_objects() {
        let not_object = Err(ApiError::InvalidRequest("the body must be a JSON object".to_owned()));
        assert_eq!(check_object(b"{}"), Ok(()));
        assert_eq!(check_object(b" \r\n\t{\"proof\":1}"), Ok(()));
        for body in [&b"[]"[..], b"", b"  ", b"null", b"\"{\"", b"\x0c{}", b"1"] {
            assert_eq!(check_object(body), not_object, "{body:?}");
        }
    }

    #[test]
    fn declared_length() {
        let check = |value| check_declared_length(&headers(&[("content-length", value)]), 100);
        assert_eq!(check("100"), Ok(()));
        assert_eq!(check("101"), Err(too_large(100)));
    }
}

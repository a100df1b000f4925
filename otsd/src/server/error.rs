//! Everything a request can fail with, and the one function that turns a
//! failure into a response.
//!
//! Messages are for humans and never hold ids, proofs, verifiers or bodies.
//! Client errors are logged at debug level with their code only (a message
//! may quote a JSON value the client sent); server errors are logged once at
//! error level with details the client never sees.

use std::time::Duration;

use hyper::header::{ALLOW, HeaderValue, RETRY_AFTER};
use hyper::{Response, StatusCode};
use ots_shared::EnvelopeError;
use ots_shared::api::{Action, ErrorBody, ErrorCode};
use ots_shared::id::IdError;

use super::response::{Body, json};
use crate::store::StoreError;

/// Seconds a client should wait before retrying when the store is down.
const RETRY_AFTER_SECONDS: &str = "5";

/// A failed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ApiError {
    InvalidRequest(String),
    InvalidTtl { max: u64 },
    InvalidViews { max: u32 },
    InvalidEnvelope(EnvelopeError),
    InvalidId(IdError),
    WrongProof { tries_left: u32 },
    NotFound,
    UnknownPath,
    MethodNotAllowed { allow: &'static str },
    PayloadTooLarge(String),
    RequestTimeout { deadline: Duration },
    UnsupportedMediaType,
    StoreUnavailable(String),
    StoreTimeout { detail: String, effect: Option<&'static str> },
    StoreFull,
    Internal(String),
}

impl ApiError {
    fn code(&self) -> ErrorCode {
        match self {
            ApiError::InvalidRequest(_) => ErrorCode::InvalidRequest,
            ApiError::InvalidTtl { .. } => ErrorCode::InvalidTtl,
            ApiError::InvalidViews { .. } => ErrorCode::InvalidViews,
            ApiError::InvalidEnvelope(_) => ErrorCode::InvalidEnvelope,
            ApiError::InvalidId(_) => ErrorCode::InvalidId,
            ApiError::WrongProof { .. } => ErrorCode::WrongProof,
            ApiError::NotFound => ErrorCode::NotFound,
            ApiError::UnknownPath => ErrorCode::UnknownPath,
            ApiError::MethodNotAllowed { .. } => ErrorCode::MethodNotAllowed,
            ApiError::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            ApiError::RequestTimeout { .. } => ErrorCode::RequestTimeout,
            ApiError::UnsupportedMediaType => ErrorCode::UnsupportedMediaType,
            ApiError::StoreUnavailable(_) => ErrorCode::StoreUnavailable,
            ApiError::StoreTimeout { .. } => ErrorCode::StoreTimeout,
            ApiError::StoreFull => ErrorCode::StoreFull,
            ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    fn message(&self) -> String {
        match self {
            ApiError::InvalidRequest(why) => why.clone(),
            ApiError::InvalidTtl { max } => format!("ttl_seconds must be between 1 and {max}"),
            ApiError::InvalidViews { max } => format!("views must be between 1 and {max}"),
            ApiError::InvalidEnvelope(err) => format!("invalid envelope: {err}"),
            ApiError::InvalidId(err) => format!("invalid secret id: {err}"),
            ApiError::WrongProof { tries_left: 0 } => {
                "wrong key or passphrase; no tries left, so the secret has been burned".to_owned()
            }
            ApiError::WrongProof { tries_left } => {
                format!(
                    "wrong key or passphrase; {tries_left} tries left before the secret is burned"
                )
            }
            ApiError::NotFound => "no such secret: it never existed, expired, was already \
                                   read, or was burned"
                .to_owned(),
            ApiError::UnknownPath => "no such path".to_owned(),
            ApiError::MethodNotAllowed { allow } => {
                format!("method not allowed here; allowed: {allow}")
            }
            ApiError::PayloadTooLarge(why) => why.clone(),
            ApiError::RequestTimeout { deadline } => format!(
                "the request body did not arrive within {}",
                humantime::format_duration(*deadline)
            ),
            ApiError::UnsupportedMediaType => {
                "the request body must have Content-Type: application/json".to_owned()
            }
            ApiError::StoreUnavailable(_) => {
                format!("the secret store is unavailable; retry in {RETRY_AFTER_SECONDS} seconds")
            }
            ApiError::StoreTimeout { effect, .. } => {
                let unconfirmed = "the secret store did not confirm the operation in time; it \
                                   may have taken effect";
                match effect {
                    Some(effect) => format!("{unconfirmed}: {effect}"),
                    None => unconfirmed.to_owned(),
                }
            }
            ApiError::StoreFull => "the secret store is full; nothing was evicted to make \
                                    room: retry later"
                .to_owned(),
            ApiError::Internal(_) => "internal error; details are in the server's log".to_owned(),
        }
    }

    /// A store failure during `action`; a timeout also says what the
    /// operation may have done (its `effect`, for the message).
    pub(crate) fn during(action: Action, err: StoreError) -> Self {
        let effect = match action {
            Action::Status => None,
            Action::Reveal => Some("the secret may have been consumed"),
            Action::Burn => Some("the secret may have been burned"),
        };
        match err {
            StoreError::Timeout(detail) => ApiError::StoreTimeout { detail, effect },
            other => other.into(),
        }
    }

    /// The response for this error; logs it as well.
    pub(crate) fn into_response(self, route: &'static str) -> Response<Body> {
        let code = self.code();
        let status =
            StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        match &self {
            ApiError::StoreUnavailable(detail)
            | ApiError::StoreTimeout { detail, .. }
            | ApiError::Internal(detail) => {
                tracing::error!(route = %route, error = ?code, detail = %detail, "request failed");
            }
            _ if status.is_server_error() => {
                tracing::error!(route = %route, error = ?code, "request failed");
            }
            _ => tracing::debug!(route = %route, error = ?code, "request refused"),
        }

        let tries_left = match self {
            ApiError::WrongProof { tries_left } => Some(tries_left),
            _ => None,
        };
        let body = ErrorBody { error: code, message: self.message(), tries_left };
        let mut response = json(status, &body);
        let headers = response.headers_mut();
        match self {
            ApiError::MethodNotAllowed { allow } => {
                headers.insert(ALLOW, HeaderValue::from_static(allow));
            }
            ApiError::StoreUnavailable(_) => {
                headers.insert(RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECONDS));
            }
            _ => {}
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::WrongProof { tries_left } => ApiError::WrongProof { tries_left },
            StoreError::Full => ApiError::StoreFull,
            StoreError::Unavailable(detail) => ApiError::StoreUnavailable(detail),
            StoreError::Timeout(detail) => ApiError::StoreTimeout { detail, effect: None },
            StoreError::Internal(detail) => ApiError::Internal(detail),
            StoreError::Conflict => ApiError::Internal("unexpected id conflict".to_owned()),
            // Create turns this into invalid_ttl, with the limit; no other
            // operation takes a lifetime.
            StoreError::TtlOutOfRange => {
                ApiError::Internal("unexpected lifetime out of range".to_owned())
            }
        }
    }
}

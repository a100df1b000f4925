//! The HTTP API both binaries speak: paths, bodies and error codes.
//!
//! Bodies are JSON; bytes travel as unpadded base64url strings. Request types
//! refuse unknown fields so that a typo in a client is an error, not a
//! silently ignored option. `docs/openapi.json` describes the same API and a
//! test keeps the two in step.

use serde::{Deserialize, Serialize};

use crate::kdf::{PROOF_LEN, Proof, Verifier};

/// Every API path starts with this.
pub const API_PREFIX: &str = "/api/v1";
/// The API version number in [`API_PREFIX`].
pub const API_VERSION: u32 = 1;

/// The largest envelope any otsd may be configured to accept (256 MiB):
/// clients size their answer buffers by it, and it keeps every length
/// computed from it far from overflowing.
pub const MAX_ENVELOPE_BYTES: u64 = 256 << 20;

/// `POST`: create a secret.
pub const PATH_SECRETS: &str = "/api/v1/secrets";
/// `GET`: limits and capabilities.
pub const PATH_CONFIG: &str = "/api/v1/config";
/// `GET`: the process is alive.
pub const PATH_HEALTHZ: &str = "/healthz";
/// `GET`: the store is reachable.
pub const PATH_READYZ: &str = "/readyz";

/// The operations on one secret, each a `POST` to
/// `/api/v1/secrets/{id}/{action}` with a [`ProofRequest`] body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Views left and expiry; consumes nothing.
    Status,
    /// Returns the envelope and counts a view: the only consuming operation.
    Reveal,
    /// Deletes the secret.
    Burn,
}

impl Action {
    /// All actions.
    pub const ALL: [Action; 3] = [Action::Status, Action::Reveal, Action::Burn];

    /// The last path segment.
    pub fn segment(self) -> &'static str {
        match self {
            Action::Status => "status",
            Action::Reveal => "reveal",
            Action::Burn => "burn",
        }
    }

    /// The path for a secret's id.
    pub fn path(self, id: &crate::SecretId) -> String {
        format!("{PATH_SECRETS}/{}/{}", id.as_str(), self.segment())
    }
}

/// Body of `POST /api/v1/secrets`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRequest {
    /// The sealed envelope.
    #[serde(with = "crate::b64::serde_bytes")]
    pub envelope: Vec<u8>,
    /// SHA-256 of the retrieval proof.
    #[serde(with = "verifier_b64")]
    pub verifier: Verifier,
    /// Lifetime in seconds; the server's default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_seconds: Option<i64>,
    /// How many reveals are allowed; 1 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub views: Option<i64>,
}

/// Answer to a successful create (`201 Created`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateResponse {
    /// The new secret's id.
    pub id: String,
    /// When it expires, RFC 3339 in UTC.
    pub expires_at: String,
    /// How many reveals it allows.
    pub views: u32,
    /// The base URL for share links (`<public_url>/s/<id>#<key>`).
    pub public_url: String,
}

/// Body of the status, reveal and burn operations.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofRequest {
    /// The retrieval proof.
    #[serde(with = "proof_b64")]
    pub proof: Proof,
}

/// Answer to status (`200 OK`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusResponse {
    /// Reveals left before the secret is deleted.
    pub views_left: u32,
    /// When it expires, RFC 3339 in UTC.
    pub expires_at: String,
    /// Wrong proofs left before the secret is burned.
    pub tries_left: u32,
}

/// Answer to reveal (`200 OK`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevealResponse {
    /// The sealed envelope.
    #[serde(with = "crate::b64::serde_bytes")]
    pub envelope: Vec<u8>,
    /// Reveals left; 0 means this was the last and the secret is gone.
    pub views_left: u32,
}

/// Answer to `GET /api/v1/config`: what the server accepts, so a client can
/// check before it encrypts and uploads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerConfig {
    /// The API version.
    pub api_version: u32,
    /// Largest envelope accepted, in bytes.
    pub max_envelope_bytes: u64,
    /// Lifetime used when a create names none, in seconds.
    pub default_ttl_seconds: u64,
    /// Longest lifetime accepted, in seconds.
    pub max_ttl_seconds: u64,
    /// Most views one secret may allow.
    pub max_views: u32,
    /// Wrong proofs tolerated before a secret is burned.
    pub max_failed_proofs: u32,
    /// Envelope versions the server accepts.
    pub envelope_versions: Vec<u8>,
}

/// Every error answer's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable, machine-readable code.
    pub error: ErrorCode,
    /// For humans; may change between releases.
    pub message: String,
    /// With [`ErrorCode::WrongProof`]: wrong proofs left before the secret is
    /// burned (0: it has just been burned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tries_left: Option<u32>,
}

/// Machine-readable error codes. Clients must treat an unknown code by its
/// HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the body is not valid JSON of the expected shape.
    InvalidRequest,
    /// 400: `ttl_seconds` is out of range.
    InvalidTtl,
    /// 400: `views` is out of range.
    InvalidViews,
    /// 400: the envelope is not a well-formed, supported envelope.
    InvalidEnvelope,
    /// 400: the id in the path is malformed.
    InvalidId,
    /// 403: the proof does not match.
    WrongProof,
    /// 404: no such secret (never existed, expired, read or burned).
    NotFound,
    /// 404: no such API path (a link or base URL pointing at the wrong
    /// place; says nothing about any secret).
    UnknownPath,
    /// 405: the method is not allowed on this path.
    MethodNotAllowed,
    /// 413: the body or envelope is too large.
    PayloadTooLarge,
    /// 408: the request body did not arrive in time.
    RequestTimeout,
    /// 415: the body is not `application/json`.
    UnsupportedMediaType,
    /// 429: too many requests.
    RateLimited,
    /// 500: a bug; details are in the server's log.
    Internal,
    /// 503: the store cannot be reached; retry later.
    StoreUnavailable,
    /// 504: the store took the request but did not confirm it in time; the
    /// operation may have happened (a reveal may have consumed its view).
    StoreTimeout,
    /// 507: the store is full; nothing was evicted to make room.
    StoreFull,
    /// A code this release does not know.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// Every code a server may send ([`ErrorCode::Unknown`] is client-side only).
    pub const ALL: [ErrorCode; 17] = [
        ErrorCode::InvalidRequest,
        ErrorCode::InvalidTtl,
        ErrorCode::InvalidViews,
        ErrorCode::InvalidEnvelope,
        ErrorCode::InvalidId,
        ErrorCode::WrongProof,
        ErrorCode::NotFound,
        ErrorCode::UnknownPath,
        ErrorCode::MethodNotAllowed,
        ErrorCode::RequestTimeout,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::RateLimited,
        ErrorCode::Internal,
        ErrorCode::StoreUnavailable,
        ErrorCode::StoreTimeout,
        ErrorCode::StoreFull,
    ];

    /// The HTTP status that goes with the code.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::InvalidRequest
            | ErrorCode::InvalidTtl
            | ErrorCode::InvalidViews
            | ErrorCode::InvalidEnvelope
            | ErrorCode::InvalidId => 400,
            ErrorCode::WrongProof => 403,
            ErrorCode::NotFound | ErrorCode::UnknownPath => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::RequestTimeout => 408,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal | ErrorCode::Unknown => 500,
            ErrorCode::StoreUnavailable => 503,
            ErrorCode::StoreTimeout => 504,
            ErrorCode::StoreFull => 507,
        }
    }
}

/// The request body limit for a given envelope limit: base64 grows bytes by
/// 4/3, plus room for the other fields. Saturates rather than overflows for
/// limits past [`MAX_ENVELOPE_BYTES`].
pub fn body_limit(max_envelope_bytes: u64) -> u64 {
    max_envelope_bytes.div_ceil(3).saturating_mul(4).saturating_add(1024)
}

mod verifier_b64 {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::{PROOF_LEN, Verifier};

    pub(super) fn serialize<S: Serializer>(v: &Verifier, ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_str(&crate::b64::encode(v.as_bytes()))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(de: D) -> Result<Verifier, D::Error> {
        let bytes = super::fixed::<D, PROOF_LEN>(&String::deserialize(de)?, "verifier")?;
        Ok(Verifier::from_bytes(bytes))
    }
}

mod proof_b64 {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::{PROOF_LEN, Proof};

    pub(super) fn serialize<S: Serializer>(p: &Proof, ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_str(&crate::b64::encode(p.expose()))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(de: D) -> Result<Proof, D::Error> {
        let text = zeroize::Zeroizing::new(String::deserialize(de)?);
        let bytes = super::fixed::<D, PROOF_LEN>(&text, "proof")?;
        Ok(Proof::from_bytes(bytes))
    }
}

/// Decodes base64url into exactly `N` bytes.
fn fixed<'de, D: serde::Deserializer<'de>, const N: usize>(
    text: &str,
    what: &str,
) -> Result<[u8; N], D::Error> {
    let bytes = zeroize::Zeroizing::new(crate::b64::decode(text).unwrap_or_default());
    <[u8; N]>::try_from(bytes.as_slice()).map_err(|_| {
        serde::de::Error::custom(format!("{what} must be {N} bytes of unpadded base64url"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_snake_case_and_unknown_tolerant() {
        let body = ErrorBody {
            error: ErrorCode::WrongProof,
            message: "wrong key or passphrase".into(),
            tries_left: Some(2),
        };
        let json = serde_json::to_string(&body).expect("serialize");
        assert_eq!(
            json,
            r#"{"error":"wrong_proof","message":"wrong key or passphrase","tries_left":2}"#
        );
        let later: ErrorBody =
            serde_json::from_str(r#"{"error":"quota_exceeded","message":"x"}"#).expect("parse");
        assert_eq!(later.error, ErrorCode::Unknown);
    }

    #[test]
    fn requests_refuse_unknown_fields_and_bad_lengths() {
        let proof = crate::b64::encode(&[1u8; 32]);
        let ok = format!(r#"{{"proof":"{proof}"}}"#);
        assert!(serde_json::from_str::<ProofRequest>(&ok).is_ok());
        let extra = format!(r#"{{"proof":"{proof}","x":1}}"#);
        assert!(serde_json::from_str::<ProofRequest>(&extra).is_err());
        let short = r#"{"proof":"AAAA"}"#;
        let err = serde_json::from_str::<ProofRequest>(short).expect_err("short");
        assert!(err.to_string().contains("proof must be 32 bytes"), "{err}");
    }

    #[test]
    fn body_limit_covers_base64() {
        assert_eq!(body_limit(3), 1028);
        assert_eq!(body_limit(2 * 1024 * 1024), 2_796_204 + 1024);
        assert_eq!(body_limit(u64::MAX), u64::MAX);
    }
}

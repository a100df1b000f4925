//! Just enough of otsd's API, in memory, to run send and get end to end in
//! this crate's tests: one secret, proof checking, view and try counting.
//! The real server is tested against the real client in the workspace's
//! `tests/` crate.

use ots_shared::Verifier;
use ots_shared::api::{
    CreateRequest, CreateResponse, ErrorBody, ErrorCode, ProofRequest, RevealResponse,
    ServerConfig, StatusResponse,
};

use crate::fake::{FakeServer, Reply, Request};

/// The id every secret gets.
pub const ID: &str = "AAECAwQFBgcICQoLDA0ODw";
/// The expiry every secret gets.
pub const EXPIRES_AT: &str = "2030-01-01T00:00:00Z";
/// Wrong proofs tolerated.
pub const TRIES: u32 = 3;

/// Limits like otsd's defaults, small enough to test "too large".
pub fn limits() -> ServerConfig {
    ServerConfig {
        api_version: 1,
        max_envelope_bytes: 64 * 1024,
        default_ttl_seconds: 86_400,
        max_ttl_seconds: 7 * 86_400,
        max_views: 10,
        max_failed_proofs: TRIES,
        envelope_versions: vec![1],
    }
}

struct Stored {
    envelope: Vec<u8>,
    verifier: Verifier,
    views_left: u32,
    tries_left: u32,
}

/// Starts the fake with the given limits.
pub fn start(limits: ServerConfig) -> FakeServer {
    start_hooked(limits, |_| {})
}

/// Starts the fake with the given limits; `hook` sees every request before
/// it is answered (to change files while a reveal is in flight).
pub fn start_hooked(
    limits: ServerConfig,
    hook: impl FnMut(&Request) + Send + 'static,
) -> FakeServer {
    start_full(limits, None, hook)
}

/// Starts the fake answering creates with this `public_url` instead of its
/// own address.
pub fn start_with_public_url(limits: ServerConfig, public_url: &str) -> FakeServer {
    start_full(limits, Some(public_url.to_owned()), |_| {})
}

fn start_full(
    limits: ServerConfig,
    public_url: Option<String>,
    mut hook: impl FnMut(&Request) + Send + 'static,
) -> FakeServer {
    FakeServer::start_with(move |url| {
        let mut secret: Option<Stored> = None;
        let public_url = public_url.unwrap_or(url);
        move |request: &Request| {
            hook(request);
            handle(request, &public_url, &limits, &mut secret)
        }
    })
}

fn handle(
    request: &Request,
    url: &str,
    limits: &ServerConfig,
    secret: &mut Option<Stored>,
) -> Reply {
    let action = request.path.strip_prefix(&format!("/api/v1/secrets/{ID}/"));
    match (request.method.as_str(), request.path.as_str(), action) {
        ("GET", "/api/v1/config", _) => json(200, limits),
        ("POST", "/api/v1/secrets", _) => create(request, url, secret),
        ("POST", _, Some(action)) => act(request, action, secret),
        _ => error(404, ErrorCode::NotFound, None),
    }
}

fn create(request: &Request, url: &str, secret: &mut Option<Stored>) -> Reply {
    let Ok(create) = serde_json::from_slice::<CreateRequest>(&request.body) else {
        return error(400, ErrorCode::InvalidRequest, None);
    };
    let views = u32::try_from(create.views.unwrap_or(1)).expect("views fit u32");
    *secret = Some(Stored {
        envelope: create.envelope,
        verifier: create.verifier,
        views_left: views,
        tries_left: TRIES,
    });
    let answer = CreateResponse {
        id: ID.to_owned(),
        expires_at: EXPIRES_AT.to_owned(),
        views,
        public_url: url.to_owned(),
    };
    json(201, &answer)
}

fn act(request: &Request, action: &str, secret: &mut Option<Stored>) -> Reply {
    let Ok(proof) = serde_json::from_slice::<ProofRequest>(&request.body) else {
        return error(400, ErrorCode::InvalidRequest, None);
    };
    let Some(stored) = secret.as_mut() else {
        return error(404, ErrorCode::NotFound, None);
    };
    if !proof.proof.verifier().matches(&stored.verifier) {
        stored.tries_left -= 1;
        let tries_left = stored.tries_left;
        if tries_left == 0 {
            *secret = None;
        }
        return error(403, ErrorCode::WrongProof, Some(tries_left));
    }
    match action {
        "status" => json(
            200,
            &StatusResponse {
                views_left: stored.views_left,
                expires_at: EXPIRES_AT.to_owned(),
                tries_left: stored.tries_left,
            },
        ),
        "reveal" => {
            stored.views_left -= 1;
            let answer =
                RevealResponse { envelope: stored.envelope.clone(), views_left: stored.views_left };
            if stored.views_left == 0 {
                *secret = None;
            }
            json(200, &answer)
        }
        "burn" => {
            *secret = None;
            Reply::new(204, "")
        }
        _ => error(404, ErrorCode::NotFound, None),
    }
}

fn json(status: u16, body: &impl serde::Serialize) -> Reply {
    Reply::new(status, serde_json::to_string(body).expect("serializable"))
}

/// An error answer as otsd sends it.
pub fn error(status: u16, code: ErrorCode, tries_left: Option<u32>) -> Reply {
    let body = ErrorBody { error: code, message: "fake".to_owned(), tries_left };
    json(status, &body)
}

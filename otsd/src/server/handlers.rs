//! One function per route, and the dispatch that picks it.
//!
//! Ids are validated with [`SecretId::parse`] before the store sees them.
//! Store calls are bounded by a deadline on top of the store's own
//! timeouts, so no request waits on a store for long. A store call that
//! passes its deadline may still take effect, so it is reported as a
//! timeout (504, not to be retried blindly), never as unavailable.

use std::future::Future;
use std::time::{Duration, SystemTime};

use hyper::body::Incoming;
use hyper::header::{ALLOW, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use ots_shared::api::{
    Action, CreateRequest, CreateResponse, ProofRequest, RevealResponse, StatusResponse, body_limit,
};
use ots_shared::{Envelope, SecretId, Verifier};
use serde_json::json;

use super::body::read_json;
use super::error::ApiError;
use super::page::page;
use super::response::{Body, empty, json};
use super::router::{Route, UNKNOWN_TEMPLATE, route};
use crate::App;
use crate::store::{NewSecret, Store, StoreError};

/// Body limit for status, reveal and burn: a proof is 43 characters.
const PROOF_BODY_LIMIT: u64 = 4096;
/// Attempts at finding a free id; a collision of 128-bit random ids is
/// never expected, so more than one retry means something is wrong.
const CREATE_ATTEMPTS: usize = 3;

/// Routes and handles a request; returns the route template for the log.
pub(crate) async fn handle<S: Store>(
    app: &App<S>,
    request: Request<Incoming>,
) -> (&'static str, Response<Body>) {
    let path = request.uri().path().to_owned();
    let Some(route) = route(&path) else {
        return (UNKNOWN_TEMPLATE, ApiError::UnknownPath.into_response(UNKNOWN_TEMPLATE));
    };
    let template = route.template();
    let result = dispatch(app, route, request).await;
    (template, result.unwrap_or_else(|err| err.into_response(template)))
}

async fn dispatch<S: Store>(
    app: &App<S>,
    route: Route<'_>,
    request: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    let methods = route.methods();
    if request.method() == Method::OPTIONS {
        return Ok(options(methods.allow()));
    }
    if !methods.accepts(request.method()) {
        return Err(ApiError::MethodNotAllowed { allow: methods.allow() });
    }
    match route {
        Route::Healthz => Ok(json(StatusCode::OK, &json!({ "status": "ok" }))),
        Route::Readyz => readyz(app).await,
        Route::Config => Ok(json(StatusCode::OK, &app.limits.server_config())),
        Route::Create => create(app, request).await,
        Route::Secret { action, id } => secret(app, action, parse_id(id)?, request).await,
        Route::Page { id } => parse_id(id).map(|_| page()),
    }
}

fn options(allow: &'static str) -> Response<Body> {
    let mut response = empty(StatusCode::NO_CONTENT);
    response.headers_mut().insert(ALLOW, HeaderValue::from_static(allow));
    response
}

fn parse_id(text: &str) -> Result<SecretId, ApiError> {
    SecretId::parse(text).map_err(ApiError::InvalidId)
}

/// Runs a store call within the store deadline; past it, the call may
/// still take effect, which [`StoreError::Timeout`] says.
async fn bounded<S, T>(
    app: &App<S>,
    call: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    let deadline = app.timeouts.store;
    let late = || {
        let waited = humantime::format_duration(deadline);
        Err(StoreError::Timeout(format!("no answer within {waited}")))
    };
    tokio::time::timeout(deadline, call).await.unwrap_or_else(|_| late())
}

/// A ping changes nothing, so a late one just means "not ready".
async fn readyz<S: Store>(app: &App<S>) -> Result<Response<Body>, ApiError> {
    bounded(app, app.store.ping()).await.map_err(|err| match err {
        StoreError::Timeout(detail) => StoreError::Unavailable(detail),
        other => other,
    })?;
    Ok(json(StatusCode::OK, &json!({ "status": "ready" })))
}

async fn create<S: Store>(
    app: &App<S>,
    request: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    let limit = body_limit(app.limits.max_secret_bytes);
    let body: CreateRequest = read_json(request, limit, app.timeouts.body).await?;
    let secret = new_secret(app, body)?;

    for _ in 0..CREATE_ATTEMPTS {
        let id = SecretId::generate();
        match bounded(app, app.store.create(&id, &secret)).await {
            Ok(expires_at) => return Ok(created(app, &id, expires_at, secret.views)),
            Err(StoreError::Conflict) => continue,
            Err(StoreError::TtlOutOfRange) => {
                return Err(ApiError::InvalidTtl { max: app.limits.max_ttl.as_secs() });
            }
            Err(err) => return Err(err.into()),
        }
    }
    Err(ApiError::Internal(format!("{CREATE_ATTEMPTS} random ids in a row were taken")))
}

/// Checks a create request against the limits.
fn new_secret<S>(app: &App<S>, body: CreateRequest) -> Result<NewSecret, ApiError> {
    let limits = &app.limits;
    let max_ttl = limits.max_ttl.as_secs();
    let ttl = match body.ttl_seconds {
        None => limits.default_ttl,
        Some(seconds) => match u64::try_from(seconds) {
            Ok(seconds) if (1..=max_ttl).contains(&seconds) => Duration::from_secs(seconds),
            _ => return Err(ApiError::InvalidTtl { max: max_ttl }),
        },
    };
    let views = match body.views {
        None => 1,
        Some(views) => match u32::try_from(views) {
            Ok(views) if (1..=limits.max_views).contains(&views) => views,
            _ => return Err(ApiError::InvalidViews { max: limits.max_views }),
        },
    };
    if body.envelope.len() as u64 > limits.max_secret_bytes {
        return Err(ApiError::PayloadTooLarge(format!(
            "the envelope is larger than {} bytes",
            limits.max_secret_bytes
        )));
    }
    let envelope = Envelope::from_bytes(body.envelope).map_err(ApiError::InvalidEnvelope)?;
    Ok(NewSecret {
        envelope: envelope.into_bytes(),
        verifier: body.verifier,
        ttl,
        views,
        tries: limits.max_failed_proofs,
    })
}

fn created<S>(app: &App<S>, id: &SecretId, expires_at: SystemTime, views: u32) -> Response<Body> {
    let body = CreateResponse {
        id: id.as_str().to_owned(),
        expires_at: rfc3339(expires_at),
        views,
        public_url: app.public_url.clone(),
    };
    json(StatusCode::CREATED, &body)
}

/// Status, reveal or burn.
async fn secret<S: Store>(
    app: &App<S>,
    action: Action,
    id: SecretId,
    request: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    let body: ProofRequest = read_json(request, PROOF_BODY_LIMIT, app.timeouts.body).await?;
    let verifier: Verifier = body.proof.verifier();
    drop(body);

    let store = &app.store;
    let failed = |err| ApiError::during(action, err);
    match action {
        Action::Status => {
            let status = bounded(app, store.status(&id, &verifier)).await.map_err(failed)?;
            let body = StatusResponse {
                views_left: status.views_left,
                expires_at: rfc3339(status.expires_at),
                tries_left: status.tries_left,
            };
            Ok(json(StatusCode::OK, &body))
        }
        Action::Reveal => {
            let revealed = bounded(app, store.reveal(&id, &verifier)).await.map_err(failed)?;
            let body =
                RevealResponse { envelope: revealed.envelope, views_left: revealed.views_left };
            Ok(json(StatusCode::OK, &body))
        }
        Action::Burn => {
            bounded(app, store.burn(&id, &verifier)).await.map_err(failed)?;
            Ok(empty(StatusCode::NO_CONTENT))
        }
    }
}

/// RFC 3339 in UTC with whole seconds, e.g. `2026-12-03T19:13:54Z`.
fn rfc3339(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(time).to_string()
}

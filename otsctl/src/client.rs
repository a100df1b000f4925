//! The HTTP client for otsd's API, and the mapping of its answers to exit
//! codes and messages.
//!
//! Everything the server sends is untrusted (a link can point anywhere):
//! bodies are read up to a cap, error messages are escaped and shortened
//! before they are shown, and redirects are not followed (a redirect must not
//! carry a proof elsewhere). Request URLs contain the secret's id, so no
//! error message here includes them: messages name the server by its
//! origin, `scheme://host[:port]`.

use std::io::Read;
use std::time::Duration;

use ots_shared::api::{
    Action, CreateRequest, CreateResponse, ErrorBody, ErrorCode, MAX_ENVELOPE_BYTES, PATH_CONFIG,
    PATH_SECRETS, ProofRequest, RevealResponse, ServerConfig, StatusResponse,
};
use ots_shared::{Proof, SecretId};
use reqwest::blocking::{RequestBuilder, Response};
use serde::de::DeserializeOwned;

use crate::config::ServerUrl;
use crate::error::{Error, Exit, Result};
use crate::output;

/// How long establishing a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long sending a request and receiving the answer's head may take, and
/// how long each read of the answer's body may wait for data. reqwest's
/// blocking client applies its timeout to each read of the body, not to the
/// whole body: a large reveal on a slow link finishes as long as it keeps
/// moving, and only a stalled one is cut off.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest reveal answer read: the largest envelope any otsd accepts,
/// in base64 (4/3 of its size), with room for the rest of the JSON.
const MAX_REVEAL_BYTES: u64 = MAX_ENVELOPE_BYTES.div_ceil(3) * 4 + 64 * 1024;
/// The largest answer read for anything else, errors included.
const MAX_SMALL_BYTES: u64 = 64 * 1024;
/// What a 504 means for an operation that changes the secret.
const UNCONFIRMED: &str = "the server did not confirm the operation in time";
/// The hint when a reveal may have consumed a view without an answer.
const MAYBE_CONSUMED: &str = "the secret may have been consumed; run otsctl status LINK to check";
/// The hint when a burn may have happened without an answer.
const MAYBE_BURNED: &str = "the secret may have been burned; run otsctl status LINK to check";
/// The hint for a 404 that is not otsd's: a proxy in front of it, or a base
/// URL that leads elsewhere, answers so for a path it does not know.
const NOT_OTSD_404: &str =
    "the answer did not come from otsd's API; check that the link's base URL leads to otsd";
/// How many characters of a server's error message are shown.
const MAX_MESSAGE_CHARS: usize = 300;

/// A client bound to one server.
#[derive(Debug)]
pub struct Client {
    http: reqwest::blocking::Client,
    server: ServerUrl,
}

/// A received answer, body already read.
struct Answer {
    status: u16,
    body: Vec<u8>,
    retry_after: Option<u64>,
}

/// A request that got no complete, valid answer.
struct Failed {
    error: Error,
    /// Whether the request may have taken effect on the server all the same.
    unconfirmed: bool,
}

impl Failed {
    /// The error, with `hint` added when the operation may have happened.
    fn hinted(self, hint: &str) -> Error {
        if self.unconfirmed { self.error.hint(hint) } else { self.error }
    }
}

impl From<Failed> for Error {
    fn from(failed: Failed) -> Self {
        failed.error
    }
}

/// Whether an answer with this status leaves open whether a changing
/// operation happened: a success whose body is missing or unusable, or a
/// 504 (the store may have run it).
fn leaves_open(status: u16) -> bool {
    (200..300).contains(&status) || status == 504
}

impl Client {
    /// A client for `server`, with timeouts and without redirects.
    pub fn new(server: ServerUrl) -> Result<Self> {
        Self::with_timeouts(server, CONNECT_TIMEOUT, ANSWER_TIMEOUT)
    }

    /// A client with the given connect timeout and answer (head, and each
    /// read of the body) timeout.
    fn with_timeouts(server: ServerUrl, connect: Duration, answer: Duration) -> Result<Self> {
        let http = reqwest::blocking::Client::builder()
            .connect_timeout(connect)
            .timeout(answer)
            .user_agent(concat!("otsctl/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|err| anyhow::Error::new(err).context("cannot set up the http client"))?;
        Ok(Self { http, server })
    }

    /// `GET /api/v1/config`: the server's limits.
    pub fn config(&self) -> Result<ServerConfig> {
        let answer = self.send(self.http.get(self.server.join(PATH_CONFIG)), MAX_SMALL_BYTES)?;
        if answer.status == 404 {
            return Err(Error::usage(format!(
                "the server url {} does not lead to otsd's api (no {PATH_CONFIG} under it)",
                self.server.base()
            ))
            .hint("check the server url"));
        }
        self.expect(&answer, 200)
    }

    /// `POST /api/v1/secrets`: stores a sealed secret.
    pub fn create(&self, request: &CreateRequest) -> Result<CreateResponse> {
        let request = self.http.post(self.server.join(PATH_SECRETS)).json(request);
        let answer = self.send(request, MAX_SMALL_BYTES)?;
        self.expect(&answer, 201)
    }

    /// Views left, expiry and tries left; consumes nothing.
    pub fn status(&self, id: &SecretId, proof: Proof) -> Result<StatusResponse> {
        let answer = self.act(Action::Status, id, proof, MAX_SMALL_BYTES)?;
        self.expect(&answer, 200)
    }

    /// Fetches the envelope and consumes a view. Without a complete, valid
    /// answer the view may be consumed all the same, and the error says so.
    pub fn reveal(&self, id: &SecretId, proof: Proof) -> Result<RevealResponse> {
        self.act(Action::Reveal, id, proof, MAX_REVEAL_BYTES)
            .and_then(|answer| {
                self.expect(&answer, 200)
                    .map_err(|error| Failed { error, unconfirmed: leaves_open(answer.status) })
            })
            .map_err(|failed| failed.hinted(MAYBE_CONSUMED))
    }

    /// Deletes the secret. Without a complete answer it may be deleted all
    /// the same, and the error says so.
    pub fn burn(&self, id: &SecretId, proof: Proof) -> Result<()> {
        let answer = self
            .act(Action::Burn, id, proof, MAX_SMALL_BYTES)
            .map_err(|f| f.hinted(MAYBE_BURNED))?;
        match answer.status {
            200..=299 => Ok(()),
            504 => Err(answer_error(&answer).hint(MAYBE_BURNED)),
            _ => Err(answer_error(&answer)),
        }
    }

    fn act(&self, action: Action, id: &SecretId, proof: Proof, cap: u64) -> Result<Answer, Failed> {
        let url = self.server.join(&action.path(id));
        self.exchange(self.http.post(url).json(&ProofRequest { proof }), cap)
    }

    /// [`Client::exchange`] for requests that change nothing worth a hint.
    fn send(&self, request: RequestBuilder, cap: u64) -> Result<Answer> {
        Ok(self.exchange(request, cap)?)
    }

    /// Sends a request and reads the answer's body: a successful one up to
    /// `cap` (more is an error), an error answer up to its first 64 KiB
    /// (its status alone decides the outcome; the body only adds detail).
    fn exchange(&self, request: RequestBuilder, cap: u64) -> Result<Answer, Failed> {
        let response = request.send().map_err(|err| self.network_error(err))?;
        let status = response.status().as_u16();
        let retry_after = retry_after(&response);
        let success = (200..300).contains(&status);
        let limit = if success { cap } else { MAX_SMALL_BYTES };

        let body = read_capped(response, limit).map_err(|err| Failed {
            error: Error::new(Exit::Unavailable, anyhow::Error::msg(innermost(&err)))
                .context(format!("the answer from {} broke off", self.server.origin())),
            unconfirmed: leaves_open(status),
        })?;
        match body {
            Capped::Whole(body) => Ok(Answer { status, body, retry_after }),
            Capped::Cut(body) if !success => Ok(Answer { status, body, retry_after }),
            Capped::Cut(_) => Err(Failed {
                error: Error::msg(
                    Exit::Failure,
                    format!("the answer from {} is larger than {cap} bytes", self.server.origin()),
                ),
                unconfirmed: true,
            }),
        }
    }

    /// Decodes a successful answer, or turns any other into an error.
    fn expect<T: DeserializeOwned>(&self, answer: &Answer, status: u16) -> Result<T> {
        if answer.status != status {
            return Err(answer_error(answer));
        }
        serde_json::from_slice(&answer.body).map_err(|err| {
            let detail = output::escape(&err.to_string(), MAX_MESSAGE_CHARS);
            Error::msg(
                Exit::Failure,
                format!("the answer from {} is not valid: {detail}", self.server.origin()),
            )
        })
    }

    /// The error for a request that got no answer. Only a connection that
    /// could not be made proves that nothing reached the server; after a
    /// timeout or a connection that broke off, the request may have been
    /// received and carried out.
    fn network_error(&self, err: reqwest::Error) -> Failed {
        let err = err.without_url();
        let base = self.server.origin();
        let cause = anyhow::Error::msg(output::escape(&innermost(&err), MAX_MESSAGE_CHARS));
        let context = if err.is_timeout() {
            format!("{base} did not answer in time")
        } else if err.is_connect() {
            format!("cannot connect to {base}")
        } else {
            format!("the request to {base} failed")
        };
        let error = Error::new(Exit::Unavailable, cause.context(context));
        Failed { error, unconfirmed: !err.is_connect() }
    }
}

/// A body read up to a cap.
#[derive(Debug, PartialEq, Eq)]
enum Capped {
    /// The whole body.
    Whole(Vec<u8>),
    /// The first `cap` bytes of a longer body.
    Cut(Vec<u8>),
}

/// Reads at most `cap` bytes, and one more to learn whether there was more.
fn read_capped(reader: impl Read, cap: u64) -> std::io::Result<Capped> {
    let mut body = Vec::new();
    reader.take(cap.saturating_add(1)).read_to_end(&mut body)?;
    if u64::try_from(body.len()).unwrap_or(u64::MAX) > cap {
        body.truncate(usize::try_from(cap).unwrap_or(usize::MAX));
        return Ok(Capped::Cut(body));
    }
    Ok(Capped::Whole(body))
}

/// The deepest cause's message: the useful part of a network error
/// ("connection refused"), without the layers around it or the URL.
fn innermost(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

/// `Retry-After` in seconds, when the server sent one.
fn retry_after(response: &Response) -> Option<u64> {
    let value = response.headers().get(reqwest::header::RETRY_AFTER)?;
    value.to_str().ok()?.trim().parse().ok()
}

/// The exit code class for an error answer.
pub fn classify(status: u16, code: Option<ErrorCode>) -> Exit {
    match (status, code) {
        (403, Some(ErrorCode::WrongProof)) => Exit::WrongKey,
        (400, _) => Exit::Usage,
        (408, _) => Exit::Unavailable,
        (404, Some(ErrorCode::UnknownPath)) => Exit::Usage,
        (404, _) => Exit::NotFound,
        (413, _) => Exit::TooLarge,
        (429, _) => Exit::RateLimited,
        (500..=599, _) => Exit::Unavailable,
        _ => Exit::Failure,
    }
}

/// The error for a non-successful answer.
fn answer_error(answer: &Answer) -> Error {
    let body: Option<ErrorBody> = serde_json::from_slice(&answer.body).ok();
    let code = body.as_ref().map(|b| b.error);
    let detail = body.as_ref().map(|b| output::escape(&b.message, MAX_MESSAGE_CHARS));
    let tries_left = body.as_ref().and_then(|b| b.tries_left);
    let exit = classify(answer.status, code);
    let error = Error::msg(exit, describe(answer.status, code, detail.as_deref(), tries_left));
    let error = match (answer.status, code) {
        (404, None | Some(ErrorCode::Unknown)) => error.hint(NOT_OTSD_404),
        _ => error,
    };
    add_hint(error, answer.status, answer.retry_after)
}

/// The message for an error answer.
fn describe(
    status: u16,
    code: Option<ErrorCode>,
    detail: Option<&str>,
    tries_left: Option<u32>,
) -> String {
    let with_detail = |text: &str| match detail {
        Some(detail) if !detail.is_empty() => format!("{text}: {detail}"),
        _ => text.to_owned(),
    };
    match (status, code) {
        (403, Some(ErrorCode::WrongProof)) => wrong_proof(tries_left),
        (404, Some(ErrorCode::UnknownPath)) => {
            "the server has no such path: the link's base URL does not lead to otsd's API"
                .to_owned()
        }
        (404, _) => {
            "the secret does not exist: it was already read, has expired, or was burned".to_owned()
        }
        (400, _) => with_detail("the server refused the request"),
        (408, _) => with_detail("the server timed out waiting for the request"),
        (413, _) => with_detail("the server refused the secret as too large"),
        (429, _) => with_detail("the server is limiting requests from this client"),
        // The server's own text for these two only repeats ours (and the
        // Retry-After hint), so it is left out.
        (503, Some(ErrorCode::StoreUnavailable)) => {
            "the server's store is unavailable; nothing was changed".to_owned()
        }
        (507, Some(ErrorCode::StoreFull)) => {
            "the server's store is full; nothing was stored".to_owned()
        }
        (503, _) => with_detail("the server's store is unavailable"),
        (504, _) => with_detail(UNCONFIRMED),
        (507, _) => with_detail("the server's store is full"),
        (500..=599, _) => with_detail(&format!("the server failed (http {status})")),
        _ => with_detail(&format!("unexpected answer from the server (http {status})")),
    }
}

fn wrong_proof(tries_left: Option<u32>) -> String {
    match tries_left {
        Some(0) => "wrong key or passphrase; the secret has now been destroyed".to_owned(),
        Some(1) => "wrong key or passphrase; 1 try left before the secret is destroyed".to_owned(),
        Some(n) => {
            format!("wrong key or passphrase; {n} tries left before the secret is destroyed")
        }
        None => "wrong key or passphrase".to_owned(),
    }
}

fn add_hint(error: Error, status: u16, retry_after: Option<u64>) -> Error {
    match (status, retry_after) {
        (429 | 503, Some(secs)) => error.hint(format!("try again in {secs} seconds")),
        (429 | 503 | 507, None) => error.hint("try again later"),
        (408, _) => error.hint("try again"),
        _ => error,
    }
}

#[cfg(test)]
mod tests;

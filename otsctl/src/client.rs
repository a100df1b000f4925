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
    Action, CreateRequest, CreateResponse, ErrorBody, ErrorCode, PATH_CONFIG, PATH_SECRETS,
    ProofRequest, RevealResponse, ServerConfig, StatusResponse,
};
use ots_shared::{Proof, SecretId};
use reqwest::blocking::{RequestBuilder, Response};
use serde::de::DeserializeOwned;

use crate::config::ServerUrl;
use crate::error::{Error, Exit, Result};
use crate::output;

/// How long establishing a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a whole request may take, body included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest envelope a reveal is expected to carry.
const MAX_REVEAL_ENVELOPE: u64 = 256 << 20;
/// The largest reveal answer read: the envelope in base64 (4/3 of its
/// size), with room for the rest of the JSON.
const MAX_REVEAL_BYTES: u64 = MAX_REVEAL_ENVELOPE.div_ceil(3) * 4 + 64 * 1024;
/// The largest answer read for anything else, errors included.
const MAX_SMALL_BYTES: u64 = 64 * 1024;
/// What a 504 means for an operation that changes the secret.
const UNCONFIRMED: &str = "the server did not confirm the operation in time";
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

impl Client {
    /// A client for `server`, with timeouts and without redirects.
    pub fn new(server: ServerUrl) -> Result<Self> {
        let http = reqwest::blocking::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
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
            return Err(Error::msg(
                Exit::Failure,
                format!("{} does not answer the otsd api (no {PATH_CONFIG})", self.server.origin()),
            )
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

    /// Fetches the envelope and consumes a view.
    pub fn reveal(&self, id: &SecretId, proof: Proof) -> Result<RevealResponse> {
        let answer = self.act(Action::Reveal, id, proof, MAX_REVEAL_BYTES)?;
        self.expect(&answer, 200).map_err(|err| match answer.status {
            504 => err.hint("the secret may have been consumed; run otsctl status LINK to check"),
            _ => err,
        })
    }

    /// Deletes the secret.
    pub fn burn(&self, id: &SecretId, proof: Proof) -> Result<()> {
        let answer = self.act(Action::Burn, id, proof, MAX_SMALL_BYTES)?;
        match answer.status {
            200..=299 => Ok(()),
            504 => Err(answer_error(&answer)
                .hint("the secret may have been burned; run otsctl status LINK to check")),
            _ => Err(answer_error(&answer)),
        }
    }

    fn act(&self, action: Action, id: &SecretId, proof: Proof, cap: u64) -> Result<Answer> {
        let url = self.server.join(&action.path(id));
        self.send(self.http.post(url).json(&ProofRequest { proof }), cap)
    }

    /// Sends a request and reads the answer's body: a successful one up to
    /// `cap` (more is an error), an error answer up to its first 64 KiB
    /// (its status alone decides the outcome; the body only adds detail).
    fn send(&self, request: RequestBuilder, cap: u64) -> Result<Answer> {
        let response = request.send().map_err(|err| self.network_error(err))?;
        let status = response.status().as_u16();
        let retry_after = retry_after(&response);
        let success = (200..300).contains(&status);
        let limit = if success { cap } else { MAX_SMALL_BYTES };

        let body = read_capped(response, limit).map_err(|err| {
            Error::new(Exit::Unavailable, anyhow::Error::msg(innermost(&err)))
                .context(format!("the answer from {} broke off", self.server.origin()))
        })?;
        match body {
            Capped::Whole(body) => Ok(Answer { status, body, retry_after }),
            Capped::Cut(body) if !success => Ok(Answer { status, body, retry_after }),
            Capped::Cut(_) => Err(Error::msg(
                Exit::Failure,
                format!("the answer from {} is larger than {cap} bytes", self.server.origin()),
            )),
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

    fn network_error(&self, err: reqwest::Error) -> Error {
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
        Error::new(Exit::Unavailable, cause.context(context))
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
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer { status, body: body.as_bytes().to_vec(), retry_after: None }
    }

    #[test]
    fn statuses_map_to_exit_codes() {
        let cases = [
            (400, Some(ErrorCode::InvalidTtl), Exit::Usage),
            (403, Some(ErrorCode::WrongProof), Exit::WrongKey),
            (403, None, Exit::Failure),
            (404, Some(ErrorCode::NotFound), Exit::NotFound),
            (404, None, Exit::NotFound),
            (405, Some(ErrorCode::MethodNotAllowed), Exit::Failure),
            (413, Some(ErrorCode::PayloadTooLarge), Exit::TooLarge),
            (415, Some(ErrorCode::UnsupportedMediaType), Exit::Failure),
            (429, Some(ErrorCode::RateLimited), Exit::RateLimited),
            (500, Some(ErrorCode::Internal), Exit::Unavailable),
            (502, None, Exit::Unavailable),
            (503, Some(ErrorCode::StoreUnavailable), Exit::Unavailable),
            (507, Some(ErrorCode::StoreFull), Exit::Unavailable),
            (408, Some(ErrorCode::RequestTimeout), Exit::Unavailable),
            (408, None, Exit::Unavailable),
            (504, Some(ErrorCode::StoreTimeout), Exit::Unavailable),
            (504, None, Exit::Unavailable),
            (302, None, Exit::Failure),
        ];
        for (status, code, exit) in cases {
            assert_eq!(classify(status, code), exit, "{status} {code:?}");
        }
    }

    #[test]
    fn wrong_proof_counts_tries() {
        let body = r#"{"error":"wrong_proof","message":"wrong proof","tries_left":2}"#;
        let err = answer_error(&answer(403, body));
        assert_eq!(err.exit(), Exit::WrongKey);
        assert_eq!(
            err.render(),
            "otsctl: wrong key or passphrase; 2 tries left before the secret is destroyed\n"
        );
        let last = r#"{"error":"wrong_proof","message":"wrong proof","tries_left":0}"#;
        assert_eq!(
            answer_error(&answer(403, last)).render(),
            "otsctl: wrong key or passphrase; the secret has now been destroyed\n"
        );
    }

    #[test]
    fn not_found_has_one_message() {
        for body in [r#"{"error":"not_found","message":"whatever"}"#, "<html>", ""] {
            let err = answer_error(&answer(404, body));
            assert_eq!(err.exit(), Exit::NotFound);
            assert_eq!(
                err.render(),
                "otsctl: the secret does not exist: it was already read, has expired, or was burned\n"
            );
        }
    }

    #[test]
    fn server_messages_are_escaped_and_capped() {
        let long = "x".repeat(500);
        let body = format!(r#"{{"error":"invalid_ttl","message":"bad\u001b[2J ttl {long}"}}"#);
        let text = answer_error(&answer(400, &body)).render();
        assert!(text.starts_with("otsctl: the server refused the request: bad\\u{1b}[2J ttl xxx"));
        assert!(text.ends_with("...\n"), "{text}");
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn timeouts_say_what_may_have_happened() {
        let body = r#"{"error":"store_timeout","message":"the store did not answer in time"}"#;
        let err = answer_error(&Answer { retry_after: Some(30), ..answer(504, body) });
        assert_eq!(err.exit(), Exit::Unavailable);
        assert_eq!(
            err.render(),
            "otsctl: the server did not confirm the operation in time: the store did not answer in time\n"
        );
        let body = r#"{"error":"request_timeout","message":"slow body"}"#;
        let err = answer_error(&answer(408, body));
        assert_eq!(err.exit(), Exit::Unavailable);
        assert_eq!(
            err.render(),
            "otsctl: the server timed out waiting for the request: slow body\nhint: try again\n"
        );
    }

    #[test]
    fn bodies_are_read_up_to_the_cap() {
        assert_eq!(read_capped(&b"abcd"[..], 4).expect("read"), Capped::Whole(b"abcd".to_vec()));
        assert_eq!(read_capped(&b"abcde"[..], 4).expect("read"), Capped::Cut(b"abcd".to_vec()));
        assert_eq!(read_capped(std::io::repeat(0), 3).expect("read"), Capped::Cut(vec![0; 3]));
        assert_eq!(MAX_REVEAL_BYTES, 357_979_480);
        assert_eq!(MAX_SMALL_BYTES, 65_536);
    }

    #[test]
    fn busy_servers_get_a_retry_hint() {
        let body = r#"{"error":"rate_limited","message":"slow down"}"#;
        let err = answer_error(&Answer { retry_after: Some(30), ..answer(429, body) });
        assert_eq!(err.exit(), Exit::RateLimited);
        assert_eq!(
            err.render(),
            "otsctl: the server is limiting requests from this client: slow down\nhint: try again in 30 seconds\n"
        );
        let full = answer_error(&answer(507, r#"{"error":"store_full","message":"full"}"#));
        assert_eq!(
            full.render(),
            "otsctl: the server's store is full; nothing was stored\nhint: try again later\n"
        );
    }
}

use std::io::Write;
use std::net::{TcpListener, TcpStream};

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
        (404, Some(ErrorCode::UnknownPath), Exit::Usage),
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
    let gone = "otsctl: the secret does not exist: it was already read, has expired, or was \
                burned\n";
    let err = answer_error(&answer(404, r#"{"error":"not_found","message":"whatever"}"#));
    assert_eq!((err.exit(), err.render()), (Exit::NotFound, gone.to_owned()));
    // A 404 that otsd did not write may be a wrong base URL.
    let hinted = format!("{gone}hint: {NOT_OTSD_404}\n");
    for body in ["<html>", "", r#"{"error":"gone_fishing","message":"x"}"#] {
        let err = answer_error(&answer(404, body));
        assert_eq!((err.exit(), err.render()), (Exit::NotFound, hinted.clone()), "{body}");
    }
    let err = answer_error(&answer(404, r#"{"error":"unknown_path","message":"no"}"#));
    assert_eq!(err.exit(), Exit::Usage);
    assert_eq!(
        err.render(),
        "otsctl: the server has no such path: the link's base URL does not lead to otsd's API\n"
    );
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

/// A server on 127.0.0.1 for one connection: reads the request, then
/// hands the connection to `then`. Returns the server's URL.
fn serve_once(then: impl FnOnce(TcpStream) + Send + 'static) -> ServerUrl {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        stream.set_read_timeout(Some(Duration::from_secs(10))).expect("read timeout");
        read_request(&mut stream);
        then(stream);
    });
    ServerUrl::parse(&url).expect("url")
}

/// Reads a request's head and its `content-length` body.
fn read_request(stream: &mut TcpStream) {
    let mut seen = Vec::new();
    let mut byte = [0u8];
    while !seen.ends_with(b"\r\n\r\n") && stream.read(&mut byte).expect("read") == 1 {
        seen.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&seen).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .map_or(0, |len| len.trim().parse().expect("length"));
    stream.read_exact(&mut vec![0; length]).expect("body");
}

/// Waits until the client goes away (or the read timeout ends it).
fn hold(mut stream: TcpStream) {
    let _ = stream.read_to_end(&mut Vec::new());
}

fn head(length: usize) -> String {
    format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n\r\n")
}

/// A client with short timeouts, and the id and proof to send.
fn quick(server: ServerUrl) -> (Client, SecretId, Proof) {
    let client = Client::with_timeouts(server, Duration::from_secs(2), Duration::from_millis(300))
        .expect("client");
    (client, SecretId::parse("AAECAwQFBgcICQoLDA0ODw").expect("id"), Proof::from_bytes([7; 32]))
}

const CONSUMED_HINT: &str =
    "hint: the secret may have been consumed; run otsctl status LINK to check\n";
const BURNED_HINT: &str =
    "hint: the secret may have been burned; run otsctl status LINK to check\n";

#[test]
fn a_reveal_without_an_answer_may_have_consumed_the_view() {
    let timed_out = |client: &Client| {
        format!("otsctl: {} did not answer in time: operation timed out\n", client.server.origin())
    };
    let (client, id, proof) = quick(serve_once(hold));
    let err = client.reveal(&id, proof).expect_err("times out");
    assert_eq!(err.exit(), Exit::Unavailable);
    assert_eq!(err.render(), format!("{}{CONSUMED_HINT}", timed_out(&client)));

    let (client, id, proof) = quick(serve_once(hold));
    let err = client.burn(&id, proof).expect_err("times out");
    assert_eq!(err.render(), format!("{}{BURNED_HINT}", timed_out(&client)));

    let (client, id, proof) = quick(serve_once(hold));
    let err = client.status(&id, proof).expect_err("times out");
    assert_eq!(err.render(), timed_out(&client));
}

#[test]
fn a_body_that_stalls_is_cut_off_and_may_have_consumed_the_view() {
    let stall = |mut stream: TcpStream| {
        stream.write_all(head(100).as_bytes()).expect("head");
        stream.write_all(br#"{"envelope":"#).expect("part");
        hold(stream);
    };
    let (client, id, proof) = quick(serve_once(stall));
    let err = client.reveal(&id, proof).expect_err("stalls");
    assert_eq!(err.exit(), Exit::Unavailable);
    assert_eq!(
        err.render(),
        format!(
            "otsctl: the answer from {} broke off: operation timed out\n{CONSUMED_HINT}",
            client.server.origin()
        )
    );
}

#[test]
fn a_slow_body_that_keeps_moving_is_read_to_the_end() {
    let answer = RevealResponse { envelope: vec![0xa5; 3000], views_left: 0 };
    let body = serde_json::to_vec(&answer).expect("json");
    let trickle = move |mut stream: TcpStream| {
        stream.write_all(head(body.len()).as_bytes()).expect("head");
        // Twenty pieces 100 ms apart: twice the client's 300 ms per
        // read in total, but never 300 ms without data.
        for piece in body.chunks(body.len().div_ceil(20)) {
            std::thread::sleep(Duration::from_millis(100));
            stream.write_all(piece).expect("piece");
        }
        hold(stream);
    };
    let (client, id, proof) = quick(serve_once(trickle));
    assert_eq!(client.reveal(&id, proof).expect("read to the end"), answer);
}

#[test]
fn a_connection_closed_after_the_request_may_have_consumed_the_view() {
    let (client, id, proof) = quick(serve_once(drop));
    let err = client.reveal(&id, proof).expect_err("closed");
    let text = err.render();
    let failed = format!("otsctl: the request to {} failed: ", client.server.origin());
    assert!(text.starts_with(&failed) && text.ends_with(CONSUMED_HINT), "{text}");
    assert_eq!(text.lines().count(), 2, "{text}");
}

#[test]
fn an_invalid_success_may_have_consumed_the_view() {
    let answer = |body: &'static str| {
        move |mut stream: TcpStream| {
            stream.write_all(head(body.len()).as_bytes()).expect("head");
            stream.write_all(body.as_bytes()).expect("body");
        }
    };
    for body in ["not json", r#"{"views_left":0}"#, r#"{"envelope":"!!","views_left":0}"#] {
        let (client, id, proof) = quick(serve_once(answer(body)));
        let err = client.reveal(&id, proof).expect_err("invalid");
        assert_eq!(err.exit(), Exit::Failure, "{body}");
        let text = err.render();
        let invalid = format!("otsctl: the answer from {} is not valid: ", client.server.origin());
        assert!(text.starts_with(&invalid) && text.ends_with(CONSUMED_HINT), "{text}");
    }
    let (client, id, proof) = quick(serve_once(answer("not json")));
    let err = client.status(&id, proof).expect_err("invalid");
    assert!(!err.render().contains("hint:"), "{}", err.render());
}

#[test]
fn a_refused_connection_consumed_nothing() {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("free port")
        .port();
    let server = ServerUrl::parse(&format!("http://127.0.0.1:{port}")).expect("url");
    let (client, id, proof) = quick(server);
    let err = client.reveal(&id, proof).expect_err("refused");
    assert_eq!(
        err.render(),
        format!(
            "otsctl: cannot connect to http://127.0.0.1:{port}: connection refused (os error 111)\n"
        )
    );
}

#[test]
fn only_successes_and_504_leave_the_outcome_open() {
    for status in [200, 201, 204, 504] {
        assert!(leaves_open(status), "{status}");
    }
    for status in [400, 403, 404, 408, 429, 500, 503, 507] {
        assert!(!leaves_open(status), "{status}");
    }
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

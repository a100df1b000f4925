//! Server answers map to the documented exit codes and messages.

use ots_shared::api::ErrorCode;

use crate::fake::{FakeServer, Reply};
use crate::fake_otsd::error;
use crate::{link_to, otsctl, run, scratch};

const NOT_FOUND: &str =
    "otsctl: the secret does not exist: it was already read, has expired, or was burned\n";

#[test]
fn answers_map_to_exit_codes() {
    let dir = scratch("answers");
    let cases = [
        (error(404, ErrorCode::NotFound, None), 3, NOT_FOUND.to_owned()),
        (
            error(403, ErrorCode::WrongProof, Some(2)),
            4,
            "otsctl: wrong key or passphrase; 2 tries left before the secret is destroyed\n".into(),
        ),
        (
            error(403, ErrorCode::WrongProof, Some(0)),
            4,
            "otsctl: wrong key or passphrase; the secret has now been destroyed\n".into(),
        ),
        (
            error(429, ErrorCode::RateLimited, None),
            6,
            "otsctl: the server is limiting requests from this client: fake\nhint: try again later\n"
                .into(),
        ),
        (
            error(503, ErrorCode::StoreUnavailable, None),
            7,
            "otsctl: the server's store is unavailable; nothing was changed\nhint: try again later\n".into(),
        ),
        (
            error(507, ErrorCode::StoreFull, None),
            7,
            "otsctl: the server's store is full; nothing was stored\nhint: try again later\n".into(),
        ),
        (
            error(500, ErrorCode::Internal, None),
            7,
            "otsctl: the server failed (http 500): fake\n".into(),
        ),
        (
            Reply::new(400, "not json"),
            2,
            "otsctl: the server refused the request\n".into(),
        ),
    ];
    for (reply, code, stderr) in cases {
        let server = FakeServer::always(reply);
        for command in ["get", "status", "burn"] {
            let out = run(otsctl(&dir).args([command, &link_to(&server.url())]));
            assert_eq!((out.code, out.stderr.as_str()), (code, stderr.as_str()), "{command}");
            assert!(out.stdout.is_empty());
        }
    }
}

#[test]
fn timeouts_are_exit_7_and_say_what_may_have_happened() {
    let dir = scratch("timeouts");
    let unconfirmed = "otsctl: the server did not confirm the operation in time: fake\n";
    let cases = [
        (
            error(504, ErrorCode::StoreTimeout, None),
            [
                (
                    "get",
                    format!(
                        "{unconfirmed}hint: the secret may have been consumed; run otsctl status LINK to check\n"
                    ),
                ),
                ("status", unconfirmed.to_owned()),
                (
                    "burn",
                    format!(
                        "{unconfirmed}hint: the secret may have been burned; run otsctl status LINK to check\n"
                    ),
                ),
            ],
        ),
        (
            error(408, ErrorCode::RequestTimeout, None),
            ["get", "status", "burn"].map(|command| {
                (
                    command,
                    "otsctl: the server timed out waiting for the request: fake\nhint: try again\n"
                        .to_owned(),
                )
            }),
        ),
    ];
    for (reply, expected) in cases {
        let server = FakeServer::always(reply);
        for (command, stderr) in expected {
            let out = run(otsctl(&dir).args([command, &link_to(&server.url())]));
            assert_eq!((out.code, out.stderr.as_str()), (7, stderr.as_str()), "{command}");
        }
    }
}

/// Regression: successful answers were read up to 1 GiB, whatever the
/// operation.
#[test]
fn oversized_answers_are_refused() {
    let dir = scratch("oversized");
    let padding = "x".repeat(70_000);
    let body = format!(
        r#"{{"views_left":2,"expires_at":"2030-01-01T00:00:00Z","tries_left":5,"padding":"{padding}"}}"#
    );
    let server = FakeServer::always(Reply::new(200, body));
    let out = run(otsctl(&dir).args(["status", &link_to(&server.url())]));
    assert_eq!(
        (out.code, out.stderr),
        (1, format!("otsctl: the answer from {} is larger than 65536 bytes\n", server.url()))
    );
}

#[test]
fn unreachable_server_is_exit_7() {
    let dir = scratch("unreachable");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    // Messages name the server without its path.
    let out =
        run(otsctl(&dir).args(["status", &link_to(&format!("http://127.0.0.1:{port}/team"))]));
    assert_eq!(out.code, 7);
    assert_eq!(
        out.stderr,
        format!(
            "otsctl: cannot connect to http://127.0.0.1:{port}: connection refused (os error 111)\n"
        )
    );
}

#[test]
fn server_text_is_escaped() {
    let dir = scratch("escaped");
    let body = r#"{"error":"invalid_id","message":"bad \u001b]0;pwned\u0007 id"}"#;
    let server = FakeServer::always(Reply::new(400, body));
    let out = run(otsctl(&dir).args(["status", &link_to(&server.url())]));
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "otsctl: the server refused the request: bad \\u{1b}]0;pwned\\u{7} id\n"
    );
}

#[test]
fn burn_says_burned() {
    let dir = scratch("burn");
    let server = FakeServer::always(Reply::new(204, ""));
    let out = run(otsctl(&dir).args(["burn", &link_to(&server.url())]));
    assert_eq!((out.code, out.stderr.as_str()), (0, "note: burned\n"));
    let quiet = run(otsctl(&dir).args(["burn", "-q", &link_to(&server.url())]));
    assert_eq!((quiet.code, quiet.stderr.as_str()), (0, ""));
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].path, format!("/api/v1/secrets/{}/burn", crate::fake_otsd::ID));
}

#[test]
fn status_prints_plain_lines_or_json() {
    let dir = scratch("status");
    let body = r#"{"views_left":2,"expires_at":"2030-01-01T00:00:00Z","tries_left":5}"#;
    let server = FakeServer::always(Reply::new(200, body));
    let out = run(otsctl(&dir).args(["status", "--json", &link_to(&server.url())]));
    assert_eq!(out.code, 0);
    assert_eq!(out.stdout_text(), format!("{body}\n"));

    let out = run(otsctl(&dir).args(["status", &link_to(&server.url())]));
    let text = out.stdout_text();
    assert!(text.starts_with("views left: 2\nexpires: 2030-01-01T00:00:00Z (in "), "{text}");
    assert!(text.ends_with(")\ntries left: 5\n"), "{text}");
}

/// Regression: a reveal whose answer never arrived whole, or was not a
/// valid reveal, exited without saying that the view may be gone.
#[test]
fn lost_answers_say_what_may_have_happened() {
    let dir = scratch("lost-answers");
    let consumed = "hint: the secret may have been consumed; run otsctl status LINK to check\n";
    let burned = "hint: the secret may have been burned; run otsctl status LINK to check\n";
    // For get, status and burn: the message ({url} is the server), then
    // get's and burn's hints.
    let lost = |message: &str| {
        let message = format!("otsctl: {message}\n");
        [
            (7, format!("{message}{consumed}")),
            (7, message.clone()),
            (7, format!("{message}{burned}")),
        ]
    };
    let invalid = "otsctl: the answer from {url} is not valid: expected ident at line 1 column 2\n";
    let cases = [
        (
            Reply::hang_up(),
            lost("the request to {url} failed: connection closed before message completed"),
        ),
        (
            Reply::broken_off(200, r#"{"envelope":"#, 500),
            lost("the answer from {url} broke off: end of file before message length reached"),
        ),
        // A burn's answer has no body worth reading: its status is enough.
        (
            Reply::new(200, "not json"),
            [
                (1, format!("{invalid}{consumed}")),
                (1, invalid.to_owned()),
                (0, "note: burned\n".to_owned()),
            ],
        ),
    ];
    for (reply, expected) in cases {
        let server = FakeServer::always(reply);
        for (command, (code, stderr)) in ["get", "status", "burn"].into_iter().zip(expected) {
            let stderr = stderr.replace("{url}", &server.url());
            let out = run(otsctl(&dir).args([command, &link_to(&server.url())]));
            assert_eq!((out.code, out.stderr.as_str()), (code, stderr.as_str()), "{command}");
            assert!(out.stdout.is_empty());
        }
    }
}

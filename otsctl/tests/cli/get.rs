//! `get -o FILE`: checked before the reveal, written atomically, never
//! half-written, never overwriting without --force.

use std::net::TcpListener;

use crate::fake::{FakeServer, Reply, was_contacted};
use crate::fake_otsd::{self, limits};
use crate::{entries, link_to, otsctl, run, scratch};

/// Stores `secret` in a fresh fake otsd; returns the server and link.
fn stored(dir: &std::path::Path, secret: &[u8]) -> (FakeServer, String) {
    let server = fake_otsd::start(limits());
    let out = run(otsctl(dir).args(["send", "-q", "--server", &server.url()]).write_stdin(secret));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let link = out.stdout_text().trim_end().to_owned();
    (server, link)
}

#[test]
fn existing_file_is_refused_before_any_request() {
    let dir = scratch("get-exists");
    std::fs::write(dir.join("out"), b"keep me").expect("write");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let link = link_to(&format!("http://{}", listener.local_addr().expect("addr")));

    let out = run(otsctl(&dir).args(["get", &link, "-o", "out"]));
    assert_eq!(out.code, 2);
    assert_eq!(out.stderr, "otsctl: out already exists\nhint: pass --force to replace it\n");
    assert!(!was_contacted(&listener));
    assert_eq!(std::fs::read(dir.join("out")).expect("read"), b"keep me");
    assert_eq!(entries(&dir), ["out"]);
}

#[test]
fn missing_directory_is_refused_before_any_request() {
    let dir = scratch("get-no-dir");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let link = link_to(&format!("http://{}", listener.local_addr().expect("addr")));

    let out = run(otsctl(&dir).args(["get", &link, "-o", "nope/out"]));
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "otsctl: cannot create a file in nope: no such file or directory (os error 2)\n"
    );
    assert!(!was_contacted(&listener));
}

#[test]
fn output_file_is_private_and_exact() {
    let dir = scratch("get-output");
    let secret = b"line\r\n\0end\n";
    let (_server, link) = stored(&dir, secret);

    let out = run(otsctl(&dir).args(["get", &link, "-o", "out.txt"]));
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read(dir.join("out.txt")).expect("read"), secret);
    assert_eq!(entries(&dir), ["out.txt"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("out.txt")).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn force_replaces_an_existing_file() {
    let dir = scratch("get-force");
    std::fs::write(dir.join("out"), b"old").expect("write");
    let (_server, link) = stored(&dir, b"new");
    let out = run(otsctl(&dir).args(["get", &link, "-o", "out", "--force"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(std::fs::read(dir.join("out")).expect("read"), b"new");
    assert_eq!(entries(&dir), ["out"]);
}

#[test]
fn failed_reveal_leaves_no_file() {
    let dir = scratch("get-failed");
    let server =
        FakeServer::always(fake_otsd::error(404, ots_shared::api::ErrorCode::NotFound, None));
    let out = run(otsctl(&dir).args(["get", &link_to(&server.url()), "-o", "out"]));
    assert_eq!(out.code, 3);
    assert!(entries(&dir).is_empty(), "{:?}", entries(&dir));
}

#[test]
fn envelope_that_does_not_decrypt_is_exit_4() {
    let dir = scratch("get-garbage");
    let (server, link) = stored(&dir, b"s");
    drop(server);
    // Another secret's envelope under this link's id: the proof check is
    // the fake's, so serve the envelope directly.
    let other = scratch("get-garbage-other");
    let (other_server, _) = stored(&other, b"t");
    let envelope = other_server.requests()[1].body.clone();
    let create: serde_json::Value = serde_json::from_slice(&envelope).expect("json");
    let body = format!(r#"{{"envelope":{},"views_left":0}}"#, create["envelope"]);
    let server = FakeServer::always(Reply::new(200, body));
    let link = link.replace(link.split("/s/").next().expect("base"), &server.url());

    let out = run(otsctl(&dir).args(["get", &link, "-o", "out"]));
    assert_eq!(out.code, 4);
    assert_eq!(
        out.stderr,
        "otsctl: the envelope did not decrypt: the link and the stored envelope do not match\n\
         hint: that was its last view; ask the sender for a new link\n"
    );
    assert!(entries(&dir).is_empty(), "{:?}", entries(&dir));
}

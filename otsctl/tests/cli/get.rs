//! `get -o FILE`: checked before the reveal, written atomically, never
//! half-written, never overwriting without --force.

use std::path::Path;
use std::process::Stdio;

use crate::fake::{FakeServer, Reply, was_contacted};
use crate::fake_otsd::{self, limits};
use crate::{broken_pipe, entries, link_to, otsctl, run, run_stdout_closed, run_to, scratch};

const CONSUMED: &str = "hint: the secret has been consumed; ask the sender for a new one\n";

/// Stores `secret` in a fresh fake otsd; returns the server and link.
fn stored(dir: &Path, secret: &[u8]) -> (FakeServer, String) {
    let server = fake_otsd::start(limits());
    let link = send(dir, &server, secret, &[]);
    (server, link)
}

/// Sends `secret` to `server`; returns the link.
fn send(dir: &Path, server: &FakeServer, secret: &[u8], extra: &[&str]) -> String {
    let out = run(otsctl(dir)
        .args(["send", "-q", "--server", &server.url()])
        .args(extra)
        .write_stdin(secret));
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout_text().trim_end().to_owned()
}

/// The paths the server was asked for.
fn paths(server: &FakeServer) -> Vec<String> {
    server.requests().into_iter().map(|r| r.path).collect()
}

#[test]
fn existing_file_is_refused_before_any_request() {
    let dir = scratch("get-exists");
    std::fs::write(dir.join("out"), b"keep me").expect("write");
    let (listener, server) = crate::fake::silent_server();
    let link = link_to(&server);

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
    let (listener, server) = crate::fake::silent_server();
    let link = link_to(&server);

    let out = run(otsctl(&dir).args(["get", &link, "-o", "nope/out"]));
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "otsctl: cannot create nope/out: no such file or directory (os error 2)\n"
    );
    assert!(!was_contacted(&listener));
}

/// Regression: these targets passed the check, the reveal consumed the
/// secret, and the failed rename then deleted it.
#[test]
fn targets_that_cannot_be_written_fail_before_the_reveal() {
    let dir = scratch("get-bad-targets");
    let (server, link) = stored(&dir, b"s3cret");
    std::fs::write(dir.join("afile"), b"keep").expect("write");
    let long = "a".repeat(256);
    let no_name = "does not name a file\nhint: end the path with a file name, such as secret.txt\n";
    let cases = [
        (vec!["-o", "newdir/"], format!("otsctl: newdir/ {no_name}")),
        (vec!["-o", "afile/", "--force"], format!("otsctl: afile/ {no_name}")),
        (vec!["-o", "x/."], format!("otsctl: x/. {no_name}")),
        (vec!["-o", ".."], format!("otsctl: .. {no_name}")),
        (
            vec!["-o", &long],
            format!("otsctl: cannot create {long}: file name too long (os error 36)\n"),
        ),
        (
            vec!["-o", "afile/x", "--force"],
            "otsctl: cannot create afile/x: not a directory (os error 20)\n".to_owned(),
        ),
    ];
    for (args, stderr) in cases {
        let out = run(otsctl(&dir).args(["get", &link]).args(&args));
        assert_eq!((out.code, out.stderr.as_str()), (2, stderr.as_str()), "{args:?}");
        assert_eq!(entries(&dir), ["afile"], "{args:?}");
    }
    assert_eq!(paths(&server), ["/api/v1/config", "/api/v1/secrets"], "nothing was revealed");
    let out = run(otsctl(&dir).args(["get", &link]));
    assert_eq!((out.code, out.stdout.as_slice()), (0, &b"s3cret"[..]));
}

#[cfg(unix)]
#[test]
fn force_refuses_links_devices_and_directories_before_any_request() {
    let dir = scratch("get-force-special");
    std::fs::write(dir.join("afile"), b"keep").expect("write");
    std::os::unix::fs::symlink("afile", dir.join("link")).expect("symlink");
    std::fs::create_dir(dir.join("sub")).expect("mkdir");
    let (listener, server) = crate::fake::silent_server();
    let link = link_to(&server);

    let only_regular = "not a regular file\nhint: --force replaces only regular files\n";
    let cases = [
        ("link", format!("otsctl: link is a symbolic link, {only_regular}")),
        ("/dev/null", format!("otsctl: /dev/null is a device, {only_regular}")),
        (
            "sub",
            "otsctl: sub is a directory, not a regular file\n\
             hint: to save the secret in it, name the file: sub/NAME\n"
                .to_owned(),
        ),
    ];
    for (target, stderr) in cases {
        let out = run(otsctl(&dir).args(["get", &link, "-o", target, "--force"]));
        assert_eq!((out.code, out.stderr.as_str()), (2, stderr.as_str()), "{target}");
    }
    assert!(!was_contacted(&listener));
    assert_eq!(entries(&dir), ["afile", "link", "sub"]);
    assert_eq!(std::fs::read(dir.join("afile")).expect("read"), b"keep");
}

/// Regression: when the move failed after the reveal, the temporary file
/// holding the consumed secret was deleted.
#[test]
fn secret_is_kept_when_the_target_breaks_during_the_reveal() {
    let dir = scratch("get-kept");
    let target = dir.join("out");
    let server = fake_otsd::start_hooked(limits(), move |request| {
        if request.path.ends_with("/reveal") {
            // The target becomes a directory while the reveal is in flight.
            let _ = std::fs::remove_file(&target);
            std::fs::create_dir(&target).expect("mkdir");
            std::fs::write(target.join("inside"), b"x").expect("write");
        }
    });
    let link = send(&dir, &server, b"s3cret", &[]);

    let out = run(otsctl(&dir).args(["get", &link, "-o", "out", "--force"]));
    let kept = entries(&dir).into_iter().find(|name| name.starts_with(".out.otsctl-"));
    let kept = kept.expect("the temporary file is kept");
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        format!(
            "otsctl: cannot move the secret into out: is a directory (os error 21)\n\
             hint: the secret is saved in ./{kept}; move it yourself\n"
        )
    );
    assert_eq!(std::fs::read(dir.join(&kept)).expect("read"), b"s3cret");
}

/// Regression: the "appeared" message was shown for our own placeholder.
#[test]
fn target_written_during_the_reveal_is_not_overwritten() {
    let dir = scratch("get-taken");
    let target = dir.join("out");
    let server = fake_otsd::start_hooked(limits(), move |request| {
        if request.path.ends_with("/reveal") {
            std::fs::write(&target, b"someone else").expect("write");
        }
    });
    let link = send(&dir, &server, b"s3cret", &[]);

    let out = run(otsctl(&dir).args(["get", &link, "-o", "out"]));
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "otsctl: out was created or changed by someone else while the secret was being revealed; \
         the secret was saved to ./out-1 instead\n"
    );
    assert_eq!(std::fs::read(dir.join("out")).expect("read"), b"someone else");
    assert_eq!(std::fs::read(dir.join("out-1")).expect("read"), b"s3cret");
    assert_eq!(entries(&dir), ["out", "out-1"]);
}

/// Regression: `get L >&-` and `get L >/dev/null` consumed the secret and
/// exited 0. (The Rust runtime opens /dev/null for a closed stdout, so the
/// two look alike; both are refused before the reveal.)
#[test]
fn stdout_that_leads_nowhere_is_refused_before_the_reveal() {
    let dir = scratch("get-stdout-nowhere");
    let (server, link) = stored(&dir, b"s3cret");
    let refused = "otsctl: stdout is closed or /dev/null, so the secret would be lost\n\
                   hint: write it to a file with -o FILE, or destroy it with otsctl burn\n";

    let closed = run_stdout_closed(&dir, &["get", &link], b"");
    assert_eq!((closed.code, closed.stderr.as_str()), (2, refused));
    let null = run_to(&dir, &["get", &link], b"", Stdio::null());
    assert_eq!((null.code, null.stderr.as_str()), (2, refused));

    assert_eq!(paths(&server), ["/api/v1/config", "/api/v1/secrets"], "nothing was revealed");
    let out = run(otsctl(&dir).args(["get", &link]));
    assert_eq!((out.code, out.stdout.as_slice()), (0, &b"s3cret"[..]));
}

/// Regression: a broken pipe after the reveal exited 0 quietly, and the
/// secret was gone.
#[test]
fn undeliverable_secret_is_an_error() {
    let dir = scratch("get-stdout-broken");
    let (_server, link) = stored(&dir, b"s3cret");
    let out = run_to(&dir, &["get", &link], b"", broken_pipe());
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        format!(
            "otsctl: could not write the secret to stdout: broken pipe (os error 32)\n{CONSUMED}"
        )
    );

    let (server, link) = stored(&dir, b"s3cret");
    let full = std::fs::File::create("/dev/full").expect("open /dev/full");
    let out = run_to(&dir, &["get", &link], b"", Stdio::from(full));
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        format!(
            "otsctl: could not write the secret to stdout: no space left on device (os error 28)\n{CONSUMED}"
        )
    );

    let link = send(&dir, &server, b"twice", &["--views", "2"]);
    let out = run_to(&dir, &["get", &link], b"", broken_pipe());
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            1,
            "otsctl: could not write the secret to stdout: broken pipe (os error 32)\n\
             hint: one view has been used; 1 more view is left\n"
        )
    );
}

#[test]
fn media_type_is_noted() {
    let dir = scratch("get-media-type");
    let server = fake_otsd::start(limits());
    let link = send(&dir, &server, b"{}", &["--media-type", "application/json"]);
    let out = run(otsctl(&dir).args(["get", &link]));
    assert_eq!((out.code, out.stdout.as_slice()), (0, &b"{}"[..]));
    assert_eq!(out.stderr, "note: media type application/json\n");
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

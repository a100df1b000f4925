//! `send` and `get` end to end against the fake otsd: bytes survive exactly,
//! limits are checked before upload, passphrases work.

use std::process::Stdio;

use crate::fake::was_contacted;
use crate::fake_otsd::{self, EXPIRES_AT, ID, limits};
use crate::{broken_pipe, otsctl, run, run_stdout_closed, run_to, scratch};

/// Sends `secret` through stdin; returns the link.
fn send_stdin(dir: &std::path::Path, server: &str, secret: &[u8], extra: &[&str]) -> String {
    let out = run(otsctl(dir).args(["send", "--server", server]).args(extra).write_stdin(secret));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let link = out.stdout_text();
    assert!(link.ends_with('\n'));
    link.trim_end().to_owned()
}

#[test]
fn bytes_round_trip_exactly() {
    let dir = scratch("round-trip");
    let secrets: [&[u8]; 4] = [
        b"hunter2\n",
        b"apiVersion: v1\r\nkind: Config\r\n",
        b"nul\0inside\0",
        "cafe\u{301} \u{1F511}".as_bytes(),
    ];
    for secret in secrets {
        let server = fake_otsd::start(limits());
        let link = send_stdin(&dir, &server.url(), secret, &[]);
        assert!(link.starts_with(&format!("{}/s/{ID}#", server.url())), "{link}");

        let out = run(otsctl(&dir).args(["get", &link]));
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(out.stdout, secret);
        assert_eq!(out.stderr, "");

        let again = run(otsctl(&dir).args(["get", &link]));
        assert_eq!(again.code, 3, "a one-view secret is gone after one read");
    }
}

#[test]
fn trailing_newline_is_kept_with_a_note() {
    let dir = scratch("newline-note");
    let server = fake_otsd::start(limits());
    let out = run(otsctl(&dir).args(["send", "--server", &server.url()]).write_stdin("hunter2\n"));
    assert_eq!(out.code, 0);
    let mut lines = out.stderr.lines();
    assert_eq!(
        lines.next(),
        Some(
            "note: the secret ends with a newline, which is kept; use printf '%s' to send it without"
        )
    );
    let expires = lines.next().expect("expiry line");
    assert!(expires.starts_with(&format!("expires {EXPIRES_AT} (in ")), "{expires}");
    assert!(expires.ends_with("), 1 view"), "{expires}");
    assert_eq!(lines.next(), None);
}

#[test]
fn json_output_and_views() {
    let dir = scratch("json");
    let server = fake_otsd::start(limits());
    let out = run(otsctl(&dir)
        .args(["send", "-q", "--json", "--views", "2", "--ttl", "1h", "--server", &server.url()])
        .write_stdin("s"));
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let link = json["link"].as_str().expect("link").to_owned();
    assert_eq!(json["expires_at"], EXPIRES_AT);
    assert_eq!(json["views"], 2);
    assert!(out.stdout_text().starts_with("{\"link\":"));

    let create = &server.requests()[1];
    let body: serde_json::Value = serde_json::from_slice(&create.body).expect("json");
    assert_eq!((body["ttl_seconds"].as_i64(), body["views"].as_i64()), (Some(3600), Some(2)));

    let first = run(otsctl(&dir).args(["get", &link]));
    assert_eq!((first.code, first.stderr.as_str()), (0, "note: 1 more view left\n"));
    let second = run(otsctl(&dir).args(["get", &link]));
    assert_eq!((second.code, second.stderr.as_str()), (0, ""));
}

#[test]
fn files_keep_their_bytes() {
    let dir = scratch("file");
    let data: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    std::fs::write(dir.join("blob.bin"), &data).expect("write");
    let server = fake_otsd::start(limits());
    let out = run(otsctl(&dir).args(["send", "blob.bin", "--server", &server.url()]));
    assert_eq!(out.code, 0, "{}", out.stderr);

    let got = run(otsctl(&dir).args(["get", out.stdout_text().trim_end()]));
    assert_eq!(got.code, 0, "{}", got.stderr);
    assert_eq!(got.stdout, data);
}

#[test]
fn limits_are_checked_before_upload() {
    let dir = scratch("limits");
    let small = ots_shared::api::ServerConfig { max_envelope_bytes: 2000, ..limits() };
    let cases: [(&[&str], &[u8], i32, &str); 3] = [
        (
            &[],
            &[b'x'; 2200],
            5,
            "otsctl: the secret is too large: at most 1913 bytes fit in the server's limit of 2000 encrypted bytes (max_envelope_bytes)\n",
        ),
        (
            &["--ttl", "8d"],
            b"s",
            2,
            "otsctl: --ttl 8d is longer than the server allows (max_ttl 7d)\n",
        ),
        (
            &["--views", "11"],
            b"s",
            2,
            "otsctl: --views 11 is more than the server allows (max_views 10)\n",
        ),
    ];
    for (args, secret, code, stderr) in cases {
        let server = fake_otsd::start(small.clone());
        let out = run(otsctl(&dir)
            .args(["send", "--server", &server.url()])
            .args(args)
            .write_stdin(secret));
        assert_eq!((out.code, out.stderr.as_str()), (code, stderr), "{args:?}");
        let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
        assert_eq!(paths, ["/api/v1/config"], "nothing is uploaded");
    }
}

#[test]
fn passphrase_is_a_second_factor() {
    let dir = scratch("passphrase");
    std::fs::write(dir.join("right"), "correct horse\r\nsecond line\n").expect("write");
    std::fs::write(dir.join("wrong"), "battery staple\n").expect("write");
    let server = fake_otsd::start(limits());
    let out = run(otsctl(&dir)
        .args(["send", "--server", &server.url(), "--passphrase-env", "OTSCTL_TEST_PASS"])
        .env("OTSCTL_TEST_PASS", "correct horse")
        .write_stdin("s3cret"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let link = out.stdout_text().trim_end().to_owned();
    assert_eq!(link.split_once('#').map(|(_, key)| key.len()), Some(48));

    let wrong = run(otsctl(&dir).args(["get", &link, "--passphrase-file", "wrong"]));
    assert_eq!(wrong.code, 4);
    assert_eq!(
        wrong.stderr,
        "otsctl: wrong key or passphrase; 2 tries left before the secret is destroyed\n"
    );
    let right = run(otsctl(&dir).args(["get", &link, "--passphrase-file", "right"]));
    assert_eq!((right.code, right.stdout.as_slice()), (0, &b"s3cret"[..]), "{}", right.stderr);
}

/// Regression: the passphrase file was read to its end, so a FIFO (or
/// `<(pass show x)`) whose writer stays open hung after the first line.
#[cfg(target_os = "linux")]
#[test]
fn passphrase_file_is_read_up_to_its_first_line() {
    let dir = scratch("passphrase-fifo");
    let fifo = dir.join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success());
    std::fs::write(dir.join("right"), "correct horse\n").expect("write");
    // Opened for reading and writing, Linux does not wait for a reader; the
    // line waits in the pipe, and the write end stays open until the end.
    let mut writer =
        std::fs::OpenOptions::new().read(true).write(true).open(&fifo).expect("open fifo");
    std::io::Write::write_all(&mut writer, b"correct horse\nnot read\n").expect("write fifo");

    let server = fake_otsd::start(limits());
    let out = run(otsctl(&dir)
        .args(["send", "--server", &server.url(), "--passphrase-file", "fifo"])
        .write_stdin("s3cret")
        .timeout(std::time::Duration::from_secs(30)));
    assert_eq!(out.code, 0, "{}", out.stderr);
    drop(writer);
    let link = out.stdout_text().trim_end().to_owned();
    let got = run(otsctl(&dir).args(["get", &link, "--passphrase-file", "right"]));
    assert_eq!((got.code, got.stdout.as_slice()), (0, &b"s3cret"[..]), "{}", got.stderr);
}

/// Regression: `send /dev/zero` read until memory ran out.
#[test]
fn endless_file_stops_at_the_limit() {
    let dir = scratch("dev-zero");
    let server = fake_otsd::start(limits());
    let out = run(otsctl(&dir)
        .args(["send", "/dev/zero", "--server", &server.url()])
        .timeout(std::time::Duration::from_secs(60)));
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            5,
            "otsctl: the secret is too large: at most 63477 bytes fit in the server's limit of 65536 encrypted bytes (max_envelope_bytes)\n"
        )
    );
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/api/v1/config"], "nothing is uploaded");
}

/// Regression: stdin was read to the end before its size was checked.
#[test]
fn huge_stdin_stops_at_the_limit() {
    let dir = scratch("huge-stdin");
    let server = fake_otsd::start(limits());
    let script = r#"head -c 600M /dev/zero | "$0" send --server "$1""#;
    let mut cmd = assert_cmd::Command::new("sh");
    cmd.args(["-c", script, env!("CARGO_BIN_EXE_otsctl"), &server.url()]).current_dir(&dir);
    let out = run(cmd.timeout(std::time::Duration::from_secs(60)));
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            5,
            "otsctl: the secret is too large: at most 63481 bytes fit in the server's limit of 65536 encrypted bytes (max_envelope_bytes)\n"
        )
    );
}

/// Asserts that the fake saw the config, one create, and a burn of it.
fn assert_created_then_burned(server: &crate::fake::FakeServer) {
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    let burn = format!("/api/v1/secrets/{ID}/burn");
    assert_eq!(paths, ["/api/v1/config", "/api/v1/secrets", burn.as_str()]);
}

/// Regression: a link printed into a broken pipe exited 0 quietly, leaving
/// a secret that nobody could read until it expired.
#[test]
fn unprintable_link_burns_the_secret() {
    let dir = scratch("send-broken-pipe");
    let server = fake_otsd::start(limits());
    let args = ["send", "--server", &server.url()];
    let out = run_to(&dir, &args, b"s3cret", broken_pipe());
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            1,
            "otsctl: could not write the link to stdout: broken pipe (os error 32)\n\
             hint: the secret was burned, so it cannot linger without a link; send it again\n"
        )
    );
    assert_created_then_burned(&server);
}

#[test]
fn a_bad_public_url_burns_the_secret() {
    let dir = scratch("send-bad-public-url");
    let server = fake_otsd::start_with_public_url(limits(), "ftp://ots.example.com");
    let out = run(otsctl(&dir).args(["send", "--server", &server.url()]).write_stdin(b"s3cret"));
    assert_eq!(
        (out.code, out.stdout.as_slice(), out.stderr.as_str()),
        (
            1,
            b"".as_slice(),
            "otsctl: the server returned a bad public url: \
             a share link starts with http:// or https://\n\
             hint: the secret was burned, so it cannot linger without a link; send it again\n"
        )
    );
    assert_created_then_burned(&server);
}

#[test]
fn stdout_that_leads_nowhere_is_refused_before_any_request() {
    let dir = scratch("send-stdout-nowhere");
    let (listener, server) = crate::fake::silent_server();
    let refused = "otsctl: stdout is closed or /dev/null, so the link would be lost\n\
                   hint: redirect stdout to a file or a pipe\n";
    let closed = run_stdout_closed(&dir, &["send", "--server", &server], b"s");
    assert_eq!((closed.code, closed.stderr.as_str()), (2, refused));
    let null = run_to(&dir, &["send", "--server", &server], b"s", Stdio::null());
    assert_eq!((null.code, null.stderr.as_str()), (2, refused));
    assert!(!was_contacted(&listener));
}

/// `send -` reads stdin and `get -o -` writes stdout, as without them; a
/// file named `-` is still reachable as `./-`.
#[test]
fn a_dash_means_stdin_and_stdout() {
    let dir = scratch("dash");
    std::fs::write(dir.join("-"), b"from the file").expect("write");
    let server = fake_otsd::start(limits());

    let from_stdin = send_stdin(&dir, &server.url(), b"from stdin", &["-q", "-"]);
    let out = run(otsctl(&dir).args(["get", &from_stdin, "-o", "-"]));
    assert_eq!((out.code, out.stdout.as_slice()), (0, &b"from stdin"[..]), "{}", out.stderr);
    assert_eq!(std::fs::read(dir.join("-")).expect("read"), b"from the file");

    let out = run(otsctl(&dir).args(["send", "-q", "./-", "--server", &server.url()]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    std::fs::remove_file(dir.join("-")).expect("remove");
    let got = run(otsctl(&dir).args(["get", out.stdout_text().trim_end(), "-o", "./-"]));
    assert_eq!((got.code, got.stdout.as_slice()), (0, &b""[..]), "{}", got.stderr);
    assert_eq!(std::fs::read(dir.join("-")).expect("read"), b"from the file");
    assert_eq!(crate::entries(&dir), ["-"]);
}

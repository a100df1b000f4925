//! Argument handling that fails before any request.

use crate::fake::was_contacted;
use crate::{otsctl, run, scratch};

#[test]
fn send_without_a_server_is_a_usage_error() {
    let dir = scratch("no-server");
    let out = run(otsctl(&dir).arg("send").write_stdin("hunter2"));
    assert_eq!(out.code, 2);
    assert_eq!(out.stderr, "otsctl: no server given\nhint: pass --server URL or set OTS_SERVER\n");
    assert!(out.stdout.is_empty());
}

#[test]
fn error_output_ignores_backtrace_settings() {
    let dir = scratch("backtrace");
    let out = run(otsctl(&dir)
        .arg("send")
        .env("RUST_BACKTRACE", "1")
        .env("RUST_LIB_BACKTRACE", "1")
        .write_stdin("hunter2"));
    assert_eq!(out.code, 2);
    assert_eq!(out.stderr, "otsctl: no server given\nhint: pass --server URL or set OTS_SERVER\n");
}

#[test]
fn send_refuses_a_positional_that_is_not_a_file() {
    let dir = scratch("not-a-file");
    let (listener, server) = crate::fake::silent_server();

    let out = run(otsctl(&dir).args(["send", "hunter2", "--server", &server]));
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "otsctl: cannot read hunter2: no such file or directory (os error 2)\n\
         hint: the secret comes from a file, a pipe or a prompt, never from an argument\n"
    );
    assert!(!was_contacted(&listener));
}

#[test]
fn send_refuses_a_directory() {
    let dir = scratch("directory");
    std::fs::create_dir(dir.join("sub")).expect("mkdir");
    let out = run(otsctl(&dir).args(["send", "sub", "--server", "http://127.0.0.1:9"]));
    assert_eq!(out.code, 2);
    assert_eq!(out.stderr, "otsctl: cannot read sub: it is a directory\n");
}

#[test]
fn empty_secret_is_refused_before_any_upload() {
    let dir = scratch("empty");
    let server = crate::fake_otsd::start(crate::fake_otsd::limits());

    let out = run(otsctl(&dir).args(["send", "--server", &server.url()]).write_stdin(""));
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "otsctl: the secret is empty\nhint: pipe the secret in, name a file, or type it at the prompt\n"
    );
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/api/v1/config"], "the limits are read first; nothing is uploaded");
}

/// Regression: a user name and password in the server url were accepted
/// and could end up in messages.
#[test]
fn server_url_with_credentials_is_refused_without_echo() {
    let dir = scratch("credentials");
    let url = "https://alice:hunter2@ots.example";
    let expected =
        "otsctl: the server url must not contain '@': it takes no user name or password\n";
    let flag = run(otsctl(&dir).args(["send", "--server", url]).write_stdin("s"));
    assert_eq!((flag.code, flag.stderr.as_str()), (2, expected));
    let env = run(otsctl(&dir).arg("send").env("OTS_SERVER", url).write_stdin("s"));
    assert_eq!((env.code, env.stderr.as_str()), (2, expected));
}

/// Regression: the message escaped the url twice (`\\u{1b}`).
#[test]
fn invalid_server_url_is_shown_escaped_once() {
    let dir = scratch("bad-url");
    let out = run(otsctl(&dir).args(["send", "--server", "http://a\x1bb"]).write_stdin("s"));
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "otsctl: the server url \"http://a\\u{1b}b\" is not valid: it must be a base url such as https://ots.example\n"
    );
}

/// Regression: the hint suggested `10sec or 10ms`, and ms is refused.
#[test]
fn ttl_hint_suggests_accepted_units() {
    let dir = scratch("ttl-hint");
    let out = run(otsctl(&dir).args(["send", "--ttl", "10"]).write_stdin("s"));
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.starts_with(
            "error: invalid value '10' for '--ttl <DURATION>': use a number and a unit, e.g. 30s, 10m, 1h, 7d\n"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn server_comes_from_the_environment() {
    let dir = scratch("env-server");
    let out = run(otsctl(&dir).arg("send").env("OTS_SERVER", "ftp://x").write_stdin("s"));
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "otsctl: the server url \"ftp://x\" must start with http:// or https://\n"
    );
}

#[test]
fn bad_numbers_and_durations_are_usage_errors() {
    let dir = scratch("bad-numbers");
    for args in [
        &["send", "--views", "0"][..],
        &["send", "--views", "-1"],
        &["send", "--ttl", "0s"],
        &["send", "--ttl", "soon"],
        &["get", "L", "--force"],
        &["completions", "tcsh"],
    ] {
        let out = run(otsctl(&dir).args(args).write_stdin("s"));
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
    }
}

#[test]
fn missing_passphrase_variable_is_a_usage_error() {
    let dir = scratch("passphrase-env");
    let (listener, server) = crate::fake::silent_server();

    let out = run(otsctl(&dir)
        .args(["send", "--server", &server, "--passphrase-env", "OTSCTL_TEST_UNSET"])
        .env_remove("OTSCTL_TEST_UNSET")
        .write_stdin("s"));
    assert_eq!(out.code, 2);
    assert_eq!(out.stderr, "otsctl: the environment variable OTSCTL_TEST_UNSET is not set\n");
    assert!(!was_contacted(&listener));
}

/// Regression: `--passphrase-file /dev/zero` read until memory ran out.
#[test]
fn endless_passphrase_file_is_refused_at_once() {
    let dir = scratch("passphrase-dev-zero");
    let (listener, server) = crate::fake::silent_server();

    let out = run(otsctl(&dir)
        .args(["send", "--server", &server, "--passphrase-file", "/dev/zero"])
        .write_stdin("s")
        .timeout(std::time::Duration::from_secs(60)));
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            2,
            "otsctl: the passphrase in /dev/zero is longer than 4096 bytes\n\
             hint: --passphrase-file takes the passphrase from the file's first line\n"
        )
    );
    assert!(!was_contacted(&listener));
}

#[test]
fn help_lists_the_exit_codes() {
    let dir = scratch("help");
    let out = run(otsctl(&dir).arg("--help"));
    assert_eq!(out.code, 0);
    let text = out.stdout_text();
    assert!(
        text.contains(
            "Exit codes:\n  0  success\n  1  other error (saving or printing the result, unexpected answers)\n"
        ),
        "{text}"
    );
    assert!(text.contains("  7  server or network unavailable\n"), "{text}");
}

//! Argument handling that fails before any request.

use std::net::TcpListener;

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
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let server = format!("http://{}", listener.local_addr().expect("addr"));

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
fn empty_secret_is_refused_before_any_request() {
    let dir = scratch("empty");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let server = format!("http://{}", listener.local_addr().expect("addr"));

    let out = run(otsctl(&dir).args(["send", "--server", &server]).write_stdin(""));
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "otsctl: the secret is empty\nhint: pipe the secret in, name a file, or type it at the prompt\n"
    );
    assert!(!was_contacted(&listener));
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
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let server = format!("http://{}", listener.local_addr().expect("addr"));

    let out = run(otsctl(&dir)
        .args(["send", "--server", &server, "--passphrase-env", "OTSCTL_TEST_UNSET"])
        .env_remove("OTSCTL_TEST_UNSET")
        .write_stdin("s"));
    assert_eq!(out.code, 2);
    assert_eq!(out.stderr, "otsctl: the environment variable OTSCTL_TEST_UNSET is not set\n");
    assert!(!was_contacted(&listener));
}

#[test]
fn help_lists_the_exit_codes() {
    let dir = scratch("help");
    let out = run(otsctl(&dir).arg("--help"));
    assert_eq!(out.code, 0);
    let text = out.stdout_text();
    assert!(text.contains("Exit codes:\n  0  success\n  1  other error"), "{text}");
    assert!(text.contains("  7  server or network unavailable\n"), "{text}");
}

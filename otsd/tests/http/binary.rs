//! The otsd binary: configuration errors, help, and the startup line.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

fn otsd() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_otsd"));
    command.env("RUST_BACKTRACE", "0");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("OTSD_") {
            command.env_remove(name);
        }
    }
    command
}

#[test]
fn an_empty_variable_is_an_error() {
    let output = otsd().env("OTSD_REDIS_URL", "").output().expect("run otsd");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "otsd: OTSD_REDIS_URL is set but empty; unset it or give it a value\n"
    );
}

#[test]
fn an_invalid_variable_is_an_error() {
    let output = otsd().env("OTSD_MAX_TTL", "forever").output().expect("run otsd");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "otsd: --max-ttl (OTSD_MAX_TTL): \"forever\" is not a duration: use a number with s, m, \
         h or d (30s, 10m, 1h, 7d), or a combination like 1h30m\n"
    );
}

#[test]
fn an_unreachable_redis_stops_startup_without_the_password() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let output = otsd()
        .args(["--listen", "127.0.0.1:0", "--redis-url"])
        .arg(format!("redis://:hunter2@127.0.0.1:{port}"))
        .output()
        .expect("run otsd");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected = format!(
        "otsd: redis at 127.0.0.1:{port} is unreachable: Connection refused (os error 111)\n"
    );
    assert_eq!(stderr, expected);
}

#[test]
fn help_documents_every_flag_with_its_variable() {
    let output = otsd().arg("--help").output().expect("run otsd");
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8_lossy(&output.stdout);
    for variable in [
        "OTSD_LISTEN",
        "OTSD_PUBLIC_URL",
        "OTSD_REDIS_URL",
        "OTSD_REDIS_PREFIX",
        "OTSD_MAX_SECRET_BYTES",
        "OTSD_MAX_TTL",
        "OTSD_DEFAULT_TTL",
        "OTSD_MAX_VIEWS",
        "OTSD_MAX_FAILED_PROOFS",
        "OTSD_MEMORY_CAPACITY_BYTES",
        "OTSD_LOG",
    ] {
        assert!(help.contains(&format!("[env: {variable}]")), "{variable} missing:\n{help}");
    }
    assert!(!help.contains("=]"), "help shows an env value:\n{help}");
    assert!(help.contains("[default: 2MiB]"), "{help}");
    assert!(help.contains("at most 365d"), "{help}");
}

#[test]
fn logs_the_bound_address_and_stops_on_sigterm() {
    let mut child =
        otsd().args(["--listen", "127.0.0.1:0"]).stderr(Stdio::piped()).spawn().expect("run otsd");
    let mut stderr = BufReader::new(child.stderr.take().expect("piped"));
    let mut line = String::new();
    let addr = loop {
        line.clear();
        assert!(stderr.read_line(&mut line).expect("read") > 0, "otsd exited early");
        if line.contains("listening") {
            break line.split("addr=").nth(1).expect("addr field").split(' ').next().expect("v");
        }
    };
    assert!(line.contains(" INFO "), "{line}");
    let public_url = format!("public_url=http://{addr}");
    assert!(line.trim_end().ends_with(&public_url), "{line}");
    assert!(!line.contains('\u{1b}'), "no colours on a pipe: {line:?}");

    let pid = child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0));
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).expect("read the rest");
    assert!(rest.contains("shutting down") && rest.contains("stopped"), "{rest}");
}

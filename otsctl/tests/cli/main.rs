//! Tests of the otsctl binary: argument handling, link checks, exit codes,
//! and send/get against a scripted server. Nothing here needs otsd.

mod args;
mod completions;
mod exit_codes;
mod fake;
mod fake_otsd;
mod get;
mod links;
mod send;

use std::path::{Path, PathBuf};
use std::process::Stdio;

/// What a finished run printed and returned.
#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Outcome {
    /// Stdout as text.
    pub fn stdout_text(&self) -> String {
        String::from_utf8(self.stdout.clone()).expect("stdout is UTF-8")
    }
}

/// otsctl with a predictable environment: no server configured, no
/// backtraces, and a scratch working directory.
pub fn otsctl(dir: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("otsctl");
    cmd.env_remove("OTS_SERVER").env("RUST_BACKTRACE", "0").current_dir(dir);
    cmd
}

/// Runs the command to the end.
pub fn run(cmd: &mut assert_cmd::Command) -> Outcome {
    let output = cmd.output().expect("otsctl runs");
    Outcome {
        code: output.status.code().expect("exited normally"),
        stdout: output.stdout,
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// Runs otsctl with `args` and `stdin`, its stdout going to `stdout`
/// (which assert_cmd cannot redirect), and without a server configured.
pub fn run_to(dir: &Path, args: &[&str], stdin: &[u8], stdout: Stdio) -> Outcome {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_otsctl"))
        .args(args)
        .env_remove("OTS_SERVER")
        .env("RUST_BACKTRACE", "0")
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .expect("otsctl starts");
    let mut input = child.stdin.take().expect("stdin is piped");
    // otsctl may exit without reading stdin; that is not this helper's concern.
    let _ = std::io::Write::write_all(&mut input, stdin);
    drop(input);
    let output = child.wait_with_output().expect("otsctl runs");
    Outcome {
        code: output.status.code().expect("exited normally"),
        stdout: Vec::new(),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// A pipe whose reading end is already closed: writing to it fails with
/// EPIPE, as with `otsctl get L | (exec 0<&-; ...)`.
pub fn broken_pipe() -> Stdio {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    Stdio::from(writer)
}

/// Runs otsctl through `sh` with its stdout closed (`>&-`).
pub fn run_stdout_closed(dir: &Path, args: &[&str], stdin: &[u8]) -> Outcome {
    let script = r#"exec "$0" "$@" >&-"#;
    let mut all = vec!["-c", script, env!("CARGO_BIN_EXE_otsctl")];
    all.extend_from_slice(args);
    let mut cmd = assert_cmd::Command::new("sh");
    cmd.args(all).env_remove("OTS_SERVER").env("RUST_BACKTRACE", "0").current_dir(dir);
    run(cmd.write_stdin(stdin))
}

/// A fresh empty directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("otsctl-cli").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// The names in a directory, sorted.
pub fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A well-formed link without passphrase to `base`, for a secret that the
/// fake otsd knows by id (the key is not the one the secret was made with).
pub fn link_to(base: &str) -> String {
    format!("{base}/s/{}#EKurq6urq6urq6urq6urq6urq6urq6urq6urq6urq6ur", fake_otsd::ID)
}

//! Test harness: builds the real binaries once, starts `redis-server` on a
//! free port of its own, starts `otsd` on port 0 and learns its address from
//! its startup line, and runs `otsctl`. Every child process is killed when its
//! guard is dropped, including when a test fails.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, Output, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The two stores every end-to-end test runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Memory,
    Redis,
}

/// Exit codes of otsctl, as documented in the README.
pub mod exit {
    pub const OK: i32 = 0;
    pub const USAGE: i32 = 2;
    pub const NOT_FOUND: i32 = 3;
    pub const WRONG_KEY: i32 = 4;
    pub const TOO_LARGE: i32 = 5;
    pub const UNAVAILABLE: i32 = 7;
}

/// How long any wait for a child process may take before the test fails.
const STARTUP_LIMIT: Duration = Duration::from_secs(60);

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// Builds otsd and otsctl (debug profile) once per test run and returns the
/// directory that holds them. Cargo does not build other packages' binaries
/// for this crate's tests, so the harness asks it to.
fn bin_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "-p", "otsd", "-p", "otsctl"])
            .current_dir(workspace_root())
            .status()
            .expect("run cargo build");
        assert!(status.success(), "building otsd and otsctl failed");
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace_root().join("target"));
        target.join("debug")
    })
}

/// A TCP port that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    listener.local_addr().expect("local addr").port()
}

/// A private redis-server that keeps nothing on disk.
pub struct Redis {
    pub port: u16,
    child: Option<Child>,
}

impl Redis {
    pub fn start() -> Self {
        let mut redis = Self { port: free_port(), child: None };
        redis.spawn();
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Stops the server, as an outage would.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    fn spawn(&mut self) {
        let mut child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be installed (.ci/run installs it)");
        let stdout = child.stdout.take().expect("piped stdout");
        self.child = Some(child);
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains("Ready to accept connections") {
                    let _ = tx.send(());
                }
            }
        });
        rx.recv_timeout(STARTUP_LIMIT).expect("redis-server did not become ready");
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A running otsd, with everything it printed to stderr.
pub struct Otsd {
    pub base: String,
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
}

impl Otsd {
    /// Starts otsd on the given backend with extra arguments.
    pub fn start(backend: Backend, redis: Option<&Redis>, extra: &[&str]) -> Self {
        Self::start_with_env(backend, redis, extra, &[])
    }

    pub fn start_with_env(
        backend: Backend,
        redis: Option<&Redis>,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Self {
        let mut cmd = Command::new(bin_dir().join("otsd"));
        cmd.args(["--listen", "127.0.0.1:0"]).args(extra);
        clear_ots_env(&mut cmd);
        cmd.env("RUST_BACKTRACE", "0").envs(env.iter().copied());
        if backend == Backend::Redis {
            let redis = redis.expect("the redis backend needs a Redis");
            cmd.args(["--redis-url", &redis.url()]);
        }
        let mut child =
            cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("spawn otsd");
        let stderr = child.stderr.take().expect("piped stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let addr = read_log(stderr, Arc::clone(&log));
        let addr = match addr.recv_timeout(STARTUP_LIMIT) {
            Ok(addr) => addr,
            Err(_) => {
                let _ = child.kill();
                panic!("otsd did not start: {:?}", log.lock().expect("log lock"));
            }
        };
        Self { base: format!("http://{addr}"), child, log }
    }

    /// Everything otsd has printed so far.
    pub fn log(&self) -> String {
        self.log.lock().expect("log lock").join("\n")
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().expect("kill -TERM");
        let deadline = Instant::now() + STARTUP_LIMIT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait otsd") {
                return status;
            }
            assert!(Instant::now() < deadline, "otsd did not stop after SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Otsd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Collects otsd's stderr lines and reports the address from the line that
/// announces `listening ... addr=<addr>`.
fn read_log(stderr: ChildStderr, log: Arc<Mutex<Vec<String>>>) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(addr) = field(&line, "addr").filter(|_| line.contains("listening")) {
                let _ = tx.send(addr);
            }
            log.lock().expect("log lock").push(line);
        }
    });
    rx
}

fn field(line: &str, name: &str) -> Option<String> {
    let start = line.find(&format!("{name}="))? + name.len() + 1;
    let value = line[start..].split_whitespace().next()?;
    Some(value.trim_matches('"').to_owned())
}

fn clear_ots_env(cmd: &mut Command) {
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if key.starts_with("OTS_") || key.starts_with("OTSD_") || key == "RUST_LOG" {
            cmd.env_remove(key);
        }
    }
}

/// An otsctl invocation.
pub fn otsctl(args: &[&str]) -> Command {
    let mut cmd = Command::new(bin_dir().join("otsctl"));
    clear_ots_env(&mut cmd);
    cmd.args(args).env("RUST_BACKTRACE", "0").env("NO_COLOR", "1");
    cmd
}

/// Runs otsctl with `stdin` piped in.
pub fn run_with_input(mut cmd: Command, stdin: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn otsctl");
    let mut pipe = child.stdin.take().expect("piped stdin");
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().expect("wait otsctl");
    writer.join().expect("stdin writer");
    out
}

/// Runs otsctl with no input.
pub fn run(mut cmd: Command) -> Output {
    cmd.stdin(Stdio::null()).output().expect("run otsctl")
}

/// `otsctl send` with `secret` on stdin; returns the link.
pub fn send(server: &str, secret: &[u8], args: &[&str]) -> String {
    let mut all = vec!["send", "--server", server];
    all.extend_from_slice(args);
    let out = run_with_input(otsctl(&all), secret);
    assert_success(&out, "otsctl send");
    link_from(&out)
}

/// `otsctl send FILE`; returns the link.
pub fn send_file(server: &str, file: &Path, args: &[&str]) -> String {
    let path = file.to_str().expect("utf-8 path");
    let mut all = vec!["send", "--server", server, path];
    all.extend_from_slice(args);
    let out = run(otsctl(&all));
    assert_success(&out, "otsctl send FILE");
    link_from(&out)
}

/// `otsctl get LINK`.
pub fn get(link: &str) -> Output {
    run(otsctl(&["get", link]))
}

pub fn assert_success(out: &Output, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(exit::OK),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn assert_exit(out: &Output, code: i32, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{what}: stdout {:?}, stderr {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn link_from(out: &Output) -> String {
    let stdout = String::from_utf8(out.stdout.clone()).expect("link is UTF-8");
    let link = stdout.strip_suffix('\n').expect("the link ends with a newline");
    assert!(!link.contains('\n'), "stdout holds only the link: {stdout:?}");
    link.to_owned()
}

/// A scratch directory removed at drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "ots-e2e-{name}-{}-{}",
            std::process::id(),
            free_port()
        ));
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running stack: Redis when the backend needs it, and otsd.
pub struct Stack {
    pub otsd: Otsd,
    pub redis: Option<Redis>,
}

impl Stack {
    pub fn start(backend: Backend, extra: &[&str]) -> Self {
        Self::start_with_env(backend, extra, &[])
    }

    pub fn start_with_env(backend: Backend, extra: &[&str], env: &[(&str, &str)]) -> Self {
        let redis = (backend == Backend::Redis).then(Redis::start);
        let otsd = Otsd::start_with_env(backend, redis.as_ref(), extra, env);
        Self { otsd, redis }
    }

    pub fn base(&self) -> &str {
        &self.otsd.base
    }
}

/// Generates one test per backend from a function taking a [`Backend`].
macro_rules! both_stores {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(#[test] fn $name() { super::$name($crate::harness::Backend::Memory) })*
        }
        mod redis {
            $(#[test] fn $name() { super::$name($crate::harness::Backend::Redis) })*
        }
    };
}
pub(crate) use both_stores;

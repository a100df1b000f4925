//! A throwaway `redis-server` for tests: a free port, no persistence, killed
//! on drop.

use std::io::{BufRead as _, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};

/// A running redis-server that is killed when dropped.
#[derive(Debug)]
pub(crate) struct RedisServer {
    child: Option<Child>,
    port: u16,
}

impl RedisServer {
    /// Starts one on a free port.
    pub(crate) fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("the loopback interface has a free port")
            .port();
        let mut server = Self { child: None, port };
        server.restart();
        server
    }

    /// The URL to reach it.
    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills it (the port stays reserved for [`RedisServer::restart`]).
    pub(crate) fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Already exited is fine: either way it is gone after wait.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Freezes it (SIGSTOP): connections stay open, commands go unanswered.
    pub(crate) fn pause(&self) {
        self.signal("-STOP");
    }

    /// Lets a paused server run again (SIGCONT); it then answers what it was
    /// sent meanwhile.
    pub(crate) fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let child = self.child.as_ref().expect("the server is running");
        let status = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .expect("kill is installed");
        assert!(status.success(), "kill {signal} failed");
    }

    /// Starts it again on the same port, with an empty dataset; returns
    /// once it accepts connections.
    pub(crate) fn restart(&mut self) {
        self.stop();
        let mut child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--dir", "/tmp"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is installed (apt-get install redis-server)");
        let stdout = child.stdout.take().expect("stdout is piped");
        self.child = Some(child);
        wait_until_ready(BufReader::new(stdout));
    }
}

/// Reads redis-server's output until it says it is ready, then keeps
/// draining it in the background so the server never blocks on the pipe.
fn wait_until_ready(mut output: BufReader<std::process::ChildStdout>) {
    let mut line = String::new();
    loop {
        line.clear();
        let read = output.read_line(&mut line).expect("redis-server output is readable");
        assert!(read > 0, "redis-server exited before it was ready");
        if line.contains("Ready to accept connections") {
            break;
        }
    }
    std::thread::spawn(move || std::io::copy(&mut output, &mut std::io::sink()));
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

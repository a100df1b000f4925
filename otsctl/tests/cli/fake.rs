//! A scripted HTTP/1.1 server on 127.0.0.1:0, so the client's side of every
//! answer can be tested without otsd. Each connection carries one request
//! and is closed after the reply.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// A request as the fake server saw it.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub body: Vec<u8>,
}

/// What the fake server answers.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    /// The content-length announced, when it is not the body's: the body
    /// then breaks off when the connection is closed.
    pub length: Option<usize>,
    /// Close the connection without answering at all.
    pub hang_up: bool,
}

impl Reply {
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        Self { status, body: body.into(), length: None, hang_up: false }
    }

    /// An answer that announces `length` bytes but sends only `body`.
    pub fn broken_off(status: u16, body: impl Into<String>, length: usize) -> Self {
        Self { length: Some(length), ..Self::new(status, body) }
    }

    /// No answer: the connection is closed once the request is read.
    pub fn hang_up() -> Self {
        Self { hang_up: true, ..Self::new(0, "") }
    }
}

/// A running fake server; stops when dropped.
pub struct FakeServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<Request>>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeServer {
    /// Serves every request with `handler`.
    pub fn start(handler: impl FnMut(&Request) -> Reply + Send + 'static) -> Self {
        Self::start_with(|_| handler)
    }

    /// Serves every request with the handler `make` builds from the base URL.
    pub fn start_with<H>(make: impl FnOnce(String) -> H) -> Self
    where
        H: FnMut(&Request) -> Reply + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let handler = make(format!("http://{addr}"));
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (stop, seen) = (Arc::clone(&stop), Arc::clone(&seen));
            std::thread::spawn(move || serve(&listener, &stop, &seen, handler))
        };
        Self { addr, stop, seen, thread: Some(thread) }
    }

    /// Answers every request with the same reply.
    pub fn always(reply: Reply) -> Self {
        Self::start(move |_| reply.clone())
    }

    /// The base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The requests served so far.
    pub fn requests(&self) -> Vec<Request> {
        self.seen.lock().expect("lock").clone()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(
    listener: &TcpListener,
    stop: &AtomicBool,
    seen: &Mutex<Vec<Request>>,
    mut handler: impl FnMut(&Request) -> Reply,
) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(mut stream) = stream else { continue };
        let Some(request) = read_request(&stream) else { continue };
        let reply = handler(&request);
        seen.lock().expect("lock").push(request);
        if reply.hang_up {
            continue;
        }
        let head = format!(
            "HTTP/1.1 {} Fake\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            reply.status,
            reply.length.unwrap_or(reply.body.len())
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(reply.body.as_bytes());
    }
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        if header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request { method, path, body })
}

/// A bound listener nobody accepts on, and its `http://` URL: a server that
/// [`was_contacted`] checks was never asked anything.
pub fn silent_server() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    (listener, url)
}

/// Whether anything tried to connect to `listener` (which must not be
/// accepting elsewhere): proof that no request was made.
pub fn was_contacted(listener: &TcpListener) -> bool {
    listener.set_nonblocking(true).expect("nonblocking");
    listener.accept().is_ok()
}

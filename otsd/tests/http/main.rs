//! In-process tests of otsd's HTTP API: the server runs on 127.0.0.1:0 in
//! the test's runtime and stops through a shutdown channel.

mod api;
mod binary;
mod errors;
mod headers;
mod http2;
mod safety;
mod shutdown;
mod support;
mod timeouts;

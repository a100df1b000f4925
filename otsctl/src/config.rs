//! Which server to talk to, and whether the way to it is safe enough.
//!
//! `send` takes the server from `--server` or `OTS_SERVER` (clap reads both);
//! `get`, `status` and `burn` take it from the link, so a recipient needs no
//! configuration at all.

use std::net::IpAddr;

use reqwest::Url;

use crate::error::{Error, Result};
use crate::output;

/// A validated server base URL: http or https, a host, no query or fragment,
/// no trailing slash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerUrl {
    base: String,
    loopback: bool,
    https: bool,
}

impl ServerUrl {
    /// Parses and checks a base URL.
    pub fn parse(text: &str) -> Result<Self> {
        let shown = output::escape(text, 200);
        let url = Url::parse(text)
            .map_err(|e| Error::usage(format!("the server url {shown:?} is not valid: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::usage(format!(
                "the server url {shown:?} must start with http:// or https://"
            )));
        }
        if url.host().is_none() || url.query().is_some() || url.fragment().is_some() {
            return Err(Error::usage(format!(
                "the server url {shown:?} must be a base url such as https://ots.example"
            )));
        }
        let base = url.as_str().trim_end_matches('/').to_owned();
        Ok(Self { base, loopback: is_loopback(&url), https: url.scheme() == "https" })
    }

    /// The base, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.base
    }

    /// An absolute URL for an API path (which starts with `/`).
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Warns on stderr when requests would travel unencrypted beyond this
    /// machine.
    pub fn warn_if_plain_http(&self) {
        if !self.https && !self.loopback {
            output::warn(&format!(
                "{} uses plain http: anyone on the network path can see and replay the requests; use https",
                self.base
            ));
        }
    }
}

/// The server for `send`: the flag (or `OTS_SERVER`), else a usage error.
pub fn resolve(flag: Option<&str>) -> Result<ServerUrl> {
    match flag {
        Some(text) if !text.is_empty() => ServerUrl::parse(text),
        Some(_) => Err(Error::usage("the server url is empty")
            .hint("pass --server URL or set OTS_SERVER to a url such as https://ots.example")),
        None => Err(Error::usage("no server given").hint("pass --server URL or set OTS_SERVER")),
    }
}

/// Whether the URL's host is this machine: `localhost`, 127.0.0.0/8 or ::1.
fn is_loopback(url: &Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loopback(text: &str) -> bool {
        ServerUrl::parse(text).expect(text).loopback
    }

    #[test]
    fn recognises_loopback_hosts() {
        assert!(loopback("http://localhost:8080"));
        assert!(loopback("http://LOCALHOST"));
        assert!(loopback("http://127.0.0.1:1"));
        assert!(loopback("http://127.200.3.4"));
        assert!(loopback("http://[::1]:8080/"));
        assert!(!loopback("http://10.0.0.1"));
        assert!(!loopback("http://ots.example"));
        assert!(!loopback("http://localhost.example.com"));
        assert!(!loopback("http://[::2]"));
    }

    #[test]
    fn normalises_the_base() {
        let url = ServerUrl::parse("https://ots.example/team/").expect("valid");
        assert_eq!(url.as_str(), "https://ots.example/team");
        assert_eq!(url.join("/api/v1/config"), "https://ots.example/team/api/v1/config");
        assert_eq!(
            ServerUrl::parse("https://ots.example").expect("valid").as_str(),
            "https://ots.example"
        );
    }

    #[test]
    fn refuses_non_base_urls() {
        for text in ["ftp://x", "ots.example", "https://x/?a=1", "https://x/#k", "file:///tmp"] {
            let err = ServerUrl::parse(text).expect_err(text);
            assert_eq!(err.exit(), crate::error::Exit::Usage, "{text}");
        }
    }

    #[test]
    fn missing_server_is_a_usage_error_with_a_hint() {
        let err = resolve(None).expect_err("none");
        assert_eq!(
            err.render(),
            "otsctl: no server given\nhint: pass --server URL or set OTS_SERVER\n"
        );
    }
}

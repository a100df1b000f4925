//! Which server to talk to, and whether the way to it is safe enough.
//!
//! `send` takes the server from `--server` or `OTS_SERVER` (clap reads both);
//! `get`, `status` and `burn` take it from the link, so a recipient needs no
//! configuration at all.

use std::net::IpAddr;

use ots_shared::{LinkError, normalize_base};
use reqwest::Url;

use crate::error::{Error, Result};
use crate::output;

/// A validated server base URL: http or https, a host, no user information,
/// query or fragment, no trailing slash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerUrl {
    base: String,
    origin: String,
    loopback: bool,
    https: bool,
}

impl ServerUrl {
    /// Parses and checks a base URL with the same rules as share links.
    pub fn parse(text: &str) -> Result<Self> {
        if text.contains('@') {
            // Whatever follows, a user name or password must not be echoed.
            return Err(Error::usage(
                "the server url must not contain '@': it takes no user name or password",
            ));
        }
        let shown = output::escape(text, 200);
        let base = normalize_base(text).map_err(|err| match err {
            LinkError::BadScheme => Error::usage(format!(
                "the server url \"{shown}\" must start with http:// or https://"
            )),
            _ => Error::usage(format!(
                "the server url \"{shown}\" is not valid: it must be a base url such as https://ots.example"
            )),
        })?;
        let url = Url::parse(&base)
            .map_err(|e| Error::usage(format!("the server url \"{shown}\" is not valid: {e}")))?;
        Ok(Self {
            origin: url.origin().ascii_serialization(),
            loopback: is_loopback(&url),
            https: url.scheme() == "https",
            base,
        })
    }

    /// `scheme://host[:port]`: how messages name the server, without the
    /// path.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The base URL, without a trailing slash (printable ASCII: the
    /// parser allows nothing else).
    pub fn base(&self) -> &str {
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
                self.origin
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
        assert_eq!(url.join(""), "https://ots.example/team");
        assert_eq!(url.join("/api/v1/config"), "https://ots.example/team/api/v1/config");
        assert_eq!(
            ServerUrl::parse("https://ots.example").expect("valid").join(""),
            "https://ots.example"
        );
    }

    #[test]
    fn messages_name_only_scheme_host_and_port() {
        let url = ServerUrl::parse("http://ots.example:8080/team/").expect("valid");
        assert_eq!(url.origin(), "http://ots.example:8080");
        assert_eq!(ServerUrl::parse("https://[::1]/x").expect("valid").origin(), "https://[::1]");
    }

    #[test]
    fn refuses_credentials_without_echoing_them() {
        for text in ["https://user:hunter2@ots.example", "https://hunter2@ots.example/"] {
            let err = ServerUrl::parse(text).expect_err(text);
            assert_eq!(err.exit(), crate::error::Exit::Usage);
            assert_eq!(
                err.render(),
                "otsctl: the server url must not contain '@': it takes no user name or password\n"
            );
        }
    }

    #[test]
    fn invalid_urls_are_escaped_once() {
        let err = ServerUrl::parse("http://a\x1bb\\c").expect_err("control character");
        assert_eq!(
            err.render(),
            "otsctl: the server url \"http://a\\u{1b}b\\c\" is not valid: it must be a base url such as https://ots.example\n"
        );
    }

    #[test]
    fn refuses_non_base_urls() {
        for text in [
            "ftp://x",
            "ots.example",
            "https://x/?a=1",
            "https://x/#k",
            "file:///tmp",
            "https://x:0",
            "https://x:65536",
            "https://x\\y",
            "https://\u{e9}.example",
        ] {
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

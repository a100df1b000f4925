//! The page at `/s/{id}`, for someone who opens a share link in a browser.
//!
//! It consumes nothing and does not repeat the id: it only says how to read
//! the secret with otsctl. Plain HTML without styles or scripts, under a CSP
//! that forbids everything.

use hyper::header::{CONTENT_SECURITY_POLICY, HeaderValue, X_FRAME_OPTIONS};
use hyper::{Response, StatusCode};

use super::response::{Body, with_type};

const CSP: &str = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const PAGE: &str = "<!doctype html>
<html lang=\"en\">
<head>
<meta charset=\"utf-8\">
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">
<meta name=\"referrer\" content=\"no-referrer\">
<title>One-time secret</title>
</head>
<body>
<h1>Someone shared a one-time secret with you</h1>
<p>Opening this page has not revealed or used up the secret. It can be read
only once, and only with the whole link, including the part after the
<code>#</code>, which never reaches this server.</p>
<p>To read it, copy the whole link from where you received it and run:</p>
<pre>otsctl get '&lt;the whole link&gt;'</pre>
<p>If the secret is already gone when you try, someone else read it first,
it expired, or it was burned: tell the sender.</p>
</body>
</html>
";

/// The page, with its extra security headers.
pub(crate) fn page() -> Response<Body> {
    let html = HeaderValue::from_static("text/html; charset=utf-8");
    let mut response = with_type(StatusCode::OK, html, PAGE);
    let headers = response.headers_mut();
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

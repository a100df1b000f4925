//! Maps a path to a route. Routes know their template (for logs) and the
//! methods they accept (for 405 and OPTIONS).

use hyper::Method;
use ots_shared::api::{Action, PATH_CONFIG, PATH_HEALTHZ, PATH_READYZ, PATH_SECRETS};

/// A matched path. Ids are still raw text here; handlers validate them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route<'a> {
    Healthz,
    Readyz,
    Config,
    Create,
    Secret { action: Action, id: &'a str },
    Page { id: &'a str },
}

/// What a route accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Methods {
    /// GET and HEAD (and OPTIONS).
    Read,
    /// POST (and OPTIONS).
    Post,
}

impl Methods {
    /// The `Allow` header value.
    pub(crate) fn allow(self) -> &'static str {
        match self {
            Methods::Read => "GET, HEAD, OPTIONS",
            Methods::Post => "POST, OPTIONS",
        }
    }

    pub(crate) fn accepts(self, method: &Method) -> bool {
        match self {
            Methods::Read => method == Method::GET || method == Method::HEAD,
            Methods::Post => method == Method::POST,
        }
    }
}

/// Template logged for paths that match no route.
pub(crate) const UNKNOWN_TEMPLATE: &str = "<unknown>";

impl Route<'_> {
    /// The path template, safe to log.
    pub(crate) fn template(self) -> &'static str {
        match self {
            Route::Healthz => PATH_HEALTHZ,
            Route::Readyz => PATH_READYZ,
            Route::Config => PATH_CONFIG,
            Route::Create => PATH_SECRETS,
            Route::Secret { action: Action::Status, .. } => "/api/v1/secrets/{id}/status",
            Route::Secret { action: Action::Reveal, .. } => "/api/v1/secrets/{id}/reveal",
            Route::Secret { action: Action::Burn, .. } => "/api/v1/secrets/{id}/burn",
            Route::Page { .. } => "/s/{id}",
        }
    }

    pub(crate) fn methods(self) -> Methods {
        match self {
            Route::Healthz | Route::Readyz | Route::Config | Route::Page { .. } => Methods::Read,
            Route::Create | Route::Secret { .. } => Methods::Post,
        }
    }
}

/// Finds the route for `path` (without the query string).
pub(crate) fn route(path: &str) -> Option<Route<'_>> {
    match path {
        PATH_HEALTHZ => return Some(Route::Healthz),
        PATH_READYZ => return Some(Route::Readyz),
        PATH_CONFIG => return Some(Route::Config),
        PATH_SECRETS => return Some(Route::Create),
        _ => {}
    }
    if let Some(id) = path.strip_prefix("/s/") {
        return single_segment(id).map(|id| Route::Page { id });
    }
    let rest = path.strip_prefix(PATH_SECRETS)?.strip_prefix('/')?;
    let (id, segment) = rest.split_once('/')?;
    let action = Action::ALL.into_iter().find(|action| action.segment() == segment)?;
    single_segment(id).map(|id| Route::Secret { action, id })
}

fn single_segment(text: &str) -> Option<&str> {
    (!text.is_empty() && !text.contains('/')).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(route("/healthz"), Some(Route::Healthz));
        assert_eq!(route("/readyz"), Some(Route::Readyz));
        assert_eq!(route("/api/v1/config"), Some(Route::Config));
        assert_eq!(route("/api/v1/secrets"), Some(Route::Create));
        assert_eq!(
            route("/api/v1/secrets/abc/reveal"),
            Some(Route::Secret { action: Action::Reveal, id: "abc" })
        );
        assert_eq!(
            route("/api/v1/secrets/abc/burn"),
            Some(Route::Secret { action: Action::Burn, id: "abc" })
        );
        assert_eq!(route("/s/abc"), Some(Route::Page { id: "abc" }));
    }

    #[test]
    fn near_misses_are_unknown() {
        for path in [
            "/",
            "/healthz/",
            "/api/v1/secrets/",
            "/api/v1/secrets/abc",
            "/api/v1/secrets/abc/peek",
            "/api/v1/secrets/abc/reveal/",
            "/api/v1/secrets//reveal",
            "/api/v1/secretsabc/reveal",
            "/s/",
            "/s/abc/def",
        ] {
            assert_eq!(route(path), None, "{path}");
        }
    }

    #[test]
    fn templates_hold_no_ids() {
        let secret = Route::Secret { action: Action::Status, id: "abc" };
        assert_eq!(secret.template(), "/api/v1/secrets/{id}/status");
        assert_eq!(Route::Page { id: "abc" }.template(), "/s/{id}");
    }
}

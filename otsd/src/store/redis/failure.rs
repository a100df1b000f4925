//! How fred's errors become the store's kinds of failure, and readable
//! messages.

use fred::prelude::ErrorKind;

use crate::store::StoreError;

/// fred keeps an I/O error as its Debug text, e.g. `Os { code: 111, kind:
/// ConnectionRefused, message: "Connection refused" }`; this gives back what
/// the error's Display would have said. Other text is returned as it is.
pub(super) fn readable(details: &str) -> String {
    let quoted = |field: &str| {
        let rest = details.get(details.find(field)? + field.len()..)?;
        rest.find('"').and_then(|end| rest.get(..end))
    };
    let os_code = details
        .strip_prefix("Os { code: ")
        .and_then(|rest| rest.split(',').next())
        .filter(|code| code.parse::<i32>().is_ok());
    if let (Some(message), Some(code)) = (quoted("message: \""), os_code) {
        return format!("{message} (os error {code})");
    }
    if let Some(message) = quoted("message: \"").or_else(|| quoted("error: \"")) {
        return message.to_owned();
    }
    match details.strip_prefix("Kind(").and_then(|rest| rest.strip_suffix(')')) {
        Some(kind) => words(kind),
        None => details.to_owned(),
    }
}

/// `ConnectionRefused` -> `connection refused`.
fn words(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for (i, c) in camel.char_indices() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Sorts a fred error into the store's kinds of failure, by whether the
/// command can have run: [`StoreError::Unavailable`] only when it certainly
/// did not (refused before it was written, or refused by Redis),
/// [`StoreError::Timeout`] when it was written and its answer is missing.
pub(super) fn classify(err: &fred::error::Error) -> StoreError {
    let details = err.details();
    // Redis answers that mean "not now": the command was refused unrun.
    let refused_by_redis = ["LOADING", "BUSY", "MASTERDOWN", "READONLY", "TRYAGAIN", "CLUSTERDOWN"];
    // fred's own messages for a command that found no connection to go on.
    let never_sent = [
        "Failed to route command",
        "Client is not initialized",
        "Failed to send command to router",
    ];
    // fred's message when it would write a command a second time: it was
    // written once already, on a connection that then failed.
    let written_once = "Too many failed write attempts";
    match err.kind() {
        // No answer in time; the command may have run.
        ErrorKind::Timeout => StoreError::Timeout(err.to_string()),
        // Refused before writing: fail-fast while reconnecting is Canceled.
        ErrorKind::Canceled | ErrorKind::Backpressure | ErrorKind::Routing => {
            StoreError::Unavailable(err.to_string())
        }
        // The connection failed with the command written or being written,
        // so Redis may have run it (and then gone away before answering).
        ErrorKind::IO => StoreError::Timeout(err.to_string()),
        _ if details.contains("OOM command not allowed") => StoreError::Full,
        _ if details.starts_with(written_once) => StoreError::Timeout(err.to_string()),
        _ if refused_by_redis.iter().chain(&never_sent).any(|p| details.starts_with(p)) => {
            StoreError::Unavailable(err.to_string())
        }
        _ => StoreError::Internal(err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_read_as_their_display() {
        let refused = std::io::Error::from_raw_os_error(111);
        let debug = format!("{refused:?}");
        assert_eq!(
            debug,
            "Os { code: 111, kind: ConnectionRefused, message: \"Connection refused\" }"
        );
        assert_eq!(readable(&debug), refused.to_string());
        assert_eq!(readable(&debug), "Connection refused (os error 111)");

        let custom = std::io::Error::other("failed to lookup address information");
        assert_eq!(readable(&format!("{custom:?}")), "failed to lookup address information");
        let kind = std::io::Error::from(std::io::ErrorKind::TimedOut);
        assert_eq!(readable(&format!("{kind:?}")), "timed out");
        assert_eq!(readable("Failed to connect."), "Failed to connect.");
    }

    #[test]
    fn timeouts_and_refusals_are_told_apart() {
        let error = |kind, text: &str| fred::error::Error::new(kind, text.to_owned());
        let late = classify(&error(ErrorKind::Timeout, "Request timed out."));
        assert_eq!(late, StoreError::Timeout("Timeout Error: Request timed out.".to_owned()));
        let refused = classify(&error(ErrorKind::Canceled, "Connection closed unexpectedly."));
        let expected = "Canceled: Connection closed unexpectedly.";
        assert_eq!(refused, StoreError::Unavailable(expected.to_owned()));
        let loading = error(ErrorKind::Unknown, "LOADING Redis is loading the dataset in memory");
        let expected = "Unknown Error: LOADING Redis is loading the dataset in memory";
        assert_eq!(classify(&loading), StoreError::Unavailable(expected.to_owned()));

        // Written, then the connection went: the command may have run.
        let dropped = classify(&error(ErrorKind::IO, "Connection Closed"));
        assert_eq!(dropped, StoreError::Timeout("IO Error: Connection Closed".to_owned()));
        let again = classify(&error(ErrorKind::Unknown, "Too many failed write attempts."));
        let expected = "Unknown Error: Too many failed write attempts.";
        assert_eq!(again, StoreError::Timeout(expected.to_owned()));
        let full = error(ErrorKind::Unknown, "OOM command not allowed when used memory > 'x'.");
        assert_eq!(classify(&full), StoreError::Full);
    }
}

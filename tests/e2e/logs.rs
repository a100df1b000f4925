//! At the most verbose log level, otsd's output never holds the key, the
//! proof, the verifier, the plaintext or the id of a secret it handled.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ots_shared::ShareLink;

use crate::harness::{Backend, Stack, assert_success, both_stores, get, otsctl, run, send};

both_stores!(nothing_secret_in_trace_logs);

const PLAINTEXT: &str = "plaintext-canary-7f3a9c";

fn nothing_secret_in_trace_logs(backend: Backend) {
    let stack = Stack::start_with_env(backend, &[], &[("OTSD_LOG", "trace")]);
    let base = stack.base();

    let read_link = send(base, PLAINTEXT.as_bytes(), &["--views", "2"]);
    assert_success(&run(otsctl(&["status", &read_link])), "status");
    assert_success(&get(&read_link), "get");
    let burn_link = send(base, PLAINTEXT.as_bytes(), &[]);
    assert_success(&run(otsctl(&["burn", &burn_link])), "burn");
    let wrong = format!("{}A", &burn_link[..burn_link.len() - 1]);
    let _ = get(&wrong);

    let log = stack.otsd.log();
    assert!(log.lines().count() > 5, "trace logging produced output: {log}");
    for link in [&read_link, &burn_link] {
        for (what, needle) in secrets_of(link) {
            assert!(!log.contains(&needle), "otsd logged the {what}:\n{log}");
        }
    }
    assert!(!log.contains(PLAINTEXT), "otsd logged the plaintext");
}

/// Every text form of a link's secrets that could end up in a log.
fn secrets_of(link: &str) -> Vec<(&'static str, String)> {
    let parsed = ShareLink::parse(link).expect("link");
    let keys = parsed.fragment().derive(None).expect("derive");
    let proof = keys.proof().expose();
    let verifier = keys.proof().verifier();
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    vec![
        ("id", parsed.id().as_str().to_owned()),
        ("key", parsed.fragment().encode()),
        ("proof", URL_SAFE_NO_PAD.encode(proof)),
        ("proof (hex)", hex(proof)),
        ("verifier", URL_SAFE_NO_PAD.encode(verifier.as_bytes())),
        ("verifier (hex)", hex(verifier.as_bytes())),
    ]
}

//! A mangled link is refused without consuming anything, and the secret is
//! burned after the configured number of wrong tries.

use crate::harness::{
    Backend, Stack, assert_exit, assert_success, both_stores, exit, get, otsctl, run_with_input,
    send,
};

both_stores!(changed_last_character, malformed_link_never_reaches_server, wrong_base_path);

/// The same link with its last character replaced.
fn mangle(link: &str) -> String {
    let mut out = link.to_owned();
    let last = out.pop().expect("non-empty link");
    out.push(if last == 'A' { 'B' } else { 'A' });
    out
}

fn changed_last_character(backend: Backend) {
    let stack = Stack::start(backend, &["--max-failed-proofs", "3"]);

    let link = send(stack.base(), b"still here", &[]);
    let out = get(&mangle(&link));
    assert_exit(&out, exit::WRONG_KEY, "mangled link");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("2 tries left"), "{stderr}");
    let out = get(&link);
    assert_success(&out, "right link after a wrong one");
    assert_eq!(out.stdout, b"still here");

    let link = send(stack.base(), b"doomed", &[]);
    for _ in 0..3 {
        assert_exit(&get(&mangle(&link)), exit::WRONG_KEY, "wrong try");
    }
    assert_exit(&get(&link), exit::NOT_FOUND, "burned after three wrong tries");
}

fn malformed_link_never_reaches_server(backend: Backend) {
    let stack = Stack::start(backend, &[]);
    let link = send(stack.base(), b"intact", &[]);
    for bad in [&link[..link.len() - 3], &format!("{link}+"), link.split('#').next().unwrap_or("")]
    {
        let out = get(bad);
        assert_exit(&out, exit::USAGE, "malformed link");
        assert!(String::from_utf8_lossy(&out.stderr).starts_with("otsctl: "));
    }
    let out = get(&link);
    assert_success(&out, "the secret was not touched");
    assert_eq!(out.stdout, b"intact");
}

/// A link whose base path does not lead to otsd's API is a usage error, not
/// a secret reported gone, and the secret is untouched.
fn wrong_base_path(backend: Backend) {
    let stack = Stack::start(backend, &[]);
    let link = send(stack.base(), b"misaddressed", &[]);
    let elsewhere = link.replacen("/s/", "/team/s/", 1);
    let out = get(&elsewhere);
    assert_exit(&out, exit::USAGE, "wrong base path");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "otsctl: the server has no such path: the link's base URL does not lead to otsd's API\n"
    );
    let out = get(&link);
    assert_success(&out, "the secret is still there");
    assert_eq!(out.stdout, b"misaddressed");

    let server = format!("{}/team", stack.base());
    let out = run_with_input(otsctl(&["send", "--server", &server]), b"unsent");
    assert_exit(&out, exit::USAGE, "send to a wrong base path");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "otsctl: the server url {server} does not lead to otsd's api (no /api/v1/config under \
             it)\nhint: check the server url\n"
        )
    );
}

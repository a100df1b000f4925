//! Malformed links fail with exit 2 before any request is made.

use crate::fake::was_contacted;
use crate::{link_to, otsctl, run, scratch};

#[test]
fn malformed_links_never_reach_the_network() {
    let dir = scratch("malformed");
    let (listener, base) = crate::fake::silent_server();
    let good = link_to(&base);
    let (location, key) = good.split_once('#').expect("has #");

    let cases = [
        (location.to_owned(), "the link has no '#' followed by a key"),
        (format!("{location}#{}", &key[..40]), "the key after '#' is truncated: 40 of 44"),
        (format!("{location}#{}|", &key[..43]), "the key after '#' contains '|'"),
        (format!("{good}A"), "the key after '#' is too long"),
        (good.replace("/s/", "/x/"), "not a share link"),
        ("hunter2".to_owned(), "not a share link: expected <server>/s/<id>#<key>"),
        (good.replace("/s/AAEC", "/s/AAE"), "the link's id is malformed"),
    ];
    for command in ["get", "status", "burn"] {
        for (link, message) in &cases {
            let out = run(otsctl(&dir).args([command, link.as_str()]));
            assert_eq!(out.code, 2, "{command} {link}: {}", out.stderr);
            assert!(
                out.stderr.starts_with(&format!("otsctl: the link is not valid: {message}")),
                "{command} {link}: {}",
                out.stderr
            );
            assert!(out.stdout.is_empty());
        }
    }
    assert!(!was_contacted(&listener), "a malformed link made a request");
}

#[test]
fn error_messages_never_repeat_the_key() {
    let dir = scratch("no-key-echo");
    let good = link_to("http://127.0.0.1:9");
    let key = good.split_once('#').expect("has #").1;
    let out = run(otsctl(&dir).args(["get", &format!("{good}!x")]));
    assert_eq!(out.code, 2);
    assert!(!out.stderr.contains(&key[4..]), "{}", out.stderr);
}

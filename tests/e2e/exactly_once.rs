//! A one-view secret is revealed to exactly one of many racing readers, and
//! an N-view secret to exactly N.

use std::process::Stdio;

use crate::harness::{Backend, Stack, both_stores, exit, otsctl, send};

both_stores!(one_view_fifty_readers, three_views_fifty_readers);

/// Starts `readers` concurrent `otsctl get` processes and counts outcomes.
fn race(link: &str, readers: usize) -> (usize, usize, Vec<Vec<u8>>) {
    let children: Vec<_> = (0..readers)
        .map(|_| {
            otsctl(&["get", link])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn otsctl get")
        })
        .collect();
    let (mut ok, mut gone, mut secrets) = (0, 0, Vec::new());
    for child in children {
        let out = child.wait_with_output().expect("wait");
        match out.status.code() {
            Some(exit::OK) => {
                ok += 1;
                secrets.push(out.stdout);
            }
            Some(exit::NOT_FOUND) => gone += 1,
            other => panic!("unexpected exit {other:?}: {}", String::from_utf8_lossy(&out.stderr)),
        }
    }
    (ok, gone, secrets)
}

fn one_view_fifty_readers(backend: Backend) {
    let stack = Stack::start(backend, &[]);
    let link = send(stack.base(), b"only once", &[]);
    let (ok, gone, secrets) = race(&link, 50);
    assert_eq!((ok, gone), (1, 49));
    assert_eq!(secrets, vec![b"only once".to_vec()]);
}

fn three_views_fifty_readers(backend: Backend) {
    let stack = Stack::start(backend, &[]);
    let link = send(stack.base(), b"thrice", &["--views", "3"]);
    let (ok, gone, secrets) = race(&link, 50);
    assert_eq!((ok, gone), (3, 47));
    assert!(secrets.iter().all(|s| s == b"thrice"));
}

//! Limits and shutdown: oversize secrets are refused before upload, a full
//! memory store refuses new secrets without evicting old ones, and SIGTERM
//! stops otsd cleanly.

use crate::harness::{
    Backend, Scratch, Stack, assert_exit, assert_success, both_stores, exit, get, otsctl, run,
    run_with_input, send,
};

both_stores!(sigterm_exits_cleanly, too_large_is_refused_before_upload);

fn sigterm_exits_cleanly(backend: Backend) {
    let stack = Stack::start(backend, &[]);
    let link = send(stack.base(), b"x", &[]);
    assert_success(&get(&link), "get");
    let Stack { otsd, redis } = stack;
    let status = otsd.terminate();
    assert_eq!(status.code(), Some(0), "otsd exits 0 on SIGTERM");
    drop(redis);
}

fn too_large_is_refused_before_upload(backend: Backend) {
    let stack = Stack::start(backend, &["--max-secret-bytes", "16KiB"]);
    let dir = Scratch::new("too-large");
    let path = dir.0.join("big.bin");
    std::fs::write(&path, vec![1u8; 20 * 1024]).expect("write");
    let path = path.to_str().expect("utf-8");
    let out = run(otsctl(&["send", "--server", stack.base(), path]));
    assert_exit(&out, exit::TOO_LARGE, "oversize file");
    assert!(out.stdout.is_empty());
}

#[test]
fn full_memory_store_evicts_nothing() {
    let stack = Stack::start(
        Backend::Memory,
        &["--memory-capacity-bytes", "8KiB", "--max-secret-bytes", "4KiB"],
    );
    let mut links = Vec::new();
    let refused = loop {
        let out = run_with_input(otsctl(&["send", "--server", stack.base()]), b"fill");
        if out.status.code() != Some(exit::OK) {
            break out;
        }
        links.push(String::from_utf8(out.stdout).expect("utf-8").trim_end().to_owned());
        assert!(links.len() < 8, "an 8 KiB store took {} secrets of about 1.1 KiB", links.len());
    };
    assert_exit(&refused, exit::UNAVAILABLE, "store full");
    assert_eq!(
        String::from_utf8_lossy(&refused.stderr),
        "otsctl: the server's store is full; nothing was stored\nhint: try again later\n"
    );
    assert!(!links.is_empty());
    for link in links {
        let out = get(&link);
        assert_success(&out, "secrets stored before the store filled up");
        assert_eq!(out.stdout, b"fill");
    }
}

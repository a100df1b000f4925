//! What goes in comes out, byte for byte, checked by SHA-256.

use sha2::{Digest, Sha256};

use crate::harness::{Backend, Scratch, Stack, assert_success, both_stores, get, send, send_file};

both_stores!(files_round_trip_byte_exact, piped_newline_is_kept, get_writes_file, link_from_stdin);

const ED25519_KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACDl8x5mbwR6t8Y1d3w0G2aV2bT0pY4aVq8QeG7w2XJ0hQAAAJgB3Z8cAd2f
HAAAAAtzc2gtZWQyNTUxOQAAACDl8x5mbwR6t8Y1d3w0G2aV2bT0pY4aVq8QeG7w2XJ0hQ
AAAEBbF0Qm8w3Ht0x1Q7b8mKqf1R2kX0uY1dA6s5Vv3JrD6OXzHmZvBHq3xjV3fDQbZpXZ
tPSljhpWrxB4bvDZcnSFAAAAEHRlc3RAZXhhbXBsZS5jb20BAgMEBQ==
-----END OPENSSH PRIVATE KEY-----
";

fn kubeconfig_crlf() -> Vec<u8> {
    let yaml = "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://10.0.0.1:6443\n  name: prod\nusers:\n- name: admin\n  user:\n    token: eyJhbGciOiJSUzI1NiJ9.c2VjcmV0.sig\n";
    yaml.replace('\n', "\r\n").into_bytes()
}

fn samples() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("id_ed25519", ED25519_KEY.as_bytes().to_vec()),
        ("kubeconfig.yaml", kubeconfig_crlf()),
        (
            ".env",
            b"DATABASE_URL=postgres://app:s3cr=t@db/app\nAPI_TOKEN=\"abc def\"\n# c\n".to_vec(),
        ),
        ("all-bytes.bin", (0..1024 * 1024).map(|i| (i % 256) as u8).collect()),
        ("unicode.txt", "caf\u{65}\u{301} \u{1f510} \u{4e2d}\u{6587}\n".as_bytes().to_vec()),
    ]
}

fn sha(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn files_round_trip_byte_exact(backend: Backend) {
    let stack = Stack::start(backend, &[]);
    let dir = Scratch::new("roundtrip");
    for (name, bytes) in samples() {
        let path = dir.0.join(name);
        std::fs::write(&path, &bytes).expect("write sample");
        let out = get(&send_file(stack.base(), &path, &[]));
        assert_success(&out, name);
        assert_eq!(out.stdout.len(), bytes.len(), "{name}: length");
        assert_eq!(sha(&out.stdout), sha(&bytes), "{name}: sha-256");

        let out = get(&send(stack.base(), &bytes, &[]));
        assert_success(&out, name);
        assert_eq!(sha(&out.stdout), sha(&bytes), "{name} piped: sha-256");
    }
}

fn piped_newline_is_kept(backend: Backend) {
    let stack = Stack::start(backend, &[]);
    let out = get(&send(stack.base(), b"hunter2\n", &[]));
    assert_success(&out, "get");
    assert_eq!(out.stdout, b"hunter2\n");
    assert_eq!(out.stdout.len(), 8);

    let out = get(&send(stack.base(), b"a\x00b\r\n", &[]));
    assert_eq!(out.stdout, b"a\x00b\r\n");
}

fn get_writes_file(backend: Backend) {
    let stack = Stack::start(backend, &[]);
    let dir = Scratch::new("get-o");
    let target = dir.0.join("out.bin");
    let link = send(stack.base(), b"\x00\x01secret\xff", &[]);
    let target_str = target.to_str().expect("utf-8");
    let out = crate::harness::run(crate::harness::otsctl(&["get", &link, "-o", target_str]));
    assert_success(&out, "get -o");
    assert!(out.stdout.is_empty(), "nothing on stdout with -o");
    assert_eq!(std::fs::read(&target).expect("read output"), b"\x00\x01secret\xff");

    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(&target).expect("metadata").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

/// `-` for LINK reads the link from stdin, keeping the key out of argv.
fn link_from_stdin(backend: Backend) {
    use crate::harness::{assert_exit, exit, otsctl, run_with_input};

    let stack = Stack::start(backend, &[]);
    let link = send(stack.base(), b"kept out of argv", &["--views", "2"]);
    let piped = format!("  {link}\n");
    let out = run_with_input(otsctl(&["status", "--json", "-"]), piped.as_bytes());
    assert_success(&out, "status -");
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(status["views_left"], 2);

    let out = run_with_input(otsctl(&["get", "-"]), piped.as_bytes());
    assert_success(&out, "get -");
    assert_eq!(out.stdout, b"kept out of argv");

    let out = run_with_input(otsctl(&["burn", "-"]), link.as_bytes());
    assert_success(&out, "burn - (no newline)");
    assert_exit(&run_with_input(otsctl(&["get", "-"]), piped.as_bytes()), exit::NOT_FOUND, "gone");

    let out = run_with_input(otsctl(&["get", "-"]), b"");
    assert_exit(&out, exit::USAGE, "empty stdin");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "otsctl: standard input holds no link\n");

    let mut cmd = otsctl(&["send", "--server", stack.base(), "--passphrase-env", "E2E_PASS"]);
    cmd.env("E2E_PASS", "sesame");
    let out = run_with_input(cmd, b"guarded");
    assert_success(&out, "send with a passphrase");
    let link = String::from_utf8(out.stdout).expect("utf-8").trim_end().to_owned();
    for path in ["/dev/stdin", "-"] {
        let cmd = otsctl(&["get", "-", "--passphrase-file", path]);
        let out = run_with_input(cmd, format!("{link}\nsesame\n").as_bytes());
        assert_exit(&out, exit::USAGE, "link and passphrase both on stdin");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "otsctl: the link and the passphrase cannot both come from standard input\nhint: give \
             the passphrase with --passphrase-env VAR or a --passphrase-file of its own\n"
        );
    }
    let mut cmd = otsctl(&["get", "-", "--passphrase-env", "E2E_PASS"]);
    cmd.env("E2E_PASS", "sesame");
    let out = run_with_input(cmd, link.as_bytes());
    assert_success(&out, "get - with the passphrase from the environment");
    assert_eq!(out.stdout, b"guarded");
}

//! The protocol test vectors in `testdata/`: this test walks every file and
//! checks this implementation against it, and checks that the files are
//! exactly what the generator below produces (run with
//! `OTS_UPDATE_VECTORS=1` to rewrite them after a deliberate change).
//!
//! Envelope vectors (`testdata/envelope/*.json`) give a link fragment, an
//! optional passphrase and an envelope, with the derived proof, verifier and
//! payload key, and either the decrypted content or the error a decoder must
//! report. Link vectors (`testdata/links.json`) give pasted link text and the
//! parse result or error. Other implementations (the browser page, later)
//! walk the same files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use ots_shared::envelope::{EnvelopeError, Header, padded_len};
use ots_shared::{
    Argon2Params, Content, ContentKind, DerivedKeys, Envelope, Fragment, LinkError, LinkKey,
    Passphrase, SecretBytes, SecretId, ShareLink,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EnvelopeVector {
    description: String,
    fragment: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    passphrase: Option<String>,
    proof: String,
    verifier: String,
    payload_key: String,
    envelope: String,
    expect: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    content: Option<ContentVector>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContentVector {
    kind: String,
    name: String,
    media_type: String,
    data_hex: String,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkVector {
    description: String,
    link: String,
    expect: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    base: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fragment: Option<String>,
}

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("test vector hex"))
        .collect()
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).expect("test vector base64url")
}

fn envelope_code(err: &EnvelopeError) -> &'static str {
    match err {
        EnvelopeError::Truncated => "truncated",
        EnvelopeError::BadMagic => "bad_magic",
        EnvelopeError::UnsupportedVersion(_) => "unsupported_version",
        EnvelopeError::ReservedFlags(_) => "reserved_flags",
        EnvelopeError::BadParams => "bad_params",
        EnvelopeError::DecryptionFailed => "decryption_failed",
        EnvelopeError::MalformedPayload(_) => "malformed_payload",
        EnvelopeError::InvalidName(_) => "invalid_name",
        EnvelopeError::InvalidMediaType(_) => "invalid_media_type",
        EnvelopeError::TooLarge => "too_large",
    }
}

fn link_code(err: &LinkError) -> &'static str {
    match err {
        LinkError::Empty => "empty",
        LinkError::MissingFragment => "missing_fragment",
        LinkError::MissingKey => "missing_key",
        LinkError::NotShareLink => "not_share_link",
        LinkError::BadScheme => "bad_scheme",
        LinkError::BadBase => "bad_base",
        LinkError::BadId(_) => "bad_id",
        LinkError::ForeignChar(_) => "foreign_char",
        LinkError::Truncated { .. } => "truncated",
        LinkError::TooLong { .. } => "too_long",
        LinkError::Garbled => "garbled",
        LinkError::UnsupportedVersion(_) => "unsupported_version",
        LinkError::UnknownFlags => "unknown_flags",
        LinkError::BadParams => "bad_params",
    }
}

fn kind_name(kind: ContentKind) -> &'static str {
    match kind {
        ContentKind::Text => "text",
        ContentKind::File => "file",
    }
}

// ---- walking ---------------------------------------------------------------

fn check_envelope_vector(name: &str, v: &EnvelopeVector) {
    let fragment = Fragment::parse(&v.fragment).expect(name);
    let passphrase = v.passphrase.clone().map(Passphrase::new);
    let keys = fragment.derive(passphrase.as_ref()).expect(name);
    assert_eq!(hex(keys.proof().expose()), v.proof, "{name}: proof");
    assert_eq!(hex(keys.proof().verifier().as_bytes()), v.verifier, "{name}: verifier");
    assert_eq!(hex(keys.payload_key()), v.payload_key, "{name}: payload key");

    let opened =
        Envelope::from_bytes(unb64(&v.envelope)).and_then(|env| env.open(&keys, fragment.header()));
    match (v.expect.as_str(), opened) {
        ("ok", Ok(content)) => {
            let want = v.content.as_ref().expect("ok vectors carry content");
            assert_eq!(kind_name(content.kind), want.kind, "{name}: kind");
            assert_eq!(content.name, want.name, "{name}: name");
            assert_eq!(content.media_type, want.media_type, "{name}: media type");
            assert_eq!(hex(content.data.expose()), want.data_hex, "{name}: data");
        }
        ("reject", Err(err)) => {
            assert_eq!(Some(envelope_code(&err)), v.error.as_deref(), "{name}: error");
        }
        (expect, got) => panic!("{name}: expected {expect}, got {got:?}"),
    }
}

fn check_link_vector(v: &LinkVector) {
    let name = &v.description;
    match (v.expect.as_str(), ShareLink::parse(&v.link)) {
        ("ok", Ok(link)) => {
            assert_eq!(Some(link.base()), v.base.as_deref(), "{name}: base");
            assert_eq!(Some(link.id().as_str()), v.id.as_deref(), "{name}: id");
            assert_eq!(Some(link.fragment().encode()), v.fragment, "{name}: fragment");
        }
        ("reject", Err(err)) => {
            assert_eq!(Some(link_code(&err)), v.error.as_deref(), "{name}: error");
        }
        (expect, got) => panic!("{name}: expected {expect}, got {got:?}"),
    }
}

#[test]
fn walk_envelope_vectors() {
    let mut seen = 0;
    for entry in std::fs::read_dir(testdata().join("envelope")).expect("testdata/envelope") {
        let path = entry.expect("dir entry").path();
        let text = std::fs::read_to_string(&path).expect("read vector");
        let vector: EnvelopeVector = serde_json::from_str(&text).expect("vector json");
        check_envelope_vector(&path.display().to_string(), &vector);
        seen += 1;
    }
    assert_eq!(seen, envelope_cases().len());
}

#[test]
fn walk_link_vectors() {
    let text = std::fs::read_to_string(testdata().join("links.json")).expect("links.json");
    let vectors: Vec<LinkVector> = serde_json::from_str(&text).expect("links json");
    assert_eq!(vectors.len(), link_cases().len());
    vectors.iter().for_each(check_link_vector);
}

#[test]
fn vectors_are_current() {
    let mut files = BTreeMap::new();
    for (name, vector) in envelope_cases() {
        let json = serde_json::to_string_pretty(&vector).expect("serialize") + "\n";
        files.insert(format!("envelope/{name}.json"), json);
    }
    let links = serde_json::to_string_pretty(&link_cases()).expect("serialize") + "\n";
    files.insert("links.json".to_owned(), links);

    let update = std::env::var_os("OTS_UPDATE_VECTORS").is_some();
    for (name, want) in &files {
        let path = testdata().join(name);
        if update {
            std::fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
            std::fs::write(&path, want).expect("write vector");
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(&have == want, "{name} is stale; run with OTS_UPDATE_VECTORS=1 and review");
    }
}

// ---- generating --------------------------------------------------------------

/// Argon2id parameters cheap enough for test vectors (1 MiB, 1 pass, 1 lane).
const CHEAP: Argon2Params = Argon2Params { m_log2: 10, t: 1, p: 1 };
const NONCE: [u8; 24] = *b"ots-test-vector-nonce-24";

/// How one vector is made: seal honestly, or encrypt hand-made payload bytes,
/// then optionally damage the envelope or present another fragment.
/// A passphrase and the Argon2id parameters it is stretched with.
type Pass = Option<(&'static str, Argon2Params)>;

struct Case {
    key: [u8; 32],
    passphrase: Pass,
    sealed: Sealed,
    damage: fn(&mut Vec<u8>),
    /// Fragment and passphrase the recipient presents, when not the sender's.
    present: Option<([u8; 32], Pass)>,
    expect: Result<(), &'static str>,
}

enum Sealed {
    Content(fn() -> Content),
    RawPayload(fn() -> Vec<u8>),
}

fn no_damage(_: &mut Vec<u8>) {}

fn ok(key: u8, sealed: Sealed) -> Case {
    Case {
        key: [key; 32],
        passphrase: None,
        sealed,
        damage: no_damage,
        present: None,
        expect: Ok(()),
    }
}

fn bad(sealed: Sealed, damage: fn(&mut Vec<u8>), error: &'static str) -> Case {
    Case { key: [0x42; 32], passphrase: None, sealed, damage, present: None, expect: Err(error) }
}

fn short_text() -> Content {
    Content::text(SecretBytes::new(b"hunter2\n".to_vec()))
}

/// A payload with every field set by hand: kind, name, media type, data,
/// and an explicit padded length and padding byte.
fn raw_payload(
    kind: u8,
    name: &[u8],
    media: &[u8],
    data: &[u8],
    pad_to: usize,
    pad: u8,
) -> Vec<u8> {
    let mut out = vec![kind, name.len() as u8];
    out.extend_from_slice(name);
    out.push(media.len() as u8);
    out.extend_from_slice(media);
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(data);
    out.resize(pad_to, pad);
    out
}

fn envelope_cases() -> Vec<(&'static str, EnvelopeVector)> {
    use Sealed::{Content as C, RawPayload as R};
    let params = Some(("correct horse battery staple", CHEAP));
    let cases: Vec<(&str, &str, Case)> = vec![
        ("ok-text", "a text secret with a trailing newline", ok(0x01, C(short_text))),
        (
            "ok-empty-text",
            "an empty text secret (the CLI refuses these, the format does not)",
            ok(0x02, C(|| Content::text(SecretBytes::default()))),
        ),
        (
            "ok-file",
            "a file secret with a name and media type",
            ok(
                0x03,
                C(|| {
                    Content::file(
                        "id_ed25519",
                        SecretBytes::new(
                            b"-----BEGIN OPENSSH PRIVATE KEY-----\r\n\x00\xff".to_vec(),
                        ),
                    )
                    .with_media_type("application/x-pem-file")
                }),
            ),
        ),
        (
            "ok-padme",
            "1500 bytes: padded to 1536 by the Padme rule",
            ok(
                0x04,
                C(|| {
                    Content::text(SecretBytes::new((0..1500u32).map(|i| (i % 251) as u8).collect()))
                }),
            ),
        ),
        (
            "ok-unicode",
            "UTF-8 with an emoji and a decomposed accent, kept as is",
            ok(
                0x05,
                C(|| Content::text(SecretBytes::new("cafe\u{301} \u{1f511}".as_bytes().to_vec()))),
            ),
        ),
        (
            "ok-passphrase",
            "a passphrase-protected secret (cheap Argon2id parameters)",
            Case { passphrase: params, ..ok(0x06, C(short_text)) },
        ),
        (
            "ok-passphrase-default-params",
            "a passphrase-protected secret with the default Argon2id parameters",
            Case {
                passphrase: Some(("pässwörd", Argon2Params::DEFAULT)),
                ..ok(0x07, C(short_text))
            },
        ),
        (
            "reject-wrong-key",
            "the recipient presents another key",
            Case {
                present: Some(([0x43; 32], None)),
                ..bad(C(short_text), no_damage, "decryption_failed")
            },
        ),
        (
            "reject-wrong-passphrase",
            "the recipient presents the wrong passphrase",
            Case {
                passphrase: params,
                present: Some(([0x42; 32], Some(("correct horse battery stapler", CHEAP)))),
                ..bad(C(short_text), no_damage, "decryption_failed")
            },
        ),
        (
            "reject-header-mismatch",
            "the link says no passphrase, the envelope says one",
            Case {
                passphrase: params,
                present: Some(([0x42; 32], None)),
                ..bad(C(short_text), no_damage, "decryption_failed")
            },
        ),
        (
            "reject-flipped-ciphertext",
            "one ciphertext bit flipped",
            bad(
                C(short_text),
                |e| {
                    let n = e.len() - 40;
                    e[n] ^= 0x01;
                },
                "decryption_failed",
            ),
        ),
        (
            "reject-flipped-tag",
            "one tag bit flipped",
            bad(
                C(short_text),
                |e| {
                    let n = e.len() - 1;
                    e[n] ^= 0x80;
                },
                "decryption_failed",
            ),
        ),
        (
            "reject-flipped-nonce",
            "one nonce bit flipped",
            bad(C(short_text), |e| e[5] ^= 0x04, "decryption_failed"),
        ),
        (
            "reject-truncated-header",
            "only four bytes",
            bad(C(short_text), |e| e.truncate(4), "truncated"),
        ),
        (
            "reject-truncated-body",
            "shorter than the smallest padded payload",
            bad(
                C(short_text),
                |e| {
                    let n = e.len() - 1;
                    e.truncate(n);
                },
                "truncated",
            ),
        ),
        (
            "reject-bad-magic",
            "does not start with OTS",
            bad(C(short_text), |e| e[0] = b'X', "bad_magic"),
        ),
        (
            "reject-unknown-version",
            "version 2",
            bad(C(short_text), |e| e[3] = 2, "unsupported_version"),
        ),
        (
            "reject-reserved-flags",
            "a reserved flag bit set",
            bad(C(short_text), |e| e[4] |= 0x02, "reserved_flags"),
        ),
        (
            "reject-bad-params",
            "Argon2id memory below the minimum",
            Case { passphrase: params, ..bad(C(short_text), |e| e[5] = 9, "bad_params") },
        ),
        (
            "reject-unknown-kind",
            "content kind 2",
            bad(R(|| raw_payload(2, b"", b"", b"x", 1024, 0)), no_damage, "malformed_payload"),
        ),
        (
            "reject-length-overrun",
            "data length runs past the payload",
            bad(
                R(|| {
                    let mut p = raw_payload(0, b"", b"", b"x", 1024, 0);
                    p[3..7].copy_from_slice(&2000u32.to_be_bytes());
                    p
                }),
                no_damage,
                "malformed_payload",
            ),
        ),
        (
            "reject-short-padding",
            "padded to 1040 bytes instead of 1024",
            bad(R(|| raw_payload(0, b"", b"", b"x", 1040, 0)), no_damage, "malformed_payload"),
        ),
        (
            "reject-nonzero-padding",
            "padding bytes are not zero",
            bad(R(|| raw_payload(0, b"", b"", b"x", 1024, 0xff)), no_damage, "malformed_payload"),
        ),
        (
            "reject-text-with-name",
            "a text secret carrying a file name",
            bad(R(|| raw_payload(0, b"a.txt", b"", b"x", 1024, 0)), no_damage, "malformed_payload"),
        ),
        (
            "reject-file-without-name",
            "a file secret with an empty name",
            bad(R(|| raw_payload(1, b"", b"", b"x", 1024, 0)), no_damage, "malformed_payload"),
        ),
        (
            "reject-path-in-name",
            "a file name with a path separator",
            bad(
                R(|| raw_payload(1, b"../.ssh/authorized_keys", b"", b"x", 1024, 0)),
                no_damage,
                "malformed_payload",
            ),
        ),
        (
            "reject-name-not-utf8",
            "a file name that is not UTF-8",
            bad(
                R(|| raw_payload(1, b"\xff\xfe", b"", b"x", 1024, 0)),
                no_damage,
                "malformed_payload",
            ),
        ),
        (
            "reject-media-type-control",
            "a media type with a control character",
            bad(
                R(|| raw_payload(0, b"", b"text/plain\n", b"x", 1024, 0)),
                no_damage,
                "malformed_payload",
            ),
        ),
    ];
    assert!(padded_len(1500 + 7) == 1536, "ok-padme description is accurate");
    cases.into_iter().map(|(name, description, case)| (name, build(description, &case))).collect()
}

fn build(description: &str, case: &Case) -> EnvelopeVector {
    let sender = Fragment::new(LinkKey::from_bytes(case.key), case.passphrase.map(|p| p.1));
    let sender_pass = case.passphrase.map(|p| Passphrase::new(p.0.to_owned()));
    let keys = sender.derive(sender_pass.as_ref()).expect("derive");
    let header = sender.header();

    let mut bytes = match &case.sealed {
        Sealed::Content(make) => {
            Envelope::seal_with_nonce(&make(), &keys, header, NONCE).expect("seal").into_bytes()
        }
        Sealed::RawPayload(make) => encrypt_raw(&keys, header, make()),
    };
    (case.damage)(&mut bytes);

    let (fragment, pass) = match case.present {
        None => (sender, case.passphrase.map(|p| p.0)),
        Some((key, p)) => (Fragment::new(LinkKey::from_bytes(key), p.map(|p| p.1)), p.map(|p| p.0)),
    };
    let recipient = fragment.derive(pass.map(|p| Passphrase::new(p.to_owned())).as_ref());
    let recipient = recipient.expect("derive");
    let content = match (&case.sealed, case.expect) {
        (Sealed::Content(make), Ok(())) => Some(content_vector(&make())),
        _ => None,
    };
    EnvelopeVector {
        description: description.to_owned(),
        fragment: fragment.encode(),
        passphrase: pass.map(str::to_owned),
        proof: hex(recipient.proof().expose()),
        verifier: hex(recipient.proof().verifier().as_bytes()),
        payload_key: hex(recipient.payload_key()),
        envelope: b64(&bytes),
        expect: if case.expect.is_ok() { "ok" } else { "reject" }.to_owned(),
        error: case.expect.err().map(str::to_owned),
        content,
    }
}

fn encrypt_raw(keys: &DerivedKeys, header: Header, mut payload: Vec<u8>) -> Vec<u8> {
    let aad = header.to_bytes();
    XChaCha20Poly1305::new(keys.payload_key().into())
        .encrypt_in_place(&XNonce::from(NONCE), &aad, &mut payload)
        .expect("encrypt");
    [aad, NONCE.to_vec(), payload].concat()
}

fn content_vector(content: &Content) -> ContentVector {
    ContentVector {
        kind: kind_name(content.kind).to_owned(),
        name: content.name.clone(),
        media_type: content.media_type.clone(),
        data_hex: hex(content.data.expose()),
    }
}

fn link_cases() -> Vec<LinkVector> {
    let fragment =
        Fragment::new(LinkKey::from_bytes(unhex(&"5a".repeat(32)).try_into().expect("32")), None);
    let with_pass = Fragment::new(LinkKey::from_bytes([0x5a; 32]), Some(Argon2Params::DEFAULT));
    let id = SecretId::parse("q1Z3cm9vdHNfYW5kX2J5dA").expect("id");
    let base = "https://ots.example.com/team";
    let url = ShareLink::new(base, id.clone(), fragment).expect("link").to_url();
    let url_pass = ShareLink::new(base, id, with_pass).expect("link").to_url();
    let (location, key) = url.split_once('#').expect("#");

    let ok_cases = [
        ("a plain link", url.clone()),
        ("a passphrase link", url_pass),
        ("trailing full stop", format!("{url}.")),
        ("trailing comma", format!("{url},")),
        ("in parentheses", format!("({url})")),
        ("in angle brackets", format!("<{url}>")),
        ("surrounding whitespace", format!("\t{url} \r\n")),
    ];
    let reject_cases = [
        ("empty", String::new(), "empty"),
        ("no fragment", location.to_owned(), "missing_fragment"),
        ("not a link at all", "hunter2".to_owned(), "not_share_link"),
        ("a slash after the id", format!("{location}/#{key}"), "bad_id"),
        ("empty fragment", format!("{location}#"), "missing_key"),
        ("truncated key", format!("{location}#{}", &key[..43]), "truncated"),
        ("key too long", format!("{url}Q"), "too_long"),
        (
            "'+' from a standard-base64 rewrite",
            format!("{location}#{}+", &key[..43]),
            "foreign_char",
        ),
        ("'=' padding added", format!("{url}="), "foreign_char"),
        ("a pipe pasted after the link", format!("{url}|"), "foreign_char"),
        ("percent-encoded fragment", format!("{location}#%20{}", &key[3..]), "foreign_char"),
        ("unknown link version", format!("{location}#I{}", &key[1..]), "unsupported_version"),
        ("unknown flag", format!("{location}#Ew{}", &key[2..]), "unknown_flags"),
        ("wrong path", url.replace("/s/", "/secret/"), "not_share_link"),
        ("short id", url.replace("q1Z3cm9vdHNfYW5kX2J5dA", "q1Z3cm9vdHNfYW5kX2J5d"), "bad_id"),
        ("ftp scheme", url.replace("https://", "ftp://"), "bad_scheme"),
        ("no host", url.replace("https://ots.example.com/team", "https://"), "bad_base"),
        ("user info before the host", url.replace("https://", "https://user:pw@"), "bad_base"),
        (
            "backslash in the host",
            url.replace("ots.example", "evil.example\\@ots.example"),
            "bad_base",
        ),
        ("port out of range", url.replace("example.com", "example.com:70000"), "bad_base"),
        ("right-to-left override in the base", url.replace("/team", "/te\u{202e}am"), "bad_base"),
    ];

    let mut out: Vec<LinkVector> = ok_cases
        .into_iter()
        .map(|(description, link)| {
            let parsed = ShareLink::parse(&link).expect(description);
            LinkVector {
                description: description.to_owned(),
                expect: "ok".to_owned(),
                error: None,
                base: Some(parsed.base().to_owned()),
                id: Some(parsed.id().as_str().to_owned()),
                fragment: Some(parsed.fragment().encode()),
                link,
            }
        })
        .collect();
    out.extend(reject_cases.into_iter().map(|(description, link, error)| LinkVector {
        description: description.to_owned(),
        link,
        expect: "reject".to_owned(),
        error: Some(error.to_owned()),
        base: None,
        id: None,
        fragment: None,
    }));
    out
}

//! Property tests of the envelope: what goes in comes out byte for byte, and
//! any single changed bit anywhere in an envelope makes it fail to open.

use ots_shared::envelope::{Header, sealed_len};
use ots_shared::{
    Content, ContentKind, DerivedKeys, Envelope, EnvelopeError, Fragment, LinkKey, SecretBytes,
    SecretId, ShareLink,
};
use proptest::prelude::*;

fn keys(key: [u8; 32]) -> DerivedKeys {
    DerivedKeys::derive(&LinkKey::from_bytes(key), None).expect("derive")
}

const PLAIN: Header = Header { passphrase: None };

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_bytes_round_trip(data in proptest::collection::vec(any::<u8>(), 0..5000), key in any::<[u8; 32]>()) {
        let content = Content::text(SecretBytes::new(data.clone()));
        let env = Envelope::seal(&content, &keys(key), PLAIN).expect("seal");
        prop_assert_eq!(env.as_bytes().len(), sealed_len(data.len(), 0, 0, false));

        let env = Envelope::from_bytes(env.into_bytes()).expect("parse");
        let back = env.open(&keys(key), PLAIN).expect("open");
        prop_assert_eq!(back.kind, ContentKind::Text);
        prop_assert_eq!(back.data.expose(), &data[..]);
    }

    #[test]
    fn any_single_bit_flip_fails(data in proptest::collection::vec(any::<u8>(), 0..2000), bit in any::<proptest::sample::Index>()) {
        let k = keys([9; 32]);
        let env = Envelope::seal(&Content::text(SecretBytes::new(data)), &k, PLAIN).expect("seal");
        let mut bytes = env.into_bytes();
        let bit = bit.index(bytes.len() * 8);
        bytes[bit / 8] ^= 1 << (bit % 8);

        let opened = Envelope::from_bytes(bytes).and_then(|env| env.open(&k, PLAIN));
        prop_assert!(opened.is_err(), "bit {} flipped and it still opened", bit);
        if bit >= 5 * 8 {
            prop_assert_eq!(opened.err(), Some(EnvelopeError::DecryptionFailed));
        }
    }

    #[test]
    fn links_round_trip(key in any::<[u8; 32]>(), id in any::<[u8; 16]>()) {
        use base64::Engine as _;
        let id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id);
        let id = SecretId::parse(&id).expect("id");
        let link = ShareLink::new("http://127.0.0.1:8080", id, Fragment::new(LinkKey::from_bytes(key), None));
        let url = link.expect("link").to_url();
        let back = ShareLink::parse(&format!("{url}.")).expect("parse");
        prop_assert_eq!(back.to_url(), url);
    }

    #[test]
    fn link_parsing_never_panics(text in "\\PC{0,120}") {
        let _ = ShareLink::parse(&text);
    }
}

//! The secret format: `order_tracking::auth::secret` (`<prefix><32 alphanumerics><6 base62 checksum>`).
//!
//! `well_formed` is compared with an independent model of the format written from its
//! description. The format is a compatibility contract (every secret ever issued must stay
//! well formed), so a change to either side should fail here. The model also lets the fuzzer
//! build secrets with valid checksums, which random bytes essentially never reach.

#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use order_tracking::auth::secret::{SecretKind, generate, hash, new_id, verify, well_formed};
use sha2::{Digest, Sha256};

const KINDS: [SecretKind; 3] = [SecretKind::ClientSecret, SecretKind::ApiKey, SecretKind::AccessToken];
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const PREFIX_CHARS: usize = 4;
const RANDOM_CHARS: usize = 32;
const CHECKSUM_CHARS: usize = 6;
const SECRET_CHARS: usize = PREFIX_CHARS + RANDOM_CHARS + CHECKSUM_CHARS;

#[derive(Debug, Arbitrary)]
struct Typo {
    kind: u8,
    /// Indices into BASE62 for the random part.
    random: [u8; RANDOM_CHARS],
    position: u8,
    replacement: char,
    id_prefix: String,
}

fuzz_target!(|data: &[u8]| {
    // Any text: no panic (it slices by byte offsets), and the same verdict as the model.
    let text = String::from_utf8_lossy(data);
    for kind in KINDS {
        assert_eq!(well_formed(kind, &text), model(kind, &text), "{kind:?} {text:?}");
    }
    assert!(verify(&text, &hash(&text)));

    if let Ok(typo) = Typo::arbitrary(&mut Unstructured::new(data)) {
        check_typo(&typo);
        let id = new_id(&typo.id_prefix);
        let suffix = id.strip_prefix(typo.id_prefix.as_str()).expect("the prefix comes first");
        assert!(suffix.len() == 16 && suffix.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()), "{id:?}");
    }

    // Freshly generated secrets (random, so not reproducible, but the property holds for all).
    for kind in KINDS {
        let secret = generate(kind);
        for other in KINDS {
            assert_eq!(well_formed(other, &secret.text), other == kind, "{other:?} {}", secret.text);
        }
        assert!(verify(&secret.text, &secret.hash));
    }
});

fn check_typo(typo: &Typo) {
    let kind = KINDS[typo.kind as usize % KINDS.len()];
    let random: String = typo.random.iter().map(|i| char::from(BASE62[*i as usize % BASE62.len()])).collect();
    let body = format!("{}{random}", kind.prefix());
    let secret = format!("{body}{}", model_checksum(&body));
    for other in KINDS {
        assert_eq!(well_formed(other, &secret), other == kind, "{other:?} {secret}");
    }

    // One character replaced by any other. Always refused when the prefix, the checksum or the
    // length breaks, or when a non-alphanumeric enters; an alphanumeric typo in the random part
    // is refused unless the 6-character checksum collides (1 in 62^6), so only the model decides.
    let position = typo.position as usize % SECRET_CHARS;
    let mut chars: Vec<char> = secret.chars().collect();
    if chars[position] == typo.replacement {
        return;
    }
    chars[position] = typo.replacement;
    let typoed: String = chars.into_iter().collect();
    let collision_possible = (PREFIX_CHARS..PREFIX_CHARS + RANDOM_CHARS).contains(&position) && typo.replacement.is_ascii_alphanumeric();
    if !collision_possible {
        assert!(!well_formed(kind, &typoed), "{typoed:?}");
    }
    assert_eq!(well_formed(kind, &typoed), model(kind, &typoed), "{typoed:?}");
}

/// The format as documented, written independently of the library.
fn model(kind: SecretKind, text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == SECRET_CHARS
        && bytes.starts_with(kind.prefix().as_bytes())
        && bytes[PREFIX_CHARS..PREFIX_CHARS + RANDOM_CHARS].iter().all(u8::is_ascii_alphanumeric)
        && bytes[PREFIX_CHARS + RANDOM_CHARS..] == *model_checksum(&text[..PREFIX_CHARS + RANDOM_CHARS]).as_bytes()
}

/// The first 8 bytes of SHA-256(prefix + random), big-endian, as 6 base62 digits (mod 62^6).
fn model_checksum(body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    let mut value = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
    let mut digits = [0u8; CHECKSUM_CHARS];
    for digit in digits.iter_mut().rev() {
        *digit = BASE62[(value % 62) as usize];
        value /= 62;
    }
    String::from_utf8(digits.to_vec()).expect("ASCII")
}

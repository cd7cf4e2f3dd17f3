//! Secrets (client secrets, API keys, access tokens) and identifiers.
//!
//! A secret reads `<prefix><32 random alphanumerics><6-character checksum>`: the prefix tells
//! what it is (and lets secret scanners find leaked ones), the 190 random bits make guessing
//! hopeless, and the checksum refuses a mistyped secret before any database lookup.

use rand::{Rng, distr::Alphanumeric};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::domain::credentials::SecretHash;

/// The kinds of secret, each with its own prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    ClientSecret,
    ApiKey,
    AccessToken,
}

impl SecretKind {
    pub fn prefix(self) -> &'static str {
        match self {
            SecretKind::ClientSecret => "ots_",
            SecretKind::ApiKey => "otk_",
            SecretKind::AccessToken => "ota_",
        }
    }
}

const RANDOM_CHARS: usize = 32;
const CHECKSUM_CHARS: usize = 6;
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A freshly generated secret, to be shown once, and the hash to store.
pub struct NewSecret {
    pub text: String,
    pub hash: SecretHash,
}

impl std::fmt::Debug for NewSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewSecret(..)")
    }
}

pub fn generate(kind: SecretKind) -> NewSecret {
    let random: String = rand::rng().sample_iter(Alphanumeric).take(RANDOM_CHARS).map(char::from).collect();
    let body = format!("{}{random}", kind.prefix());
    let text = format!("{body}{}", checksum(&body));
    let hash = hash(&text);
    NewSecret { text, hash }
}

/// Whether `text` has the shape and checksum of a secret of this kind: a cheap test that
/// refuses typos and garbage without touching the database.
pub fn well_formed(kind: SecretKind, text: &str) -> bool {
    let expected_len = kind.prefix().len() + RANDOM_CHARS + CHECKSUM_CHARS;
    if text.len() != expected_len || !text.starts_with(kind.prefix()) || !text.is_ascii() {
        return false;
    }
    let (body, check) = text.split_at(expected_len - CHECKSUM_CHARS);
    body[kind.prefix().len()..].bytes().all(|b| b.is_ascii_alphanumeric()) && checksum(body) == check
}

pub fn hash(text: &str) -> SecretHash {
    SecretHash(Sha256::digest(text.as_bytes()).into())
}

/// Compares a presented secret with a stored hash in constant time.
pub fn verify(text: &str, stored: &SecretHash) -> bool {
    hash(text).0.ct_eq(&stored.0).into()
}

/// A hash no secret has, compared against when the client id is unknown so that an unknown
/// id and a wrong secret take the same time.
pub fn dummy_hash() -> SecretHash {
    SecretHash([0; 32])
}

fn checksum(body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    let mut value = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
    let mut out = [0u8; CHECKSUM_CHARS];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(value % 62) as usize];
        value /= 62;
    }
    String::from_utf8(out.to_vec()).expect("base62 is ASCII")
}

/// A new random identifier such as `cus_4f9k2m8q1z7x3b6n`: not secret, only unique.
pub fn new_id(prefix: &str) -> String {
    let random: String = rand::rng()
        .sample_iter(Alphanumeric)
        .filter(u8::is_ascii_alphanumeric)
        .take(16)
        .map(|b| char::from(b).to_ascii_lowercase())
        .collect();
    format!("{prefix}{random}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn generated_secrets_are_well_formed_and_verify() {
        for kind in [SecretKind::ClientSecret, SecretKind::ApiKey, SecretKind::AccessToken] {
            let secret = generate(kind);
            assert!(well_formed(kind, &secret.text), "{}", secret.text);
            assert!(verify(&secret.text, &secret.hash));
            assert!(!verify(&secret.text, &dummy_hash()));
        }
    }

    #[test]
    fn a_secret_of_another_kind_is_not_well_formed() {
        let key = generate(SecretKind::ApiKey);
        assert!(!well_formed(SecretKind::AccessToken, &key.text));
    }

    proptest! {
        #[test]
        fn any_single_character_typo_is_caught(position in 4usize..42, replacement in "[0-9A-Za-z]") {
            let key = generate(SecretKind::ApiKey).text;
            let mut chars: Vec<char> = key.chars().collect();
            let replacement = replacement.chars().next().unwrap();
            prop_assume!(chars[position] != replacement);
            chars[position] = replacement;
            let typo: String = chars.into_iter().collect();
            prop_assert!(!well_formed(SecretKind::ApiKey, &typo));
        }

        #[test]
        fn arbitrary_text_never_panics(text in ".*") {
            let _ = well_formed(SecretKind::ApiKey, &text);
        }
    }
}

//! Secrets (client secrets, API keys, access tokens) and identifiers.
//!
//! A secret reads `<prefix><32 alphanumerics><6-character checksum>`: the prefix tells what it
//! is (and lets secret scanners find leaked ones), the random bits (190, or 137 in an access
//! token, whose first 9 characters are its expiry) make guessing hopeless, and the checksum
//! refuses a mistyped secret before any database lookup.

use rand::{Rng, distr::Alphanumeric};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use time::OffsetDateTime;

use crate::domain::credentials::{SecretHash, TokenKey, to_micros};

/// The kinds of secret, each with its own prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    ClientSecret,
    ApiKey,
    AccessToken,
    AdminToken,
    /// The one-time link that lets a portal user set its password.
    PortalLink,
    /// A portal session's cookie.
    PortalSession,
}

impl SecretKind {
    pub fn prefix(self) -> &'static str {
        match self {
            SecretKind::ClientSecret => "ots_",
            SecretKind::ApiKey => "otk_",
            SecretKind::AccessToken => "ota_",
            SecretKind::AdminToken => "adm_",
            SecretKind::PortalLink => "otl_",
            SecretKind::PortalSession => "otc_",
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
    generate_after(kind, "")
}

/// A secret whose alphanumerics start with `lead` and go on at random.
fn generate_after(kind: SecretKind, lead: &str) -> NewSecret {
    let random: String = rand::rng().sample_iter(Alphanumeric).take(RANDOM_CHARS - lead.len()).map(char::from).collect();
    let body = format!("{}{lead}{random}", kind.prefix());
    let text = format!("{body}{}", checksum(&body));
    let hash = hash(&text);
    NewSecret { text, hash }
}

/// Characters of an access token that carry its expiry: microseconds since 1970 in base62,
/// which nine hold until the year 2398.
const EXPIRY_CHARS: usize = 9;

/// A new access token expiring at `expires_at` (to the microsecond), and the key that finds it.
/// Its alphanumerics start with its expiry: the database keys tokens by expiry first, so a new
/// token is written at the end of the table rather than at a random place in it, which costs a
/// page of the write-ahead log per token (docs/performance.md, step 32). The expiry is no
/// secret (the client is told it); the 23 random characters that follow are 137 bits.
pub fn generate_access_token(expires_at: OffsetDateTime) -> (NewSecret, TokenKey) {
    let expires_at = to_micros(expires_at);
    let micros = u64::try_from(expires_at.unix_timestamp_nanos() / 1000).expect("tokens expire after 1970");
    let mut expiry = [0u8; EXPIRY_CHARS];
    write_base62(micros, &mut expiry);
    let secret = generate_after(SecretKind::AccessToken, std::str::from_utf8(&expiry).expect("base62 is ASCII"));
    let key = TokenKey { expires_at, hash: secret.hash };
    (secret, key)
}

/// The key of a presented access token; `None` when it is not one.
pub fn access_token_key(text: &str) -> Option<TokenKey> {
    if !well_formed(SecretKind::AccessToken, text) {
        return None;
    }
    let start = SecretKind::AccessToken.prefix().len();
    let micros = text.as_bytes()[start..start + EXPIRY_CHARS].iter().try_fold(0u64, |value, &char| {
        let digit = BASE62.iter().position(|&c| c == char)?;
        value.checked_mul(62)?.checked_add(digit as u64)
    })?;
    let expires_at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000).ok()?;
    Some(TokenKey { expires_at, hash: hash(text) })
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
    let mut out = [0u8; CHECKSUM_CHARS];
    write_base62(u64::from_be_bytes(digest[..8].try_into().expect("8 bytes")), &mut out);
    String::from_utf8(out.to_vec()).expect("base62 is ASCII")
}

/// Writes the last `out.len()` base62 digits of `value`, most significant first.
fn write_base62(mut value: u64, out: &mut [u8]) {
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(value % 62) as usize];
        value /= 62;
    }
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
    fn an_access_token_carries_its_expiry_to_the_microsecond() {
        let expires_at = OffsetDateTime::now_utc() + time::Duration::seconds(3600);
        let (token, key) = generate_access_token(expires_at);
        assert!(well_formed(SecretKind::AccessToken, &token.text), "{}", token.text);
        assert_eq!(key.expires_at, to_micros(expires_at));
        assert_eq!(key.hash, token.hash);
        assert_eq!(access_token_key(&token.text), Some(key));
        assert_eq!(access_token_key(&generate(SecretKind::ApiKey).text), None);
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
            let _ = access_token_key(&text);
        }

        /// Every expiry a token can have (up to the year 2398) comes back from its text.
        #[test]
        fn any_expiry_round_trips(micros in 0i64..62i64.pow(9)) {
            let expires_at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000).unwrap();
            let (token, key) = generate_access_token(expires_at);
            prop_assert_eq!(access_token_key(&token.text).map(|found| found.expires_at), Some(expires_at));
            prop_assert_eq!(key.expires_at, expires_at);
        }
    }
}

//! Portal passwords: Argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane: the `argon2`
//! crate's defaults), at least 12 characters, none of the most common ones.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};

pub const MIN_PASSWORD_CHARS: usize = 12;

/// Passwords of 12 characters or more found at the top of the public lists of leaked passwords
/// (SecLists, "10k most common"), compared without regard to case.
const COMMON_PASSWORDS: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678910",
    "123456789123",
    "1234567891011",
    "aaaaaaaaaaaa",
    "abc123456789",
    "abcdefghijkl",
    "azertyuiopqs",
    "iloveyou1234",
    "letmein12345",
    "password1234",
    "password123!",
    "passwordpassword",
    "qwerty123456",
    "qwertyuiop12",
    "qwertyuiopasdfgh",
    "1q2w3e4r5t6y",
    "1qaz2wsx3edc",
    "zaq12wsxcde3",
    "motdepasse12",
    "motdepasse123",
    "administrator",
    "changeme1234",
    "welcome12345",
    "000000000000",
    "111111111111",
    "123123123123",
    "987654321098",
];

/// Why a password is refused, as a key of the portal's catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weakness {
    TooShort,
    TooCommon,
}

/// Checks a new password against the policy.
pub fn check(password: &str) -> Result<(), Weakness> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Weakness::TooShort);
    }
    let lowered = password.to_lowercase();
    let repeated = lowered.chars().all(|char| lowered.starts_with(char));
    if repeated || COMMON_PASSWORDS.contains(&lowered.as_str()) {
        return Err(Weakness::TooCommon);
    }
    Ok(())
}

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

/// The PHC string of `password` with a fresh salt. Slow on purpose (tens of milliseconds): run
/// it off the async threads, as [`hash_off_thread`] does.
pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    hasher().hash_password(password.as_bytes(), &salt).expect("Argon2 with valid parameters hashes any password").to_string()
}

/// Whether `password` is the one `stored` (a PHC string) was made from. With none stored (an
/// unknown email, or a user without a password yet), a password is checked against a hash made
/// once, so that the answer takes the same time and is false.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let stored = stored.unwrap_or_else(|| dummy());
    let Ok(parsed) = PasswordHash::new(stored) else { return false };
    hasher().verify_password(password.as_bytes(), &parsed).is_ok() && !std::ptr::eq(stored, dummy())
}

fn dummy() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash("no password is this one, it is only compared against"))
}

pub async fn hash_off_thread(password: String) -> String {
    tokio::task::spawn_blocking(move || hash(&password)).await.expect("hashing does not panic")
}

pub async fn verify_off_thread(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || verify(&password, stored.as_deref())).await.expect("verifying does not panic")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse battery");
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
        assert!(verify("correct horse battery", Some(&stored)));
        assert!(!verify("correct horse batterY", Some(&stored)));
        assert!(!verify("correct horse battery", None));
        assert!(!verify("anything", Some("not a PHC string")));
    }

    #[test]
    fn the_policy_refuses_short_and_common_passwords() {
        assert_eq!(check("short-pass1"), Err(Weakness::TooShort));
        assert_eq!(check("Password1234"), Err(Weakness::TooCommon));
        assert_eq!(check("zzzzzzzzzzzzzz"), Err(Weakness::TooCommon));
        assert_eq!(check("été à la mer 2026"), Ok(()));
        // Characters, not bytes: 12 accented letters are long enough.
        assert_eq!(check("éééééééééééa"), Ok(()));
    }
}

//! Webhook signatures as the Standard Webhooks specification defines them: `webhook-signature`
//! is `v1,<base64 of HMAC-SHA256("{id}.{timestamp}.{body}")>`, keyed by the bytes that the secret
//! encodes in base64 after `whsec_`; while a rotated secret still signs, both signatures are sent,
//! separated by a space.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

const PREFIX: &str = "whsec_";

/// A new signing secret: `whsec_` and 24 random bytes in base64, as Svix makes them.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    format!("{PREFIX}{}", STANDARD.encode(bytes))
}

/// The key a secret holds; a secret this service did not make (not base64) signs with its bytes.
fn key_of(secret: &str) -> Vec<u8> {
    let encoded = secret.strip_prefix(PREFIX).unwrap_or(secret);
    STANDARD.decode(encoded).unwrap_or_else(|_| encoded.as_bytes().to_vec())
}

/// The `webhook-signature` value for a message signed with each of `secrets`.
pub fn signature_header(secrets: &[String], webhook_id: &str, timestamp: i64, body: &[u8]) -> String {
    let signatures: Vec<String> = secrets
        .iter()
        .map(|secret| {
            let mut mac = Hmac::<Sha256>::new_from_slice(&key_of(secret)).expect("HMAC takes a key of any length");
            mac.update(webhook_id.as_bytes());
            mac.update(b".");
            mac.update(timestamp.to_string().as_bytes());
            mac.update(b".");
            mac.update(body);
            format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
        })
        .collect();
    signatures.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_the_specifications_example() {
        // The example of the Standard Webhooks reference libraries' tests.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned();
        let header = signature_header(&[secret], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, br#"{"test": 2432232314}"#);
        assert_eq!(header, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn a_rotated_secret_signs_beside_the_new_one() {
        let (new, old) = (new_secret(), new_secret());
        assert!(new.starts_with("whsec_") && new.len() == 6 + 32, "{new}");
        let both = signature_header(&[new.clone(), old.clone()], "msg_1", 1, b"{}");
        let signatures: Vec<&str> = both.split(' ').collect();
        assert_eq!(signatures, [signature_header(&[new], "msg_1", 1, b"{}"), signature_header(&[old], "msg_1", 1, b"{}")]);
    }
}

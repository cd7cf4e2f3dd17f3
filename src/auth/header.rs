//! Reading credentials out of `Authorization` header values.

use base64::{Engine, engine::general_purpose::STANDARD};

/// Splits `<scheme> <credentials>`, the scheme matched case-insensitively (RFC 9110 §11.1).
fn credentials_for<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let (given, rest) = value.trim().split_once(' ')?;
    given.eq_ignore_ascii_case(scheme).then(|| rest.trim()).filter(|rest| !rest.is_empty())
}

/// `Bearer <token>`; `None` when the header is not a Bearer credential.
pub fn bearer_token(value: &str) -> Option<&str> {
    credentials_for(value, "Bearer").filter(|token| !token.contains(char::is_whitespace))
}

/// `Basic base64(client_id:client_secret)`, each part form-urlencoded first as RFC 6749
/// §2.3.1 says. `None` when the header cannot be decoded.
pub fn basic_credentials(value: &str) -> Option<(String, String)> {
    let encoded = credentials_for(value, "Basic")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decode(id), form_decode(secret)))
}

fn form_decode(text: &str) -> String {
    form_urlencoded::parse(format!("x={text}").as_bytes()).next().map(|(_, value)| value.into_owned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer a b"), None);
    }

    #[test]
    fn basic_parts_are_form_decoded() {
        let header = format!("Basic {}", STANDARD.encode("my%20id:s%3Acret+x"));
        assert_eq!(basic_credentials(&header), Some(("my id".into(), "s:cret x".into())));
        assert_eq!(basic_credentials("Basic !!!"), None);
        assert_eq!(basic_credentials(&format!("Basic {}", STANDARD.encode("no-colon"))), None);
    }

    proptest! {
        #[test]
        fn basic_round_trips_any_id_and_secret(id in "[^:]*", secret in ".*") {
            let encode = |text: &str| form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
            let header = format!("basic {}", STANDARD.encode(format!("{}:{}", encode(&id), encode(&secret))));
            prop_assert_eq!(basic_credentials(&header), Some((id, secret)));
        }

        #[test]
        fn header_parsers_never_panic(value in ".*") {
            let _ = basic_credentials(&value);
            let _ = bearer_token(&value);
        }
    }
}

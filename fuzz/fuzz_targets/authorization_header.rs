//! The `Authorization` header parsers: `order_tracking::auth::header::{bearer_token, basic_credentials}`.
//!
//! Each input is used twice: as a raw header value (lossy UTF-8, so seeds are plain text), and
//! as the entropy for a well-formed header built here, which must parse back to what went in.

#![no_main]

use base64::{Engine, engine::general_purpose::STANDARD};
use libfuzzer_sys::arbitrary::{self, Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use order_tracking::auth::header::{basic_credentials, bearer_token};

/// Characters `str::trim` removes (Unicode White_Space), some of them outside ASCII.
const WHITESPACE: [char; 12] =
    [' ', '\t', '\n', '\u{0b}', '\u{0c}', '\r', '\u{85}', '\u{a0}', '\u{1680}', '\u{2000}', '\u{2028}', '\u{3000}'];

#[derive(Debug, Arbitrary)]
struct Built {
    client_id: String,
    client_secret: String,
    token: String,
    /// Bit i upper-cases letter i of the scheme name (schemes are case-insensitive).
    scheme_case: u8,
    /// Indices into WHITESPACE: before the scheme, after its one mandatory space, at the end.
    lead: Vec<u8>,
    middle: Vec<u8>,
    trail: Vec<u8>,
}

fuzz_target!(|data: &[u8]| {
    check_raw(&String::from_utf8_lossy(data));
    if let Ok(built) = Built::arbitrary(&mut Unstructured::new(data)) {
        check_round_trips(&built);
    }
});

fn check_raw(value: &str) {
    let bearer = bearer_token(value);
    let basic = basic_credentials(value);
    assert!(bearer.is_none() || basic.is_none(), "{value:?} is both Bearer and Basic");
    if let Some(token) = bearer {
        assert!(!token.is_empty() && !token.contains(char::is_whitespace), "{token:?}");
        // A borrowed slice of the header, not a copy or a rewrite.
        let range = value.as_bytes().as_ptr_range();
        assert!(range.contains(&token.as_ptr()) && token.len() <= value.len(), "{token:?} not inside {value:?}");
        assert!(has_scheme(value, "Bearer"), "{value:?}");
        assert_eq!(bearer_token(&format!("Bearer {token}")), Some(token));
    }
    if let Some((client_id, client_secret)) = basic {
        assert!(has_scheme(value, "Basic"), "{value:?}");
        // Whatever was decoded encodes back to a header that decodes to the same pair.
        let again = basic_credentials(&basic_header("Basic", &client_id, &client_secret));
        assert_eq!(again, Some((client_id, client_secret)));
    }
}

fn check_round_trips(built: &Built) {
    let pad = |indices: &[u8]| indices.iter().map(|i| WHITESPACE[*i as usize % WHITESPACE.len()]).collect::<String>();
    let (lead, middle, trail) = (pad(&built.lead), pad(&built.middle), pad(&built.trail));

    // Any id and secret, ':' included: form-urlencoding turns ':' into %3A, so the first ':'
    // of the decoded base64 is always the separator.
    let basic = basic_header(&mixed_case("Basic", built.scheme_case), &built.client_id, &built.client_secret);
    let (scheme, credentials) = basic.split_once(' ').expect("scheme and credentials");
    let header = format!("{lead}{scheme} {middle}{credentials}{trail}");
    assert_eq!(basic_credentials(&header), Some((built.client_id.clone(), built.client_secret.clone())), "{header:?}");
    assert_eq!(bearer_token(&header), None, "{header:?}");

    // Any token without whitespace (a token with some is refused, tested by check_raw).
    let token: String = built.token.chars().filter(|c| !c.is_whitespace()).collect();
    let header = format!("{lead}{} {middle}{token}{trail}", mixed_case("Bearer", built.scheme_case));
    let expected = (!token.is_empty()).then_some(token.as_str());
    assert_eq!(bearer_token(&header), expected, "{header:?}");
    assert_eq!(basic_credentials(&header), None, "{header:?}");
}

/// RFC 6749 §2.3.1: each part form-urlencoded, then `id:secret` in base64.
fn basic_header(scheme: &str, client_id: &str, client_secret: &str) -> String {
    let encode = |text: &str| form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
    format!("{scheme} {}", STANDARD.encode(format!("{}:{}", encode(client_id), encode(client_secret))))
}

fn mixed_case(scheme: &str, mask: u8) -> String {
    scheme
        .chars()
        .enumerate()
        .map(|(i, c)| if mask >> (i % 8) & 1 == 1 { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
        .collect()
}

/// Whether the trimmed value starts with `<scheme> `, the scheme in any ASCII case.
fn has_scheme(value: &str, scheme: &str) -> bool {
    let value = value.trim().as_bytes();
    value.len() > scheme.len() && value[..scheme.len()].eq_ignore_ascii_case(scheme.as_bytes()) && value[scheme.len()] == b' '
}

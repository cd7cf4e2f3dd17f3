//! How the change log stores order documents: compressed with zstd against a dictionary of what
//! order documents repeat. Documents were half of the database file, each repeating the same key
//! names and values; packed, they take about a sixth of their JSON (docs/performance.md, steps 22,
//! 33 and 40).
//!
//! A stored document is either plain JSON (it starts with `{`: those written before migration
//! 0011) or a format byte followed by a zstd frame. The byte names the dictionary, so that a
//! later dictionary comes beside the earlier ones without rewriting what is stored. Public for
//! the tools and tests that read the change log without the store.

use std::cell::RefCell;
use std::sync::LazyLock;

use thiserror::Error;
use zstd::bulk::{Compressor, Decompressor};
use zstd::dict::{DecoderDictionary, EncoderDictionary};

/// The format byte of documents packed against [`VOCABULARY_V1`] alone (before step 33).
const PACKED_V1: u8 = 1;
/// The format byte of documents packed against [`DICTIONARY_V2`] (before step 40).
const PACKED_V2: u8 = 2;
/// The format byte of documents packed against [`DICTIONARY_V3`], as every document is now.
const PACKED_V3: u8 = 3;

/// What every order document is made of (contract §5): its keys in schema order, and the values
/// of its enumerations. zstd uses it as a raw-content dictionary: a document refers to these
/// bytes instead of repeating them. Documents packed against it must stay readable, so it never
/// changes: a new vocabulary gets a new format byte.
pub const VOCABULARY_V1: &str = concat!(
    r#"{"orangeContact":{"name":"","email":"@orange.com","phone":"+33 "}"#,
    r#"{"status":"Current","action":"Add"}{"action":"Move"}{"action":"Cease"}"#,
    r#"{"type":"Survey","status":"Done"}{"type":"Delivery","status":"Cancelled"}{"type":"Test","status":"Rescheduled"}"#,
    r#"{"id":"","status":"Closed","orderDate":"T00:00:00Z","lastUpdateDate":"T00:00:00Z","#,
    r#""expectedCompletionDate":"","completionDate":"T00:00:00Z","action":"Modify","#,
    r#""product":{"code":"","name":""},"site":{"id":"","name":"","#,
    r#""address":{"street":"","postalCode":"","city":"","country":"FR"}},"#,
    r#""request":{"id":"","customerReference":"","status":"","orangeContact":{"name":"","email":"","phone":""}},"#,
    r#""appointments":[{"id":"","type":"Installation","status":"Planned","start":"T00:00:00Z","end":"T00:00:00Z","comment":""}],"#,
    r#""milestones":[{"name":"","status":"Pending","date":"T00:00:00Z"},{"name":"","status":"Done","date":"T00:00:00Z"}]}"#,
);

/// [`VOCABULARY_V1`] as the content of a zstd dictionary that also holds entropy tables, computed
/// from generated orders by `tools/document-dictionary`. A frame packed against the bare
/// vocabulary carried its own tables, and unpacking it spent half its time building them; one
/// packed against this reuses the dictionary's, which are built once (step 33). It never changes.
const DICTIONARY_V2: &[u8] = include_bytes!("document_dictionary_v2.zdict");

/// 32 KB of what generated orders repeat most, chosen by zstd's dictionary builder (keys,
/// enumerations, and the generator's products, cities and names), with its entropy tables, by
/// `tools/document-dictionary`. Against it generated documents pack to half the bytes of
/// [`DICTIONARY_V2`] and unpack in two thirds of the time; documents that share none of the
/// generator's values (their free text made random) pack within 2% of their size against it, and
/// unpack in 55–60% of the time (step 40). It never changes.
const DICTIONARY_V3: &[u8] = include_bytes!("document_dictionary_v3.zdict");

/// zstd's level for packing: its fastest levels pack these documents within 3% of its default.
const LEVEL: i32 = 1;

/// The largest document unpacked: the largest text either backend stores (about 1 GB), which
/// bounded documents before they were packed. A damaged frame cannot make a reader allocate more.
const LARGEST_DOCUMENT: usize = 1_000_000_000;

static ENCODER_V3: LazyLock<EncoderDictionary<'static>> = LazyLock::new(|| EncoderDictionary::copy(DICTIONARY_V3, LEVEL));
static DECODER_V1: LazyLock<DecoderDictionary<'static>> = LazyLock::new(|| DecoderDictionary::copy(VOCABULARY_V1.as_bytes()));
static DECODER_V2: LazyLock<DecoderDictionary<'static>> = LazyLock::new(|| DecoderDictionary::copy(DICTIONARY_V2));
static DECODER_V3: LazyLock<DecoderDictionary<'static>> = LazyLock::new(|| DecoderDictionary::copy(DICTIONARY_V3));

/// A thread's unpacking context for one dictionary, made on first use.
type DecompressorSlot = RefCell<Option<Decompressor<'static>>>;

thread_local! {
    // A context per thread, made once: creating one costs more than packing a document.
    static COMPRESSOR: RefCell<Option<Compressor<'static>>> = const { RefCell::new(None) };
    static DECOMPRESSOR_V1: DecompressorSlot = const { RefCell::new(None) };
    static DECOMPRESSOR_V2: DecompressorSlot = const { RefCell::new(None) };
    static DECOMPRESSOR_V3: DecompressorSlot = const { RefCell::new(None) };
}

/// A stored document that cannot be read back.
#[derive(Debug, Error)]
pub enum UnpackError {
    #[error(
        "stored order document has an unknown format (first byte {0:#04x}); a newer version of order-tracking may have written it: run that version"
    )]
    UnknownFormat(u8),
    #[error("stored order document is empty")]
    Empty,
    #[error("stored order document is damaged: {0}")]
    Damaged(#[source] std::io::Error),
    #[error("stored order document is not UTF-8")]
    NotUtf8(#[source] std::string::FromUtf8Error),
}

/// The bytes stored for the JSON document `json`.
pub fn pack(json: &str) -> Vec<u8> {
    COMPRESSOR.with_borrow_mut(|compressor| {
        let compressor = match compressor {
            Some(compressor) => compressor,
            None => compressor.insert(Compressor::with_prepared_dictionary(&ENCODER_V3).expect("zstd accepts its own prepared dictionary")),
        };
        // Compressing into memory cannot fail but for allocation, which aborts anyway.
        let frame = compressor.compress(json.as_bytes()).expect("zstd compresses into a vector");
        let mut packed = Vec::with_capacity(1 + frame.len());
        packed.push(PACKED_V3);
        packed.extend_from_slice(&frame);
        packed
    })
}

/// The JSON document stored as `stored`.
pub fn unpack(stored: &[u8]) -> Result<String, UnpackError> {
    match stored.first() {
        None => Err(UnpackError::Empty),
        Some(b'{') => String::from_utf8(stored.to_vec()).map_err(UnpackError::NotUtf8),
        Some(&PACKED_V1) => unpack_frame(&DECOMPRESSOR_V1, &DECODER_V1, &stored[1..]),
        Some(&PACKED_V2) => unpack_frame(&DECOMPRESSOR_V2, &DECODER_V2, &stored[1..]),
        Some(&PACKED_V3) => unpack_frame(&DECOMPRESSOR_V3, &DECODER_V3, &stored[1..]),
        Some(&other) => Err(UnpackError::UnknownFormat(other)),
    }
}

fn unpack_frame(
    slot: &'static std::thread::LocalKey<DecompressorSlot>,
    dictionary: &'static DecoderDictionary<'static>,
    frame: &[u8],
) -> Result<String, UnpackError> {
    let json = slot.with_borrow_mut(|decompressor| {
        let decompressor = match decompressor {
            Some(decompressor) => decompressor,
            None => decompressor.insert(Decompressor::with_prepared_dictionary(dictionary).map_err(UnpackError::Damaged)?),
        };
        decompressor.decompress(frame, LARGEST_DOCUMENT).map_err(UnpackError::Damaged)
    })?;
    String::from_utf8(json).map_err(UnpackError::NotUtf8)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn generated_orders_pack_to_well_under_half_their_json_and_back() {
        let (mut json_bytes, mut packed_bytes) = (0, 0);
        for order in crate::demo::generate::generate_orders(500, 3) {
            let json = order.to_document().0.into_string();
            let packed = pack(&json);
            assert_eq!(packed[0], PACKED_V3);
            assert_eq!(unpack(&packed).unwrap(), json);
            (json_bytes, packed_bytes) = (json_bytes + json.len(), packed_bytes + packed.len());
        }
        // About a sixth (a third against the second dictionary).
        assert!(packed_bytes * 4 < json_bytes, "packed {packed_bytes} bytes of {json_bytes}");
    }

    /// The third dictionary was chosen from generated orders; documents that share none of their
    /// free text (every letter of it made random; keys, enumerations and dates kept) pack within
    /// 2% of their size against the second, which holds nothing but the schema's words (1.6%
    /// smaller with these random letters, 0.3% larger with lower-case ones only).
    #[test]
    fn documents_unlike_generated_ones_pack_as_small_as_against_the_second_dictionary() {
        let second = EncoderDictionary::copy(DICTIONARY_V2, LEVEL);
        let mut against_second = Compressor::with_prepared_dictionary(&second).unwrap();
        let (mut second_bytes, mut third_bytes) = (0, 0);
        let mut random = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(4);
        for order in crate::demo::generate::generate_orders(500, 4) {
            let json = scramble_free_text(&order.to_document().0, &mut random);
            let packed = pack(&json);
            assert_eq!(unpack(&packed).unwrap(), json);
            third_bytes += packed.len();
            second_bytes += 1 + against_second.compress(json.as_bytes()).unwrap().len();
        }
        assert!(
            third_bytes * 50 <= second_bytes * 51,
            "{third_bytes} bytes against the third dictionary, {second_bytes} against the second"
        );
    }

    /// `json` with every letter of its texts replaced by a random one, but for keys, words of the
    /// first vocabulary (the enumerations), dates, and texts with an escape; the keys' order kept.
    fn scramble_free_text(json: &str, random: &mut rand::rngs::StdRng) -> String {
        use rand::seq::IndexedRandom;
        let mut scrambled = String::with_capacity(json.len());
        let mut rest = json;
        while let Some(open) = rest.find('"') {
            scrambled.push_str(&rest[..=open]);
            rest = &rest[open + 1..];
            let close = closing_quote(rest);
            let text = &rest[..close];
            let key = rest[close + 1..].starts_with(':');
            let enumerated = VOCABULARY_V1.contains(&format!("\"{text}\""));
            let date = text.len() >= 10 && text.as_bytes()[..4].iter().all(u8::is_ascii_digit) && text.as_bytes()[4] == b'-';
            if key || enumerated || date || text.contains('\\') {
                scrambled.push_str(text);
            } else {
                let letters = text.chars().map(|char| {
                    if char.is_alphabetic() {
                        char::from(*b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ ".choose(random).expect("letters"))
                    } else {
                        char
                    }
                });
                scrambled.extend(letters);
            }
            scrambled.push('"');
            rest = &rest[close + 1..];
        }
        scrambled.push_str(rest);
        scrambled
    }

    /// Where the JSON string that `text` starts inside ends: the position of its closing quote.
    fn closing_quote(text: &str) -> usize {
        let bytes = text.as_bytes();
        let mut at = 0;
        while bytes[at] != b'"' {
            at += if bytes[at] == b'\\' { 2 } else { 1 };
        }
        at
    }

    /// The hexadecimal SHA-256 of `bytes`, as the tests below pin the dictionaries.
    fn sha256_hex(bytes: &[u8]) -> String {
        use sha2::{Digest, Sha256};
        Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
    }

    /// Checks that `packed`, a frame packed by an earlier version, unpacks to the document the
    /// frozen frames below were packed from.
    fn assert_unpacks_to_the_sample(packed: &[u8]) {
        let json = r#"{"id":"123","status":"Current","orderDate":"2026-01-02T00:00:00Z","request":{"id":"Nouvel"}}"#;
        assert_eq!(unpack(packed).unwrap(), json, "packed today: {:02x?}", pack(json));
    }

    /// Documents packed by this version stay readable by every later one: the vocabulary they
    /// refer to is the one of this version, byte for byte.
    #[test]
    fn the_first_vocabulary_never_changes() {
        assert_eq!(
            sha256_hex(VOCABULARY_V1.as_bytes()),
            "5512a8902e99e67479d159f9354de3e61a81c46d3d3188904f4aa97cf8741171",
            "give a new vocabulary a new format byte"
        );
    }

    /// The same for the second dictionary, which holds the first vocabulary as its content.
    #[test]
    fn the_second_dictionary_never_changes() {
        assert!(DICTIONARY_V2.ends_with(VOCABULARY_V1.as_bytes()));
        assert_eq!(
            sha256_hex(DICTIONARY_V2),
            "42606a94c27977f594adba6ceb4d390242ec117d2c508afa77300cd290c8d784",
            "give a new dictionary a new format byte"
        );
    }

    /// The same for the third dictionary.
    #[test]
    fn the_third_dictionary_never_changes() {
        assert_eq!(
            sha256_hex(DICTIONARY_V3),
            "a6af0726af3e4f1ef92428533c976c0b4b2382471d60aff88b137514f3a07b88",
            "give a new dictionary a new format byte"
        );
    }

    /// This frame was packed against [`DICTIONARY_V3`] by this version: zstd and its crate read
    /// it the same in every later one.
    #[test]
    fn a_document_packed_against_the_third_dictionary_still_unpacks() {
        const PACKED: &[u8] = &[
            0x03, 0x28, 0xb5, 0x2f, 0xfd, 0x21, 0x03, 0x5c, 0x25, 0x01, 0x00, 0x80, 0x31, 0x2d, 0x30, 0x32, 0x54, 0x30, 0x30, 0x4e, 0x6f,
            0x75, 0x76, 0x65, 0x6c, 0x22, 0x7d, 0x7d, 0x06, 0xfc, 0x69, 0xe6, 0x82, 0x56, 0x75, 0x2c, 0x80, 0x26, 0x74, 0x51, 0x2b, 0xf5,
            0x4c, 0x82, 0x52, 0x49, 0x05,
        ];
        assert_unpacks_to_the_sample(PACKED);
    }

    /// This frame was packed against [`DICTIONARY_V2`] by this version: zstd and its crate read
    /// it the same in every later one.
    #[test]
    fn a_document_packed_against_the_second_dictionary_still_unpacks() {
        const PACKED: &[u8] = &[
            0x02, 0x28, 0xb5, 0x2f, 0xfd, 0x21, 0x02, 0x5c, 0x1d, 0x01, 0x00, 0x63, 0xc1, 0x03, 0x1e, 0x8f, 0x0d, 0xeb, 0x3b, 0x9c, 0x8d,
            0x88, 0x73, 0x6b, 0x6e, 0x90, 0xb3, 0x3b, 0xef, 0x06, 0xfc, 0x99, 0x09, 0xc8, 0xd6, 0xea, 0x2c, 0x31, 0x01, 0xa3, 0x3a, 0xe3,
            0x54, 0x11, 0x19, 0x13,
        ];
        assert_unpacks_to_the_sample(PACKED);
    }

    /// This frame was packed against [`VOCABULARY_V1`] by this version: zstd and its crate read
    /// it the same in every later one.
    #[test]
    fn a_document_packed_against_the_first_vocabulary_still_unpacks() {
        const PACKED: &[u8] = &[
            0x01, 0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x5c, 0x5d, 0x01, 0x00, 0xb0, 0x31, 0x32, 0x33, 0x32, 0x30, 0x32, 0x36, 0x2d, 0x30, 0x31,
            0x2d, 0x30, 0x32, 0x4e, 0x6f, 0x75, 0x76, 0x65, 0x6c, 0x22, 0x7d, 0x7d, 0x06, 0x00, 0x99, 0x8b, 0x80, 0xac, 0x39, 0xb0, 0x8e,
            0xe0, 0x10, 0x53, 0x6c, 0xa0, 0x2a, 0x3e, 0x71, 0x32, 0x01, 0x04,
        ];
        assert_unpacks_to_the_sample(PACKED);
    }

    #[test]
    fn plain_json_from_before_packing_is_read_as_it_is() {
        assert_eq!(unpack(br#"{"id":"1"}"#).unwrap(), r#"{"id":"1"}"#);
    }

    #[test]
    fn unreadable_documents_are_errors_not_panics() {
        assert!(matches!(unpack(b""), Err(UnpackError::Empty)));
        assert!(matches!(unpack(b"\x07abc"), Err(UnpackError::UnknownFormat(7))));
        assert!(matches!(unpack(b"\x01not a frame"), Err(UnpackError::Damaged(_))));
        assert!(matches!(unpack(b"\x02not a frame"), Err(UnpackError::Damaged(_))));
        assert!(matches!(unpack(b"\x03not a frame"), Err(UnpackError::Damaged(_))));
        let mut truncated = pack(r#"{"id":"1","status":"Current"}"#);
        truncated.truncate(truncated.len() - 3);
        assert!(unpack(&truncated).is_err());
    }

    proptest! {
        #[test]
        fn any_text_packs_and_unpacks_to_itself(text in "\\PC{0,3000}") {
            prop_assert_eq!(unpack(&pack(&text)).unwrap(), text);
        }
    }
}

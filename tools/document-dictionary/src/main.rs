//! Writes the zstd dictionary that the server packs order documents against (format 2 in
//! `src/store/packed_documents.rs`): the first vocabulary (the order schema's keys and
//! enumeration values, nothing taken from any customer's data) as its content, and entropy tables
//! computed from generated orders, so that each packed document reuses those tables instead of
//! carrying and building its own (docs/performance.md, step 33).
//!
//! Run once, when a new dictionary is wanted: documents packed against a dictionary must stay
//! readable, so a committed dictionary never changes, and a new one gets a new format byte.
//!
//! `cargo run --release -p document-dictionary -- OUTPUT`

use anyhow::{Context, bail, ensure};
use order_tracking::store::packed_documents::VOCABULARY_V1;

/// Generated orders whose statistics make the tables, and the generator's seed for them.
const SAMPLES: usize = 20_000;
const SEED: u64 = 2;
/// zstd's level that the server packs at; the tables are tuned to it.
const LEVEL: i32 = 1;
/// The id written in the dictionary's header (frames do not carry it: the server's format byte
/// names the dictionary).
const DICTIONARY_ID: u32 = 2;

fn main() -> anyhow::Result<()> {
    let output = std::env::args().nth(1).context("usage: document-dictionary OUTPUT")?;
    let samples: Vec<String> =
        order_tracking::demo::generate::order_stream(SAMPLES, SEED).map(|order| order.to_document().0.into_string()).collect();
    let flat: Vec<u8> = samples.iter().flat_map(|sample| sample.bytes()).collect();
    let sizes: Vec<usize> = samples.iter().map(String::len).collect();
    let content = VOCABULARY_V1.as_bytes();
    let mut dictionary = vec![0u8; 64 * 1024];
    let parameters = zstd_sys::ZDICT_params_t { compressionLevel: LEVEL, notificationLevel: 0, dictID: DICTIONARY_ID };
    // SAFETY: every pointer comes with the length of the buffer it points into, and the samples'
    // sizes add up to `flat`'s length, as ZDICT_finalizeDictionary requires.
    #[allow(unsafe_code)]
    let (written, failed) = unsafe {
        let written = zstd_sys::ZDICT_finalizeDictionary(
            dictionary.as_mut_ptr().cast(),
            dictionary.len(),
            content.as_ptr().cast(),
            content.len(),
            flat.as_ptr().cast(),
            sizes.as_ptr(),
            u32::try_from(sizes.len())?,
            parameters,
        );
        (written, zstd_sys::ZDICT_isError(written) != 0)
    };
    if failed {
        bail!("zstd could not finalize the dictionary (error code {written})");
    }
    dictionary.truncate(written);
    ensure!(dictionary.ends_with(content), "the dictionary's content is not the vocabulary");
    std::fs::write(&output, &dictionary).with_context(|| format!("writing {output}"))?;
    println!("{output}: {} bytes ({} of entropy tables and header)", dictionary.len(), dictionary.len() - content.len());
    Ok(())
}

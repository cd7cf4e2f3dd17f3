//! Writes the zstd dictionaries that the server packs order documents against
//! (`src/store/sql/document_dictionary_v*.zdict`, format bytes in `src/store/sql/packed_documents.rs`):
//!
//! - **2**: the first vocabulary (the order schema's keys and enumeration values) as its content,
//!   and entropy tables computed from generated orders, so that each packed document reuses those
//!   tables instead of carrying and building its own (docs/performance.md, step 33);
//! - **3**: content chosen by zstd's dictionary builder from generated orders (the substrings they
//!   repeat most: keys, enumerations, and the generator's vocabulary of products, cities and
//!   names), and its entropy tables: generated documents half the size of those packed against 2,
//!   unpacked in about two thirds of the time (step 40).
//!
//! Nothing is taken from any customer's data: the samples are the demo generator's, from a seed of
//! their own. Run once, when a new dictionary is wanted: documents packed against a dictionary must
//! stay readable, so a committed dictionary never changes, and a new one gets a new format byte.
//! Both are written again byte for byte by this tool.
//!
//! `cargo run --release -p document-dictionary -- VERSION OUTPUT`

use anyhow::{Context, bail, ensure};
use order_tracking::store::packed_documents::VOCABULARY_V1;

/// Generated orders whose statistics make the tables (and, for 3, the content), and the
/// generator's seed for them.
const SAMPLES: usize = 20_000;
const SEED: u64 = 2;
/// zstd's level that the server packs at; the tables are tuned to it.
const LEVEL: i32 = 1;
/// The most content zstd's builder may choose for dictionary 3: 16 to 110 KB packed generated
/// orders within 2% of one another, and 32 KB unpacked them fastest.
const TRAINED_CONTENT: usize = 32 * 1024;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(version), Some(output)) = (args.next(), args.next()) else {
        bail!("usage: document-dictionary VERSION OUTPUT (VERSION 2 or 3)");
    };
    let samples: Vec<String> =
        order_tracking::demo::generate::order_stream(SAMPLES, SEED).map(|order| order.to_document().0.into_string()).collect();
    let samples =
        Samples { flat: samples.iter().flat_map(|sample| sample.bytes()).collect(), sizes: samples.iter().map(String::len).collect() };
    let dictionary = match version.as_str() {
        "2" => {
            let dictionary = samples.finalize(VOCABULARY_V1.as_bytes(), 2)?;
            ensure!(dictionary.ends_with(VOCABULARY_V1.as_bytes()), "the dictionary's content is not the vocabulary");
            dictionary
        }
        "3" => samples.finalize(&samples.trained_content()?, 3)?,
        other => bail!("no dictionary {other}: VERSION is 2 or 3"),
    };
    std::fs::write(&output, &dictionary).with_context(|| format!("writing {output}"))?;
    println!("{output}: {} bytes", dictionary.len());
    Ok(())
}

/// Documents as zstd's dictionary builder takes them: one buffer, and each one's length.
struct Samples {
    flat: Vec<u8>,
    sizes: Vec<usize>,
}

impl Samples {
    /// The content zstd's builder chooses from the samples (its own tables dropped: they are for
    /// zstd's default level, not [`LEVEL`]).
    fn trained_content(&self) -> anyhow::Result<Vec<u8>> {
        let mut trained = vec![0u8; TRAINED_CONTENT];
        // SAFETY: every pointer comes with the length of the buffer it points into, and the
        // samples' sizes add up to `flat`'s length, as ZDICT_trainFromBuffer requires.
        #[allow(unsafe_code)]
        let written = unsafe {
            zstd_sys::ZDICT_trainFromBuffer(
                trained.as_mut_ptr().cast(),
                trained.len(),
                self.flat.as_ptr().cast(),
                self.sizes.as_ptr(),
                u32::try_from(self.sizes.len())?,
            )
        };
        checked("train", written)?;
        // SAFETY: `written` bytes of `trained` are the dictionary ZDICT_trainFromBuffer wrote.
        #[allow(unsafe_code)]
        let header = unsafe { zstd_sys::ZDICT_getDictHeaderSize(trained.as_ptr().cast(), written) };
        checked("read the header of", header)?;
        Ok(trained[header..written].to_vec())
    }

    /// A dictionary of `content` with the header naming `id` and the entropy tables of the
    /// samples packed against it at [`LEVEL`].
    fn finalize(&self, content: &[u8], id: u32) -> anyhow::Result<Vec<u8>> {
        let mut dictionary = vec![0u8; content.len() + 64 * 1024];
        let parameters = zstd_sys::ZDICT_params_t { compressionLevel: LEVEL, notificationLevel: 0, dictID: id };
        // SAFETY: every pointer comes with the length of the buffer it points into, and the
        // samples' sizes add up to `flat`'s length, as ZDICT_finalizeDictionary requires.
        #[allow(unsafe_code)]
        let written = unsafe {
            zstd_sys::ZDICT_finalizeDictionary(
                dictionary.as_mut_ptr().cast(),
                dictionary.len(),
                content.as_ptr().cast(),
                content.len(),
                self.flat.as_ptr().cast(),
                self.sizes.as_ptr(),
                u32::try_from(self.sizes.len())?,
                parameters,
            )
        };
        checked("finalize", written)?;
        dictionary.truncate(written);
        ensure!(dictionary.ends_with(content), "the dictionary's content is not the one given");
        Ok(dictionary)
    }
}

/// `result` of a ZDICT function, or the error it names.
fn checked(what: &str, result: usize) -> anyhow::Result<usize> {
    // SAFETY: ZDICT_isError only inspects the number.
    #[allow(unsafe_code)]
    if unsafe { zstd_sys::ZDICT_isError(result) } != 0 {
        bail!("zstd could not {what} the dictionary (error code {result})");
    }
    Ok(result)
}

//! In-memory indexes of customers' orders, for lists (docs/performance.md, step 30).
//!
//! A list read from SQL walks B-trees row by row: a filter no index serves, a sort its index
//! does not follow, or an offset into thousands of matches read those rows one at a time, at
//! about a microsecond each, and the answer cache cannot hold every combination a client may
//! ask for. An index here holds, for one customer at one orders version, each order's document
//! number (its change-log `seq`) and the fields lists have filtered or sorted on, one compact
//! [`Column`] per field in the order of the ids. A list then costs a pass over the columns it
//! filters on (a bitmap of the matches, whose bits count the exact total) and a walk of an
//! [`page::ordering`] kept for its sort, or a selection among few matches; the page's documents
//! are then read by their numbers.
//!
//! Exact by construction: an index is built from one snapshot together with the orders version
//! it shows, and answers only a list whose caller's store reads that same version; the change
//! log's documents never change once written, so the page's documents are that version's. Any
//! other list (an element filter, a version not built yet, a memory budget too small) is left to
//! SQL, which answers the same (the query oracle runs on both ways).
//!
//! Columns and orderings are loaded as lists need them, within a memory budget shared by every
//! customer; the index used least recently goes first.

mod bitmap;
mod column;
mod index;
mod integers;
mod lanes;
#[cfg(test)]
mod oracle_tests;
mod page;
mod registry;
mod text;

pub use column::Column;
pub use index::{OrderIndex, servable};
pub use page::SortSpec;
pub use registry::{IndexUsage, Load, Lookup, OrderIndexes};
pub use text::TextBuilder;

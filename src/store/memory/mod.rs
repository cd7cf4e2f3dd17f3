//! What is kept in memory to answer lists without SQL: each customer's orders as columns
//! (`order_index/`), and the packed documents of the pages they find (`document_cache.rs`).
//! Both are filled and consulted by the SQL store (`sql/indexed_lists.rs`); nothing here reads
//! the database.

pub mod document_cache;
pub mod order_index;

pub use document_cache::DocumentCacheUsage;
pub use order_index::IndexUsage;

//! Packed order documents kept in memory, for the pages the list indexes find.
//!
//! A document is kept under its change-log number (`seq`), which is never given twice (SQLite's
//! `AUTOINCREMENT`, PostgreSQL's identity) and whose row is never rewritten but to repack the
//! same JSON: an entry stays right for as long as it lives, so nothing invalidates it. An order
//! changed by an import gets a new number, the index of the new orders version points at that
//! one, and the old entry ages out. Kept packed, as stored: a generated order takes about 170
//! bytes (against 1 KB of JSON), so a 100,000-order customer's documents fit 28 MB
//! (docs/performance.md, step 41).

use std::sync::atomic::{AtomicU64, Ordering};

use quick_cache::Weighter;
use quick_cache::sync::Cache;

/// What an entry takes beside its bytes: its key, the box's pointer, the cache's own slot and
/// the allocator's rounding (measured: 100,000 entries of 172 bytes on average took 25.4 MB of
/// the server's RSS, 254 bytes each).
const ENTRY_OVERHEAD: u64 = 80;

/// The packed size of a generated order, on average: what the cache's first guess of its
/// entries assumes.
const TYPICAL_DOCUMENT: u64 = 170;

/// A customer as the cache keys it: its id's 64-bit hash, so that an entry does not carry the
/// id. Made once for a page, not once per document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CustomerKey(u64);

impl CustomerKey {
    pub fn of(customer_id: &str) -> CustomerKey {
        CustomerKey(xxhash_rust::xxh3::xxh3_64(customer_id.as_bytes()))
    }
}

/// Whose document, and which. The customer is part of the key for the reason SQL reads a
/// document by number *and* customer: no index, however wrong, shows another customer's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct DocumentKey {
    customer: CustomerKey,
    seq: i64,
}

#[derive(Debug, Clone)]
struct PackedWeight;

impl Weighter<DocumentKey, Box<[u8]>> for PackedWeight {
    fn weight(&self, _: &DocumentKey, packed: &Box<[u8]>) -> u64 {
        packed.len() as u64 + ENTRY_OVERHEAD
    }
}

/// The documents, within a memory budget.
pub struct DocumentCache {
    /// `None`: a budget of 0, nothing kept.
    kept: Option<Cache<DocumentKey, Box<[u8]>, PackedWeight>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// What the cache holds and did, for the metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DocumentCacheUsage {
    pub bytes: u64,
    pub hits: u64,
    pub misses: u64,
}

impl DocumentCache {
    /// Documents within `budget` bytes; 0: none kept.
    pub fn new(budget: u64) -> DocumentCache {
        // A first guess of the entries, which quick_cache sizes its tables by.
        let entries = usize::try_from(budget / (TYPICAL_DOCUMENT + ENTRY_OVERHEAD)).unwrap_or(usize::MAX).max(1);
        DocumentCache {
            kept: (budget > 0).then(|| Cache::with_weighter(entries, budget, PackedWeight)),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The packed document numbered `seq` of `customer`'s, if kept.
    ///
    /// A copy: an `Arc` would spare copying some 170 bytes, but took 13 bytes more of each entry
    /// (measured on 100,000).
    pub fn get(&self, customer: CustomerKey, seq: i64) -> Option<Box<[u8]>> {
        let found = self.kept.as_ref()?.get(&DocumentKey { customer, seq });
        let counter = if found.is_some() { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Keeps `packed`, the document numbered `seq` of `customer`'s as read from the database,
    /// dropping those used least if the budget needs it.
    pub fn keep(&self, customer: CustomerKey, seq: i64, packed: &[u8]) {
        if let Some(kept) = &self.kept {
            kept.insert(DocumentKey { customer, seq }, packed.into());
        }
    }

    pub fn usage(&self) -> DocumentCacheUsage {
        DocumentCacheUsage {
            bytes: self.kept.as_ref().map_or(0, Cache::weight),
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(id: &str) -> CustomerKey {
        CustomerKey::of(id)
    }

    #[test]
    fn a_kept_document_is_found_by_its_customer_and_number_only() {
        let cache = DocumentCache::new(1 << 20);
        assert_eq!(cache.get(customer("c1"), 7), None);
        cache.keep(customer("c1"), 7, b"\x03packed");
        assert_eq!(cache.get(customer("c1"), 7).as_deref(), Some(&b"\x03packed"[..]));
        assert_eq!(cache.get(customer("c2"), 7), None, "another customer's number");
        assert_eq!(cache.get(customer("c1"), 8), None, "another number");
        let usage = cache.usage();
        assert_eq!((usage.hits, usage.misses), (1, 3));
        assert_eq!(usage.bytes, 7 + ENTRY_OVERHEAD);
    }

    #[test]
    fn the_budget_bounds_what_is_kept() {
        let budget = 100 * (200 + ENTRY_OVERHEAD);
        let cache = DocumentCache::new(budget);
        for seq in 0..1_000 {
            cache.keep(customer("c1"), seq, &[3; 200]);
        }
        let usage = cache.usage();
        assert!(usage.bytes <= budget && usage.bytes >= budget / 2, "{} bytes kept of {budget}", usage.bytes);
        let found = (0..1_000).filter(|&seq| cache.get(customer("c1"), seq).is_some()).count();
        assert!((50..=100).contains(&found), "{found} documents kept");
    }

    #[test]
    fn a_budget_of_zero_keeps_nothing() {
        let cache = DocumentCache::new(0);
        cache.keep(customer("c1"), 1, b"{}");
        assert_eq!(cache.get(customer("c1"), 1), None);
        assert_eq!(cache.usage().bytes, 0);
    }
}

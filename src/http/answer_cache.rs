//! Rendered answers of the order routes, kept in memory under the customer's orders version.
//!
//! The version is read in the same query as the caller's token, and every import that changes
//! an order moves it in the import's own transaction (migration 0004). An answer is stored under
//! the version read before its data was, so a request never gets anything older than the
//! orders committed when it started, on any instance: an import made by `admin import` or by
//! another instance is seen at once, with no message between processes. Old versions' answers
//! are never looked up again and age out. The cache is bounded by the bytes it holds.

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::header::{ETAG, LINK};
use axum::http::{HeaderMap, HeaderValue};
use quick_cache::Weighter;
use quick_cache::sync::Cache;

/// What an answer depends on: whose orders, which version of them, and the request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AnswerKey {
    pub customer_id: String,
    pub orders_version: i64,
    pub request: Request,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Request {
    /// A list, by its raw query string: the same string always parses to the same query.
    List(String),
    /// One order, by id.
    Order(String),
}

/// A successful answer, ready to send again.
#[derive(Debug)]
pub struct Answer {
    pub body: Bytes,
    pub etag: HeaderValue,
    /// A list's counts and links; none for one order.
    pub list: Option<ListHeaders>,
    /// The body compressed, by `Encoding::index`: each made the first time a client asks for
    /// it, and kept in a copy of the answer that replaces this one (`with_compressed`). A cached
    /// answer never changes: the cache weighs an entry again when it is replaced.
    pub compressed: [Option<Bytes>; 3],
}

/// The headers of a list answer, kept as values and rendered per response: a `HeaderMap` per
/// cached answer held more bytes of tables than a one-order page has of body
/// (docs/performance.md, step 27).
#[derive(Debug, Clone)]
pub struct ListHeaders {
    pub result_count: usize,
    pub total: u64,
    pub link: Option<HeaderValue>,
}

impl Answer {
    pub fn new(body: Bytes, etag: HeaderValue, list: Option<ListHeaders>) -> Answer {
        Answer { body, etag, list, compressed: Default::default() }
    }

    /// This answer with one more compressed form (at `Encoding::index`).
    pub fn with_compressed(&self, index: usize, body: Bytes) -> Answer {
        let mut compressed = self.compressed.clone();
        compressed[index] = Some(body);
        Answer { body: self.body.clone(), etag: self.etag.clone(), list: self.list.clone(), compressed }
    }

    /// Bytes of the compressed forms made so far.
    fn compressed_bytes(&self) -> usize {
        self.compressed.iter().flatten().map(Bytes::len).sum()
    }

    /// The answer's own headers besides `Content-Type`.
    pub fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::with_capacity(4);
        if let Some(list) = &self.list {
            headers.insert("x-result-count", HeaderValue::from(list.result_count));
            headers.insert("x-total-count", HeaderValue::from(list.total));
            if let Some(link) = &list.link {
                headers.insert(LINK, link.clone());
            }
        }
        headers.insert(ETAG, self.etag.clone());
        headers
    }
}

/// Bytes held by an entry besides the texts counted one by one: the key's and the answer's
/// structures, the cache's slot, the allocator's rounding. Measured with one-order lists: with
/// 256 here, a full cache took 1.4 times its budget in RSS; with 1,024, 1.0 to 1.2 times
/// (docs/performance.md, step 27).
const ENTRY_OVERHEAD: usize = 1024;

/// Bytes held: what the entry holds in text (its compressed forms too), and its structures.
#[derive(Debug, Clone, Copy)]
struct Size;

impl Weighter<AnswerKey, Arc<Answer>> for Size {
    fn weight(&self, key: &AnswerKey, answer: &Arc<Answer>) -> u64 {
        let request = match &key.request {
            Request::List(raw) | Request::Order(raw) => raw.len(),
        };
        let link = answer.list.as_ref().and_then(|list| list.link.as_ref()).map_or(0, HeaderValue::len);
        (answer.body.len() + answer.compressed_bytes() + request + key.customer_id.len() + answer.etag.len() + link + ENTRY_OVERHEAD) as u64
    }
}

/// The cache; with a capacity of 0 it holds nothing.
pub struct AnswerCache {
    cache: Option<Cache<AnswerKey, Arc<Answer>, Size>>,
}

/// Answers are a few kB to 1 MB; the estimate only sizes the cache's tables.
const TYPICAL_ANSWER_BYTES: u64 = 8 * 1024;

impl AnswerCache {
    pub fn new(capacity_bytes: u64) -> AnswerCache {
        let cache = (capacity_bytes > 0)
            .then(|| Cache::with_weighter((capacity_bytes / TYPICAL_ANSWER_BYTES).max(16) as usize, capacity_bytes, Size));
        AnswerCache { cache }
    }

    pub fn get(&self, key: &AnswerKey) -> Option<Arc<Answer>> {
        self.cache.as_ref()?.get(key)
    }

    /// Keeps `answer`, replacing what was kept under `key`.
    pub fn insert(&self, key: AnswerKey, answer: Arc<Answer>) {
        if let Some(cache) = &self.cache {
            cache.insert(key, answer);
        }
    }

    /// Bytes held now, for the metrics.
    pub fn weight(&self) -> u64 {
        self.cache.as_ref().map_or(0, Cache::weight)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(version: i64, raw: &str) -> AnswerKey {
        AnswerKey { customer_id: "c1".into(), orders_version: version, request: Request::List(raw.into()) }
    }

    fn answer(bytes: usize) -> Arc<Answer> {
        Arc::new(Answer::new(Bytes::from(vec![b'x'; bytes]), HeaderValue::from_static("\"e\""), None))
    }

    #[test]
    fn an_answer_is_found_only_under_its_own_version_customer_and_request() {
        let cache = AnswerCache::new(1 << 20);
        cache.insert(key(3, "limit=5"), answer(10));
        assert!(cache.get(&key(3, "limit=5")).is_some());
        assert!(cache.get(&key(4, "limit=5")).is_none(), "a newer version misses");
        assert!(cache.get(&key(3, "limit=6")).is_none());
        assert!(cache.get(&AnswerKey { customer_id: "c2".into(), ..key(3, "limit=5") }).is_none());
        assert!(cache.get(&AnswerKey { request: Request::Order("limit=5".into()), ..key(3, "") }).is_none());
    }

    #[test]
    fn the_cache_holds_no_more_bytes_than_its_capacity() {
        let cache = AnswerCache::new(64 * 1024);
        for n in 0..100 {
            cache.insert(key(1, &n.to_string()), answer(4 * 1024));
        }
        assert!(cache.weight() <= 64 * 1024, "{} bytes held", cache.weight());
        assert!(cache.weight() > 0);
    }

    #[test]
    fn a_compressed_form_counts_in_the_copy_that_replaces_the_answer() {
        let cache = AnswerCache::new(1 << 20);
        let kept = answer(10_000);
        cache.insert(key(1, ""), kept.clone());
        let before = cache.weight();
        cache.insert(key(1, ""), Arc::new(kept.with_compressed(2, Bytes::from(vec![b'z'; 3_000]))));
        assert_eq!(cache.weight(), before + 3_000);
        let found = cache.get(&key(1, "")).unwrap();
        assert_eq!((found.compressed[2].as_ref().map(Bytes::len), found.body.len()), (Some(3_000), 10_000));
    }

    #[test]
    fn a_capacity_of_zero_holds_nothing() {
        let cache = AnswerCache::new(0);
        cache.insert(key(1, ""), answer(1));
        assert!(cache.get(&key(1, "")).is_none());
    }
}

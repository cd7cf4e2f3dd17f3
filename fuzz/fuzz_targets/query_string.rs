//! The list query-string parser: `order_tracking::query::parse_query`.
//!
//! The whole input is the raw query string (invalid UTF-8 converted lossily, as valid UTF-8
//! is left unchanged), so seeds and crash files are plain text. Besides "no panic", every
//! outcome is checked against what the parser promises its callers.

#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use order_tracking::domain::catalogue::{FieldKind, TOP_LEVEL_FIELDS};
use order_tracking::query::{Limits, QueryError, Value, parse_query};

/// Configurations the service accepts (`1 <= default_limit <= max_limit`), including the
/// extremes; picked by input length so the query string itself stays plain text.
const LIMITS: [Limits; 4] = [
    Limits { default_limit: 1000, max_limit: 1000 },
    Limits { default_limit: 20, max_limit: 100 },
    Limits { default_limit: 1, max_limit: 1 },
    Limits { default_limit: 1000, max_limit: u64::MAX },
];

fuzz_target!(|data: &[u8]| {
    let raw = String::from_utf8_lossy(data);
    let limits = LIMITS[data.len() % LIMITS.len()];
    // The decoded names, as the parser sees them: an error must name one of these.
    let names: Vec<String> = form_urlencoded::parse(raw.as_bytes()).map(|(name, _)| name.into_owned()).collect();
    match parse_query(&raw, limits) {
        Ok(query) => {
            if names.iter().any(|name| name == "limit") {
                assert!((1..=limits.max_limit).contains(&query.limit), "limit {} outside 1..={}", query.limit, limits.max_limit);
            } else {
                assert_eq!(query.limit, limits.default_limit);
            }
            if !names.iter().any(|name| name == "offset") {
                assert_eq!(query.offset, 0);
            }

            // Sort keys: sortable (outside arrays) and each field once, or SQL would be wrong.
            let mut sorted = HashSet::new();
            for key in &query.sort {
                assert!(key.field.sortable(), "sort on {}", key.field.path);
                assert!(sorted.insert(key.field.path), "sort on {} twice", key.field.path);
            }

            // A projection always starts with `id`, names top-level members only, each once.
            if let Some(fields) = &query.fields {
                assert_eq!(fields.first(), Some(&"id"));
                let unique: HashSet<_> = fields.iter().collect();
                assert_eq!(unique.len(), fields.len(), "duplicate in {fields:?}");
                assert!(fields.iter().all(|field| TOP_LEVEL_FIELDS.contains(field)), "{fields:?}");
            }

            // Filters: one per (field, operator), never empty, one value for an ordering
            // comparison, values typed by the field's kind, no NUL reaching the store.
            let mut pairs = HashSet::new();
            for filter in &query.filters {
                assert!(pairs.insert((filter.field.path, filter.op.name())), "{} {} twice", filter.field.path, filter.op.name());
                assert!(!filter.values.is_empty());
                if !filter.op.takes_list() {
                    assert_eq!(filter.values.len(), 1, "{} {}", filter.field.path, filter.op.name());
                }
                for value in &filter.values {
                    match (value, filter.field.kind) {
                        (Value::Text(text), FieldKind::Text) => assert!(!text.contains('\0')),
                        (Value::Instant(_), FieldKind::Date | FieldKind::DateTime) => {}
                        (value, kind) => panic!("{value:?} for a {kind:?} field"),
                    }
                }
            }
            assert!(query.filters.len() <= names.len());
        }
        Err(error) => check_error(&error, &names),
    }
});

/// The API answers a bad query with this message: it must point at a parameter the client sent.
fn check_error(error: &QueryError, names: &[String]) {
    assert!(!error.problem.is_empty(), "{error:?}");
    assert!(names.contains(&error.parameter), "{:?} is none of the parameters {names:?}", error.parameter);
    assert!(error.to_string().contains(error.parameter.as_str()));
}

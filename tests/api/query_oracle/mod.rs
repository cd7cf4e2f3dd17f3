//! The list query language of contract §6 checked against an oracle.
//!
//! Data sets are generated with many ties, missing optional fields, text whose code-point order
//! differs from alphabetical order, arrays, date-times written in many offsets and with or
//! without fractional seconds, and dates. Queries are generated over every catalogue path: filters
//! in all their spellings and operators, multi-key sorts, offsets, limits and `fields`. Every
//! answer is compared with what the oracle expects: a plain-Rust reading of the contract over the
//! generated model of each order, sharing no code with the server's query parser or SQL.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use proptest::test_runner::TestCaseError;
use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::{Month, OffsetDateTime, UtcOffset};

use crate::harness::{Answer, Backend, ORDERS, TestApp};

mod hand_picked;
mod model;
mod oracle;
mod query;
mod schema;
mod server;
mod strategies;

use model::*;
use oracle::*;
use query::*;
use schema::*;
use server::*;
use strategies::*;

async fn check_lists(app: &TestApp, case: &Case<QuerySpec>) -> Result<(), TestCaseError> {
    let server = Server::load(app, &case.orders).await;
    let everything = server.get(&format!("{ORDERS}?limit={DEFAULT_LIMIT}")).await;
    if everything.status != 200 {
        return fail(format!("the whole list answered {}: {}", everything.status, everything.body));
    }
    let documents: BTreeMap<String, Value> = everything
        .json()
        .as_array()
        .expect("a list")
        .iter()
        .map(|order| (order["id"].as_str().expect("an id").to_owned(), order.clone()))
        .collect();
    for order in &case.orders {
        let Some(served) = documents.get(&order.id) else {
            return fail(format!("order {:?} is not in the whole list", order.id));
        };
        same_document(&order.to_json(), served, &order.id).map_err(TestCaseError::fail)?;
    }
    for query in &case.queries {
        let answer = server.get(&query.url()).await;
        check_answer(query, &case.orders, &answer, &documents)?;
    }
    Ok(())
}

/// Walks the pages of a query's result, `limit` at a time, and checks that together they are
/// the oracle's list: every matching order once, in order.
async fn check_paging(app: &TestApp, case: &Case<(QuerySpec, u64)>) -> Result<(), TestCaseError> {
    let server = Server::load(app, &case.orders).await;
    for (query, limit) in &case.queries {
        let matching = oracle(&case.orders, query);
        let expected = ids(&matching);
        let mut walked: Vec<String> = Vec::new();
        let mut offset = 0;
        loop {
            let paged = QuerySpec { offset: Some(offset), limit: Some(*limit), fields: None, ..query.clone() };
            let answer = server.get(&paged.url()).await;
            if answer.status != 200 {
                return fail(format!("GET {}\n  answered {}: {}", paged.url(), answer.status, answer.body));
            }
            if header_count(&answer, "x-total-count") != Some(matching.len()) {
                return fail(format!(
                    "GET {}\n  X-Total-Count {:?}, expected {}",
                    paged.url(),
                    answer.header("x-total-count"),
                    matching.len()
                ));
            }
            let ids = answer.ids();
            let full_page = usize::try_from(*limit).expect("a small limit");
            if (offset < matching.len() as u64 && ids.is_empty()) || ids.len() > full_page {
                return fail(format!("GET {}\n  {} orders on a page of {limit}", paged.url(), ids.len()));
            }
            if ids.is_empty() {
                break;
            }
            walked.extend(ids);
            offset += limit;
        }
        let mut seen = BTreeSet::new();
        let repeated: Vec<&String> = walked.iter().filter(|id| !seen.insert(id.as_str())).collect();
        let missing: Vec<&&str> = expected.iter().filter(|id| !seen.contains(**id)).collect();
        if !repeated.is_empty() || !missing.is_empty() || walked.len() != expected.len() {
            return fail(format!(
                "paging {} by {limit}: returned more than once: {repeated:?}; never returned: {missing:?}; walked {} orders, {} match",
                query.url(),
                walked.len(),
                expected.len()
            ));
        }
        if walked != expected {
            return fail(format!("paging by {limit}: {}", list_difference(query, &case.orders, &expected, &walked)));
        }
    }
    Ok(())
}

fn paging_query_strategy() -> impl Strategy<Value = (QuerySpec, u64)> {
    (query_strategy(), 3u64..=25).prop_map(|(query, limit)| (QuerySpec { offset: None, limit: None, fields: None, ..query }, limit))
}

#[test]
fn lists_match_the_oracle_for_generated_queries() {
    let servers = Servers::start();
    run_cases(64, case_strategy(query_strategy(), 14), |case| {
        servers.apps.iter().try_for_each(|app| servers.run(app, check_lists(app, &case)))
    });
    servers.finish();
}

#[test]
fn paging_through_a_result_returns_every_order_once() {
    let servers = Servers::start();
    run_cases(16, case_strategy(paging_query_strategy(), 4), |case| {
        servers.apps.iter().try_for_each(|app| servers.run(app, check_paging(app, &case)))
    });
    servers.finish();
}

/// One document against a query's filters, as the feed and the hub check events (#31): the
/// server's matcher, on the query the server parsed, says what the oracle says, order by order.
#[test]
fn one_document_matches_the_filters_as_the_oracle_says() {
    use order_tracking::query::{Limits, matches_all, parse_query};
    let limits = Limits { default_limit: DEFAULT_LIMIT as u64, max_limit: DEFAULT_LIMIT as u64 };
    proptest!(config(128), |(case in case_strategy(query_strategy(), 8))| {
        for query in &case.queries {
            let raw = query.to_string();
            let parsed = parse_query(raw.trim_start_matches('?'), limits).map_err(|error| TestCaseError::fail(format!("{raw}: {error}")))?;
            for order in &case.orders {
                let expected = query.filters.iter().all(|filter| holds(order, filter));
                prop_assert_eq!(matches_all(&parsed.filters, &order.to_json()), expected, "{} on {}", raw, order.to_json());
            }
        }
    });
}

#[test]
fn the_oracle_knows_every_field_of_the_catalogue() {
    use order_tracking::domain::catalogue::{self, Container, FieldKind};
    let theirs: Vec<(&str, FieldKind, Container)> =
        catalogue::FIELDS.iter().map(|field| (field.path, field.kind, field.container)).collect();
    let ours: Vec<(&str, FieldKind, Container)> = LEAVES
        .iter()
        .map(|leaf| {
            let kind = match leaf.kind {
                Kind::Text => FieldKind::Text,
                Kind::DateTime => FieldKind::DateTime,
                Kind::Date => FieldKind::Date,
            };
            let container = match leaf.place {
                Place::Order => Container::Order,
                Place::Appointments => Container::Appointments,
                Place::Milestones => Container::Milestones,
            };
            (leaf.path, kind, container)
        })
        .collect();
    assert_eq!(ours, theirs, "the oracle's schema must follow the catalogue");
    assert_eq!(TOP_LEVEL, catalogue::TOP_LEVEL_FIELDS);
}

//! The list query language of contract §6: a query string parsed once into a typed
//! [`OrderQuery`], every name checked against the field catalogue.

mod matches;
mod order_query;
mod parse;

pub use matches::matches_all;
pub use order_query::{Filter, Op, OrderQuery, SortKey, Value};
pub use parse::{Limits, QueryError, parse_query};

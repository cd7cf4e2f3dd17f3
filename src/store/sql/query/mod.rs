//! Turns a typed [`OrderQuery`](crate::query::OrderQuery) into SQL shared by every backend:
//! the page and its count (`list.rs`), or the total from kept counts (`totals.rs`).

mod filters;
mod list;
mod totals;

pub use list::{DOCUMENTS, ListSql, NullsSort, PagePlan, list_sql, lists_elements};
pub use totals::{MAX_KEPT_SETS, customer_total, day_total, set_total, status_total, value_total};

#[cfg(test)]
mod tests;

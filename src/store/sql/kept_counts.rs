//! The counts imports keep beside the orders, moved in the import's transaction, so that the
//! exact `X-Total-Count` of the lists most likely to match many orders is a sum over a few rows
//! instead of a count of index entries (docs/performance.md, "How the fast paths stay exact"):
//! per status (`order_counts`), per UTC day of the order date and status (`order_day_counts`),
//! per UTC day of the last update and status (`order_last_update_day_counts`), and per value of
//! a few-valued field and status (`order_value_counts`).

use std::collections::HashMap;

use super::multi_row::Rows;
use crate::domain::instant::{day_of, nanos};
use crate::domain::order::Order;
use crate::store::order_columns::{counted_values, status_name};
use crate::store::sql_query::Bind;

/// What the kept counts count an order under.
pub(super) struct CountedAs {
    pub status: String,
    /// UTC day of the order date.
    pub day: i64,
    /// UTC day of the last update, if any.
    pub last_update_day: Option<i64>,
    /// Its values of the counted fields, by column.
    pub values: Vec<(&'static str, String)>,
}

impl CountedAs {
    pub(super) fn of(order: &Order) -> CountedAs {
        CountedAs {
            status: status_name(order),
            day: day_of(nanos(order.order_date)),
            last_update_day: order.last_update_date.map(|date| day_of(nanos(date))),
            values: counted_values(order),
        }
    }
}

/// How many orders each key gained (or lost) in one import.
#[derive(Default)]
pub(super) struct KeptCounts {
    /// By (status, day of the order date).
    by_day: HashMap<(String, i64), i64>,
    /// By (status, day of the last update).
    by_last_update_day: HashMap<(String, i64), i64>,
    /// By (column, value, status).
    by_value: HashMap<(&'static str, String, String), i64>,
}

impl KeptCounts {
    /// Counts an order in (`delta` 1) or out (`delta` -1, an order replaced).
    pub(super) fn add(&mut self, order: &CountedAs, delta: i64) {
        for (column, value) in &order.values {
            *self.by_value.entry((column, value.clone(), order.status.clone())).or_default() += delta;
        }
        *self.by_day.entry((order.status.clone(), order.day)).or_default() += delta;
        if let Some(day) = order.last_update_day {
            *self.by_last_update_day.entry((order.status.clone(), day)).or_default() += delta;
        }
    }

    /// Each table with its key columns and the rows that move it: added to what it holds.
    pub(super) fn rows(&self, customer_id: &str) -> [(&'static str, &'static str, Rows); 4] {
        let customer = || Bind::text(customer_id);
        let orders = |delta: i64| vec![("orders", Bind::int(delta))];
        let day_rows = |by_day: &HashMap<(String, i64), i64>| {
            let mut rows = Rows::default();
            for ((status, day), &delta) in by_day.iter().filter(|(_, delta)| **delta != 0) {
                rows.push(["customer_id", "day", "status"], [customer(), Bind::int(*day), Bind::text(status.clone())], orders(delta));
            }
            rows
        };
        // Every order has an order date: its day's counts sum to the status's.
        let mut by_status = HashMap::<&str, i64>::new();
        for ((status, _), &delta) in &self.by_day {
            *by_status.entry(status).or_default() += delta;
        }
        let mut by_status_rows = Rows::default();
        for (status, delta) in by_status.into_iter().filter(|(_, delta)| *delta != 0) {
            by_status_rows.push(["customer_id", "status"], [customer(), Bind::text(status)], orders(delta));
        }
        let mut by_value = Rows::default();
        for ((column, value, status), &delta) in self.by_value.iter().filter(|(_, delta)| **delta != 0) {
            let key = [customer(), Bind::text(*column), Bind::text(value.clone()), Bind::text(status.clone())];
            by_value.push(["customer_id", "field", "value", "status"], key, orders(delta));
        }
        [
            ("order_day_counts", "customer_id, day, status", day_rows(&self.by_day)),
            ("order_last_update_day_counts", "customer_id, day, status", day_rows(&self.by_last_update_day)),
            ("order_counts", "customer_id, status", by_status_rows),
            ("order_value_counts", "customer_id, field, value, status", by_value),
        ]
    }
}

//! The counts imports keep beside the orders, moved in the import's transaction, so that the
//! exact `X-Total-Count` of the lists most likely to match many orders is a sum over a few rows
//! instead of a count of index entries (docs/performance.md, "How the fast paths stay exact"):
//! per status (`order_counts`), per UTC day of each date of [`COUNTED_BY_DAY`] and status
//! (`order_day_counts` for the order date, and one table per other date), per value of a
//! few-valued field and status (`order_value_counts`), and per set of values of a few-valued
//! field of the appointments or milestones and status (`order_set_counts`).

use std::collections::HashMap;

use super::bind::Bind;
use super::columns::{COUNTED_BY_DAY, counted_days, counted_sets, counted_values, status_name};
use super::multi_row::Rows;
use crate::domain::order::Order;

/// What the kept counts count an order under.
pub(super) struct CountedAs {
    pub status: String,
    /// UTC day of each [`COUNTED_BY_DAY`] date it has, by the table that counts it.
    pub days: Vec<(&'static str, i64)>,
    /// Its values of the counted fields, by column.
    pub values: Vec<(&'static str, String)>,
    /// The keys of its sets of values of the counted element fields, by path.
    pub sets: Vec<(&'static str, String)>,
}

impl CountedAs {
    pub(super) fn of(order: &Order) -> CountedAs {
        CountedAs { status: status_name(order), days: counted_days(order), values: counted_values(order), sets: counted_sets(order) }
    }
}

/// How many orders each key gained (or lost) in one import.
#[derive(Default)]
pub(super) struct KeptCounts {
    /// By (table, status, day).
    by_day: HashMap<(&'static str, String, i64), i64>,
    /// By (column, value, status).
    by_value: HashMap<(&'static str, String, String), i64>,
    /// By (path, set of values, status).
    by_set: HashMap<(&'static str, String, String), i64>,
}

impl KeptCounts {
    /// Counts an order in (`delta` 1) or out (`delta` -1, an order replaced).
    pub(super) fn add(&mut self, order: &CountedAs, delta: i64) {
        for (counts, keys) in [(&mut self.by_value, &order.values), (&mut self.by_set, &order.sets)] {
            for (field, key) in keys {
                *counts.entry((field, key.clone(), order.status.clone())).or_default() += delta;
            }
        }
        for &(table, day) in &order.days {
            *self.by_day.entry((table, order.status.clone(), day)).or_default() += delta;
        }
    }

    /// Each table with its key columns and the rows that move it: added to what it holds.
    pub(super) fn rows(&self, customer_id: &str) -> Vec<(&'static str, &'static str, Rows)> {
        let customer = || Bind::text(customer_id);
        let orders = |delta: i64| vec![("orders", Bind::int(delta))];
        let mut tables = Vec::new();
        for (_, table) in COUNTED_BY_DAY {
            let mut rows = Rows::default();
            for ((_, status, day), &delta) in self.by_day.iter().filter(|((counted_in, _, _), delta)| *counted_in == table && **delta != 0)
            {
                rows.push(["customer_id", "day", "status"], [customer(), Bind::int(*day), Bind::text(status.clone())], orders(delta));
            }
            tables.push((table, "customer_id, day, status", rows));
        }
        // Every order has an order date: its days' counts sum to the status's.
        let (_, order_days) = COUNTED_BY_DAY[0];
        let mut by_status = HashMap::<&str, i64>::new();
        for ((_, status, _), &delta) in self.by_day.iter().filter(|((table, _, _), _)| *table == order_days) {
            *by_status.entry(status).or_default() += delta;
        }
        let mut by_status_rows = Rows::default();
        for (status, delta) in by_status.into_iter().filter(|(_, delta)| *delta != 0) {
            by_status_rows.push(["customer_id", "status"], [customer(), Bind::text(status)], orders(delta));
        }
        tables.push(("order_counts", "customer_id, status", by_status_rows));
        let by_key = [
            ("order_value_counts", "value", "customer_id, field, value, status", &self.by_value),
            ("order_set_counts", "value_set", "customer_id, field, value_set, status", &self.by_set),
        ];
        for (table, key_column, conflict_key, counts) in by_key {
            let mut rows = Rows::default();
            for ((field, key, status), &delta) in counts.iter().filter(|(_, delta)| **delta != 0) {
                let key = [customer(), Bind::text(*field), Bind::text(key.clone()), Bind::text(status.clone())];
                rows.push(["customer_id", "field", key_column, "status"], key, orders(delta));
            }
            tables.push((table, conflict_key, rows));
        }
        tables
    }
}

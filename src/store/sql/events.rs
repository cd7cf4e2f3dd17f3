//! The event log (issue #31): one event per order that an import created or changed, written in
//! the import's transaction, and read back in each customer's `sequence` order.

use std::collections::BTreeMap;

use sqlx::{Row, Transaction};

use super::bind::{Bind, owned_arguments};
use super::dialect::Dialect;
use super::multi_row::{Placeholder, Rows, placeholders};
use super::orders::unpack;
use super::time_columns::from_micros;
use crate::domain::events::{EventType, OrderEvent, changed_fields};
use crate::domain::order::OrderDocument;
use crate::store::{StoreError, StoreResult};

/// What an order's new document changes, if anything: a new id is a creation; a stored one whose
/// fields all read the same (members reordered, a `null` given for an absent member) is none.
pub(super) fn change_of(stored: Option<&str>, new: &str) -> StoreResult<Option<(EventType, Vec<String>)>> {
    let Some(stored) = stored else { return Ok(Some((EventType::OrderCreate, Vec::new()))) };
    let parse = |text: &str| serde_json::from_str::<serde_json::Value>(text).map_err(|error| StoreError::Backend(Box::new(error)));
    let changed = changed_fields(&parse(stored)?, &parse(new)?);
    Ok((!changed.is_empty()).then(|| (EventType::of_change(&changed), changed)))
}

/// An event about to be written, and the change-log row that holds the order after it.
pub(super) struct NewEvent {
    pub event_type: EventType,
    pub changed_fields: Vec<String>,
    pub change_seq: i64,
}

/// The customer's numbering during one write: the last sequence given, the write's time, and
/// how many events of each type it recorded.
pub(super) struct Numbering {
    pub last_sequence: i64,
    pub first_sequence: i64,
    pub event_time: i64,
    pub recorded: BTreeMap<&'static str, i64>,
}

impl Numbering {
    /// Whether the write gave any number.
    pub fn advanced(&self) -> bool {
        self.last_sequence > self.first_sequence
    }
}

/// Writes `events` (the order they come in is their sequence) with multi-row inserts.
pub(super) async fn record<DB>(
    tx: &mut Transaction<'_, DB>,
    customer_id: &str,
    events: Vec<NewEvent>,
    numbering: &mut Numbering,
) -> StoreResult<()>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> &'q [u8]: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<String>: sqlx::Encode<'q, DB>,
    for<'q> Option<i64>: sqlx::Encode<'q, DB>,
    for<'q> Option<Vec<u8>>: sqlx::Encode<'q, DB>,
    for<'q> Vec<u8>: sqlx::Type<DB>,
{
    let mut rows = Rows::default();
    for event in events {
        numbering.last_sequence += 1;
        *numbering.recorded.entry(event.event_type.name()).or_default() += 1;
        let changed = serde_json::to_string(&event.changed_fields).map_err(|error| StoreError::Backend(Box::new(error)))?;
        let row = vec![
            ("event_id", Bind::text(crate::auth::secret::new_id("evt_"))),
            ("event_time", Bind::int(numbering.event_time)),
            ("event_type", Bind::text(event.event_type.name().to_owned())),
            ("changed_fields", Bind::text(changed)),
            ("change_seq", Bind::int(event.change_seq)),
        ];
        rows.push(["customer_id", "sequence"], [Bind::text(customer_id), Bind::int(numbering.last_sequence)], row);
    }
    for (insert, binds) in rows.statements("order_events", DB::PLACEHOLDER) {
        sqlx::query_with(&insert, owned_arguments::<DB>(binds)?).execute(&mut **tx).await?;
    }
    Ok(())
}

/// Adds the write's events to the customer's counts by type, which only ever grow.
pub(super) async fn count<DB>(tx: &mut Transaction<'_, DB>, customer_id: &str, numbering: &Numbering) -> StoreResult<()>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    for (event_type, recorded) in &numbering.recorded {
        sqlx::query(
            "INSERT INTO event_counts (customer_id, event_type, recorded) VALUES ($1, $2, $3) \
             ON CONFLICT (customer_id, event_type) DO UPDATE SET recorded = event_counts.recorded + excluded.recorded",
        )
        .bind(customer_id)
        .bind(*event_type)
        .bind(*recorded)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The statement and binds that read a customer's events after `after`, at most `limit`, of
/// the given types (all when empty). Placeholders go in the order of the text, which is the
/// order SQLite's anonymous ones bind.
pub(super) fn events_query(style: Placeholder, customer_id: &str, after: i64, limit: u32, types: &[EventType]) -> (String, Vec<Bind>) {
    let at = |first: usize, count: usize| placeholders(style, first, count);
    let type_filter = match types.len() {
        0 => String::new(),
        n => format!(" AND e.event_type IN ({})", at(3, n)),
    };
    let sql = format!(
        "SELECT e.sequence, e.event_id, e.event_time, e.event_type, e.changed_fields, c.doc FROM order_events e \
         JOIN order_changes c ON c.customer_id = e.customer_id AND c.seq = e.change_seq \
         WHERE e.customer_id = {} AND e.sequence > {}{type_filter} ORDER BY e.sequence LIMIT {}",
        at(1, 1),
        at(2, 1),
        at(3 + types.len(), 1)
    );
    let binds = [Bind::text(customer_id), Bind::int(after)]
        .into_iter()
        .chain(types.iter().map(|kind| Bind::text(kind.name())))
        .chain([Bind::int(i64::from(limit))])
        .collect();
    (sql, binds)
}

/// An event as the rows of [`events_query`] hold it: sequence, id, time, type, fields, document.
pub(super) fn event_of<DB>(row: &DB::Row) -> StoreResult<OrderEvent>
where
    DB: Dialect,
    for<'q> String: sqlx::Decode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Decode<'q, DB> + sqlx::Type<DB>,
    for<'q> Vec<u8>: sqlx::Decode<'q, DB> + sqlx::Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    let backend = |what: String| StoreError::Backend(what.into());
    let kind: String = row.try_get(3)?;
    let changed: String = row.try_get(4)?;
    let document: Vec<u8> = row.try_get(5)?;
    Ok(OrderEvent {
        sequence: row.try_get(0)?,
        event_id: row.try_get(1)?,
        event_time: from_micros(row.try_get(2)?),
        event_type: EventType::from_name(&kind).ok_or_else(|| backend(format!("an event of unknown type {kind:?}")))?,
        changed_fields: serde_json::from_str(&changed).map_err(|error| backend(format!("an event's changed fields: {error}")))?,
        order: OrderDocument(unpack(&document)?.into_boxed_str()),
    })
}

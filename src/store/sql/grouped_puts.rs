//! Group commit of single-order writes (the admin API's PUT and PATCH): concurrent writes wait
//! in one queue, and one task writes whatever has queued up in one transaction, a customer at a
//! time, through the import's write path. Each write's precondition is checked in turn against
//! the order as stored, or as the writes before it in the group left it, and each is answered
//! on its own: one whose precondition fails, or whose customer does not exist, changes nothing
//! and fails no other. Every write is answered after the commit, never before.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use sqlx::Transaction;

use super::batcher::Batcher;
use super::checkpoint_ahead::ask_for_checkpoint;
use super::dialect::Dialect;
use super::in_place::Replace;
use super::orders::unpack;
use super::store::{OneWriter, PendingPut, SqlStore};
use crate::domain::order::Order;
use crate::store::{ImportSummary, Precondition, StoreError, StoreResult};

/// What one write of a group is answered.
type Outcome = StoreResult<ImportSummary>;

/// The most writes in one transaction: enough for every connection of a busy pipeline, few
/// enough that a group's statements stay small.
const PUTS_PER_GROUP: usize = 256;

impl<DB> SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB> + sqlx::Decode<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB> + sqlx::Decode<'q, DB>,
    for<'q> &'q [u8]: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, DB>,
    for<'q> Option<String>: sqlx::Encode<'q, DB>,
    for<'q> Option<i64>: sqlx::Encode<'q, DB>,
    for<'q> Option<Vec<u8>>: sqlx::Encode<'q, DB>,
    for<'q> Vec<u8>: sqlx::Decode<'q, DB> + sqlx::Type<DB>,
    for<'q> bool: sqlx::Decode<'q, DB> + sqlx::Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
    for<'a> &'a str: sqlx::ColumnIndex<DB::Row>,
{
    /// Writes one order, if `precondition` holds, in the next group: at 32 concurrent writers,
    /// one commit serves them all where each used to wait for its own (docs/performance.md).
    pub(super) async fn put_grouped(&self, customer_id: &str, order: Order, precondition: Option<Precondition>) -> Outcome {
        let writer = self.order_writer.get_or_init(|| {
            let (pool, one_writer) = (self.pool.clone(), self.one_writer.clone());
            let checkpointer = self.write_checkpointer().cloned();
            Batcher::spawn(PUTS_PER_GROUP, move |puts| {
                let (pool, one_writer, checkpointer) = (pool.clone(), one_writer.clone(), checkpointer.clone());
                async move {
                    let outcomes = Self::write_group(&pool, &one_writer, puts).await?;
                    ask_for_checkpoint(checkpointer.as_ref());
                    Ok(outcomes)
                }
            })
        });
        writer.write(PendingPut { customer_id: customer_id.to_owned(), order, precondition }).await?
    }

    /// One transaction for the group: its outcomes, in its order, or the error that failed it
    /// whole (the database's, never one write's precondition or customer).
    async fn write_group(pool: &sqlx::Pool<DB>, one_writer: &OneWriter<DB>, puts: Vec<PendingPut>) -> StoreResult<Vec<Outcome>> {
        let mut outcomes: Vec<Option<Outcome>> = puts.iter().map(|_| None).collect();
        // Customers in the order of their ids: PostgreSQL's advisory locks are then taken in one
        // order by every group, and two instances' groups cannot deadlock.
        let mut by_customer: BTreeMap<String, Vec<(usize, PendingPut)>> = BTreeMap::new();
        for (position, put) in puts.into_iter().enumerate() {
            by_customer.entry(put.customer_id.clone()).or_default().push((position, put));
        }
        let mut connection = Self::single_write_connection(pool, one_writer).await?;
        let mut tx = sqlx::Connection::begin_with(connection.get(), DB::BEGIN_WRITE).await?;
        for (customer_id, puts) in by_customer {
            let sequence = match Self::lock_customer(&mut tx, &customer_id).await {
                Ok(sequence) => sequence,
                Err(StoreError::NotFound(what)) => {
                    for (position, _) in puts {
                        outcomes[position] = Some(Err(StoreError::NotFound(what.clone())));
                    }
                    continue;
                }
                Err(error) => return Err(error),
            };
            let accepted = Self::check_in_turn(&mut tx, &customer_id, puts, &mut outcomes).await?;
            if !accepted.is_empty() {
                Self::write_orders(&mut tx, &customer_id, sequence, accepted, Replace::InPlace).await?;
            }
        }
        tx.commit().await?;
        Ok(outcomes.into_iter().map(|outcome| outcome.expect("every write of a group is answered")).collect())
    }

    /// Answers each of a customer's writes, in turn, by its precondition against the order as
    /// stored or as an earlier write of the group left it: `PreconditionFailed`, or whether it
    /// creates or replaces. The orders of those that pass, in their order.
    async fn check_in_turn(
        tx: &mut Transaction<'_, DB>,
        customer_id: &str,
        puts: Vec<(usize, PendingPut)>,
        outcomes: &mut [Option<Outcome>],
    ) -> StoreResult<Vec<Order>> {
        let stored = Self::stored_packed_documents(tx, customer_id, puts.iter().map(|(_, put)| put.order.id.as_str())).await?;
        let mut writes_to_come: HashMap<String, usize> = HashMap::new();
        for (_, put) in &puts {
            *writes_to_come.entry(put.order.id.clone()).or_default() += 1;
        }
        // The documents of orders written earlier in the group, for later writes of the same.
        let mut written_before: HashMap<String, String> = HashMap::new();
        let mut accepted = Vec::with_capacity(puts.len());
        for (position, put) in puts {
            let id = put.order.id.as_str();
            let to_come = writes_to_come.get_mut(id).expect("every id is counted");
            *to_come -= 1;
            let exists = written_before.contains_key(id) || stored.contains_key(id);
            if let Some(precondition) = &put.precondition {
                let current = match written_before.get(id) {
                    Some(document) => Some(Cow::Borrowed(document.as_str())),
                    None => stored.get(id).map(|packed| unpack(packed)).transpose()?.map(Cow::Owned),
                };
                if !precondition(current.as_deref()) {
                    outcomes[position] = Some(Err(StoreError::PreconditionFailed));
                    continue;
                }
            }
            outcomes[position] = Some(Ok(ImportSummary { created: u64::from(!exists), updated: u64::from(exists) }));
            if *to_come > 0 {
                written_before.insert(put.order.id.clone(), put.order.to_document().0.into_string());
            }
            accepted.push(put.order);
        }
        Ok(accepted)
    }
}

//! The hub's webhook deliveries (issue #31), on any SQL backend: claimed with a lease so that
//! one deliverer makes each attempt, and their outcomes recorded in batches.

use std::sync::Arc;

use sqlx::Row;
use time::OffsetDateTime;

use super::dialect::Dialect;
use super::events::event_of;
use super::store::SqlStore;
use super::store_traits::for_every_backend;
use super::time_columns::{from_micros, to_micros};
use crate::store::{ClaimedDelivery, DeliveryOutcome, DeliveryRecord, DeliveryResult, DeliveryStore, StoreResult, signing_secrets};

/// The event (the columns `event_of` reads), then the delivery and its subscription.
const CLAIMED: &str = "SELECT e.sequence, e.event_id, e.event_time, e.event_type, e.changed_fields, c.doc, \
        d.subscription_id, d.webhook_id, d.attempts, s.callback, s.secret, s.previous_secret, s.previous_secret_until \
     FROM webhook_deliveries d \
     JOIN subscriptions s ON s.id = d.subscription_id \
     JOIN order_events e ON e.customer_id = d.customer_id AND e.sequence = d.sequence \
     JOIN order_changes c ON c.customer_id = e.customer_id AND c.seq = e.change_seq \
     WHERE d.claim = $1";

/// What each result writes to the delivery (`$1` subscription, `$2` sequence, `$3` attempt's
/// time, `$4` status, `$5` error, `$6` next attempt) and to its subscription (`$1` id, `$2` time,
/// `$3` outcome).
fn statements(result: &DeliveryResult) -> (String, &'static str) {
    let (delivery_status, subscription) = match result {
        DeliveryResult::Delivered => (
            "'delivered'",
            "UPDATE subscriptions SET delivered_count = delivered_count + 1, last_delivery_at = $2, last_delivery_outcome = $3, \
             failing_since = NULL WHERE id = $1",
        ),
        DeliveryResult::RetryAt(_) => (
            "status",
            "UPDATE subscriptions SET last_delivery_at = $2, last_delivery_outcome = $3, failing_since = COALESCE(failing_since, $2) \
             WHERE id = $1",
        ),
        DeliveryResult::Failed => (
            "'failed'",
            "UPDATE subscriptions SET failed_count = failed_count + 1, last_delivery_at = $2, last_delivery_outcome = $3, \
             failing_since = COALESCE(failing_since, $2) WHERE id = $1",
        ),
        DeliveryResult::Gone => (
            "'failed'",
            "UPDATE subscriptions SET failed_count = failed_count + 1, last_delivery_at = $2, last_delivery_outcome = $3, \
             status = 'disabled' WHERE id = $1",
        ),
    };
    let delivery = format!(
        "UPDATE webhook_deliveries SET status = {delivery_status}, attempts = attempts + 1, last_attempt_at = $3, \
         last_status = $4, last_error = $5, next_attempt_at = $6, claim = NULL, lease_until = NULL \
         WHERE subscription_id = $1 AND sequence = $2"
    );
    (delivery, subscription)
}

/// How an outcome reads in `GET /hub/{id}`'s `lastDelivery`.
fn outcome_text(outcome: &DeliveryOutcome) -> String {
    match (&outcome.result, outcome.status, &outcome.error) {
        (DeliveryResult::Delivered, _, _) => "delivered".to_owned(),
        (_, _, Some(error)) => error.clone(),
        (_, Some(status), None) => format!("answered {status}"),
        (_, None, None) => "failed".to_owned(),
    }
}

for_every_backend! {
    impl DeliveryStore {
        async fn claim_deliveries(&self, now: OffsetDateTime, lease_until: OffsetDateTime, limit: u32) -> StoreResult<Vec<ClaimedDelivery>> {
            // A read first: an idle deliverer takes no write lock, every few milliseconds.
            let due: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM (SELECT 1 FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 \
                 AND (lease_until IS NULL OR lease_until < $1) LIMIT 1) due",
            )
            .bind(to_micros(now))
            .fetch_one(&self.pool)
            .await?;
            if due == 0 {
                return Ok(Vec::new());
            }
            let claim = crate::auth::secret::new_id("claim_");
            // The earliest not yet attempted of each order goes first; one whose first attempt
            // failed no longer holds the order's later events back.
            let sql = format!(
                "UPDATE webhook_deliveries SET claim = $1, lease_until = $2 WHERE (subscription_id, sequence) IN ( \
                   SELECT d.subscription_id, d.sequence FROM webhook_deliveries d{} \
                   JOIN subscriptions s ON s.id = d.subscription_id AND s.status = 'active' \
                   WHERE d.status = 'pending' AND d.next_attempt_at <= $3 AND (d.lease_until IS NULL OR d.lease_until < $3) \
                   AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p{} WHERE p.subscription_id = d.subscription_id \
                     AND p.order_id = d.order_id AND p.status = 'pending' AND p.attempts = 0 AND p.sequence < d.sequence) \
                   ORDER BY d.next_attempt_at LIMIT $4{})",
                DB::DELIVERY_INDEXES[0],
                DB::DELIVERY_INDEXES[1],
                DB::SKIP_LOCKED
            );
            let claimed = sqlx::query(&sql)
                .bind(&claim)
                .bind(to_micros(lease_until))
                .bind(to_micros(now))
                .bind(i64::from(limit))
                .execute(&self.pool)
                .await?;
            if DB::rows_affected(&claimed) == 0 {
                return Ok(Vec::new());
            }
            let rows = sqlx::query(CLAIMED).bind(&claim).fetch_all(&self.pool).await?;
            let mut deliveries = Vec::with_capacity(rows.len());
            for row in &rows {
                let event = event_of::<DB>(row)?;
                let previous: Option<String> = row.try_get(11)?;
                let previous_until: Option<i64> = row.try_get(12)?;
                let secrets = signing_secrets(row.try_get(10)?, previous.zip(previous_until.map(from_micros)), now);
                deliveries.push(ClaimedDelivery {
                    subscription_id: row.try_get(6)?,
                    sequence: event.sequence,
                    webhook_id: row.try_get(7)?,
                    attempts: u32::try_from(row.try_get::<i64, _>(8)?).unwrap_or(u32::MAX),
                    callback: row.try_get(9)?,
                    secrets,
                    body: event.to_json(),
                });
            }
            deliveries.sort_by_key(|delivery| delivery.sequence);
            Ok(deliveries)
        }

        async fn record_deliveries(&self, outcomes: Vec<DeliveryOutcome>, disable_failing_before: OffsetDateTime) -> StoreResult<()> {
            let mut connection = self.pool.acquire().await?;
            let mut tx = sqlx::Connection::begin_with(&mut *connection, DB::BEGIN_WRITE).await?;
            for outcome in &outcomes {
                let (delivery, subscription) = statements(&outcome.result);
                let attempted_at = to_micros(outcome.attempted_at);
                let next = match outcome.result {
                    DeliveryResult::RetryAt(at) => to_micros(at),
                    _ => attempted_at,
                };
                sqlx::query(&delivery)
                    .bind(&outcome.subscription_id)
                    .bind(outcome.sequence)
                    .bind(attempted_at)
                    .bind(outcome.status.map(i64::from))
                    .bind(outcome.error.clone())
                    .bind(next)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(subscription).bind(&outcome.subscription_id).bind(attempted_at).bind(outcome_text(outcome)).execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE subscriptions SET status = 'disabled' WHERE status = 'active' AND failing_since < $1")
                .bind(to_micros(disable_failing_before))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        }

        async fn list_deliveries(&self, subscription_id: &str, failed_only: bool, limit: u32) -> StoreResult<Vec<DeliveryRecord>> {
            let only = if failed_only { "AND status = 'failed'" } else { "" };
            let sql = format!(
                "SELECT sequence, order_id, webhook_id, status, attempts, next_attempt_at, last_attempt_at, last_status, last_error \
                 FROM webhook_deliveries WHERE subscription_id = $1 {only} ORDER BY sequence DESC LIMIT $2"
            );
            type DeliveryRow = (i64, String, String, String, i64, i64, Option<i64>, Option<i64>, Option<String>);
            let rows: Vec<DeliveryRow> = sqlx::query_as(&sql).bind(subscription_id).bind(i64::from(limit)).fetch_all(&self.pool).await?;
            Ok(rows
                .into_iter()
                .map(|(sequence, order_id, webhook_id, status, attempts, next, last_at, last_status, last_error)| DeliveryRecord {
                    sequence,
                    order_id,
                    webhook_id,
                    status,
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                    next_attempt_at: from_micros(next),
                    last_attempt_at: last_at.map(from_micros),
                    last_status: last_status.and_then(|status| u16::try_from(status).ok()),
                    last_error,
                })
                .collect())
        }

        async fn refresh_delivery_statistics(&self) -> StoreResult<()> {
            if let Some(statement) = DB::DELIVERY_STATISTICS {
                sqlx::query(statement).execute(&self.pool).await?;
            }
            Ok(())
        }

        async fn pending_deliveries(&self) -> StoreResult<(u64, Option<OffsetDateTime>)> {
            let (count, oldest): (i64, Option<i64>) =
                sqlx::query_as(
                    "SELECT count(*), min(d.next_attempt_at) FROM webhook_deliveries d \
                     JOIN subscriptions s ON s.id = d.subscription_id AND s.status = 'active' WHERE d.status = 'pending'",
                )
                    .fetch_one(&self.pool)
                    .await?;
            Ok((u64::try_from(count).unwrap_or_default(), oldest.map(from_micros)))
        }

        async fn notify_on_events(&self, wake: Arc<tokio::sync::Notify>) -> StoreResult<bool> {
            Ok(DB::listen_for_events(&self.pool, wake))
        }
    }
}

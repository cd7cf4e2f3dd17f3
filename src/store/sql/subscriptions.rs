//! The hub's subscriptions (issue #31), on any SQL backend, and the fan-out that writes the
//! deliveries each must make.

use time::OffsetDateTime;

use super::bind::{Bind, owned_arguments};
use super::dialect::Dialect;
use super::multi_row::Rows;
use super::store::SqlStore;
use super::store_traits::for_every_backend;
use super::time_columns::{from_micros, now, to_micros};
use crate::store::{NewDelivery, NewSubscription, Replay, StoreError, StoreResult, Subscription, SubscriptionStatus, SubscriptionStore};

const COLUMNS: &str = "s.id, s.customer_id, s.callback, s.query, s.status, s.created_at, s.secret, s.previous_secret, \
     s.previous_secret_until, s.events_seen, s.delivered_count, s.failed_count, s.last_delivery_at, s.last_delivery_outcome";

/// A row of [`COLUMNS`].
type SubscriptionRow =
    (String, String, String, String, String, i64, String, Option<String>, Option<i64>, i64, i64, i64, Option<i64>, Option<String>);

fn subscription_from(row: SubscriptionRow) -> StoreResult<Subscription> {
    let (
        id,
        customer_id,
        callback,
        query,
        status,
        created_at,
        secret,
        previous,
        previous_until,
        events_seen,
        delivered,
        failed,
        last_at,
        last,
    ) = row;
    Ok(Subscription {
        status: SubscriptionStatus::from_name(&status)
            .ok_or_else(|| StoreError::Backend(format!("subscription {id} has the unknown status {status:?}").into()))?,
        id,
        customer_id,
        callback,
        query,
        created_at: from_micros(created_at),
        secret,
        previous_secret: previous.zip(previous_until.map(from_micros)),
        events_seen,
        delivered,
        failed,
        last_delivery: last_at.map(from_micros).zip(last),
    })
}

/// `$1` is the customer when `customer_id` is given, and `id` the next placeholder.
fn select(customer_id: Option<&str>, rest: &str) -> String {
    let tenant = if customer_id.is_some() { "s.customer_id = $1" } else { "TRUE" };
    format!("SELECT {COLUMNS} FROM subscriptions s WHERE {tenant} {rest}")
}

for_every_backend! {
    impl SubscriptionStore {
        async fn create_subscription(&self, new: NewSubscription, at_most: u32) -> StoreResult<Option<Subscription>> {
            let mut connection = self.pool.acquire().await?;
            let mut tx = sqlx::Connection::begin_with(&mut *connection, DB::BEGIN_WRITE).await?;
            if let Some(lock) = DB::LOCK_CUSTOMER {
                // The count below and the insert, one customer's creations one after the other.
                sqlx::query(lock).bind(&new.customer_id).execute(&mut *tx).await?;
            }
            let held: i64 = sqlx::query_scalar("SELECT count(*) FROM subscriptions WHERE customer_id = $1")
                .bind(&new.customer_id)
                .fetch_one(&mut *tx)
                .await?;
            if held >= i64::from(at_most) {
                return Ok(None);
            }
            let seen: Option<i64> = sqlx::query_scalar("SELECT event_sequence FROM customers WHERE id = $1")
                .bind(&new.customer_id)
                .fetch_optional(&mut *tx)
                .await?;
            let seen = seen.ok_or_else(|| StoreError::NotFound(format!("customer {}", new.customer_id)))?;
            let id = crate::auth::secret::new_id("sub_");
            sqlx::query(
                "INSERT INTO subscriptions (id, customer_id, callback, query, status, created_at, secret, events_seen) \
                 VALUES ($1, $2, $3, $4, 'active', $5, $6, $7)",
            )
            .bind(&id)
            .bind(&new.customer_id)
            .bind(&new.callback)
            .bind(&new.query)
            .bind(to_micros(now()))
            .bind(&new.secret)
            .bind(seen)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            self.find_subscription(Some(&new.customer_id), &id).await
        }

        async fn list_subscriptions(&self, customer_id: Option<&str>) -> StoreResult<Vec<Subscription>> {
            let sql = select(customer_id, "ORDER BY s.created_at, s.id");
            let rows: Vec<SubscriptionRow> = match customer_id {
                Some(customer_id) => sqlx::query_as(&sql).bind(customer_id).fetch_all(&self.pool).await?,
                None => sqlx::query_as(&sql).fetch_all(&self.pool).await?,
            };
            rows.into_iter().map(subscription_from).collect()
        }

        async fn find_subscription(&self, customer_id: Option<&str>, id: &str) -> StoreResult<Option<Subscription>> {
            let row: Option<SubscriptionRow> = match customer_id {
                Some(customer_id) => {
                    sqlx::query_as(&select(Some(customer_id), "AND s.id = $2")).bind(customer_id).bind(id).fetch_optional(&self.pool).await?
                }
                None => sqlx::query_as(&select(None, "AND s.id = $1")).bind(id).fetch_optional(&self.pool).await?,
            };
            row.map(subscription_from).transpose()
        }

        async fn delete_subscription(&self, customer_id: &str, id: &str) -> StoreResult<bool> {
            let mut connection = self.pool.acquire().await?;
            let mut tx = sqlx::Connection::begin_with(&mut *connection, DB::BEGIN_WRITE).await?;
            let owned: Option<String> = sqlx::query_scalar("SELECT id FROM subscriptions WHERE id = $1 AND customer_id = $2")
                .bind(id)
                .bind(customer_id)
                .fetch_optional(&mut *tx)
                .await?;
            if owned.is_none() {
                return Ok(false);
            }
            sqlx::query("DELETE FROM webhook_deliveries WHERE subscription_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM subscriptions WHERE id = $1").bind(id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(true)
        }

        async fn rotate_subscription_secret(
            &self,
            customer_id: &str,
            id: &str,
            secret: &str,
            previous_until: OffsetDateTime,
        ) -> StoreResult<Option<Subscription>> {
            let updated = sqlx::query(
                "UPDATE subscriptions SET previous_secret = secret, previous_secret_until = $3, secret = $4 \
                 WHERE id = $1 AND customer_id = $2",
            )
            .bind(id)
            .bind(customer_id)
            .bind(to_micros(previous_until))
            .bind(secret)
            .execute(&self.pool)
            .await?;
            if DB::rows_affected(&updated) == 0 {
                return Ok(None);
            }
            self.find_subscription(Some(customer_id), id).await
        }

        async fn set_subscription_status(&self, id: &str, status: SubscriptionStatus) -> StoreResult<bool> {
            // Enabled again, it starts from the customer's latest event: what happened while it was
            // disabled is for `admin hub replay`, not a flood.
            let seen = match status {
                SubscriptionStatus::Active => "(SELECT c.event_sequence FROM customers c WHERE c.id = subscriptions.customer_id)",
                SubscriptionStatus::Disabled => "events_seen",
            };
            let sql = format!("UPDATE subscriptions SET status = $2, events_seen = {seen}, failing_since = NULL WHERE id = $1 AND status <> $2");
            let updated = sqlx::query(&sql).bind(id).bind(status.name()).execute(&self.pool).await?;
            Ok(DB::rows_affected(&updated) > 0 || self.find_subscription(None, id).await?.is_some_and(|found| found.status == status))
        }

        async fn subscriptions_behind(&self) -> StoreResult<Vec<Subscription>> {
            let sql = format!(
                "SELECT {COLUMNS} FROM subscriptions s JOIN customers c ON c.id = s.customer_id \
                 WHERE s.status = 'active' AND c.event_sequence > s.events_seen"
            );
            let rows: Vec<SubscriptionRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
            rows.into_iter().map(subscription_from).collect()
        }

        async fn record_fan_out(&self, subscription_id: &str, deliveries: Vec<NewDelivery>, events_seen: i64) -> StoreResult<()> {
            let mut connection = self.pool.acquire().await?;
            let mut tx = sqlx::Connection::begin_with(&mut *connection, DB::BEGIN_WRITE).await?;
            let customer: Option<String> = sqlx::query_scalar("SELECT customer_id FROM subscriptions WHERE id = $1")
                .bind(subscription_id)
                .fetch_optional(&mut *tx)
                .await?;
            // Deleted meanwhile: nothing to deliver.
            let Some(customer) = customer else { return Ok(()) };
            let due = to_micros(now());
            let mut rows = Rows::default();
            for delivery in deliveries {
                let row = vec![
                    ("customer_id", Bind::text(customer.clone())),
                    ("order_id", Bind::text(delivery.order_id)),
                    ("webhook_id", Bind::text(crate::auth::secret::new_id("msg_"))),
                    ("status", Bind::text("pending")),
                    ("next_attempt_at", Bind::int(due)),
                ];
                rows.push(["subscription_id", "sequence"], [Bind::text(subscription_id), Bind::int(delivery.sequence)], row);
            }
            for (insert, binds) in rows.statements("webhook_deliveries", DB::PLACEHOLDER) {
                // Another instance may have written some of them first: theirs stand.
                let insert = format!("{insert} ON CONFLICT (subscription_id, sequence) DO NOTHING");
                sqlx::query_with(&insert, owned_arguments::<DB>(binds)?).execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE subscriptions SET events_seen = $2 WHERE id = $1 AND events_seen < $2")
                .bind(subscription_id)
                .bind(events_seen)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        }

        async fn replay_deliveries(&self, subscription_id: &str, replay: Replay) -> StoreResult<u64> {
            let mut connection = self.pool.acquire().await?;
            let mut tx = sqlx::Connection::begin_with(&mut *connection, DB::BEGIN_WRITE).await?;
            let customer: Option<String> = sqlx::query_scalar("SELECT customer_id FROM subscriptions WHERE id = $1")
                .bind(subscription_id)
                .fetch_optional(&mut *tx)
                .await?;
            let customer = customer.ok_or_else(|| StoreError::NotFound(format!("subscription {subscription_id}")))?;
            let due = to_micros(now());
            let replayed = match replay {
                Replay::Since(since) => {
                    let first: Option<i64> = sqlx::query_scalar("SELECT min(sequence) FROM order_events WHERE customer_id = $1 AND event_time >= $2")
                        .bind(&customer)
                        .bind(to_micros(since))
                        .fetch_one(&mut *tx)
                        .await?;
                    let Some(first) = first else { return Ok(0) };
                    let requeued = sqlx::query(
                        "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $3, claim = NULL, lease_until = NULL \
                         WHERE subscription_id = $1 AND sequence >= $2",
                    )
                    .bind(subscription_id)
                    .bind(first)
                    .bind(due)
                    .execute(&mut *tx)
                    .await?;
                    // The events it had not written deliveries for (disabled meanwhile) are fanned out again.
                    sqlx::query("UPDATE subscriptions SET events_seen = $2 WHERE id = $1 AND events_seen >= $2")
                        .bind(subscription_id)
                        .bind(first - 1)
                        .execute(&mut *tx)
                        .await?;
                    DB::rows_affected(&requeued)
                }
                Replay::Event(event_id) => {
                    let event: Option<(i64, String)> = sqlx::query_as(
                        "SELECT e.sequence, c.order_id FROM order_events e JOIN order_changes c ON c.customer_id = e.customer_id AND c.seq = e.change_seq \
                         WHERE e.customer_id = $1 AND e.event_id = $2",
                    )
                    .bind(&customer)
                    .bind(&event_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let (sequence, order_id) = event.ok_or_else(|| StoreError::NotFound(format!("event {event_id} of the subscription's customer")))?;
                    let written = sqlx::query(
                        "INSERT INTO webhook_deliveries (subscription_id, sequence, customer_id, order_id, webhook_id, status, next_attempt_at) \
                         VALUES ($1, $2, $3, $4, $5, 'pending', $6) ON CONFLICT (subscription_id, sequence) DO UPDATE \
                         SET status = 'pending', attempts = 0, next_attempt_at = excluded.next_attempt_at, claim = NULL, lease_until = NULL",
                    )
                    .bind(subscription_id)
                    .bind(sequence)
                    .bind(&customer)
                    .bind(&order_id)
                    .bind(crate::auth::secret::new_id("msg_"))
                    .bind(due)
                    .execute(&mut *tx)
                    .await?;
                    DB::rows_affected(&written)
                }
            };
            tx.commit().await?;
            Ok(replayed)
        }
    }
}

//! The store's traits, implemented for the SQL store of every backend: each method forwards to
//! the one that does the work, in `credentials.rs`, `imports.rs`, `orders.rs`, `indexed_lists.rs`
//! or `events.rs`.

use time::OffsetDateTime;

use super::bind::owned_arguments;
use super::dialect::Dialect;
use super::events;
use super::store::SqlStore;
use super::time_columns::{now, to_micros};
use crate::domain::credentials::{AccessToken, ApiKey, Client, Customer, SecretHash, TokenKey};
use crate::domain::events::{EventType, OrderEvent};
use crate::domain::order::{Order, OrderDocument};
use crate::query::OrderQuery;
use crate::store::{
    CredentialStore, DocumentCacheUsage, EventStore, ImportSummary, IndexUsage, KeyFilter, NewAccessToken, NewApiKey, NewClient, OrderPage,
    OrderStore, PoolUsage, Precondition, StoreHealth, StoreResult,
};

/// Implements one of the store's traits for `SqlStore<DB>` of every [`Dialect`], with the bounds
/// its methods need: sqlx's traits for each type a statement binds or reads. Rust does not carry
/// bounds on types other than `Self` from a trait to its users, so they cannot be named once as
/// a trait; they are written once here instead.
macro_rules! for_every_backend {
    (impl $store_trait:ident { $($methods:tt)* }) => {
        #[async_trait::async_trait]
        impl<DB> $store_trait for SqlStore<DB>
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
            $($methods)*
        }
    };
}
pub(super) use for_every_backend;

for_every_backend! {
    impl StoreHealth {
        async fn ping(&self) -> StoreResult<()> {
            sqlx::query("SELECT 1").execute(&self.pool).await?;
            Ok(())
        }

        fn pool_usage(&self) -> PoolUsage {
            let idle = u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX);
            let direct_reads = self.direct.as_ref().map(|direct| direct.counts()).unwrap_or_default();
            PoolUsage { open: self.pool.size(), idle, max: self.pool.options().get_max_connections(), direct_reads }
        }

        fn list_index_usage(&self) -> IndexUsage {
            self.indexes.usage()
        }

        fn document_cache_usage(&self) -> DocumentCacheUsage {
            self.documents.usage()
        }
    }
}

for_every_backend! {
    impl CredentialStore {
        async fn create_customer(&self, id: &str, name: &str) -> StoreResult<Customer> {
            self.insert_customer(id, name).await
        }

        async fn list_customers(&self) -> StoreResult<Vec<Customer>> {
            self.select_customers(None).await
        }

        async fn find_customer_by_name(&self, name: &str) -> StoreResult<Option<Customer>> {
            Ok(self.select_customers(Some(name)).await?.into_iter().next())
        }

        async fn create_client(&self, client: NewClient) -> StoreResult<Client> {
            self.insert_client(client).await
        }

        async fn find_client(&self, client_id: &str) -> StoreResult<Option<Client>> {
            self.select_client(client_id).await
        }

        async fn revoke_client(&self, client_id: &str) -> StoreResult<()> {
            self.update_client_revoked(client_id).await
        }

        async fn create_api_key(&self, key: NewApiKey) -> StoreResult<ApiKey> {
            self.insert_api_key(key).await
        }

        async fn renew_api_key(
            &self,
            key_id: &str,
            expires_at: OffsetDateTime,
        ) -> StoreResult<ApiKey> {
            self.update_api_key(key_id, "expires_at", expires_at).await
        }

        async fn revoke_api_key(&self, key_id: &str) -> StoreResult<ApiKey> {
            self.update_api_key(key_id, "revoked_at", now()).await
        }

        async fn list_api_keys(&self, filter: &KeyFilter) -> StoreResult<Vec<ApiKey>> {
            self.select_api_keys(filter).await
        }

        async fn insert_access_token(&self, token: NewAccessToken) -> StoreResult<()> {
            self.insert_token(token).await
        }

        async fn find_call_credentials(
            &self,
            token: &TokenKey,
            key_hash: Option<&SecretHash>,
        ) -> StoreResult<(Option<AccessToken>, Option<ApiKey>)> {
            self.select_call_credentials(token, key_hash).await
        }

        async fn purge_expired_tokens(&self, before: OffsetDateTime) -> StoreResult<u64> {
            self.delete_tokens_expired_before(before).await
        }
    }
}

for_every_backend! {
    impl OrderStore {
        async fn import_orders(
            &self,
            customer_id: &str,
            orders: Vec<Order>,
        ) -> StoreResult<ImportSummary> {
            self.upsert_orders(customer_id, orders).await
        }

        async fn put_order(&self, customer_id: &str, order: Order, precondition: Option<Precondition>) -> StoreResult<ImportSummary> {
            self.put_grouped(customer_id, order, precondition).await
        }

        async fn delete_order(&self, customer_id: &str, order_id: &str, precondition: Option<Precondition>) -> StoreResult<bool> {
            self.delete_one(customer_id, order_id, precondition).await
        }

        async fn list_orders(
            &self,
            customer_id: &str,
            query: &OrderQuery,
            known_version: Option<i64>,
        ) -> StoreResult<OrderPage> {
            self.select_orders(customer_id, query, known_version).await
        }

        async fn get_order(&self, customer_id: &str, order_id: &str) -> StoreResult<Option<OrderDocument>> {
            self.select_order(customer_id, order_id).await
        }

        async fn count_orders(&self, customer_id: &str) -> StoreResult<u64> {
            self.count_customer_orders(customer_id).await
        }
    }
}

for_every_backend! {
    impl EventStore {
        async fn list_events(&self, customer_id: &str, after: i64, limit: u32, types: &[EventType]) -> StoreResult<Vec<OrderEvent>> {
            let (sql, binds) = events::events_query(DB::PLACEHOLDER, customer_id, after, limit, types);
            let rows = sqlx::query_with(&sql, owned_arguments::<DB>(binds)?).fetch_all(&self.pool).await?;
            rows.iter().map(events::event_of::<DB>).collect()
        }

        async fn purge_events(&self, before: OffsetDateTime) -> StoreResult<u64> {
            // No index by time (migration 0017): one pass over the table, once an hour.
            let deleted = sqlx::query("DELETE FROM order_events WHERE event_time < $1").bind(to_micros(before)).execute(&self.pool).await?;
            // With them go the deliveries that ended as long ago, and any left without its event.
            sqlx::query("DELETE FROM webhook_deliveries WHERE status <> 'pending' AND last_attempt_at < $1")
                .bind(to_micros(before))
                .execute(&self.pool)
                .await?;
            sqlx::query(
                "DELETE FROM webhook_deliveries WHERE NOT EXISTS (SELECT 1 FROM order_events e \
                 WHERE e.customer_id = webhook_deliveries.customer_id AND e.sequence = webhook_deliveries.sequence)",
            )
            .execute(&self.pool)
            .await?;
            Ok(DB::rows_affected(&deleted))
        }

        async fn latest_event_sequence(&self, customer_id: &str) -> StoreResult<i64> {
            let (latest,): (Option<i64>,) =
                sqlx::query_as("SELECT max(sequence) FROM order_events WHERE customer_id = $1").bind(customer_id).fetch_one(&self.pool).await?;
            Ok(latest.unwrap_or(0))
        }

        async fn recorded_events(&self) -> StoreResult<Vec<(EventType, u64)>> {
            let rows: Vec<(String, i64)> =
                sqlx::query_as("SELECT event_type, CAST(sum(recorded) AS BIGINT) FROM event_counts GROUP BY event_type").fetch_all(&self.pool).await?;
            // A type this version does not know (written by a newer one) is left out.
            Ok(rows.into_iter().filter_map(|(name, count)| Some((EventType::from_name(&name)?, u64::try_from(count).unwrap_or_default()))).collect())
        }
    }
}

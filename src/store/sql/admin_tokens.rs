//! Admin tokens (issue #32), on any SQL backend.

use super::dialect::Dialect;
use super::store::SqlStore;
use super::store_traits::for_every_backend;
use super::time_columns::{from_micros, now, to_micros};
use crate::domain::credentials::{AdminToken, SecretHash};
use crate::store::{AdminTokenStore, StoreError, StoreResult};

const SELECT: &str = "SELECT name, created_at, revoked_at FROM admin_tokens";

fn token_from((name, created_at, revoked_at): (String, i64, Option<i64>)) -> AdminToken {
    AdminToken { name, created_at: from_micros(created_at), revoked_at: revoked_at.map(from_micros) }
}

for_every_backend! {
    impl AdminTokenStore {
        async fn create_admin_token(&self, name: &str, hash: &SecretHash) -> StoreResult<AdminToken> {
            let created_at = to_micros(now());
            let inserted = sqlx::query("INSERT INTO admin_tokens (name, token_hash, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
                .bind(name)
                .bind(&hash.0[..])
                .bind(created_at)
                .execute(&self.pool)
                .await?;
            if DB::rows_affected(&inserted) == 0 {
                return Err(StoreError::Conflict(format!("an admin token named {name:?} exists already (revoked tokens keep their names): choose another name")));
            }
            Ok(AdminToken { name: name.to_owned(), created_at: from_micros(created_at), revoked_at: None })
        }

        async fn list_admin_tokens(&self) -> StoreResult<Vec<AdminToken>> {
            let rows: Vec<(String, i64, Option<i64>)> = sqlx::query_as(&format!("{SELECT} ORDER BY name")).fetch_all(&self.pool).await?;
            Ok(rows.into_iter().map(token_from).collect())
        }

        async fn revoke_admin_token(&self, name: &str) -> StoreResult<AdminToken> {
            sqlx::query("UPDATE admin_tokens SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL")
                .bind(name)
                .bind(to_micros(now()))
                .execute(&self.pool)
                .await?;
            let row: Option<(String, i64, Option<i64>)> =
                sqlx::query_as(&format!("{SELECT} WHERE name = $1")).bind(name).fetch_optional(&self.pool).await?;
            row.map(token_from).ok_or_else(|| StoreError::NotFound(format!("admin token {name:?}")))
        }

        async fn find_admin_token(&self, hash: &SecretHash) -> StoreResult<Option<AdminToken>> {
            let row: Option<(String, i64, Option<i64>)> =
                sqlx::query_as(&format!("{SELECT} WHERE token_hash = $1")).bind(&hash.0[..]).fetch_optional(&self.pool).await?;
            Ok(row.map(token_from))
        }
    }
}

//! The portal's users, links, sessions and failed logins (issue #34), on any SQL backend.

use super::dialect::Dialect;
use super::store::SqlStore;
use super::store_traits::for_every_backend;
use super::time_columns::{from_micros, now, to_micros};
use crate::domain::credentials::SecretHash;
use crate::domain::portal_user::{LoginFailures, PortalLogin, PortalSession, PortalUser};
use crate::store::{NewPortalUser, PortalStore, StoreError, StoreResult};
use time::OffsetDateTime;

/// SQLite refuses table names in `RETURNING`: the columns unqualified, and qualified for a join.
const USER_COLUMNS: &str = "id, customer_id, email, name, language, password_hash IS NOT NULL, created_at, disabled_at";
const USER_COLUMNS_OF_U: &str =
    "u.id, u.customer_id, u.email, u.name, u.language, u.password_hash IS NOT NULL, u.created_at, u.disabled_at";

type UserRow = (String, String, String, Option<String>, Option<String>, bool, i64, Option<i64>);

fn user_from((id, customer_id, email, name, language, has_password, created_at, disabled_at): UserRow) -> PortalUser {
    PortalUser {
        id,
        customer_id,
        email,
        name,
        language,
        has_password,
        created_at: from_micros(created_at),
        disabled_at: disabled_at.map(from_micros),
    }
}

fn no_user(email: &str) -> StoreError {
    StoreError::NotFound(format!("portal user {email:?}"))
}

for_every_backend! {
    impl PortalStore {
        async fn create_portal_user(&self, user: NewPortalUser) -> StoreResult<PortalUser> {
            self.ensure_customer(&user.customer_id).await?;
            let created_at = to_micros(now());
            let inserted = sqlx::query(
                "INSERT INTO portal_users (id, customer_id, email, name, language, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (email) DO NOTHING",
            )
            .bind(&user.id)
            .bind(&user.customer_id)
            .bind(&user.email)
            .bind(&user.name)
            .bind(&user.language)
            .bind(created_at)
            .execute(&self.pool)
            .await?;
            if DB::rows_affected(&inserted) == 0 {
                return Err(StoreError::Conflict(format!("a portal user with the email {:?} exists already: reset it, or choose another email", user.email)));
            }
            Ok(PortalUser {
                id: user.id,
                customer_id: user.customer_id,
                email: user.email,
                name: user.name,
                language: user.language,
                has_password: false,
                created_at: from_micros(created_at),
                disabled_at: None,
            })
        }

        async fn list_portal_users(&self, customer_id: Option<&str>) -> StoreResult<Vec<PortalUser>> {
            let rows: Vec<UserRow> = sqlx::query_as(&format!(
                "SELECT {USER_COLUMNS} FROM portal_users WHERE $1 IS NULL OR customer_id = $1 ORDER BY email"
            ))
            .bind(customer_id)
            .fetch_all(&self.pool)
            .await?;
            Ok(rows.into_iter().map(user_from).collect())
        }

        async fn find_portal_login(&self, email: &str) -> StoreResult<Option<PortalLogin>> {
            let row: Option<(String, String, String, Option<String>, Option<String>, Option<String>, i64, Option<i64>)> = sqlx::query_as(
                "SELECT id, customer_id, email, name, language, password_hash, created_at, disabled_at FROM portal_users WHERE email = $1",
            )
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
            Ok(row.map(|(id, customer_id, email, name, language, password_hash, created_at, disabled_at)| PortalLogin {
                user: user_from((id, customer_id, email, name, language, password_hash.is_some(), created_at, disabled_at)),
                password_hash,
            }))
        }

        async fn disable_portal_user(&self, email: &str) -> StoreResult<PortalUser> {
            let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
            sqlx::query("UPDATE portal_users SET disabled_at = coalesce(disabled_at, $2), setup_hash = NULL, setup_expires_at = NULL WHERE email = $1")
                .bind(email)
                .bind(to_micros(now()))
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM portal_sessions WHERE user_id IN (SELECT id FROM portal_users WHERE email = $1)").bind(email).execute(&mut *tx).await?;
            let row: Option<UserRow> =
                sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM portal_users WHERE email = $1")).bind(email).fetch_optional(&mut *tx).await?;
            tx.commit().await?;
            row.map(user_from).ok_or_else(|| no_user(email))
        }

        async fn set_portal_link(&self, email: &str, link: &SecretHash, expires_at: OffsetDateTime) -> StoreResult<PortalUser> {
            let row: Option<UserRow> = sqlx::query_as(&format!(
                "UPDATE portal_users SET setup_hash = $2, setup_expires_at = $3 WHERE email = $1 RETURNING {USER_COLUMNS}"
            ))
            .bind(email)
            .bind(&link.0[..])
            .bind(to_micros(expires_at))
            .fetch_optional(&self.pool)
            .await?;
            row.map(user_from).ok_or_else(|| no_user(email))
        }

        async fn find_portal_link(&self, link: &SecretHash, now: OffsetDateTime) -> StoreResult<Option<PortalUser>> {
            let row: Option<UserRow> = sqlx::query_as(&format!(
                "SELECT {USER_COLUMNS} FROM portal_users WHERE setup_hash = $1 AND setup_expires_at > $2 AND disabled_at IS NULL"
            ))
            .bind(&link.0[..])
            .bind(to_micros(now))
            .fetch_optional(&self.pool)
            .await?;
            Ok(row.map(user_from))
        }

        async fn use_portal_link(&self, link: &SecretHash, password_hash: &str, now: OffsetDateTime) -> StoreResult<PortalUser> {
            let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
            let row: Option<UserRow> = sqlx::query_as(&format!(
                "UPDATE portal_users SET password_hash = $3, setup_hash = NULL, setup_expires_at = NULL \
                 WHERE setup_hash = $1 AND setup_expires_at > $2 AND disabled_at IS NULL RETURNING {USER_COLUMNS}"
            ))
            .bind(&link.0[..])
            .bind(to_micros(now))
            .bind(password_hash)
            .fetch_optional(&mut *tx)
            .await?;
            let user = row.map(user_from).ok_or_else(|| StoreError::NotFound("this link (it was used, or it expired)".to_owned()))?;
            sqlx::query("DELETE FROM portal_sessions WHERE user_id = $1").bind(&user.id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(user)
        }

        async fn create_portal_session(&self, session: &SecretHash, user_id: &str, now: OffsetDateTime) -> StoreResult<()> {
            sqlx::query("INSERT INTO portal_sessions (session_hash, user_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)")
                .bind(&session.0[..])
                .bind(user_id)
                .bind(to_micros(now))
                .execute(&self.pool)
                .await?;
            Ok(())
        }

        async fn find_portal_session(&self, session: &SecretHash) -> StoreResult<Option<PortalSession>> {
            let row: Option<(String, String, String, Option<String>, Option<String>, bool, i64, Option<i64>, i64, i64)> = sqlx::query_as(&format!(
                "SELECT {USER_COLUMNS_OF_U}, s.created_at, s.last_seen_at FROM portal_sessions s JOIN portal_users u ON u.id = s.user_id WHERE s.session_hash = $1"
            ))
            .bind(&session.0[..])
            .fetch_optional(&self.pool)
            .await?;
            Ok(row.map(|(id, customer_id, email, name, language, has_password, user_created_at, disabled_at, created_at, last_seen_at)| PortalSession {
                user: user_from((id, customer_id, email, name, language, has_password, user_created_at, disabled_at)),
                created_at: from_micros(created_at),
                last_seen_at: from_micros(last_seen_at),
            }))
        }

        async fn touch_portal_session(&self, session: &SecretHash, now: OffsetDateTime) -> StoreResult<()> {
            sqlx::query("UPDATE portal_sessions SET last_seen_at = $2 WHERE session_hash = $1").bind(&session.0[..]).bind(to_micros(now)).execute(&self.pool).await?;
            Ok(())
        }

        async fn delete_portal_session(&self, session: &SecretHash) -> StoreResult<()> {
            sqlx::query("DELETE FROM portal_sessions WHERE session_hash = $1").bind(&session.0[..]).execute(&self.pool).await?;
            Ok(())
        }

        async fn login_failures(&self, email: &str) -> StoreResult<Option<LoginFailures>> {
            let row: Option<(i64, i64, Option<i64>)> =
                sqlx::query_as("SELECT window_start, failures, locked_until FROM portal_login_failures WHERE email = $1").bind(email).fetch_optional(&self.pool).await?;
            Ok(row.map(|(window_start, failures, locked_until)| LoginFailures {
                window_start: from_micros(window_start),
                failures: u32::try_from(failures).unwrap_or(u32::MAX),
                locked_until: locked_until.map(from_micros),
            }))
        }

        async fn set_login_failures(&self, email: &str, failures: LoginFailures) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO portal_login_failures (email, window_start, failures, locked_until) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (email) DO UPDATE SET window_start = excluded.window_start, failures = excluded.failures, locked_until = excluded.locked_until",
            )
            .bind(email)
            .bind(to_micros(failures.window_start))
            .bind(i64::from(failures.failures))
            .bind(failures.locked_until.map(to_micros))
            .execute(&self.pool)
            .await?;
            Ok(())
        }

        async fn clear_login_failures(&self, email: &str) -> StoreResult<()> {
            sqlx::query("DELETE FROM portal_login_failures WHERE email = $1").bind(email).execute(&self.pool).await?;
            Ok(())
        }

        async fn purge_portal(&self, idle_before: OffsetDateTime, created_before: OffsetDateTime) -> StoreResult<u64> {
            let sessions = sqlx::query("DELETE FROM portal_sessions WHERE last_seen_at < $1 OR created_at < $2")
                .bind(to_micros(idle_before))
                .bind(to_micros(created_before))
                .execute(&self.pool)
                .await?;
            sqlx::query("DELETE FROM portal_login_failures WHERE window_start < $1 AND (locked_until IS NULL OR locked_until < $1)")
                .bind(to_micros(idle_before))
                .execute(&self.pool)
                .await?;
            Ok(DB::rows_affected(&sessions))
        }
    }
}

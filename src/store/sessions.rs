//! Admin sessions; the key is stored only as a hash.

use chrono::{DateTime, Utc};

use super::{Db, Store, StoreResult, db_err};
use crate::domain::UserId;

impl Store {
    /// The session's state, if it exists and has not expired.
    pub async fn session_load(
        &self,
        key_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<String>> {
        const SQL: &str = "SELECT state FROM sessions WHERE key_hash = $1 AND expires_at > $2";
        let row: Option<(String,)> = fetch!(self, fetch_optional, SQL, key_hash, now)?;
        Ok(row.map(|(state,)| state))
    }

    pub async fn session_insert(
        &self,
        key_hash: &str,
        user: Option<UserId>,
        state: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        const SQL: &str = "INSERT INTO sessions (key_hash, user_id, state, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";
        execute!(self, SQL, key_hash, user, state, now, expires_at).map(|_| ())
    }

    /// Replaces the state of a live session; false if it is gone (logged out, expired).
    pub async fn session_update(
        &self,
        key_hash: &str,
        user: Option<UserId>,
        state: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        const SQL: &str = "UPDATE sessions SET user_id = $2, state = $3, expires_at = $5 WHERE key_hash = $1 AND expires_at > $4";
        Ok(execute!(self, SQL, key_hash, user, state, now, expires_at)? == 1)
    }

    pub async fn session_touch(
        &self,
        key_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        const SQL: &str = "UPDATE sessions SET expires_at = $2 WHERE key_hash = $1";
        Ok(execute!(self, SQL, key_hash, expires_at)? == 1)
    }

    pub async fn session_delete(&self, key_hash: &str) -> StoreResult<()> {
        const SQL: &str = "DELETE FROM sessions WHERE key_hash = $1";
        execute!(self, SQL, key_hash).map(|_| ())
    }

    /// Ends every session of a user (disabled, password reset).
    pub async fn sessions_delete_for_user(&self, user: UserId) -> StoreResult<u64> {
        execute!(self, "DELETE FROM sessions WHERE user_id = $1", user)
    }

    pub async fn sessions_purge_expired(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        execute!(self, "DELETE FROM sessions WHERE expires_at <= $1", now)
    }
}

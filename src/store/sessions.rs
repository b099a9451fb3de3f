//! Admin sessions; the key is stored only as a hash.

use chrono::{DateTime, Utc};

use super::{Db, Store, StoreResult, db_err, users};
use crate::domain::{User, UserId};

/// A session as it is written, new or replacing a live one's state.
pub struct SessionWrite<'a> {
    pub key_hash: &'a str,
    pub user: Option<UserId>,
    /// The state, as JSON.
    pub state: &'a str,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A live session's state, the user it names (`None`: it names nobody) and that user's
/// row (`None`: gone).
pub type SessionWithUser = (String, Option<UserId>, Option<User>);

struct SessionRow(SessionWithUser);

from_row!(SessionRow, |row| {
    let named: Option<UserId> = row.try_get("session_user")?;
    let found: Option<UserId> = row.try_get("id")?;
    let user = match found {
        Some(_) => Some(User::from_row(row)?),
        None => None,
    };
    Ok(SessionRow((row.try_get("state")?, named, user)))
});

impl Store {
    /// The session's state and its user's row in one read, so a signed-in page costs one
    /// statement for both; the user is as current as if read after the session.
    pub async fn session_load_with_user(
        &self,
        key_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<SessionWithUser>> {
        const SQL: &str = sql!(
            "SELECT s.state, s.session_user, u.* FROM (SELECT state, user_id AS session_user \
             FROM sessions WHERE key_hash = $1 AND expires_at > $2) s LEFT JOIN (SELECT ",
            users::COLUMNS,
            " FROM users) u ON u.id = s.session_user"
        );
        let row: Option<SessionRow> = fetch!(self, fetch_optional, SQL, key_hash, now)?;
        Ok(row.map(|SessionRow(r)| r))
    }

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

    pub async fn session_insert(&self, w: &SessionWrite<'_>) -> StoreResult<()> {
        const SQL: &str = "INSERT INTO sessions (key_hash, user_id, state, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";
        execute!(self, SQL, w.key_hash, w.user, w.state, w.now, w.expires_at).map(|_| ())
    }

    /// Replaces the state of a live session; false if it is gone (logged out, expired).
    pub async fn session_update(&self, w: &SessionWrite<'_>) -> StoreResult<bool> {
        const SQL: &str = "UPDATE sessions SET user_id = $2, state = $3, expires_at = $5 WHERE key_hash = $1 AND expires_at > $4";
        Ok(execute!(self, SQL, w.key_hash, w.user, w.state, w.now, w.expires_at)? == 1)
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

//! Accounts at OpenID providers linked to local users.

use chrono::{DateTime, Utc};

use super::{Db, Store, StoreResult, db_err, users};
use crate::domain::{User, UserId};

impl Store {
    /// The user linked to this provider account, if any.
    pub async fn user_by_identity(
        &self,
        provider: &str,
        subject: &str,
    ) -> StoreResult<Option<User>> {
        const SQL: &str = sql!(
            "SELECT ",
            users::COLUMNS,
            " FROM users WHERE id = (SELECT user_id FROM user_identities WHERE provider = $1 AND subject = $2)"
        );
        fetch!(self, fetch_optional, SQL, provider, subject)
    }

    /// Whether the user is linked to some account of this provider already.
    pub async fn user_has_identity_at(&self, provider: &str, user: UserId) -> StoreResult<bool> {
        const SQL: &str =
            "SELECT COUNT(*) FROM user_identities WHERE provider = $1 AND user_id = $2";
        let (n,): (i64,) = fetch!(self, fetch_one, SQL, provider, user)?;
        Ok(n > 0)
    }

    pub async fn link_identity(
        &self,
        provider: &str,
        subject: &str,
        user: UserId,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        const SQL: &str = "INSERT INTO user_identities (provider, subject, user_id, created_at) VALUES ($1, $2, $3, $4)";
        execute!(self, SQL, provider, subject, user, now).map(|_| ())
    }
}

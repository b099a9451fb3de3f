//! Form submissions: the idempotency of the admin desk's send button.

use chrono::{DateTime, Utc};

use super::{Db, Store, StoreResult, db_err};
use crate::domain::{CheckoutId, UserId};

impl Store {
    /// Records a submission; false if the key was already used (the form was sent before).
    pub async fn submission_begin(
        &self,
        key: &str,
        user: UserId,
        checkout: CheckoutId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        const SQL: &str = "INSERT INTO form_submissions (idempotency_key, user_id, checkout_id, succeeded, message, created_at) \
            VALUES ($1, $2, $3, NULL, NULL, $4) ON CONFLICT (idempotency_key) DO NOTHING";
        Ok(execute!(self, SQL, key, user, checkout, now)? == 1)
    }

    pub async fn submission_finish(
        &self,
        key: &str,
        succeeded: bool,
        message: &str,
    ) -> StoreResult<()> {
        const SQL: &str =
            "UPDATE form_submissions SET succeeded = $2, message = $3 WHERE idempotency_key = $1";
        execute!(self, SQL, key, succeeded, message).map(|_| ())
    }

    /// `(checkout, outcome)` of a submission by this user; the outcome is `None` while
    /// the first request is still running.
    pub async fn submission(
        &self,
        key: &str,
        user: UserId,
    ) -> StoreResult<Option<(CheckoutId, Option<(bool, String)>)>> {
        const SQL: &str = "SELECT checkout_id, succeeded, message FROM form_submissions WHERE idempotency_key = $1 AND user_id = $2";
        let row: Option<(CheckoutId, Option<bool>, Option<String>)> =
            fetch!(self, fetch_optional, SQL, key, user)?;
        Ok(row.map(|(checkout, ok, msg)| (checkout, ok.map(|ok| (ok, msg.unwrap_or_default())))))
    }

    /// Forgets the submission `key` if it never finished (its request died before it
    /// could record an outcome), so it can be made again; false if it finished.
    pub async fn submission_forget_unfinished(&self, key: &str) -> StoreResult<bool> {
        const SQL: &str =
            "DELETE FROM form_submissions WHERE idempotency_key = $1 AND succeeded IS NULL";
        Ok(execute!(self, SQL, key)? == 1)
    }

    /// Forgets submissions made before `before`; their idempotency has done its job.
    pub async fn submissions_purge(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        execute!(
            self,
            "DELETE FROM form_submissions WHERE created_at < $1",
            before
        )
    }
}

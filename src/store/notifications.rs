//! The Payson notification log: one row per notification received. Rows are appended by
//! the callback; a failed row's result is later written over by a retry, which first takes
//! the row with a conditional UPDATE lease so two instances never retry the same row.

use chrono::{DateTime, Utc};

use super::{Db, Store, StoreResult, db_err};
use crate::domain::{
    NewNotification, Notification, NotificationFilter, NotificationResult, RetriedNotification,
};

/// The columns a notification is written with, in the order `append_notification` binds.
const COLUMNS: &str = "received_at, checkout_id, company_id, remote_addr, request_id, status_found, result, duration_ms, error, shared_read";

/// Every column a `Notification` is read from.
const SELECT: &str = sql!(
    "SELECT id, ",
    COLUMNS,
    ", attempts, retried_at FROM notification_log"
);

from_row!(NewNotification {
    received_at,
    checkout_id,
    company_id,
    remote_addr,
    request_id,
    status_found,
    result,
    duration_ms,
    error,
    shared_read,
});

from_row!(Notification, |row| Ok(Notification {
    id: row.try_get("id")?,
    entry: NewNotification::from_row(row)?,
    attempts: row.try_get("attempts")?,
    retried_at: row.try_get("retried_at")?,
}));

impl Store {
    pub async fn append_notification(&self, n: &NewNotification) -> StoreResult<i64> {
        const SQL: &str = sql!(
            "INSERT INTO notification_log (",
            COLUMNS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id"
        );
        let (id,): (i64,) = fetch!(
            self,
            fetch_one,
            SQL,
            n.received_at,
            n.checkout_id,
            n.company_id,
            &n.remote_addr,
            &n.request_id,
            n.status_found,
            n.result,
            n.duration_ms,
            &n.error,
            n.shared_read,
        )?;
        Ok(id)
    }

    /// Newest first, at most `limit`.
    pub async fn notifications(
        &self,
        f: &NotificationFilter,
        limit: i64,
    ) -> StoreResult<Vec<Notification>> {
        // Every filter is a parameter that is either NULL (no filter) or compared: one SQL text.
        const SQL: &str = sql!(
            SELECT,
            " WHERE ($1 IS NULL OR checkout_id = $1) AND ($2 IS NULL OR company_id = $2) AND ($3 IS NULL OR result = $3) \
            AND ($4 IS NULL OR received_at >= $4) AND ($5 IS NULL OR received_at < $5) AND ($6 IS NULL OR id < $6) \
            ORDER BY id DESC LIMIT $7"
        );
        fetch!(
            self,
            fetch_all,
            SQL,
            f.checkout_id,
            f.company_id,
            f.result,
            f.from,
            f.to,
            f.before_id,
            limit,
        )
    }

    /// Failed rows a retry may take at `now` (retried fewer than `max_attempts` times and
    /// not leased to anyone), oldest first.
    pub async fn retryable_notifications(
        &self,
        now: DateTime<Utc>,
        max_attempts: i64,
        limit: i64,
    ) -> StoreResult<Vec<Notification>> {
        const SQL: &str = sql!(
            SELECT,
            " WHERE result = 'failed' AND attempts < $2 AND (lease_until IS NULL OR lease_until < $1) ORDER BY id LIMIT $3"
        );
        fetch!(self, fetch_all, SQL, now, max_attempts, limit)
    }

    /// Takes the failed row `id` for `owner` until `lease_until`, if it is still failed,
    /// under the attempt cap and not leased at `now`. One conditional statement: of two
    /// instances asking for the same row, one gets it.
    pub async fn lease_notification(
        &self,
        id: i64,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        max_attempts: i64,
    ) -> StoreResult<bool> {
        const SQL: &str = "UPDATE notification_log SET lease_owner = $2, lease_until = $4 \
            WHERE id = $1 AND result = 'failed' AND attempts < $5 AND (lease_until IS NULL OR lease_until < $3)";
        Ok(execute!(self, SQL, id, owner, now, lease_until, max_attempts)? == 1)
    }

    /// Writes a retry's outcome over the row `owner` leased and releases the lease; false
    /// if `owner` no longer holds it.
    pub async fn finish_notification_retry(
        &self,
        id: i64,
        owner: &str,
        r: &RetriedNotification,
    ) -> StoreResult<bool> {
        const SQL: &str = "UPDATE notification_log SET result = $3, status_found = $4, company_id = COALESCE($5, company_id), \
            error = $6, attempts = attempts + 1, retried_at = $7, lease_owner = NULL, lease_until = NULL \
            WHERE id = $1 AND lease_owner = $2";
        let n = execute!(
            self,
            SQL,
            id,
            owner,
            r.result,
            r.status_found,
            r.company_id,
            &r.error,
            r.at,
        )?;
        Ok(n == 1)
    }

    /// How many rows have `result` (the health of the log at a glance, and tests).
    pub async fn count_notifications(&self, result: NotificationResult) -> StoreResult<i64> {
        const SQL: &str = "SELECT COUNT(*) FROM notification_log WHERE result = $1";
        let (n,): (i64,) = fetch!(self, fetch_one, SQL, result)?;
        Ok(n)
    }
}

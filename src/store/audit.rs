//! The audit log: append-only. There is deliberately no update or delete, and the
//! database's triggers refuse both.

use super::types::HttpStatus;
use super::{Db, Store, StoreResult, db_err};
use crate::domain::{AuditEvent, AuditFilter, NewAuditEvent};

/// Every column but `id`, in the order `append_audit` binds them.
const COLUMNS: &str = "at, actor_user_id, actor, company_id, checkout_id, action, outcome, http_status, remote_addr, request_id, message, payson_message, note";

from_row!(NewAuditEvent {
    at,
    actor_user_id,
    actor,
    company_id,
    checkout_id,
    action,
    outcome,
    http_status as HttpStatus,
    remote_addr,
    request_id,
    message,
    payson_message,
    note,
});

from_row!(AuditEvent, |row| Ok(AuditEvent {
    id: row.try_get("id")?,
    event: NewAuditEvent::from_row(row)?,
}));

/// Appends one event and returns its id; bound by `bind_audit!` (also inside the claims'
/// settling transaction).
pub(super) const APPEND: &str = sql!(
    "INSERT INTO audit_events (",
    COLUMNS,
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id"
);

/// Binds a `NewAuditEvent` to `APPEND`, in its column order.
macro_rules! bind_audit {
    ($query:expr, $e:expr) => {{
        let e: &NewAuditEvent = $e;
        $query
            .bind(e.at)
            .bind(e.actor_user_id)
            .bind(e.actor.clone())
            .bind(e.company_id)
            .bind(e.checkout_id)
            .bind(e.action)
            .bind(e.outcome)
            .bind($crate::store::types::HttpStatus(e.http_status))
            .bind(e.remote_addr.clone())
            .bind(e.request_id.clone())
            .bind(e.message.clone())
            .bind(e.payson_message.clone())
            .bind(e.note.clone())
    }};
}
pub(super) use bind_audit;

impl Store {
    pub async fn append_audit(&self, e: &NewAuditEvent) -> StoreResult<i64> {
        let _turn = self.write_turn().await;
        on_pool!(self, |p| bind_audit!(sqlx::query_as(APPEND), e)
            .fetch_one(p)
            .await
            .map(|(id,): (i64,)| id)
            .map_err(db_err))
    }

    /// Newest first.
    pub async fn audit_events(
        &self,
        filter: &AuditFilter,
        limit: i64,
    ) -> StoreResult<Vec<AuditEvent>> {
        // Every filter is a parameter that is either NULL (no filter) or compared: one SQL text.
        const SQL: &str = sql!(
            "SELECT id, ",
            COLUMNS,
            " FROM audit_events WHERE ($1 IS NULL OR company_id = $1) AND ($2 IS NULL OR checkout_id = $2) AND ($3 IS NULL OR actor_user_id = $3) \
            AND ($4 IS NULL OR action = $4) AND ($5 IS NULL OR outcome = $5) AND ($6 IS NULL OR at >= $6) AND ($7 IS NULL OR at < $7) \
            AND ($8 IS NULL OR id < $8) ORDER BY id DESC LIMIT $9"
        );
        fetch!(
            self,
            fetch_all,
            SQL,
            filter.company_id,
            filter.checkout_id,
            filter.actor_user_id,
            filter.action,
            filter.outcome,
            filter.from,
            filter.to,
            filter.before_id,
            limit,
        )
    }
}

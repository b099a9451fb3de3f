//! Send claims: the per-checkout lock that makes "exactly one Payson update" hold across
//! requests, faces and instances, and the work leases of background reconciliation.
//!
//! A claim's `lease_until` is also its deadline: the time after which the request sent
//! under it can no longer take effect at Payson (config makes the lease cover both Payson
//! calls and a margin). A claim that is `unknown`, or `in_flight` past its lease, is
//! *open*: it is never taken for a new send; it is settled by re-reading Payson.

use chrono::{DateTime, Utc};

use super::audit::{APPEND, bind_audit};
use super::checkouts::{UPSERT, bind_checkout};
use super::{Db, Store, StoreResult, db_err};
use crate::domain::{Checkout, CheckoutId, ClaimState, NewAuditEvent, SendClaim};

const COLUMNS: &str = "checkout_id, owner, state, claimed_at, lease_until";

/// Every column of the table; each query adds its own conditions.
const SELECT: &str = sql!("SELECT ", COLUMNS, " FROM send_claims");

/// Claims whose outcome is not known: left `unknown`, or whose holder vanished.
const OPEN: &str = "(state = 'unknown' OR (state = 'in_flight' AND lease_until < $1))";

from_row!(SendClaim {
    checkout_id,
    owner,
    state,
    claimed_at,
    lease_until,
});

impl Store {
    /// Takes the send claim for `checkout` for `owner` (a request id) until `lease_until`.
    /// One conditional statement: succeeds when there is no claim or the claim `failed`
    /// (Payson certainly applied nothing). Never after `done`, and never while a claim is
    /// in flight or its outcome unknown: that is settled by re-reading Payson instead.
    pub async fn try_claim_send(
        &self,
        checkout: CheckoutId,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        const SQL: &str = sql!(
            "INSERT INTO send_claims (",
            COLUMNS,
            ") VALUES ($1, $2, 'in_flight', $3, $4) \
            ON CONFLICT (checkout_id) DO UPDATE SET owner = excluded.owner, state = 'in_flight', claimed_at = excluded.claimed_at, lease_until = excluded.lease_until \
            WHERE send_claims.state = 'failed'"
        );
        Ok(execute!(self, SQL, checkout, owner, now, lease_until)? == 1)
    }

    /// Ends `owner`'s claim in `state`; false if `owner` no longer holds it in flight.
    pub async fn finish_claim(
        &self,
        checkout: CheckoutId,
        owner: &str,
        state: ClaimState,
    ) -> StoreResult<bool> {
        const SQL: &str = "UPDATE send_claims SET state = $3 WHERE checkout_id = $1 AND owner = $2 AND state = 'in_flight'";
        Ok(execute!(self, SQL, checkout, owner, state)? == 1)
    }

    /// Settles the claim `claim` (matched by owner and time, so a newer claim is never
    /// touched) from `in_flight`/`unknown` to `to`, and in the same transaction stores
    /// `checkout` and appends `event`. False, changing nothing, when the claim was already
    /// settled by someone else: so each outcome is recorded, and audited, exactly once.
    pub async fn settle_claim(
        &self,
        claim: &SendClaim,
        to: ClaimState,
        checkout: Option<&Checkout>,
        event: &NewAuditEvent,
    ) -> StoreResult<bool> {
        const SETTLE: &str = "UPDATE send_claims SET state = $4 WHERE checkout_id = $1 AND owner = $2 AND claimed_at = $3 AND state IN ('in_flight', 'unknown')";
        let _turn = self.write_turn().await;
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(db_err)?;
            let won = sqlx::query(SETTLE)
                .bind(claim.checkout_id)
                .bind(claim.owner.clone())
                .bind(claim.claimed_at)
                .bind(to)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?
                .rows_affected()
                == 1;
            if !won {
                tx.rollback().await.map_err(db_err)?;
                return Ok(false);
            }
            if let Some(c) = checkout {
                bind_checkout!(sqlx::query(UPSERT), c)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
            let _: (i64,) = bind_audit!(sqlx::query_as(APPEND), event)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
            tx.commit().await.map_err(db_err)?;
            Ok(true)
        })
    }

    pub async fn claim(&self, checkout: CheckoutId) -> StoreResult<Option<SendClaim>> {
        const SQL: &str = sql!(SELECT, " WHERE checkout_id = $1");
        fetch!(self, fetch_optional, SQL, checkout)
    }

    pub async fn claims_in_state(&self, state: ClaimState) -> StoreResult<Vec<SendClaim>> {
        const SQL: &str = sql!(SELECT, " WHERE state = $1 ORDER BY claimed_at");
        fetch!(self, fetch_all, SQL, state)
    }

    /// Open claims (outcome not known at `now`), oldest first.
    pub async fn open_claims(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<SendClaim>> {
        const SQL: &str = sql!(SELECT, " WHERE ", OPEN, " ORDER BY claimed_at LIMIT $2");
        fetch!(self, fetch_all, SQL, now, limit)
    }

    /// Takes the work lease `name` for `owner` until `until`, if nobody holds it at `now`.
    /// One conditional statement, so of several instances exactly one gets it.
    pub async fn try_lease(
        &self,
        name: &str,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        const SQL: &str = "INSERT INTO work_leases (name, owner, lease_until) VALUES ($1, $2, $4) \
            ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until \
            WHERE work_leases.lease_until < $3";
        Ok(execute!(self, SQL, name, owner, now, until)? == 1)
    }

    /// Gives the lease back early (the work is done).
    pub async fn release_lease(&self, name: &str, owner: &str) -> StoreResult<()> {
        const SQL: &str = "DELETE FROM work_leases WHERE name = $1 AND owner = $2";
        execute!(self, SQL, name, owner).map(|_| ())
    }

    /// Forgets leases that ran out before `before` (their holders died).
    pub async fn purge_leases(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        execute!(
            self,
            "DELETE FROM work_leases WHERE lease_until < $1",
            before
        )
    }
}

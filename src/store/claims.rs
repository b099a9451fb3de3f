//! Send claims: the per-checkout lock that makes "exactly one Payson update" hold across
//! requests, faces and instances.

use chrono::{DateTime, Utc};

use super::{Db, Store, StoreResult, db_err};
use crate::domain::{CheckoutId, ClaimState, SendClaim};

const COLUMNS: &str = "checkout_id, owner, state, claimed_at, lease_until";

/// Every column of the table; each query adds its own conditions.
const SELECT: &str = sql!("SELECT ", COLUMNS, " FROM send_claims");

from_row!(SendClaim {
    checkout_id,
    owner,
    state,
    claimed_at,
    lease_until,
});

impl Store {
    /// Takes the send claim for `checkout` for `owner` (a request id) until `lease_until`.
    /// One conditional statement: succeeds when there is no claim, or the claim is
    /// `failed`/`unknown`, or an `in_flight` claim's lease has run out. Never after `done`.
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
            WHERE send_claims.state IN ('failed', 'unknown') OR (send_claims.state = 'in_flight' AND send_claims.lease_until < excluded.claimed_at)"
        );
        Ok(execute!(self, SQL, checkout, owner, now, lease_until)? == 1)
    }

    /// Ends `owner`'s claim in `state`; false if `owner` no longer holds it.
    pub async fn finish_claim(
        &self,
        checkout: CheckoutId,
        owner: &str,
        state: ClaimState,
    ) -> StoreResult<bool> {
        const SQL: &str = "UPDATE send_claims SET state = $3 WHERE checkout_id = $1 AND owner = $2 AND state = 'in_flight'";
        Ok(execute!(self, SQL, checkout, owner, state)? == 1)
    }

    pub async fn claim(&self, checkout: CheckoutId) -> StoreResult<Option<SendClaim>> {
        const SQL: &str = sql!(SELECT, " WHERE checkout_id = $1");
        fetch!(self, fetch_optional, SQL, checkout)
    }

    pub async fn claims_in_state(&self, state: ClaimState) -> StoreResult<Vec<SendClaim>> {
        const SQL: &str = sql!(SELECT, " WHERE state = $1 ORDER BY claimed_at");
        fetch!(self, fetch_all, SQL, state)
    }
}

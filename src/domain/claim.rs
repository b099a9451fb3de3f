use chrono::{DateTime, Utc};

use super::CheckoutId;

named_enum! {
    /// State of the per-checkout send claim that makes "exactly one Payson update" hold
    /// across requests, faces and instances.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum ClaimState {
        /// A request holds the claim and may be talking to Payson right now.
        InFlight => "in_flight",
        /// Payson confirmed the checkout shipped; the claim can never be taken again.
        Done => "done",
        /// Payson refused, or was not reached: nothing was changed there.
        Failed => "failed",
        /// The request may have reached Payson; the next attempt re-reads Payson first.
        Unknown => "unknown",
    }
}

/// Who holds the send claim of one checkout, in which state, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendClaim {
    pub checkout_id: CheckoutId,
    pub owner: String,
    pub state: ClaimState,
    pub claimed_at: DateTime<Utc>,
    pub lease_until: DateTime<Utc>,
}

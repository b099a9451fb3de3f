//! What the worklist and the audit log can be narrowed to. Plain values: the store decides
//! how a filter becomes a query.

use chrono::{DateTime, Utc};

use super::{AuditAction, AuditOutcome, CheckoutId, CheckoutStatus, CompanyId, Currency, UserId};

/// Filter for checkout lists; `None` fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct CheckoutFilter {
    pub company: Option<CompanyId>,
    pub status: Option<CheckoutStatus>,
    /// Matched case-insensitively inside customer name, e-mail, booking reference or id.
    pub text: Option<String>,
    /// From (inclusive) and to (exclusive): when it became ReadyToShip for the awaiting
    /// list, when it was created otherwise.
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl CheckoutFilter {
    /// The awaiting list (ReadyToShip) is ordered and dated by `ready_to_ship_at`, every
    /// other list by `created_at`.
    pub fn is_awaiting(&self) -> bool {
        self.status == Some(CheckoutStatus::ReadyToShip)
    }
}

/// Count and sum per currency of what a filter matches, or only that it matches more
/// than a bound (a filtered view's totals are counted no further; no sums then).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterTotals {
    Exact(Vec<(Currency, i64, i64)>),
    MoreThan(i64),
}

/// Filter for the audit log; `None` fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub company_id: Option<CompanyId>,
    pub checkout_id: Option<CheckoutId>,
    pub actor_user_id: Option<UserId>,
    pub action: Option<AuditAction>,
    pub outcome: Option<AuditOutcome>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Keyset pagination: only events with id < before_id.
    pub before_id: Option<i64>,
}

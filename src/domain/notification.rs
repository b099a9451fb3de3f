//! The Payson notification log (product.md §4): one row per notification received, what
//! the re-read of Payson found and what became of it.

use chrono::{DateTime, Utc};

use super::{CheckoutId, CheckoutStatus, CompanyId};

named_enum! {
    /// What became of a notification. Stored by name.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum NotificationResult {
        /// Payson was re-read and what it says is stored.
        Processed => "processed",
        /// Not a checkout of ours: answered 200 so that Payson stops retrying.
        UnknownCheckout => "unknown_checkout",
        /// Payson or the database failed; answered 503 and retried later (`retry_failed`).
        Failed => "failed",
        /// No checkout id, or not a GUID: answered 400.
        Invalid => "invalid",
    }
}

/// A notification about to be logged.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotification {
    pub received_at: DateTime<Utc>,
    /// `None` when the call named no checkout (or not a GUID).
    pub checkout_id: Option<CheckoutId>,
    /// `None` for a checkout we do not know.
    pub company_id: Option<CompanyId>,
    /// Where the call came from.
    pub remote_addr: String,
    pub request_id: String,
    /// The status the re-read of Payson found, when it worked.
    pub status_found: Option<CheckoutStatus>,
    pub result: NotificationResult,
    /// From arrival to answer, waiting on a shared read included.
    pub duration_ms: i64,
    /// The internal error detail of a failure: for superadmins, never for the caller.
    pub error: Option<String>,
    /// Answered from a re-read another notification for the same checkout started.
    pub shared_read: bool,
}

/// A logged notification.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub id: i64,
    pub entry: NewNotification,
    /// How many times `retry_failed` re-processed it.
    pub attempts: i64,
    pub retried_at: Option<DateTime<Utc>>,
}

/// A retry's outcome, written over the row's result.
#[derive(Debug, Clone, PartialEq)]
pub struct RetriedNotification {
    pub at: DateTime<Utc>,
    pub company_id: Option<CompanyId>,
    pub status_found: Option<CheckoutStatus>,
    pub result: NotificationResult,
    pub error: Option<String>,
}

/// Filter for the notification log; `None` fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct NotificationFilter {
    pub checkout_id: Option<CheckoutId>,
    pub company_id: Option<CompanyId>,
    pub result: Option<NotificationResult>,
    /// Received from (inclusive) and to (exclusive).
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Keyset pagination: only rows with id < before_id.
    pub before_id: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::NotificationResult;

    #[test]
    fn results_round_trip_by_name() {
        for r in NotificationResult::ALL {
            assert_eq!(NotificationResult::parse(r.name()), Some(r));
        }
        assert_eq!(NotificationResult::parse("Processed"), None);
    }
}

//! Bulk send jobs: one job per submitted bulk form, one row per selected checkout. The
//! rows are worked off in the background; each sent row is the desk's ordinary per-row
//! submission (its idempotency key derived from the form's), so a row is sent at most once
//! however often the job is picked up.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{BulkJobId, CheckoutId, CheckoutStatus, Money, UserId};

/// A submitted bulk send: who made it, from where, and the form's idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkJob {
    pub id: BulkJobId,
    pub form_key: Uuid,
    pub user_id: UserId,
    /// The creating request, so the rows' send events link to it in the audit log.
    pub request_id: String,
    pub remote_addr: String,
    pub created_at: DateTime<Utc>,
}

named_enum! {
    /// Where one row of a job stands.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum BulkRowState {
        /// Waiting for a worker.
        Queued => "queued",
        /// A worker holds it until its lease ends (then another may take it over).
        Sending => "sending",
        Sent => "sent",
        Failed => "failed",
        /// Never sent, for the reason kept with it.
        Skipped => "skipped",
    }
}

impl BulkRowState {
    /// Whether a worker still has to do something with the row.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Queued | Self::Sending)
    }
}

/// Why a selected row is not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkSkip {
    /// The reader may see it but not send for its company.
    NotYours,
    /// Not awaiting a payment request: it has this status.
    Status(CheckoutStatus),
    /// No such checkout, or one the reader may not see.
    NotFound,
}

impl BulkSkip {
    /// Stored as a short code: `not_yours`, `not_found`, `status:<name>`.
    pub fn code(self) -> String {
        match self {
            Self::NotYours => "not_yours".into(),
            Self::NotFound => "not_found".into(),
            Self::Status(s) => format!("status:{}", s.name()),
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "not_yours" => Some(Self::NotYours),
            "not_found" => Some(Self::NotFound),
            _ => s
                .strip_prefix("status:")
                .and_then(CheckoutStatus::parse)
                .map(Self::Status),
        }
    }
}

/// One selected checkout of a job. `customer` and `amount` are as they were when the job
/// was made (empty and `None` for a checkout that was not found).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkRow {
    pub job_id: BulkJobId,
    pub position: i64,
    pub checkout_id: CheckoutId,
    pub state: BulkRowState,
    pub customer: String,
    pub amount: Option<Money>,
    /// Skipped: the `BulkSkip` code; sent or failed: the stored send outcome.
    pub outcome: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_and_states_read_back() {
        for s in [
            BulkSkip::NotYours,
            BulkSkip::NotFound,
            BulkSkip::Status(CheckoutStatus::Shipped),
        ] {
            assert_eq!(BulkSkip::parse(&s.code()), Some(s));
        }
        assert_eq!(BulkSkip::parse("status:nonsense"), None);
        for r in BulkRowState::ALL {
            assert_eq!(BulkRowState::parse(r.name()), Some(r));
        }
    }
}

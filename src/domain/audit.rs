use chrono::{DateTime, Utc};

use super::{CheckoutId, CompanyId, UserId};

named_enum! {
    /// What was attempted. Stored by name; new actions only ever get added.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum AuditAction {
        SendPaymentRequest => "send_payment_request",
        GetCheckout => "get_checkout",
        RefreshCheckout => "refresh_checkout",
        Login => "login",
        Logout => "logout",
        TokenIssued => "token_issued",
        TokenRevoked => "token_revoked",
        CompanyChanged => "company_changed",
        UserChanged => "user_changed",
        PaysonNotification => "payson_notification",
        ExpiryDigest => "expiry_digest",
        /// A bulk send job was made (each of its rows' sends is its own event).
        BulkSend => "bulk_send",
    }
}

named_enum! {
    /// How it ended.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum AuditOutcome {
        Success => "success",
        /// Refused by our own rules (auth, role, validation, status, conflict).
        Rejected => "rejected",
        /// Payson refused or failed.
        Failed => "failed",
        /// The request may or may not have reached Payson; resolved by re-reading it.
        Unknown => "unknown",
    }
}

/// An audit event about to be appended. Events are never updated or deleted.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEvent {
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<UserId>,
    /// E-mail (or token/SSO subject) of the actor as it was at the time.
    pub actor: String,
    pub company_id: Option<CompanyId>,
    pub checkout_id: Option<CheckoutId>,
    pub action: AuditAction,
    pub outcome: AuditOutcome,
    /// HTTP status the caller got (0 when not an HTTP request).
    pub http_status: u16,
    pub remote_addr: String,
    pub request_id: String,
    /// Our own message (what the caller was told).
    pub message: String,
    /// What Payson said, if it said anything.
    pub payson_message: Option<String>,
    /// Free text an administrator attached (send confirmation note).
    pub note: Option<String>,
}

/// A stored audit event.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub id: i64,
    pub event: NewAuditEvent,
}

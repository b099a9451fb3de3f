use chrono::{DateTime, Utc};

use super::{CheckoutId, CompanyId, UserId};

/// What was attempted. Stored by name; new actions only ever get added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    SendPaymentRequest,
    GetCheckout,
    RefreshCheckout,
    Login,
    Logout,
    TokenIssued,
    TokenRevoked,
    CompanyChanged,
    UserChanged,
    PaysonNotification,
    ExpiryDigest,
    /// A bulk send job was made (each of its rows' sends is its own event).
    BulkSend,
}

impl AuditAction {
    pub const ALL: [AuditAction; 12] = [
        Self::SendPaymentRequest,
        Self::GetCheckout,
        Self::RefreshCheckout,
        Self::Login,
        Self::Logout,
        Self::TokenIssued,
        Self::TokenRevoked,
        Self::CompanyChanged,
        Self::UserChanged,
        Self::PaysonNotification,
        Self::ExpiryDigest,
        Self::BulkSend,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::SendPaymentRequest => "send_payment_request",
            Self::GetCheckout => "get_checkout",
            Self::RefreshCheckout => "refresh_checkout",
            Self::Login => "login",
            Self::Logout => "logout",
            Self::TokenIssued => "token_issued",
            Self::TokenRevoked => "token_revoked",
            Self::CompanyChanged => "company_changed",
            Self::UserChanged => "user_changed",
            Self::PaysonNotification => "payson_notification",
            Self::ExpiryDigest => "expiry_digest",
            Self::BulkSend => "bulk_send",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == s)
    }
}

/// How it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditOutcome {
    Success,
    /// Refused by our own rules (auth, role, validation, status, conflict).
    Rejected,
    /// Payson refused or failed.
    Failed,
    /// The request may or may not have reached Payson; resolved by re-reading it.
    Unknown,
}

impl AuditOutcome {
    pub const ALL: [AuditOutcome; 4] = [Self::Success, Self::Rejected, Self::Failed, Self::Unknown];

    pub fn name(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Rejected => "rejected",
            Self::Failed => "failed",
            Self::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == s)
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

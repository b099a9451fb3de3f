use chrono::{DateTime, Duration, Utc};

use super::{CheckoutId, CheckoutStatus, CompanyId, Money, READY_TO_SHIP_LIFETIME_DAYS};

named_enum! {
    /// How the customer pays: decides what shipping means (capture or e-mailed invoice).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum PaymentMethod, parsed by hand {
        Card => "card",
        Invoice => "invoice",
        Bank => "bank",
        Unknown => "unknown",
    }
}

impl PaymentMethod {
    /// Any letter case; what we do not know is `Unknown`.
    pub fn parse(s: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(s.trim()))
            .unwrap_or(Self::Unknown)
    }
}

/// Our copy of one Payson checkout. Payson is the source of truth; this copy is
/// refreshed from Payson before every decision that matters.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkout {
    pub id: CheckoutId,
    pub company_id: CompanyId,
    pub status: CheckoutStatus,
    /// Payson's status text exactly as last seen (it may be one Payson never documented).
    pub payson_status: String,
    pub amount: Money,
    pub payment_method: PaymentMethod,
    pub customer_name: String,
    pub customer_email: String,
    /// The booking reference (Payson's `merchant.reference`).
    pub reference: String,
    pub snippet: Option<String>,
    pub purchase_id: Option<i64>,
    /// Payson's `history` object as JSON text (status → timestamp).
    pub history_json: String,
    pub ready_to_ship_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When we last read this checkout from Payson.
    pub refreshed_at: DateTime<Utc>,
}

impl Checkout {
    /// Payson expires a `readyToShip` checkout 59 days after it got there.
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.ready_to_ship_at
            .map(|t| t + Duration::days(READY_TO_SHIP_LIFETIME_DAYS))
    }
}

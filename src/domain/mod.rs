//! Domain types: values that are parsed once at the edge and cannot hold invalid states.
//! Nothing in here knows about HTTP, SQL or Payson's wire format.

#[macro_use]
mod named;

mod audit;
mod bulk;
mod checkout;
mod claim;
mod company;
mod credentials;
mod digest;
mod filter;
mod ids;
mod money;
mod net;
mod notification;
pub mod policy;
mod principal;
mod role;
mod status;
mod time_zone;
mod user;

pub use audit::{AuditAction, AuditEvent, AuditOutcome, NewAuditEvent};
pub use bulk::{BulkJob, BulkRow, BulkRowState, BulkSkip};
pub use checkout::{Checkout, PaymentMethod};
pub use claim::{ClaimState, SendClaim};
pub use company::Company;
pub use credentials::{ApiToken, CompanyApiKey};
pub use digest::{DigestRecipient, DigestSend, DigestState, Language, UserSettings};
pub use filter::{AuditFilter, CheckoutFilter, FilterTotals};
pub use ids::{BulkJobId, CheckoutId, CompanyId, GuidError, UserId, parse_guid};
pub use money::{Currency, Money, MoneyError};
pub use net::{AddressList, AddressRange, NotAnAddress};
pub use notification::{
    NewNotification, Notification, NotificationFilter, NotificationResult, RetriedNotification,
};
pub use principal::{AuthMethod, Principal};
pub use role::{Role, RoleSet, UnknownRole};
pub use status::CheckoutStatus;
pub use time_zone::{Expiry, TimeZone, UnknownTimeZone, Zones};
pub use user::User;

/// Payson lets a `readyToShip` checkout live this long before it expires (payson-api.md §4).
pub const READY_TO_SHIP_LIFETIME_DAYS: i64 = 59;

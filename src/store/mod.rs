//! The store facade: the only place that knows SQL. Services call these methods and get
//! domain types back; which backend runs underneath is chosen by the database URL.
//!
//! SKELETON — signatures are the contract; bodies are being written (see the store task).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::{
    AuditAction, AuditEvent, AuditOutcome, Checkout, CheckoutId, Company, CompanyId, NewAuditEvent,
    RoleSet, User, UserId,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database stayed locked/busy past the busy timeout, or the pool timed out.
    #[error("the database is busy; try again")]
    Busy,
    /// A unique constraint was violated (e.g. an e-mail already in use).
    #[error("already exists: {0}")]
    Conflict(String),
    /// A stored row could not be turned into a domain value.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// An API token as stored: only the SHA-256 hash of the secret is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenRecord {
    pub id: Uuid,
    pub user_id: UserId,
    pub name: String,
    pub token_hash: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A company API key for `x-api-key`, stored as the SHA-256 hash of the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyApiKeyRecord {
    pub id: Uuid,
    pub company_id: CompanyId,
    pub key_hash: String,
    pub notes: String,
    /// Comma-separated IP addresses the key is limited to; empty means any address.
    pub allowed_ips: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// State of the per-checkout send claim that makes "exactly one Payson update" hold
/// across requests, faces and instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimState {
    /// A request holds the claim and may be talking to Payson right now.
    InFlight,
    /// Payson confirmed the checkout shipped; the claim can never be taken again.
    Done,
    /// Payson refused, or was not reached: nothing was changed there.
    Failed,
    /// The request may have reached Payson; the next attempt re-reads Payson first.
    Unknown,
}

impl ClaimState {
    pub fn name(self) -> &'static str {
        match self {
            Self::InFlight => "in_flight",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendClaim {
    pub checkout_id: CheckoutId,
    pub owner: String,
    pub state: ClaimState,
    pub claimed_at: DateTime<Utc>,
    pub lease_until: DateTime<Utc>,
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

#[derive(Clone)]
pub struct Store {
    _private: (),
}

#[allow(unused_variables, clippy::unused_async)]
impl Store {
    /// Connects by URL (`sqlite:...` or `postgres://...`). SQLite: created if missing, WAL,
    /// synchronous NORMAL, busy timeout 5 s, foreign keys on.
    pub async fn connect(url: &str) -> StoreResult<Store> { todo!() }
    /// Applies the backend's migrations (`migrations/sqlite` or `migrations/postgres`).
    pub async fn migrate(&self) -> StoreResult<()> { todo!() }
    pub fn backend(&self) -> Backend { todo!() }
    pub async fn ping(&self) -> StoreResult<()> { todo!() }
    pub async fn close(&self) { todo!() }

    // companies
    pub async fn insert_company(&self, c: &Company) -> StoreResult<()> { todo!() }
    pub async fn company(&self, id: CompanyId) -> StoreResult<Option<Company>> { todo!() }
    pub async fn companies(&self) -> StoreResult<Vec<Company>> { todo!() }
    pub async fn update_company_payson(&self, id: CompanyId, agent_id: &str, api_key_encrypted: &str, base_url: &str) -> StoreResult<bool> { todo!() }

    // users (e-mails are stored and looked up lower-cased)
    pub async fn insert_user(&self, u: &User) -> StoreResult<()> { todo!() }
    pub async fn user(&self, id: UserId) -> StoreResult<Option<User>> { todo!() }
    pub async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> { todo!() }
    pub async fn users(&self) -> StoreResult<Vec<User>> { todo!() }
    pub async fn set_user_password(&self, id: UserId, password_hash: &str) -> StoreResult<bool> { todo!() }
    pub async fn set_user_roles(&self, id: UserId, roles: RoleSet, company: Option<CompanyId>) -> StoreResult<bool> { todo!() }
    pub async fn set_user_disabled(&self, id: UserId, disabled: bool) -> StoreResult<bool> { todo!() }

    // API tokens
    pub async fn insert_api_token(&self, t: &ApiTokenRecord) -> StoreResult<()> { todo!() }
    /// The token and its user, if the token exists and is not revoked.
    pub async fn active_token_by_hash(&self, token_hash: &str) -> StoreResult<Option<(ApiTokenRecord, User)>> { todo!() }
    pub async fn api_tokens(&self, user: Option<UserId>) -> StoreResult<Vec<ApiTokenRecord>> { todo!() }
    pub async fn revoke_api_token(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<bool> { todo!() }

    // company API keys
    pub async fn insert_company_api_key(&self, k: &CompanyApiKeyRecord) -> StoreResult<()> { todo!() }
    pub async fn company_api_key_by_hash(&self, key_hash: &str) -> StoreResult<Option<CompanyApiKeyRecord>> { todo!() }
    pub async fn company_api_keys(&self, company: CompanyId) -> StoreResult<Vec<CompanyApiKeyRecord>> { todo!() }
    pub async fn revoke_company_api_key(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<bool> { todo!() }

    // checkouts
    /// Inserts the checkout or replaces every field of the existing row with the same id.
    pub async fn upsert_checkout(&self, c: &Checkout) -> StoreResult<()> { todo!() }
    pub async fn checkout(&self, id: CheckoutId) -> StoreResult<Option<Checkout>> { todo!() }
    pub async fn count_checkouts(&self) -> StoreResult<i64> { todo!() }

    // send claims
    /// Takes the send claim for `checkout` for `owner` (a request id) until `lease_until`.
    /// One conditional statement: succeeds when there is no claim, or the claim is
    /// `failed`/`unknown`, or an `in_flight` claim's lease has run out. Never after `done`.
    pub async fn try_claim_send(&self, checkout: CheckoutId, owner: &str, now: DateTime<Utc>, lease_until: DateTime<Utc>) -> StoreResult<bool> { todo!() }
    /// Ends `owner`'s claim in `state`; false if `owner` no longer holds it.
    pub async fn finish_claim(&self, checkout: CheckoutId, owner: &str, state: ClaimState) -> StoreResult<bool> { todo!() }
    pub async fn claim(&self, checkout: CheckoutId) -> StoreResult<Option<SendClaim>> { todo!() }
    pub async fn claims_in_state(&self, state: ClaimState) -> StoreResult<Vec<SendClaim>> { todo!() }

    // audit: append-only — there is deliberately no update or delete
    pub async fn append_audit(&self, e: &NewAuditEvent) -> StoreResult<i64> { todo!() }
    /// Newest first.
    pub async fn audit_events(&self, filter: &AuditFilter, limit: i64) -> StoreResult<Vec<AuditEvent>> { todo!() }
}

//! Credentials for the API: a user's API token and a company's API key. Only the SHA-256
//! hash of the secret is ever kept.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{CompanyId, UserId};

/// An API token of one user (`Authorization: Bearer`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: Uuid,
    pub user_id: UserId,
    pub name: String,
    pub token_hash: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A company API key for `x-api-key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyApiKey {
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

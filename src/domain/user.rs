use chrono::{DateTime, Utc};

use super::{CompanyId, RoleSet, UserId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    /// Argon2id PHC string; `None` for accounts that only sign in through SSO.
    pub password_hash: Option<String>,
    pub company_id: Option<CompanyId>,
    pub roles: RoleSet,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

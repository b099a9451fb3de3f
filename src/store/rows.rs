//! Row structs as the database returns them, and their parsing into domain types. A
//! stored value that does not parse is reported as corrupt rather than guessed at.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{StoreError, StoreResult};
use crate::domain::{
    ApiToken, AuditAction, AuditEvent, AuditOutcome, Checkout, CheckoutStatus, ClaimState, Company,
    CompanyApiKey, Currency, Money, NewAuditEvent, PaymentMethod, RoleSet, SendClaim, User,
};

pub fn id_text(u: Uuid) -> String {
    u.hyphenated().to_string()
}

pub(super) fn uuid(s: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(s).map_err(|_| StoreError::Corrupt(format!("bad id '{s}'")))
}

fn opt_uuid(s: Option<String>) -> StoreResult<Option<Uuid>> {
    s.as_deref().map(uuid).transpose()
}

#[derive(sqlx::FromRow)]
pub struct CompanyRow {
    id: String,
    name: String,
    payson_agent_id: String,
    payson_api_key_encrypted: String,
    payson_base_url: String,
    created_at: DateTime<Utc>,
}

impl CompanyRow {
    pub fn into_domain(self) -> StoreResult<Company> {
        Ok(Company {
            id: uuid(&self.id)?.into(),
            name: self.name,
            payson_agent_id: self.payson_agent_id,
            payson_api_key_encrypted: self.payson_api_key_encrypted,
            payson_base_url: self.payson_base_url,
            created_at: self.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct UserRow {
    id: String,
    email: String,
    display_name: String,
    password_hash: Option<String>,
    company_id: Option<String>,
    roles: String,
    disabled: bool,
    created_at: DateTime<Utc>,
}

impl UserRow {
    pub fn into_domain(self) -> StoreResult<User> {
        Ok(User {
            id: uuid(&self.id)?.into(),
            email: self.email,
            display_name: self.display_name,
            password_hash: self.password_hash,
            company_id: opt_uuid(self.company_id)?.map(Into::into),
            roles: RoleSet::parse_list(&self.roles)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            disabled: self.disabled,
            created_at: self.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct ApiTokenRow {
    id: String,
    user_id: String,
    name: String,
    token_hash: String,
    created_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

impl ApiTokenRow {
    pub fn into_domain(self) -> StoreResult<ApiToken> {
        Ok(ApiToken {
            id: uuid(&self.id)?,
            user_id: uuid(&self.user_id)?.into(),
            name: self.name,
            token_hash: self.token_hash,
            created_at: self.created_at,
            revoked_at: self.revoked_at,
        })
    }
}

/// A token joined with its user, so authenticating costs one query.
#[derive(sqlx::FromRow)]
pub struct TokenUserRow {
    token_id: String,
    token_name: String,
    token_hash: String,
    token_created_at: DateTime<Utc>,
    token_revoked_at: Option<DateTime<Utc>>,
    #[sqlx(flatten)]
    user: UserRow,
}

impl TokenUserRow {
    pub fn into_domain(self) -> StoreResult<(ApiToken, User)> {
        let user = self.user.into_domain()?;
        let token = ApiToken {
            id: uuid(&self.token_id)?,
            user_id: user.id,
            name: self.token_name,
            token_hash: self.token_hash,
            created_at: self.token_created_at,
            revoked_at: self.token_revoked_at,
        };
        Ok((token, user))
    }
}

#[derive(sqlx::FromRow)]
pub struct CompanyApiKeyRow {
    id: String,
    company_id: String,
    key_hash: String,
    notes: String,
    allowed_ips: String,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl CompanyApiKeyRow {
    pub fn into_domain(self) -> StoreResult<CompanyApiKey> {
        Ok(CompanyApiKey {
            id: uuid(&self.id)?,
            company_id: uuid(&self.company_id)?.into(),
            key_hash: self.key_hash,
            notes: self.notes,
            allowed_ips: self.allowed_ips,
            created_at: self.created_at,
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct CheckoutRow {
    id: String,
    company_id: String,
    status: String,
    payson_status: String,
    amount_minor: i64,
    currency: String,
    payment_method: String,
    customer_name: String,
    customer_email: String,
    reference: String,
    snippet: Option<String>,
    purchase_id: Option<i64>,
    history_json: String,
    ready_to_ship_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    refreshed_at: DateTime<Utc>,
}

impl CheckoutRow {
    pub fn into_domain(self) -> StoreResult<Checkout> {
        let status = CheckoutStatus::parse(&self.status)
            .ok_or_else(|| StoreError::Corrupt(format!("bad status '{}'", self.status)))?;
        let currency = Currency::parse(&self.currency)
            .ok_or_else(|| StoreError::Corrupt(format!("bad currency '{}'", self.currency)))?;
        Ok(Checkout {
            id: uuid(&self.id)?.into(),
            company_id: uuid(&self.company_id)?.into(),
            status,
            payson_status: self.payson_status,
            amount: Money::from_minor(self.amount_minor, currency),
            payment_method: PaymentMethod::parse(&self.payment_method),
            customer_name: self.customer_name,
            customer_email: self.customer_email,
            reference: self.reference,
            snippet: self.snippet,
            purchase_id: self.purchase_id,
            history_json: self.history_json,
            ready_to_ship_at: self.ready_to_ship_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
            refreshed_at: self.refreshed_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct ClaimRow {
    checkout_id: String,
    owner: String,
    state: String,
    claimed_at: DateTime<Utc>,
    lease_until: DateTime<Utc>,
}

impl ClaimRow {
    pub fn into_domain(self) -> StoreResult<SendClaim> {
        let state = [
            ClaimState::InFlight,
            ClaimState::Done,
            ClaimState::Failed,
            ClaimState::Unknown,
        ]
        .into_iter()
        .find(|s| s.name() == self.state)
        .ok_or_else(|| StoreError::Corrupt(format!("bad claim state '{}'", self.state)))?;
        Ok(SendClaim {
            checkout_id: uuid(&self.checkout_id)?.into(),
            owner: self.owner,
            state,
            claimed_at: self.claimed_at,
            lease_until: self.lease_until,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct AuditRow {
    id: i64,
    at: DateTime<Utc>,
    actor_user_id: Option<String>,
    actor: String,
    company_id: Option<String>,
    checkout_id: Option<String>,
    action: String,
    outcome: String,
    http_status: i64,
    remote_addr: String,
    request_id: String,
    message: String,
    payson_message: Option<String>,
    note: Option<String>,
}

impl AuditRow {
    pub fn into_domain(self) -> StoreResult<AuditEvent> {
        let action = AuditAction::parse(&self.action)
            .ok_or_else(|| StoreError::Corrupt(format!("bad audit action '{}'", self.action)))?;
        let outcome = AuditOutcome::parse(&self.outcome)
            .ok_or_else(|| StoreError::Corrupt(format!("bad audit outcome '{}'", self.outcome)))?;
        let http_status = u16::try_from(self.http_status)
            .map_err(|_| StoreError::Corrupt(format!("bad http status {}", self.http_status)))?;
        Ok(AuditEvent {
            id: self.id,
            event: NewAuditEvent {
                at: self.at,
                actor_user_id: opt_uuid(self.actor_user_id)?.map(Into::into),
                actor: self.actor,
                company_id: opt_uuid(self.company_id)?.map(Into::into),
                checkout_id: opt_uuid(self.checkout_id)?.map(Into::into),
                action,
                outcome,
                http_status,
                remote_addr: self.remote_addr,
                request_id: self.request_id,
                message: self.message,
                payson_message: self.payson_message,
                note: self.note,
            },
        })
    }
}

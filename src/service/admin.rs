//! Companies, users and tokens. Used by the CLI now and the admin pages later; the
//! caller is trusted here only where the CLI runs with the operator's own authority.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::auth::password::{check_strength, hash_password};
use crate::crypto::{new_api_token, sha256_hex};
use crate::domain::{ApiToken, Company, CompanyApiKey, CompanyId, RoleSet, User, UserId};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::StoreError;

pub struct NewCompany {
    pub id: Option<CompanyId>,
    pub name: String,
    pub payson_agent_id: String,
    pub payson_api_key: String,
    pub payson_base_url: Option<String>,
}

pub async fn add_company(state: &AppState, c: NewCompany) -> Result<Company, AppError> {
    if c.name.trim().is_empty() {
        return Err(AppError::invalid(
            "Name",
            "NotEmpty",
            "A company needs a name",
        ));
    }
    if c.payson_agent_id.trim().is_empty() || c.payson_api_key.trim().is_empty() {
        return Err(AppError::invalid(
            "PaysonAgentId",
            "NotEmpty",
            "Payson agent id and API key are required",
        ));
    }
    let base_url = c
        .payson_base_url
        .unwrap_or_else(|| state.settings.payson.default_base_url.clone());
    if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
        return Err(AppError::invalid(
            "PaysonBaseUrl",
            "InvalidFormat",
            "The Payson base URL must be http(s)",
        ));
    }
    let company = Company {
        id: c.id.unwrap_or_else(CompanyId::new_random),
        name: c.name.trim().to_owned(),
        payson_agent_id: c.payson_agent_id.trim().to_owned(),
        payson_api_key_encrypted: state.secrets.encrypt(c.payson_api_key.trim()),
        payson_base_url: base_url,
        created_at: state.clock.now(),
    };
    state
        .store
        .insert_company(&company)
        .await
        .map_err(conflict("company"))?;
    state.company_names.clear().await;
    Ok(company)
}

pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub password: Option<String>,
    pub company_id: Option<CompanyId>,
    pub roles: RoleSet,
}

pub async fn add_user(state: &AppState, u: NewUser) -> Result<User, AppError> {
    let email = u.email.trim().to_ascii_lowercase();
    if !email.contains('@') || email.len() > 254 {
        return Err(AppError::invalid(
            "Email",
            "InvalidFormat",
            "Not an e-mail address",
        ));
    }
    if let Some(c) = u.company_id {
        state
            .store
            .company(c)
            .await?
            .ok_or_else(|| AppError::NotFound("Company not found".into()))?;
    }
    let needs_company = !u.roles.iter().any(|r| r.is_global()) && !u.roles.is_empty();
    if needs_company && u.company_id.is_none() {
        return Err(AppError::invalid(
            "CompanyId",
            "NotEmpty",
            "Company roles need a company",
        ));
    }
    let password_hash = match u.password {
        Some(p) => {
            check_strength(&p).map_err(|m| AppError::invalid("Password", "Length", m))?;
            Some(hash_password(&p).map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))?)
        }
        None => None,
    };
    let user = User {
        id: UserId::new_random(),
        display_name: if u.display_name.trim().is_empty() {
            email.clone()
        } else {
            u.display_name.trim().to_owned()
        },
        email,
        password_hash,
        company_id: u.company_id,
        roles: u.roles,
        disabled: false,
        created_at: state.clock.now(),
    };
    state
        .store
        .insert_user(&user)
        .await
        .map_err(conflict("user with this e-mail"))?;
    Ok(user)
}

/// Issues an API token for the user. The secret is returned once and only its hash is stored.
pub async fn issue_token(
    state: &AppState,
    email: &str,
    name: &str,
) -> Result<(ApiToken, String), AppError> {
    let user = state
        .store
        .user_by_email(email)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("No user {email}")))?;
    let secret = new_api_token();
    let record = ApiToken {
        id: Uuid::new_v4(),
        user_id: user.id,
        name: if name.trim().is_empty() {
            "api".into()
        } else {
            name.trim().to_owned()
        },
        token_hash: sha256_hex(&secret),
        created_at: state.clock.now(),
        revoked_at: None,
    };
    state.store.insert_api_token(&record).await?;
    Ok((record, secret))
}

pub async fn revoke_token(state: &AppState, id: Uuid) -> Result<(), AppError> {
    if state.store.revoke_api_token(id, state.clock.now()).await? {
        Ok(())
    } else {
        Err(AppError::NotFound(format!("No active token {id}")))
    }
}

/// Issues a company API key for `x-api-key` (a GUID, as BokaMera's); stored hashed.
pub async fn issue_company_api_key(
    state: &AppState,
    company: CompanyId,
    notes: &str,
    allowed_ips: &str,
    expires_at: Option<DateTime<Utc>>,
) -> Result<(CompanyApiKey, Uuid), AppError> {
    for ip in allowed_ips
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        ip.parse::<std::net::IpAddr>().map_err(|_| {
            AppError::invalid(
                "AllowedIpAddresses",
                "InvalidFormat",
                format!("'{ip}' is not an IP address"),
            )
        })?;
    }
    let key = Uuid::new_v4();
    let record = CompanyApiKey {
        id: Uuid::new_v4(),
        company_id: company,
        key_hash: sha256_hex(&key.hyphenated().to_string()),
        notes: notes.to_owned(),
        allowed_ips: allowed_ips.to_owned(),
        created_at: state.clock.now(),
        expires_at,
        revoked_at: None,
    };
    state.store.insert_company_api_key(&record).await?;
    Ok((record, key))
}

fn conflict(what: &'static str) -> impl Fn(StoreError) -> AppError {
    move |e| match e {
        StoreError::Conflict(_) => AppError::Conflict(format!("A {what} already exists")),
        other => other.into(),
    }
}

/// Only superadmins manage companies and users.
pub fn require_superadmin(p: &crate::domain::Principal) -> Result<(), AppError> {
    if p.roles.contains(crate::domain::Role::SuperAdmin) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// A company's Payson credentials and API keys: superadmins, or that company's write
/// administrators. Another company is answered as not found.
pub fn require_company_admin(
    p: &crate::domain::Principal,
    company: CompanyId,
) -> Result<(), AppError> {
    use crate::domain::Role;
    if p.roles.contains(Role::SuperAdmin) {
        return Ok(());
    }
    if p.company == Some(company) && p.roles.contains(Role::AdminWrite) {
        return Ok(());
    }
    if p.company == Some(company) {
        Err(AppError::Forbidden)
    } else {
        Err(AppError::NotFound("Company not found".into()))
    }
}

/// Replaces a company's Payson credentials; an empty key keeps the stored one (the
/// field is write-only: the key is never shown back).
pub async fn set_payson_credentials(
    state: &AppState,
    p: &crate::domain::Principal,
    company: CompanyId,
    agent_id: &str,
    api_key: &str,
    base_url: &str,
) -> Result<(), AppError> {
    require_company_admin(p, company)?;
    let current = crate::service::checkouts::company(state, company).await?;
    if agent_id.trim().is_empty() {
        return Err(AppError::invalid(
            "PaysonAgentId",
            "NotEmpty",
            "The Payson agent id is required",
        ));
    }
    let base = base_url.trim();
    if !(base.starts_with("https://") || base.starts_with("http://")) {
        return Err(AppError::invalid(
            "PaysonBaseUrl",
            "InvalidFormat",
            "The Payson base URL must be http(s)",
        ));
    }
    let encrypted = if api_key.trim().is_empty() {
        current.payson_api_key_encrypted
    } else {
        state.secrets.encrypt(api_key.trim())
    };
    state
        .store
        .update_company_payson(company, agent_id.trim(), &encrypted, base)
        .await?;
    Ok(())
}

/// *Test connection*: `GET /Accounts` with the stored credentials.
pub async fn test_payson_connection(
    state: &AppState,
    p: &crate::domain::Principal,
    company: CompanyId,
) -> Result<String, AppError> {
    require_company_admin(p, company)?;
    let c = crate::service::checkouts::company(state, company).await?;
    let creds = crate::service::checkouts::credentials(state, &c)?;
    match state.payson.get_account(&creds).await {
        Ok(a) => Ok(format!(
            "Connected to Payson as {} (merchant {}, {})",
            a.account_email, a.merchant_id, a.status
        )),
        Err(e) => Err(crate::service::checkouts::payson_error(&e)),
    }
}

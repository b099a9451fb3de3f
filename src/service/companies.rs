//! Companies: adding them, their write-only Payson credentials, *Test connection* and
//! their `x-api-key` keys. Every change is checked against the policy and audited.

use chrono::Duration;
use uuid::Uuid;

use crate::crypto::sha256_hex;
use crate::domain::policy::{self, Actor};
use crate::domain::{AddressList, AuditAction, Company, CompanyApiKey, CompanyId, TimeZone, Zones};
use crate::error::{AppError, Connected, Existing, Invalid, Missing};
use crate::state::AppState;

use super::audit::audited;
use super::checkouts::{company, credentials, payson_error};
use super::{Call, permitted};

pub struct NewCompany {
    pub id: Option<CompanyId>,
    pub name: String,
    pub payson_agent_id: String,
    pub payson_api_key: String,
    pub payson_base_url: Option<String>,
}

/// New Payson credentials; an empty key keeps the stored one (the field is write-only).
pub struct PaysonSettings {
    pub agent_id: String,
    pub api_key: String,
    pub base_url: String,
}

pub struct NewApiKey {
    pub notes: String,
    /// Comma-separated addresses; empty allows any.
    pub allowed_ips: String,
    pub expires_in_days: Option<i64>,
}

/// A company as its administrators see it: never the Payson key itself.
pub struct ManagedCompany {
    pub company: Company,
    pub keys: Vec<CompanyApiKey>,
}

/// Every company change is filed as one action, under the company.
const CHANGED: AuditAction = AuditAction::CompanyChanged;

/// A change to company `id`, made only by one who manages it and audited under the
/// company either way (a refused attempt too).
async fn change<T>(
    call: Call<'_>,
    id: CompanyId,
    work: impl Future<Output = Result<T, AppError>>,
    message: impl FnOnce(&T) -> String,
) -> Result<T, AppError> {
    let result = async {
        require_manager(call.actor, id)?;
        work.await
    }
    .await;
    audited(call, (CHANGED, Some(id)), result, message).await
}

fn require_manager(actor: Actor<'_>, company: CompanyId) -> Result<(), AppError> {
    if policy::may_manage_company(actor, company) {
        Ok(())
    } else if policy::may_view_company(actor, company) {
        Err(AppError::Forbidden)
    } else {
        // Another company is answered as unknown, so ids cannot be probed.
        Err(AppError::NotFound(Missing::Company))
    }
}

fn check_base_url(url: &str) -> Result<(), AppError> {
    if url.starts_with("https://") || url.starts_with("http://") {
        Ok(())
    } else {
        Err(AppError::rejected(
            "PaysonBaseUrl",
            "InvalidFormat",
            Invalid::PaysonBaseUrl,
        ))
    }
}

pub async fn add(call: Call<'_>, c: NewCompany) -> Result<Company, AppError> {
    let result = add_inner(call.state, call.actor, c).await;
    let id = result.as_ref().ok().map(|c| c.id);
    audited(call, (CHANGED, id), result, |c| {
        format!("Company {} added", c.name)
    })
    .await
}

async fn add_inner(state: &AppState, actor: Actor<'_>, c: NewCompany) -> Result<Company, AppError> {
    permitted(policy::may_add_company(actor))?;
    if c.name.trim().is_empty() {
        return Err(AppError::rejected("Name", "NotEmpty", Invalid::CompanyName));
    }
    if c.payson_agent_id.trim().is_empty() || c.payson_api_key.trim().is_empty() {
        return Err(AppError::rejected(
            "PaysonAgentId",
            "NotEmpty",
            Invalid::PaysonCredentials,
        ));
    }
    let base_url = c
        .payson_base_url
        .map(|u| u.trim().to_owned())
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| state.settings.payson.default_base_url.clone());
    check_base_url(&base_url)?;
    let company = Company {
        id: c.id.unwrap_or_else(CompanyId::new_random),
        name: c.name.trim().to_owned(),
        payson_agent_id: c.payson_agent_id.trim().to_owned(),
        payson_api_key_encrypted: state.secrets.encrypt(c.payson_api_key.trim()),
        payson_base_url: base_url,
        created_at: state.clock.now(),
        time_zone: TimeZone::DEFAULT,
    };
    state
        .store
        .insert_company(&company)
        .await
        .map_err(super::conflict(Existing::Company))?;
    state.company_names.clear().await;
    Ok(company)
}

/// The companies the actor manages, with their API keys. Someone who manages none
/// (and could not add one) may not open the page at all.
pub async fn managed(state: &AppState, actor: Actor<'_>) -> Result<Vec<ManagedCompany>, AppError> {
    permitted(policy::may_manage_some_company(actor))?;
    let mut out = Vec::new();
    for company in state.store.companies().await? {
        if !policy::may_manage_company(actor, company.id) {
            continue;
        }
        let keys = state.store.company_api_keys(company.id).await?;
        out.push(ManagedCompany { company, keys });
    }
    if out.is_empty() && !policy::may_add_company(actor) {
        return Err(AppError::Forbidden);
    }
    Ok(out)
}

pub async fn set_payson(call: Call<'_>, id: CompanyId, s: PaysonSettings) -> Result<(), AppError> {
    let work = async {
        let current = company(call.state, id).await?;
        if s.agent_id.trim().is_empty() {
            return Err(AppError::rejected(
                "PaysonAgentId",
                "NotEmpty",
                Invalid::PaysonAgentId,
            ));
        }
        let base = s.base_url.trim();
        check_base_url(base)?;
        let encrypted = if s.api_key.trim().is_empty() {
            current.payson_api_key_encrypted
        } else {
            call.state.secrets.encrypt(s.api_key.trim())
        };
        call.state
            .store
            .update_company_payson(id, s.agent_id.trim(), &encrypted, base)
            .await?;
        Ok(())
    };
    change(call, id, work, |()| "Payson credentials saved".to_owned()).await
}

/// The zone the desk shows the company's times in: an IANA name, or nothing changes.
pub async fn set_time_zone(
    call: Call<'_>,
    id: CompanyId,
    zone: &str,
) -> Result<TimeZone, AppError> {
    let work = async {
        let zone = TimeZone::parse(zone)
            .map_err(|e| AppError::rejected("TimeZone", "InvalidFormat", Invalid::TimeZone(e.0)))?;
        if !call.state.store.update_company_time_zone(id, zone).await? {
            return Err(AppError::NotFound(Missing::Company));
        }
        call.state.company_zones.clear().await;
        Ok(zone)
    };
    change(call, id, work, |z| format!("Time zone set to {z}")).await
}

/// Every company's time zone, for showing times; zones are not secret, and a page only
/// looks up the companies whose rows it already may show. Cached like the names (a zone
/// changed at another instance shows there within seconds).
pub async fn zones(state: &AppState) -> Result<std::sync::Arc<Zones>, AppError> {
    Ok(state.company_zones.get(&state.store).await?)
}

/// *Test connection*: `GET /Accounts` with the stored credentials.
pub async fn test_connection(call: Call<'_>, id: CompanyId) -> Result<Connected, AppError> {
    let work = async {
        let c = company(call.state, id).await?;
        let creds = credentials(call.state, &c)?;
        match call.state.payson.get_account(&creds).await {
            Ok(a) => Ok(Connected {
                email: a.account_email,
                merchant: a.merchant_id.to_string(),
                status: a.status,
            }),
            Err(e) => Err(payson_error(&e)),
        }
    };
    change(call, id, work, ToString::to_string).await
}

/// Issues a company API key for `x-api-key` (a GUID, as BokaMera's); stored hashed and
/// returned once.
pub async fn issue_api_key(
    call: Call<'_>,
    company: CompanyId,
    k: NewApiKey,
) -> Result<(CompanyApiKey, Uuid), AppError> {
    let work = async {
        // Stored as the administrator wrote it, once it is known to parse.
        let allowed_ips = k.allowed_ips.trim();
        AddressList::parse(allowed_ips).map_err(|e| {
            AppError::rejected("AllowedIpAddresses", "InvalidFormat", Invalid::NotAnIp(e.0))
        })?;
        let expires_at = match k.expires_in_days {
            Some(d) if !(1..=3650).contains(&d) => {
                return Err(AppError::rejected(
                    "ExpiresInDays",
                    "InvalidFormat",
                    Invalid::DaysOutOfRange,
                ));
            }
            Some(d) => Some(call.state.clock.now() + Duration::days(d)),
            None => None,
        };
        let key = Uuid::new_v4();
        let record = CompanyApiKey {
            id: Uuid::new_v4(),
            company_id: company,
            key_hash: sha256_hex(&key.hyphenated().to_string()),
            notes: k.notes.trim().to_owned(),
            allowed_ips: allowed_ips.to_owned(),
            created_at: call.state.clock.now(),
            expires_at,
            revoked_at: None,
        };
        call.state.store.insert_company_api_key(&record).await?;
        Ok((record, key))
    };
    change(call, company, work, |(rec, _)| {
        format!("API key {} issued", rec.id)
    })
    .await
}

pub async fn revoke_api_key(
    call: Call<'_>,
    company: CompanyId,
    key_id: Uuid,
) -> Result<(), AppError> {
    let work = async {
        let owned = call
            .state
            .store
            .company_api_keys(company)
            .await?
            .iter()
            .any(|k| k.id == key_id);
        if !owned
            || !call
                .state
                .store
                .revoke_company_api_key(key_id, call.state.clock.now())
                .await?
        {
            return Err(AppError::NotFound(Missing::Key));
        }
        Ok(())
    };
    change(call, company, work, |()| {
        format!("API key {key_id} revoked")
    })
    .await
}

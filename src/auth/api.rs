//! Authentication of API callers (product.md §2): `Authorization: Bearer <api token>`
//! and, when sent (or when required), `x-api-key: <company key>`.

use std::net::IpAddr;

use crate::auth::oidc::OidcError;
use crate::crypto::sha256_hex;
use crate::domain::{AuditAction, AuthMethod, Principal};
use crate::error::AppError;
use crate::state::AppState;

/// What the caller presented, taken from the request headers.
#[derive(Default)]
pub struct ApiCredentials {
    pub bearer: Option<String>,
    pub api_key: Option<String>,
    pub remote_ip: Option<IpAddr>,
    /// For the audit record of a refused provider token.
    pub request_id: String,
}

impl std::fmt::Debug for ApiCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiCredentials")
            .field("bearer", &self.bearer.as_ref().map(|_| "<redacted>"))
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("remote_ip", &self.remote_ip)
            .finish()
    }
}

/// Every failure is the same 401, so a caller learns nothing about which part was wrong.
pub async fn authenticate_api(
    state: &AppState,
    creds: &ApiCredentials,
) -> Result<Principal, AppError> {
    let token = creds.bearer.as_deref().ok_or(AppError::Unauthorized)?;
    let principal = if looks_like_jwt(token) && state.oidc.accepts_api_tokens() {
        jwt_principal(state, token, creds).await?
    } else {
        let (_, user) = state
            .store
            .active_token_by_hash(&sha256_hex(token))
            .await?
            .ok_or(AppError::Unauthorized)?;
        if user.disabled {
            return Err(AppError::Unauthorized);
        }
        Principal {
            user_id: user.id,
            email: user.email.clone(),
            company: user.company_id,
            roles: user.roles,
            method: AuthMethod::ApiToken,
        }
    };
    match creds.api_key.as_deref() {
        Some(key) => check_api_key(state, &principal, key, creds.remote_ip).await?,
        None if state.settings.require_api_key => return Err(AppError::Unauthorized),
        None => {}
    }
    Ok(principal)
}

/// Our own API tokens (`cdt_…`) never contain dots; a JWT has exactly two.
fn looks_like_jwt(token: &str) -> bool {
    token.split('.').count() == 3
}

/// A provider's access token. A refusal is audited with its reason (the caller only
/// gets the same 401 as for any other bad token).
async fn jwt_principal(
    state: &AppState,
    token: &str,
    creds: &ApiCredentials,
) -> Result<Principal, AppError> {
    match state.oidc.authenticate_bearer(token).await {
        Ok((provider, identity)) => {
            crate::service::sso::api_principal(state, &provider, &identity).await
        }
        Err(e) => {
            let why = match &e {
                OidcError::Invalid(w) => w.clone(),
                other => other.to_string(),
            };
            tracing::info!(reason = %why, "API token refused");
            let mut entry = crate::service::audit::Entry::for_error(
                AuditAction::Login,
                None,
                &AppError::Unauthorized,
            );
            entry.message = format!("API access token refused: {why}");
            let meta = crate::service::RequestMeta {
                request_id: creds.request_id.clone(),
                remote_addr: creds.remote_ip.map(|ip| ip.to_string()).unwrap_or_default(),
            };
            crate::service::audit::record(state, &meta, entry).await;
            Err(AppError::Unauthorized)
        }
    }
}

/// `x-api-key` must be an active, unexpired key of the caller's company, and when the
/// key is limited to addresses the caller must come from one of them. A superadmin
/// without a company may present any company's active key.
async fn check_api_key(
    state: &AppState,
    principal: &Principal,
    key: &str,
    remote_ip: Option<IpAddr>,
) -> Result<(), AppError> {
    // Keys are GUIDs; hash the canonical form so any GUID spelling matches.
    let canonical = crate::domain::parse_guid(key)
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| AppError::Unauthorized)?;
    let record = state
        .store
        .company_api_key_by_hash(&sha256_hex(&canonical))
        .await?
        .ok_or(AppError::Unauthorized)?;
    let now = state.clock.now();
    let active = record.revoked_at.is_none() && record.expires_at.is_none_or(|t| t > now);
    let company_ok = principal.company == Some(record.company_id)
        || (principal.company.is_none() && principal.is_global());
    let ip_ok = ip_allowed(&record.allowed_ips, remote_ip);
    if active && company_ok && ip_ok {
        Ok(())
    } else {
        Err(AppError::Unauthorized)
    }
}

/// `allowed` is a comma-separated list; empty allows any address.
pub fn ip_allowed(allowed: &str, ip: Option<IpAddr>) -> bool {
    let list: Vec<&str> = allowed
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if list.is_empty() {
        return true;
    }
    let Some(ip) = ip else { return false };
    list.iter()
        .filter_map(|s| s.parse::<IpAddr>().ok())
        .any(|a| {
            // An IPv4 client may arrive as an IPv4-mapped IPv6 address.
            a == ip || Some(a) == ip_to_v4(ip)
        })
}

fn ip_to_v4(ip: IpAddr) -> Option<IpAddr> {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4),
        IpAddr::V4(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_allow_list() {
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        assert!(ip_allowed("", ip("10.0.0.1")));
        assert!(ip_allowed("127.0.0.1, 10.0.0.1", ip("10.0.0.1")));
        assert!(ip_allowed("127.0.0.1", ip("::ffff:127.0.0.1")));
        assert!(!ip_allowed("127.0.0.1", ip("127.0.0.2")));
        assert!(!ip_allowed("127.0.0.1", None));
    }
}

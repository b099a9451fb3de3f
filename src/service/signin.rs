//! Signing in and out: local accounts (Argon2id, throttled), OpenID providers (the
//! callback's checks, then `sso`), API credentials (our tokens, provider JWTs, company
//! API keys) and the principal behind a browser session. Every attempt is audited.

use std::net::IpAddr;
use std::sync::LazyLock;

use crate::auth::api::{ApiCredentials, ip_allowed, looks_like_jwt};
use crate::auth::oidc::{Identity, OidcError, PendingLogin, Provider};
use crate::auth::password::hash_password;
use crate::crypto::{constant_time_eq, sha256_hex};
use crate::domain::policy::Actor;
use crate::domain::{AuditAction, AuditOutcome, AuthMethod, Principal, User, UserId};
use crate::error::AppError;
use crate::state::AppState;

use super::RequestMeta;
use super::audit::{self, Entry};

/// A sign-in must come back from the provider within this long.
const PENDING_MAX_SECS: i64 = 600;

/// Verified against when the account does not exist, so both cases take as long.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("no such account, same cost").unwrap_or_default());

fn principal_of(u: &User, method: AuthMethod) -> Principal {
    Principal {
        user_id: u.id,
        email: u.email.clone(),
        company: u.company_id,
        roles: u.roles,
        method,
    }
}

/// A sign-in event; who tried is worth keeping even when the attempt failed.
async fn record_login(
    state: &AppState,
    meta: &RequestMeta,
    principal: Option<&Principal>,
    who: &str,
    (outcome, status): (AuditOutcome, u16),
    message: &str,
) {
    let entry = Entry::new(AuditAction::Login)
        .by(principal.map(Actor::from))
        .company(principal.and_then(|p| p.company))
        .outcome(outcome, status, format!("{message} ({who})"));
    audit::record(state, meta, entry).await;
}

/// Why a local sign-in did not succeed.
#[derive(Debug)]
pub enum LocalRefusal {
    Throttled,
    /// Every password slot stayed taken for `auth.password_wait_ms`.
    Busy,
    WrongCredentials,
    Failed(AppError),
}

/// E-mail and password. Wrong e-mail, wrong password, no password and disabled all
/// look the same to the caller.
pub async fn local(
    state: &AppState,
    meta: &RequestMeta,
    email: &str,
    password: &str,
) -> Result<Principal, LocalRefusal> {
    let email = email.trim().to_lowercase();
    // Nothing that cannot be an address reaches the database (PostgreSQL refuses a NUL).
    let impossible = email.len() > 254 || email.chars().any(char::is_control);
    if !state.login_throttle.allow(&email, &meta.remote_addr) {
        let why = (AuditOutcome::Rejected, 429);
        record_login(state, meta, None, &email, why, "too many sign-in attempts").await;
        return Err(LocalRefusal::Throttled);
    }
    let user = if impossible {
        None
    } else {
        state
            .store
            .user_by_email(&email)
            .await
            .map_err(|e| LocalRefusal::Failed(e.into()))?
    };
    let password = password.to_owned();
    let hash = user
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.clone());
    let Ok(ok) = state.passwords.verify(password, hash).await else {
        let why = (AuditOutcome::Rejected, 503);
        let message = "too many sign-ins being checked; not checked";
        record_login(state, meta, None, &email, why, message).await;
        return Err(LocalRefusal::Busy);
    };
    match user {
        Some(u) if ok && !u.disabled && u.password_hash.is_some() => {
            let p = principal_of(&u, AuthMethod::Session);
            let why = (AuditOutcome::Success, 303);
            record_login(state, meta, Some(&p), &u.email, why, "signed in").await;
            Ok(p)
        }
        _ => {
            let why = (AuditOutcome::Rejected, 401);
            record_login(state, meta, None, &email, why, "wrong e-mail or password").await;
            Err(LocalRefusal::WrongCredentials)
        }
    }
}

/// The principal behind a session's user id, re-read so that disabling a user or
/// changing their roles takes effect at the next request. `None`: sign in again.
pub async fn session_principal(
    state: &AppState,
    user_id: &str,
) -> Result<Option<Principal>, AppError> {
    let Ok(id) = user_id.parse::<UserId>() else {
        return Ok(None);
    };
    Ok(session_user_principal(state.store.user(id).await?.as_ref()))
}

/// The principal of a session's user row, read by the caller (with the session itself,
/// in one statement): `None` when the user is gone or disabled, as `session_principal`.
pub fn session_user_principal(user: Option<&User>) -> Option<Principal> {
    user.filter(|u| !u.disabled)
        .map(|u| principal_of(u, AuthMethod::Session))
}

pub async fn signed_out(state: &AppState, meta: &RequestMeta, p: &Principal) {
    let entry = Entry::new(AuditAction::Logout)
        .by(Actor::from(p))
        .company(p.company)
        .success(303, "signed out");
    audit::record(state, meta, entry).await;
}

/// What the provider's redirect back to us carried.
pub struct Callback<'a> {
    pub code: Option<&'a str>,
    pub state: Option<&'a str>,
    pub error: Option<&'a str>,
    pub error_description: Option<&'a str>,
    pub iss: Option<&'a str>,
}

/// Why an OpenID sign-in did not succeed: the provider's side (with the HTTP status
/// to answer) or checkout-desk's own refusal of the account.
#[derive(Debug)]
pub enum OidcRefusal {
    Provider(OidcError),
    Account(AppError),
}

/// The callback: its checks (one pending sign-in, state, age, issuer), the code
/// exchange and token validation, then which local user it is. Audited either way.
/// Returns the user and the ID token (kept for sign-out's `id_token_hint`).
pub async fn oidc_callback(
    state: &AppState,
    meta: &RequestMeta,
    provider: &Provider,
    pending: Option<PendingLogin>,
    cb: Callback<'_>,
) -> Result<(User, String), OidcRefusal> {
    let (identity, id_token) = match check_callback(state, provider, pending, &cb).await {
        Ok(i) => i,
        Err(e) => {
            oidc_failed(state, meta, provider.label(), &e).await;
            return Err(OidcRefusal::Provider(e));
        }
    };
    match super::sso::resolve_user(state, provider, &identity, true).await {
        Ok(user) => {
            let p = principal_of(&user, AuthMethod::Session);
            let why = (AuditOutcome::Success, 200);
            let message = format!("signed in with {}", provider.name);
            record_login(state, meta, Some(&p), &user.email, why, &message).await;
            Ok((user, id_token))
        }
        Err(e @ AppError::Internal(_)) => Err(OidcRefusal::Account(e)),
        Err(e) => {
            let who = identity.email.as_deref().unwrap_or(&identity.subject);
            let why = (AuditOutcome::Rejected, 403);
            let message = format!("sign-in with {} refused: {e}", identity.provider);
            record_login(state, meta, None, who, why, &message).await;
            Err(OidcRefusal::Account(e))
        }
    }
}

async fn check_callback(
    state: &AppState,
    provider: &Provider,
    pending: Option<PendingLogin>,
    cb: &Callback<'_>,
) -> Result<(Identity, String), OidcError> {
    let pending = pending
        .filter(|p| p.provider == provider.name)
        .ok_or_else(|| OidcError::Invalid("no sign-in was started in this browser".into()))?;
    let returned = cb.state.unwrap_or("");
    if !constant_time_eq(returned.as_bytes(), pending.state.as_bytes()) {
        return Err(OidcError::Invalid("wrong state".into()));
    }
    if state.clock.now().timestamp() - pending.started_at > PENDING_MAX_SECS {
        return Err(OidcError::Invalid("the sign-in took too long".into()));
    }
    // RFC 9207: when the provider names itself, it must be the one we asked.
    if cb.iss.is_some_and(|i| i != provider.settings.issuer) {
        return Err(OidcError::Invalid("answer from another issuer".into()));
    }
    if let Some(err) = cb.error {
        let desc = cb.error_description.unwrap_or("");
        return Err(OidcError::Denied(
            format!("{err} {desc}").trim().chars().take(200).collect(),
        ));
    }
    let code = cb
        .code
        .ok_or_else(|| OidcError::Invalid("no code".into()))?;
    state.oidc.finish(provider, &pending, code).await
}

/// A sign-in that failed at or with the provider (before any account was found).
pub async fn oidc_failed(state: &AppState, meta: &RequestMeta, label: &str, e: &OidcError) {
    let (OidcError::Unreachable(detail)
    | OidcError::BadProvider(detail)
    | OidcError::Denied(detail)
    | OidcError::Invalid(detail)) = e;
    tracing::info!(provider = label, reason = %detail, "OpenID sign-in failed");
    let why = (AuditOutcome::Rejected, oidc_status(e));
    let message = format!("sign-in with provider failed: {detail}");
    record_login(state, meta, None, label, why, &message).await;
}

/// The provider's end-session URL (RP-initiated logout) for a session that signed in
/// with `provider`, returning to `back`; `None` when it has none. The ID token of the
/// sign-in goes along as `id_token_hint`, so the provider knows whose session to end
/// without asking (OpenID Connect RP-Initiated Logout §2; Keycloak asks otherwise).
pub async fn end_session_url(
    state: &AppState,
    provider: &str,
    back: &str,
    id_token_hint: Option<&str>,
) -> Option<String> {
    let provider = state.oidc.provider(provider)?;
    let md = state.oidc.metadata(provider).await.ok()?;
    let mut url = url::Url::parse(md.end_session_endpoint.as_deref()?).ok()?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("client_id", &provider.settings.client_id)
            .append_pair("post_logout_redirect_uri", back);
        if let Some(hint) = id_token_hint {
            q.append_pair("id_token_hint", hint);
        }
    }
    Some(url.to_string())
}

/// The HTTP status a provider failure is answered with.
pub fn oidc_status(e: &OidcError) -> u16 {
    match e {
        OidcError::Unreachable(_) | OidcError::BadProvider(_) => 502,
        OidcError::Denied(_) => 403,
        OidcError::Invalid(_) => 400,
    }
}

/// An API caller (product.md §2). Every failure is the same 401, so a caller learns
/// nothing about which part was wrong.
pub async fn api_principal(
    state: &AppState,
    creds: &ApiCredentials,
    meta: &RequestMeta,
) -> Result<Principal, AppError> {
    let token = creds.bearer.as_deref().ok_or(AppError::Unauthorized)?;
    let principal = if looks_like_jwt(token) && state.oidc.accepts_api_tokens() {
        jwt_principal(state, token, meta).await?
    } else {
        let (_, user) = state
            .store
            .active_token_by_hash(&sha256_hex(token))
            .await?
            .ok_or(AppError::Unauthorized)?;
        if user.disabled {
            return Err(AppError::Unauthorized);
        }
        principal_of(&user, AuthMethod::ApiToken)
    };
    match creds.api_key.as_deref() {
        Some(key) => check_api_key(state, &principal, key, creds.remote_ip).await?,
        None if state.settings.require_api_key => return Err(AppError::Unauthorized),
        None => {}
    }
    Ok(principal)
}

/// A provider's access token. A refusal is audited with its reason (the caller only
/// gets the same 401 as for any other bad token).
async fn jwt_principal(
    state: &AppState,
    token: &str,
    meta: &RequestMeta,
) -> Result<Principal, AppError> {
    match state.oidc.authenticate_bearer(token).await {
        Ok((provider, identity)) => super::sso::api_principal(state, &provider, &identity).await,
        Err(e) => {
            let why = match &e {
                OidcError::Invalid(w) => w.clone(),
                other => other.to_string(),
            };
            tracing::info!(reason = %why, "API token refused");
            let entry = Entry::new(AuditAction::Login).outcome(
                AuditOutcome::Rejected,
                401,
                format!("API access token refused: {why}"),
            );
            audit::record(state, meta, entry).await;
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

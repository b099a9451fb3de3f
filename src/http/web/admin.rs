//! Administration: companies (write-only Payson credentials, *test connection*, company
//! API keys) for superadmins and a company's write administrators; users and API tokens
//! for superadmins. Secrets created here are shown once, on the answer to the POST.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::page::{PageError, html, see_other};
use super::{csrf, session};
use crate::domain::{AuditAction, AuditOutcome, CompanyId, Principal, Role, RoleSet, UserId};
use crate::error::AppError;
use crate::http::request_meta;
use crate::service::admin;
use crate::service::audit::{self, Entry};
use crate::state::AppState;

const FLASH: &str = "flash";

type Pairs = Vec<(String, String)>;

fn form(body: &[u8]) -> Result<Pairs, AppError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| AppError::BadRequest("The form could not be read".into()))?;
    serde_urlencoded::from_str(text)
        .map_err(|_| AppError::BadRequest("The form could not be read".into()))
}

fn get<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// CSRF, then the signed-in principal: the first two steps of every POST here.
async fn begin(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    pairs: &Pairs,
) -> Result<Principal, AppError> {
    csrf::verify(req, session, get(pairs, "csrf_token"))?;
    session::require(state, session).await
}

fn flash(session: &Session, ok: bool, message: impl Into<String>) {
    let _ = session.insert(FLASH, (ok, message.into()));
}

fn take_flash(session: &Session) -> Option<(bool, String)> {
    session
        .remove_as::<(bool, String)>(FLASH)
        .and_then(Result::ok)
}

async fn record(
    state: &AppState,
    req: &HttpRequest,
    p: &Principal,
    action: AuditAction,
    company: Option<CompanyId>,
    result: &Result<String, AppError>,
) {
    let mut e = Entry::for_result(action, Some(p), result, Clone::clone);
    e.company_id = company;
    if result.is_ok() {
        e.http_status = 303;
    }
    audit::record(state, &request_meta(req, state), e).await;
}

/// Runs a change, audits it and remembers its outcome for the next page.
async fn act(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    p: &Principal,
    (action, company): (AuditAction, Option<CompanyId>),
    back: &str,
    result: Result<String, AppError>,
) -> Result<HttpResponse, PageError> {
    record(state, req, p, action, company, &result).await;
    match result {
        Ok(m) => flash(session, true, m),
        Err(AppError::Internal(e)) => return Err(AppError::Internal(e).into()),
        Err(e) => flash(session, false, e.to_string()),
    }
    Ok(see_other(back))
}

fn company_id(raw: &str) -> Result<CompanyId, AppError> {
    raw.parse()
        .map_err(|_| AppError::NotFound("Company not found".into()))
}

// ---- companies ----

struct KeyView {
    id: String,
    notes: String,
    allowed_ips: String,
    expires: String,
    revoked: bool,
}

struct CompanyView {
    id: String,
    name: String,
    agent_id: String,
    base_url: String,
    keys: Vec<KeyView>,
}

#[derive(Template)]
#[template(path = "admin/companies.html")]
struct CompaniesPage {
    t: super::i18n::Tr,
    user: String,
    nav: super::page::NavLinks,
    csrf: String,
    is_super: bool,
    companies: Vec<CompanyView>,
    flash: Option<(bool, String)>,
    secret: Option<(String, String)>,
}

async fn companies_page(
    state: &AppState,
    session: &Session,
    p: &Principal,
    secret: Option<(String, String)>,
    t: super::i18n::Tr,
) -> Result<HttpResponse, PageError> {
    let is_super = p.roles.contains(Role::SuperAdmin);
    let visible: Vec<_> = state
        .store
        .companies()
        .await
        .map_err(AppError::from)?
        .into_iter()
        .filter(|c| admin::require_company_admin(p, c.id).is_ok())
        .collect();
    if visible.is_empty() && !is_super {
        return Err(AppError::Forbidden.into());
    }
    let mut companies = Vec::new();
    for c in visible {
        let keys = state
            .store
            .company_api_keys(c.id)
            .await
            .map_err(AppError::from)?
            .into_iter()
            .map(|k| KeyView {
                id: k.id.to_string(),
                notes: k.notes,
                allowed_ips: k.allowed_ips,
                expires: k
                    .expires_at
                    .map(|t| t.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                revoked: k.revoked_at.is_some(),
            })
            .collect();
        companies.push(CompanyView {
            id: c.id.to_string(),
            name: c.name,
            agent_id: c.payson_agent_id,
            base_url: c.payson_base_url,
            keys,
        });
    }
    let page = CompaniesPage {
        t,
        user: p.email.clone(),
        nav: super::page::NavLinks::for_principal(p),
        csrf: csrf::token(session)?,
        is_super,
        companies,
        flash: take_flash(session),
        secret,
    };
    html(StatusCode::OK, &page)
}

pub async fn companies(
    state: web::Data<AppState>,
    session: Session,
    t: super::i18n::Tr,
) -> Result<HttpResponse, PageError> {
    let p = session::require(&state, &session).await?;
    companies_page(&state, &session, &p, None, t).await
}

pub async fn add_company(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let f = form(&body)?;
    let p = begin(&req, &state, &session, &f).await?;
    let result = async {
        admin::require_superadmin(&p)?;
        let base = Some(get(&f, "base_url").trim().to_owned()).filter(|s| !s.is_empty());
        let c = admin::add_company(
            &state,
            admin::NewCompany {
                id: None,
                name: get(&f, "name").into(),
                payson_agent_id: get(&f, "agent_id").into(),
                payson_api_key: get(&f, "api_key").into(),
                payson_base_url: base,
            },
        )
        .await?;
        Ok(format!("Company {} added", c.name))
    }
    .await;
    act(
        &req,
        &state,
        &session,
        &p,
        (AuditAction::CompanyChanged, None),
        "/admin/companies",
        result,
    )
    .await
}

pub async fn payson(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let f = form(&body)?;
    let p = begin(&req, &state, &session, &f).await?;
    let id = company_id(&path)?;
    let result = admin::set_payson_credentials(
        &state,
        &p,
        id,
        get(&f, "agent_id"),
        get(&f, "api_key"),
        get(&f, "base_url"),
    )
    .await
    .map(|()| "Payson credentials saved".to_owned());
    act(
        &req,
        &state,
        &session,
        &p,
        (AuditAction::CompanyChanged, Some(id)),
        "/admin/companies",
        result,
    )
    .await
}

pub async fn test(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let f = form(&body)?;
    let p = begin(&req, &state, &session, &f).await?;
    let id = company_id(&path)?;
    let result = admin::test_payson_connection(&state, &p, id).await;
    act(
        &req,
        &state,
        &session,
        &p,
        (AuditAction::CompanyChanged, Some(id)),
        "/admin/companies",
        result,
    )
    .await
}

pub async fn issue_key(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let f = form(&body)?;
    let p = begin(&req, &state, &session, &f).await?;
    let id = company_id(&path)?;
    let result = async {
        admin::require_company_admin(&p, id)?;
        let days = get(&f, "expires_in_days").trim();
        let expires = if days.is_empty() {
            None
        } else {
            let d: i64 = days.parse().map_err(|_| {
                AppError::invalid("expires_in_days", "InvalidFormat", "Days must be a number")
            })?;
            Some(state.clock.now() + chrono::Duration::days(d))
        };
        admin::issue_company_api_key(
            &state,
            id,
            get(&f, "notes").trim(),
            get(&f, "allowed_ips").trim(),
            expires,
        )
        .await
    }
    .await;
    let summary = result
        .as_ref()
        .map(|(rec, _)| format!("API key {} issued", rec.id))
        .map_err(|e| AppError::BadRequest(e.to_string()));
    record(
        &state,
        &req,
        &p,
        AuditAction::CompanyChanged,
        Some(id),
        &summary,
    )
    .await;
    match result {
        Ok((_, key)) => {
            let t = super::i18n::Tr(super::i18n::Lang::of(&req));
            companies_page(
                &state,
                &session,
                &p,
                Some((t.new_api_key_shown_once().into(), key.to_string())),
                t,
            )
            .await
        }
        Err(AppError::Internal(e)) => Err(AppError::Internal(e).into()),
        Err(e) => {
            flash(&session, false, e.to_string());
            Ok(see_other("/admin/companies"))
        }
    }
}

pub async fn revoke_key(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let f = form(&body)?;
    let p = begin(&req, &state, &session, &f).await?;
    let id = company_id(&path.0)?;
    let result = async {
        admin::require_company_admin(&p, id)?;
        let key_id = uuid::Uuid::parse_str(&path.1)
            .map_err(|_| AppError::NotFound("Key not found".into()))?;
        let owned = state
            .store
            .company_api_keys(id)
            .await?
            .iter()
            .any(|k| k.id == key_id);
        if !owned
            || !state
                .store
                .revoke_company_api_key(key_id, state.clock.now())
                .await?
        {
            return Err(AppError::NotFound("Key not found".into()));
        }
        Ok(format!("API key {key_id} revoked"))
    }
    .await;
    act(
        &req,
        &state,
        &session,
        &p,
        (AuditAction::CompanyChanged, Some(id)),
        "/admin/companies",
        result,
    )
    .await
}

// ---- users and tokens (superadmin) ----

struct TokenView {
    id: String,
    name: String,
    created: String,
    revoked: bool,
}

struct UserView {
    id: String,
    email: String,
    company: String,
    company_id: String,
    roles: Vec<(&'static str, bool)>,
    disabled: bool,
    tokens: Vec<TokenView>,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    t: super::i18n::Tr,
    user: String,
    nav: super::page::NavLinks,
    csrf: String,
    users: Vec<UserView>,
    companies: Vec<(String, String)>,
    roles: Vec<&'static str>,
    flash: Option<(bool, String)>,
    secret: Option<(String, String)>,
}

async fn users_page(
    state: &AppState,
    session: &Session,
    p: &Principal,
    secret: Option<(String, String)>,
    t: super::i18n::Tr,
) -> Result<HttpResponse, PageError> {
    admin::require_superadmin(p)?;
    let companies = state.store.companies().await.map_err(AppError::from)?;
    let name_of = |id: Option<CompanyId>| {
        id.and_then(|i| companies.iter().find(|c| c.id == i))
            .map(|c| c.name.clone())
            .unwrap_or_default()
    };
    let tokens = state.store.api_tokens(None).await.map_err(AppError::from)?;
    let users = state
        .store
        .users()
        .await
        .map_err(AppError::from)?
        .into_iter()
        .map(|u| UserView {
            id: u.id.to_string(),
            email: u.email.clone(),
            company: name_of(u.company_id),
            company_id: u.company_id.map(|c| c.to_string()).unwrap_or_default(),
            roles: Role::ALL
                .iter()
                .map(|r| (r.name(), u.roles.contains(*r)))
                .collect(),
            disabled: u.disabled,
            tokens: tokens
                .iter()
                .filter(|t| t.user_id == u.id)
                .map(|t| TokenView {
                    id: t.id.to_string(),
                    name: t.name.clone(),
                    created: t.created_at.format("%Y-%m-%d").to_string(),
                    revoked: t.revoked_at.is_some(),
                })
                .collect(),
        })
        .collect();
    let page = UsersPage {
        t,
        user: p.email.clone(),
        nav: super::page::NavLinks::for_principal(p),
        csrf: csrf::token(session)?,
        users,
        companies: companies
            .iter()
            .map(|c| (c.id.to_string(), c.name.clone()))
            .collect(),
        roles: Role::ALL.iter().map(|r| r.name()).collect(),
        flash: take_flash(session),
        secret,
    };
    html(StatusCode::OK, &page)
}

pub async fn users(
    state: web::Data<AppState>,
    session: Session,
    t: super::i18n::Tr,
) -> Result<HttpResponse, PageError> {
    let p = session::require(&state, &session).await?;
    users_page(&state, &session, &p, None, t).await
}

fn roles_and_company(f: &Pairs) -> Result<(RoleSet, Option<CompanyId>), AppError> {
    let roles = f
        .iter()
        .filter(|(k, _)| k == "role")
        .map(|(_, v)| {
            Role::parse(v).map_err(|e| AppError::invalid("role", "InvalidFormat", e.to_string()))
        })
        .collect::<Result<RoleSet, _>>()?;
    let company = Some(get(f, "company").trim())
        .filter(|s| !s.is_empty())
        .map(company_id)
        .transpose()?;
    Ok((roles, company))
}

fn user_id(raw: &str) -> Result<UserId, AppError> {
    raw.parse()
        .map_err(|_| AppError::NotFound("User not found".into()))
}

pub async fn add_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let f = form(&body)?;
    let p = begin(&req, &state, &session, &f).await?;
    let result = async {
        admin::require_superadmin(&p)?;
        let (roles, company) = roles_and_company(&f)?;
        let password = Some(get(&f, "password").to_owned()).filter(|s| !s.is_empty());
        let u = admin::add_user(
            &state,
            admin::NewUser {
                email: get(&f, "email").into(),
                display_name: get(&f, "name").into(),
                password,
                company_id: company,
                roles,
            },
        )
        .await?;
        Ok(format!("User {} added", u.email))
    }
    .await;
    act(
        &req,
        &state,
        &session,
        &p,
        (AuditAction::UserChanged, None),
        "/admin/users",
        result,
    )
    .await
}

pub async fn set_roles(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let f = form(&body)?;
    let p = begin(&req, &state, &session, &f).await?;
    let result = async {
        admin::require_superadmin(&p)?;
        let id = user_id(&path)?;
        let (roles, company) = roles_and_company(&f)?;
        if !roles.iter().all(Role::is_global) && company.is_none() && !roles.is_empty() {
            return Err(AppError::invalid(
                "company",
                "NotEmpty",
                "Company roles need a company",
            ));
        }
        if !state.store.set_user_roles(id, roles, company).await? {
            return Err(AppError::NotFound("User not found".into()));
        }
        Ok(format!("Roles saved: {}", roles.to_list()))
    }
    .await;
    act(
        &req,
        &state,
        &session,
        &p,
        (AuditAction::UserChanged, None),
        "/admin/users",
        result,
    )
    .await
}

pub async fn set_disabled(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let f = form(&body)?;
    let p = begin(&req, &state, &session, &f).await?;
    let result = async {
        admin::require_superadmin(&p)?;
        let id = user_id(&path)?;
        let disable = get(&f, "disabled") == "true";
        if disable && id == p.user_id {
            return Err(AppError::Conflict("You cannot disable yourself".into()));
        }
        if !state.store.set_user_disabled(id, disable).await? {
            return Err(AppError::NotFound("User not found".into()));
        }
        if disable {
            // Their sessions end now, on every instance.
            state.store.sessions_delete_for_user(id).await?;
        }
        Ok(if disable {
            "User disabled".to_owned()
        } else {
            "User enabled".to_owned()
        })
    }
    .await;
    act(
        &req,
        &state,
        &session,
        &p,
        (AuditAction::UserChanged, None),
        "/admin/users",
        result,
    )
    .await
}

pub async fn reset_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let f = form(&body)?;
    let p = begin(&req, &state, &session, &f).await?;
    admin::require_superadmin(&p)?;
    let id = user_id(&path)?;
    let u = state
        .store
        .user(id)
        .await
        .map_err(AppError::from)?
        .ok_or_else(|| AppError::NotFound("User not found".into()))?;
    let password = crate::crypto::new_api_token()
        .replace("cdt_", "")
        .chars()
        .take(20)
        .collect::<String>();
    let hash = crate::auth::password::hash_password(&password)
        .map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))?;
    state
        .store
        .set_user_password(id, &hash)
        .await
        .map_err(AppError::from)?;
    state
        .store
        .sessions_delete_for_user(id)
        .await
        .map_err(AppError::from)?;
    record(
        &state,
        &req,
        &p,
        AuditAction::UserChanged,
        u.company_id,
        &Ok(format!("password of {} reset", u.email)),
    )
    .await;
    let t = super::i18n::Tr(super::i18n::Lang::of(&req));
    users_page(
        &state,
        &session,
        &p,
        Some((t.new_password_shown_once(&u.email), password)),
        t,
    )
    .await
}

pub async fn issue_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let f = form(&body)?;
    let p = begin(&req, &state, &session, &f).await?;
    admin::require_superadmin(&p)?;
    let id = user_id(&path)?;
    let u = state
        .store
        .user(id)
        .await
        .map_err(AppError::from)?
        .ok_or_else(|| AppError::NotFound("User not found".into()))?;
    let (rec, secret) = admin::issue_token(&state, &u.email, get(&f, "name")).await?;
    let mut e = Entry::for_result(
        AuditAction::TokenIssued,
        Some(&p),
        &Ok::<_, AppError>(()),
        |_| format!("token {} for {}", rec.id, u.email),
    );
    e.outcome = AuditOutcome::Success;
    audit::record(&state, &request_meta(&req, &state), e).await;
    let t = super::i18n::Tr(super::i18n::Lang::of(&req));
    users_page(
        &state,
        &session,
        &p,
        Some((t.api_token_shown_once(&u.email), secret)),
        t,
    )
    .await
}

pub async fn revoke_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let f = form(&body)?;
    let p = begin(&req, &state, &session, &f).await?;
    let result = async {
        admin::require_superadmin(&p)?;
        let id = uuid::Uuid::parse_str(&path)
            .map_err(|_| AppError::NotFound("Token not found".into()))?;
        admin::revoke_token(&state, id).await?;
        Ok(format!("Token {id} revoked"))
    }
    .await;
    act(
        &req,
        &state,
        &session,
        &p,
        (AuditAction::TokenRevoked, None),
        "/admin/users",
        result,
    )
    .await
}

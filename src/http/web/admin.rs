//! Administration pages: companies (write-only Payson credentials, *Test connection*,
//! company API keys) and users (roles, passwords, disabling, API tokens). Each handler
//! parses its form, calls one service function (which checks permissions and audits)
//! and shows the outcome; secrets created here are shown once, on the POST's answer.
//! What destroys asks first (`admin_confirm`): without `confirm=yes` it only asks.

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::admin_confirm::{self, Confirm, Destroy};
use super::extract::{Chrome, NoFields, Post, SignedIn};
use super::flash::{self, Flash, Notice};
use super::i18n::Tr;
use super::page::{Page, html, see_other};
use crate::domain::policy;
use crate::domain::{CompanyId, Role, RoleSet, UserId};
use crate::error::{AppError, Invalid, Missing, Problem};
use crate::service::{companies, tokens, users};

/// A secret shown once: what it is, and its value.
type Secret = Option<(String, String)>;

/// What an admin page says above its content (`admin/_messages.html`): the last change's
/// flash, and a secret shown once on the answer to the POST that made it.
pub(super) struct Messages {
    pub flash: Option<Flash>,
    pub secret: Secret,
}

impl Messages {
    /// The flash this request takes from the session (so it shows once), and `secret`.
    fn take(s: &SignedIn, secret: Secret) -> Self {
        Self {
            flash: flash::take(&s.session),
            secret,
        }
    }
}

/// After a change: back to the page with the outcome as a flash. Internal errors are
/// an error page instead (they are logged there, with the request id).
pub(super) fn done<T>(
    s: &SignedIn,
    back: &str,
    result: Result<T, AppError>,
    notice: impl FnOnce(T) -> Notice,
) -> Page {
    match result {
        Ok(v) => {
            flash::set(&s.session, Flash::Done(notice(v)));
            Ok(see_other(back))
        }
        Err(e) => refused(s, back, e),
    }
}

/// After a refused change: back to the page, saying why.
pub(super) fn refused(s: &SignedIn, back: &str, e: AppError) -> Page {
    if matches!(e, AppError::Internal(_) | AppError::Busy) {
        return Err(e.into());
    }
    flash::set(&s.session, Flash::Refused(Problem::from(&e)));
    Ok(see_other(back))
}

fn company_id(raw: &str) -> Result<CompanyId, AppError> {
    raw.parse()
        .map_err(|_| AppError::NotFound(Missing::Company))
}

fn user_id(raw: &str) -> Result<UserId, AppError> {
    raw.parse().map_err(|_| AppError::NotFound(Missing::User))
}

fn optional(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

// ---- companies ----

pub(super) struct KeyView {
    pub id: String,
    pub notes: String,
    pub allowed_ips: String,
    pub expires: String,
    pub revoked: bool,
}

pub(super) struct CompanyView {
    pub id: String,
    pub name: String,
    pub agent_id: String,
    pub base_url: String,
    pub time_zone: &'static str,
    pub keys: Vec<KeyView>,
}

#[derive(Template)]
#[template(path = "admin/companies.html")]
pub(super) struct CompaniesPage {
    pub t: Tr,
    pub chrome: Chrome,
    pub is_super: bool,
    pub companies: Vec<CompanyView>,
    pub messages: Messages,
}

async fn companies_page(s: SignedIn, secret: Secret) -> Page {
    let managed = companies::managed(&s.state, s.actor()).await?;
    let t = s.t;
    let companies = managed
        .into_iter()
        .map(|m| CompanyView {
            id: m.company.id.to_string(),
            name: m.company.name,
            agent_id: m.company.payson_agent_id,
            base_url: m.company.payson_base_url,
            time_zone: m.company.time_zone.name(),
            keys: m
                .keys
                .into_iter()
                .map(|k| KeyView {
                    id: k.id.to_string(),
                    notes: k.notes,
                    allowed_ips: k.allowed_ips,
                    expires: k
                        .expires_at
                        .map(|at| t.date(at, m.company.time_zone))
                        .unwrap_or_default(),
                    revoked: k.revoked_at.is_some(),
                })
                .collect(),
        })
        .collect();
    let page = CompaniesPage {
        is_super: policy::may_add_company(s.actor()),
        messages: Messages::take(&s, secret),
        t: s.t,
        chrome: s.chrome,
        companies,
    };
    html(StatusCode::OK, &page)
}

pub async fn companies(s: SignedIn) -> Page {
    companies_page(s, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CompanyForm {
    name: String,
    agent_id: String,
    api_key: String,
    base_url: String,
}

pub async fn add_company(Post { form: f, s }: Post<CompanyForm>) -> Page {
    let new = companies::NewCompany {
        id: None,
        name: f.name,
        payson_agent_id: f.agent_id,
        payson_api_key: f.api_key,
        payson_base_url: optional(&f.base_url).map(str::to_owned),
    };
    let result = companies::add(s.call(), new).await;
    done(&s, "/admin/companies", result, |c| {
        Notice::CompanyAdded(c.name)
    })
}

pub async fn payson(Post { form: f, s }: Post<CompanyForm>, path: web::Path<String>) -> Page {
    let id = company_id(&path)?;
    let settings = companies::PaysonSettings {
        agent_id: f.agent_id,
        api_key: f.api_key,
        base_url: f.base_url,
    };
    let result = companies::set_payson(s.call(), id, settings).await;
    done(&s, "/admin/companies", result, |()| Notice::PaysonSaved)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TimeZoneForm {
    time_zone: String,
}

pub async fn time_zone(Post { form: f, s }: Post<TimeZoneForm>, path: web::Path<String>) -> Page {
    let id = company_id(&path)?;
    let result = companies::set_time_zone(s.call(), id, &f.time_zone).await;
    done(&s, "/admin/companies", result, |z| {
        Notice::TimeZoneSaved(z.name().to_owned())
    })
}

pub async fn test(Post { s, .. }: Post<NoFields>, path: web::Path<String>) -> Page {
    let id = company_id(&path)?;
    let result = companies::test_connection(s.call(), id).await;
    done(&s, "/admin/companies", result, Notice::Connected)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct KeyForm {
    notes: String,
    allowed_ips: String,
    expires_in_days: String,
}

pub async fn issue_key(Post { form: f, s }: Post<KeyForm>, path: web::Path<String>) -> Page {
    let id = company_id(&path)?;
    let expires_in_days = match optional(&f.expires_in_days) {
        None => None,
        Some(d) => Some(d.parse::<i64>().map_err(|_| {
            AppError::rejected("ExpiresInDays", "InvalidFormat", Invalid::DaysNotNumber)
        })?),
    };
    let new = companies::NewApiKey {
        notes: f.notes,
        allowed_ips: f.allowed_ips,
        expires_in_days,
    };
    match companies::issue_api_key(s.call(), id, new).await {
        Ok((_, key)) => {
            let secret = (s.t.new_api_key_shown_once().into(), key.to_string());
            companies_page(s, Some(secret)).await
        }
        Err(e) => refused(&s, "/admin/companies", e),
    }
}

pub async fn revoke_key(
    Post { form: f, s }: Post<Confirm>,
    path: web::Path<(String, String)>,
) -> Page {
    let id = company_id(&path.0)?;
    let key = Uuid::parse_str(&path.1).map_err(|_| AppError::NotFound(Missing::Key))?;
    if !f.given() {
        return admin_confirm::ask(s, Destroy::RevokeKey(id, key)).await;
    }
    let result = companies::revoke_api_key(s.call(), id, key).await;
    done(&s, "/admin/companies", result, |()| {
        Notice::KeyRevoked(key.to_string())
    })
}

// ---- users and tokens ----

pub(super) struct TokenView {
    pub id: String,
    pub name: String,
    pub created: String,
    pub revoked: bool,
}

pub(super) struct UserView {
    pub id: String,
    pub email: String,
    pub company: String,
    pub company_id: String,
    /// Each role's stored name, its words, and whether the user has it.
    pub roles: Vec<(&'static str, &'static str, bool)>,
    pub disabled: bool,
    pub tokens: Vec<TokenView>,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
pub(super) struct UsersPage {
    pub t: Tr,
    pub chrome: Chrome,
    pub users: Vec<UserView>,
    pub companies: Vec<(String, String)>,
    pub roles: Vec<(&'static str, &'static str)>,
    pub messages: Messages,
}

async fn users_page(s: SignedIn, secret: Secret) -> Page {
    let list = users::list(&s.state, s.actor()).await?;
    let names = crate::service::checkouts::company_names(&s.state, &s.principal).await?;
    let zones = companies::zones(&s.state).await?;
    let t = s.t;
    let name_of = |id: Option<CompanyId>| {
        id.and_then(|i| names.iter().find(|(c, _)| *c == i))
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    let users = list
        .into_iter()
        .map(|u| UserView {
            id: u.user.id.to_string(),
            company: name_of(u.user.company_id),
            company_id: u.user.company_id.map(|c| c.to_string()).unwrap_or_default(),
            roles: Role::ALL
                .iter()
                .map(|r| (r.name(), t.role_label(*r), u.user.roles.contains(*r)))
                .collect(),
            disabled: u.user.disabled,
            email: u.user.email,
            tokens: u
                .tokens
                .into_iter()
                .map(|tok| TokenView {
                    id: tok.id.to_string(),
                    name: tok.name,
                    created: t.date(tok.created_at, zones.of(u.user.company_id)),
                    revoked: tok.revoked_at.is_some(),
                })
                .collect(),
        })
        .collect();
    let page = UsersPage {
        messages: Messages::take(&s, secret),
        t: s.t,
        chrome: s.chrome,
        users,
        companies: super::filters::company_options(&names),
        roles: super::filters::options(&Role::ALL, |r| (r.name(), t.role_label(r))),
    };
    html(StatusCode::OK, &page)
}

pub async fn users(s: SignedIn) -> Page {
    users_page(s, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UserForm {
    email: String,
    name: String,
    password: String,
    company: String,
    role: Vec<String>,
}

impl UserForm {
    fn roles_and_company(&self) -> Result<(RoleSet, Option<CompanyId>), AppError> {
        let roles = self
            .role
            .iter()
            .map(|v| {
                Role::parse(v).map_err(|e| {
                    AppError::rejected("role", "InvalidFormat", Invalid::UnknownRole(e.0))
                })
            })
            .collect::<Result<RoleSet, _>>()?;
        let company = optional(&self.company).map(company_id).transpose()?;
        Ok((roles, company))
    }
}

pub async fn add_user(Post { form: f, s }: Post<UserForm>) -> Page {
    let result = async {
        let (roles, company_id) = f.roles_and_company()?;
        let new = users::NewUser {
            password: optional(&f.password).map(|_| f.password.clone()),
            email: f.email,
            display_name: f.name,
            company_id,
            roles,
        };
        users::add(s.call(), new).await
    }
    .await;
    done(&s, "/admin/users", result, |u| Notice::UserAdded(u.email))
}

pub async fn set_roles(Post { form: f, s }: Post<UserForm>, path: web::Path<String>) -> Page {
    let result = async {
        let id = user_id(&path)?;
        let (roles, company) = f.roles_and_company()?;
        users::set_roles(s.call(), id, roles, company).await
    }
    .await;
    done(&s, "/admin/users", result, |u| {
        Notice::RolesSaved(u.roles.to_list())
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DisabledForm {
    disabled: String,
    confirm: String,
}

pub async fn set_disabled(
    Post { form: f, s }: Post<DisabledForm>,
    path: web::Path<String>,
) -> Page {
    let disable = f.disabled == "true";
    // Enabling undoes nothing, so only disabling asks first.
    if disable && !admin_confirm::yes(&f.confirm) {
        let id = user_id(&path)?;
        return admin_confirm::ask(s, Destroy::Disable(id)).await;
    }
    let result = async {
        let id = user_id(&path)?;
        users::set_disabled(s.call(), id, disable).await
    }
    .await;
    done(&s, "/admin/users", result, |_| {
        if disable {
            Notice::UserDisabled
        } else {
            Notice::UserEnabled
        }
    })
}

pub async fn reset_password(Post { form: f, s }: Post<Confirm>, path: web::Path<String>) -> Page {
    if !f.given() {
        let id = user_id(&path)?;
        return admin_confirm::ask(s, Destroy::ResetPassword(id)).await;
    }
    let password = users::generate_password();
    let result = async {
        let id = user_id(&path)?;
        users::set_password(s.call(), id, &password).await
    }
    .await;
    match result {
        Ok(u) => {
            let label = s.t.new_password_shown_once(&u.email);
            users_page(s, Some((label, password))).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TokenForm {
    name: String,
}

pub async fn issue_token(Post { form: f, s }: Post<TokenForm>, path: web::Path<String>) -> Page {
    let result = async {
        let id = user_id(&path)?;
        tokens::issue(s.call(), id, &f.name).await
    }
    .await;
    match result {
        Ok(t) => {
            let label = s.t.api_token_shown_once(&t.user.email);
            users_page(s, Some((label, t.secret))).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn revoke_token(Post { form: f, s }: Post<Confirm>, path: web::Path<String>) -> Page {
    let id = Uuid::parse_str(&path).map_err(|_| AppError::NotFound(Missing::Token));
    // An unreadable id is refused below, as before; only a real one is asked about.
    if !f.given()
        && let Ok(id) = &id
    {
        return admin_confirm::ask(s, Destroy::RevokeToken(*id)).await;
    }
    let result = match id {
        Ok(id) => tokens::revoke(s.call(), id).await.map(|()| id),
        Err(e) => Err(e),
    };
    done(&s, "/admin/users", result, |id| {
        Notice::TokenRevoked(id.to_string())
    })
}

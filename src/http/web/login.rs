//! Sign-in with a local account (e-mail + Argon2id password) and sign-out.

use std::sync::LazyLock;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::page::{PageError, html, see_other};
use super::{csrf, session};
use crate::auth::password::{hash_password, verify_password};
use crate::domain::{AuditAction, AuditOutcome, Principal};
use crate::error::AppError;
use crate::http::request_meta;
use crate::service::audit::{self, Entry};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login.html")]
pub(super) struct LoginPage {
    t: super::i18n::Tr,
    csrf: String,
    email: String,
    /// In the reader's language.
    error: Option<String>,
    /// (name, label) of each OpenID provider: "Sign in with <label>".
    providers: Vec<(String, String)>,
}

impl LoginPage {
    pub(super) fn new(
        state: &AppState,
        session: &Session,
        t: super::i18n::Tr,
        email: String,
        error: Option<String>,
    ) -> Result<Self, AppError> {
        let providers = state
            .oidc
            .providers()
            .map(|p| (p.name.clone(), p.label().to_owned()))
            .collect();
        Ok(Self {
            t,
            csrf: csrf::token(session)?,
            email,
            error,
            providers,
        })
    }
}

#[derive(Template)]
#[template(path = "signed_out.html")]
struct SignedOut {
    t: super::i18n::Tr,
    provider_url: String,
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    csrf_token: String,
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf_token: String,
}

/// Verified against when the account does not exist, so both cases take as long.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("no such account, same cost").unwrap_or_default());

pub async fn form(
    state: web::Data<AppState>,
    session: Session,
    t: super::i18n::Tr,
) -> Result<HttpResponse, PageError> {
    if session::current(&state, &session).await?.is_some() {
        return Ok(see_other("/checkouts"));
    }
    let page = LoginPage::new(&state, &session, t, String::new(), None)?;
    html(StatusCode::OK, &page)
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<LoginForm>,
    t: super::i18n::Tr,
) -> Result<HttpResponse, PageError> {
    csrf::verify(&req, &session, &form.csrf_token)?;
    let meta = request_meta(&req, &state);
    let email = form.email.trim().to_lowercase();
    if !state.login_throttle.allow(&email, &meta.remote_addr) {
        record(
            &state,
            &meta,
            None,
            &email,
            AuditOutcome::Rejected,
            429,
            "too many sign-in attempts",
        )
        .await;
        let page = LoginPage::new(
            &state,
            &session,
            t,
            email,
            Some(t.legacy_msg(&AppError::TooManyRequests.to_string())),
        )?;
        return html(StatusCode::TOO_MANY_REQUESTS, &page);
    }
    let user = state
        .store
        .user_by_email(&email)
        .await
        .map_err(AppError::from)?;
    let password = form.password.clone();
    let hash = user
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.clone());
    // Argon2 is deliberately slow: keep it off the async workers.
    let ok = web::block(move || verify_password(&password, &hash))
        .await
        .map_err(AppError::internal)?;
    match user {
        Some(u) if ok && !u.disabled && u.password_hash.is_some() => {
            session::start(&state, &session, u.id)?;
            let p = Principal {
                user_id: u.id,
                email: u.email.clone(),
                company: u.company_id,
                roles: u.roles,
                method: crate::domain::AuthMethod::Session,
            };
            record(
                &state,
                &meta,
                Some(&p),
                &u.email,
                AuditOutcome::Success,
                303,
                "signed in",
            )
            .await;
            Ok(see_other("/checkouts"))
        }
        _ => {
            record(
                &state,
                &meta,
                None,
                &email,
                AuditOutcome::Rejected,
                401,
                "wrong e-mail or password",
            )
            .await;
            let page = LoginPage::new(
                &state,
                &session,
                t,
                email,
                Some(t.wrong_email_or_password().into()),
            )?;
            html(StatusCode::UNAUTHORIZED, &page)
        }
    }
}

pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    csrf::verify(&req, &session, &form.csrf_token)?;
    let provider_logout = super::oidc::end_session_url(&req, &state, &session).await;
    if let Some(p) = session::current(&state, &session).await? {
        let meta = request_meta(&req, &state);
        let mut e = Entry::for_error(AuditAction::Logout, Some(&p), &AppError::Unauthorized);
        e.outcome = AuditOutcome::Success;
        e.http_status = 303;
        e.message = "signed out".into();
        e.company_id = p.company;
        audit::record(&state, &meta, e).await;
    }
    session.purge();
    match provider_logout {
        // A page that moves on, not a redirect: CSP `form-action 'self'` would block a
        // form's redirect to the provider.
        Some(url) => html(
            StatusCode::OK,
            &SignedOut {
                t: super::i18n::Tr(super::i18n::Lang::of(&req)),
                provider_url: url,
            },
        ),
        None => Ok(see_other("/login")),
    }
}

pub(super) async fn record(
    state: &AppState,
    meta: &crate::service::RequestMeta,
    principal: Option<&Principal>,
    email: &str,
    outcome: AuditOutcome,
    status: u16,
    message: &str,
) {
    let mut e = Entry::for_error(AuditAction::Login, principal, &AppError::Unauthorized);
    e.outcome = outcome;
    e.http_status = status;
    // Who tried is worth keeping even when the attempt failed.
    e.message = format!("{message} ({email})");
    e.company_id = principal.and_then(|p| p.company);
    audit::record(state, meta, e).await;
}

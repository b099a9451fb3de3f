//! "Sign in with <provider>": the authorization code flow with PKCE (product.md §3).
//!
//! The pending sign-in (state, nonce, PKCE verifier) rides in its own short-lived,
//! encrypted, `SameSite=Lax` cookie: the session cookie is `SameSite=Strict`, which a
//! browser does not send on the provider's cross-site redirect back to us.

use actix_session::Session;
use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::login::{LoginPage, record};
use super::page::{PageError, html};
use super::session;
use crate::auth::oidc::{OidcError, PendingLogin};
use crate::crypto::constant_time_eq;
use crate::domain::{AuditOutcome, Principal};
use crate::error::AppError;
use crate::http::request_meta;
use crate::state::AppState;

const PENDING_COOKIE: &str = "cd_oidc";
const PROVIDER_KEY: &str = "oidc_provider";
/// A sign-in must come back from the provider within this long.
const PENDING_MAX_SECS: i64 = 600;

fn base_url(req: &HttpRequest) -> String {
    let ci = req.connection_info();
    format!("{}://{}", ci.scheme(), ci.host())
}

fn https(req: &HttpRequest) -> bool {
    req.connection_info().scheme() == "https"
}

fn pending_cookie(req: &HttpRequest, value: String, max_age: Duration) -> Cookie<'static> {
    Cookie::build(PENDING_COOKIE, value)
        .path("/login/oidc")
        .http_only(true)
        .secure(https(req))
        .same_site(SameSite::Lax)
        .max_age(max_age)
        .finish()
}

fn provider<'a>(
    state: &'a AppState,
    name: &str,
) -> Result<&'a std::sync::Arc<crate::auth::oidc::Provider>, AppError> {
    state
        .oidc
        .provider(name)
        .ok_or_else(|| AppError::NotFound("No such sign-in provider".into()))
}

/// GET /login/oidc/{provider}: off to the provider.
pub async fn start(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    t: super::i18n::Tr,
) -> Result<HttpResponse, PageError> {
    let provider = provider(&state, &path)?;
    let redirect_uri = format!("{}/login/oidc/{}/callback", base_url(&req), provider.name);
    match state.oidc.begin(provider, &redirect_uri).await {
        Ok((url, pending)) => {
            let json = serde_json::to_string(&pending).map_err(AppError::internal)?;
            let cookie = pending_cookie(&req, state.secrets.encrypt(&json), Duration::minutes(10));
            Ok(HttpResponse::SeeOther()
                .cookie(cookie)
                .insert_header((header::LOCATION, url))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish())
        }
        Err(e) => failed(&req, &state, &session, t, provider.label(), e).await,
    }
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
    iss: Option<String>,
}

#[derive(Template)]
#[template(path = "signed_in.html")]
struct SignedIn {
    t: super::i18n::Tr,
}

/// GET /login/oidc/{provider}/callback: check, exchange, validate, sign in.
pub async fn callback(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    query: web::Query<Callback>,
    t: super::i18n::Tr,
) -> Result<HttpResponse, PageError> {
    let provider = provider(&state, &path)?;
    let label = provider.label().to_owned();
    // The pending sign-in is good for one callback only.
    let pending = req
        .cookie(PENDING_COOKIE)
        .and_then(|c| state.secrets.decrypt(c.value()).ok())
        .and_then(|json| serde_json::from_str::<PendingLogin>(&json).ok());
    let checked = async {
        let pending = pending
            .filter(|p| p.provider == provider.name)
            .ok_or_else(|| OidcError::Invalid("no sign-in was started in this browser".into()))?;
        let returned = query.state.as_deref().unwrap_or("");
        if !constant_time_eq(returned.as_bytes(), pending.state.as_bytes()) {
            return Err(OidcError::Invalid("wrong state".into()));
        }
        if state.clock.now().timestamp() - pending.started_at > PENDING_MAX_SECS {
            return Err(OidcError::Invalid("the sign-in took too long".into()));
        }
        // RFC 9207: when the provider names itself, it must be the one we asked.
        if query
            .iss
            .as_deref()
            .is_some_and(|i| i != provider.settings.issuer)
        {
            return Err(OidcError::Invalid("answer from another issuer".into()));
        }
        if let Some(err) = &query.error {
            let desc = query.error_description.as_deref().unwrap_or("");
            return Err(OidcError::Denied(
                format!("{err} {desc}").trim().chars().take(200).collect(),
            ));
        }
        let code = query
            .code
            .as_deref()
            .ok_or_else(|| OidcError::Invalid("no code".into()))?;
        state.oidc.finish(provider, &pending, code).await
    }
    .await;
    let identity = match checked {
        Ok(i) => i,
        Err(e) => return failed(&req, &state, &session, t, &label, e).await,
    };
    let user = match crate::service::sso::resolve_user(&state, provider, &identity, true).await {
        Ok(u) => u,
        Err(AppError::Internal(e)) => return Err(AppError::Internal(e).into()),
        Err(e) => {
            return refused(&req, &state, &session, t, &label, &identity, e).await;
        }
    };
    session::start(&state, &session, user.id)?;
    session
        .insert(PROVIDER_KEY, &provider.name)
        .map_err(AppError::internal)?;
    let p = Principal {
        user_id: user.id,
        email: user.email.clone(),
        company: user.company_id,
        roles: user.roles,
        method: crate::domain::AuthMethod::Session,
    };
    record(
        &state,
        &request_meta(&req, &state),
        Some(&p),
        &user.email,
        AuditOutcome::Success,
        200,
        &format!("signed in with {}", provider.name),
    )
    .await;
    // A page that moves on by itself, not a redirect: the Strict session cookie is not
    // sent on a redirect chain that a cross-site navigation started.
    without_pending(&req, html(StatusCode::OK, &SignedIn { t })?)
}

/// The pending sign-in is used up whatever the outcome.
fn without_pending(req: &HttpRequest, mut resp: HttpResponse) -> Result<HttpResponse, PageError> {
    resp.add_removal_cookie(&pending_cookie(req, String::new(), Duration::ZERO))
        .map_err(AppError::internal)?;
    Ok(resp)
}

/// The login page again with `problem` in plain words, in the reader's language.
fn login_again(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    t: super::i18n::Tr,
    status: StatusCode,
    label: &str,
    problem: &str,
) -> Result<HttpResponse, PageError> {
    let message = t.sign_in_with_failed(label, &t.legacy_msg(problem));
    let page = LoginPage::new(state, session, t, String::new(), Some(message))?;
    without_pending(req, html(status, &page)?)
}

/// The login page again, saying in plain words what went wrong; audited.
async fn failed(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    t: super::i18n::Tr,
    label: &str,
    e: OidcError,
) -> Result<HttpResponse, PageError> {
    let status = match &e {
        OidcError::Unreachable(_) | OidcError::BadProvider(_) => StatusCode::BAD_GATEWAY,
        OidcError::Denied(_) => StatusCode::FORBIDDEN,
        OidcError::Invalid(_) => StatusCode::BAD_REQUEST,
    };
    let (OidcError::Unreachable(detail)
    | OidcError::BadProvider(detail)
    | OidcError::Denied(detail)
    | OidcError::Invalid(detail)) = &e;
    tracing::info!(provider = label, reason = %detail, "OpenID sign-in failed");
    record(
        state,
        &request_meta(req, state),
        None,
        label,
        AuditOutcome::Rejected,
        status.as_u16(),
        &format!("sign-in with provider failed: {detail}"),
    )
    .await;
    login_again(req, state, session, t, status, label, &e.to_string())
}

async fn refused(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    t: super::i18n::Tr,
    label: &str,
    identity: &crate::auth::oidc::Identity,
    e: AppError,
) -> Result<HttpResponse, PageError> {
    let who = identity.email.as_deref().unwrap_or(&identity.subject);
    record(
        state,
        &request_meta(req, state),
        None,
        who,
        AuditOutcome::Rejected,
        403,
        &format!("sign-in with {} refused: {e}", identity.provider),
    )
    .await;
    login_again(
        req,
        state,
        session,
        t,
        StatusCode::FORBIDDEN,
        label,
        &e.to_string(),
    )
}

/// Where sign-out should send the browser: the provider's end-session endpoint when the
/// session came from a provider that has one (RP-initiated logout), else nowhere.
pub async fn end_session_url(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
) -> Option<String> {
    let name = session.get::<String>(PROVIDER_KEY).ok().flatten()?;
    let provider = state.oidc.provider(&name)?;
    let md = state.oidc.metadata(provider).await.ok()?;
    let mut url = url::Url::parse(md.end_session_endpoint.as_deref()?).ok()?;
    url.query_pairs_mut()
        .append_pair("client_id", &provider.settings.client_id)
        .append_pair(
            "post_logout_redirect_uri",
            &format!("{}/login", base_url(req)),
        );
    Some(url.to_string())
}

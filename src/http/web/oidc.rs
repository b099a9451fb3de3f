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

use super::extract::Visitor;
use super::login_page::LoginPage;
use super::page::{Page, html};
use crate::auth::oidc::{OidcError, PendingLogin};
use crate::error::{AppError, Missing, Problem};
use crate::http::{request_meta, session};
use crate::service::signin::{self, OidcRefusal};
use crate::state::AppState;

const PENDING_COOKIE: &str = "cd_oidc";

/// The pending sign-in and the local page to land on afterwards (`next`).
#[derive(serde::Serialize, Deserialize)]
struct Pending {
    #[serde(flatten)]
    login: PendingLogin,
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
pub struct StartQuery {
    next: Option<String>,
}

// Secure cookies and redirect URIs follow the configured public_url: `Host`,
// `X-Forwarded-Host` and `X-Forwarded-Proto` are the client's to forge.
fn https(req: &HttpRequest) -> bool {
    req.app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.settings.served_over_https())
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
        .ok_or(AppError::NotFound(Missing::SignInProvider))
}

/// GET /login/oidc/{provider}: off to the provider.
pub async fn start(v: Visitor, path: web::Path<String>, query: web::Query<StartQuery>) -> Page {
    let (req, state) = (&v.req, &v.state);
    let provider = provider(state, &path)?;
    let next = query
        .next
        .as_deref()
        .and_then(super::local_path::local_path)
        .unwrap_or_default()
        .to_owned();
    let redirect_uri = state
        .settings
        .absolute_url(&format!("/login/oidc/{}/callback", provider.name));
    match state.oidc.begin(provider, &redirect_uri).await {
        Ok((url, login)) => {
            let json =
                serde_json::to_string(&Pending { login, next }).map_err(AppError::internal)?;
            let cookie = pending_cookie(req, state.secrets.encrypt(&json), Duration::minutes(10));
            Ok(HttpResponse::SeeOther()
                .cookie(cookie)
                .insert_header((header::LOCATION, url))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish())
        }
        Err(e) => failed(&v, provider.label(), e).await,
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
pub(super) struct SignedIn {
    pub t: super::i18n::Tr,
    /// Where the page moves on to: the page asked for before sign-in, or the worklist.
    pub next: String,
}

/// GET /login/oidc/{provider}/callback: check, exchange, validate, sign in.
pub async fn callback(v: Visitor, path: web::Path<String>, query: web::Query<Callback>) -> Page {
    let (req, state, t) = (&v.req, &v.state, v.t);
    let provider = provider(state, &path)?;
    // The pending sign-in is good for one callback only.
    let pending = req
        .cookie(PENDING_COOKIE)
        .and_then(|c| state.secrets.decrypt(c.value()).ok())
        .and_then(|json| serde_json::from_str::<Pending>(&json).ok());
    let next = super::login::landing(pending.as_ref().map(|p| p.next.as_str())).to_owned();
    let pending = pending.map(|p| p.login);
    let cb = signin::Callback {
        code: query.code.as_deref(),
        state: query.state.as_deref(),
        error: query.error.as_deref(),
        error_description: query.error_description.as_deref(),
        iss: query.iss.as_deref(),
    };
    let meta = request_meta(req, state);
    let (status, problem) = match signin::oidc_callback(state, &meta, provider, pending, cb).await {
        Ok((user, id_token)) => {
            session::start(state, &v.session, user.id)?;
            session::set_provider(&v.session, &provider.name, &id_token)?;
            // A page that moves on by itself, not a redirect: the Strict session cookie
            // is not sent on a redirect chain that a cross-site navigation started.
            return without_pending(req, html(StatusCode::OK, &SignedIn { t, next })?);
        }
        Err(OidcRefusal::Account(e @ AppError::Internal(_))) => return Err(e.into()),
        Err(OidcRefusal::Account(e)) => (StatusCode::FORBIDDEN, t.problem(&Problem::from(&e))),
        Err(OidcRefusal::Provider(e)) => (status_of(&e), t.oidc_problem(&e)),
    };
    login_again(&v, status, provider.label(), &problem)
}

fn status_of(e: &OidcError) -> StatusCode {
    StatusCode::from_u16(signin::oidc_status(e)).unwrap_or(StatusCode::BAD_REQUEST)
}

/// The pending sign-in is used up whatever the outcome.
fn without_pending(req: &HttpRequest, mut resp: HttpResponse) -> Page {
    resp.add_removal_cookie(&pending_cookie(req, String::new(), Duration::ZERO))
        .map_err(AppError::internal)?;
    Ok(resp)
}

/// The login page again with `problem`, already in the reader's language.
fn login_again(v: &Visitor, status: StatusCode, label: &str, problem: &str) -> Page {
    let message = v.t.sign_in_with_failed(label, problem);
    let page = LoginPage::new(v, String::new(), Some(message))?;
    without_pending(&v.req, html(status, &page)?)
}

/// The login page again after the provider could not be used; audited.
async fn failed(v: &Visitor, label: &str, e: OidcError) -> Page {
    signin::oidc_failed(&v.state, &request_meta(&v.req, &v.state), label, &e).await;
    login_again(v, status_of(&e), label, &v.t.oidc_problem(&e))
}

/// Where sign-out should send the browser: the provider's end-session endpoint when the
/// session came from a provider that has one (RP-initiated logout), else nowhere.
pub async fn end_session_url(state: &AppState, session: &Session) -> Option<String> {
    let name = session::provider(session)?;
    let back = state.settings.absolute_url("/login");
    let hint = session::id_token(session);
    signin::end_session_url(state, &name, &back, hint.as_deref()).await
}

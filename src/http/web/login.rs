//! Sign-in with a local account (e-mail + Argon2id password) and sign-out.

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use serde::Deserialize;

use super::extract::Visitor;
use super::login_page::LoginPage;
use super::page::{Page, html, see_other};
use crate::http::request_meta;
use crate::http::{csrf, session};
use crate::service::signin::{self, LocalRefusal};

#[derive(Template)]
#[template(path = "signed_out.html")]
pub(super) struct SignedOut {
    pub t: super::i18n::Tr,
    pub provider_url: String,
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    csrf_token: String,
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Where a sign-in lands: the page asked for if it is on this site, else the worklist.
pub(super) fn landing(next: Option<&str>) -> &str {
    next.and_then(super::local_path::local_path)
        .unwrap_or("/checkouts")
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf_token: String,
}

pub async fn form(v: Visitor, query: web::Query<NextQuery>) -> Page {
    let next = query.next.as_deref();
    if session::current(&v.state, &v.session).await?.is_some() {
        return Ok(see_other(landing(next)));
    }
    let page = LoginPage::new(&v, String::new(), None)?.with_next(next);
    html(StatusCode::OK, &page)
}

pub async fn submit(v: Visitor, form: web::Form<LoginForm>) -> Page {
    let (state, t) = (&v.state, v.t);
    csrf::verify(&v.req, &v.session, &form.csrf_token)?;
    let meta = request_meta(&v.req, state);
    let email = form.email.trim().to_lowercase();
    let (status, message) = match signin::local(state, &meta, &email, &form.password).await {
        Ok(p) => {
            session::start(state, &v.session, p.user_id)?;
            return Ok(see_other(landing(Some(&form.next))));
        }
        Err(LocalRefusal::Failed(e)) => return Err(e.into()),
        Err(LocalRefusal::Throttled) => (
            StatusCode::TOO_MANY_REQUESTS,
            t.too_many_attempts().to_owned(),
        ),
        Err(LocalRefusal::Busy) => (
            StatusCode::SERVICE_UNAVAILABLE,
            t.sign_ins_busy().to_owned(),
        ),
        Err(LocalRefusal::WrongCredentials) => (
            StatusCode::UNAUTHORIZED,
            t.wrong_email_or_password().to_owned(),
        ),
    };
    let page = LoginPage::new(&v, email, Some(message))?.with_next(Some(&form.next));
    html(status, &page)
}

pub async fn logout(v: Visitor, form: web::Form<CsrfOnly>) -> Page {
    let (req, state, session) = (&v.req, &v.state, &v.session);
    csrf::verify(req, session, &form.csrf_token)?;
    let provider_logout = super::oidc::end_session_url(state, session).await;
    if let Some(p) = session::current(state, session).await? {
        signin::signed_out(state, &request_meta(req, state), &p).await;
    }
    session.purge();
    match provider_logout {
        // A page that moves on, not a redirect: CSP `form-action 'self'` would block a
        // form's redirect to the provider.
        Some(url) => html(
            StatusCode::OK,
            &SignedOut {
                t: v.t,
                provider_url: url,
            },
        ),
        None => Ok(see_other("/login")),
    }
}

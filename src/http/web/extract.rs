//! Extractors for the desk's handlers, so each one starts from typed values:
//! `SignedIn` (the app, the principal and the page chrome every page shows), `CsrfForm<T>`
//! (a form whose origin and CSRF token were checked before the handler runs, parsed
//! with repeated fields such as `role=` into typed structs) and `Post<T>`, the two together
//! as every signed-in form post takes them.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::i18n::{Lang, Tr};
use super::page::PageError;
use crate::domain::Principal;
use crate::domain::policy::{Actor, Nav};
use crate::error::{AppError, FormProblem};
use crate::http::{csrf, request_meta, session};
use crate::service::{Call, RequestMeta};
use crate::state::AppState;

/// What every signed-in page shows around its content (templates read it as
/// `chrome.user`, `chrome.nav`, `chrome.csrf`; the language is the page's `t`).
pub struct Chrome {
    pub user: String,
    pub nav: Nav,
    pub csrf: String,
}

/// A signed-in request: the app it calls services of, who, the page chrome, the reader's
/// language and the request's audit metadata. Without a sign-in the handler never runs
/// and the browser goes to /login.
pub struct SignedIn {
    pub state: web::Data<AppState>,
    pub principal: Principal,
    pub t: Tr,
    pub chrome: Chrome,
    pub meta: RequestMeta,
    pub session: Session,
}

impl SignedIn {
    pub fn actor(&self) -> Actor<'_> {
        Actor::from(&self.principal)
    }

    /// This request as a use case's call: the app, the principal as the policy sees them,
    /// and the request's audit metadata.
    pub fn call(&self) -> Call<'_> {
        self.user_call().as_actor()
    }

    /// The same, for the use cases only a signed-in person may call (sending).
    pub fn user_call(&self) -> Call<'_, &Principal> {
        Call::new(&self.state, &self.principal, &self.meta)
    }
}

fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("application state missing")))
}

/// A request from whoever comes, signed in or not (the sign-in pages): the request, the
/// app, the session and the reader's language.
pub struct Visitor {
    pub req: HttpRequest,
    pub state: web::Data<AppState>,
    pub session: Session,
    pub t: Tr,
}

impl FromRequest for Visitor {
    type Error = PageError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(
            app_state(req)
                .map_err(PageError::from)
                .map(|state| Visitor {
                    req: req.clone(),
                    state,
                    session: req.get_session(),
                    t: Tr(Lang::of(req)),
                }),
        )
    }
}

/// The chrome for whoever is signed in on this request, if anyone (error and 404 pages
/// show the normal navigation and sign-out); a failure to tell is answered as nobody.
pub async fn chrome_of(req: &HttpRequest) -> Option<Chrome> {
    let state = app_state(req).ok()?;
    let session = req.get_session();
    let principal = session::current(&state, &session).await.ok()??;
    Some(Chrome {
        user: principal.email.clone(),
        nav: Nav::for_actor(Actor::from(&principal)),
        csrf: csrf::token(&session).ok()?,
    })
}

async fn signed_in(req: HttpRequest) -> Result<SignedIn, AppError> {
    let state = app_state(&req)?;
    let session = req.get_session();
    let principal = session::require(&state, &session).await?;
    let chrome = Chrome {
        user: principal.email.clone(),
        nav: Nav::for_actor(Actor::from(&principal)),
        csrf: csrf::token(&session)?,
    };
    Ok(SignedIn {
        t: Tr(Lang::of(&req)),
        meta: request_meta(&req, &state),
        state,
        principal,
        chrome,
        session,
    })
}

impl FromRequest for SignedIn {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { signed_in(req).await.map_err(PageError::from) })
    }
}

#[derive(Deserialize)]
struct Token {
    #[serde(default)]
    csrf_token: String,
}

/// A form of buttons only: nothing but its CSRF token, which `CsrfForm` checks.
#[derive(Deserialize)]
pub struct NoFields {}

/// Largest form the desk accepts (a bulk selection of 200 ids fits easily).
const MAX_FORM_BYTES: usize = 64 * 1024;

/// A form posted from our own pages with this session's CSRF token, parsed as `T`.
/// A foreign or tokenless post is refused before anything else happens.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let unreadable = || AppError::Form(FormProblem::Unreadable);
            let body = body.await.map_err(|_| unreadable())?;
            if body.len() > MAX_FORM_BYTES {
                return Err(AppError::PayloadTooLarge(MAX_FORM_BYTES).into());
            }
            let token: Token = serde_html_form::from_bytes(&body).map_err(|_| unreadable())?;
            csrf::verify(&req, &req.get_session(), &token.csrf_token)?;
            let form = serde_html_form::from_bytes(&body).map_err(|_| unreadable())?;
            Ok(CsrfForm(form))
        })
    }
}

/// A signed-in form post: the checked form and who sent it. Both are extracted as the
/// pair `(CsrfForm<T>, SignedIn)` would be, so which refusal wins is as for two arguments.
pub struct Post<T> {
    pub form: T,
    pub s: SignedIn,
}

impl<T: DeserializeOwned + 'static> FromRequest for Post<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let both = <(CsrfForm<T>, SignedIn)>::from_request(req, payload);
        Box::pin(async move {
            let (CsrfForm(form), s) = both.await?;
            Ok(Post { form, s })
        })
    }
}

//! Rendering pages and page errors as HTML (the API renders the same `AppError` as
//! ServiceStack bodies instead).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpMessage, HttpResponse, ResponseError};
use askama::Template;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use super::extract::{Chrome, chrome_of};
use super::i18n::{Lang, Tr};
use crate::error::{AppError, Problem};
use crate::http::middleware::RequestId;

/// What a desk handler answers: a page (or a redirect), or an error shown as a page.
pub type Page = Result<HttpResponse, PageError>;

/// A rendered page. Signed-in pages must not be cached anywhere.
pub fn html(status: StatusCode, tpl: &impl Template) -> Page {
    let mut page = public_html(status, tpl)?;
    page.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(page)
}

/// A rendered page that shows nothing of a session, so anyone may keep it.
pub fn public_html(status: StatusCode, tpl: &impl Template) -> Page {
    let body = tpl.render().map_err(|e| PageError(AppError::internal(e)))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

#[derive(Template)]
#[template(path = "error.html")]
pub(super) struct ErrorPage<'a> {
    pub t: Tr,
    pub status: u16,
    pub problem: Problem,
    /// Empty when the page is rendered without its request.
    pub request_id: &'a str,
    /// The navigation and sign-out when someone is signed in, so an error is no dead end.
    pub chrome: Option<Chrome>,
}

/// The page for a URL that names nothing: navigation (for whoever is signed in) and a
/// way back.
#[derive(Template)]
#[template(path = "not_found.html")]
pub(super) struct NotFoundPage {
    pub t: Tr,
    pub chrome: Option<Chrome>,
    pub request_id: String,
}

/// `404` as a page for browsers (the API's routes answer in ServiceStack's form instead).
pub async fn not_found(req: actix_web::HttpRequest) -> HttpResponse {
    let page = NotFoundPage {
        t: Tr(Lang::of(&req)),
        chrome: chrome_of(&req).await,
        request_id: req
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default(),
    };
    html(StatusCode::NOT_FOUND, &page).unwrap_or_else(|e| {
        tracing::error!(error = %e, "template failed");
        HttpResponse::NotFound().finish()
    })
}

/// An `AppError` shown to a person: plain words, never internals, and the request id to
/// quote; not signed in → the login page. `localized_errors` logs and finishes the page.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        Self(e)
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self.0 {
            AppError::Unauthorized => StatusCode::SEE_OTHER,
            _ => self.0.status(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        if matches!(self.0, AppError::Unauthorized) {
            return see_other("/login");
        }
        HttpResponse::build(self.0.status())
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(self.render(Lang::En, "", None))
    }
}

impl PageError {
    fn render(&self, lang: Lang, request_id: &str, chrome: Option<Chrome>) -> String {
        let page = ErrorPage {
            t: Tr(lang),
            status: self.0.status().as_u16(),
            problem: Problem::from(&self.0),
            request_id,
            chrome,
        };
        page.render()
            .unwrap_or_else(|_| Tr(lang).problem(&page.problem))
    }
}

/// `ResponseError` has no request, so error pages are first rendered in English without
/// a request id; this middleware logs an internal error once, with the request id, and
/// renders the page again in the reader's language with the id the response carries and
/// the navigation of whoever is signed in. A page that needs a sign-in sends a GET to
/// `/login?next=<the page>`, so signing in returns there.
pub async fn localized_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?;
    let Some(e) = res
        .response()
        .error()
        .and_then(|e| e.as_error::<PageError>())
    else {
        return Ok(res.map_into_boxed_body());
    };
    if matches!(e.0, AppError::Unauthorized) {
        let r = res.request();
        let asked = r
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default();
        let location = match super::local_path::local_path(&asked) {
            // The worklist is where a sign-in lands anyway.
            Some(p) if r.method() == actix_web::http::Method::GET && p != "/checkouts" => {
                format!("/login?next={}", super::local_path::encoded(p))
            }
            _ => "/login".to_owned(),
        };
        return Ok(res.into_response(see_other(&location)));
    }
    let request_id = res
        .request()
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    e.0.log_internal(&request_id);
    let lang = Lang::of(res.request());
    let chrome = chrome_of(res.request()).await;
    // Looked up again: the borrow of `res` above ends before the await.
    let page = res
        .response()
        .error()
        .and_then(|e| e.as_error::<PageError>())
        .map(|e| e.render(lang, &request_id, chrome));
    Ok(match page {
        Some(body) => res.map_body(|_, _| BoxBody::new(body)),
        None => res.map_into_boxed_body(),
    })
}

//! Rendering pages and page errors as HTML (the API renders the same `AppError` as
//! ServiceStack bodies instead).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpMessage, HttpResponse, ResponseError};
use askama::Template;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use super::i18n::{Lang, Tr};
use crate::error::{AppError, Problem};
use crate::http::middleware::RequestId;

/// A rendered page. Signed-in pages must not be cached anywhere.
pub fn html(status: StatusCode, tpl: &impl Template) -> Result<HttpResponse, PageError> {
    let body = tpl.render().map_err(|e| PageError(AppError::internal(e)))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
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
            .body(self.render(Lang::En, ""))
    }
}

impl PageError {
    fn render(&self, lang: Lang, request_id: &str) -> String {
        let page = ErrorPage {
            t: Tr(lang),
            status: self.0.status().as_u16(),
            problem: Problem::from(&self.0),
            request_id,
        };
        page.render()
            .unwrap_or_else(|_| Tr(lang).problem(&page.problem))
    }
}

/// `ResponseError` has no request, so error pages are first rendered in English without
/// a request id; this middleware logs an internal error once, with the request id, and
/// renders the page again in the reader's language with the id the response carries.
pub async fn localized_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?;
    // Only error pages pay for reading the language.
    let page = res
        .response()
        .error()
        .and_then(|e| e.as_error::<PageError>())
        .filter(|e| !matches!(e.0, AppError::Unauthorized))
        .map(|e| {
            let request_id = res
                .request()
                .extensions()
                .get::<RequestId>()
                .map(|r| r.0.clone())
                .unwrap_or_default();
            e.0.log_internal(&request_id);
            e.render(Lang::of(res.request()), &request_id)
        });
    Ok(match page {
        Some(body) => res.map_body(|_, _| BoxBody::new(body)),
        None => res.map_into_boxed_body(),
    })
}

//! The one error type. Services return it; the API renders it as a ServiceStack
//! `ErrorResponse` (JSON or XML) and the pages render it as HTML.

//!
//! What a person is told is typed: a variant, or a reason enum inside one (`Missing`,
//! `Clash`, `Invalid`, …), never free text, so the pages translate it by matching
//! (`Tr::problem`) and a new reason does not compile until it has its Swedish form.
//! `Display` is the English the API answers and the audit log keeps.

mod reasons;

use actix_web::http::StatusCode;

use crate::store::StoreError;

pub use reasons::{
    Clash, Connected, Existing, FilterField, FormProblem, Invalid, Missing, PaysonRefusal,
    PaysonSilence, Problem,
};

/// One field-level problem, as ServiceStack's `ResponseError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub code: &'static str,
    pub field: &'static str,
    /// The API's text (ServiceStack's `Message`).
    pub message: String,
    /// What the pages translate.
    pub reason: Invalid,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("Not Authenticated")]
    Unauthorized,
    #[error("Invalid Role")]
    Forbidden,
    /// A field of the request is missing or malformed.
    #[error("{}", .0.message)]
    Validation(FieldError),
    /// The body as a whole could not be read (the API's words, for API callers).
    #[error("{0}")]
    BadRequest(String),
    /// A desk form that could not be read.
    #[error("{0}")]
    Form(FormProblem),
    #[error("{0}")]
    NotFound(Missing),
    #[error("{0}")]
    Conflict(Clash),
    /// Payson answered and said no.
    #[error("{0}")]
    PaysonRefused(PaysonRefusal),
    /// Payson could not be reached, or did not answer in time.
    #[error("{0}")]
    PaysonUnavailable(PaysonSilence),
    #[error("The Accept header allows neither JSON nor XML")]
    NotAcceptable,
    #[error("Unsupported Content-Type '{0}'")]
    UnsupportedMediaType(String),
    #[error("The request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("Method not allowed")]
    MethodNotAllowed,
    /// A form without a valid CSRF token, or posted from another site.
    #[error("This form has expired or was sent from another site. Reload the page and try again")]
    CsrfRejected,
    #[error("Too many attempts. Wait a minute and try again")]
    TooManyRequests,
    #[error("The database is busy; nothing was changed. Try again")]
    Busy,
    /// Anything unexpected. The cause is logged; the caller only sees a request id.
    #[error("An unexpected error occurred")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    /// A field the API face checks itself; pages show such a text only as "the request
    /// is not valid" (`Invalid::Request`). Services and the desk use `rejected`.
    pub fn invalid(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        Self::Validation(FieldError {
            code,
            field,
            message: message.into(),
            reason: Invalid::Request,
        })
    }

    /// A field refused for a typed reason, whose English is also the API's text.
    pub fn rejected(field: &'static str, code: &'static str, reason: Invalid) -> Self {
        Self::Validation(FieldError {
            code,
            field,
            message: reason.to_string(),
            reason,
        })
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        Self::Internal(e.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::Validation(_) | Self::BadRequest(_) | Self::Form(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PaysonRefused(_) => StatusCode::BAD_GATEWAY,
            Self::PaysonUnavailable(_) => StatusCode::GATEWAY_TIMEOUT,
            Self::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::CsrfRejected => StatusCode::FORBIDDEN,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// ServiceStack's `ResponseStatus.ErrorCode`.
    pub fn error_code(&self) -> &'static str {
        match self {
            Self::Unauthorized => "Unauthorized",
            Self::Forbidden => "Forbidden",
            Self::Validation(f) => f.code,
            Self::BadRequest(_) | Self::Form(_) => "SerializationException",
            Self::NotFound(_) => "NotFound",
            Self::Conflict(_) => "Conflict",
            Self::PaysonRefused(_) => "BadGateway",
            Self::PaysonUnavailable(_) => "GatewayTimeout",
            Self::NotAcceptable => "NotAcceptable",
            Self::UnsupportedMediaType(_) => "UnsupportedMediaType",
            Self::PayloadTooLarge(_) => "RequestEntityTooLarge",
            Self::MethodNotAllowed => "MethodNotAllowed",
            Self::CsrfRejected => "Forbidden",
            Self::TooManyRequests => "TooManyRequests",
            Self::Busy => "ServiceUnavailable",
            Self::Internal(_) => "InternalServerError",
        }
    }

    /// Logs an internal error with its whole cause chain and the request id. The faces
    /// call it once, where the error becomes an answer; nothing else logs it.
    pub fn log_internal(&self, request_id: &str) {
        if let Self::Internal(e) = self {
            tracing::error!(request_id = %request_id, error = %error_chain(e.as_ref()), "request failed");
        }
    }

    pub fn field_errors(&self) -> Vec<FieldError> {
        match self {
            Self::Validation(f) => vec![f.clone()],
            _ => Vec::new(),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Busy => Self::Busy,
            other => Self::Internal(other.into()),
        }
    }
}

/// Writes an error and its whole `source()` chain, for logs.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        out.push_str(": ");
        out.push_str(&s.to_string());
        cur = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn logged(f: impl FnOnce()) -> String {
        let out = Captured::default();
        let writer = out.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, f);
        String::from_utf8(out.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn internal_errors_are_logged_with_their_causes_and_request_id() {
        let cause = std::io::Error::other("disk on fire");
        let e = AppError::internal(anyhow::Error::new(cause).context("reading checkouts"));
        let log = logged(|| e.log_internal("req-42"));
        assert_eq!(log.lines().count(), 1, "{log}");
        assert!(
            log.contains("req-42") && log.contains("reading checkouts: disk on fire"),
            "{log}"
        );
        let log = logged(|| AppError::NotFound(Missing::Checkout).log_internal("r"));
        assert_eq!(log, "");
    }
}

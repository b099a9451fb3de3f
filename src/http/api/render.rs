//! Wire shapes: `PaysonCheckoutV2Response`, ServiceStack's `ErrorResponse` and the
//! notification answer `IpnCallBackResponse`, each one type written in JSON (PascalCase,
//! nulls omitted) or DataContract XML; and `ApiError`, how every API handler fails.

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use serde::Serialize;

use super::format::Format;
use super::xml::{self, Contract, Document, Members, Namespace};
use crate::domain::Checkout;
use crate::error::AppError;

/// Writes `doc` in `format` with that format's content type.
fn respond<D: Serialize + Document>(status: StatusCode, format: Format, doc: &D) -> HttpResponse {
    let body = match format {
        Format::Json => serde_json::to_string(doc).unwrap_or_default(),
        Format::Xml => xml::to_string(doc),
    };
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, format.content_type()))
        .body(body)
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CheckoutResponse<'a> {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<&'a str>,
    status: &'static str,
}

impl Contract for CheckoutResponse<'_> {
    fn members(&self, m: &mut Members<'_>) {
        m.text("Id", &self.id)
            .nullable("Snippet", self.snippet)
            .text("Status", self.status);
    }
}

impl Document for CheckoutResponse<'_> {
    const ROOT: &'static str = "PaysonCheckoutV2Response";
    const NAMESPACE: Namespace = Namespace::Dtos;
}

fn checkout_dto(c: &Checkout) -> CheckoutResponse<'_> {
    CheckoutResponse {
        id: c.id.to_string(),
        snippet: c.snippet.as_deref(),
        status: c.status.name(),
    }
}

pub fn checkout(format: Format, c: &Checkout) -> HttpResponse {
    respond(StatusCode::OK, format, &checkout_dto(c))
}

/// An auto-batched request's answer: the responses in request order (JSON only).
pub fn checkout_list(checkouts: &[Checkout]) -> HttpResponse {
    let dtos: Vec<_> = checkouts.iter().map(checkout_dto).collect();
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, Format::Json.content_type()))
        .body(serde_json::to_string(&dtos).unwrap_or_default())
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorResponse {
    response_status: ResponseStatus,
}

impl Contract for ErrorResponse {
    fn members(&self, m: &mut Members<'_>) {
        m.element("ResponseStatus", &self.response_status);
    }
}

impl Document for ErrorResponse {
    const ROOT: &'static str = "ErrorResponse";
    const NAMESPACE: Namespace = Namespace::ServiceStack;
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ResponseStatus {
    error_code: String,
    message: String,
    errors: Vec<ResponseError>,
    /// Only `AutoBatchIndex` so far, and only batches (which answer JSON) carry it.
    #[serde(skip_serializing_if = "Option::is_none")]
    meta: Option<std::collections::BTreeMap<&'static str, String>>,
}

/// ServiceStack numbers these members (`DataMember(Order)`), so they are not alphabetical.
impl Contract for ResponseStatus {
    fn members(&self, m: &mut Members<'_>) {
        m.text("ErrorCode", &self.error_code)
            .text("Message", &self.message)
            .list("Errors", "ResponseError", &self.errors);
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ResponseError {
    error_code: String,
    field_name: String,
    message: String,
}

impl Contract for ResponseError {
    fn members(&self, m: &mut Members<'_>) {
        m.text("ErrorCode", &self.error_code)
            .text("FieldName", &self.field_name)
            .text("Message", &self.message);
    }
}

impl ErrorResponse {
    /// Never a stack trace, SQL text or secret: internal errors only say that something
    /// went wrong and give the request id.
    fn of(e: &AppError, request_id: &str, batch_index: Option<u32>) -> Self {
        let message = match e {
            AppError::Internal(_) => {
                format!("An unexpected error occurred (request id {request_id})")
            }
            other => other.to_string(),
        };
        let errors = e
            .field_errors()
            .into_iter()
            .map(|f| ResponseError {
                error_code: f.code.to_owned(),
                field_name: f.field.to_owned(),
                message: f.message,
            })
            .collect();
        Self {
            response_status: ResponseStatus {
                error_code: e.error_code().to_owned(),
                message,
                errors,
                meta: batch_index.map(|i| [("AutoBatchIndex", i.to_string())].into()),
            },
        }
    }
}

/// How every API handler fails: the `AppError` as ServiceStack's `ErrorResponse` in the
/// negotiated format. An internal error is logged here, once, as it becomes the answer.
#[derive(Debug)]
pub struct ApiError {
    pub error: AppError,
    pub format: Format,
    pub request_id: Box<str>,
    /// Which item of an auto-batched request failed (`ResponseStatus.Meta.AutoBatchIndex`).
    pub batch_index: Option<u32>,
}

impl ApiError {
    pub fn new(error: AppError, format: Format, request_id: &str) -> Self {
        Self {
            error,
            format,
            request_id: request_id.into(),
            batch_index: None,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl actix_web::ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.error.status()
    }

    fn error_response(&self) -> HttpResponse {
        self.error.log_internal(&self.request_id);
        let mut resp = respond(
            self.error.status(),
            self.format,
            &ErrorResponse::of(&self.error, &self.request_id, self.batch_index),
        );
        if matches!(self.error, AppError::Unauthorized) {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        resp
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct IpnCallBackResponse<'a> {
    message: &'a str,
    success: bool,
}

impl Contract for IpnCallBackResponse<'_> {
    fn members(&self, m: &mut Members<'_>) {
        m.text("Message", self.message)
            .value("Success", self.success);
    }
}

impl Document for IpnCallBackResponse<'_> {
    const ROOT: &'static str = "IpnCallBackResponse";
    const NAMESPACE: Namespace = Namespace::Dtos;
}

/// The answer to Payson's notification; its status tells Payson whether to retry.
pub fn ipn_answer(
    status: StatusCode,
    format: Format,
    message: &str,
    success: bool,
) -> HttpResponse {
    respond(status, format, &IpnCallBackResponse { message, success })
}

#[cfg(test)]
mod tests {
    //! Golden documents, compared byte for byte: the files in `tests/api/golden/` were
    //! written by the hand-made `format!` strings this writer replaced.

    use super::*;

    macro_rules! golden {
        ($name:literal) => {
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/api/golden/",
                $name
            ))
        };
    }

    const SNIPPET: &str = "<div id=\"payson\" data-x='1'>Tom & Jerry's \"café\"\r\n</div><script src=\"https://x/a?b=1&c=2\"></script>";

    fn checkout(snippet: Option<&str>) -> CheckoutResponse<'_> {
        CheckoutResponse {
            id: "6f1c2b9e-3d4a-4e5f-8a7b-0c1d2e3f4a5b".into(),
            snippet,
            status: "Shipped",
        }
    }

    fn field_error() -> AppError {
        AppError::invalid(
            "CompanyId",
            "InvalidFormat",
            "'CompanyId' is not a valid GUID: '<a&b\"c'>'",
        )
    }

    #[test]
    fn checkout_response_escapes_the_snippet() {
        assert_eq!(
            xml::to_string(&checkout(Some(SNIPPET))),
            golden!("PaysonCheckoutV2Response.xml")
        );
        assert_eq!(
            serde_json::to_string(&checkout(Some(SNIPPET))).unwrap(),
            r#"{"Id":"6f1c2b9e-3d4a-4e5f-8a7b-0c1d2e3f4a5b","Snippet":"<div id=\"payson\" data-x='1'>Tom & Jerry's \"café\"\r\n</div><script src=\"https://x/a?b=1&c=2\"></script>","Status":"Shipped"}"#
        );
    }

    #[test]
    fn checkout_response_writes_a_null_snippet_as_nil() {
        assert_eq!(
            xml::to_string(&checkout(None)),
            golden!("PaysonCheckoutV2Response-nil.xml")
        );
        assert_eq!(
            serde_json::to_string(&checkout(None)).unwrap(),
            r#"{"Id":"6f1c2b9e-3d4a-4e5f-8a7b-0c1d2e3f4a5b","Status":"Shipped"}"#
        );
    }

    #[test]
    fn error_response_lists_field_errors() {
        let doc = ErrorResponse::of(&field_error(), "r1", None);
        assert_eq!(xml::to_string(&doc), golden!("ErrorResponse.xml"));
        assert_eq!(
            serde_json::to_string(&doc).unwrap(),
            r#"{"ResponseStatus":{"ErrorCode":"InvalidFormat","Message":"'CompanyId' is not a valid GUID: '<a&b\"c'>'","Errors":[{"ErrorCode":"InvalidFormat","FieldName":"CompanyId","Message":"'CompanyId' is not a valid GUID: '<a&b\"c'>'"}]}}"#
        );
    }

    #[test]
    fn internal_error_response_gives_only_the_request_id() {
        let e = AppError::internal(anyhow::anyhow!("SELECT secret FROM <table>"));
        let doc = ErrorResponse::of(&e, "abc123", None);
        assert_eq!(xml::to_string(&doc), golden!("ErrorResponse-internal.xml"));
    }

    #[test]
    fn ipn_answer_escapes_its_message() {
        let doc = IpnCallBackResponse {
            message: "Stored status <Shipped> & 'done' \"ok\"",
            success: true,
        };
        assert_eq!(xml::to_string(&doc), golden!("IpnCallBackResponse.xml"));
        assert_eq!(
            serde_json::to_string(&doc).unwrap(),
            r#"{"Message":"Stored status <Shipped> & 'done' \"ok\"","Success":true}"#
        );
    }

    #[actix_web::test]
    async fn api_error_answers_in_the_negotiated_format() {
        let e = ApiError::new(AppError::Unauthorized, Format::Xml, "r1");
        let resp = actix_web::ResponseError::error_response(&e);
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            resp.headers().get(header::WWW_AUTHENTICATE).unwrap(),
            "Bearer"
        );
        assert_eq!(
            resp.headers().get(header::CONTENT_TYPE).unwrap(),
            "application/xml; charset=utf-8"
        );
        let e = ApiError::new(field_error(), Format::Json, "r1");
        let resp = actix_web::ResponseError::error_response(&e);
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        assert!(resp.headers().get(header::WWW_AUTHENTICATE).is_none());
        let body = actix_web::body::to_bytes(resp.into_body()).await.unwrap();
        assert_eq!(
            body,
            serde_json::to_string(&ErrorResponse::of(&field_error(), "r1", None)).unwrap()
        );
    }
}

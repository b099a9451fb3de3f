//! Wire shapes: `PaysonCheckoutV2Response` and ServiceStack's `ErrorResponse`, in JSON
//! (PascalCase, nulls omitted) and DataContract XML (members in alphabetical order).

use actix_web::HttpResponse;
use actix_web::http::header;
use quick_xml::escape::escape;
use serde::Serialize;

use super::format::Format;
use crate::domain::Checkout;
use crate::error::AppError;

const NS_I: &str = "http://www.w3.org/2001/XMLSchema-instance";
const NS_DTOS: &str = "http://schemas.datacontract.org/2004/07/BokaMera.API.ServiceModel.Dtos";
const NS_SERVICESTACK: &str = "http://schemas.servicestack.net/types";

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CheckoutResponse<'a> {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<&'a str>,
    status: &'static str,
}

pub fn checkout(format: Format, c: &Checkout) -> HttpResponse {
    let body = match format {
        Format::Json => {
            let dto = CheckoutResponse {
                id: c.id.to_string(),
                snippet: c.snippet.as_deref(),
                status: c.status.name(),
            };
            serde_json::to_string(&dto).unwrap_or_default()
        }
        Format::Xml => {
            let snippet = match &c.snippet {
                Some(s) => format!("<Snippet>{}</Snippet>", escape(s.as_str())),
                None => "<Snippet i:nil=\"true\" />".to_owned(),
            };
            format!(
                "<PaysonCheckoutV2Response xmlns:i=\"{NS_I}\" xmlns=\"{NS_DTOS}\"><Id>{}</Id>{snippet}<Status>{}</Status></PaysonCheckoutV2Response>",
                c.id,
                c.status.name()
            )
        }
    };
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, format.content_type()))
        .body(body)
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorResponse {
    response_status: ResponseStatus,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ResponseStatus {
    error_code: String,
    message: String,
    errors: Vec<ResponseError>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ResponseError {
    error_code: String,
    field_name: String,
    message: String,
}

/// ServiceStack's `ErrorResponse`. Never a stack trace, SQL text or secret: internal
/// errors only say that something went wrong and give the request id.
pub fn error(format: Format, e: &AppError, request_id: &str) -> HttpResponse {
    let message = match e {
        AppError::Internal(_) => format!("An unexpected error occurred (request id {request_id})"),
        other => other.to_string(),
    };
    let status = ResponseStatus {
        error_code: e.error_code().to_owned(),
        message,
        errors: e
            .field_errors()
            .into_iter()
            .map(|f| ResponseError {
                error_code: f.code.to_owned(),
                field_name: f.field.to_owned(),
                message: f.message,
            })
            .collect(),
    };
    let body = match format {
        Format::Json => serde_json::to_string(&ErrorResponse {
            response_status: status,
        })
        .unwrap_or_default(),
        Format::Xml => {
            let errors: String = status
                .errors
                .iter()
                .map(|f| {
                    format!(
                        "<ResponseError><ErrorCode>{}</ErrorCode><FieldName>{}</FieldName><Message>{}</Message></ResponseError>",
                        escape(f.error_code.as_str()),
                        escape(f.field_name.as_str()),
                        escape(f.message.as_str())
                    )
                })
                .collect();
            format!(
                "<ErrorResponse xmlns:i=\"{NS_I}\" xmlns=\"{NS_SERVICESTACK}\"><ResponseStatus><ErrorCode>{}</ErrorCode><Message>{}</Message><Errors>{errors}</Errors></ResponseStatus></ErrorResponse>",
                escape(status.error_code.as_str()),
                escape(status.message.as_str())
            )
        }
    };
    let mut resp = HttpResponse::build(e.status());
    resp.insert_header((header::CONTENT_TYPE, format.content_type()));
    if matches!(e, AppError::Unauthorized) {
        resp.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
    }
    resp.body(body)
}

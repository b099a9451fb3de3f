//! `POST /payment/payson/v2/ipncallback?checkout={id}`: Payson's notification. The call
//! itself is never trusted: the checkout is re-read from Payson and what Payson says is
//! stored. It answers 200 once stored (or for an unknown checkout, to stop retries).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::binding::query_fields;
use super::format::{Format, negotiate};
use crate::domain::{CheckoutId, parse_guid};
use crate::http::request_meta;
use crate::service::notifications;
use crate::state::AppState;

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct IpnCallBackResponse {
    message: String,
    success: bool,
}

pub async fn ipn_callback(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let meta = request_meta(&req, &state);
    let query = query_fields(req.query_string()).unwrap_or_default();
    let accept = req.headers().get("accept").and_then(|v| v.to_str().ok());
    let format = negotiate(
        query.get("format").cloned().flatten().as_deref(),
        None,
        accept,
    )
    .unwrap_or(Format::Json);
    let id = query
        .get("checkout")
        .cloned()
        .flatten()
        .and_then(|s| parse_guid(&s).ok())
        .map(CheckoutId::from);
    let answer = notifications::handle(&state, &meta, id).await;
    let (status, success, message) = (answer.status, answer.success, answer.message);
    let body = IpnCallBackResponse { message, success };
    let text = match format {
        Format::Json => serde_json::to_string(&body).unwrap_or_default(),
        Format::Xml => format!(
            "<IpnCallBackResponse xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns=\"http://schemas.datacontract.org/2004/07/BokaMera.API.ServiceModel.Dtos\"><Message>{}</Message><Success>{}</Success></IpnCallBackResponse>",
            quick_xml::escape::escape(body.message.as_str()),
            body.success
        ),
    };
    HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK),
    )
    .content_type(format.content_type())
    .body(text)
}

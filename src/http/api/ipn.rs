//! `POST /payment/payson/v2/ipncallback?checkout={id}`: Payson's notification. The call
//! itself is never trusted: the checkout is re-read from Payson and what Payson says is
//! stored. It answers 200 once stored (or for an unknown checkout, to stop retries).

use actix_web::{HttpRequest, HttpResponse, web};

use super::binding::query_fields;
use super::format::{Format, negotiate};
use super::render;
use crate::domain::{CheckoutId, parse_guid};
use crate::http::request_meta;
use crate::service::notifications;
use crate::state::AppState;

/// The one request member, lower-case as Payson appends it (`?checkout=<id>`).
pub(super) const CHECKOUT_FIELD: &str = "checkout";

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
        .get(CHECKOUT_FIELD)
        .cloned()
        .flatten()
        .and_then(|s| parse_guid(&s).ok())
        .map(CheckoutId::from);
    let answer = notifications::handle(&state, &meta, id).await;
    let status = actix_web::http::StatusCode::from_u16(answer.status)
        .unwrap_or(actix_web::http::StatusCode::OK);
    render::ipn_answer(status, format, &answer.message, answer.success)
}

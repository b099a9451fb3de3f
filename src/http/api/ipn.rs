//! `POST /payment/payson/v2/ipncallback?checkout={id}`: Payson's notification. The call
//! itself is never trusted: the checkout is re-read from Payson and what Payson says is
//! stored. It answers 200 once stored (or for an unknown checkout, to stop retries).

use actix_web::{HttpRequest, HttpResponse, web};

use super::binding::query_fields;
use super::format::{Format, negotiate};
use super::render;
use crate::domain::{AuditAction, AuditOutcome, CheckoutId, parse_guid};
use crate::http::request_meta;
use crate::service::audit::{self, Entry};
use crate::service::checkouts;
use crate::state::AppState;

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
    let (status, success, message, checkout_id, company_id) = match id {
        None => (
            400,
            false,
            "The checkout query parameter is missing or not a GUID".to_owned(),
            None,
            None,
        ),
        Some(id) => match state.store.checkout(id).await {
            Ok(Some(local)) => match checkouts::company(&state, local.company_id).await {
                Ok(company) => match checkouts::refresh_from_payson(&state, &company, id).await {
                    Ok(c) => (
                        200,
                        true,
                        format!("Stored status {}", c.status.describe()),
                        Some(id),
                        Some(company.id),
                    ),
                    // Not stored: a non-200 answer makes Payson retry later.
                    Err(e) => (503, false, e.to_string(), Some(id), Some(company.id)),
                },
                Err(e) => (503, false, e.to_string(), Some(id), None),
            },
            Ok(None) => {
                tracing::warn!(checkout_id = %id, "notification for an unknown checkout");
                (200, false, "Unknown checkout".to_owned(), Some(id), None)
            }
            Err(e) => (503, false, e.to_string(), Some(id), None),
        },
    };
    audit::record(
        &state,
        &meta,
        Entry {
            action: AuditAction::PaysonNotification,
            principal: None,
            company_id,
            checkout_id,
            outcome: if success {
                AuditOutcome::Success
            } else if status == 200 {
                AuditOutcome::Rejected
            } else {
                AuditOutcome::Failed
            },
            http_status: status,
            message: message.clone(),
            payson_message: None,
            note: None,
        },
    )
    .await;
    let status =
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK);
    render::ipn_answer(status, format, &message, success)
}

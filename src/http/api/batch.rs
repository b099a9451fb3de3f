//! ServiceStack's auto-batched requests: `POST /api/{Op}[]` and `/json/reply/{Op}[]` take a
//! JSON array of request DTOs and run each, in order, through the same service call the
//! single request makes (its permission checks, audit event and exactly-once rule). As in
//! ServiceStack's `CreateAutoBatchServiceExec`, the first failure stops the batch and is
//! the answer, with its index in `ResponseStatus.Meta.AutoBatchIndex`; the
//! `X-AutoBatch-Completed` header says how many items completed. Batches answer JSON.

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

use super::binding::{Fields, body_fields, query_fields};
use super::checkout::{authenticate, command, read_body};
use super::format::Format;
use super::render::{self, ApiError};
use super::{GET, SEND};
use crate::domain::{Checkout, Principal, policy};
use crate::error::AppError;
use crate::http::request_meta;
use crate::service::Call;
use crate::service::checkouts::get_checkout;
use crate::service::payment_request::{audit_refused, send_payment_request};
use crate::state::AppState;

pub const COMPLETED_HEADER: &str = "x-autobatch-completed";

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Send,
    Get,
}

impl Op {
    fn dto(self) -> &'static str {
        match self {
            Op::Send => SEND,
            Op::Get => GET,
        }
    }
}

pub async fn batch(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    op: Op,
) -> HttpResponse {
    let meta = request_meta(&req, &state);
    let fail = |e: AppError, index: Option<usize>, completed: Option<usize>| {
        let mut err = ApiError::new(e, Format::Json, &meta.request_id);
        err.batch_index = index.and_then(|i| u32::try_from(i).ok());
        let mut resp = err.error_response();
        if let Some(n) = completed {
            set_completed(&mut resp, n);
        }
        resp
    };
    let p = match authenticate(&req, &state, op == Op::Send).await {
        Ok(p) => p,
        Err(e) => {
            if op == Op::Send {
                audit_refused(&state, &meta, None, (None, None), &e).await;
            }
            return fail(e, None, None);
        }
    };
    // Rule 2 before the body is read, as for a single send.
    if op == Op::Send && !policy::may_send_some((&p).into()) {
        let e = AppError::Forbidden;
        audit_refused(&state, &meta, Some(&p), (None, None), &e).await;
        return fail(e, None, None);
    }
    let items = match read_items(&req, payload, &state).await {
        Ok(items) => items,
        Err(e) => {
            if op == Op::Send {
                audit_refused(&state, &meta, Some(&p), (None, None), &e).await;
            }
            return fail(e, None, None);
        }
    };
    if items.is_empty() {
        return render::checkout_list(&[]);
    }
    let query = query_fields(req.query_string()).unwrap_or_default();
    let mut done: Vec<Checkout> = Vec::with_capacity(items.len());
    let call = Call::new(&state, &p, &meta);
    for (i, item) in items.iter().enumerate() {
        match run_one(call, op, &query, item).await {
            Ok(c) => done.push(c),
            Err(e) => return fail(e, Some(i), Some(i)),
        }
    }
    let mut resp = render::checkout_list(&done);
    set_completed(&mut resp, done.len());
    resp
}

/// The array, refused whole (before any item runs) when it is not one or is too long.
async fn read_items(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
) -> Result<Vec<serde_json::Value>, AppError> {
    let body = read_body(req, payload, state.settings.max_body_bytes).await?;
    let items: Vec<serde_json::Value> = serde_json::from_slice(&body).map_err(|_| {
        AppError::BadRequest("An auto-batched request takes a JSON array of requests".into())
    })?;
    let max = state.settings.api.max_batch;
    if items.len() > max {
        return Err(AppError::BadRequest(format!(
            "An auto-batched request may carry at most {max} requests, not {}",
            items.len()
        )));
    }
    Ok(items)
}

async fn run_one(
    call: Call<'_, &Principal>,
    op: Op,
    query: &Fields,
    item: &serde_json::Value,
) -> Result<Checkout, AppError> {
    let bound = serde_json::to_vec(item)
        .map_err(AppError::internal)
        .and_then(|bytes| body_fields(Some("application/json"), &bytes, op.dto()))
        .and_then(|body| command(&query.clone().overlay(body)));
    match (op, bound) {
        (Op::Send, Ok(cmd)) => send_payment_request(call, cmd).await,
        (Op::Send, Err(e)) => {
            // The service never saw this item: audit its refusal here, as a single send does.
            audit_refused(call.state, call.meta, Some(call.actor), (None, None), &e).await;
            Err(e)
        }
        (Op::Get, Ok(cmd)) => {
            get_checkout(call.state, call.actor, cmd.company_id, cmd.checkout_id).await
        }
        (Op::Get, Err(e)) => Err(e),
    }
}

fn set_completed(resp: &mut HttpResponse, n: usize) {
    if let Ok(v) = HeaderValue::from_str(&n.to_string()) {
        resp.headers_mut()
            .insert(HeaderName::from_static(COMPLETED_HEADER), v);
    }
}

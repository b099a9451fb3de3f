//! `/_sim/…`: the simulator's control API for out-of-process users (demo, browser tests).
//! Payson has nothing like it; the app never calls it.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::faults::Fault;
use super::{Inner, SimAccount, notify};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/_sim/counters", web::get().to(counters))
        .route("/_sim/checkout-counters", web::get().to(checkout_counters))
        .route("/_sim/faults", web::post().to(add_fault))
        .route("/_sim/faults", web::delete().to(clear_faults))
        .route(
            "/_sim/checkouts/{id}/transition",
            web::post().to(transition),
        )
        .route("/_sim/accounts", web::post().to(add_account))
        .route("/_sim/notifications", web::get().to(notifications));
}

async fn counters(inner: web::Data<Inner>) -> HttpResponse {
    HttpResponse::Ok().json(inner.with(|s| s.counters.clone()))
}

/// Per checkout: GETs and PUTs received, ship requests accepted.
async fn checkout_counters(inner: web::Data<Inner>) -> HttpResponse {
    HttpResponse::Ok().json(inner.with(|s| s.per_checkout.clone()))
}

async fn add_fault(f: web::Json<Fault>, inner: web::Data<Inner>) -> HttpResponse {
    inner.with(|s| s.faults.push(f.into_inner()));
    HttpResponse::NoContent().finish()
}

async fn clear_faults(inner: web::Data<Inner>) -> HttpResponse {
    inner.with(|s| s.faults.clear());
    HttpResponse::NoContent().finish()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Transition {
    to: String,
    payment_method: Option<String>,
    at: Option<DateTime<Utc>>,
}

async fn transition(
    id: web::Path<Uuid>,
    t: web::Json<Transition>,
    inner: web::Data<Inner>,
) -> HttpResponse {
    let at = t.at.unwrap_or_else(super::now);
    let result = inner.with(|s| {
        if !s.checkouts.contains_key(&id) {
            return None;
        }
        Some(s.payson_transition(*id, &t.to, t.payment_method.as_deref(), at))
    });
    match result {
        Some(Ok(pending)) => {
            notify::schedule(&inner.clone().into_inner(), pending);
            HttpResponse::NoContent().finish()
        }
        // Not a move Payson or the customer could make from the current status.
        Some(Err(msg)) => HttpResponse::Conflict().json(serde_json::json!({ "message": msg })),
        None => HttpResponse::NotFound().json(serde_json::json!({ "message": "no such checkout" })),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewAccount {
    agent_id: String,
    api_key: String,
    #[serde(default)]
    email: String,
}

async fn add_account(a: web::Json<NewAccount>, inner: web::Data<Inner>) -> HttpResponse {
    let a = a.into_inner();
    inner.with(|s| {
        s.add_account(SimAccount {
            agent_id: a.agent_id,
            api_key: a.api_key,
            email: a.email,
        })
    });
    HttpResponse::NoContent().finish()
}

async fn notifications(inner: web::Data<Inner>) -> HttpResponse {
    HttpResponse::Ok().json(inner.with(|s| s.notifications.clone()))
}

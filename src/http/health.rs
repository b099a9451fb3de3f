//! `/healthz` (the process answers), `/readyz` (the database answers and the server is
//! not draining for shutdown) and `/metrics`
//! (Prometheus; only with `metrics_token`, as a bearer token).

use actix_web::{HttpRequest, HttpResponse, web};

use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok")
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    // Draining: load balancers stop sending here while requests in flight finish.
    if state.drain.is_draining() {
        return HttpResponse::ServiceUnavailable()
            .content_type("text/plain; charset=utf-8")
            .body("shutting down");
    }
    match crate::service::database_ready(&state).await {
        Ok(()) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("ready"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain; charset=utf-8")
                .body("database unavailable")
        }
    }
}

/// Not public: without a configured token the route does not exist; with one, the caller
/// must present it.
async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let Some(expected) = state
        .settings
        .metrics_token
        .as_deref()
        .filter(|t| !t.is_empty())
    else {
        return HttpResponse::NotFound().finish();
    };
    let presented = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !crate::crypto::constant_time_eq(presented.as_bytes(), expected.as_bytes()) {
        return HttpResponse::Unauthorized()
            .insert_header(("www-authenticate", "Bearer"))
            .finish();
    }
    let body = crate::service::metrics::render(&state).await;
    HttpResponse::Ok()
        .content_type(crate::metrics::CONTENT_TYPE)
        .body(body)
}

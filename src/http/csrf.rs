//! CSRF defence for forms: a per-session synchronizer token compared in constant time,
//! plus a same-origin check on `Sec-Fetch-Site` / `Origin` (product.md §3).

use actix_session::Session;
use actix_web::{HttpRequest, web};
use base64::Engine as _;
use rand::RngCore;

use crate::crypto::constant_time_eq;
use crate::error::AppError;
use crate::state::AppState;

const CSRF_KEY: &str = "csrf";

/// This session's token, created on first use.
pub fn token(session: &Session) -> Result<String, AppError> {
    if let Some(t) = session
        .get::<String>(CSRF_KEY)
        .map_err(AppError::internal)?
    {
        return Ok(t);
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let t = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    session.insert(CSRF_KEY, &t).map_err(AppError::internal)?;
    Ok(t)
}

/// Accepts a state-changing request only from our own pages with our token.
pub fn verify(req: &HttpRequest, session: &Session, submitted: &str) -> Result<(), AppError> {
    if !same_origin(req) {
        return Err(AppError::CsrfRejected);
    }
    let expected = session
        .get::<String>(CSRF_KEY)
        .map_err(AppError::internal)?;
    match expected {
        Some(e) if constant_time_eq(e.as_bytes(), submitted.as_bytes()) => Ok(()),
        _ => Err(AppError::CsrfRejected),
    }
}

/// Fetch Metadata when the browser sends it, else `Origin` against our own host.
fn same_origin(req: &HttpRequest) -> bool {
    let header = |n: &str| req.headers().get(n).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site") {
        return site == "same-origin";
    }
    match header("origin") {
        // Our origin is the configured one: `Host` is the client's to choose.
        Some(origin) => req
            .app_data::<web::Data<AppState>>()
            .is_some_and(|s| origin == s.settings.public_origin()),
        None => false,
    }
}

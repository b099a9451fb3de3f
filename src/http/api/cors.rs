//! CORS for browser API clients, on the API routes only, through actix-cors. Off unless
//! `[api] cors_allowed_origins` lists origins (or `*`); then preflights from those origins
//! are answered with the configured methods, headers and max age, and answers carry
//! `Access-Control-Allow-Origin` for them. Credentials are never allowed: browser callers
//! use bearer tokens, so the desk's session cookie never works across origins. The desk's
//! own origin (`public_url`) is always allowed, so its same-origin calls pass.

use actix_cors::Cors;
use actix_web::middleware::Condition;

use crate::config::Settings;

/// Headers a browser script may read from an answer.
const EXPOSE: [&str; 2] = ["X-AutoBatch-Completed", "X-Request-Id"];

/// The CORS layer an API resource wears; a no-op when no origin is configured. The
/// settings were checked at start-up (`config::api::validate`), so nothing here panics.
pub fn layer(settings: &Settings) -> Condition<Cors> {
    let api = &settings.api;
    let enabled = !api.cors_allowed_origins.is_empty();
    let mut cors = Cors::default()
        .allowed_methods(api.cors_allowed_methods.iter().map(String::as_str))
        .allowed_headers(api.cors_allowed_headers.iter().map(String::as_str))
        .expose_headers(EXPOSE)
        .max_age(api.cors_max_age_secs as usize);
    if enabled {
        let own = settings.public_origin();
        if !own.is_empty() {
            cors = cors.allowed_origin(&own);
        }
    }
    for origin in &api.cors_allowed_origins {
        let origin = origin.trim().trim_end_matches('/');
        cors = if origin == "*" {
            cors.allow_any_origin().send_wildcard()
        } else {
            cors.allowed_origin(origin)
        };
    }
    Condition::new(enabled, cors)
}

//! The HTTP faces. Handlers are thin: they turn requests into service calls and
//! service results into responses.

pub mod api;
mod assets;
pub mod csrf;
mod health;
mod metadata;
pub mod middleware;
pub mod session;
pub mod web;

use std::net::IpAddr;

use actix_web::web as aweb;
use actix_web::{HttpMessage, HttpRequest};

use crate::config::Settings;
use crate::service::RequestMeta;
use crate::state::AppState;

pub fn configure(cfg: &mut aweb::ServiceConfig) {
    cfg.configure(health::configure)
        .configure(assets::configure)
        .configure(api::configure)
        .configure(metadata::configure)
        .configure(web::configure);
}

/// The request id set by `middleware::request_id` and the client's address.
pub fn request_meta(req: &HttpRequest, state: &AppState) -> RequestMeta {
    let request_id = req
        .extensions()
        .get::<middleware::RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let remote_addr = client_ip(req, &state.settings)
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    RequestMeta {
        request_id,
        remote_addr,
    }
}

/// The client's address: the peer, or — when the deployment says a trusted proxy sets it —
/// the right-most `X-Forwarded-For` entry, the one that proxy appended. Entries to its
/// left came from the client and prove nothing.
pub fn client_ip(req: &HttpRequest, settings: &Settings) -> Option<IpAddr> {
    if settings.trust_forwarded_for
        && let Some(ip) = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .last()
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return Some(ip);
    }
    req.peer_addr().map(|a| a.ip())
}

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

use actix_web::http::header::HeaderMap;
use actix_web::web as aweb;
use actix_web::{HttpMessage, HttpRequest};

use crate::config::Settings;
use crate::domain::AddressList;
use crate::service::RequestMeta;
use crate::state::AppState;

pub fn configure(cfg: &mut aweb::ServiceConfig, settings: &Settings) {
    cfg.configure(health::configure)
        .configure(assets::configure)
        .configure(|c| api::configure(c, settings))
        .configure(metadata::configure)
        .configure(web::configure)
        .default_service(aweb::to(not_found));
}

/// A URL that names nothing: ServiceStack's `ErrorResponse` for the API's routes and for
/// clients that do not ask for HTML, the desk's 404 page (with its navigation) for browsers.
async fn not_found(req: HttpRequest) -> actix_web::HttpResponse {
    let path = req.path();
    let api_path = ["/json/", "/xml/", "/api/", "/payment/"]
        .iter()
        .any(|p| path.starts_with(p));
    let wants_html = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if api_path || !wants_html {
        api::not_found(&req)
    } else {
        web::page::not_found(req).await
    }
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

/// The client's address. Without trusted proxies, the peer. When the peer is a trusted
/// proxy, the forwarded chain is walked from the right (the entries our proxies appended)
/// and the first address that is not a trusted proxy is the client: entries further left
/// came from the client and prove nothing. An entry that does not parse ends the walk.
pub fn client_ip(req: &HttpRequest, settings: &Settings) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    Some(forwarded_client(
        peer,
        req.headers(),
        &settings.trusted_proxies,
    ))
}

fn forwarded_client(peer: IpAddr, headers: &HeaderMap, trusted: &AddressList) -> IpAddr {
    if !trusted.contains(peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_chain(headers).into_iter().rev() {
        match hop {
            Some(ip) => {
                client = ip;
                if !trusted.contains(ip) {
                    break;
                }
            }
            None => break,
        }
    }
    client
}

/// The forwarded addresses, left to right: `X-Forwarded-For` when present, else the
/// `for=` of each `Forwarded` element (RFC 7239). `None` for an entry that is not an
/// address (`unknown`, an obfuscated name, garbage).
fn forwarded_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect()
    };
    let xff = values("x-forwarded-for");
    if !xff.is_empty() {
        return xff
            .iter()
            .flat_map(|v| v.split(','))
            .map(parse_hop)
            .collect();
    }
    values("forwarded")
        .iter()
        .flat_map(|v| v.split(','))
        .map(|element| {
            element
                .split(';')
                .find_map(|pair| {
                    let (k, v) = pair.split_once('=')?;
                    k.trim().eq_ignore_ascii_case("for").then_some(v)
                })
                .and_then(|v| parse_hop(v.trim().trim_matches('"')))
        })
        .collect()
}

/// `203.0.113.7`, `203.0.113.7:4711`, `2001:db8::1`, `[2001:db8::1]:4711`.
fn parse_hop(raw: &str) -> Option<IpAddr> {
    let raw = raw.trim();
    raw.parse::<IpAddr>()
        .ok()
        .or_else(|| raw.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| {
            raw.strip_prefix('[')
                .and_then(|r| r.strip_suffix(']'))
                .and_then(|r| r.parse().ok())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        h
    }

    fn client(peer: &str, pairs: &[(&'static str, &'static str)], trusted: &str) -> String {
        forwarded_client(
            peer.parse().unwrap(),
            &headers(pairs),
            &AddressList::parse(trusted).unwrap(),
        )
        .to_string()
    }

    #[test]
    fn without_trusted_proxies_the_peer_whatever_the_headers_say() {
        let xff = [("x-forwarded-for", "1.2.3.4")];
        assert_eq!(client("10.0.0.2", &xff, ""), "10.0.0.2");
        // A peer that is not a trusted proxy cannot forward anything either.
        assert_eq!(client("198.51.100.9", &xff, "10.0.0.0/8"), "198.51.100.9");
    }

    #[test]
    fn the_right_most_untrusted_entry_wins_over_a_forged_left_one() {
        let forged = [("x-forwarded-for", "1.2.3.4, 203.0.113.7")];
        assert_eq!(client("10.0.0.2", &forged, "10.0.0.2"), "203.0.113.7");
        // Two proxies in a chain, both trusted by range; split over two header lines.
        let chain = [
            ("x-forwarded-for", "1.2.3.4, 203.0.113.7"),
            ("x-forwarded-for", "10.0.0.3"),
        ];
        assert_eq!(client("10.0.0.2", &chain, "10.0.0.0/24"), "203.0.113.7");
        // Garbage before any untrusted address: the walk stops at the last proxy.
        let bad = [("x-forwarded-for", "203.0.113.7, nonsense")];
        assert_eq!(client("10.0.0.2", &bad, "10.0.0.2"), "10.0.0.2");
        // With ports, as some proxies write them.
        let ports = [("x-forwarded-for", "1.1.1.1, 203.0.113.7:4711")];
        assert_eq!(client("10.0.0.2", &ports, "10.0.0.2"), "203.0.113.7");
    }

    #[test]
    fn forwarded_header_when_there_is_no_x_forwarded_for() {
        let fwd = [(
            "forwarded",
            "for=1.2.3.4, for=\"[2001:db8::7]:4711\";proto=https, for=10.0.0.3",
        )];
        assert_eq!(client("10.0.0.2", &fwd, "10.0.0.0/24"), "2001:db8::7");
        let unknown = [("forwarded", "for=1.2.3.4, for=unknown")];
        assert_eq!(client("10.0.0.2", &unknown, "10.0.0.2"), "10.0.0.2");
    }
}

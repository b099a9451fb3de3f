//! CORS for browser API clients, on the API routes only, read from `[api]` per request.
//! Modelled on ServiceStack's `CorsFeature` with an origin whitelist: every `OPTIONS`
//! preflight is answered at once (204, never 405), and `Access-Control-*` headers are
//! added only for an origin on the list. Credentials are never allowed: browser callers
//! use bearer tokens, so the desk's session cookie never works across origins.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use crate::config::ApiSettings;
use crate::state::AppState;

/// Headers a browser script may read from an answer.
const EXPOSE: &str = "X-AutoBatch-Completed, X-Request-Id";

/// The origin to echo in `Access-Control-Allow-Origin`, if `origin` may call.
pub fn allowed_origin(settings: &ApiSettings, origin: &str) -> Option<String> {
    let origin = origin.trim();
    if origin.is_empty() || origin == "null" {
        return None;
    }
    settings.cors_allowed_origins.iter().find_map(|o| {
        let o = o.trim().trim_end_matches('/');
        if o == "*" {
            Some("*".to_owned())
        } else if o.eq_ignore_ascii_case(origin) {
            Some(origin.to_owned())
        } else {
            None
        }
    })
}

fn insert(h: &mut HeaderMap, name: header::HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(name, v);
    }
}

fn allow_headers(h: &mut HeaderMap, settings: &ApiSettings, allow: &str, preflight: bool) {
    insert(h, header::ACCESS_CONTROL_ALLOW_ORIGIN, allow);
    if preflight {
        insert(
            h,
            header::ACCESS_CONTROL_ALLOW_METHODS,
            &settings.cors_allowed_methods.join(", "),
        );
        insert(
            h,
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            &settings.cors_allowed_headers.join(", "),
        );
        insert(
            h,
            header::ACCESS_CONTROL_MAX_AGE,
            &settings.cors_max_age_secs.to_string(),
        );
    } else {
        insert(h, header::ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSE);
    }
}

pub async fn cors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let settings = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.settings.api.clone())
        .unwrap_or_default();
    let allow = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .and_then(|o| allowed_origin(&settings, o));
    if req.method() == Method::OPTIONS {
        let mut resp = HttpResponse::build(StatusCode::NO_CONTENT).finish();
        let h = resp.headers_mut();
        insert(h, header::VARY, "Origin");
        if let Some(allow) = &allow {
            allow_headers(h, &settings, allow, true);
        }
        return Ok(req.into_response(resp));
    }
    let mut res = next.call(req).await?.map_into_boxed_body();
    let h = res.headers_mut();
    if !settings.cors_allowed_origins.is_empty() {
        h.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    if let Some(allow) = &allow {
        allow_headers(h, &settings, allow, false);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_origins_are_allowed() {
        let mut s = ApiSettings::default();
        assert_eq!(allowed_origin(&s, "https://app.example"), None);
        s.cors_allowed_origins = vec!["https://app.example/".into()];
        assert_eq!(
            allowed_origin(&s, "https://app.example").as_deref(),
            Some("https://app.example")
        );
        assert_eq!(allowed_origin(&s, "https://evil.example"), None);
        assert_eq!(allowed_origin(&s, "https://app.example.evil"), None);
        assert_eq!(allowed_origin(&s, "null"), None);
        s.cors_allowed_origins = vec!["*".into()];
        assert_eq!(
            allowed_origin(&s, "https://x.example").as_deref(),
            Some("*")
        );
    }
}

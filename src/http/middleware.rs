//! Cross-cutting request and response behaviour: a request id, span and access-log line
//! for every request, refusal while draining for shutdown, a deadline on every request
//! body, and security headers on every response (a route may set its own CSP; it is not
//! overwritten).

use std::cell::Cell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage, HttpResponse};
use futures_util::Stream;
use tracing::Instrument;

#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The app's state, when the app it runs in was given one.
fn app_state(req: &ServiceRequest) -> Option<&actix_web::web::Data<crate::state::AppState>> {
    req.app_data()
}

/// The route pattern that answered (`/checkouts/{id}`): a bounded label, never the path.
fn route_of<B>(res: &ServiceResponse<B>) -> String {
    res.request()
        .match_pattern()
        .unwrap_or_else(|| "(unmatched)".into())
}

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The request's id, its span and its access-log line. The id is a trusted proxy's
/// `X-Request-Id` when it is a sane token, else a fresh one; every line logged while the
/// request runs carries it through the `request` span, and the response returns it.
/// Written here rather than with tracing-actix-web: that crate mints its own id (no
/// trusted-proxy rule) and logs no duration, so it would add a second id and this code.
pub async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = std::time::Instant::now();
    let settings = app_state(&req).map(|s| s.settings.clone());
    let id = settings
        .as_deref()
        .and_then(|s| forwarded_id(&req, s))
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let client = settings
        .as_deref()
        .and_then(|s| super::client_ip(req.request(), s))
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    let method = req.method().to_string();
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", request_id = %id);
    let result = next.call(req).instrument(span).await;
    let (status, route) = match &result {
        Ok(res) => (res.status().as_u16(), route_of(res)),
        Err(e) => (
            e.as_response_error().status_code().as_u16(),
            "(error)".into(),
        ),
    };
    tracing::info!(
        target: "access",
        method,
        route,
        status,
        duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        request_id = %id,
        client,
        "request"
    );
    let mut res = result?;
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), v);
    }
    Ok(res)
}

/// An `X-Request-Id` worth keeping: from a trusted proxy, at most 64 characters of
/// `[A-Za-z0-9._-]` (anything else could forge log lines or collide on purpose).
fn forwarded_id(req: &ServiceRequest, settings: &crate::config::Settings) -> Option<String> {
    let peer = req.peer_addr()?.ip();
    if !settings.trusted_proxies.contains(peer) {
        return None;
    }
    let raw = req.headers().get("x-request-id")?.to_str().ok()?;
    sane_id(raw).then(|| raw.to_owned())
}

fn sane_id(raw: &str) -> bool {
    (1..=64).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// While the server drains for shutdown, requests other than the health endpoints are
/// answered 503 at once; the admitted ones are counted so the drain can wait for them.
pub async fn refuse_when_draining(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let health = matches!(req.path(), "/healthz" | "/readyz" | "/metrics");
    let drain = app_state(&req).map(|s| s.drain.clone());
    let guard = match drain {
        Some(d) if !health => match d.admit() {
            Some(g) => Some(g),
            None => {
                let lang = crate::http::web::i18n::Lang::of(req.request());
                let refused = HttpResponse::ServiceUnavailable()
                    .insert_header((header::CONNECTION, "close"))
                    .insert_header((header::RETRY_AFTER, "5"))
                    .content_type("text/plain; charset=utf-8")
                    .body(crate::http::web::i18n::Tr(lang).shutting_down().to_string());
                return Ok(req.into_response(refused).map_into_right_body());
            }
        },
        _ => None,
    };
    let res = next.call(req).await;
    drop(guard);
    Ok(res?.map_into_left_body())
}

pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    // HSTS follows the configured public_url, not a forgeable X-Forwarded-Proto.
    let https = app_state(&req).is_some_and(|s| s.settings.served_over_https());
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    let mut set_default = |name: HeaderName, value: &'static str| {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    };
    set_default(header::CONTENT_SECURITY_POLICY, CSP);
    set_default(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set_default(header::REFERRER_POLICY, "same-origin");
    set_default(header::X_FRAME_OPTIONS, "DENY");
    set_default(header::CACHE_CONTROL, "no-store");
    set_default(
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    if https {
        set_default(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    Ok(res)
}

/// Counts and times every request by its route pattern.
pub async fn metrics(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = std::time::Instant::now();
    let state = app_state(&req).cloned();
    let method = req.method().as_str().to_owned();
    let res = next.call(req).await?;
    if let Some(state) = state {
        let route = route_of(&res);
        state
            .metrics
            .durations
            .get_or_create(&crate::metrics::RouteLabels {
                route: route.clone(),
            })
            .observe(started.elapsed().as_secs_f64());
        state
            .metrics
            .requests
            .get_or_create(&crate::metrics::RequestLabels {
                route,
                method,
                status: res.status().as_u16(),
            })
            .inc();
    }
    Ok(res)
}

/// A body that does not arrive within `http.body_read_timeout_ms` of the handler starting
/// to read it ends the request with 408, whatever the handler made of the read error:
/// actix-web's own timeout covers only the head, so a client announcing more bytes than
/// it sends would otherwise hold the request until it gives up.
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let limit = app_state(&req)
        .map(|s| s.settings.http.body_read_timeout())
        .unwrap_or(Duration::from_secs(10));
    let expired = Rc::new(Cell::new(false));
    let body = Deadline {
        inner: req.take_payload(),
        limit,
        timer: None,
        expired: expired.clone(),
    };
    let body: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(body);
    req.set_payload(Payload::from(body));
    let res = next.call(req).await?;
    if !expired.get() {
        return Ok(res.map_into_left_body());
    }
    tracing::info!(
        path = res.request().path(),
        limit_ms = limit.as_millis() as u64,
        "request body did not arrive in time"
    );
    let timeout = HttpResponse::RequestTimeout()
        .insert_header((header::CONNECTION, "close"))
        .content_type("text/plain; charset=utf-8")
        .body("The request body did not arrive in time");
    Ok(res.into_response(timeout).map_into_right_body())
}

/// The request's payload with a timer that starts at the first read.
struct Deadline {
    inner: Payload,
    limit: Duration,
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
    expired: Rc<Cell<bool>>,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.expired.get() {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        let limit = self.limit;
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        if timer.as_mut().poll(cx).is_ready() {
            self.expired.set(true);
            let e = std::io::Error::new(std::io::ErrorKind::TimedOut, "request body timed out");
            return Poll::Ready(Some(Err(PayloadError::Io(e))));
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_sane_request_ids_are_kept() {
        for ok in ["abc", "A-1_2.3", &"x".repeat(64)] {
            assert!(super::sane_id(ok), "{ok}");
        }
        for bad in ["", &"x".repeat(65), "a b", "a\nb", "ä", "a/b", "a=b"] {
            assert!(!super::sane_id(bad), "{bad:?}");
        }
    }
}

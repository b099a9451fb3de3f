//! Thin handlers: negotiate the format, authenticate, bind the DTO, call the service,
//! render. Rejections that happen before the service is reached are audited here. Every
//! failure leaves as an `ApiError`.

use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use futures_util::StreamExt;

use super::binding::{Fields, body_fields, query_fields};
use super::format::{Format, negotiate};
use super::render::{self, ApiError};
use super::{GET, SEND};
use actix_session::SessionExt;

use crate::auth::ApiCredentials;
use crate::domain::policy;
use crate::domain::{CheckoutId, CompanyId, Principal, parse_guid};
use crate::error::AppError;
use crate::http::request_meta;
use crate::service::checkouts::get_checkout;
use crate::service::payment_request::{SendCommand, audit_refused, send_payment_request};
use crate::service::signin::api_principal;
use crate::service::{Call, RequestMeta};
use crate::state::AppState;

/// What a route says about its request: a format its path fixes (`/json/reply/…`,
/// `….xml`), and whether the checkout id is a path segment.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub format: Option<Format>,
    pub id_in_path: bool,
}

pub async fn send(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    route: Route,
) -> Result<HttpResponse, ApiError> {
    let meta = request_meta(&req, &state);
    let (format, path_id) = prelude(&req, route, &meta)?;
    let mut principal: Option<Principal> = None;
    let mut edge_fields = (None, None);
    let edge = async {
        let p = authenticate(&req, &state, true).await?;
        principal = Some(p.clone());
        // Rule 2 comes before the body is even read (rule 3).
        if !policy::may_send_some((&p).into()) {
            return Err(AppError::Forbidden);
        }
        let body = read_body(&req, payload, state.settings.max_body_bytes).await?;
        let fields = bind(&req, &body, path_id.as_deref(), SEND)?;
        let cmd = command(&fields)?;
        edge_fields = (Some(cmd.checkout_id), cmd.company_id);
        Ok((p, cmd))
    }
    .await;
    let result = match edge {
        Ok((p, cmd)) => send_payment_request(Call::new(&state, &p, &meta), cmd).await,
        Err(e) => {
            // The service audits everything it sees; this covers what never reached it.
            let checkout = edge_fields.0.or_else(|| {
                path_id
                    .as_deref()
                    .and_then(|s| s.parse::<CheckoutId>().ok())
            });
            let who = principal.as_ref();
            audit_refused(&state, &meta, who, (checkout, edge_fields.1), &e).await;
            Err(e)
        }
    };
    let checkout = result.map_err(|e| ApiError::new(e, format, &meta.request_id))?;
    Ok(render::checkout(format, &checkout))
}

pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    route: Route,
) -> Result<HttpResponse, ApiError> {
    let meta = request_meta(&req, &state);
    let (format, path_id) = prelude(&req, route, &meta)?;
    let result = async {
        let p = authenticate(&req, &state, false).await?;
        let fields = bind(&req, &[], path_id.as_deref(), GET)?;
        let cmd = command(&fields)?;
        get_checkout(&state, &p, cmd.company_id, cmd.checkout_id).await
    }
    .await;
    let checkout = result.map_err(|e| ApiError::new(e, format, &meta.request_id))?;
    Ok(render::checkout(format, &checkout))
}

pub async fn method_not_allowed(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let meta = request_meta(&req, &state);
    let any = Route {
        format: None,
        id_in_path: false,
    };
    let format = negotiated(&req, any)
        .map(|(f, _)| f)
        .unwrap_or(Format::Json);
    Err(ApiError::new(
        AppError::MethodNotAllowed,
        format,
        &meta.request_id,
    ))
}

/// A URL that names no operation, answered as ServiceStack does: its `ErrorResponse`, in
/// XML on `/xml/` routes and as negotiated (JSON when in doubt) elsewhere.
pub fn not_found(req: &HttpRequest) -> HttpResponse {
    let request_id = req
        .extensions()
        .get::<crate::http::middleware::RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let any = Route {
        format: req.path().starts_with("/xml/").then_some(Format::Xml),
        id_in_path: false,
    };
    let format = negotiated(req, any).map(|(f, _)| f).unwrap_or(Format::Json);
    actix_web::ResponseError::error_response(&ApiError::new(
        AppError::NotFound(crate::error::Missing::Route),
        format,
        &request_id,
    ))
}

/// The response format, and the `{id}` path segment (minus a `.json`/`.xml` suffix);
/// a format that cannot be served is answered in JSON.
fn prelude(
    req: &HttpRequest,
    route: Route,
    meta: &RequestMeta,
) -> Result<(Format, Option<String>), ApiError> {
    negotiated(req, route).map_err(|e| ApiError::new(e, Format::Json, &meta.request_id))
}

fn negotiated(req: &HttpRequest, route: Route) -> Result<(Format, Option<String>), AppError> {
    let mut route_format = route.format;
    let mut path_id = None;
    if route.id_in_path
        && let Some(raw) = req.match_info().get("id")
    {
        let (id, suffix) = match raw.rsplit_once('.') {
            Some((id, "json")) => (id, Some(Format::Json)),
            Some((id, "xml")) => (id, Some(Format::Xml)),
            _ => (raw, None),
        };
        route_format = route_format.or(suffix);
        path_id = Some(id.to_owned());
    }
    let query = query_fields(req.query_string()).unwrap_or_default();
    let query_format = query.get("format").cloned().flatten();
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    let format = negotiate(query_format.as_deref(), route_format, accept)?;
    Ok((format, path_id))
}

/// API credentials when the caller sent any; else the browser's signed-in session
/// (product.md §2), which for a state-changing call must carry the page's CSRF token in
/// `X-CSRF-Token` and come from our own origin, like a form.
pub(super) async fn authenticate(
    req: &HttpRequest,
    state: &AppState,
    changes_state: bool,
) -> Result<Principal, AppError> {
    let creds = credentials(req, state);
    let meta = request_meta(req, state);
    if creds.bearer.is_some() || creds.api_key.is_some() {
        return api_principal(state, &creds, &meta).await;
    }
    let session = req.get_session();
    let Some(p) = crate::http::session::current(state, &session).await? else {
        return api_principal(state, &creds, &meta).await;
    };
    if changes_state {
        let token = req
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        crate::http::csrf::verify(req, &session, token)?;
    }
    Ok(p)
}

fn credentials(req: &HttpRequest, state: &AppState) -> ApiCredentials {
    let header_str = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let bearer = header_str("authorization").and_then(|v| {
        let (scheme, token) = v.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_owned())
    });
    ApiCredentials {
        bearer: bearer.filter(|t| !t.is_empty()),
        api_key: header_str("x-api-key")
            .filter(|k| !k.is_empty())
            .map(str::to_owned),
        remote_ip: crate::http::client_ip(req, &state.settings),
    }
}

/// Reads at most `limit` bytes; a larger body is refused without reading it all.
pub(super) async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<Vec<u8>, AppError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(AppError::PayloadTooLarge(limit));
    }
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            AppError::BadRequest(format!("The request body could not be read: {e}"))
        })?;
        if body.len() + chunk.len() > limit {
            return Err(AppError::PayloadTooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Query string, then body, then path: later sources win (ServiceStack's binding order).
fn bind(
    req: &HttpRequest,
    body: &[u8],
    path_id: Option<&str>,
    dto: &str,
) -> Result<Fields, AppError> {
    let query = query_fields(req.query_string())?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let body = body_fields(content_type, body, dto)?;
    let path = Fields::from_pairs(path_id.map(|id| ("Id", id)));
    let fields = query.overlay(body).overlay(path);
    // Both DTOs have the same two members.
    fields.check(&["CompanyId", "Id"])?;
    Ok(fields)
}

/// Rule 3: turns raw fields into a command, naming the field that is wrong.
pub(super) fn command(fields: &Fields) -> Result<SendCommand, AppError> {
    let id = match fields
        .get("Id")
        .cloned()
        .flatten()
        .filter(|s| !s.trim().is_empty())
    {
        None => {
            return Err(AppError::invalid(
                "Id",
                "NotEmpty",
                "'Id' must not be empty.",
            ));
        }
        Some(raw) => parse_guid(&raw).map_err(|_| {
            AppError::invalid(
                "Id",
                "InvalidFormat",
                format!("'Id' is not a valid GUID: '{}'", clip(&raw)),
            )
        })?,
    };
    if id.is_nil() {
        return Err(AppError::invalid(
            "Id",
            "NotEmpty",
            "'Id' must not be empty.",
        ));
    }
    let company_id = match fields
        .get("CompanyId")
        .cloned()
        .flatten()
        .filter(|s| !s.trim().is_empty())
    {
        None => None,
        Some(raw) => CompanyId::from_request(parse_guid(&raw).map_err(|_| {
            AppError::invalid(
                "CompanyId",
                "InvalidFormat",
                format!("'CompanyId' is not a valid GUID: '{}'", clip(&raw)),
            )
        })?),
    };
    Ok(SendCommand {
        checkout_id: CheckoutId::from(id),
        company_id,
        note: None,
    })
}

/// Echoed input is shortened so an error never reflects a huge value back.
fn clip(s: &str) -> String {
    s.chars().take(64).collect()
}

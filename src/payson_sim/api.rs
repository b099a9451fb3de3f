//! Payson's REST endpoints under `/2.0/`, matched case-insensitively as Payson does.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use futures_util::stream;
use serde_json::Value;
use uuid::Uuid;

use super::Inner;
use super::faults::{FaultKind, SimEndpoint};
use super::notify;
use super::state::SimError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/2.0/{tail:.*}", web::route().to(dispatch));
}

#[derive(Clone, Copy)]
enum Op {
    Accounts,
    Create,
    List,
    Get(Uuid),
    Update(Uuid),
}

impl Op {
    fn endpoint(&self) -> SimEndpoint {
        match self {
            Op::Accounts => SimEndpoint::Accounts,
            Op::Create => SimEndpoint::Create,
            Op::List => SimEndpoint::List,
            Op::Get(_) => SimEndpoint::Get,
            Op::Update(_) => SimEndpoint::Update,
        }
    }
}

fn route(method: &str, tail: &str) -> Option<Op> {
    let parts: Vec<String> = tail
        .trim_matches('/')
        .split('/')
        .map(str::to_ascii_lowercase)
        .collect();
    match (
        method,
        parts
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice(),
    ) {
        ("GET", ["accounts"]) => Some(Op::Accounts),
        ("POST", ["checkouts"]) => Some(Op::Create),
        ("GET", ["checkouts"]) => Some(Op::List),
        ("GET", ["checkouts", id]) => Uuid::parse_str(id).ok().map(Op::Get),
        ("PUT", ["checkouts", id]) => Uuid::parse_str(id).ok().map(Op::Update),
        _ => None,
    }
}

/// The agent id from `Authorization: Basic base64(agent:key)`, if it matches an account.
fn authenticate(inner: &Inner, req: &HttpRequest) -> Option<String> {
    let header = req.headers().get("authorization")?.to_str().ok()?;
    let (scheme, b64) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (agent, key) = text.split_once(':')?;
    inner.with(|s| s.authenticate(agent, key))
}

fn json(status: u16, body: &Value) -> HttpResponse {
    HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .content_type("application/json; charset=utf-8")
        .body(body.to_string())
}

fn error(e: SimError) -> HttpResponse {
    json(e.status, &e.body)
}

async fn dispatch(req: HttpRequest, body: web::Bytes, inner: web::Data<Inner>) -> HttpResponse {
    let tail = req.match_info().get("tail").unwrap_or("").to_owned();
    let Some(op) = route(req.method().as_str(), &tail) else {
        return json(404, &serde_json::json!({"message": "No such resource."}));
    };
    let endpoint = op.endpoint();
    let fault = inner.with(|s| {
        s.count(endpoint);
        match op {
            Op::Get(id) => s.per_checkout.entry(id).or_default().get += 1,
            Op::Update(id) => s.per_checkout.entry(id).or_default().update += 1,
            _ => {}
        }
        s.take_fault(endpoint)
    });
    if let Some((kind, Some(after_ms))) = fault.as_ref().map(|(k, f)| (k, f.apply_after_ms)) {
        let Some(agent) = authenticate(&inner, &req) else {
            return HttpResponse::Unauthorized().finish();
        };
        let (late, req2) = (inner.clone(), req.clone());
        actix_web::rt::spawn(async move {
            tokio::time::sleep(Duration::from_millis(after_ms)).await;
            let _ = handle(&late, &req2, op, &agent, &body);
        });
        return misbehave(kind).await;
    }
    let fault = fault.map(|(kind, f)| (kind, f.apply_first));
    // Faults that answer instead of Payson, without applying anything.
    let apply_first = match &fault {
        Some((FaultKind::Latency { ms }, _)) => {
            tokio::time::sleep(Duration::from_millis(*ms)).await;
            false
        }
        Some((_, apply_first)) => *apply_first,
        None => false,
    };
    if let Some((kind, _)) = &fault
        && !apply_first
        && !matches!(kind, FaultKind::Latency { .. })
    {
        return misbehave(kind).await;
    }
    let Some(agent) = authenticate(&inner, &req) else {
        return HttpResponse::Unauthorized().finish();
    };
    let response = handle(&inner, &req, op, &agent, &body);
    match fault {
        Some((kind, true)) => misbehave(&kind).await,
        _ => response,
    }
}

fn handle(
    inner: &web::Data<Inner>,
    req: &HttpRequest,
    op: Op,
    agent: &str,
    body: &[u8],
) -> HttpResponse {
    let parse = || -> Result<Value, SimError> {
        serde_json::from_slice(body).map_err(|e| SimError {
            status: 400,
            body: serde_json::json!({"message": format!("The body is not valid JSON: {e}"), "errors": []}),
        })
    };
    match op {
        Op::Accounts => json(200, &inner.with(|s| s.account_json(agent))),
        Op::Create => match parse().and_then(|b| inner.with(|s| s.create(agent, b, &inner.origin)))
        {
            Ok(doc) => {
                let id = doc
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                HttpResponse::Created()
                    .insert_header(("Location", format!("{}/2.0/Checkouts/{id}", inner.origin)))
                    .content_type("application/json; charset=utf-8")
                    .body(Value::Object(doc).to_string())
            }
            Err(e) => error(e),
        },
        Op::Get(id) => match inner.with(|s| s.get(agent, id)) {
            Ok(doc) => json(200, &Value::Object(doc)),
            Err(e) => error(e),
        },
        Op::List => {
            let q: Vec<(String, String)> =
                serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
            let find = |k: &str| {
                q.iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(k))
                    .map(|(_, v)| v.clone())
            };
            let page = find("page").and_then(|p| p.parse().ok()).unwrap_or(1);
            let size = find("pageSize").and_then(|p| p.parse().ok()).unwrap_or(20);
            let status = find("status");
            json(
                200,
                &inner.with(|s| s.list(agent, status.as_deref(), page, size)),
            )
        }
        Op::Update(id) => match parse().and_then(|b| inner.with(|s| s.update(agent, id, b))) {
            Ok((doc, pending)) => {
                notify::schedule(&inner.clone().into_inner(), pending);
                json(200, &Value::Object(doc))
            }
            Err(e) => error(e),
        },
    }
}

async fn misbehave(kind: &FaultKind) -> HttpResponse {
    match kind {
        FaultKind::Latency { .. } => HttpResponse::InternalServerError().finish(),
        FaultKind::Status { code, body } => HttpResponse::build(
            StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        )
        .content_type("application/json; charset=utf-8")
        .body(body.clone()),
        FaultKind::Timeout => {
            // Longer than any client waits; the client gives up first.
            tokio::time::sleep(Duration::from_secs(300)).await;
            HttpResponse::GatewayTimeout().finish()
        }
        FaultKind::Drop => {
            // A body that fails before its first chunk makes actix close the connection
            // while the response head is still in its write buffer, so the client gets no
            // HTTP answer at all (hyper: IncompleteMessage). Tested in tests/api/payson_sim.rs.
            let failing = stream::once(async {
                Err::<web::Bytes, std::io::Error>(std::io::Error::other(
                    "dropped by fault injection",
                ))
            });
            HttpResponse::Ok()
                .content_type("application/json")
                .streaming(failing)
        }
        FaultKind::Malformed => HttpResponse::Ok()
            .content_type("application/json; charset=utf-8")
            .body("<html>Service temporarily unavailable"),
    }
}

//! Bulk send: rows selected in the worklist → a preview (count, total, what will be
//! skipped and why) → confirm → one result per row. Each row goes through the same
//! service as a single send, with its own idempotency key derived from the form's.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::extract::{Chrome, CsrfForm, SignedIn};
use super::page::{PageError, html};
use crate::domain::policy;
use crate::domain::{CheckoutId, CheckoutStatus, Currency, Money};
use crate::error::{AppError, FormProblem, Invalid, Problem};
use crate::service::checkouts::find_visible;
use crate::service::send_once::{SendOutcome, send_once, submission_key};
use crate::state::AppState;

/// More than this in one go is refused: each row is a Payson round trip.
const MAX_ROWS: usize = 200;

pub(super) struct Line {
    pub id: String,
    pub customer: String,
    pub amount: String,
    /// Why the row is skipped, or the outcome after sending, in the reader's language.
    pub note: String,
    pub ok: bool,
}

#[derive(Template)]
#[template(path = "checkouts/bulk.html")]
pub(super) struct BulkPage {
    pub t: super::i18n::Tr,
    pub chrome: Chrome,
    pub done: bool,
    pub lines: Vec<Line>,
    pub sendable: Vec<String>,
    pub total: String,
    pub idempotency_key: String,
}

/// The selected `id=` values, parsed as checkout ids (each once, in order).
fn ids<'a>(selected: impl Iterator<Item = &'a str>) -> Result<Vec<CheckoutId>, AppError> {
    let mut out: Vec<CheckoutId> = Vec::new();
    for v in selected {
        let id = v.parse().map_err(|_| {
            AppError::rejected("id", "InvalidFormat", Invalid::NotACheckoutId(v.to_owned()))
        })?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    if out.is_empty() {
        return Err(AppError::rejected("id", "NotEmpty", Invalid::SelectOne));
    }
    if out.len() > MAX_ROWS {
        return Err(AppError::rejected(
            "id",
            "Length",
            Invalid::SelectAtMost(MAX_ROWS),
        ));
    }
    Ok(out)
}

fn total_text(sums: &BTreeMap<&'static str, (Currency, i64)>, t: super::i18n::Tr) -> String {
    if sums.is_empty() {
        return t.money(Money::from_minor(0, Currency::Sek));
    }
    sums.values()
        .map(|(c, m)| t.money(Money::from_minor(*m, *c)))
        .collect::<Vec<_>>()
        .join(" + ")
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct Selection {
    id: Vec<String>,
}

pub async fn preview(
    req: HttpRequest,
    state: web::Data<AppState>,
    s: SignedIn,
) -> Result<HttpResponse, PageError> {
    let t = s.t;
    let q: Selection = serde_html_form::from_str(req.query_string())
        .map_err(|_| AppError::BadRequest("The selection could not be read".into()))?;
    let selected = ids(q.id.iter().map(String::as_str))?;
    let mut lines = Vec::new();
    let mut sendable = Vec::new();
    let mut sums: BTreeMap<&'static str, (Currency, i64)> = BTreeMap::new();
    for id in selected {
        let (customer, amount, skip) = match find_visible(&state, &s.principal, id).await {
            Ok(c) => {
                let skip = if !policy::may_send_for(s.actor(), c.company_id) {
                    Some(t.not_yours_to_send().to_owned())
                } else if c.status != CheckoutStatus::ReadyToShip {
                    Some(t.has_status(t.status_label(c.status, c.payment_method)))
                } else {
                    let e = sums
                        .entry(c.amount.currency().code())
                        .or_insert((c.amount.currency(), 0));
                    e.1 += c.amount.minor();
                    None
                };
                (c.customer_name.clone(), t.money(c.amount), skip)
            }
            Err(e) => (
                String::new(),
                String::new(),
                Some(t.problem(&Problem::from(&e))),
            ),
        };
        if skip.is_none() {
            sendable.push(id.to_string());
        }
        lines.push(Line {
            id: id.to_string(),
            customer,
            amount,
            ok: skip.is_none(),
            note: skip.map_or_else(|| t.will_be_sent().into(), |s| t.skipped(&s)),
        });
    }
    let page = BulkPage {
        t,
        chrome: s.chrome,
        done: false,
        lines,
        total: total_text(&sums, t),
        sendable,
        idempotency_key: uuid::Uuid::new_v4().to_string(),
    };
    html(StatusCode::OK, &page)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct BulkForm {
    idempotency_key: String,
    id: Vec<String>,
}

pub async fn send(
    CsrfForm(form): CsrfForm<BulkForm>,
    state: web::Data<AppState>,
    s: SignedIn,
) -> Result<HttpResponse, PageError> {
    let key = uuid::Uuid::parse_str(form.idempotency_key.trim())
        .map_err(|_| AppError::Form(FormProblem::Incomplete))?;
    let mut lines = Vec::new();
    for id in ids(form.id.iter().map(String::as_str))? {
        let row_key = submission_key(key, id, true);
        let note = Some("bulk send".to_owned());
        let outcome = match send_once(&state, &s.principal, &s.meta, &row_key, id, note).await {
            Ok(o) => o,
            Err(e @ (AppError::Internal(_) | AppError::Busy)) => return Err(e.into()),
            Err(e) => SendOutcome::NotSent(Problem::from(&e)),
        };
        lines.push(Line {
            id: id.to_string(),
            customer: String::new(),
            amount: String::new(),
            ok: outcome.is_sent(),
            note: s.t.bulk_outcome(&outcome),
        });
    }
    let page = BulkPage {
        t: s.t,
        chrome: s.chrome,
        done: true,
        lines,
        total: String::new(),
        sendable: Vec::new(),
        idempotency_key: key.to_string(),
    };
    html(StatusCode::OK, &page)
}

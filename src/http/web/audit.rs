//! `/audit` and `/audit.csv`: every audit event, filtered by company, user, action,
//! outcome and date, for superadmins and auditors.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::extract::{Chrome, SignedIn};
use super::filters::{
    self, PAGE_SIZE, bad, company_label, company_options, day_range, logged, parsed, trimmed,
};
use super::i18n::Tr;
use super::page::{PageError, html};
use crate::domain::{
    AuditAction, AuditEvent, AuditFilter, AuditOutcome, CompanyId, Principal, Zones,
};
use crate::error::{AppError, FilterField};
use crate::service::audit::{list, user_by_email as audit_user};
use crate::service::checkouts::company_names;
use crate::service::companies::zones;
use crate::state::AppState;

#[derive(Deserialize, Default, Clone)]
pub(super) struct AuditQuery {
    company: Option<String>,
    user: Option<String>,
    action: Option<String>,
    outcome: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
    /// The CSV's dialect: `excel` or `csv` (default: by the reader's language).
    format: Option<String>,
}

pub(super) struct Row {
    pub at: String,
    pub actor: String,
    pub company: String,
    pub checkout: String,
    pub action: String,
    pub outcome: String,
    pub status: u16,
    pub address: String,
    pub message: String,
    pub payson: String,
    pub note: String,
}

/// One event as the pages show it: a sentence in the reader's language, the time in its
/// company's zone; the stored (English) log text and HTTP status kept for who needs them.
pub(super) struct EventView {
    pub at: String,
    pub company: String,
    pub checkout: String,
    pub sentence: String,
    pub outcome: &'static str,
    pub failed: bool,
    pub status: u16,
    pub address: String,
    pub message: String,
    pub payson: String,
    pub note: String,
}

pub(super) fn view(
    t: Tr,
    e: AuditEvent,
    names: &HashMap<CompanyId, String>,
    zones: &Zones,
) -> EventView {
    let ev = e.event;
    EventView {
        at: t.date_time(ev.at, zones.of(ev.company_id)),
        company: company_label(names, ev.company_id),
        checkout: ev.checkout_id.map(|c| c.to_string()).unwrap_or_default(),
        sentence: t.audit_sentence(&ev),
        outcome: t.outcome_label(ev.outcome),
        failed: ev.outcome != AuditOutcome::Success,
        status: ev.http_status,
        address: ev.remote_addr,
        message: ev.message,
        payson: ev.payson_message.unwrap_or_default(),
        note: ev.note.unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "audit/list.html")]
pub(super) struct AuditPage {
    pub t: super::i18n::Tr,
    pub chrome: Chrome,
    pub companies: Vec<(String, String)>,
    pub actions: Vec<(&'static str, &'static str)>,
    pub outcomes: Vec<(&'static str, &'static str)>,
    pub q: AuditQuery,
    pub rows: Vec<EventView>,
    pub csv: String,
    pub next: Option<String>,
}

/// Turns the query into a store filter; an unknown value is a 400 naming it.
async fn filter(
    state: &AppState,
    principal: &Principal,
    q: &AuditQuery,
) -> Result<AuditFilter, AppError> {
    let (from, to) = day_range(&q.from, &q.to)?;
    let actor = match trimmed(&q.user) {
        Some(email) => Some(
            audit_user(state, principal.into(), email)
                .await?
                .ok_or_else(|| bad(FilterField::User))?,
        ),
        None => None,
    };
    Ok(AuditFilter {
        company_id: filters::company(&q.company)?,
        checkout_id: None,
        actor_user_id: actor,
        action: parsed(&q.action, FilterField::Action, AuditAction::parse)?,
        outcome: parsed(&q.outcome, FilterField::Outcome, AuditOutcome::parse)?,
        from,
        to,
        before_id: q.before,
    })
}

/// The filters the page's links carry.
fn fields(q: &AuditQuery) -> [(&'static str, &Option<String>); 6] {
    [
        ("company", &q.company),
        ("user", &q.user),
        ("action", &q.action),
        ("outcome", &q.outcome),
        ("from", &q.from),
        ("to", &q.to),
    ]
}

/// The CSV's row: machine-readable (UTC ISO 8601, stored names).
pub(super) fn row(e: AuditEvent, names: &HashMap<CompanyId, String>) -> Row {
    let ev = e.event;
    Row {
        at: ev.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        actor: ev.actor,
        company: company_label(names, ev.company_id),
        checkout: ev.checkout_id.map(|c| c.to_string()).unwrap_or_default(),
        action: ev.action.name().to_owned(),
        outcome: ev.outcome.name().to_owned(),
        status: ev.http_status,
        address: ev.remote_addr,
        message: ev.message,
        payson: ev.payson_message.unwrap_or_default(),
        note: ev.note.unwrap_or_default(),
    }
}

pub async fn page(
    state: web::Data<AppState>,
    s: SignedIn,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, PageError> {
    let (principal, chrome, t) = (s.principal, s.chrome, s.t);
    let f = filter(&state, &principal, &q).await?;
    let events = list(&state, (&principal).into(), &f, PAGE_SIZE + 1).await?;
    let page = logged(events, "/audit", &fields(&q), |e| e.id);
    let companies = company_names(&state, &principal).await?;
    let names = companies.iter().cloned().collect();
    let zones = zones(&state).await?;
    let tpl = AuditPage {
        t,
        chrome,
        companies: company_options(&companies),
        actions: AuditAction::ALL
            .iter()
            .map(|a| (a.name(), t.action_label(*a)))
            .collect(),
        outcomes: AuditOutcome::ALL
            .iter()
            .map(|o| (o.name(), t.outcome_label(*o)))
            .collect(),
        rows: page
            .rows
            .into_iter()
            .map(|e| view(t, e, &names, &zones))
            .collect(),
        csv: page.csv,
        next: page.next,
        q: q.into_inner(),
    };
    html(StatusCode::OK, &tpl)
}

pub async fn csv(
    state: web::Data<AppState>,
    s: SignedIn,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, PageError> {
    let principal = s.principal;
    let dialect = super::csv::Dialect::choose(q.format.as_deref(), s.t.0);
    let mut f = filter(&state, &principal, &q).await?;
    f.before_id = None;
    let names: std::sync::Arc<HashMap<CompanyId, String>> = std::sync::Arc::new(
        company_names(&state, &principal)
            .await?
            .iter()
            .cloned()
            .collect(),
    );
    // Newest first, a keyset page at a time: each page starts below the last id.
    let fetch = move |before: Option<i64>| {
        let (state, principal, names) = (state.clone(), principal.clone(), names.clone());
        let f = AuditFilter {
            before_id: before,
            ..f.clone()
        };
        async move {
            let events = list(&state, (&principal).into(), &f, super::csv::PAGE).await?;
            let full = events.len() as i64 == super::csv::PAGE;
            let next = events.last().filter(|_| full).map(|e| Some(e.id));
            let rows = events
                .into_iter()
                .map(|e| {
                    let r = row(e, &names);
                    vec![
                        r.at,
                        r.actor,
                        r.company,
                        r.checkout,
                        r.action,
                        r.outcome,
                        r.status.to_string(),
                        r.address,
                        r.message,
                        r.payson,
                        r.note,
                    ]
                })
                .collect();
            Ok::<_, AppError>((rows, next))
        }
    };
    let first = fetch(None).await?;
    Ok(super::csv::streamed(
        "audit.csv",
        dialect,
        &[
            "at",
            "actor",
            "company",
            "checkout",
            "action",
            "outcome",
            "http_status",
            "address",
            "message",
            "payson_message",
            "note",
        ],
        first,
        fetch,
    ))
}

//! `/audit` and `/audit.csv`: every audit event, filtered by company, user, action,
//! outcome and date, for superadmins and auditors.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use serde::Deserialize;

use chrono::SecondsFormat::Secs;

use super::csv::{Column, Dialect, log_export};
use super::extract::{Chrome, SignedIn};
use super::filters::{
    self, LogList, bad, carried, company_label, day_range, log_list, log_of, options, or_empty,
    parsed, trimmed,
};
use super::i18n::Tr;
use super::page::{Page, html};
use crate::domain::{AuditAction, AuditEvent, AuditFilter, AuditOutcome, CompanyId, Zones};
use crate::error::{AppError, FilterField};
use crate::service::audit::{list, user_by_email as audit_user};

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
    pub actions: Vec<(&'static str, &'static str)>,
    pub outcomes: Vec<(&'static str, &'static str)>,
    pub q: AuditQuery,
    pub list: LogList<EventView>,
}

log_of!(AuditFilter, AuditEvent, list);

/// Turns the query into a store filter; an unknown value is a 400 naming it.
async fn filter(s: &SignedIn, q: &AuditQuery) -> Result<AuditFilter, AppError> {
    let (from, to) = day_range(&q.from, &q.to)?;
    let actor = match trimmed(&q.user) {
        Some(email) => Some(
            audit_user(&s.state, s.actor(), email)
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

pub async fn page(s: SignedIn, q: web::Query<AuditQuery>) -> Page {
    let f = filter(&s, &q).await?;
    let fields = carried!(q; company, user, action, outcome, from, to);
    let list = log_list(&s, f, "/audit", &fields, view).await?;
    let t = s.t;
    let tpl = AuditPage {
        t,
        chrome: s.chrome,
        actions: options(&AuditAction::ALL, |a| (a.name(), t.action_label(a))),
        outcomes: options(&AuditOutcome::ALL, |o| (o.name(), t.outcome_label(o))),
        q: q.into_inner(),
        list,
    };
    html(StatusCode::OK, &tpl)
}

/// The CSV's columns: machine-readable (UTC ISO 8601, stored names).
const COLUMNS: [Column<AuditEvent>; 11] = [
    ("at", |e, _| e.event.at.to_rfc3339_opts(Secs, true)),
    ("actor", |e, _| e.event.actor.clone()),
    ("company", |e, names| {
        company_label(names, e.event.company_id)
    }),
    ("checkout", |e, _| or_empty(e.event.checkout_id)),
    ("action", |e, _| e.event.action.name().to_owned()),
    ("outcome", |e, _| e.event.outcome.name().to_owned()),
    ("http_status", |e, _| e.event.http_status.to_string()),
    ("address", |e, _| e.event.remote_addr.clone()),
    ("message", |e, _| e.event.message.clone()),
    ("payson_message", |e, _| {
        or_empty(e.event.payson_message.as_ref())
    }),
    ("note", |e, _| or_empty(e.event.note.as_ref())),
];

pub async fn csv(s: SignedIn, q: web::Query<AuditQuery>) -> Page {
    let dialect = Dialect::choose(q.format.as_deref(), s.t.0);
    let f = filter(&s, &q).await?;
    log_export(s, f, "audit.csv", dialect, &COLUMNS).await
}

//! `/notifications` and `/notifications.csv`: every Payson notification received, filtered
//! by date, checkout, company and result, for superadmins and auditors. The rows of one
//! checkout are also on its page (`checkout.rs`, with `NotificationRow`).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use serde::Deserialize;

use super::csv::{Column, Dialect, log_export};
use super::extract::{Chrome, SignedIn};
use super::filters::{
    self, LogList, carried, company_label, day_range, log_list, log_of, options, or_empty, parsed,
};
use super::i18n::Tr;
use super::page::{Page, html};

use crate::domain::{CompanyId, Notification, NotificationFilter, NotificationResult, Zones};
use crate::error::{AppError, FilterField};
use crate::service::notifications::log;

#[derive(Deserialize, Default, Clone)]
pub(super) struct NotificationQuery {
    checkout: Option<String>,
    company: Option<String>,
    result: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
    /// The CSV's dialect: `excel` or `csv` (default: by the reader's language).
    format: Option<String>,
}

/// One logged notification as the pages show it.
pub struct NotificationRow {
    /// In the company's time zone, for reading.
    pub at: String,
    pub checkout: String,
    /// The company's name; empty for an unknown checkout.
    pub company: String,
    pub address: String,
    /// The status Payson reported, in words.
    pub found: String,
    pub result: NotificationResult,
    pub result_label: &'static str,
    pub ms: i64,
    /// Empty unless the reader may see internal errors and there was one.
    pub error: String,
    pub shared: bool,
    pub attempts: i64,
}

impl NotificationRow {
    pub fn new(t: Tr, n: Notification, names: &HashMap<CompanyId, String>, zones: &Zones) -> Self {
        let e = n.entry;
        Self {
            at: t.date_time(e.received_at, zones.of(e.company_id)),
            checkout: e.checkout_id.map(|c| c.to_string()).unwrap_or_default(),
            company: company_label(names, e.company_id),
            address: e.remote_addr,
            found: e
                .status_found
                .map(|s| t.status_name(s).to_owned())
                .unwrap_or_default(),
            result: e.result,
            result_label: t.notification_result(e.result),
            ms: e.duration_ms,
            error: e.error.unwrap_or_default(),
            shared: e.shared_read,
            attempts: n.attempts,
        }
    }

    pub fn failed(&self) -> bool {
        self.result == NotificationResult::Failed
    }
}

#[derive(Template)]
#[template(path = "notifications/list.html")]
pub(super) struct LogPage {
    pub t: Tr,
    pub chrome: Chrome,
    pub results: Vec<(&'static str, &'static str)>,
    pub q: NotificationQuery,
    pub list: LogList<NotificationRow>,
}

log_of!(NotificationFilter, Notification, log);

/// Turns the query into a store filter; an unreadable value is a 400 naming it.
fn filter(q: &NotificationQuery) -> Result<NotificationFilter, AppError> {
    let (from, to) = day_range(&q.from, &q.to)?;
    Ok(NotificationFilter {
        checkout_id: parsed(&q.checkout, FilterField::Checkout, |c| c.parse().ok())?,
        company_id: filters::company(&q.company)?,
        result: parsed(&q.result, FilterField::Result, NotificationResult::parse)?,
        from,
        to,
        before_id: q.before,
    })
}

pub async fn page(s: SignedIn, q: web::Query<NotificationQuery>) -> Page {
    let fields = carried!(q; checkout, company, result, from, to);
    let list = log_list(
        &s,
        filter(&q)?,
        "/notifications",
        &fields,
        NotificationRow::new,
    )
    .await?;
    let t = s.t;
    let tpl = LogPage {
        t,
        chrome: s.chrome,
        results: options(&NotificationResult::ALL, |r| {
            (r.name(), t.notification_result(r))
        }),
        q: q.into_inner(),
        list,
    };
    html(StatusCode::OK, &tpl)
}

/// The CSV's columns: machine-readable (UTC ISO 8601, stored names).
const COLUMNS: [Column<Notification>; 11] = [
    ("id", |n, _| n.id.to_string()),
    ("received_at", |n, _| n.entry.received_at.to_rfc3339()),
    ("checkout", |n, _| or_empty(n.entry.checkout_id)),
    ("company", |n, names| {
        company_label(names, n.entry.company_id)
    }),
    ("source_address", |n, _| n.entry.remote_addr.clone()),
    ("status_found", |n, _| {
        or_empty(n.entry.status_found.map(|s| s.describe()))
    }),
    ("result", |n, _| n.entry.result.name().to_owned()),
    ("duration_ms", |n, _| n.entry.duration_ms.to_string()),
    ("shared_read", |n, _| n.entry.shared_read.to_string()),
    ("retries", |n, _| n.attempts.to_string()),
    ("error", |n, _| or_empty(n.entry.error.as_ref())),
];

pub async fn csv(s: SignedIn, q: web::Query<NotificationQuery>) -> Page {
    let dialect = Dialect::choose(q.format.as_deref(), s.t.0);
    let f = filter(&q)?;
    log_export(s, f, "notifications.csv", dialect, &COLUMNS).await
}

//! `/notifications` and `/notifications.csv`: every Payson notification received, filtered
//! by date, checkout, company and result, for superadmins and auditors. The rows of one
//! checkout are also on its page (`checkout.rs`, with `NotificationRow`).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::extract::{Chrome, SignedIn};
use super::filters::{self, PAGE_SIZE, company_label, company_options, day_range, logged, parsed};
use super::i18n::Tr;
use super::page::{PageError, html};
use chrono::{DateTime, Utc};

use crate::domain::{
    CheckoutStatus, CompanyId, Notification, NotificationFilter, NotificationResult, Zones,
};
use crate::error::{AppError, FilterField};
use crate::service::checkouts::company_names;
use crate::service::companies::zones;
use crate::service::notifications::log;
use crate::state::AppState;

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
    /// As received, for the CSV.
    pub received_at: DateTime<Utc>,
    pub checkout: String,
    /// The company's name; empty for an unknown checkout.
    pub company: String,
    pub address: String,
    /// The status Payson reported, in words.
    pub found: String,
    pub found_status: Option<CheckoutStatus>,
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
            received_at: e.received_at,
            checkout: e.checkout_id.map(|c| c.to_string()).unwrap_or_default(),
            company: company_label(names, e.company_id),
            address: e.remote_addr,
            found: e
                .status_found
                .map(|s| t.status_name(s).to_owned())
                .unwrap_or_default(),
            found_status: e.status_found,
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
    pub companies: Vec<(String, String)>,
    pub results: Vec<(&'static str, &'static str)>,
    pub q: NotificationQuery,
    pub rows: Vec<NotificationRow>,
    pub csv: String,
    pub next: Option<String>,
}

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

/// The filters the page's links carry.
fn fields(q: &NotificationQuery) -> [(&'static str, &Option<String>); 5] {
    [
        ("checkout", &q.checkout),
        ("company", &q.company),
        ("result", &q.result),
        ("from", &q.from),
        ("to", &q.to),
    ]
}

pub async fn page(
    state: web::Data<AppState>,
    s: SignedIn,
    q: web::Query<NotificationQuery>,
) -> Result<HttpResponse, PageError> {
    let (principal, chrome, t) = (s.principal, s.chrome, s.t);
    let f = filter(&q)?;
    let rows = log(&state, (&principal).into(), &f, PAGE_SIZE + 1).await?;
    let page = logged(rows, "/notifications", &fields(&q), |n| n.id);
    let companies = company_names(&state, &principal).await?;
    let names: HashMap<CompanyId, String> = companies.iter().cloned().collect();
    let zones = zones(&state).await?;
    let tpl = LogPage {
        t,
        chrome,
        companies: company_options(&companies),
        results: NotificationResult::ALL
            .iter()
            .map(|r| (r.name(), t.notification_result(*r)))
            .collect(),
        rows: page
            .rows
            .into_iter()
            .map(|n| NotificationRow::new(t, n, &names, &zones))
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
    q: web::Query<NotificationQuery>,
) -> Result<HttpResponse, PageError> {
    let principal = s.principal;
    let dialect = super::csv::Dialect::choose(q.format.as_deref(), s.t.0);
    let mut f = filter(&q)?;
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
        let mut f = f.clone();
        f.before_id = before;
        async move {
            let rows = log(&state, (&principal).into(), &f, super::csv::PAGE).await?;
            let full = rows.len() as i64 == super::csv::PAGE;
            let next = rows.last().filter(|_| full).map(|n| Some(n.id));
            let rows = rows
                .into_iter()
                .map(|n| {
                    let id = n.id.to_string();
                    let r = NotificationRow::new(
                        Tr(super::i18n::Lang::En),
                        n,
                        &names,
                        &Zones::default(),
                    );
                    vec![
                        id,
                        r.received_at.to_rfc3339(),
                        r.checkout,
                        r.company,
                        r.address,
                        r.found_status.map(|s| s.describe()).unwrap_or_default(),
                        r.result.name().to_owned(),
                        r.ms.to_string(),
                        r.shared.to_string(),
                        r.attempts.to_string(),
                        r.error,
                    ]
                })
                .collect();
            Ok::<_, AppError>((rows, next))
        }
    };
    let first = fetch(None).await?;
    Ok(super::csv::streamed(
        "notifications.csv",
        dialect,
        &[
            "id",
            "received_at",
            "checkout",
            "company",
            "source_address",
            "status_found",
            "result",
            "duration_ms",
            "shared_read",
            "retries",
            "error",
        ],
        first,
        fetch,
    ))
}

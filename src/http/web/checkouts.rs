//! `/checkouts`: the worklist (awaiting checkouts, soonest-expiring first) and any other
//! status, with filters, totals, keyset pages and a CSV of exactly the filtered rows.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::extract::{Chrome, SignedIn};
use super::filters::{self, bad, day_range, trimmed};
use super::page::{PageError, html};
use crate::domain::CheckoutFilter;
use crate::domain::policy;
use crate::domain::{
    Checkout, CheckoutId, CheckoutStatus, CompanyId, Expiry, Money, Principal, Zones,
};
use crate::error::{AppError, FilterField};
use crate::service::checkouts::{list as list_checkouts, totals, visible_company_names};
use crate::state::AppState;

const PAGE_SIZE: i64 = 50;
const CSV_MAX: i64 = 100_000;

pub struct Row {
    pub customer: String,
    pub email: String,
    pub reference: String,
    pub amount: String,
    pub company: String,
    /// The status in words.
    pub status: &'static str,
    /// "expires tomorrow at 14:30", for an awaiting checkout.
    pub expiry: Option<String>,
    pub soon: bool,
    pub id: String,
}

#[derive(Deserialize, Default, Clone)]
pub(super) struct ListQuery {
    status: Option<String>,
    company: Option<String>,
    q: Option<String>,
    from: Option<String>,
    to: Option<String>,
    after: Option<String>,
}

#[derive(Template)]
#[template(path = "checkouts/list.html")]
pub(super) struct ListPage {
    pub t: super::i18n::Tr,
    pub chrome: Chrome,
    pub show_company: bool,
    pub can_send: bool,
    pub companies: Vec<(String, String)>,
    /// Each status's query value (BokaMera's name, kept for links) and its words.
    pub statuses: Vec<(&'static str, &'static str)>,
    pub q: ListQuery,
    pub status: String,
    pub awaiting: bool,
    pub totals: Vec<String>,
    pub rows: Vec<Row>,
    pub next: Option<String>,
    pub csv: String,
}

/// Turns the query into a filter: `awaiting` (default), `all`, or a status name.
fn filter(q: &ListQuery) -> Result<CheckoutFilter, AppError> {
    let (from, to) = day_range(&q.from, &q.to)?;
    let status = match trimmed(&q.status).unwrap_or("awaiting") {
        "awaiting" => Some(CheckoutStatus::ReadyToShip),
        "all" => None,
        other => Some(CheckoutStatus::parse(other).ok_or_else(|| bad(FilterField::Status))?),
    };
    Ok(CheckoutFilter {
        company: filters::company(&q.company)?,
        status,
        text: trimmed(&q.q).map(|t| t.chars().take(200).collect()),
        from,
        to,
    })
}

/// `after` is `<RFC 3339 time>|<checkout id>`; a mangled cursor starts from the top.
fn parse_cursor(s: &str) -> Option<(DateTime<Utc>, CheckoutId)> {
    let (t, id) = s.split_once('|')?;
    Some((
        DateTime::parse_from_rfc3339(t).ok()?.with_timezone(&Utc),
        id.parse().ok()?,
    ))
}

fn query_string(q: &ListQuery, after: Option<String>) -> String {
    let fields = [
        ("status", &q.status),
        ("company", &q.company),
        ("q", &q.q),
        ("from", &q.from),
        ("to", &q.to),
    ];
    filters::query_string(&fields, after.map(|a| ("after", a)))
}

async fn company_names(
    state: &AppState,
    principal: &Principal,
) -> Result<crate::service::checkouts::CompanyNames, AppError> {
    if !policy::is_global(principal.into()) {
        return Ok(std::sync::Arc::default());
    }
    crate::service::checkouts::company_names(state, principal).await
}

fn row(
    c: &Checkout,
    names: &HashMap<CompanyId, &str>,
    zones: &Zones,
    now: DateTime<Utc>,
    t: super::i18n::Tr,
) -> Row {
    let expires = (c.status == CheckoutStatus::ReadyToShip).then(|| c.expires_at().unwrap_or(now));
    Row {
        customer: c.customer_name.clone(),
        email: c.customer_email.clone(),
        reference: c.reference.clone(),
        amount: t.money(c.amount),
        company: names
            .get(&c.company_id)
            .map(|n| (*n).to_owned())
            .unwrap_or_default(),
        status: t.status_label(c.status, c.payment_method),
        expiry: expires.map(|e| t.expiry(Expiry::new(now, e, zones.of(Some(c.company_id))))),
        soon: expires.is_some_and(|e| e - now < chrono::Duration::days(7)),
        id: c.id.to_string(),
    }
}

pub async fn list(
    state: web::Data<AppState>,
    s: SignedIn,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let (principal, chrome, t) = (s.principal, s.chrome, s.t);
    let f = filter(&query)?;
    let after = query.after.as_deref().and_then(parse_cursor);
    let page = list_checkouts(&state, &principal, f.clone(), after, PAGE_SIZE).await?;
    let sums = totals(&state, &principal, f.clone()).await?;
    let list = company_names(&state, &principal).await?;
    let names: HashMap<CompanyId, &str> = list.iter().map(|(id, n)| (*id, n.as_str())).collect();
    let zones = crate::service::companies::zones(&state).await?;
    let now = state.clock.now();
    let next = page.next.map(|(t, id)| {
        let cursor = format!(
            "{}|{id}",
            t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        );
        format!("/checkouts?{}", query_string(&query, Some(cursor)))
    });
    // Already sorted by name.
    let companies = filters::company_options(&list);
    let tpl = ListPage {
        t,
        chrome,
        show_company: policy::is_global((&principal).into()),
        can_send: policy::may_send_some((&principal).into()),
        companies,
        statuses: status_options(t),
        status: trimmed(&query.status).unwrap_or("awaiting").to_owned(),
        awaiting: f.status == Some(CheckoutStatus::ReadyToShip),
        totals: sums
            .iter()
            .map(|(cur, n, sum)| {
                format!(
                    "{}, {}",
                    t.checkouts_count(*n),
                    t.money(Money::from_minor(*sum, *cur))
                )
            })
            .collect(),
        rows: page
            .rows
            .iter()
            .map(|c| row(c, &names, &zones, now, t))
            .collect(),
        next,
        csv: format!("/checkouts.csv?{}", query_string(&query, None)),
        q: query.into_inner(),
    };
    html(StatusCode::OK, &tpl)
}

fn status_options(t: super::i18n::Tr) -> Vec<(&'static str, &'static str)> {
    CheckoutStatus::ALL
        .iter()
        .map(|s| (s.name(), t.status_name(*s)))
        .collect()
}

/// Exactly the rows the filter shows (all pages), with formula-safe cells.
pub async fn csv(
    state: web::Data<AppState>,
    s: SignedIn,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let principal = s.principal;
    let f = filter(&query)?;
    let page = list_checkouts(&state, &principal, f, None, CSV_MAX).await?;
    let names: HashMap<CompanyId, String> = visible_company_names(&state, &principal)
        .await?
        .iter()
        .cloned()
        .collect();
    let rows = page.rows.iter().map(|c| {
        vec![
            c.id.to_string(),
            names.get(&c.company_id).cloned().unwrap_or_default(),
            c.status.name().to_owned(),
            c.amount.to_decimal_string(),
            c.amount.currency().code().to_owned(),
            c.customer_name.clone(),
            c.customer_email.clone(),
            c.reference.clone(),
            c.ready_to_ship_at
                .map(|t| t.to_rfc3339())
                .unwrap_or_default(),
            c.expires_at().map(|t| t.to_rfc3339()).unwrap_or_default(),
        ]
    });
    Ok(super::csv::response(
        "checkouts.csv",
        "checkout,company,status,amount,currency,customer,email,reference,ready_to_ship_at,expires_at",
        rows,
    ))
}

/// The worklist template rendered from memory with `rows` made-up rows and no database:
/// the "bare handler" ceiling that `benches/worklist.rs` compares the real page with.
#[doc(hidden)]
pub fn render_sample(rows: usize) -> String {
    let t = super::i18n::Tr(super::i18n::Lang::En);
    let row = |i: usize| Row {
        customer: format!("Kund {i}"),
        email: format!("kund{i}@example.com"),
        reference: format!("BK-{i}"),
        amount: t.money(Money::from_minor(39_950, crate::domain::Currency::Sek)),
        company: String::new(),
        status: t.status_ready_to_ship(),
        expiry: Some(t.expires_in_days(30_i64)),
        soon: false,
        id: format!("00000000-0000-4000-8000-{i:012x}"),
    };
    let tpl = ListPage {
        t,
        chrome: Chrome {
            user: "a@bench.test".into(),
            nav: crate::domain::policy::Nav {
                audit: false,
                companies: true,
                users: false,
                notifications: false,
            },
            csrf: "x".repeat(43),
        },
        show_company: false,
        can_send: true,
        companies: Vec::new(),
        statuses: status_options(t),
        q: ListQuery::default(),
        status: "awaiting".into(),
        awaiting: true,
        totals: vec!["1000 checkouts, SEK 399,500.00".into()],
        rows: (0..rows).map(row).collect(),
        next: Some("/checkouts?after=x".into()),
        csv: "/checkouts.csv?".into(),
    };
    tpl.render().unwrap_or_default()
}

//! `/checkouts`: the worklist (awaiting checkouts, soonest-expiring first) and any other
//! status, with filters, totals, keyset pages and a CSV of exactly the filtered rows.

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::csv::{self, Dialect};
use super::extract::{Chrome, SignedIn};
use super::filters::{self, bad, day_range, trimmed};
use super::page::{Page, html};
use crate::domain::policy;
use crate::domain::{
    Checkout, CheckoutId, CheckoutStatus, CompanyId, Expiry, Money, Principal, Zones,
};
use crate::domain::{CheckoutFilter, FilterTotals};
use crate::error::{AppError, FilterField};
use crate::service::bulk::MAX_ROWS;
use crate::service::checkouts::{listing, visible_company_names};
use crate::state::AppState;

const PAGE_SIZE: i64 = 50;

pub struct Row {
    /// The row's link text: the customer, else the booking reference, else the short id.
    pub title: String,
    /// The day the checkout was created (the date column of non-awaiting lists), in words
    /// and as `YYYY-MM-DD`, both on the company's calendar.
    pub created: String,
    pub created_on: String,
    pub short_id: String,
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
    /// Awaiting and the reader may send for its company: it gets a checkbox.
    pub sendable: bool,
    /// Ticked: carried from another page of the same selection.
    pub selected: bool,
}

#[derive(Deserialize, Default, Clone)]
pub(super) struct ListQuery {
    pub status: Option<String>,
    pub company: Option<String>,
    pub q: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    after: Option<String>,
    /// The CSV's dialect: `excel` or `csv` (default: by the reader's language).
    format: Option<String>,
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
    /// The next page's cursor, for the bulk form's "next page" (which carries the ticks).
    pub next_cursor: Option<String>,
    pub csv: String,
    /// The overview above the awaiting worklist (none on the other lists).
    pub overview: Option<super::overview::OverviewView>,
    /// This page (filters and page cursor) as a local path, query-encoded, for a
    /// per-row send to return to.
    pub back_q: String,
    /// The one-time message of the last POST that returned here (a per-row send).
    pub flash: Option<super::flash::Flash>,
    /// A search that found nothing in this status: how many it finds in any status, and
    /// the link that shows them.
    pub elsewhere: Option<(String, String)>,
    /// Whether any row on this page can be sent (the bulk controls show only then).
    pub any_sendable: bool,
    /// Ticked ids from other pages, carried as hidden fields.
    pub carried: Vec<String>,
    /// "All N matching the filter": N, the cap, and the preview link.
    pub matching: i64,
    pub max_rows: usize,
    pub all_link: String,
}

/// Turns the query into a filter: `awaiting` (default), `all`, or a status name.
pub(super) fn filter(q: &ListQuery) -> Result<CheckoutFilter, AppError> {
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
    let fields = filters::carried!(q; status, company, q, from, to);
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
    principal: &Principal,
) -> Row {
    let expires = (c.status == CheckoutStatus::ReadyToShip).then(|| c.expires_at().unwrap_or(now));
    let zone = zones.of(Some(c.company_id));
    let title = [c.customer_name.trim(), c.reference.trim()]
        .into_iter()
        .find(|s| !s.is_empty())
        .map_or_else(|| c.id.short(), str::to_owned);
    Row {
        title,
        created: t.date(c.created_at, zone),
        created_on: zone.local(c.created_at).format("%Y-%m-%d").to_string(),
        short_id: c.id.short(),
        email: c.customer_email.clone(),
        reference: c.reference.clone(),
        amount: t.money(c.amount),
        company: names
            .get(&c.company_id)
            .map(|n| (*n).to_owned())
            .unwrap_or_default(),
        status: t.status_label(c.status, c.payment_method),
        expiry: expires.map(|e| t.expiry(Expiry::new(now, e, zone))),
        soon: expires.is_some_and(|e| e - now < chrono::Duration::days(7)),
        id: c.id.to_string(),
        sendable: c.status == CheckoutStatus::ReadyToShip
            && policy::may_send_for(principal.into(), c.company_id),
        selected: false,
    }
}

/// The ticked `id=` values a bulk form's "next page" carried (at most the bulk cap; what
/// does not parse is dropped, the preview checks the rest).
fn carried_ids(req: &HttpRequest) -> Vec<String> {
    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct Ticked {
        id: Vec<String>,
    }
    let ticked: Ticked = serde_html_form::from_str(req.query_string()).unwrap_or_default();
    let mut out: Vec<String> = Vec::new();
    for v in ticked.id {
        if let Ok(id) = v.parse::<CheckoutId>() {
            let id = id.to_string();
            if !out.contains(&id) && out.len() < MAX_ROWS {
                out.push(id);
            }
        }
    }
    out
}

pub async fn list(req: HttpRequest, s: SignedIn, query: web::Query<ListQuery>) -> Page {
    let (state, principal, chrome, t) = (&s.state, s.principal, s.chrome, s.t);
    let f = filter(&query)?;
    let after = query.after.as_deref().and_then(parse_cursor);
    // The page's rows and totals share one look-up of its search.
    let view = listing(&principal, f.clone())?;
    let page = view.page(state, after, PAGE_SIZE).await?;
    let sums = view.totals(state).await?;
    let list = company_names(state, &principal).await?;
    let names: HashMap<CompanyId, &str> = list.iter().map(|(id, n)| (*id, n.as_str())).collect();
    let zones = crate::service::companies::zones(state).await?;
    let now = state.clock.now();
    let overview = if f.status == Some(CheckoutStatus::ReadyToShip) {
        let o =
            crate::service::overview_cache::overview_for_page(state, &principal, &f, &sums).await?;
        Some(super::overview::view(&o, t))
    } else {
        None
    };
    let next_cursor = page.next.map(|(t, id)| {
        format!(
            "{}|{id}",
            t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        )
    });
    let next = next_cursor
        .clone()
        .map(|cursor| format!("/checkouts?{}", query_string(&query, Some(cursor))));
    let mut rows: Vec<Row> = page
        .rows
        .iter()
        .map(|c| row(c, &names, &zones, now, t, &principal))
        .collect();
    let mut carried = carried_ids(&req);
    for r in &mut rows {
        if let Some(i) = carried.iter().position(|c| *c == r.id) {
            r.selected = r.sendable;
            carried.remove(i);
        }
    }
    // The bulk form shows when something here can be ticked, or ticks are carried.
    let any_sendable = rows.iter().any(|r| r.sendable) || !carried.is_empty();
    let matching: i64 = if f.status == Some(CheckoutStatus::ReadyToShip) {
        match &sums {
            FilterTotals::Exact(s) => s.iter().map(|(_, n, _)| *n).sum(),
            FilterTotals::MoreThan(n) => *n,
        }
    } else {
        0
    };
    // Already sorted by name.
    let companies = filters::company_options(&list);
    // Nothing here for a search: say how many the same search finds in any status (bounded
    // like the totals, so a broad search stays as cheap as the page).
    let elsewhere = if page.rows.is_empty() && f.text.is_some() && f.status.is_some() {
        let found = match view.in_status(None).totals(state).await? {
            FilterTotals::Exact(sums) => {
                let n: i64 = sums.iter().map(|(_, n, _)| n).sum();
                (n > 0).then(|| t.flow_matches_elsewhere(n))
            }
            FilterTotals::MoreThan(n) => Some(t.flow_matches_elsewhere_more(n)),
        };
        let mut q = query.clone();
        q.status = Some("all".into());
        found.map(|text| (text, format!("/checkouts?{}", query_string(&q, None))))
    } else {
        None
    };
    let back_q = super::local_path::encoded(&format!(
        "/checkouts?{}",
        query_string(&query, query.after.clone())
    ));
    let tpl = ListPage {
        t,
        chrome,
        show_company: policy::is_global((&principal).into()),
        can_send: policy::may_send_some((&principal).into()),
        companies,
        statuses: status_options(t),
        status: trimmed(&query.status).unwrap_or("awaiting").to_owned(),
        awaiting: f.status == Some(CheckoutStatus::ReadyToShip),
        totals: match sums {
            FilterTotals::Exact(sums) => sums
                .iter()
                .map(|(cur, n, sum)| {
                    format!(
                        "{}, {}",
                        t.checkouts_count(*n),
                        t.money(Money::from_minor(*sum, *cur))
                    )
                })
                .collect(),
            FilterTotals::MoreThan(n) => vec![t.perf_more_than_checkouts(n)],
        },
        rows,
        next,
        next_cursor,
        csv: format!("/checkouts.csv?{}", query_string(&query, None)),
        back_q,
        flash: super::flash::take(&s.session),
        elsewhere,
        any_sendable,
        carried,
        matching,
        max_rows: MAX_ROWS,
        all_link: format!("/checkouts/bulk?all=1&{}", query_string(&query, None)),
        q: query.into_inner(),
        overview,
    };
    html(StatusCode::OK, &tpl)
}

fn status_options(t: super::i18n::Tr) -> Vec<(&'static str, &'static str)> {
    filters::options(&CheckoutStatus::ALL, |s| (s.name(), t.status_name(s)))
}

/// Exactly the rows the filter shows (all pages), with formula-safe cells, streamed a
/// keyset page at a time.
pub async fn csv(s: SignedIn, query: web::Query<ListQuery>) -> Page {
    let (state, principal) = (s.state, s.principal);
    let dialect = Dialect::choose(query.format.as_deref(), s.t.0);
    let f = filter(&query)?;
    let names: Arc<HashMap<CompanyId, String>> = Arc::new(
        visible_company_names(&state, &principal)
            .await?
            .iter()
            .cloned()
            .collect(),
    );
    // Each page of the export is a page of one listing: scoped and permitted once, its
    // search looked up in the index once.
    let view = Arc::new(listing(&principal, f)?);
    let fetch = move |after: Option<(DateTime<Utc>, CheckoutId)>| {
        let (state, view, names) = (state.clone(), view.clone(), names.clone());
        async move {
            let page = view.page(&state, after, csv::PAGE).await?;
            let rows = page
                .rows
                .iter()
                .map(|c| csv_row(c, &names, dialect))
                .collect();
            Ok::<_, AppError>((rows, page.next.map(Some)))
        }
    };
    let first = fetch(None).await?;
    Ok(csv::streamed(
        "checkouts.csv",
        dialect,
        &[
            "checkout",
            "company",
            "status",
            "amount",
            "currency",
            "customer",
            "email",
            "reference",
            "ready_to_ship_at",
            "expires_at",
        ],
        first,
        fetch,
    ))
}

fn csv_row(c: &Checkout, names: &HashMap<CompanyId, String>, dialect: Dialect) -> Vec<String> {
    vec![
        c.id.to_string(),
        names.get(&c.company_id).cloned().unwrap_or_default(),
        c.status.name().to_owned(),
        dialect.decimal(c.amount.to_decimal_string()),
        c.amount.currency().code().to_owned(),
        c.customer_name.clone(),
        c.customer_email.clone(),
        c.reference.clone(),
        c.ready_to_ship_at
            .map(|t| t.to_rfc3339())
            .unwrap_or_default(),
        c.expires_at().map(|t| t.to_rfc3339()).unwrap_or_default(),
    ]
}

/// The worklist template rendered from memory with `rows` made-up rows and no database:
/// the "bare handler" ceiling that `benches/load.rs` compares the real page with.
#[doc(hidden)]
pub fn render_sample(rows: usize) -> String {
    let t = super::i18n::Tr(super::i18n::Lang::En);
    let row = |i: usize| Row {
        title: format!("Kund {i}"),
        created: "1 Jan 2026".into(),
        created_on: "2026-01-01".into(),
        short_id: format!("{i:08x}"),
        email: format!("kund{i}@example.com"),
        reference: format!("BK-{i}"),
        amount: t.money(Money::from_minor(39_950, crate::domain::Currency::Sek)),
        company: String::new(),
        status: t.status_ready_to_ship(),
        expiry: Some(t.expires_in_days(30_i64)),
        soon: false,
        id: format!("00000000-0000-4000-8000-{i:012x}"),
        sendable: true,
        selected: false,
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
        next_cursor: Some("x".into()),
        csv: "/checkouts.csv?".into(),
        overview: None,
        back_q: "%2Fcheckouts%3F".into(),
        flash: None,
        elsewhere: None,
        any_sendable: true,
        carried: Vec::new(),
        matching: 1000,
        max_rows: MAX_ROWS,
        all_link: "/checkouts/bulk?all=1&".into(),
    };
    tpl.render().unwrap_or_default()
}

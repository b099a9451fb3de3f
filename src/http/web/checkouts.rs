//! `/checkouts`: the worklist of checkouts awaiting a payment request.

use std::collections::HashMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::page::{PageError, html};
use super::{csrf, session};
use crate::domain::CheckoutId;
use crate::service::checkouts::worklist;
use crate::state::AppState;

const PAGE_SIZE: i64 = 50;

pub struct Row {
    pub customer: String,
    pub email: String,
    pub reference: String,
    pub amount: String,
    pub company: String,
    pub expires_in_days: i64,
    pub soon: bool,
    pub id: String,
}

#[derive(Template)]
#[template(path = "checkouts/list.html")]
struct ListPage {
    user: String,
    audit_link: bool,
    csrf: String,
    show_company: bool,
    rows: Vec<Row>,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    after: Option<String>,
}

/// `after` is `<RFC 3339 time>|<checkout id>`; a mangled cursor starts from the top.
fn parse_cursor(s: &str) -> Option<(DateTime<Utc>, CheckoutId)> {
    let (t, id) = s.split_once('|')?;
    Some((
        DateTime::parse_from_rfc3339(t).ok()?.with_timezone(&Utc),
        id.parse().ok()?,
    ))
}

pub async fn list(
    state: web::Data<AppState>,
    session: Session,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let principal = session::require(&state, &session).await?;
    let after = query.after.as_deref().and_then(parse_cursor);
    let page = worklist(&state, &principal, after, PAGE_SIZE).await?;
    let names: HashMap<_, _> = if principal.is_global() {
        state
            .store
            .companies()
            .await
            .map_err(crate::error::AppError::from)?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect()
    } else {
        HashMap::new()
    };
    let now = state.clock.now();
    let rows = page
        .rows
        .iter()
        .map(|c| {
            let days = c.expires_at().map_or(0, |e| (e - now).num_days());
            Row {
                customer: c.customer_name.clone(),
                email: c.customer_email.clone(),
                reference: c.reference.clone(),
                amount: c.amount.format_sv(),
                company: names.get(&c.company_id).cloned().unwrap_or_default(),
                expires_in_days: days,
                soon: days < 7,
                id: c.id.to_string(),
            }
        })
        .collect();
    let next = page.next.map(|(t, id)| {
        let cursor = format!(
            "{}|{id}",
            t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        );
        format!(
            "/checkouts?{}",
            serde_urlencoded::to_string([("after", cursor)]).unwrap_or_default()
        )
    });
    let tpl = ListPage {
        user: principal.email.clone(),
        audit_link: principal.has_any(&[
            crate::domain::Role::SuperAdmin,
            crate::domain::Role::Auditor,
        ]),
        csrf: csrf::token(&session)?,
        show_company: principal.is_global(),
        rows,
        next,
    };
    html(StatusCode::OK, &tpl)
}

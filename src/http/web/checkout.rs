//! One checkout: details, Payson's status timeline, its audit events, *Refresh from
//! Payson*, the confirmed *Send payment request*, and the isolated snippet preview.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::audit::{EventView, view as audit_view};
use super::extract::{Chrome, NoFields, Post, SignedIn};
use super::flash::{self, Flash, Notice};
use super::local_path::{encoded, local_path};
use super::notifications::NotificationRow;
use super::page::{Page, html, see_other};
use crate::domain::policy::{self, Actor};
use crate::domain::{
    Checkout, CheckoutId, CheckoutStatus, Expiry, PaymentMethod, Principal, Zones,
};
use crate::error::{AppError, FormProblem, Missing};
use crate::service::checkouts::{
    checkout_events, company, find_visible, refresh_visible, timeline as steps,
};
use crate::service::send_once::{SendOutcome, outcome, send_once, submission_key};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "checkouts/show.html")]
pub(super) struct ShowPage {
    pub t: super::i18n::Tr,
    pub chrome: Chrome,
    pub id: String,
    pub company: String,
    pub status: &'static str,
    pub amount: String,
    pub method: &'static str,
    pub customer: String,
    pub email: String,
    pub reference: String,
    pub purchase_id: String,
    pub expires: String,
    /// "expires tomorrow at 14:30", while it awaits a payment request.
    pub expiry: Option<String>,
    pub zone: &'static str,
    /// When, what, and who (empty where Payson moved it on).
    pub timeline: Vec<(String, &'static str, String)>,
    pub events: Vec<EventView>,
    /// BokaMera's status ("ReadyToShip - 5"), Payson's, and the method's code: for API users.
    pub bokamera_status: String,
    pub payson_status: String,
    pub method_code: &'static str,
    pub notifications: Vec<NotificationRow>,
    pub can_send: bool,
    pub has_snippet: bool,
    pub flash: Option<SendOutcome>,
    /// After a send that did not go through: a fresh idempotency key for *Try again*.
    pub retry_key: Option<String>,
    /// Where *Try again* returns (the worklist it came from), if anywhere.
    pub back: String,
    /// What the last POST here did (*Refresh from Payson*).
    pub notice: Option<Flash>,
}

#[derive(Template)]
#[template(path = "checkouts/confirm.html")]
pub(super) struct ConfirmPage {
    pub t: super::i18n::Tr,
    pub chrome: Chrome,
    pub id: String,
    pub consequence: String,
    pub idempotency_key: String,
    /// The checkout's status when it is no longer awaiting: nothing to confirm.
    pub already: Option<String>,
    /// The worklist to return to (a local path), or empty for the checkout's page.
    pub back: String,
}

#[derive(Template)]
#[template(path = "checkouts/preview.html")]
pub(super) struct PreviewPage<'a> {
    pub t: super::i18n::Tr,
    pub snippet: &'a str,
}

#[derive(Deserialize)]
pub struct ShowQuery {
    result: Option<String>,
    back: Option<String>,
}

#[derive(Deserialize)]
pub struct BackQuery {
    back: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SendForm {
    idempotency_key: String,
    note: String,
    back: String,
}

/// The local path in `raw`, or empty.
fn back_path(raw: Option<&str>) -> String {
    raw.and_then(local_path).unwrap_or_default().to_owned()
}

/// How a row names its checkout to a person: the customer (or e-mail) and the booking.
fn label(c: &Checkout) -> String {
    let who = if c.customer_name.is_empty() {
        &c.customer_email
    } else {
        &c.customer_name
    };
    match (who.is_empty(), c.reference.is_empty()) {
        (false, false) => format!("{who} ({})", c.reference),
        (false, true) => who.clone(),
        (true, false) => c.reference.clone(),
        (true, true) => c.id.to_string(),
    }
}

fn checkout_id(raw: &str) -> Result<CheckoutId, AppError> {
    raw.parse()
        .map_err(|_| AppError::NotFound(Missing::Checkout))
}

/// The checkout the path names, if the principal may see it.
async fn visible(state: &AppState, principal: &Principal, raw: &str) -> Result<Checkout, AppError> {
    find_visible(state, principal, checkout_id(raw)?).await
}

pub async fn show(s: SignedIn, path: web::Path<String>, query: web::Query<ShowQuery>) -> Page {
    let (principal, chrome, t) = (s.principal, s.chrome, s.t);
    let c = visible(&s.state, &principal, &path).await?;
    let company = company(&s.state, c.company_id).await?;
    let zone = company.time_zone;
    let zones = Zones([(company.id, zone)].into_iter().collect());
    let names = [(company.id, company.name.clone())].into_iter().collect();
    let audit = checkout_events(&s.state, &principal, &c).await?;
    let timeline = steps(&c, &audit)
        .into_iter()
        .map(|s| {
            let who =
                s.by.map(|a| t.timeline_by(&t.actor_words(&a)))
                    .unwrap_or_default();
            (
                t.date_time(s.at, zone),
                t.status_label(s.status, c.payment_method),
                who,
            )
        })
        .collect();
    // Oldest first, like the timeline: the page reads as a history.
    let mut events: Vec<EventView> = Vec::with_capacity(audit.len());
    for e in audit.into_iter().rev() {
        events.push(audit_view(t, e, &names, &zones));
    }
    let notifications = crate::service::notifications::for_checkout(&s.state, &principal, &c)
        .await?
        .into_iter()
        .map(|n| NotificationRow::new(t, n, &names, &zones))
        .collect();
    let now = s.state.clock.now();
    let flash = match query.result.as_deref() {
        Some(key) => outcome(&s.state, &principal, key, c.id)
            .await?
            .filter(|o| *o != SendOutcome::Pending),
        None => None,
    };
    let can_send = c.status == CheckoutStatus::ReadyToShip
        && policy::may_send_for(Actor::from(&principal), c.company_id);
    // The failed attempt's key would only find its failure again: a retry is a new send.
    let retry_key = (can_send && flash.as_ref().is_some_and(|o| !o.is_sent()))
        .then(|| uuid::Uuid::new_v4().to_string());
    let page = ShowPage {
        t,
        chrome,
        id: c.id.to_string(),
        company: company.name,
        status: t.status_label(c.status, c.payment_method),
        amount: t.money(c.amount),
        method: t.method_label(c.payment_method),
        customer: c.customer_name.clone(),
        email: c.customer_email.clone(),
        reference: c.reference.clone(),
        purchase_id: c.purchase_id.map(|p| p.to_string()).unwrap_or_default(),
        expires: c
            .expires_at()
            .map(|at| t.date_time(at, zone))
            .unwrap_or_default(),
        expiry: c
            .expires_at()
            .filter(|_| c.status == CheckoutStatus::ReadyToShip)
            .map(|at| t.expiry(Expiry::new(now, at, zone))),
        zone: zone.name(),
        timeline,
        events,
        bokamera_status: c.status.describe(),
        payson_status: c.payson_status.clone(),
        method_code: c.payment_method.name(),
        notifications,
        can_send,
        has_snippet: c.snippet.is_some(),
        flash,
        retry_key,
        back: back_path(query.back.as_deref()),
        notice: flash::take(&s.session),
    };
    html(StatusCode::OK, &page)
}

/// The confirmation step: says what will happen before anything does.
pub async fn confirm(s: SignedIn, path: web::Path<String>, query: web::Query<BackQuery>) -> Page {
    let c = visible(&s.state, &s.principal, &path).await?;
    if !policy::may_send_for(s.actor(), c.company_id) {
        return Err(AppError::Forbidden.into());
    }
    let t = s.t;
    let who = if c.customer_name.is_empty() {
        c.customer_email.clone()
    } else {
        format!("{} <{}>", c.customer_name, c.customer_email)
    };
    let amount = t.money(c.amount);
    let consequence = match c.payment_method {
        PaymentMethod::Invoice => t.consequence_invoice(&amount, &who),
        _ => t.consequence_capture(&amount, &who),
    };
    // Reached again after sending (Back, a second tab): say so instead of asking.
    let already = (c.status != CheckoutStatus::ReadyToShip).then(|| c.status.name().to_owned());
    let page = ConfirmPage {
        t,
        chrome: s.chrome,
        id: c.id.to_string(),
        consequence,
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        already,
        back: back_path(query.back.as_deref()),
    };
    html(StatusCode::OK, &page)
}

/// Sends once per idempotency key: a double click or a resubmitted form finds the first
/// submission and shows its outcome.
///
/// A form posted from the worklist (`back`) returns there with a flash naming the
/// checkout when it was sent, and goes to the checkout's page (with *Try again*) when it
/// was not. A script asking for JSON (the worklist's dialog) gets the outcome as JSON.
pub async fn send(
    req: HttpRequest,
    Post { form, s }: Post<SendForm>,
    path: web::Path<String>,
) -> Page {
    let id = checkout_id(&path)?;
    let form_key = uuid::Uuid::parse_str(form.idempotency_key.trim())
        .map_err(|_| AppError::Form(FormProblem::Incomplete))?;
    let key = submission_key(form_key, id, false);
    let outcome = send_once(s.user_call(), &key, id, Some(form.note)).await?;
    let wants_json = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.starts_with("application/json"));
    // What the worklist says about a sent row: the checkout by its customer and booking.
    let sent = match &outcome {
        SendOutcome::Sent(status) => {
            let c = visible(&s.state, &s.principal, &path).await?;
            Some(Notice::CheckoutSent(label(&c), status.name().to_owned()))
        }
        _ => None,
    };
    if wants_json {
        let body = serde_json::json!({
            "sent": outcome.is_sent(),
            "pending": outcome == SendOutcome::Pending,
            "message": s.t.send_outcome(&outcome),
            "notice": sent.as_ref().map(|n| s.t.flash(&Flash::Done(n.clone()))),
        });
        return Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(body));
    }
    let back = back_path(Some(&form.back));
    if let (Some(notice), false) = (sent, back.is_empty()) {
        flash::set(&s.session, Flash::Done(notice));
        return Ok(see_other(&back));
    }
    let back_q = if back.is_empty() {
        String::new()
    } else {
        format!("&back={}", encoded(&back))
    };
    Ok(see_other(&format!("/checkouts/{id}?result={key}{back_q}")))
}

pub async fn refresh(Post { s, .. }: Post<NoFields>, path: web::Path<String>) -> Page {
    let id = checkout_id(&path)?;
    // Our copy's status before, so the page can say what Payson changed.
    let before = visible(&s.state, &s.principal, &path).await?.status;
    let notice = match refresh_visible(s.user_call(), id).await {
        Ok(c) if c.status == before => Flash::Done(Notice::RefreshedNoChange),
        Ok(c) => Flash::Done(Notice::RefreshedNow(c.status.name().to_owned())),
        // Payson's answer is shown on the checkout's page rather than as an error page:
        // the copy we have still stands.
        Err(e @ (AppError::PaysonUnavailable(_) | AppError::PaysonRefused(_))) => {
            Flash::Refused(crate::error::Problem::from(&e))
        }
        Err(e) => return Err(e.into()),
    };
    flash::set(&s.session, notice);
    Ok(see_other(&format!("/checkouts/{id}")))
}

/// The Payson snippet on a page of its own: its own CSP (only Payson's origins), framed
/// only by us, and shown in a sandbox without `allow-same-origin`, so its script never
/// runs in the admin desk's origin.
pub async fn snippet(s: SignedIn, path: web::Path<String>) -> Page {
    let c = visible(&s.state, &s.principal, &path).await?;
    let company = company(&s.state, c.company_id).await?;
    let mut origins: Vec<String> = s.state.settings.payson.snippet_origins.clone();
    if let Some(o) = origin_of(&company.payson_base_url) {
        origins.push(o);
    }
    let sources = origins.join(" ");
    let csp = format!(
        "default-src 'none'; script-src {sources}; frame-src {sources}; connect-src {sources}; img-src {sources} data:; \
         style-src 'unsafe-inline' {sources}; form-action 'none'; base-uri 'none'; frame-ancestors 'self'"
    );
    let body = PreviewPage {
        t: s.t,
        snippet: c.snippet.as_deref().unwrap_or(""),
    }
    .render()
    .map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, csp))
        .insert_header((header::X_FRAME_OPTIONS, "SAMEORIGIN"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

/// `scheme://host[:port]` of a URL, if it is an http(s) URL without odd characters.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next()?;
    let ok = !host.is_empty()
        && host
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '-' | ':' | '[' | ']'));
    ok.then(|| format!("{scheme}://{host}"))
}

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn origins() {
        assert_eq!(
            origin_of("https://api.payson.se/2.0/").as_deref(),
            Some("https://api.payson.se")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8081/2.0/").as_deref(),
            Some("http://127.0.0.1:8081")
        );
        assert_eq!(origin_of("javascript:alert(1)"), None);
        assert_eq!(origin_of("https://a b/"), None);
        assert_eq!(origin_of("https://x'; script-src *"), None);
    }
}

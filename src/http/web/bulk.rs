//! Bulk send: rows selected in the worklist (or "all matching the filter") → a preview
//! of every row with what will happen or why it is skipped → confirm, which makes a
//! background job and redirects to its progress page → a summary, failures first.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;

use super::checkouts::{ListQuery, filter};
use super::extract::{Chrome, Post, SignedIn};
use super::i18n::Tr;
use super::page::{Page, html, see_other};
use crate::domain::{BulkJobId, BulkSkip, CheckoutId, Money};
use crate::error::{AppError, FormProblem, Invalid, Missing, Problem};
use crate::service::bulk::{self, MAX_ROWS, RowResult};

/// One row of the preview or of a job's page.
pub(super) struct Line {
    pub id: String,
    /// The first part of the id, as the row's link text (the full id is the link).
    pub short: String,
    pub customer: String,
    pub amount: String,
    /// What will happen, why it is skipped, or how it ended, in the reader's language.
    pub note: String,
    /// `ok`, `pending`, `skip` or `failed`: the row's class.
    pub kind: &'static str,
}

fn line(
    id: CheckoutId,
    customer: &str,
    amount: Option<Money>,
    note: String,
    kind: &'static str,
    t: Tr,
) -> Line {
    let id = id.to_string();
    Line {
        short: id.chars().take(8).collect(),
        id,
        customer: customer.to_owned(),
        amount: amount.map(|m| t.money(m)).unwrap_or_default(),
        note,
        kind,
    }
}

fn skip_reason(s: BulkSkip, id: CheckoutId, t: Tr) -> String {
    match s {
        BulkSkip::NotYours => t.not_yours_to_send().to_owned(),
        BulkSkip::Status(st) => t.has_status(t.status_name(st)),
        BulkSkip::NotFound => t.problem(&Problem::NotFound(Missing::CheckoutId(id.to_string()))),
    }
}

fn total_text(sums: &[Money], t: Tr) -> String {
    if sums.is_empty() {
        return t.money(Money::from_minor(0, crate::domain::Currency::Sek));
    }
    sums.iter()
        .map(|m| t.money(*m))
        .collect::<Vec<_>>()
        .join(" + ")
}

#[derive(Template)]
#[template(path = "checkouts/bulk.html")]
pub(super) struct PreviewPage {
    pub t: Tr,
    pub chrome: Chrome,
    pub lines: Vec<Line>,
    /// Every selected id (skipped ones too, so the summary names them).
    pub selected: Vec<String>,
    pub sendable: usize,
    pub total: String,
    /// "All matching": how many the filter matched, when more than could be taken.
    pub capped: Option<i64>,
    pub max_rows: usize,
    pub idempotency_key: String,
    /// False: the rows' last column says what will happen (`bulk_rows.html`).
    pub job: bool,
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
        // Checked here too, so a huge query is not parsed to the end.
        if out.len() > MAX_ROWS {
            return Err(AppError::rejected(
                "id",
                "Length",
                Invalid::SelectAtMost(MAX_ROWS),
            ));
        }
    }
    Ok(out)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct Selection {
    id: Vec<String>,
    /// `all=1`: every awaiting checkout the filter (the worklist's fields) matches.
    all: Option<String>,
}

pub async fn preview(req: HttpRequest, s: SignedIn) -> Page {
    let t = s.t;
    let unreadable = |_| AppError::Form(FormProblem::Selection);
    let q: Selection = serde_html_form::from_str(req.query_string()).map_err(unreadable)?;
    let (selected, capped) = if q.all.is_some() {
        let lq: ListQuery = serde_html_form::from_str(req.query_string()).map_err(unreadable)?;
        let (ids, all) = bulk::matching(&s.state, &s.principal, filter(&lq)?).await?;
        (ids, (all > MAX_ROWS as i64).then_some(all))
    } else {
        (ids(q.id.iter().map(String::as_str))?, None)
    };
    let plan = bulk::preview(&s.state, &s.principal, &selected).await?;
    let lines = plan
        .rows
        .iter()
        .map(|p| match p.skip {
            None => line(
                p.id,
                &p.customer,
                p.amount,
                t.will_be_sent().into(),
                "ok",
                t,
            ),
            Some(why) => line(
                p.id,
                &p.customer,
                p.amount,
                t.skipped(&skip_reason(why, p.id, t)),
                "skip",
                t,
            ),
        })
        .collect();
    let page = PreviewPage {
        t,
        chrome: s.chrome,
        lines,
        selected: selected.iter().map(ToString::to_string).collect(),
        sendable: plan.sendable().count(),
        total: total_text(&plan.totals(), t),
        capped,
        max_rows: MAX_ROWS,
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        job: false,
    };
    html(StatusCode::OK, &page)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct BulkForm {
    idempotency_key: String,
    id: Vec<String>,
}

/// Makes the job (or finds the one this form made) and shows its progress.
pub async fn send(Post { form, s }: Post<BulkForm>) -> Page {
    let key = uuid::Uuid::parse_str(form.idempotency_key.trim())
        .map_err(|_| AppError::Form(FormProblem::Incomplete))?;
    let selected = ids(form.id.iter().map(String::as_str))?;
    let job = bulk::create(s.user_call(), key, &selected).await?;
    Ok(see_other(&format!("/checkouts/bulk/{job}")))
}

#[derive(Template)]
#[template(path = "checkouts/bulk_job.html")]
pub(super) struct JobPage {
    pub t: Tr,
    pub chrome: Chrome,
    pub running: bool,
    pub lines: Vec<Line>,
    pub sent: usize,
    pub failed: usize,
    pub skipped: usize,
    pub pending: usize,
    pub sent_total: String,
    pub failed_total: String,
    /// True: the rows' last column is each one's result (`bulk_rows.html`).
    pub job: bool,
}

/// A job's progress (refreshing itself every 2 s while rows are left) and, once all are
/// done, its summary.
pub async fn job(path: web::Path<String>, s: SignedIn) -> Page {
    let t = s.t;
    let id: BulkJobId = path
        .parse()
        .map_err(|_| AppError::NotFound(Missing::BulkJob))?;
    let v = bulk::view(&s.state, &s.principal, id).await?;
    let lines = v
        .rows
        .iter()
        .map(|r| {
            let (note, kind) = match &r.result {
                RowResult::Pending => (t.bulk_row_pending().to_owned(), "pending"),
                RowResult::Sent(o) => (t.bulk_outcome(o), "ok"),
                RowResult::Failed(o) => (t.bulk_outcome(o), "failed"),
                RowResult::Skipped(why) => (t.skipped(&skip_reason(*why, r.id, t)), "skip"),
            };
            line(r.id, &r.customer, r.amount, note, kind, t)
        })
        .collect();
    let page = JobPage {
        t,
        chrome: s.chrome,
        running: v.running(),
        lines,
        sent: v.sent.rows,
        failed: v.failed.rows,
        skipped: v.skipped,
        pending: v.pending,
        sent_total: total_text(&v.sent.total, t),
        failed_total: total_text(&v.failed.total, t),
        job: true,
    };
    html(StatusCode::OK, &page)
}

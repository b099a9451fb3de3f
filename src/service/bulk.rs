//! Bulk send: the preview of a selection, the job a confirmed selection becomes, its
//! progress and summary, and the background worker every instance runs.
//!
//! A job's rows are the desk's per-row submissions (`send_once`, keyed by
//! `submission_key(form key, checkout, true)`), so a row reaches Payson at most once
//! whoever works on it and however often. The worker takes rows with a lease
//! (`Store::bulk_take_rows`): a job left by an instance that died is finished by another
//! once the lease runs out, and two instances never work on one row at once.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Duration as Span;
use futures_util::StreamExt;
use uuid::Uuid;

use crate::domain::policy::{self, Actor};
use crate::domain::{
    AuditAction, BulkJob, BulkJobId, BulkRow, BulkRowState, BulkSkip, CheckoutFilter, CheckoutId,
    CheckoutStatus, Currency, Money, Principal,
};
use crate::error::{AppError, Invalid, Missing, Problem};
use crate::state::AppState;

use super::audit::Entry;
use super::checkouts::find_visible;
use super::reconcile::{Confirmed, confirm_claim};
use super::send_once::{SendOutcome, send_once, submission_key};
use super::{Call, RequestMeta, permitted};

/// Most rows one bulk send may have (the worklist says so before anyone selects).
pub const MAX_ROWS: usize = 500;

/// One selected checkout and what a send would do with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub id: CheckoutId,
    /// Empty, and `None`, for a checkout that was not found.
    pub customer: String,
    pub amount: Option<Money>,
    /// `None`: it will be sent.
    pub skip: Option<BulkSkip>,
}

/// What a selection would do, row by row, with the total to be sent per currency.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub rows: Vec<Planned>,
}

impl Plan {
    pub fn sendable(&self) -> impl Iterator<Item = &Planned> {
        self.rows.iter().filter(|r| r.skip.is_none())
    }

    /// The amounts to be sent, one per currency (in currency code order).
    pub fn totals(&self) -> Vec<Money> {
        sums(self.sendable().filter_map(|r| r.amount))
    }
}

fn sums(amounts: impl Iterator<Item = Money>) -> Vec<Money> {
    let mut by: BTreeMap<&'static str, (Currency, i64)> = BTreeMap::new();
    for m in amounts {
        by.entry(m.currency().code()).or_insert((m.currency(), 0)).1 += m.minor();
    }
    by.into_values()
        .map(|(c, n)| Money::from_minor(n, c))
        .collect()
}

/// A selection must name between one and `MAX_ROWS` checkouts.
fn check_size(ids: &[CheckoutId]) -> Result<(), AppError> {
    if ids.is_empty() {
        return Err(AppError::rejected("id", "NotEmpty", Invalid::SelectOne));
    }
    if ids.len() > MAX_ROWS {
        return Err(AppError::rejected(
            "id",
            "Length",
            Invalid::SelectAtMost(MAX_ROWS),
        ));
    }
    Ok(())
}

/// What sending `ids` would do. Sends nothing.
pub async fn preview(
    state: &AppState,
    principal: &Principal,
    ids: &[CheckoutId],
) -> Result<Plan, AppError> {
    check_size(ids)?;
    let actor = Actor::from(principal);
    permitted(policy::may_view_checkouts(actor))?;
    let mut rows = Vec::with_capacity(ids.len());
    for &id in ids {
        let row = match find_visible(state, principal, id).await {
            Ok(c) => Planned {
                id,
                customer: c.customer_name.clone(),
                amount: Some(c.amount),
                skip: if !policy::may_send_for(actor, c.company_id) {
                    Some(BulkSkip::NotYours)
                } else if c.status != CheckoutStatus::ReadyToShip {
                    Some(BulkSkip::Status(c.status))
                } else {
                    None
                },
            },
            Err(AppError::NotFound(_)) => Planned {
                id,
                customer: String::new(),
                amount: None,
                skip: Some(BulkSkip::NotFound),
            },
            Err(e) => return Err(e),
        };
        rows.push(row);
    }
    Ok(Plan { rows })
}

/// The awaiting checkouts `filter` matches (at most `MAX_ROWS`, soonest-expiring first),
/// and how many it matches in all: "all N matching the filter".
pub async fn matching(
    state: &AppState,
    principal: &Principal,
    mut filter: CheckoutFilter,
) -> Result<(Vec<CheckoutId>, i64), AppError> {
    filter.status = Some(CheckoutStatus::ReadyToShip);
    let page = super::checkouts::listing(principal, filter.clone())?
        .page(state, None, MAX_ROWS as i64)
        .await?;
    let all: i64 = super::checkouts::totals(state, principal, filter)
        .await?
        .iter()
        .map(|(_, n, _)| *n)
        .sum();
    Ok((page.rows.iter().map(|c| c.id).collect(), all))
}

/// Makes the job for a confirmed selection, or finds the one this form already made (a
/// resubmitted form makes no second job). The worker sends its rows.
pub async fn create(
    call: Call<'_, &Principal>,
    form_key: Uuid,
    ids: &[CheckoutId],
) -> Result<BulkJobId, AppError> {
    let principal = call.actor;
    permitted(policy::may_send_some(Actor::from(principal)))?;
    check_size(ids)?;
    if let Some(j) = call
        .state
        .store
        .bulk_job_by_form(form_key, principal.user_id)
        .await?
    {
        return Ok(j.id);
    }
    let plan = preview(call.state, principal, ids).await?;
    let job = BulkJob {
        id: BulkJobId::new_random(),
        form_key,
        user_id: principal.user_id,
        request_id: call.meta.request_id.clone(),
        remote_addr: call.meta.remote_addr.clone(),
        created_at: call.state.clock.now(),
    };
    let rows: Vec<BulkRow> = plan
        .rows
        .iter()
        .zip(0_i64..)
        .map(|(p, position)| BulkRow {
            job_id: job.id,
            position,
            checkout_id: p.id,
            state: if p.skip.is_some() {
                BulkRowState::Skipped
            } else {
                BulkRowState::Queued
            },
            customer: p.customer.clone(),
            amount: p.amount,
            outcome: p.skip.map(BulkSkip::code),
            lease_until: None,
        })
        .collect();
    if !call.state.store.bulk_job_create(&job, &rows).await? {
        // The same form submitted twice at once: the other request made the job. Someone
        // else's key is not found (a form key names one person's form).
        return call
            .state
            .store
            .bulk_job_by_form(form_key, principal.user_id)
            .await?
            .map(|j| j.id)
            .ok_or(AppError::NotFound(Missing::BulkJob));
    }
    let queued = plan.sendable().count();
    let entry = Entry::new(AuditAction::BulkSend)
        .company(principal.company)
        .success(
            303,
            format!(
                "Bulk send {} made: {queued} of {} selected to be sent, {} skipped",
                job.id,
                rows.len(),
                rows.len() - queued
            ),
        );
    call.record(entry).await;
    Ok(job.id)
}

/// How one row of a job stands, as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowResult {
    /// Not worked on yet, or being sent right now.
    Pending,
    Sent(SendOutcome),
    Failed(SendOutcome),
    Skipped(BulkSkip),
}

impl RowResult {
    /// Failures first, then what is still to come, what was skipped, what was sent.
    fn rank(&self) -> u8 {
        match self {
            Self::Failed(_) => 0,
            Self::Pending => 1,
            Self::Skipped(_) => 2,
            Self::Sent(_) => 3,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ViewRow {
    pub id: CheckoutId,
    pub customer: String,
    pub amount: Option<Money>,
    pub result: RowResult,
}

/// A job's rows, failures first, with its counts and totals.
#[derive(Debug, Clone)]
pub struct JobView {
    pub job: BulkJob,
    pub rows: Vec<ViewRow>,
    pub sent: Tally,
    pub failed: Tally,
    pub skipped: usize,
    pub pending: usize,
}

/// How many rows ended one way, and their amounts per currency.
#[derive(Debug, Clone)]
pub struct Tally {
    pub rows: usize,
    pub total: Vec<Money>,
}

impl JobView {
    pub fn running(&self) -> bool {
        self.pending > 0
    }
}

fn result_of(r: &BulkRow) -> RowResult {
    let text = r.outcome.clone().unwrap_or_default();
    match r.state {
        BulkRowState::Queued | BulkRowState::Sending => RowResult::Pending,
        BulkRowState::Sent => RowResult::Sent(SendOutcome::from_stored((true, text))),
        BulkRowState::Failed => RowResult::Failed(SendOutcome::from_stored((false, text))),
        BulkRowState::Skipped => {
            RowResult::Skipped(BulkSkip::parse(&text).unwrap_or(BulkSkip::NotFound))
        }
    }
}

/// The job `id` for its creator or a superadmin; anyone else is told it does not exist.
pub async fn view(
    state: &AppState,
    principal: &Principal,
    id: BulkJobId,
) -> Result<JobView, AppError> {
    let job = state
        .store
        .bulk_job(id)
        .await?
        .filter(|j| policy::may_see_bulk_job(Actor::from(principal), j.user_id))
        .ok_or(AppError::NotFound(Missing::BulkJob))?;
    let mut rows: Vec<ViewRow> = state
        .store
        .bulk_job_rows(id)
        .await?
        .iter()
        .map(|r| ViewRow {
            id: r.checkout_id,
            customer: r.customer.clone(),
            amount: r.amount,
            result: result_of(r),
        })
        .collect();
    // Stable: within each kind, the order they were selected in.
    rows.sort_by_key(|r| r.result.rank());
    let of = |f: fn(&RowResult) -> bool| rows.iter().filter(move |r| f(&r.result));
    let tally = |f| Tally {
        rows: of(f).count(),
        total: sums(of(f).filter_map(|r| r.amount)),
    };
    Ok(JobView {
        sent: tally(|r| matches!(r, RowResult::Sent(_))),
        failed: tally(|r| matches!(r, RowResult::Failed(_))),
        skipped: of(|r| matches!(r, RowResult::Skipped(_))).count(),
        pending: of(|r| matches!(r, RowResult::Pending)).count(),
        job,
        rows,
    })
}

/// Works off bulk send rows until the process ends: every `send.bulk_poll_ms` when idle,
/// at once while there is work (0: never).
pub async fn run_forever(state: AppState) {
    let every = state.settings.send.bulk_poll_ms;
    if every == 0 {
        return;
    }
    loop {
        if state.drain.is_draining() {
            return;
        }
        match work_once(&state).await {
            // More may be waiting: take the next batch at once.
            Ok(done) if done > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "bulk send worker could not take rows; retrying"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(every)) => {}
            _ = state.drain.begun() => return,
        }
    }
}

/// Takes up to `send.bulk_concurrency` rows and sends them side by side; how many of them
/// were finished (a row that could not be decided now goes back to the queue).
pub async fn work_once(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.now();
    // Longer than a send can take (its claim's lease), so a live worker keeps its rows.
    let lease_until = now + Span::seconds(state.settings.send.claim_lease_secs + 30);
    let owner = format!("bulk-{}", Uuid::new_v4().simple());
    let limit = state.settings.send.bulk_concurrency;
    let rows = state
        .store
        .bulk_take_rows(&owner, now, lease_until, limit as i64)
        .await?;
    let finished: Vec<bool> = futures_util::stream::iter(rows)
        .map(|row| {
            let owner = owner.as_str();
            async move {
                let (job, position) = (row.job_id, row.position);
                match work_row(state, owner, row).await {
                    Ok(done) => done,
                    Err(e) => {
                        tracing::warn!(job = %job, position, error = %e, "bulk send row not decided; it goes back to the queue");
                        release(state, job, position, owner).await;
                        false
                    }
                }
            }
        })
        .buffer_unordered(limit)
        .collect()
        .await;
    Ok(finished.into_iter().filter(|d| *d).count())
}

async fn release(state: &AppState, job: BulkJobId, position: i64, owner: &str) {
    if let Err(e) = state.store.bulk_row_release(job, position, owner).await {
        tracing::debug!(error = %e, "bulk row not released; its lease runs out by itself");
    }
}

/// Sends one row as its job's creator; true once the row's outcome is recorded.
async fn work_row(state: &AppState, owner: &str, row: BulkRow) -> Result<bool, AppError> {
    let job = state
        .store
        .bulk_job(row.job_id)
        .await?
        .ok_or(AppError::NotFound(Missing::BulkJob))?;
    let finish = |outcome: SendOutcome| async move {
        let to = if outcome.is_sent() {
            BulkRowState::Sent
        } else {
            BulkRowState::Failed
        };
        let (_, text) = outcome.to_stored();
        if !state
            .store
            .bulk_row_finish(row.job_id, row.position, owner, to, &text)
            .await?
        {
            tracing::info!(job = %row.job_id, position = row.position, "bulk row was taken over meanwhile");
        }
        Ok::<bool, AppError>(true)
    };
    // Re-read, so a creator disabled or stripped of a role meanwhile sends nothing more.
    let Some(principal) = super::signin::session_principal(state, &job.user_id.to_string()).await?
    else {
        return finish(SendOutcome::NotSent(Problem::Forbidden)).await;
    };
    let id = row.checkout_id;
    let key = submission_key(job.form_key, id, true);
    match state.store.submission(&key, principal.user_id).await? {
        Some((_, Some(stored))) => return finish(SendOutcome::from_stored(stored)).await,
        Some((_, None)) => {
            // An earlier worker began this send and died before recording its outcome (its
            // row lease, which outlasts the send's claim, ran out): Payson decides.
            match confirm_claim(state, id).await? {
                Confirmed::NotYet => {
                    release(state, row.job_id, row.position, owner).await;
                    return Ok(false);
                }
                Confirmed::Final(
                    s @ (CheckoutStatus::Shipped
                    | CheckoutStatus::PaidToAccount
                    | CheckoutStatus::Credited),
                ) => {
                    let outcome = SendOutcome::Sent(s);
                    let (ok, text) = outcome.to_stored();
                    state.store.submission_finish(&key, ok, &text).await?;
                    return finish(outcome).await;
                }
                // Nothing was applied at Payson: the submission may be made again (and a
                // checkout no longer awaiting is then refused with its reason).
                Confirmed::Final(_) | Confirmed::Sendable => {
                    state.store.submission_forget_unfinished(&key).await?;
                }
            }
        }
        None => {}
    }
    let meta = RequestMeta {
        request_id: job.request_id.clone(),
        remote_addr: job.remote_addr.clone(),
    };
    let note = Some("bulk send".to_owned());
    match send_once(Call::new(state, &principal, &meta), &key, id, note).await {
        Ok(SendOutcome::Pending) => {
            release(state, row.job_id, row.position, owner).await;
            Ok(false)
        }
        Ok(outcome) => finish(outcome).await,
        Err(e @ (AppError::Internal(_) | AppError::Busy)) => Err(e),
        Err(e) => finish(SendOutcome::NotSent(Problem::from(&e))).await,
    }
}

//! Payson's notification (`ipncallback?checkout={id}`). The call itself is never
//! trusted: the checkout is re-read from Payson and what Payson says is stored. Every
//! notification is logged (the notification log, product.md §4) with what the re-read
//! found, the result, the time taken and, for superadmins, the internal error.
//!
//! - **One re-read per burst.** Notifications for one checkout that arrive while a re-read
//!   of it runs wait on that re-read and are answered from it (single flight, per process:
//!   a map of in-flight reads keyed by database and checkout). Each is still logged.
//! - **Failures are retried, not lost.** A notification whose processing failed (Payson
//!   down, a database error) is answered 503 (Payson retries too) and logged `failed`;
//!   [`retry_failed`] re-processes such rows later, each taken under a lease first.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Instant;

use futures_util::future::{BoxFuture, FutureExt, Shared};
use futures_util::stream::{self, StreamExt};

use crate::domain::policy::{self, Actor};
use crate::domain::{
    AuditAction, AuditOutcome, Checkout, CheckoutId, CheckoutStatus, CompanyId, NewNotification,
    Notification, NotificationFilter, NotificationResult, Principal, RetriedNotification,
};
use crate::error::{AppError, Missing, error_chain};
use crate::state::AppState;

use super::audit::{self, Entry, outcome_of};
use super::checkouts::{company, refresh_from_payson};
use super::{RequestMeta, permitted};

/// What to answer Payson. A non-200 status makes Payson retry later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationAnswer {
    pub status: u16,
    pub success: bool,
    pub message: String,
}

/// What the caller is told when processing failed: no internal detail, ever.
pub const FAILED_MESSAGE: &str = "The notification could not be processed now; it will be retried";

/// A logged failure is retried at most this many times by [`retry_failed`]; after that it
/// stays `failed` in the log for someone to look at.
pub const MAX_RETRY_ATTEMPTS: i64 = 25;

/// What one re-read of a checkout came to; shared by every notification it answers.
#[derive(Debug, Clone)]
enum ReadOutcome {
    Stored {
        status: CheckoutStatus,
        company: CompanyId,
    },
    Unknown,
    Failed {
        company: Option<CompanyId>,
        /// The internal detail (the error and its causes), for the log.
        detail: String,
        /// How the audit log classifies it.
        outcome: AuditOutcome,
    },
}

type Flight = Shared<BoxFuture<'static, Arc<ReadOutcome>>>;

/// Re-reads in flight, keyed by database URL and checkout: per process, so instances of
/// the app on different databases in one process (the tests) never share a read.
static IN_FLIGHT: LazyLock<Mutex<HashMap<(String, CheckoutId), Flight>>> =
    LazyLock::new(Mutex::default);

/// Removes its key from `IN_FLIGHT` when the read's task ends, however it ends.
struct Landed((String, CheckoutId));

impl Drop for Landed {
    fn drop(&mut self) {
        if let Ok(mut map) = IN_FLIGHT.lock() {
            map.remove(&self.0);
        }
    }
}

/// The read of `id` in flight, or a new one: (its outcome, whether it was shared).
/// The read runs in a task of its own, so a caller that goes away (Payson hanging up)
/// neither cancels it for the others nor leaves its entry behind.
async fn read_once(state: &AppState, id: CheckoutId) -> (Arc<ReadOutcome>, bool) {
    let key = (state.settings.database_url.clone(), id);
    let (flight, shared) = {
        let mut map = IN_FLIGHT.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(&key) {
            Some(f) => (f.clone(), true),
            None => {
                let st = state.clone();
                let landed = Landed(key.clone());
                let task = tokio::spawn(async move {
                    let _landed = landed;
                    Arc::new(read(&st, id).await)
                });
                let flight = async move {
                    task.await.unwrap_or_else(|e| {
                        Arc::new(ReadOutcome::Failed {
                            company: None,
                            detail: format!("the re-read stopped: {e}"),
                            outcome: AuditOutcome::Failed,
                        })
                    })
                }
                .boxed()
                .shared();
                map.insert(key, flight.clone());
                (flight, false)
            }
        }
    };
    (flight.await, shared)
}

/// Looks the checkout up, re-reads it from Payson and stores what Payson says.
async fn read(state: &AppState, id: CheckoutId) -> ReadOutcome {
    let failed = |e: AppError, company| ReadOutcome::Failed {
        company,
        outcome: outcome_of(&e),
        detail: error_chain(&e),
    };
    let local = match state.store.checkout(id).await {
        Ok(Some(c)) => c,
        Ok(None) => return ReadOutcome::Unknown,
        Err(e) => return failed(e.into(), None),
    };
    let company = match company(state, local.company_id).await {
        Ok(c) => c,
        Err(e) => return failed(e, Some(local.company_id)),
    };
    match refresh_from_payson(state, &company, id).await {
        Ok(c) => ReadOutcome::Stored {
            status: c.status,
            company: company.id,
        },
        Err(e) => failed(e, Some(company.id)),
    }
}

/// Handles one notification: re-reads (or joins the re-read in flight), logs it, audits
/// it and says what to answer. `checkout` is `None` when the query parameter is missing
/// or not a GUID.
pub async fn handle(
    state: &AppState,
    meta: &RequestMeta,
    checkout: Option<CheckoutId>,
) -> NotificationAnswer {
    let started = Instant::now();
    let received_at = state.clock.now();
    let mut row = NewNotification {
        received_at,
        checkout_id: checkout,
        company_id: None,
        remote_addr: storable(&meta.remote_addr),
        request_id: storable(&meta.request_id),
        status_found: None,
        result: NotificationResult::Invalid,
        duration_ms: 0,
        error: None,
        shared_read: false,
    };
    let (mut answer, outcome) = match checkout {
        None => (
            answer(
                400,
                false,
                "The checkout query parameter is missing or not a GUID",
            ),
            AuditOutcome::Rejected,
        ),
        Some(id) => {
            let (read, shared) = read_once(state, id).await;
            row.shared_read = shared;
            match &*read {
                ReadOutcome::Stored { status, company } => {
                    row.company_id = Some(*company);
                    row.status_found = Some(*status);
                    row.result = NotificationResult::Processed;
                    let msg = format!("Stored status {}", status.describe());
                    (answer(200, true, msg), AuditOutcome::Success)
                }
                ReadOutcome::Unknown => {
                    tracing::warn!(checkout_id = %id, "notification for an unknown checkout");
                    row.result = NotificationResult::UnknownCheckout;
                    // Answered 200 so that Payson stops retrying a checkout we do not know.
                    (
                        answer(200, false, "Unknown checkout"),
                        AuditOutcome::Rejected,
                    )
                }
                ReadOutcome::Failed {
                    company,
                    detail,
                    outcome,
                } => {
                    tracing::warn!(checkout_id = %id, error = %detail, "notification failed; it will be retried");
                    row.company_id = *company;
                    row.result = NotificationResult::Failed;
                    row.error = Some(storable(detail));
                    (answer(503, false, FAILED_MESSAGE), *outcome)
                }
            }
        }
    };
    row.duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    state.metrics.notification(row.result.name());
    if let Err(e) = state.store.append_notification(&row).await {
        tracing::error!(error = %e, request_id = %meta.request_id, "could not log a notification");
        // Not logged means not safely kept: Payson is asked to call again.
        if answer.status == 200 {
            answer = self::answer(503, false, FAILED_MESSAGE);
        }
    }
    let mut entry = Entry::new(AuditAction::PaysonNotification)
        .company(row.company_id)
        .outcome(outcome, answer.status, answer.message.clone());
    if let Some(id) = checkout {
        entry = entry.checkout(id);
    }
    audit::record(state, meta, entry).await;
    answer
}

fn answer(status: u16, success: bool, message: impl Into<String>) -> NotificationAnswer {
    NotificationAnswer {
        status,
        success,
        message: message.into(),
    }
}

/// Text as the log can keep it: PostgreSQL's text cannot hold NUL.
fn storable(s: &str) -> String {
    s.replace('\0', "\u{fffd}")
}

/// How long a retry holds a row: past every Payson timeout of the re-read, with margin.
fn retry_lease(state: &AppState) -> chrono::Duration {
    let p = &state.settings.payson;
    let ms = (p.connect_timeout_ms + p.request_timeout_ms).saturating_mul(3);
    chrono::Duration::milliseconds(i64::try_from(ms).unwrap_or(i64::MAX / 2))
        .max(chrono::Duration::seconds(60))
}

/// Re-processes up to `limit` logged notifications whose processing failed, oldest first,
/// and returns how many it re-processed and marked with their new result (processed,
/// unknown checkout, or failed again with the new error and one more attempt).
///
/// Safe when several instances call it at once: each row is first taken with a
/// conditional UPDATE lease (`result = 'failed'`, under [`MAX_RETRY_ATTEMPTS`], not leased
/// by anyone else), so each row is re-processed by one caller; a lease that outlives a
/// crashed caller runs out and the row is taken again. Rows of one checkout share one
/// re-read of Payson. An error is returned only when the failed rows cannot be read at
/// all (the database is down); one row's trouble is logged and leaves it for a later call.
pub async fn retry_failed(state: &AppState, limit: usize) -> Result<usize, AppError> {
    let now = state.clock.now();
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let candidates = state
        .store
        .retryable_notifications(now, MAX_RETRY_ATTEMPTS, limit)
        .await?;
    if candidates.is_empty() {
        return Ok(0);
    }
    let owner = format!("notification-retry-{}", uuid::Uuid::new_v4().simple());
    let until = now + retry_lease(state);
    let mut taken = Vec::new();
    for n in candidates {
        match state
            .store
            .lease_notification(n.id, &owner, now, until, MAX_RETRY_ATTEMPTS)
            .await
        {
            Ok(true) => taken.push(n),
            Ok(false) => {} // another instance has it
            Err(e) => {
                tracing::warn!(error = %e, id = n.id, "could not lease a failed notification")
            }
        }
    }
    let done = stream::iter(taken)
        .map(|n| retry_one(state, &owner, n))
        .buffer_unordered(4)
        .filter(|ok| std::future::ready(*ok))
        .count()
        .await;
    Ok(done)
}

/// Re-processes one leased row; whether its new result was written.
async fn retry_one(state: &AppState, owner: &str, n: Notification) -> bool {
    let Some(id) = n.entry.checkout_id else {
        return false;
    };
    let (read, _) = read_once(state, id).await;
    let mut r = RetriedNotification {
        at: state.clock.now(),
        company_id: n.entry.company_id,
        status_found: None,
        result: NotificationResult::Failed,
        error: None,
    };
    let (outcome, message) = match &*read {
        ReadOutcome::Stored { status, company } => {
            r.company_id = Some(*company);
            r.status_found = Some(*status);
            r.result = NotificationResult::Processed;
            (
                AuditOutcome::Success,
                format!(
                    "Retried notification {}: stored status {}",
                    n.id,
                    status.describe()
                ),
            )
        }
        ReadOutcome::Unknown => {
            r.result = NotificationResult::UnknownCheckout;
            (
                AuditOutcome::Rejected,
                format!("Retried notification {}: unknown checkout", n.id),
            )
        }
        ReadOutcome::Failed {
            company,
            detail,
            outcome,
        } => {
            r.company_id = company.or(r.company_id);
            r.error = Some(storable(detail));
            (
                *outcome,
                format!("Retried notification {}: failed again", n.id),
            )
        }
    };
    let written = match state.store.finish_notification_retry(n.id, owner, &r).await {
        Ok(w) => w,
        Err(e) => {
            tracing::warn!(error = %e, id = n.id, "could not record a notification retry");
            false
        }
    };
    let status = if r.result == NotificationResult::Failed {
        503
    } else {
        200
    };
    let entry = Entry::new(AuditAction::PaysonNotification)
        .checkout(id)
        .company(r.company_id)
        .outcome(outcome, status, message);
    audit::record(state, &RequestMeta::internal("notification-retry"), entry).await;
    written
}

/// Hides the internal error detail from whoever may not read it.
fn redacted(actor: Actor<'_>, mut rows: Vec<Notification>) -> Vec<Notification> {
    if !policy::may_read_internal_errors(actor) {
        for n in &mut rows {
            n.entry.error = None;
        }
    }
    rows
}

/// The notification log across companies, newest first: superadmins and auditors. The
/// internal error detail is kept for superadmins.
pub async fn log(
    state: &AppState,
    actor: Actor<'_>,
    filter: &NotificationFilter,
    limit: i64,
) -> Result<Vec<Notification>, AppError> {
    permitted(policy::may_read_notification_log(actor))?;
    let rows = state.store.notifications(filter, limit).await?;
    Ok(redacted(actor, rows))
}

/// The notifications of a checkout the principal may see, newest first (at most 100).
pub async fn for_checkout(
    state: &AppState,
    principal: &Principal,
    c: &Checkout,
) -> Result<Vec<Notification>, AppError> {
    let actor = Actor::from(principal);
    if !policy::may_view_checkouts(actor) || !policy::may_view_company(actor, c.company_id) {
        return Err(AppError::NotFound(Missing::CheckoutId(c.id.to_string())));
    }
    let filter = NotificationFilter {
        checkout_id: Some(c.id),
        ..Default::default()
    };
    let rows = state.store.notifications(&filter, 100).await?;
    Ok(redacted(actor, rows))
}

//! Reconciliation: making our copy converge on Payson's after crashes, lost answers and
//! database outages, on every instance, without ever sending.
//!
//! - An *open* send claim (its outcome unknown, or its holder gone past the lease) is
//!   settled by re-reading Payson: shipped → done; still readyToShip when read after the
//!   claim's deadline → sendable again; before the deadline nothing is decided.
//! - Checkouts in a non-final status not read for a while, and readyToShip ones at or past
//!   their expiry, are re-read and stored.
//! - Payson notifications whose processing failed are processed again.
//! - Expired sessions, old form submissions and dead leases are purged; the sign-in
//!   throttle forgets idle keys.
//!
//! Several instances may run this against one database: each item is worked on under a
//! row lease (`work_leases`) and every change is a conditional statement, so each change
//! and its audit event (actor "reconciliation", before → after) happen once.

use std::num::NonZeroU32;
use std::time::Duration;

use chrono::Duration as Span;
use futures_util::StreamExt;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::domain::policy::Actor;
use crate::domain::{
    AuditAction, AuditOutcome, Checkout, CheckoutId, CheckoutStatus, ClaimState, CompanyId,
    NewAuditEvent, SendClaim,
};
use crate::error::AppError;
use crate::state::AppState;

use super::RequestMeta;
use super::audit::{self, Entry};
use super::checkouts::{checkout_from_payson, company, credentials};

/// What re-reading Payson for an open claim decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmed {
    /// The claim is closed: Payson shows this status (shipped, or another final one).
    Final(CheckoutStatus),
    /// Payson certainly did not apply the earlier request: the checkout may be sent.
    Sendable,
    /// Not decidable yet (before the deadline, Payson not answering, someone else on it).
    NotYet,
}

/// Settles a claim with its checkout and audit event, in one transaction. Tried a few
/// times now; while the database stays away, retried in the background until the
/// claim's lease ends (after that, `confirm_claim` settles it from Payson instead).
pub async fn record_settled(
    state: &AppState,
    claim: SendClaim,
    to: ClaimState,
    checkout: Checkout,
    event: NewAuditEvent,
) {
    for pause_ms in [0, 100, 400] {
        // The first try at once: even a zero sleep waits for the timer's next tick.
        if pause_ms > 0 {
            tokio::time::sleep(Duration::from_millis(pause_ms)).await;
        }
        match try_settle(state, &claim, to, &checkout, &event).await {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(checkout_id = %claim.checkout_id, error = %e, "could not record a settled send yet")
            }
        }
    }
    let state = state.clone();
    tokio::spawn(async move {
        let mut pause = Duration::from_secs(1);
        while state.clock.now() < claim.lease_until {
            tokio::time::sleep(pause).await;
            if try_settle(&state, &claim, to, &checkout, &event)
                .await
                .is_ok()
            {
                tracing::info!(checkout_id = %claim.checkout_id, "settled send recorded after the database came back");
                return;
            }
            pause = (pause * 2).min(Duration::from_secs(10));
        }
        tracing::warn!(checkout_id = %claim.checkout_id, "settled send not recorded before its lease ended; reconciliation will settle it from Payson");
    });
}

async fn try_settle(
    state: &AppState,
    claim: &SendClaim,
    to: ClaimState,
    checkout: &Checkout,
    event: &NewAuditEvent,
) -> Result<(), AppError> {
    if state
        .store
        .settle_claim(claim, to, Some(checkout), event)
        .await?
    {
        audit::count(state, event);
    } else {
        tracing::debug!(checkout_id = %claim.checkout_id, "claim already settled elsewhere");
    }
    Ok(())
}

/// Re-reads Payson for `id`'s send claim if it is open, and settles it when Payson's
/// answer decides it. Used by a send that finds the claim open and by `run_once`.
pub async fn confirm_claim(state: &AppState, id: CheckoutId) -> Result<Confirmed, AppError> {
    Ok(confirm_here(state, id).await?.0)
}

/// `confirm_claim`, and whether this call is the one that settled the claim (so a run's
/// report counts each settlement once across instances).
async fn confirm_here(state: &AppState, id: CheckoutId) -> Result<(Confirmed, bool), AppError> {
    let now = state.clock.now();
    let Some(claim) = state.store.claim(id).await? else {
        return Ok((Confirmed::Sendable, false));
    };
    match claim.state {
        ClaimState::Done => return Ok((Confirmed::Final(local_status(state, id).await?), false)),
        ClaimState::Failed => return Ok((Confirmed::Sendable, false)),
        ClaimState::InFlight if claim.lease_until >= now => return Ok((Confirmed::NotYet, false)),
        ClaimState::InFlight | ClaimState::Unknown => {}
    }
    Ok(with_lease(
        state,
        &format!("confirm:{id}"),
        confirm_leased(state, &claim),
    )
    .await?
    .unwrap_or((Confirmed::NotYet, false)))
}

/// Runs `work` under the work lease `name` (long enough for one Payson call), or not at
/// all (`None`) when another instance holds it; the lease is given back afterwards.
async fn with_lease<T>(
    state: &AppState,
    name: &str,
    work: impl std::future::Future<Output = Result<T, AppError>>,
) -> Result<Option<T>, AppError> {
    let now = state.clock.now();
    let owner = uuid::Uuid::new_v4().to_string();
    let until = now
        + Span::from_std(state.settings.payson.request_timeout()).unwrap_or(Span::seconds(20))
        + Span::seconds(5);
    if !state.store.try_lease(name, &owner, now, until).await? {
        return Ok(None);
    }
    let result = work.await;
    if let Err(e) = state.store.release_lease(name, &owner).await {
        tracing::debug!(error = %e, "lease not released; it runs out by itself");
    }
    result.map(Some)
}

async fn local_status(state: &AppState, id: CheckoutId) -> Result<CheckoutStatus, AppError> {
    Ok(state
        .store
        .checkout(id)
        .await?
        .map_or(CheckoutStatus::Shipped, |c| c.status))
}

async fn confirm_leased(
    state: &AppState,
    claim: &SendClaim,
) -> Result<(Confirmed, bool), AppError> {
    let id = claim.checkout_id;
    let Some(local) = state.store.checkout(id).await? else {
        return Ok((Confirmed::NotYet, false));
    };
    let company = company(state, local.company_id).await?;
    let creds = credentials(state, &company)?;
    // Read first, then look at the clock: the answer reflects Payson at least as late as
    // `read_at`, so "readyToShip after the deadline" means the old request is dead.
    let remote = match state.payson.get_checkout(&creds, id.as_uuid()).await {
        Ok(r) => r,
        Err(e) => {
            tracing::info!(checkout_id = %id, error = %e, "Payson not answering; the open claim stays open");
            return Ok((Confirmed::NotYet, false));
        }
    };
    let read_at = state.clock.now();
    let fresh = checkout_from_payson(company.id, &remote, Some(&local), read_at)?;
    let status = fresh.status;
    let (to, decided, entry) = match status {
        CheckoutStatus::Shipped | CheckoutStatus::PaidToAccount | CheckoutStatus::Credited => (
            ClaimState::Done,
            Confirmed::Final(status),
            Entry::new(AuditAction::SendPaymentRequest).success(
                200,
                format!(
                    "Payment request sent; status {} (confirmed with Payson by reconciliation)",
                    status.describe()
                ),
            ),
        ),
        CheckoutStatus::Canceled | CheckoutStatus::Expired | CheckoutStatus::Denied => (
            ClaimState::Done,
            Confirmed::Final(status),
            Entry::new(AuditAction::SendPaymentRequest).outcome(
                AuditOutcome::Failed,
                409,
                format!(
                    "The earlier payment request did not ship the checkout; Payson shows {}",
                    status.describe()
                ),
            ),
        ),
        _ if read_at <= claim.lease_until => return Ok((Confirmed::NotYet, false)),
        _ => (
            ClaimState::Failed,
            Confirmed::Sendable,
            Entry::new(AuditAction::SendPaymentRequest).outcome(
                AuditOutcome::Failed,
                409,
                format!(
                    "Payson did not apply the earlier payment request (it shows {} after the request's deadline); the checkout can be sent again",
                    status.describe()
                ),
            ),
        ),
    };
    let entry = entry
        .by(Actor::Reconciliation)
        .company(Some(company.id))
        .checkout(id)
        .note(Some(format!(
            "claim {} → {}; status {} → {}",
            claim.state.name(),
            to.name(),
            local.status.describe(),
            status.describe()
        )));
    // The claim's owner is the request id of the send it settles, so the two events link.
    let meta = RequestMeta {
        request_id: claim.owner.clone(),
        remote_addr: "reconciliation".into(),
    };
    let event = audit::event(state, &meta, entry);
    if state
        .store
        .settle_claim(claim, to, Some(&fresh), &event)
        .await?
    {
        audit::count(state, &event);
        Ok((decided, true))
    } else {
        // Settled meanwhile by its sender: read what it decided.
        Ok((Box::pin(confirm_claim(state, id)).await?, false))
    }
}

/// What one run did, for logs, metrics and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunReport {
    /// Open claims looked at, and how many of them were settled.
    pub claims_checked: usize,
    pub claims_settled: usize,
    /// Checkouts re-read, and how many of them changed status.
    pub refreshed: usize,
    pub changed: usize,
    /// Payson reads that failed (the item is tried again next run).
    pub payson_failures: usize,
    /// Failed Payson notifications processed again (the notification log's retries).
    pub notifications_retried: usize,
    pub purged_sessions: u64,
    pub purged_submissions: u64,
    /// The daily expiry digest, when it was due.
    pub digest: super::digest::DigestRun,
}

/// One pass over everything reconciliation looks after. Safe to run on several
/// instances at once and as often as wanted.
pub async fn run_once(state: &AppState) -> Result<RunReport, AppError> {
    let result = run_pass(state).await;
    state
        .metrics
        .reconciled(result.as_ref().ok().map(|r| crate::metrics::ReconcileRun {
            claims_settled: r.claims_settled,
            refreshed: r.refreshed,
            changed: r.changed,
            payson_failures: r.payson_failures,
        }));
    result
}

async fn run_pass(state: &AppState) -> Result<RunReport, AppError> {
    let settings = &state.settings.reconcile;
    let per_company = NonZeroU32::new(settings.per_company_per_second).unwrap_or(NonZeroU32::MIN);
    let limiter: DefaultKeyedRateLimiter<CompanyId> =
        RateLimiter::keyed(Quota::per_second(per_company));
    let mut report = RunReport::default();
    let now = state.clock.now();

    let claims = state.store.open_claims(now, settings.batch).await?;
    report.claims_checked = claims.len();
    let outcomes: Vec<_> = futures_util::stream::iter(claims)
        .map(|claim| {
            let limiter = &limiter;
            async move {
                if let Ok(Some(c)) = state.store.checkout(claim.checkout_id).await {
                    limiter.until_key_ready(&c.company_id).await;
                }
                confirm_here(state, claim.checkout_id).await
            }
        })
        .buffer_unordered(settings.concurrency)
        .collect()
        .await;
    for o in outcomes {
        match o {
            Ok((_, true)) => report.claims_settled += 1,
            Ok((_, false)) => {}
            Err(e) => {
                report.payson_failures += 1;
                tracing::warn!(error = %e, "reconciliation could not settle a claim");
            }
        }
    }

    let stale_before = now - Span::seconds(settings.stale_after_secs);
    let expired_before = now - Span::days(crate::domain::READY_TO_SHIP_LIFETIME_DAYS);
    let recheck_before = now - Span::seconds(settings.stale_after_secs.min(600));
    let due = state
        .store
        .checkouts_to_refresh(stale_before, expired_before, recheck_before, settings.batch)
        .await?;
    report.refreshed = due.len();
    let outcomes: Vec<_> = futures_util::stream::iter(due)
        .map(|c| {
            let limiter = &limiter;
            async move {
                limiter.until_key_ready(&c.company_id).await;
                refresh_one(state, c).await
            }
        })
        .buffer_unordered(settings.concurrency)
        .collect()
        .await;
    for o in outcomes {
        match o {
            Ok(true) => report.changed += 1,
            Ok(false) => {}
            Err(e) => {
                report.payson_failures += 1;
                tracing::info!(error = %e, "reconciliation could not refresh a checkout");
            }
        }
    }

    report.notifications_retried =
        super::notifications::retry_failed(state, settings.batch as usize).await?;
    report.purged_sessions = state.store.sessions_purge_expired(now).await?;
    report.purged_submissions = state
        .store
        .submissions_purge(now - Span::days(settings.keep_submissions_days))
        .await?;
    state.store.purge_leases(now - Span::hours(1)).await?;
    state.login_throttle.forget_idle();
    // Its own claims make it once per company-day; a failure waits for the next run.
    report.digest = super::digest::run_due(state).await.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "digest run failed; the next run retries");
        Default::default()
    });
    Ok(report)
}

/// Re-reads one checkout under a lease; true if its status changed (then audited).
async fn refresh_one(state: &AppState, local: Checkout) -> Result<bool, AppError> {
    let work = async {
        let company = company(state, local.company_id).await?;
        let creds = credentials(state, &company)?;
        let remote = state
            .payson
            .get_checkout(&creds, local.id.as_uuid())
            .await
            .map_err(|e| super::checkouts::payson_error(&e))?;
        let fresh = checkout_from_payson(company.id, &remote, Some(&local), state.clock.now())?;
        state.store.upsert_checkout(&fresh).await?;
        if fresh.status == local.status {
            return Ok(false);
        }
        let entry = Entry::new(AuditAction::RefreshCheckout)
            .by(Actor::Reconciliation)
            .company(Some(company.id))
            .checkout(local.id)
            .success(
                200,
                format!(
                    "Status from Payson: {} → {}",
                    local.status.describe(),
                    fresh.status.describe()
                ),
            );
        audit::record(state, &RequestMeta::internal("reconciliation"), entry).await;
        Ok(true)
    };
    Ok(with_lease(state, &format!("refresh:{}", local.id), work)
        .await?
        .unwrap_or(false))
}

/// Runs `run_once` every `reconcile.interval_secs` until the process ends (0: never).
pub async fn run_forever(state: AppState) {
    let every = state.settings.reconcile.interval_secs;
    if every == 0 {
        return;
    }
    let mut tick = tokio::time::interval(Duration::from_secs(every));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        // Shutting down: the run under way finishes, no new one starts.
        tokio::select! {
            _ = tick.tick() => {}
            _ = state.drain.begun() => return,
        }
        match run_once(&state).await {
            Ok(r) if r.claims_settled + r.changed + r.digest.mails + r.digest.failed > 0 => {
                tracing::info!(
                    settled = r.claims_settled,
                    changed = r.changed,
                    digest_mails = r.digest.mails,
                    digest_failed = r.digest.failed,
                    "reconciliation run"
                );
            }
            Ok(r) => tracing::debug!(?r, "reconciliation run"),
            Err(e) => tracing::warn!(error = %e, "reconciliation run failed; next run retries"),
        }
    }
}

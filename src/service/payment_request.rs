//! SendCheckoutPaymentRequest: mark a `readyToShip` checkout `shipped` at Payson, which
//! captures the payment or makes Payson e-mail the invoice. Rules 2–10 of product.md §2.
//!
//! Exactly one request per checkout may reach Payson: a claim row is taken with one
//! conditional statement in the database (so it holds across instances sharing
//! PostgreSQL), and an unknown outcome is resolved by re-reading Payson, never by
//! sending again: a claim whose request may still take effect is re-read
//! (`reconcile::confirm_claim`) and becomes sendable only when Payson, read after the
//! claim's deadline, still says readyToShip.
//!
//! Once Payson has accepted the request, the caller is told so whatever the database
//! does: the claim, our copy and the one "sent" audit event are written in one
//! transaction, retried in the background while the database is away, and otherwise
//! settled by reconciliation from what Payson says.

use chrono::{Duration, SubsecRound};

use crate::domain::policy::{self, Actor};
use crate::domain::{
    AuditAction, Checkout, CheckoutId, CheckoutStatus, ClaimState, CompanyId, Principal, SendClaim,
};
use crate::error::{AppError, Clash, Missing, PaysonRefusal, PaysonSilence};
use crate::payson::PaysonError;
use crate::state::AppState;

use super::audit::{self, Entry};
use super::checkouts::{
    checkout_from_payson, company, credentials, find_in_company, not_ready, payson_error,
    resolve_company,
};
use super::reconcile::{self, Confirmed};
use super::{Call, RequestMeta, permitted};

#[derive(Debug, Clone)]
pub struct SendCommand {
    pub checkout_id: CheckoutId,
    /// `None` for an absent, empty or all-zero `CompanyId`: the caller's own company.
    pub company_id: Option<CompanyId>,
    /// Free text kept in the audit log (the admin desk's confirmation note).
    pub note: Option<String>,
}

/// What happened, besides the caller-facing result, for the audit log.
#[derive(Default)]
struct Trace {
    company_id: Option<CompanyId>,
    payson_message: Option<String>,
}

/// Sends the payment request and audits the outcome, whatever it is. A success is
/// audited where it is recorded (`settle`), exactly once; everything else here.
pub async fn send_payment_request(
    call: Call<'_, &Principal>,
    cmd: SendCommand,
) -> Result<Checkout, AppError> {
    let mut trace = Trace::default();
    let result = send_inner(call, &cmd, &mut trace).await;
    if let Err(e) = &result {
        let entry = Entry::new(AuditAction::SendPaymentRequest)
            .company(trace.company_id.or(cmd.company_id))
            .checkout(cmd.checkout_id)
            .payson_message(trace.payson_message.take())
            .note(cmd.note.clone())
            .error(e);
        call.record(entry).await;
    }
    result
}

/// A send refused before it reached `send_payment_request` (credentials, role, a body
/// that could not be read), so that every attempt is in the audit log.
pub async fn audit_refused(
    state: &AppState,
    meta: &RequestMeta,
    principal: Option<&Principal>,
    (checkout, company): (Option<CheckoutId>, Option<CompanyId>),
    e: &AppError,
) {
    let mut entry = Entry::new(AuditAction::SendPaymentRequest)
        .by(principal.map(Actor::from))
        .company(company)
        .error(e);
    if let Some(id) = checkout {
        entry = entry.checkout(id);
    }
    audit::record(state, meta, entry).await;
}

async fn send_inner(
    call: Call<'_, &Principal>,
    cmd: &SendCommand,
    trace: &mut Trace,
) -> Result<Checkout, AppError> {
    let principal = call.actor;
    // Rule 2.
    permitted(policy::may_send_some(Actor::from(principal)))?;
    // Rule 4.
    let company_id = resolve_company(principal, cmd.company_id)?;
    trace.company_id = Some(company_id);
    if !policy::may_send_for(Actor::from(principal), company_id) {
        return Err(AppError::NotFound(Missing::Company));
    }
    // Rule 5.
    let local = find_in_company(call.state, principal, company_id, cmd.checkout_id).await?;
    let company = company(call.state, company_id).await?;
    // Rule 6 on our copy. A terminal status is final; an earlier one may be stale
    // (a missed notification), so that case is decided on Payson's answer below.
    if is_past_ready(local.status) {
        return Err(not_ready(local.status));
    }
    // Rule 7: the claim. An open one (in flight past its lease, or unknown) is settled
    // from Payson first; only a claim Payson certainly did not act on is taken again.
    let claim = match take_claim(call.state, cmd.checkout_id, call.meta).await? {
        Some(c) => c,
        None => {
            refuse_held_claim(call.state, cmd.checkout_id).await?;
            // Settled as "not applied" just now: take it, timed from now.
            take_claim(call.state, cmd.checkout_id, call.meta)
                .await?
                .ok_or(AppError::Conflict(Clash::AlreadySending))?
        }
    };
    let sent = Sent {
        claim: &claim,
        actor: Actor::from(principal),
        meta: call.meta,
        note: cmd.note.clone(),
    };
    let outcome = ship_holding_claim(call.state, &company, local, &sent, trace).await;
    let final_state = match &outcome {
        // Recorded (or being recorded) by `settle`.
        Ok(_) => return outcome.map_err(Settle::into_error),
        Err(Settle::Final(_)) => ClaimState::Done,
        Err(Settle::Failed(_)) => ClaimState::Failed,
        Err(Settle::Unknown(_)) => ClaimState::Unknown,
    };
    match call
        .state
        .store
        .finish_claim(cmd.checkout_id, &claim.owner, final_state)
        .await
    {
        Ok(true) => {}
        // Our lease ran out and reconciliation took over; it re-reads Payson first, so
        // nothing is sent twice. Worth knowing about, though.
        Ok(false) => {
            tracing::warn!(checkout_id = %cmd.checkout_id, "send claim was taken over before it was released")
        }
        // The caller still gets what Payson did, not "the database is busy": the claim
        // stays in flight, and after its lease reconciliation settles it from Payson.
        Err(e) => {
            tracing::warn!(checkout_id = %cmd.checkout_id, error = %e, "send claim not released; reconciliation will settle it")
        }
    }
    outcome.map_err(Settle::into_error)
}

/// Takes the send claim for this request, timed from now; `None` if it is held.
async fn take_claim(
    state: &AppState,
    id: CheckoutId,
    meta: &RequestMeta,
) -> Result<Option<SendClaim>, AppError> {
    // Microseconds, as both databases keep them, so the claim matches its stored row.
    let now = state.clock.now().trunc_subsecs(6);
    let claim = SendClaim {
        checkout_id: id,
        owner: meta.request_id.clone(),
        state: ClaimState::InFlight,
        claimed_at: now,
        lease_until: now + Duration::seconds(state.settings.send.claim_lease_secs),
    };
    let taken = state
        .store
        .try_claim_send(id, &claim.owner, now, claim.lease_until)
        .await?;
    Ok(taken.then_some(claim))
}

/// The claim could not be taken: says why, after trying to settle an open claim from
/// Payson. `Ok` means the claim was settled as "not applied" and may be taken now.
async fn refuse_held_claim(state: &AppState, id: CheckoutId) -> Result<(), AppError> {
    let Some(held) = state.store.claim(id).await? else {
        return Err(AppError::Conflict(Clash::AlreadySending));
    };
    let now = state.clock.now();
    match held.state {
        ClaimState::InFlight if held.lease_until >= now => {
            Err(AppError::Conflict(Clash::AlreadySending))
        }
        ClaimState::Done => {
            let status = state.store.checkout(id).await?.map(|c| c.status);
            Err(not_ready(status.unwrap_or(CheckoutStatus::Shipped)))
        }
        // Unknown, or in flight past its lease: ask Payson (this is the re-read).
        _ => match reconcile::confirm_claim(state, id).await {
            Ok(Confirmed::Sendable) => Ok(()),
            Ok(Confirmed::Final(status)) => Err(not_ready(status)),
            Ok(Confirmed::NotYet) | Err(_) => Err(AppError::Conflict(Clash::BeingConfirmed)),
        },
    }
}

/// Who sent under which claim: what a successful send is recorded and audited with.
pub(super) struct Sent<'a> {
    pub claim: &'a SendClaim,
    pub actor: Actor<'a>,
    pub meta: &'a RequestMeta,
    pub note: Option<String>,
}

/// Statuses after `readyToShip` (or off its path): a send can never succeed again.
fn is_past_ready(s: CheckoutStatus) -> bool {
    use CheckoutStatus::*;
    matches!(
        s,
        Shipped | PaidToAccount | Canceled | Credited | Expired | Denied
    )
}

/// How a claimed attempt ended, deciding what happens to the claim.
enum Settle {
    /// The checkout can never be shipped by us (already shipped, canceled, …).
    Final(AppError),
    /// Nothing changed at Payson; a later attempt may try again.
    Failed(AppError),
    /// Payson may have applied the change; the next attempt re-reads Payson first.
    Unknown(AppError),
}

impl Settle {
    fn into_error(self) -> AppError {
        match self {
            Self::Final(e) | Self::Failed(e) | Self::Unknown(e) => e,
        }
    }
}

async fn ship_holding_claim(
    state: &AppState,
    company: &crate::domain::Company,
    local: Checkout,
    sent: &Sent<'_>,
    trace: &mut Trace,
) -> Result<Checkout, Settle> {
    let creds = credentials(state, company).map_err(Settle::Failed)?;
    let id = local.id;
    // Rule 8: ask Payson first; its status wins over our copy.
    let mut remote = state
        .payson
        .get_checkout(&creds, id.as_uuid())
        .await
        .map_err(|e| {
            trace.payson_message = e.payson_message();
            Settle::Failed(payson_error(&e))
        })?;
    if remote.status() != local.status || remote.status_text() != Some(local.payson_status.as_str())
    {
        let fresh = checkout_from_payson(company.id, &remote, Some(&local), state.clock.now())
            .map_err(Settle::Failed)?;
        state
            .store
            .upsert_checkout(&fresh)
            .await
            .map_err(|e| Settle::Failed(e.into()))?;
    }
    let status = remote.status();
    if status != CheckoutStatus::ReadyToShip {
        let err = not_ready(status);
        return Err(if is_past_ready(status) {
            Settle::Final(err)
        } else {
            Settle::Failed(err)
        });
    }
    remote.set_status(CheckoutStatus::Shipped);
    match state.payson.update_checkout(&creds, &remote).await {
        Ok(updated) => shipped(state, company, &local, &updated, sent, "").await,
        Err(e) if e.outcome_unknown() => {
            trace.payson_message = e.payson_message();
            tracing::warn!(checkout_id = %id, error = %e, "ship outcome unknown; re-reading Payson");
            // Resolve by asking, never by sending again.
            match state.payson.get_checkout(&creds, id.as_uuid()).await {
                Ok(now_remote) if now_remote.status() == CheckoutStatus::Shipped => {
                    shipped(
                        state,
                        company,
                        &local,
                        &now_remote,
                        sent,
                        " (confirmed by re-reading Payson)",
                    )
                    .await
                }
                _ => Err(Settle::Unknown(unknown_error(&e))),
            }
        }
        Err(e) => {
            trace.payson_message = e.payson_message();
            Err(Settle::Failed(payson_error(&e)))
        }
    }
}

/// Payson answered the ship request with `updated`. Shipped: recorded with its audit
/// event (now, or in the background while the database is away) and the caller told so.
async fn shipped(
    state: &AppState,
    company: &crate::domain::Company,
    local: &Checkout,
    updated: &crate::payson::PaysonCheckout,
    sent: &Sent<'_>,
    how: &str,
) -> Result<Checkout, Settle> {
    let fresh = checkout_from_payson(company.id, updated, Some(local), state.clock.now())
        .map_err(Settle::Unknown)?;
    if fresh.status != CheckoutStatus::Shipped {
        // Payson took the request but did not ship: it applied nothing we asked for.
        return Err(Settle::Failed(AppError::PaysonRefused(
            PaysonRefusal::NotShipped(fresh.status),
        )));
    }
    let entry = Entry::new(AuditAction::SendPaymentRequest)
        .by(sent.actor)
        .company(Some(company.id))
        .checkout(fresh.id)
        .note(sent.note.clone())
        .success(
            200,
            format!(
                "Payment request sent; status {}{how}",
                fresh.status.describe()
            ),
        );
    let event = audit::event(state, sent.meta, entry);
    reconcile::record_settled(
        state,
        sent.claim.clone(),
        ClaimState::Done,
        fresh.clone(),
        event,
    )
    .await;
    Ok(fresh)
}

fn unknown_error(e: &PaysonError) -> AppError {
    AppError::PaysonUnavailable(PaysonSilence::Unconfirmed(e.to_string()))
}

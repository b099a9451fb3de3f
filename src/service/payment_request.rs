//! SendCheckoutPaymentRequest: mark a `readyToShip` checkout `shipped` at Payson, which
//! captures the payment or makes Payson e-mail the invoice. Rules 2–10 of product.md §2.
//!
//! Exactly one request per checkout may reach Payson: a claim row is taken with one
//! conditional statement in the database (so it holds across instances sharing
//! PostgreSQL), and an unknown outcome is resolved by re-reading Payson, never by
//! sending again.

use chrono::Duration;

use crate::domain::policy::{self, Actor};
use crate::domain::{
    AuditAction, Checkout, CheckoutId, CheckoutStatus, ClaimState, CompanyId, Principal,
};
use crate::error::{AppError, Clash, Missing, PaysonRefusal, PaysonSilence};
use crate::payson::PaysonError;
use crate::state::AppState;

use super::RequestMeta;
use super::audit::{self, Entry};
use super::checkouts::{
    checkout_from_payson, company, credentials, find_in_company, not_ready, payson_error,
    resolve_company,
};

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
    confirmed_by_reread: bool,
}

/// Sends the payment request and audits the outcome, whatever it is.
pub async fn send_payment_request(
    state: &AppState,
    principal: &Principal,
    cmd: SendCommand,
    meta: &RequestMeta,
) -> Result<Checkout, AppError> {
    let mut trace = Trace::default();
    let result = send_inner(state, principal, &cmd, meta, &mut trace).await;
    let entry = Entry::new(AuditAction::SendPaymentRequest)
        .by(Actor::from(principal))
        .company(trace.company_id.or(cmd.company_id))
        .checkout(cmd.checkout_id)
        .payson_message(trace.payson_message.take())
        .note(cmd.note.clone())
        .result(&result, 200, |c| {
            let how = if trace.confirmed_by_reread {
                " (confirmed by re-reading Payson)"
            } else {
                ""
            };
            format!("Payment request sent; status {}{how}", c.status.describe())
        });
    audit::record(state, meta, entry).await;
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
    state: &AppState,
    principal: &Principal,
    cmd: &SendCommand,
    meta: &RequestMeta,
    trace: &mut Trace,
) -> Result<Checkout, AppError> {
    // Rule 2.
    if !policy::may_send_some(Actor::from(principal)) {
        return Err(AppError::Forbidden);
    }
    // Rule 4.
    let company_id = resolve_company(principal, cmd.company_id)?;
    trace.company_id = Some(company_id);
    if !policy::may_send_for(Actor::from(principal), company_id) {
        return Err(AppError::NotFound(Missing::Company));
    }
    // Rule 5.
    let local = find_in_company(state, principal, company_id, cmd.checkout_id).await?;
    let company = company(state, company_id).await?;
    // Rule 6 on our copy. A terminal status is final; an earlier one may be stale
    // (a missed notification), so that case is decided on Payson's answer below.
    if is_past_ready(local.status) {
        return Err(not_ready(local.status));
    }
    // Rule 7: the claim.
    let now = state.clock.now();
    let lease_until = now + Duration::seconds(state.settings.send.claim_lease_secs);
    let owner = meta.request_id.as_str();
    if !state
        .store
        .try_claim_send(cmd.checkout_id, owner, now, lease_until)
        .await?
    {
        return Err(AppError::Conflict(Clash::AlreadySending));
    }
    let outcome = ship_holding_claim(state, &company, local, trace).await;
    let final_state = match &outcome {
        Ok(_) => ClaimState::Done,
        Err(Settle::Final(_)) => ClaimState::Done,
        Err(Settle::Failed(_)) => ClaimState::Failed,
        Err(Settle::Unknown(_)) => ClaimState::Unknown,
    };
    if !state
        .store
        .finish_claim(cmd.checkout_id, owner, final_state)
        .await?
    {
        // Our lease ran out and someone else took over; they re-read Payson first,
        // so nothing is sent twice. Worth knowing about, though.
        tracing::warn!(checkout_id = %cmd.checkout_id, "send claim was taken over before it was released");
    }
    outcome.map_err(Settle::into_error)
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
        Ok(updated) => store_shipped(state, company, &local, &updated).await,
        Err(e) if e.outcome_unknown() => {
            trace.payson_message = e.payson_message();
            tracing::warn!(checkout_id = %id, error = %e, "ship outcome unknown; re-reading Payson");
            // Resolve by asking, never by sending again.
            match state.payson.get_checkout(&creds, id.as_uuid()).await {
                Ok(now_remote) if now_remote.status() == CheckoutStatus::Shipped => {
                    trace.confirmed_by_reread = true;
                    store_shipped(state, company, &local, &now_remote).await
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

async fn store_shipped(
    state: &AppState,
    company: &crate::domain::Company,
    local: &Checkout,
    updated: &crate::payson::PaysonCheckout,
) -> Result<Checkout, Settle> {
    let fresh = checkout_from_payson(company.id, updated, Some(local), state.clock.now())
        .map_err(Settle::Unknown)?;
    // Payson's answer is stored even if it is not `shipped`, so our copy stays true.
    state
        .store
        .upsert_checkout(&fresh)
        .await
        .map_err(|e| Settle::Unknown(e.into()))?;
    if fresh.status == CheckoutStatus::Shipped {
        Ok(fresh)
    } else {
        Err(Settle::Failed(AppError::PaysonRefused(
            PaysonRefusal::NotShipped(fresh.status),
        )))
    }
}

fn unknown_error(e: &PaysonError) -> AppError {
    AppError::PaysonUnavailable(PaysonSilence::Unconfirmed(e.to_string()))
}

//! Reading checkouts: company scoping, Payson credentials, and refreshing our copy
//! from Payson (the source of truth).

use chrono::{DateTime, Utc};

use crate::domain::policy::{self, Actor};
use crate::domain::{
    AuditAction, Checkout, CheckoutFilter, CheckoutId, CheckoutStatus, Company, CompanyId,
    Currency, FilterTotals, Money, PaymentMethod, Principal,
};
use crate::error::{AppError, Clash, Invalid, Missing, PaysonRefusal, PaysonSilence};
use crate::payson::{PaysonCheckout, PaysonCredentials, PaysonError};
use crate::state::AppState;
use crate::store::Matching;

use super::{Call, permitted};

/// Rule 4 of the API: which company a request is about.
/// `requested` is `None` for an absent, empty or all-zero `CompanyId`.
pub fn resolve_company(
    principal: &Principal,
    requested: Option<CompanyId>,
) -> Result<CompanyId, AppError> {
    match (requested, principal.company) {
        (Some(asked), Some(own)) if asked == own => Ok(own),
        // Another company's id is answered like an unknown one, so ids cannot be probed.
        (Some(asked), _) if policy::is_global(Actor::from(principal)) => Ok(asked),
        (Some(_), _) => Err(AppError::NotFound(Missing::Company)),
        (None, Some(own)) => Ok(own),
        (None, None) => Err(AppError::rejected(
            "CompanyId",
            "NotEmpty",
            Invalid::CompanyIdRequired,
        )),
    }
}

/// The checkout, if it exists in `company` and the caller may see that company.
pub async fn find_in_company(
    state: &AppState,
    principal: &Principal,
    company: CompanyId,
    id: CheckoutId,
) -> Result<Checkout, AppError> {
    let not_found = || AppError::NotFound(Missing::CheckoutId(id.to_string()));
    if !policy::may_view_company(Actor::from(principal), company) {
        return Err(not_found());
    }
    match state.store.checkout(id).await? {
        Some(c) if c.company_id == company => Ok(c),
        _ => Err(not_found()),
    }
}

/// `GET /payment/payson/v2/checkout/{Id}`: our copy of the checkout, any status.
pub async fn get_checkout(
    state: &AppState,
    principal: &Principal,
    requested_company: Option<CompanyId>,
    id: CheckoutId,
) -> Result<Checkout, AppError> {
    permitted(policy::may_view_checkouts(Actor::from(principal)))?;
    let company = resolve_company(principal, requested_company)?;
    find_in_company(state, principal, company, id).await
}

pub async fn company(state: &AppState, id: CompanyId) -> Result<Company, AppError> {
    state
        .store
        .company(id)
        .await?
        .ok_or(AppError::NotFound(Missing::Company))
}

/// Decrypts the company's Payson credentials for one call; they are never kept around.
pub fn credentials(state: &AppState, company: &Company) -> Result<PaysonCredentials, AppError> {
    let api_key = state
        .secrets
        .decrypt(&company.payson_api_key_encrypted)
        .map_err(AppError::internal)?;
    Ok(PaysonCredentials {
        base_url: company.payson_base_url.clone(),
        agent_id: company.payson_agent_id.clone(),
        api_key,
    })
}

/// Builds our copy from what Payson says, keeping what only we know from `existing`.
pub fn checkout_from_payson(
    company: CompanyId,
    pc: &PaysonCheckout,
    existing: Option<&Checkout>,
    now: DateTime<Utc>,
) -> Result<Checkout, AppError> {
    let id = pc
        .id()
        .map(CheckoutId::from)
        .ok_or(AppError::PaysonRefused(PaysonRefusal::NoId))?;
    let amount = pc
        .total_including_tax()
        .or(existing.map(|e| e.amount))
        .unwrap_or(Money::from_minor(0, Currency::Sek));
    let payment_method = pc
        .raw()
        .get("paymentMethod")
        .and_then(|v| v.as_str())
        .map(PaymentMethod::parse)
        .or(existing.map(|e| e.payment_method))
        .unwrap_or(PaymentMethod::Unknown);
    Ok(Checkout {
        id,
        company_id: company,
        status: pc.status(),
        payson_status: pc.status_text().unwrap_or("").to_owned(),
        amount,
        payment_method,
        customer_name: pc.customer_name().unwrap_or_default(),
        customer_email: pc.customer_email().unwrap_or_default().to_owned(),
        reference: pc.merchant_reference().unwrap_or_default().to_owned(),
        snippet: pc.snippet().map(str::to_owned),
        purchase_id: pc.purchase_id(),
        history_json: pc.history_json(),
        // The worklist orders by this; a readyToShip checkout without Payson's timestamp
        // counts from when we first saw it.
        ready_to_ship_at: pc
            .history_time("readyToShip")
            .or(existing.and_then(|e| e.ready_to_ship_at))
            .or((pc.status() == CheckoutStatus::ReadyToShip).then_some(now)),
        created_at: existing
            .map(|e| e.created_at)
            .or(pc.history_time("created"))
            .unwrap_or(now),
        updated_at: now,
        refreshed_at: now,
    })
}

/// Reads the checkout from Payson and stores what Payson says. Used by the
/// *Refresh* button, notifications, reconciliation and importing.
pub async fn refresh_from_payson(
    state: &AppState,
    company: &Company,
    id: CheckoutId,
) -> Result<Checkout, AppError> {
    let creds = credentials(state, company)?;
    let pc = state
        .payson
        .get_checkout(&creds, id.as_uuid())
        .await
        .map_err(|e| payson_error(&e))?;
    let existing = state.store.checkout(id).await?;
    if let Some(e) = &existing
        && e.company_id != company.id
    {
        return Err(AppError::NotFound(Missing::CheckoutId(id.to_string())));
    }
    let c = checkout_from_payson(company.id, &pc, existing.as_ref(), state.clock.now())?;
    state.store.upsert_checkout(&c).await?;
    Ok(c)
}

/// Maps a Payson failure to what the caller is told (rule 9).
pub fn payson_error(e: &PaysonError) -> AppError {
    match e {
        PaysonError::NotSent(_) | PaysonError::Timeout | PaysonError::Dropped(_) => {
            AppError::PaysonUnavailable(PaysonSilence::NoAnswer(e.to_string()))
        }
        PaysonError::Unauthorized => AppError::PaysonRefused(PaysonRefusal::Credentials),
        PaysonError::NotFound => AppError::PaysonRefused(PaysonRefusal::UnknownCheckout),
        PaysonError::Refused { .. } => AppError::PaysonRefused(PaysonRefusal::Refused(
            e.payson_message().unwrap_or_else(|| e.to_string()),
        )),
        PaysonError::Malformed(_) => AppError::PaysonRefused(PaysonRefusal::Unreadable),
        PaysonError::Config(m) => AppError::Internal(anyhow::anyhow!("Payson configuration: {m}")),
    }
}

/// Rule 6's refusal: "The checkout must have status ReadyToShip - 5; it has Shipped - 6".
pub fn not_ready(status: CheckoutStatus) -> AppError {
    AppError::Conflict(Clash::NotReady(status))
}

/// One page of checkouts: awaiting ones soonest-expiring first, others newest first.
pub struct CheckoutPage {
    pub rows: Vec<Checkout>,
    /// Cursor of the next page, if there is one.
    pub next: Option<(DateTime<Utc>, CheckoutId)>,
}

/// Narrows a filter to what the caller may see: their own company, or any company (and
/// the one they picked) for superadmin and auditor.
pub fn scoped(principal: &Principal, mut f: CheckoutFilter) -> Result<CheckoutFilter, AppError> {
    permitted(policy::may_view_checkouts(Actor::from(principal)))?;
    if !policy::is_global(Actor::from(principal)) {
        f.company = Some(principal.company.ok_or(AppError::Forbidden)?);
    }
    Ok(f)
}

/// A view of the checkouts a principal may see, narrowed by a filter: its pages and its
/// totals. Scoped (and permitted) once; its text search is looked up in the index at most
/// once for all of them (a page's rows and totals, every page of a CSV).
pub struct Listing(Matching);

pub fn listing(principal: &Principal, filter: CheckoutFilter) -> Result<Listing, AppError> {
    Ok(Listing(scoped(principal, filter)?.into()))
}

impl Listing {
    /// The same view in another status (`None`: any), its search not asked again.
    pub fn in_status(&self, status: Option<CheckoutStatus>) -> Listing {
        Listing(self.0.in_status(status))
    }

    /// One page of `page_size` rows after the cursor `after`.
    pub async fn page(
        &self,
        state: &AppState,
        after: Option<(DateTime<Utc>, CheckoutId)>,
        page_size: i64,
    ) -> Result<CheckoutPage, AppError> {
        let mut rows = state
            .store
            .list_checkouts(&self.0, after, page_size + 1)
            .await?;
        let awaiting = self.0.filter().is_awaiting();
        let next = if rows.len() as i64 > page_size {
            rows.truncate(usize::try_from(page_size).unwrap_or(0));
            rows.last().and_then(|c| {
                if awaiting {
                    c.ready_to_ship_at.map(|t| (t, c.id))
                } else {
                    Some((c.created_at, c.id))
                }
            })
        } else {
            None
        };
        Ok(CheckoutPage { rows, next })
    }

    /// The worklist's totals: exact for an unfiltered view (from the counts table), and
    /// for a filtered one either exact or "more than `TOTALS_BOUND`", so their cost does
    /// not grow with the matches.
    pub async fn totals(&self, state: &AppState) -> Result<FilterTotals, AppError> {
        Ok(state
            .store
            .checkout_totals_bounded(&self.0, TOTALS_BOUND)
            .await?)
    }
}

/// Count and sum per currency of everything the filter shows.
pub async fn totals(
    state: &AppState,
    principal: &Principal,
    filter: CheckoutFilter,
) -> Result<Vec<(Currency, i64, i64)>, AppError> {
    let f = scoped(principal, filter)?;
    Ok(state.store.checkout_totals(&f).await?)
}

/// A filtered view's totals are counted no further than this: the worklist says "more
/// than 1000" rather than add up every match of a search or a date range.
pub const TOTALS_BOUND: i64 = 1000;

/// A checkout the caller may see, by id alone (the admin desk's URLs carry no company).
/// Another company's checkout is answered as not found.
pub async fn find_visible(
    state: &AppState,
    principal: &Principal,
    id: CheckoutId,
) -> Result<Checkout, AppError> {
    permitted(policy::may_view_checkouts(Actor::from(principal)))?;
    match state.store.checkout(id).await? {
        Some(c) if policy::may_view_company(Actor::from(principal), c.company_id) => Ok(c),
        _ => Err(AppError::NotFound(Missing::CheckoutId(id.to_string()))),
    }
}

/// *Refresh from Payson* on the checkout page: re-reads Payson and audits the outcome.
pub async fn refresh_visible(
    call: Call<'_, &Principal>,
    id: CheckoutId,
) -> Result<Checkout, AppError> {
    let principal = call.actor;
    let result = async {
        let local = find_visible(call.state, principal, id).await?;
        let company = company(call.state, local.company_id).await?;
        refresh_from_payson(call.state, &company, id).await
    }
    .await;
    let entry = super::audit::Entry::new(AuditAction::RefreshCheckout)
        .checkout(id)
        .company(result.as_ref().ok().map(|c| c.company_id))
        .result(&result, 200, |c| {
            format!("Refreshed from Payson; status {}", c.status.describe())
        });
    call.record(entry).await;
    result
}

/// The audit events of a checkout the principal may see, newest first (at most 100).
pub async fn checkout_events(
    state: &AppState,
    principal: &Principal,
    c: &Checkout,
) -> Result<Vec<crate::domain::AuditEvent>, AppError> {
    if !policy::may_view_company(Actor::from(principal), c.company_id) {
        return Err(AppError::NotFound(Missing::CheckoutId(c.id.to_string())));
    }
    let filter = crate::domain::AuditFilter {
        checkout_id: Some(c.id),
        ..Default::default()
    };
    Ok(state.store.audit_events(&filter, 100).await?)
}

/// Every company's id and name, sorted by name.
pub type CompanyNames = crate::store::names::Names;

/// Every company's id and name (cached briefly), for the global views: superadmins and
/// auditors only.
pub async fn company_names(
    state: &AppState,
    principal: &Principal,
) -> Result<CompanyNames, AppError> {
    permitted(policy::is_global(Actor::from(principal)))?;
    Ok(state.company_names.get(&state.store).await?)
}

/// The names of the companies whose checkouts a principal sees: every company's for the
/// global views, else only the principal's own company's.
pub async fn visible_company_names(
    state: &AppState,
    principal: &Principal,
) -> Result<CompanyNames, AppError> {
    let all = state.company_names.get(&state.store).await?;
    if policy::is_global(Actor::from(principal)) {
        return Ok(all);
    }
    let own = all
        .iter()
        .filter(|(id, _)| Some(*id) == principal.company)
        .cloned()
        .collect();
    Ok(std::sync::Arc::new(own))
}

/// One step of a checkout's status history: when, which status, and who made it so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub at: DateTime<Utc>,
    pub status: CheckoutStatus,
    /// The audit log's actor name for the step the desk took (the send), else `None`:
    /// Payson (or the customer at Payson) moved the checkout on.
    pub by: Option<String>,
}

/// Payson's status history oldest first (created first), each step with who took it
/// from the audit trail. Payson writes its times with offsets, so they are ordered as
/// times, not as text.
pub fn timeline(c: &Checkout, events: &[crate::domain::AuditEvent]) -> Vec<Step> {
    let history: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&c.history_json).unwrap_or_default();
    // Who sent: the latest successful send, whoever confirmed it (a person, the
    // operator, or reconciliation settling an open claim).
    let sender = events
        .iter()
        .filter(|e| {
            e.event.action == AuditAction::SendPaymentRequest
                && e.event.outcome == crate::domain::AuditOutcome::Success
        })
        .max_by_key(|e| (e.event.at, e.id))
        .map(|e| e.event.actor.clone());
    let mut steps: Vec<Step> = history
        .into_iter()
        .filter_map(|(k, v)| {
            let at = crate::payson::parse_time(v.as_str()?)?;
            let status = CheckoutStatus::from_payson(&k);
            let by = (status == CheckoutStatus::Shipped)
                .then(|| sender.clone())
                .flatten();
            Some(Step { at, status, by })
        })
        .collect();
    steps.sort_by_key(|s| (s.at, s.status));
    steps
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::{AuditEvent, AuditOutcome, NewAuditEvent};

    /// A shipped 1.00 SEK checkout with this Payson history, every other field empty; the
    /// other modules' tests start from it too.
    pub(crate) fn checkout(history: &str) -> Checkout {
        let at = DateTime::UNIX_EPOCH;
        Checkout {
            id: CheckoutId::from(uuid::Uuid::nil()),
            company_id: CompanyId::from(uuid::Uuid::nil()),
            status: CheckoutStatus::Shipped,
            payson_status: "shipped".into(),
            amount: Money::from_minor(100, Currency::Sek),
            payment_method: PaymentMethod::Card,
            customer_name: String::new(),
            customer_email: String::new(),
            reference: String::new(),
            snippet: None,
            purchase_id: None,
            history_json: history.into(),
            ready_to_ship_at: None,
            created_at: at,
            updated_at: at,
            refreshed_at: at,
        }
    }

    fn send(id: i64, actor: &str, outcome: AuditOutcome) -> AuditEvent {
        AuditEvent {
            id,
            event: NewAuditEvent {
                at: DateTime::UNIX_EPOCH + chrono::Duration::seconds(id),
                actor_user_id: None,
                actor: actor.into(),
                company_id: None,
                checkout_id: None,
                action: AuditAction::SendPaymentRequest,
                outcome,
                http_status: 200,
                remote_addr: String::new(),
                request_id: String::new(),
                message: String::new(),
                payson_message: None,
                note: None,
            },
        }
    }

    #[test]
    fn the_timeline_is_ordered_by_time_not_text_and_names_who_sent() {
        // As text, "08:00:00Z" sorts before "09:30:00+02:00" (07:30 UTC): created first anyway.
        let c = checkout(
            r#"{"shipped":"2026-01-02T10:00:00Z","readyToShip":"2026-01-01T08:00:00Z","created":"2026-01-01T09:30:00+02:00"}"#,
        );
        let events = [
            send(1, "first@acme.test", AuditOutcome::Failed),
            send(2, "reconciliation", AuditOutcome::Success),
        ];
        let steps = timeline(&c, &events);
        let order: Vec<_> = steps.iter().map(|s| s.status).collect();
        assert_eq!(
            order,
            [
                CheckoutStatus::Created,
                CheckoutStatus::ReadyToShip,
                CheckoutStatus::Shipped
            ]
        );
        assert_eq!(steps[0].by, None);
        assert_eq!(steps[2].by.as_deref(), Some("reconciliation"));
        // No history, or none readable: no steps rather than an error.
        assert!(timeline(&checkout("not json"), &events).is_empty());
    }
}

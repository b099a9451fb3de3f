//! Payson's notification (`ipncallback?checkout={id}`). The call itself is never
//! trusted: the checkout is re-read from Payson and what Payson says is stored.

use crate::domain::{AuditAction, AuditOutcome, CheckoutId, CompanyId};
use crate::error::AppError;
use crate::state::AppState;

use super::RequestMeta;
use super::audit::{self, Entry};
use super::checkouts::{company, refresh_from_payson};

/// What to answer Payson. A non-200 status makes Payson retry later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationAnswer {
    pub status: u16,
    pub success: bool,
    pub message: String,
}

/// Handles one notification and audits it. `checkout` is `None` when the query
/// parameter is missing or not a GUID.
pub async fn handle(
    state: &AppState,
    meta: &RequestMeta,
    checkout: Option<CheckoutId>,
) -> NotificationAnswer {
    let Some(id) = checkout else {
        let answer = answer(
            400,
            false,
            "The checkout query parameter is missing or not a GUID",
        );
        audit_answer(state, meta, None, None, &answer).await;
        return answer;
    };
    let (answer, company) = match refresh(state, id).await {
        Ok(Some((status, company))) => (
            answer(200, true, format!("Stored status {status}")),
            Some(company),
        ),
        Ok(None) => {
            tracing::warn!(checkout_id = %id, "notification for an unknown checkout");
            // Answered 200 so that Payson stops retrying a checkout we do not know.
            (answer(200, false, "Unknown checkout"), None)
        }
        Err((e, company)) => (answer(503, false, e.to_string()), company),
    };
    audit_answer(state, meta, Some(id), company, &answer).await;
    answer
}

fn answer(status: u16, success: bool, message: impl Into<String>) -> NotificationAnswer {
    NotificationAnswer {
        status,
        success,
        message: message.into(),
    }
}

/// The stored status and company, `None` for an unknown checkout; on failure the
/// company when it is known.
async fn refresh(
    state: &AppState,
    id: CheckoutId,
) -> Result<Option<(String, CompanyId)>, (AppError, Option<CompanyId>)> {
    let local = match state.store.checkout(id).await {
        Ok(Some(c)) => c,
        Ok(None) => return Ok(None),
        Err(e) => return Err((e.into(), None)),
    };
    let company = company(state, local.company_id)
        .await
        .map_err(|e| (e, None))?;
    let c = refresh_from_payson(state, &company, id)
        .await
        .map_err(|e| (e, Some(company.id)))?;
    Ok(Some((c.status.describe(), company.id)))
}

async fn audit_answer(
    state: &AppState,
    meta: &RequestMeta,
    checkout: Option<CheckoutId>,
    company: Option<CompanyId>,
    a: &NotificationAnswer,
) {
    let outcome = if a.success {
        AuditOutcome::Success
    } else if a.status == 200 {
        AuditOutcome::Rejected
    } else {
        AuditOutcome::Failed
    };
    let mut entry = Entry::new(AuditAction::PaysonNotification)
        .company(company)
        .outcome(outcome, a.status, a.message.clone());
    if let Some(id) = checkout {
        entry = entry.checkout(id);
    }
    audit::record(state, meta, entry).await;
}

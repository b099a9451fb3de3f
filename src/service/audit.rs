//! Appending audit events. A failure to audit is logged but does not change the
//! caller's answer: the outcome at Payson has already happened and must be reported.

use crate::domain::{AuditAction, AuditOutcome, CheckoutId, CompanyId, NewAuditEvent, Principal};
use crate::error::AppError;
use crate::state::AppState;

use super::RequestMeta;

pub struct Entry<'a> {
    pub action: AuditAction,
    pub principal: Option<&'a Principal>,
    pub company_id: Option<CompanyId>,
    pub checkout_id: Option<CheckoutId>,
    pub outcome: AuditOutcome,
    pub http_status: u16,
    pub message: String,
    pub payson_message: Option<String>,
    pub note: Option<String>,
}

impl<'a> Entry<'a> {
    pub fn for_error(action: AuditAction, principal: Option<&'a Principal>, e: &AppError) -> Self {
        Self {
            action,
            principal,
            company_id: None,
            checkout_id: None,
            outcome: outcome_of(e),
            http_status: e.status().as_u16(),
            message: e.to_string(),
            payson_message: None,
            note: None,
        }
    }

    /// An entry describing `result`: success, or the error the caller got.
    pub fn for_result<T>(
        action: AuditAction,
        principal: Option<&'a Principal>,
        result: &Result<T, AppError>,
        success_message: impl FnOnce(&T) -> String,
    ) -> Self {
        match result {
            Ok(v) => Self {
                action,
                principal,
                company_id: None,
                checkout_id: None,
                outcome: AuditOutcome::Success,
                http_status: 200,
                message: success_message(v),
                payson_message: None,
                note: None,
            },
            Err(e) => Self::for_error(action, principal, e),
        }
    }
}

/// How an error is classified in the audit log.
pub fn outcome_of(e: &AppError) -> AuditOutcome {
    match e {
        AppError::PaysonRefused(_) => AuditOutcome::Failed,
        AppError::PaysonUnavailable(_) => AuditOutcome::Unknown,
        AppError::Internal(_) | AppError::Busy => AuditOutcome::Failed,
        _ => AuditOutcome::Rejected,
    }
}

pub async fn record(state: &AppState, meta: &RequestMeta, e: Entry<'_>) {
    let event = NewAuditEvent {
        at: state.clock.now(),
        actor_user_id: e.principal.map(|p| p.user_id),
        actor: e
            .principal
            .map(|p| p.email.clone())
            .unwrap_or_else(|| "anonymous".into()),
        company_id: e.company_id,
        checkout_id: e.checkout_id,
        action: e.action,
        outcome: e.outcome,
        http_status: e.http_status,
        remote_addr: meta.remote_addr.clone(),
        request_id: meta.request_id.clone(),
        message: e.message,
        payson_message: e.payson_message,
        note: e.note,
    };
    state
        .metrics
        .audit_events
        .get_or_create(&crate::metrics::AuditLabels {
            action: event.action.name().to_owned(),
            outcome: event.outcome.name().to_owned(),
        })
        .inc();
    if let Err(err) = state.store.append_audit(&event).await {
        tracing::error!(error = %err, request_id = %meta.request_id, "could not append audit event");
    }
}

/// The audit log, for superadmins and auditors only.
pub async fn list(
    state: &AppState,
    principal: &Principal,
    filter: &crate::domain::AuditFilter,
    limit: i64,
) -> Result<Vec<crate::domain::AuditEvent>, AppError> {
    use crate::domain::Role;
    if !principal.has_any(&[Role::SuperAdmin, Role::Auditor]) {
        return Err(AppError::Forbidden);
    }
    Ok(state.store.audit_events(filter, limit).await?)
}

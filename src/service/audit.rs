//! Appending audit events. A failure to audit is logged but does not change the
//! caller's answer: the outcome at Payson has already happened and must be reported.

use crate::domain::policy::{self, Actor};
use crate::domain::{
    AuditAction, AuditEvent, AuditFilter, AuditOutcome, CheckoutId, CompanyId, NewAuditEvent,
};
use crate::error::AppError;
use crate::state::AppState;

use super::{Call, RequestMeta, permitted};

/// One audit event under construction: `Entry::new(action).by(actor)…` then `record`.
#[must_use]
pub struct Entry<'a> {
    action: AuditAction,
    actor: Option<Actor<'a>>,
    company_id: Option<CompanyId>,
    checkout_id: Option<CheckoutId>,
    outcome: AuditOutcome,
    http_status: u16,
    message: String,
    payson_message: Option<String>,
    note: Option<String>,
}

impl<'a> Entry<'a> {
    /// A successful `action` (200) by nobody in particular until `by` says who.
    pub fn new(action: AuditAction) -> Self {
        Self {
            action,
            actor: None,
            company_id: None,
            checkout_id: None,
            outcome: AuditOutcome::Success,
            http_status: 200,
            message: String::new(),
            payson_message: None,
            note: None,
        }
    }

    pub fn by(mut self, actor: impl Into<Option<Actor<'a>>>) -> Self {
        self.actor = actor.into();
        self
    }

    pub fn company(mut self, c: Option<CompanyId>) -> Self {
        self.company_id = c;
        self
    }

    pub fn checkout(mut self, id: CheckoutId) -> Self {
        self.checkout_id = Some(id);
        self
    }

    pub fn note(mut self, note: Option<String>) -> Self {
        self.note = note.filter(|n| !n.trim().is_empty());
        self
    }

    pub fn payson_message(mut self, m: Option<String>) -> Self {
        self.payson_message = m;
        self
    }

    /// It worked: `status` is what the caller was answered.
    pub fn success(mut self, status: u16, message: impl Into<String>) -> Self {
        self.outcome = AuditOutcome::Success;
        self.http_status = status;
        self.message = message.into();
        self
    }

    /// It ended otherwise, for a reason that is not an `AppError`.
    pub fn outcome(
        mut self,
        outcome: AuditOutcome,
        status: u16,
        message: impl Into<String>,
    ) -> Self {
        self.outcome = outcome;
        self.http_status = status;
        self.message = message.into();
        self
    }

    /// The caller got this error.
    pub fn error(self, e: &AppError) -> Self {
        let status = e.status().as_u16();
        self.outcome(outcome_of(e), status, e.to_string())
    }

    /// Success with `message(value)`, or the error the caller got.
    pub fn result<T>(
        self,
        result: &Result<T, AppError>,
        status: u16,
        message: impl FnOnce(&T) -> String,
    ) -> Self {
        match result {
            Ok(v) => self.success(status, message(v)),
            Err(e) => self.error(e),
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

/// Text as the audit log can keep it: PostgreSQL's text cannot hold NUL, and whatever a
/// caller typed must not make its own event unwritable.
fn storable(s: String) -> String {
    if s.contains('\0') {
        s.replace('\0', "\u{fffd}")
    } else {
        s
    }
}

/// The event `e` describes, as the store keeps it, stamped now.
pub fn event(state: &AppState, meta: &RequestMeta, e: Entry<'_>) -> NewAuditEvent {
    NewAuditEvent {
        at: state.clock.now(),
        actor_user_id: e.actor.and_then(Actor::principal).map(|p| p.user_id),
        actor: storable(e.actor.map_or("anonymous", Actor::name).to_owned()),
        company_id: e.company_id,
        checkout_id: e.checkout_id,
        action: e.action,
        outcome: e.outcome,
        http_status: e.http_status,
        remote_addr: meta.remote_addr.clone(),
        request_id: meta.request_id.clone(),
        message: storable(e.message),
        payson_message: e.payson_message.map(storable),
        note: e.note.map(storable),
    }
}

/// Counts an event that was (or is being) written, by action and outcome.
pub fn count(state: &AppState, event: &NewAuditEvent) {
    state
        .metrics
        .audit_events
        .get_or_create(&crate::metrics::AuditLabels {
            action: event.action.name().to_owned(),
            outcome: event.outcome.name().to_owned(),
        })
        .inc();
}

pub async fn record(state: &AppState, meta: &RequestMeta, e: Entry<'_>) {
    let event = event(state, meta, e);
    count(state, &event);
    if let Err(err) = state.store.append_audit(&event).await {
        tracing::error!(error = %err, request_id = %meta.request_id, "could not append audit event");
    }
}

/// Writes the audit event of a change (`action`, filed under `company`) and passes the
/// result on: a refused or failed change is audited as well as a done one.
pub(super) async fn audited<T>(
    call: Call<'_>,
    (action, company): (AuditAction, Option<CompanyId>),
    result: Result<T, AppError>,
    message: impl FnOnce(&T) -> String,
) -> Result<T, AppError> {
    let entry = Entry::new(action)
        .company(company)
        .result(&result, 200, message);
    call.record(entry).await;
    result
}

/// The audit log, for superadmins and auditors only.
pub async fn list(
    state: &AppState,
    actor: Actor<'_>,
    filter: &AuditFilter,
    limit: i64,
) -> Result<Vec<AuditEvent>, AppError> {
    permitted(policy::may_read_audit(actor))?;
    Ok(state.store.audit_events(filter, limit).await?)
}

/// The user an audit filter names by e-mail, for those who may read the audit log.
pub async fn user_by_email(
    state: &AppState,
    actor: Actor<'_>,
    email: &str,
) -> Result<Option<crate::domain::UserId>, AppError> {
    permitted(policy::may_read_audit(actor))?;
    Ok(state.store.user_by_email(email).await?.map(|u| u.id))
}

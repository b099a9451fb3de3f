//! Use cases. The API handlers, the admin pages and the CLI all call these functions;
//! each takes who acts (`domain::policy::Actor` or a `Principal`) — in a `Call` when it
//! writes an audit event —, asks the policy whether they may, does the work and writes
//! the audit event. The faces do none of that themselves.

pub mod audit;
pub mod bulk;
pub mod checkouts;
pub mod companies;
pub mod digest;
mod digest_mail;
pub mod metrics;
pub mod notifications;
pub mod overview;
pub mod overview_cache;
pub mod payment_request;
pub mod reconcile;
pub mod send_once;
pub mod signin;
pub mod sso;
pub mod tokens;
pub mod users;

use crate::domain::Principal;
use crate::domain::policy::Actor;
use crate::error::{AppError, Clash, Existing};
use crate::state::AppState;
use crate::store::StoreError;

/// One call of a use case: with which app, who is asking, and from where (for the audit
/// log). Every use case that acts on someone's behalf takes one; a face makes it once per
/// request or command (the desk's `SignedIn::call`, the API's principal, the CLI's
/// operator). Who asks is an `Actor` — anyone the policy knows —, or a signed-in
/// `&Principal` for the use cases only a person may call (sending payment requests).
#[derive(Clone, Copy)]
pub struct Call<'a, A = Actor<'a>> {
    pub state: &'a AppState,
    pub actor: A,
    pub meta: &'a RequestMeta,
}

impl<'a, A> Call<'a, A> {
    pub fn new(state: &'a AppState, actor: A, meta: &'a RequestMeta) -> Self {
        Self { state, actor, meta }
    }
}

impl<'a, A: Into<Actor<'a>>> Call<'a, A> {
    /// Writes the audit event `entry` as this call's: by whoever asks, from where they ask.
    pub async fn record(self, entry: audit::Entry<'a>) {
        audit::record(self.state, self.meta, entry.by(self.actor.into())).await;
    }
}

impl<'a> Call<'a, &'a Principal> {
    /// The same call, with its principal as the policy and the audit log see them.
    pub fn as_actor(self) -> Call<'a> {
        Call::new(self.state, Actor::from(self.actor), self.meta)
    }
}

/// Where a request came from, for the audit log.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub request_id: String,
    pub remote_addr: String,
}

impl RequestMeta {
    /// For work that is not an HTTP request (CLI, demo seeding, background tasks).
    pub fn internal(what: &str) -> Self {
        Self {
            request_id: format!("{what}-{}", uuid::Uuid::new_v4().simple()),
            remote_addr: "local".into(),
        }
    }
}

/// Whether the database answers (`/readyz`).
pub async fn database_ready(state: &crate::state::AppState) -> Result<(), StoreError> {
    // Bounded: the pool itself would wait 10 s for a connection, and a probe gives up
    // long before that.
    tokio::time::timeout(state.settings.http.ready_timeout(), state.store.ping())
        .await
        .unwrap_or(Err(StoreError::Busy))
}

/// A unique-key violation as the caller should read it.
/// What the policy grants, or `Forbidden`.
fn permitted(granted: bool) -> Result<(), AppError> {
    if granted {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

fn conflict(what: Existing) -> impl Fn(StoreError) -> AppError {
    move |e| match e {
        StoreError::Conflict(_) => AppError::Conflict(Clash::Exists(what)),
        other => other.into(),
    }
}

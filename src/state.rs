//! What every handler and service receives: the store, Payson, the clock and settings.

use std::sync::Arc;

use crate::auth::throttle::LoginThrottle;
use crate::clock::SharedClock;
use crate::config::Settings;
use crate::crypto::SecretBox;
use crate::payson::PaysonClient;
use crate::store::Store;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub payson: PaysonClient,
    pub clock: SharedClock,
    pub secrets: SecretBox,
    pub settings: Arc<Settings>,
    pub login_throttle: Arc<LoginThrottle>,
    /// Every Argon2 computation goes through these slots (bounded memory).
    pub passwords: Arc<crate::auth::password::PasswordSlots>,
    pub oidc: Arc<crate::auth::oidc::Oidc>,
    pub metrics: Arc<crate::metrics::Metrics>,
    pub company_names: Arc<crate::store::names::CompanyNames>,
    /// Sends the daily digest (SMTP, or nothing when `[smtp]` has no host).
    pub mailer: Arc<dyn crate::mail::Mailer>,
    /// The last UTC day this instance finished the digest for, so later runs that day
    /// cost nothing.
    pub digest_done: Arc<std::sync::Mutex<Option<chrono::NaiveDate>>>,
}

impl AppState {
    /// The server-side session store the session middleware writes through.
    pub fn session_store(&self) -> crate::auth::session_store::DbSessionStore {
        crate::auth::session_store::DbSessionStore::new(self.store.clone(), self.clock.clone())
    }
}

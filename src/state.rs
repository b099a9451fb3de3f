//! What every handler and service receives: the store, Payson, the clock and settings.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

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
    pub company_zones: Arc<crate::store::names::CompanyZones>,
    /// The worklist's overview, reused while the awaiting counts stay the same.
    pub overview_cache: Arc<crate::service::overview_cache::OverviewCache>,
    /// Sends the daily digest (SMTP, or nothing when `[smtp]` has no host).
    pub mailer: Arc<dyn crate::mail::Mailer>,
    /// The last UTC day this instance finished the digest for, so later runs that day
    /// cost nothing.
    pub digest_done: Arc<std::sync::Mutex<Option<chrono::NaiveDate>>>,
    /// Set on SIGTERM/SIGINT: `/readyz` answers 503, new requests are refused,
    /// reconciliation takes no new work.
    pub drain: Arc<Drain>,
}

/// Shutdown's shared state: whether the server is draining and how many admitted
/// requests are still running.
#[derive(Default)]
pub struct Drain {
    draining: AtomicBool,
    in_flight: AtomicUsize,
    idle: tokio::sync::Notify,
    begun: tokio::sync::Notify,
}

impl Drain {
    pub fn start(&self) {
        self.draining.store(true, Ordering::SeqCst);
        self.idle.notify_waiters();
        self.begun.notify_waiters();
    }

    /// Returns once the drain has begun.
    pub async fn begun(&self) {
        let notified = self.begun.notified();
        if !self.is_draining() {
            notified.await;
        }
    }

    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    /// Counts a request as running until the guard drops; `None` when draining. Counted
    /// before the flag is read, so a request admitted as the drain starts is waited for.
    pub fn admit(self: &Arc<Self>) -> Option<InFlight> {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let guard = InFlight(self.clone());
        (!self.is_draining()).then_some(guard)
    }

    /// Returns once no admitted request is running.
    pub async fn idle(&self) {
        loop {
            let notified = self.idle.notified();
            if self.in_flight.load(Ordering::SeqCst) == 0 {
                return;
            }
            notified.await;
        }
    }
}

pub struct InFlight(Arc<Drain>);

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl AppState {
    /// The server-side session store the session middleware writes through.
    pub fn session_store(&self) -> crate::auth::session_store::DbSessionStore {
        crate::auth::session_store::DbSessionStore::new(self.store.clone(), self.clock.clone())
    }
}

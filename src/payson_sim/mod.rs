//! A faithful local stand-in for Payson Checkout 2.0 (payson-api.md): a real HTTP server
//! with Basic auth, the status rules, notifications, an embedded checkout page where a
//! test customer can pay, request counters and fault injection. The app's own code never
//! knows it is talking to it; only tests, the demo and `payson-sim` start it.

mod api;
mod control;
mod embedded;
mod faults;
mod notify;
mod order;
mod state;

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer, web};
use chrono::{DateTime, Utc};
use uuid::Uuid;

pub use faults::{Fault, FaultKind, SimEndpoint};
pub use notify::NotificationAttempt;
pub use state::{CheckoutCounters, SimCounters};

use state::SimState;

/// Payson's public test account (payson-api.md §1); it always exists.
pub const TEST_AGENT_ID: &str = "4";
pub const TEST_API_KEY: &str = "2acab30d-fe50-426f-90d7-8c60a7eb31d4";

#[derive(Clone, Debug)]
pub struct SimAccount {
    pub agent_id: String,
    pub api_key: String,
    pub email: String,
}

#[derive(Clone, Debug)]
pub struct SimConfig {
    pub accounts: Vec<SimAccount>,
    pub notify_max_attempts: u32,
    pub notify_base_delay: Duration,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            accounts: Vec::new(),
            notify_max_attempts: 5,
            notify_base_delay: Duration::from_millis(500),
        }
    }
}

pub(crate) struct Inner {
    pub state: Mutex<SimState>,
    pub origin: String,
    pub cfg: SimConfig,
    pub http: reqwest::Client,
}

impl Inner {
    /// Runs `f` on the state; the lock is never held across an await.
    pub fn with<T>(&self, f: impl FnOnce(&mut SimState) -> T) -> T {
        let mut guard = match self.state.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }
}

/// The simulator's own clock: it plays Payson, whose time is not ours to inject.
#[allow(clippy::disallowed_methods)]
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now()
}

#[derive(Clone)]
pub struct SimHandle {
    inner: Arc<Inner>,
    server: ServerHandle,
}

pub async fn start(bind: &str, cfg: SimConfig) -> std::io::Result<SimHandle> {
    let listener = TcpListener::bind(bind)?;
    let addr = listener.local_addr()?;
    let origin = format!("http://{addr}");
    let mut st = SimState::default();
    st.add_account(SimAccount {
        agent_id: TEST_AGENT_ID.into(),
        api_key: TEST_API_KEY.into(),
        email: "testagent-checkout2@payson.se".into(),
    });
    for a in &cfg.accounts {
        st.add_account(a.clone());
    }
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(std::io::Error::other)?;
    let inner = Arc::new(Inner {
        state: Mutex::new(st),
        origin,
        cfg,
        http,
    });
    let data = web::Data::from(inner.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .configure(control::configure)
            .configure(embedded::configure)
            .configure(api::configure)
    })
    .listen(listener)?
    .workers(2)
    .disable_signals()
    .shutdown_timeout(1)
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    Ok(SimHandle {
        inner,
        server: handle,
    })
}

/// `checkout-desk payson-sim`: runs until the process is stopped.
pub async fn run_forever(bind: &str, cfg: SimConfig) -> std::io::Result<()> {
    let sim = start(bind, cfg).await?;
    println!(
        "Payson simulator at {} (test account: agent {TEST_AGENT_ID}, key {TEST_API_KEY})",
        sim.base_url()
    );
    tokio::signal::ctrl_c().await
}

impl SimHandle {
    /// `http://127.0.0.1:PORT/2.0/`
    pub fn base_url(&self) -> String {
        format!("{}/2.0/", self.inner.origin)
    }

    pub fn origin(&self) -> String {
        self.inner.origin.clone()
    }

    pub fn counters(&self) -> SimCounters {
        self.inner.with(|s| s.counters.clone())
    }

    /// How many times the checkout was moved to `shipped`.
    pub fn ship_count(&self, id: Uuid) -> u32 {
        self.inner
            .with(|s| s.ship_counts.get(&id).copied().unwrap_or(0))
    }

    /// GETs and PUTs received for the checkout, and ship requests accepted.
    pub fn checkout_counters(&self, id: Uuid) -> CheckoutCounters {
        self.inner
            .with(|s| s.per_checkout.get(&id).cloned().unwrap_or_default())
    }

    pub fn inject(&self, f: Fault) {
        self.inner.with(|s| s.faults.push(f));
    }

    pub fn clear_faults(&self) {
        self.inner.with(|s| s.faults.clear());
    }

    pub fn add_account(&self, a: SimAccount) {
        self.inner.with(|s| s.add_account(a));
    }

    /// A change Payson or the customer makes (pay → readyToShip, paidToAccount, expired,
    /// denied, canceled). `at` backdates it, e.g. so demo expiry dates vary.
    pub fn transition(
        &self,
        id: Uuid,
        to: &str,
        payment_method: Option<&str>,
        at: Option<DateTime<Utc>>,
    ) -> Result<(), String> {
        let notify = self
            .inner
            .with(|s| s.payson_transition(id, to, payment_method, at.unwrap_or_else(now)))?;
        notify::schedule(&self.inner, notify);
        Ok(())
    }

    pub fn checkout_json(&self, id: Uuid) -> Option<serde_json::Value> {
        self.inner.with(|s| {
            s.checkouts
                .get(&id)
                .map(|c| serde_json::Value::Object(c.doc.clone()))
        })
    }

    pub fn notifications(&self) -> Vec<NotificationAttempt> {
        self.inner.with(|s| s.notifications.clone())
    }

    pub async fn stop(&self) {
        self.server.stop(false).await;
    }
}

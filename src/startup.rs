//! Building the application: store, Payson client, clock, HTTP server. Tests build it
//! the same way on port 0 with their own clock and database.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context;

use crate::auth::throttle::LoginThrottle;
use crate::clock::{SharedClock, SystemClock};
use crate::config::{Settings, redact_url};
use crate::crypto::SecretBox;
use crate::http;
use crate::payson::{PaysonClient, PaysonClientConfig};
use crate::state::AppState;
use crate::store::Store;

pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    pub async fn build_with_clock(
        mut settings: Settings,
        clock: SharedClock,
    ) -> anyhow::Result<Self> {
        // Checked before an empty public_url is filled in, so "OpenID without public_url"
        // is refused rather than papered over.
        settings.validate()?;
        let listener = TcpListener::bind(&settings.listen)
            .with_context(|| format!("cannot listen on {}", settings.listen))?;
        settings.settle_public_url(listener.local_addr()?);
        let state = build_state(settings, clock).await?;
        let port = listener.local_addr()?.port();
        let server = run(listener, state.clone())?;
        Ok(Self {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// A handle that stops the server (tests stop instances to simulate failures).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// `run_until_stopped`, and SIGTERM/SIGINT start the drain (`drain_on_signal`): what
    /// `serve` runs. Tests use `run_until_stopped`, so their process keeps its signals.
    pub async fn run_until_signalled(self) -> std::io::Result<()> {
        let drain = tokio::spawn(drain_on_signal(self.server.handle(), self.state.clone()));
        let served = self.run_until_stopped().await;
        drain.abort();
        served
    }

    /// Serves until stopped, with the background reconciliation beside it.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let reconcile = tokio::spawn(crate::service::reconcile::run_forever(self.state.clone()));
        let bulk = tokio::spawn(crate::service::bulk::run_forever(self.state.clone()));
        let served = self.server.await;
        if self.state.drain.is_draining() {
            // Runs under way may be mid-Payson-call: let them end, within the drain. A
            // bulk row cut short is finished by whichever instance takes it next.
            let limit = self.state.settings.http.shutdown_drain();
            let (abort, abort_bulk) = (reconcile.abort_handle(), bulk.abort_handle());
            let both = async {
                let _ = tokio::join!(reconcile, bulk);
            };
            if tokio::time::timeout(limit, both).await.is_err() {
                abort.abort();
                abort_bulk.abort();
            }
        } else {
            reconcile.abort();
            bulk.abort();
        }
        served
    }
}

/// On SIGTERM/SIGINT: `/readyz` turns 503 and new requests are refused at once, requests
/// in flight get `http.shutdown_drain_secs` to finish, then the server stops.
pub async fn drain_on_signal(server: actix_web::dev::ServerHandle, state: AppState) {
    shutdown_signal().await;
    let limit = state.settings.http.shutdown_drain();
    tracing::info!(
        drain_secs = limit.as_secs(),
        "shutting down: refusing new requests, letting those in flight finish"
    );
    state.drain.start();
    let finished = tokio::time::timeout(limit, state.drain.idle())
        .await
        .is_ok();
    if !finished {
        tracing::warn!("shutdown drain over with requests still running; stopping anyway");
    }
    server.stop(finished).await;
    tracing::info!("stopped");
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGTERM; only SIGINT drains");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Connects and migrates the store and builds the shared state.
pub async fn build_state(settings: Settings, clock: SharedClock) -> anyhow::Result<AppState> {
    // Settings built in code (tests, the demo) get the checks a config file gets.
    settings.validate()?;
    if settings.secret_key.trim().is_empty() {
        anyhow::bail!(
            "secret_key is not set: put `secret_key = \"{}\"` (a fresh random key) in the config file or set CHECKOUT_DESK_SECRET_KEY",
            SecretBox::generate_key()
        );
    }
    let secrets = SecretBox::from_base64(&settings.secret_key)?;
    let store = Store::connect(&settings.database_url)
        .await
        .with_context(|| {
            format!(
                "cannot open the database {}",
                redact_url(&settings.database_url)
            )
        })?;
    store.migrate().await.context("cannot apply migrations")?;
    let metrics = Arc::new(crate::metrics::Metrics::default());
    let observer = Arc::clone(&metrics);
    let payson = PaysonClient::new(&PaysonClientConfig {
        connect_timeout: settings.payson.connect_timeout(),
        request_timeout: settings.payson.request_timeout(),
    })?
    .observed(Arc::new(move |endpoint, outcome, took| {
        observer.payson_call(endpoint, outcome, took);
    }));
    let login_throttle = Arc::new(LoginThrottle::new(
        settings.session.login_attempts_per_minute,
    ));
    let oidc = Arc::new(crate::auth::oidc::Oidc::new(&settings, clock.clone())?);
    let passwords = Arc::new(crate::auth::password::PasswordSlots::new(
        settings.auth.password_concurrency,
        std::time::Duration::from_millis(settings.auth.password_wait_ms),
    ));
    let mailer = crate::mail::from_settings(&settings.smtp)?;
    Ok(AppState {
        store,
        payson,
        oidc,
        metrics,
        company_names: Arc::default(),
        company_zones: Arc::default(),
        overview_cache: Arc::default(),
        mailer,
        digest_done: Arc::default(),
        clock,
        secrets,
        settings: Arc::new(settings),
        login_throttle,
        passwords,
        drain: Arc::default(),
    })
}

pub fn run(listener: TcpListener, state: AppState) -> anyhow::Result<Server> {
    let shutdown_timeout = state.settings.http.shutdown_drain_secs;
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .wrap(from_fn(http::middleware::body_deadline))
            // Built per worker: the middleware is not Send.
            .wrap(from_fn(http::web::page::localized_errors))
            .wrap(http::web::session_middleware(&data))
            .wrap(from_fn(http::middleware::refuse_when_draining))
            .wrap(from_fn(http::middleware::security_headers))
            .wrap(from_fn(http::middleware::metrics))
            .wrap(from_fn(http::middleware::request_id))
            .configure(|c| http::configure(c, &data.settings))
    })
    .listen(listener)?
    // Our own signal handling drains first (see `drain_on_signal`); actix's would stop
    // accepting at once, so /readyz could not say 503.
    .disable_signals()
    .shutdown_timeout(shutdown_timeout)
    .run();
    Ok(server)
}

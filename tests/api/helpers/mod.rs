//! spawn_app(): the whole server on port 0 with its own database (SQLite file or a fresh
//! PostgreSQL database) and its own Payson simulator, plus seeded companies, users and
//! API tokens. Tests talk to it over real HTTP: through the per-route requests of `api`,
//! as a signed-in person through `browser::Browser`, in real Chromium through `webdriver`,
//! and through a real OpenID provider with `idp`.

pub mod api;
pub mod browser;
pub mod idp;
pub mod webdriver;

use std::sync::{Arc, LazyLock};

use checkout_desk::clock::{ManualClock, SharedClock, SystemClock};
use checkout_desk::config::Settings;
use checkout_desk::crypto::SecretBox;
use checkout_desk::domain::policy::Actor;
use checkout_desk::domain::{CheckoutId, Company, Role, RoleSet, User};
use checkout_desk::payson::PaysonCredentials;
use checkout_desk::payson_sim::{self, SimAccount, SimConfig, SimHandle};
use checkout_desk::service::{Call, RequestMeta, checkouts, companies, tokens, users};
use checkout_desk::startup::Application;
use checkout_desk::state::AppState;
use serde_json::json;

static TRACING: LazyLock<()> = LazyLock::new(|| {
    if std::env::var("TEST_LOG").is_ok() {
        checkout_desk::telemetry::init_tracing("info,checkout_desk=debug");
    }
});

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// The password of every user the tests add.
pub const PASSWORD: &str = "a long enough password";

pub const PG_DEFAULT: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A database URL nobody else uses. PostgreSQL must be reachable: if it is not, the test
/// fails loudly rather than skipping.
pub async fn fresh_database_url(db: Db) -> String {
    match db {
        Db::Sqlite => {
            let dir = std::env::temp_dir().join("checkout-desk-tests");
            std::fs::create_dir_all(&dir).unwrap();
            format!(
                "sqlite://{}",
                dir.join(format!("{}.db", uuid::Uuid::new_v4().simple()))
                    .display()
            )
        }
        Db::Postgres => {
            use sqlx::Connection;
            let admin_url =
                std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| PG_DEFAULT.into());
            let mut conn = sqlx::PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
                panic!("PostgreSQL is not reachable at {admin_url} ({e}); start it (see README) — these tests never skip")
            });
            let name = format!("cd_test_{}", uuid::Uuid::new_v4().simple());
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .unwrap();
            let base = admin_url
                .rsplit_once('/')
                .map(|(b, _)| b)
                .unwrap_or(&admin_url);
            format!("{base}/{name}")
        }
    }
}

/// A local port nothing listens on (yet).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Each seeded user's API token (empty when not seeded).
#[derive(Default)]
pub struct Tokens {
    pub writer: String,
    pub reader: String,
    pub superadmin: String,
    pub auditor: String,
    pub other_writer: String,
    pub no_roles: String,
}

pub struct TestApp {
    pub address: String,
    pub state: AppState,
    pub sim: SimHandle,
    pub client: reqwest::Client,
    pub company: Company,
    pub creds: PaysonCredentials,
    pub other_company: Company,
    pub other_creds: PaysonCredentials,
    pub tokens: Tokens,
    pub database_url: String,
    pub clock: Option<ManualClock>,
}

pub struct Options {
    pub db: Db,
    pub database_url: Option<String>,
    pub sim: Option<SimHandle>,
    pub settings: Box<dyn Fn(&mut Settings)>,
    pub manual_clock: bool,
    /// Seed companies/users (false for a second instance on a shared database).
    pub seed: bool,
}

impl Options {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            database_url: None,
            sim: None,
            settings: Box::new(|_| {}),
            manual_clock: false,
            seed: true,
        }
    }
}

pub async fn spawn_app(db: Db) -> TestApp {
    spawn_with(Options::new(db)).await
}

pub async fn spawn_with(opts: Options) -> TestApp {
    LazyLock::force(&TRACING);
    let sim = match opts.sim {
        Some(s) => s,
        None => payson_sim::start(
            "127.0.0.1:0",
            SimConfig {
                notify_max_attempts: 1,
                ..SimConfig::default()
            },
        )
        .await
        .unwrap(),
    };
    let database_url = match opts.database_url {
        Some(u) => u,
        None => fresh_database_url(opts.db).await,
    };
    let mut settings = Settings {
        listen: "127.0.0.1:0".into(),
        database_url: database_url.clone(),
        secret_key: TEST_SECRET.clone(),
        ..Settings::default()
    };
    settings.payson.request_timeout_ms = 1_500;
    settings.payson.connect_timeout_ms = 1_000;
    // Tests run reconciliation by hand (`reconcile::run_once`), at the moment they choose.
    settings.reconcile.interval_secs = 0;
    (opts.settings)(&mut settings);
    // OpenID and the digest need a public_url known before start-up (redirect URIs and
    // the links in mails are built from it).
    if (!settings.oidc.is_empty() || settings.digest.enabled) && settings.public_url.is_empty() {
        let port = free_port();
        settings.listen = format!("127.0.0.1:{port}");
        settings.public_url = format!("http://127.0.0.1:{port}");
    }
    let manual = opts
        .manual_clock
        .then(|| ManualClock::new(chrono::Utc::now()));
    let clock: SharedClock = match &manual {
        Some(m) => Arc::new(m.clone()),
        None => Arc::new(SystemClock),
    };
    let app = Application::build_with_clock(settings, clock)
        .await
        .unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());

    let (company, creds) = add_company(&state, &sim, "Acme Bokning AB", "7001").await;
    let (other_company, other_creds) = add_company(&state, &sim, "Other Company AB", "7002").await;
    let tokens = if opts.seed {
        let token = |email, roles, company| user_token(&state, email, roles, company);
        Tokens {
            writer: token("writer@acme.test", &[Role::AdminWrite], Some(&company)).await,
            reader: token("reader@acme.test", &[Role::AdminRead], Some(&company)).await,
            superadmin: token("root@desk.test", &[Role::SuperAdmin], None).await,
            auditor: token("auditor@desk.test", &[Role::Auditor], None).await,
            other_writer: token(
                "writer@other.test",
                &[Role::AdminWrite],
                Some(&other_company),
            )
            .await,
            no_roles: token("nobody@acme.test", &[], Some(&company)).await,
        }
    } else {
        Tokens::default()
    };
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        // Below the app's 5 s keep-alive: a reused connection the server is closing
        // would fail a request at random under load.
        .pool_idle_timeout(std::time::Duration::from_secs(4))
        .build()
        .unwrap();
    TestApp {
        address,
        state,
        sim,
        client,
        company,
        creds,
        other_company,
        other_creds,
        tokens,
        database_url,
        clock: manual,
    }
}

static TEST_SECRET: LazyLock<String> = LazyLock::new(SecretBox::generate_key);

/// Each company gets its own simulator account (agent ids are per company, keys random).
async fn add_company(
    state: &AppState,
    sim: &SimHandle,
    name: &str,
    agent: &str,
) -> (Company, PaysonCredentials) {
    let agent_id = format!("{agent}{}", &uuid::Uuid::new_v4().simple().to_string()[..6]);
    let api_key = uuid::Uuid::new_v4().to_string();
    sim.add_account(SimAccount {
        agent_id: agent_id.clone(),
        api_key: api_key.clone(),
        email: format!("{agent}@merchant.test"),
    });
    let c = companies::add(
        Call::new(state, Actor::Operator, &RequestMeta::internal("test")),
        companies::NewCompany {
            id: None,
            name: name.into(),
            payson_agent_id: agent_id.clone(),
            payson_api_key: api_key.clone(),
            payson_base_url: Some(sim.base_url()),
        },
    )
    .await
    .unwrap();
    (
        c,
        PaysonCredentials {
            base_url: sim.base_url(),
            agent_id,
            api_key,
        },
    )
}

/// A user who signs in with `PASSWORD`, added as the operator would.
pub async fn add_user(
    state: &AppState,
    email: &str,
    roles: &[Role],
    company: Option<&Company>,
) -> User {
    let new = users::NewUser {
        email: email.into(),
        display_name: String::new(),
        password: Some(PASSWORD.into()),
        company_id: company.map(|c| c.id),
        roles: roles.iter().copied().collect::<RoleSet>(),
    };
    users::add(
        Call::new(state, Actor::Operator, &RequestMeta::internal("test")),
        new,
    )
    .await
    .unwrap()
}

pub async fn user_token(
    state: &AppState,
    email: &str,
    roles: &[Role],
    company: Option<&Company>,
) -> String {
    let u = add_user(state, email, roles, company).await;
    issue_token(state, u.id).await.secret
}

/// Issues an API token for the user as the operator would.
pub async fn issue_token(
    state: &AppState,
    user: checkout_desk::domain::UserId,
) -> tokens::IssuedToken {
    tokens::issue(
        Call::new(state, Actor::Operator, &RequestMeta::internal("test")),
        user,
        "test",
    )
    .await
    .unwrap()
}

/// Issues a company API key as the operator would.
pub async fn issue_company_api_key(
    state: &AppState,
    company: checkout_desk::domain::CompanyId,
    notes: &str,
    allowed_ips: &str,
    expires_in_days: Option<i64>,
) -> (checkout_desk::domain::CompanyApiKey, uuid::Uuid) {
    let new = companies::NewApiKey {
        notes: notes.into(),
        allowed_ips: allowed_ips.into(),
        expires_in_days,
    };
    companies::issue_api_key(
        Call::new(state, Actor::Operator, &RequestMeta::internal("test")),
        company,
        new,
    )
    .await
    .unwrap()
}

/// A user without a company (superadmin, auditor) who signs in with `PASSWORD`.
pub async fn global_user(app: &TestApp, email: &str, role: Role) {
    add_user(&app.state, email, &[role], None).await;
}

impl TestApp {
    /// The company as stored now.
    pub async fn stored_company(
        &self,
        id: checkout_desk::domain::CompanyId,
    ) -> checkout_desk::domain::Company {
        self.state.store.company(id).await.unwrap().unwrap()
    }

    /// Payson refuses the next update once, saying the merchant account is locked.
    pub fn refuse_next_update(&self) {
        self.sim.inject(checkout_desk::payson_sim::Fault {
            endpoint: checkout_desk::payson_sim::SimEndpoint::Update,
            kind: checkout_desk::payson_sim::FaultKind::Status {
                code: 400,
                body: r#"{"message":"Merchant account locked"}"#.into(),
            },
            count: 1,
            apply_first: false,
            apply_after_ms: None,
        });
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A checkout at the simulator in `status` (Payson's name), imported into our store.
    pub async fn checkout(&self, other: bool, status: &str) -> CheckoutId {
        let (company, creds) = if other {
            (&self.other_company, &self.other_creds)
        } else {
            (&self.company, &self.creds)
        };
        let body = json!({
            "merchant": {
                "checkoutUri": "https://shop.test/checkout", "confirmationUri": "https://shop.test/confirmation",
                "notificationUri": "https://shop.test/notification", "termsUri": "https://shop.test/terms",
                "reference": "BK-1"
            },
            "customer": { "firstName": "Tess T", "lastName": "Persson", "email": "tess@example.com" },
            "order": { "currency": "sek", "items": [ { "name": "Bokning", "unitPrice": 399.5, "quantity": 2, "taxRate": 0.25 } ] }
        });
        let created = self
            .state
            .payson
            .create_checkout(creds, &body)
            .await
            .unwrap();
        let id = created.id().unwrap();
        match status {
            "created" => {}
            "readyToShip" => self
                .sim
                .transition(id, "readyToShip", Some("card"), None)
                .unwrap(),
            "shipped" => {
                self.sim
                    .transition(id, "readyToShip", Some("card"), None)
                    .unwrap();
                let mut c = self.state.payson.get_checkout(creds, id).await.unwrap();
                c.set_status(checkout_desk::domain::CheckoutStatus::Shipped);
                self.state.payson.update_checkout(creds, &c).await.unwrap();
            }
            other => self.sim.transition(id, other, None, None).unwrap(),
        }
        checkouts::refresh_from_payson(&self.state, company, id.into())
            .await
            .unwrap();
        id.into()
    }

    pub async fn ready(&self) -> CheckoutId {
        self.checkout(false, "readyToShip").await
    }

    /// One of our company's checkouts, paid by card at `paid_at` (so it expires 59 days on).
    pub async fn ready_since(&self, paid_at: chrono::DateTime<chrono::Utc>) -> CheckoutId {
        let id = self.checkout(false, "created").await;
        self.sim
            .transition(id.as_uuid(), "readyToShip", Some("card"), Some(paid_at))
            .unwrap();
        checkouts::refresh_from_payson(&self.state, &self.company, id)
            .await
            .unwrap();
        id
    }

    pub async fn local(&self, id: CheckoutId) -> checkout_desk::domain::Checkout {
        self.state.store.checkout(id).await.unwrap().unwrap()
    }

    pub async fn user(&self, email: &str) -> User {
        self.state
            .store
            .user_by_email(email)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no user {email}"))
    }

    pub async fn audit(
        &self,
        f: checkout_desk::domain::AuditFilter,
        limit: i64,
    ) -> Vec<checkout_desk::domain::AuditEvent> {
        self.state.store.audit_events(&f, limit).await.unwrap()
    }

    pub async fn audit_for(&self, id: CheckoutId) -> Vec<checkout_desk::domain::AuditEvent> {
        let f = checkout_desk::domain::AuditFilter {
            checkout_id: Some(id),
            ..Default::default()
        };
        self.audit(f, 100).await
    }

    /// The newest 500 events of every kind.
    pub async fn audit_all(&self) -> Vec<checkout_desk::domain::AuditEvent> {
        self.audit(Default::default(), 500).await
    }
}

/// Parses a ServiceStack JSON error body into (ErrorCode, Message, first FieldName).
pub async fn ss_error(resp: reqwest::Response) -> (String, String, Option<String>) {
    let v: serde_json::Value = resp.json().await.unwrap();
    let rs = &v["ResponseStatus"];
    (
        rs["ErrorCode"].as_str().unwrap_or_default().to_owned(),
        rs["Message"].as_str().unwrap_or_default().to_owned(),
        rs["Errors"][0]["FieldName"].as_str().map(str::to_owned),
    )
}

/// Runs one `async fn name(db: Db)` on both backends, as `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Db::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::helpers::Db::Postgres).await
            }
        }
    )*};
}

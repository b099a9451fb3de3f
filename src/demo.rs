//! `checkout-desk demo`: the server, the Payson simulator and demo data on one machine,
//! with nothing to set up. The demo database is rebuilt at every start because the
//! simulator keeps its checkouts in memory and the two must agree.

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use chrono::Duration;
use clap::Args;
use futures_util::{StreamExt, stream};
use serde_json::json;

use crate::clock::SystemClock;
use crate::config::Settings;
use crate::crypto::SecretBox;
use crate::domain::policy::Actor;
use crate::domain::{Company, Role, RoleSet};
use crate::payson::PaysonCredentials;
use crate::payson_sim::{self, SimAccount, SimConfig};
use crate::service::{Call, RequestMeta, checkouts, companies, tokens, users};
use crate::startup::{self, build_state};
use crate::state::AppState;

#[derive(Args, Clone, Debug)]
pub struct DemoArgs {
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    #[arg(long, default_value_t = 8081)]
    pub sim_port: u16,
    #[arg(long, default_value = "data")]
    pub data_dir: PathBuf,
    /// How many checkouts to create in all.
    #[arg(long, default_value_t = 300)]
    pub checkouts: usize,
    /// Also start a local OpenID provider (the one the tests start: needs Node.js and
    /// `npm ci --prefix tests/oidc`, run from the repository) and offer "Sign in with Demo IdP".
    #[arg(long)]
    pub oidc: bool,
    #[arg(long, default_value_t = 8082)]
    pub oidc_port: u16,
}

const COMPANIES: [(&str, &str); 3] = [
    ("Salong Klippet AB", "klippet"),
    ("Fjällturer i Jämtland AB", "fjallturer"),
    ("Kajak & Kanot HB", "kajak"),
];

const CUSTOMERS: [(&str, &str); 10] = [
    ("Tess T", "Persson"),
    ("Anna", "Lindqvist"),
    ("Erik", "Johansson"),
    ("Maja", "Andersson"),
    ("Lars", "Nilsson"),
    ("Sara", "Öberg"),
    ("Johan", "Karlsson"),
    ("Elin", "Ström"),
    ("Oskar", "Berg"),
    ("Karin", "Åkesson"),
];

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    crate::telemetry::init_tracing("warn,checkout_desk=info");
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("cannot create {}", args.data_dir.display()))?;
    let db = args.data_dir.join("demo.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let sim = payson_sim::start(
        &format!("{}:{}", args.host, args.sim_port),
        SimConfig::default(),
    )
    .await
    .context("cannot start the Payson simulator")?;
    let listener = TcpListener::bind((args.host.as_str(), args.port))
        .with_context(|| format!("cannot listen on {}:{}", args.host, args.port))?;
    let public_url = format!("http://{}:{}", args.host, listener.local_addr()?.port());
    let mut settings = Settings {
        listen: format!("{}:{}", args.host, args.port),
        public_url: public_url.clone(),
        database_url: format!("sqlite://{}", db.display()),
        secret_key: secret_key(&args.data_dir)?,
        ..Settings::default()
    };
    let idp = if args.oidc {
        let idp = demo_idp::DemoIdp::prepare(args.oidc_port)?;
        settings.oidc.insert(demo_idp::NAME.into(), idp.settings()?);
        Some(idp)
    } else {
        None
    };
    let state = build_state(settings, Arc::new(SystemClock)).await?;
    println!(
        "Seeding the demo (Payson simulator at {}) ...",
        sim.origin()
    );
    let seeded = seed(&state, &sim, &public_url, args.checkouts).await?;
    // The provider is started once the company its person belongs to exists.
    let running = match &idp {
        Some(idp) => Some(
            idp.start(&args.data_dir, &public_url, &seeded.company)
                .await?,
        ),
        None => None,
    };
    let server = startup::run(listener, state.clone())?;
    tokio::spawn(startup::drain_on_signal(server.handle(), state));
    let extra = idp.as_ref().map(demo_idp::DemoIdp::welcome);
    print_welcome(&public_url, &sim.origin(), &seeded, extra.as_deref());
    server.await?;
    drop(running);
    Ok(())
}

/// The optional local OpenID provider of `demo --oidc` (also started by the tests).
pub mod demo_idp {
    use std::io::{BufRead, BufReader};
    use std::process::{Child, Command, Stdio};

    use anyhow::{Context, bail};

    use crate::config::{FirstSignIn, OidcProviderSettings};

    pub const NAME: &str = "demo-idp";
    const SCRIPT: &str = "tests/oidc/provider.mjs";
    const CLIENT_ID: &str = "checkout-desk-demo";
    const LOGIN: &str = "anna";

    pub struct DemoIdp {
        port: u16,
        client_secret: String,
        password: String,
    }

    /// Starts `node <script> --port <port> --config <config>` (tests/oidc/provider.mjs) and
    /// waits for its `ISSUER=` line; returns the child and the issuer. The provider exits when
    /// its stdin closes, so it never outlives the process holding the child.
    pub async fn spawn_provider(
        script: &std::path::Path,
        port: u16,
        config: &std::path::Path,
    ) -> anyhow::Result<(Child, String)> {
        let mut child = Command::new("node")
            .arg(script)
            .args(["--port", &port.to_string(), "--config"])
            .arg(config)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start node for the OpenID provider")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let line = tokio::time::timeout(
            std::time::Duration::from_secs(30),
            tokio::task::spawn_blocking(move || {
                let mut line = String::new();
                BufReader::new(stdout).read_line(&mut line).map(|_| line)
            }),
        )
        .await
        .context("the OpenID provider did not start within 30 s")???;
        match line.trim().strip_prefix("ISSUER=") {
            Some(issuer) => Ok((child, issuer.to_owned())),
            None => {
                let _ = child.kill();
                bail!("the OpenID provider did not start: {line}");
            }
        }
    }

    /// Kills the provider when the demo ends.
    pub struct Running(Child);

    impl Drop for Running {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    impl DemoIdp {
        pub fn prepare(port: u16) -> anyhow::Result<Self> {
            if !std::path::Path::new("tests/oidc/node_modules/oidc-provider").exists() {
                bail!(
                    "--oidc needs Node.js and the test provider: run `npm ci --prefix tests/oidc` in the repository and start the demo from there"
                );
            }
            let port = if port == 0 {
                std::net::TcpListener::bind("127.0.0.1:0")?
                    .local_addr()?
                    .port()
            } else {
                port
            };
            let secret = || crate::crypto::new_api_token().replace("cdt_", "");
            Ok(Self {
                port,
                client_secret: secret(),
                password: secret().chars().take(16).collect(),
            })
        }

        fn issuer(&self) -> String {
            format!("http://127.0.0.1:{}", self.port)
        }

        pub fn settings(&self) -> anyhow::Result<OidcProviderSettings> {
            let mut s: OidcProviderSettings = toml::from_str(&format!(
                "issuer = \"{}\"\nclient_id = \"{CLIENT_ID}\"\nclient_secret = \"{}\"\n\
                 display_name = \"Demo IdP\"\nscopes = [\"openid\", \"email\", \"profile\", \"roles\"]\n\
                 api_audience = \"checkout-desk-api\"\n",
                self.issuer(),
                self.client_secret
            ))?;
            s.first_sign_in = FirstSignIn::Create;
            Ok(s)
        }

        /// Starts `node tests/oidc/provider.mjs` with our client and one person, an
        /// administrator of `company`, and waits until it listens.
        pub async fn start(
            &self,
            data_dir: &std::path::Path,
            public_url: &str,
            company: &str,
        ) -> anyhow::Result<Running> {
            let config = serde_json::json!({
                "clients": [{
                    "client_id": CLIENT_ID,
                    "client_secret": self.client_secret,
                    "redirect_uris": [format!("{public_url}/login/oidc/{NAME}/callback")],
                    "post_logout_redirect_uris": [format!("{public_url}/login")],
                }],
                "users": [{
                    "sub": LOGIN, "password": self.password,
                    "email": "anna@idp.demo.local", "email_verified": true,
                    "name": "Anna (Demo IdP)",
                    "roles": ["bookingsupplier-administrator-write"], "company_id": company,
                }],
                "access_token_audience": "checkout-desk-api",
                "access_token_ttl": 3600,
            });
            let file = data_dir.join("oidc-provider.json");
            std::fs::write(&file, config.to_string())?;
            let (child, _) = spawn_provider(std::path::Path::new(SCRIPT), self.port, &file).await?;
            Ok(Running(child))
        }

        pub fn welcome(&self) -> String {
            format!(
                "OpenID sign-in: on the login page choose \"Sign in with Demo IdP\" and log in there as {LOGIN} / {} \n  (a real OpenID provider at {}; first sign-in creates the user with the provider's roles and company)\n",
                self.password,
                self.issuer()
            )
        }
    }
}

/// The demo keeps its secret key in the data directory so restarts can read old secrets.
fn secret_key(dir: &std::path::Path) -> anyhow::Result<String> {
    let path = dir.join("secret.key");
    if let Ok(k) = std::fs::read_to_string(&path)
        && SecretBox::from_base64(&k).is_ok()
    {
        return Ok(k.trim().to_owned());
    }
    let k = SecretBox::generate_key();
    std::fs::write(&path, &k)?;
    Ok(k)
}

struct Seeded {
    users: Vec<(String, String, String)>,
    token: String,
    ready_checkout: String,
    company: String,
}

async fn seed(
    state: &AppState,
    sim: &payson_sim::SimHandle,
    public_url: &str,
    total: usize,
) -> anyhow::Result<Seeded> {
    let meta = RequestMeta::internal("demo");
    let call = Call::new(state, Actor::Operator, &meta);
    let mut companies: Vec<(Company, PaysonCredentials)> = Vec::new();
    for (i, (name, _)) in COMPANIES.iter().enumerate() {
        let agent_id = format!("{}", 1001 + i);
        let api_key = uuid::Uuid::new_v4().to_string();
        sim.add_account(SimAccount {
            agent_id: agent_id.clone(),
            api_key: api_key.clone(),
            email: format!("merchant{}@demo.local", i + 1),
        });
        let c = companies::add(
            call,
            companies::NewCompany {
                id: None,
                name: (*name).to_owned(),
                payson_agent_id: agent_id.clone(),
                payson_api_key: api_key.clone(),
                payson_base_url: Some(sim.base_url()),
            },
        )
        .await?;
        companies.push((
            c,
            PaysonCredentials {
                base_url: sim.base_url(),
                agent_id,
                api_key,
            },
        ));
    }

    let mut users = Vec::new();
    let mut add = |email: String, roles: RoleSet, company: Option<&Company>| {
        let pw = crate::crypto::new_api_token().replace("cdt_", "")[..20].to_owned();
        let label = format!(
            "{}{}",
            roles.to_list(),
            company
                .map(|c| format!(" ({})", c.name))
                .unwrap_or_default()
        );
        users.push((email.clone(), pw.clone(), label));
        users::NewUser {
            email,
            display_name: String::new(),
            password: Some(pw),
            company_id: company.map(|c| c.id),
            roles,
        }
    };
    let mut new_users = vec![
        add(
            "superadmin@demo.local".into(),
            RoleSet::empty().with(Role::SuperAdmin),
            None,
        ),
        add(
            "auditor@demo.local".into(),
            RoleSet::empty().with(Role::Auditor),
            None,
        ),
    ];
    for ((c, _), (_, slug)) in companies.iter().zip(COMPANIES) {
        new_users.push(add(
            format!("admin@{slug}.demo.local"),
            RoleSet::empty().with(Role::AdminWrite),
            Some(c),
        ));
        new_users.push(add(
            format!("reader@{slug}.demo.local"),
            RoleSet::empty().with(Role::AdminRead),
            Some(c),
        ));
    }
    for u in new_users {
        users::add(call, u).await?;
    }
    let first_admin = format!("admin@{}.demo.local", COMPANIES[0].1);
    let admin = users::by_email(state, Actor::Operator, &first_admin).await?;
    let token = tokens::issue(call, admin.id, "demo").await?.secret;

    // Create the checkouts at the simulator through the real client, move them through
    // Payson's statuses, then import them the way a refresh does.
    let plan: Vec<(usize, usize)> = (0..total).map(|i| (i, i % companies.len())).collect();
    let results: Vec<anyhow::Result<(usize, uuid::Uuid, &'static str)>> = stream::iter(plan)
        .map(|(i, ci)| {
            let (company, creds) = &companies[ci];
            let _ = company;
            async move {
                let (first, last) = CUSTOMERS[i % CUSTOMERS.len()];
                let body = json!({
                    "merchant": {
                        "checkoutUri": format!("{public_url}/demo/checkout"),
                        "confirmationUri": format!("{public_url}/demo/confirmation"),
                        "notificationUri": format!("{public_url}/payment/payson/v2/ipncallback"),
                        "termsUri": format!("{public_url}/demo/terms"),
                        "reference": format!("BK-{:05}", 10000 + i),
                    },
                    "customer": {
                        "firstName": first, "lastName": last,
                        "email": format!("{}.{}@example.com", first.to_lowercase().replace(' ', ""), last.to_lowercase()),
                        "identityNumber": "4605092222", "countryCode": "SE", "type": "person"
                    },
                    "order": {
                        "currency": "sek",
                        "items": [
                            { "name": "Bokning", "unitPrice": 250 + (i * 37) % 1900, "quantity": 1 + (i % 3), "taxRate": 0.25, "reference": format!("art-{}", i % 7) },
                            { "name": "Bokningsavgift", "unitPrice": 29, "quantity": 1, "taxRate": 0.25, "type": "fee" }
                        ]
                    }
                });
                let created = state.payson.create_checkout(creds, &body).await?;
                let id = created.id().context("created checkout without id")?;
                let status = drive(state, sim, creds, id, i).await?;
                Ok((ci, id, status))
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;

    let mut ready_checkout = None;
    for r in results {
        let (ci, id, status) = r?;
        let (company, _) = &companies[ci];
        checkouts::refresh_from_payson(state, company, id.into()).await?;
        if ci == 0 && status == "readyToShip" && ready_checkout.is_none() {
            ready_checkout = Some(id.to_string());
        }
    }
    Ok(Seeded {
        users,
        token,
        ready_checkout: ready_checkout.unwrap_or_default(),
        company: companies[0].0.name.clone(),
    })
}

/// Moves a new checkout to a status: about half wait for an administrator
/// (readyToShip, reached 0–58 days ago so the expiry badges vary), the rest spread over
/// every other status the simulator has.
async fn drive(
    state: &AppState,
    sim: &payson_sim::SimHandle,
    creds: &PaysonCredentials,
    id: uuid::Uuid,
    i: usize,
) -> anyhow::Result<&'static str> {
    let method = if i.is_multiple_of(3) {
        "invoice"
    } else {
        "card"
    };
    let days_ago = Duration::days(((i * 7) % 59) as i64) + Duration::hours((i % 24) as i64);
    let at = Some(state.clock.now() - days_ago);
    let fail = |e: String| anyhow::anyhow!(e);
    let status = match i % 20 {
        0..=9 => "readyToShip",
        10 | 11 => "shipped",
        12 => "paidToAccount",
        13 | 14 => "created",
        15 => "canceled",
        16 => "expired",
        17 => "denied",
        _ => "readyToShip",
    };
    match status {
        "created" => {}
        "canceled" | "expired" | "denied" => sim.transition(id, status, None, at).map_err(fail)?,
        _ => {
            sim.transition(id, "readyToShip", Some(method), at)
                .map_err(fail)?;
            if matches!(status, "shipped" | "paidToAccount") {
                let mut c = state.payson.get_checkout(creds, id).await?;
                c.set_status(crate::domain::CheckoutStatus::Shipped);
                state.payson.update_checkout(creds, &c).await?;
            }
            if status == "paidToAccount" {
                sim.transition(id, "paidToAccount", None, None)
                    .map_err(fail)?;
            }
        }
    }
    Ok(status)
}

fn print_welcome(url: &str, sim: &str, s: &Seeded, extra: Option<&str>) {
    println!("\ncheckout-desk demo is running at {url}  (Payson simulator: {sim})\n");
    println!(
        "Admin desk: open {url}/login and sign in as admin@{}.demo.local for its worklist.\n",
        COMPANIES[0].1
    );
    println!("Users (passwords are shown once; the demo is rebuilt at every start):");
    for (email, pw, label) in &s.users {
        println!("  {email:<34} {pw}   {label}");
    }
    println!(
        "\nAPI token of admin@{}.demo.local ({}):\n  {}\n",
        COMPANIES[0].1, s.company, s.token
    );
    let path = format!(
        "{url}/payment/payson/v2/checkout/{}/sendpaymentrequest",
        s.ready_checkout
    );
    println!("Send a payment request for a ReadyToShip checkout (JSON):");
    println!(
        "  curl -i -X PUT -H 'Authorization: Bearer {}' -H 'Accept: application/json' {path}\n",
        s.token
    );
    println!("The same in XML (sending twice answers 409):");
    println!(
        "  curl -i -X PUT -H 'Authorization: Bearer {}' {path}.xml\n",
        s.token
    );
    if let Some(extra) = extra {
        println!("{extra}");
    }
    println!("Stop with Ctrl+C.");
}

//! The `checkout-desk` command line.

use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::clock::SystemClock;
use crate::config::{Settings, redact_url};
use crate::domain::policy::Actor;
use crate::domain::{CompanyId, RoleSet};
use crate::service::{Call, RequestMeta, companies, digest, tokens, users};
use crate::startup::{Application, build_state};
use crate::state::AppState;

#[derive(Parser)]
#[command(
    name = "checkout-desk",
    version,
    about = "Send Payson Checkout 2.0 payment requests"
)]
pub struct Cli {
    /// TOML configuration file; CHECKOUT_DESK_* environment variables override it.
    #[arg(long, global = true, env = "CHECKOUT_DESK_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the server.
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Everything on one machine: SQLite under ./data, the Payson simulator, demo data.
    Demo(crate::demo::DemoArgs),
    /// Run the Payson simulator alone.
    PaysonSim {
        #[arg(long, default_value_t = 8081)]
        port: u16,
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
    },
    #[command(subcommand)]
    Company(CompanyCmd),
    #[command(subcommand)]
    User(UserCmd),
    #[command(subcommand)]
    Token(TokenCmd),
    #[command(subcommand)]
    Config(ConfigCmd),
    #[command(subcommand)]
    Digest(DigestCmd),
}

#[derive(Subcommand)]
pub enum ConfigCmd {
    /// Check the configuration file plus CHECKOUT_DESK_* variables as `serve` would read
    /// them; exits non-zero naming what is wrong. Secrets are never printed.
    Check,
}

#[derive(Subcommand)]
pub enum DigestCmd {
    /// Send today's expiry digest now, whatever the hour (still once per company and day).
    Send,
}

#[derive(Subcommand)]
pub enum CompanyCmd {
    /// Add a company with its Payson credentials (the API key is stored encrypted).
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        agent_id: String,
        /// Read from this environment variable instead of the command line if you prefer.
        #[arg(long, env = "CHECKOUT_DESK_PAYSON_API_KEY", hide_env_values = true)]
        api_key: String,
        /// Payson API base URL; defaults to payson.default_base_url.
        #[arg(long)]
        base_url: Option<String>,
        #[arg(long)]
        id: Option<String>,
    },
    /// Issue an x-api-key for a company (printed once, stored hashed).
    ApiKey {
        #[arg(long)]
        company: String,
        #[arg(long, default_value = "")]
        notes: String,
        /// Comma-separated addresses the key is limited to.
        #[arg(long, default_value = "")]
        allowed_ips: String,
        #[arg(long)]
        expires_in_days: Option<i64>,
    },
    /// Set the time zone the desk shows a company's times in (an IANA name).
    TimeZone {
        #[arg(long)]
        company: String,
        /// e.g. Europe/Stockholm or America/New_York.
        #[arg(long)]
        zone: String,
    },
    /// List companies.
    List,
}

#[derive(Args)]
pub struct PasswordArg {
    /// Read the password from standard input (one line) instead of generating one.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Subcommand)]
pub enum UserCmd {
    /// Add a user. Without --password-stdin a random password is generated and printed once.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "")]
        name: String,
        /// Comma-separated: superadmin, bookingsupplier-administrator-write,
        /// bookingsupplier-administrator-read, auditor.
        #[arg(long, default_value = "")]
        roles: String,
        #[arg(long)]
        company: Option<String>,
        #[command(flatten)]
        password: PasswordArg,
    },
    /// Set a new password.
    Passwd {
        #[arg(long)]
        email: String,
        #[command(flatten)]
        password: PasswordArg,
    },
    /// Replace a user's roles (and company).
    Roles {
        #[arg(long)]
        email: String,
        #[arg(long)]
        roles: String,
        #[arg(long)]
        company: Option<String>,
    },
    /// Disable (or with --enable, re-enable) a user; takes effect on the next request.
    Disable {
        #[arg(long)]
        email: String,
        #[arg(long)]
        enable: bool,
    },
    /// Turn a user's daily expiry digest off or on.
    Digest {
        #[arg(long)]
        email: String,
        #[arg(long, conflicts_with = "on", required_unless_present = "on")]
        off: bool,
        #[arg(long)]
        on: bool,
    },
}

#[derive(Subcommand)]
pub enum TokenCmd {
    /// Issue an API token for a user (printed once, stored as a hash).
    Issue {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "api")]
        name: String,
    },
    /// Revoke an API token by its id.
    Revoke { id: String },
}

pub fn load_settings(cli: &Cli) -> anyhow::Result<Settings> {
    Ok(Settings::load(cli.config.as_deref(), std::env::vars())?)
}

/// `config check`: every check start-up makes without opening the database.
fn config_check(cli: &Cli) -> anyhow::Result<()> {
    let source = cli
        .config
        .as_ref()
        .map_or("no file (defaults)".to_owned(), |p| p.display().to_string());
    let settings = load_settings(cli).map_err(|e| anyhow::anyhow!("configuration error: {e}"))?;
    if settings.secret_key.trim().is_empty() {
        anyhow::bail!("configuration error: secret_key is not set (CHECKOUT_DESK_SECRET_KEY)");
    }
    crate::crypto::SecretBox::from_base64(&settings.secret_key)
        .map_err(|e| anyhow::anyhow!("configuration error: secret_key: {e}"))?;
    if !(settings.database_url.starts_with("sqlite:")
        || settings.database_url.starts_with("postgres:")
        || settings.database_url.starts_with("postgresql:"))
    {
        anyhow::bail!("configuration error: database_url must start with sqlite: or postgres:");
    }
    println!("Configuration OK ({source})");
    println!("  listen        {}", settings.listen);
    println!("  public_url    {}", settings.absolute_url(""));
    println!("  database_url  {}", redact_url(&settings.database_url));
    println!(
        "  OpenID        {}",
        settings.oidc.keys().cloned().collect::<Vec<_>>().join(", ")
    );
    Ok(())
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Demo(args) => return crate::demo::run(args.clone()).await,
        Command::PaysonSim { port, host } => {
            crate::telemetry::init_tracing("info");
            let bind = format!("{host}:{port}");
            return Ok(crate::payson_sim::run_forever(
                &bind,
                crate::payson_sim::SimConfig::default(),
            )
            .await?);
        }
        _ => {}
    }
    if let Command::Config(ConfigCmd::Check) = &cli.command {
        return config_check(&cli);
    }
    let settings = load_settings(&cli)?;
    crate::telemetry::init_tracing_as(&settings.log, settings.log_format);
    match cli.command {
        Command::Serve => {
            tracing::info!(settings = ?settings, "starting");
            let app = Application::build(settings).await?;
            tracing::info!(port = app.port(), "listening");
            app.run_until_signalled().await?;
        }
        Command::Migrate => {
            build_state(settings, Arc::new(SystemClock)).await?;
            println!("Migrations applied.");
        }
        Command::Company(cmd) => operate(settings, Operation::Company(cmd)).await?,
        Command::User(cmd) => operate(settings, Operation::User(cmd)).await?,
        Command::Token(cmd) => operate(settings, Operation::Token(cmd)).await?,
        Command::Digest(cmd) => operate(settings, Operation::Digest(cmd)).await?,
        Command::Demo(_) | Command::PaysonSim { .. } | Command::Config(_) => {}
    }
    Ok(())
}

/// The commands that call the services.
enum Operation {
    Company(CompanyCmd),
    User(UserCmd),
    Token(TokenCmd),
    Digest(DigestCmd),
}

/// A command that calls the services, as the operator: one call for the whole command.
async fn operate(settings: Settings, op: Operation) -> anyhow::Result<()> {
    let state = state(settings).await?;
    let meta = RequestMeta::internal("cli");
    let call = Call::new(&state, OP, &meta);
    match op {
        Operation::Company(cmd) => company(call, cmd).await?,
        Operation::User(cmd) => user(call, cmd).await?,
        Operation::Token(cmd) => token(call, cmd).await?,
        Operation::Digest(DigestCmd::Send) => {
            let r = digest::send_now(call).await?;
            println!(
                "Digest: {} companies checked, {} sent ({} mails), {} with nothing to send, {} failed, {} busy elsewhere.",
                r.companies_checked, r.sent, r.mails, r.skipped_empty, r.failed, r.busy
            );
        }
    }
    Ok(())
}

async fn state(settings: Settings) -> anyhow::Result<AppState> {
    build_state(settings, Arc::new(SystemClock)).await
}

fn company_id(s: &str) -> anyhow::Result<CompanyId> {
    s.parse::<CompanyId>().map_err(|e| anyhow::anyhow!("{e}"))
}

/// The command line acts as the operator: the same services as the pages, audited as
/// "operator" from "local".
const OP: Actor<'static> = Actor::Operator;

async fn company(call: Call<'_>, cmd: CompanyCmd) -> anyhow::Result<()> {
    match cmd {
        CompanyCmd::Add {
            name,
            agent_id,
            api_key,
            base_url,
            id,
        } => {
            let id = id.as_deref().map(company_id).transpose()?;
            let new = companies::NewCompany {
                id,
                name,
                payson_agent_id: agent_id,
                payson_api_key: api_key,
                payson_base_url: base_url,
            };
            let c = companies::add(call, new).await?;
            println!("Company {} added: {}", c.name, c.id);
        }
        CompanyCmd::ApiKey {
            company,
            notes,
            allowed_ips,
            expires_in_days,
        } => {
            let company = company_id(&company)?;
            let new = companies::NewApiKey {
                notes,
                allowed_ips,
                expires_in_days,
            };
            let (rec, key) = companies::issue_api_key(call, company, new).await?;
            println!(
                "x-api-key for company {company} (shown once): {key}\nkey id: {}",
                rec.id
            );
        }
        CompanyCmd::TimeZone { company, zone } => {
            let company = company_id(&company)?;
            let zone = companies::set_time_zone(call, company, &zone).await?;
            println!("Company {company} now shows times in {zone}");
        }
        CompanyCmd::List => {
            for m in companies::managed(call.state, call.actor).await? {
                let c = m.company;
                println!(
                    "{}  {}  agent {}  {}  {}",
                    c.id, c.name, c.payson_agent_id, c.payson_base_url, c.time_zone
                );
            }
        }
    }
    Ok(())
}

fn read_or_generate_password(arg: &PasswordArg) -> anyhow::Result<(String, bool)> {
    if arg.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password")?;
        Ok((line.trim_end_matches(['\r', '\n']).to_owned(), false))
    } else {
        Ok((crate::crypto::new_api_token().replace("cdt_", ""), true))
    }
}

async fn user(call: Call<'_>, cmd: UserCmd) -> anyhow::Result<()> {
    match cmd {
        UserCmd::Add {
            email,
            name,
            roles,
            company,
            password,
        } => {
            let roles = RoleSet::parse_list(&roles)?;
            let company = company.as_deref().map(company_id).transpose()?;
            let (pw, generated) = read_or_generate_password(&password)?;
            let new = users::NewUser {
                email,
                display_name: name,
                password: Some(pw.clone()),
                company_id: company,
                roles,
            };
            let u = users::add(call, new).await?;
            println!(
                "User {} added ({}), roles: {}",
                u.email,
                u.id,
                u.roles.to_list()
            );
            if generated {
                println!("Password (shown once): {pw}");
            }
        }
        UserCmd::Passwd { email, password } => {
            let u = users::by_email(call.state, call.actor, &email).await?;
            let (pw, generated) = read_or_generate_password(&password)?;
            users::set_password(call, u.id, &pw).await?;
            println!(
                "Password of {} changed; their sessions have ended.",
                u.email
            );
            if generated {
                println!("Password (shown once): {pw}");
            }
        }
        UserCmd::Roles {
            email,
            roles,
            company,
        } => {
            let u = users::by_email(call.state, call.actor, &email).await?;
            let roles = RoleSet::parse_list(&roles)?;
            // Without --company the user keeps the company they have.
            let company = company
                .as_deref()
                .map(company_id)
                .transpose()?
                .or(u.company_id);
            let u = users::set_roles(call, u.id, roles, company).await?;
            println!("Roles of {}: {}", u.email, u.roles.to_list());
        }
        UserCmd::Disable { email, enable } => {
            let u = users::by_email(call.state, call.actor, &email).await?;
            let u = users::set_disabled(call, u.id, !enable).await?;
            println!(
                "{} {}.",
                u.email,
                if enable { "enabled" } else { "disabled" }
            );
        }
        UserCmd::Digest { email, off, on: _ } => {
            let u = users::by_email(call.state, call.actor, &email).await?;
            let current = digest::settings(call.state, call.actor, u.id).await?;
            let new = crate::domain::UserSettings {
                digest: !off,
                ..current
            };
            digest::save_settings(call, u.id, new).await?;
            println!(
                "Daily digest for {} turned {}.",
                u.email,
                if off { "off" } else { "on" }
            );
        }
    }
    Ok(())
}

async fn token(call: Call<'_>, cmd: TokenCmd) -> anyhow::Result<()> {
    match cmd {
        TokenCmd::Issue { user, name } => {
            let u = users::by_email(call.state, call.actor, &user).await?;
            let t = tokens::issue(call, u.id, &name).await?;
            println!(
                "API token for {user} (shown once; stored only as a hash):\n{}\ntoken id: {}",
                t.secret, t.token.id
            );
        }
        TokenCmd::Revoke { id } => {
            let id = uuid::Uuid::parse_str(id.trim()).context("a token id is a UUID")?;
            tokens::revoke(call, id).await?;
            println!("Token {id} revoked.");
        }
    }
    Ok(())
}

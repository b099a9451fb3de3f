//! Configuration: an optional TOML file, then `CHECKOUT_DESK_*` environment variables
//! (`__` separates sections: `CHECKOUT_DESK_PAYSON__REQUEST_TIMEOUT_MS=20000`).

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

pub const ENV_PREFIX: &str = "CHECKOUT_DESK_";

/// Token signature algorithms a provider may use. Asymmetric only: an HMAC "signed"
/// with the provider's public key must fail.
pub const ALGORITHMS: &[&str] = &[
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA",
];

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on, e.g. `127.0.0.1:8080` (port 0 picks a free port).
    pub listen: String,
    /// The URL users reach the server at; its origin is what same-origin checks expect.
    pub public_url: String,
    /// `sqlite://data/checkout-desk.db` (default) or `postgres://user@host/db`.
    pub database_url: String,
    /// 32 bytes, base64: encrypts Payson API keys at rest. Required; never logged.
    pub secret_key: String,
    /// Require a valid `x-api-key` on every API call, not only when one is sent.
    pub require_api_key: bool,
    /// Honour `X-Forwarded-For` for the client address (only behind one trusted proxy that
    /// appends to it: its right-most entry is taken).
    pub trust_forwarded_for: bool,
    /// Largest request body the API reads.
    pub max_body_bytes: usize,
    /// tracing filter, e.g. `info,checkout_desk=debug`.
    pub log: String,
    /// Bearer token that `/metrics` requires; unset, `/metrics` is not served.
    pub metrics_token: Option<String>,
    pub payson: PaysonSettings,
    pub send: SendSettings,
    pub reconcile: ReconcileSettings,
    pub session: SessionSettings,
    /// OpenID Connect providers by short name (`[oidc.keycloak]`), used for browser
    /// sign-in and for JWT bearer tokens on the API.
    pub oidc: std::collections::BTreeMap<String, OidcProviderSettings>,
    pub api: ApiSettings,
}

/// Who may sign in through a provider for the first time.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FirstSignIn {
    /// Create a local user with the roles and company the claims give.
    Create,
    /// Link to an existing local user with the same, provider-verified e-mail.
    #[default]
    Link,
    /// Only users already linked may sign in.
    Refuse,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcProviderSettings {
    /// Shown on the login page: "Sign in with <display_name>".
    #[serde(default)]
    pub display_name: String,
    /// The issuer; `<issuer>/.well-known/openid-configuration` is read unless all
    /// endpoints below are given.
    pub issuer: String,
    #[serde(default)]
    pub authorization_endpoint: Option<String>,
    #[serde(default)]
    pub token_endpoint: Option<String>,
    #[serde(default)]
    pub jwks_uri: Option<String>,
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
    pub client_id: String,
    #[serde(default)]
    pub client_secret: String,
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// Dotted path of the claim holding BokaMera role names (Keycloak: `realm_access.roles`).
    #[serde(default = "default_roles_claim")]
    pub roles_claim: String,
    #[serde(default = "default_company_claim")]
    pub company_claim: String,
    #[serde(default = "default_email_claim")]
    pub email_claim: String,
    #[serde(default)]
    pub first_sign_in: FirstSignIn,
    /// Roles and company come from the claims (written to the user at each sign-in).
    /// Off for providers without such claims (Google): the desk's own assignments stay.
    #[serde(default = "default_true")]
    pub roles_from_claims: bool,
    /// The `aud` API access tokens must carry; without it the API does not accept this
    /// provider's tokens.
    #[serde(default)]
    pub api_audience: Option<String>,
    /// Signature algorithms accepted (never taken from the token alone).
    #[serde(default = "default_algorithms")]
    pub algorithms: Vec<String>,
    /// Clock skew allowed on `exp`, `nbf` and `iat`.
    #[serde(default = "default_leeway")]
    pub leeway_secs: i64,
}

fn default_scopes() -> Vec<String> {
    vec!["openid".into(), "email".into(), "profile".into()]
}
fn default_roles_claim() -> String {
    "realm_access.roles".into()
}
fn default_company_claim() -> String {
    "company_id".into()
}
fn default_email_claim() -> String {
    "email".into()
}
fn default_algorithms() -> Vec<String> {
    vec!["RS256".into()]
}
fn default_true() -> bool {
    true
}
fn default_leeway() -> i64 {
    60
}

impl std::fmt::Debug for OidcProviderSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcProviderSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("roles_claim", &self.roles_claim)
            .field("company_claim", &self.company_claim)
            .field("first_sign_in", &self.first_sign_in)
            .field("api_audience", &self.api_audience)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionSettings {
    /// A signed-in session ends after this long without a request.
    pub idle_timeout_minutes: i64,
    /// ... and this long after sign-in, however active.
    pub absolute_timeout_hours: i64,
    /// Sign-in attempts allowed per account per minute (an address gets four times as many).
    pub login_attempts_per_minute: u32,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            idle_timeout_minutes: 30,
            absolute_timeout_hours: 12,
            login_attempts_per_minute: 5,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PaysonSettings {
    pub connect_timeout_ms: u64,
    pub request_timeout_ms: u64,
    /// Base URL used for companies created without one.
    pub default_base_url: String,
    /// Origins the snippet preview may load scripts and frames from, besides the origin
    /// of the company's own Payson base URL.
    pub snippet_origins: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SendSettings {
    /// How long a send claim protects a checkout, and until when the request sent under it
    /// may still take effect at Payson. Must cover both Payson calls of a send plus
    /// `late_apply_margin_ms` (checked at start-up).
    pub claim_lease_secs: i64,
    /// How long after our client gave up Payson might still apply a request it received.
    pub late_apply_margin_ms: u64,
}

/// The background reconciliation every instance runs (see README).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReconcileSettings {
    /// Seconds between runs; 0 turns the background task off (tests drive it by hand).
    pub interval_secs: u64,
    /// Checkouts in a non-final status not read from Payson for this long are re-read.
    pub stale_after_secs: i64,
    /// Payson reads in flight at once, per instance.
    pub concurrency: usize,
    /// Payson reads per second per company, per instance.
    pub per_company_per_second: u32,
    /// Most items one run takes of each kind, so a large backlog is worked off in steps.
    pub batch: i64,
    /// Days a form submission's outcome is kept for its idempotency.
    pub keep_submissions_days: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            public_url: "http://127.0.0.1:8080".into(),
            database_url: "sqlite://data/checkout-desk.db".into(),
            secret_key: String::new(),
            require_api_key: false,
            trust_forwarded_for: false,
            max_body_bytes: 64 * 1024,
            log: "info".into(),
            metrics_token: None,
            payson: PaysonSettings::default(),
            send: SendSettings::default(),
            reconcile: ReconcileSettings::default(),
            session: SessionSettings::default(),
            oidc: std::collections::BTreeMap::new(),
            api: ApiSettings::default(),
        }
    }
}

impl Default for PaysonSettings {
    fn default() -> Self {
        Self {
            connect_timeout_ms: 5_000,
            request_timeout_ms: 20_000,
            default_base_url: "https://test-api.payson.se/2.0/".into(),
            snippet_origins: vec![
                "https://www.payson.se".into(),
                "https://test-www.payson.se".into(),
                "https://embedded.payson.se".into(),
            ],
        }
    }
}

impl Default for SendSettings {
    fn default() -> Self {
        Self {
            claim_lease_secs: 120,
            late_apply_margin_ms: 30_000,
        }
    }
}

impl Default for ReconcileSettings {
    fn default() -> Self {
        Self {
            interval_secs: 30,
            stale_after_secs: 3_600,
            concurrency: 4,
            per_company_per_second: 5,
            batch: 200,
            keep_submissions_days: 30,
        }
    }
}

impl PaysonSettings {
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_millis(self.connect_timeout_ms)
    }
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }
}

impl std::fmt::Debug for Settings {
    // Hand-written so the secret key can never reach a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("public_url", &self.public_url)
            .field("database_url", &redact_url(&self.database_url))
            .field("secret_key", &"<redacted>")
            .field("require_api_key", &self.require_api_key)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "<redacted>"),
            )
            .field("payson", &self.payson)
            .field("send", &self.send)
            .field("reconcile", &self.reconcile)
            .field("session", &self.session)
            .field("oidc", &self.oidc)
            .field("api", &self.api)
            .finish_non_exhaustive()
    }
}

/// Hides a password in a database URL (`postgres://u:secret@h/db` → `postgres://u:***@h/db`).
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {0}: {1}")]
    Read(String, std::io::Error),
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Settings {
    /// Loads the file (if given) and overlays `CHECKOUT_DESK_*` variables from `env`.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut table = match file {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| ConfigError::Read(p.display().to_string(), e))?;
                text.parse::<toml::Table>()
                    .map_err(|e| ConfigError::Invalid(e.to_string()))?
            }
            None => toml::Table::new(),
        };
        for (k, v) in env {
            let Some(rest) = k.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            if rest == "CONFIG" {
                continue; // names the file itself
            }
            let path: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
            insert_path(&mut table, &path, env_value(&v))?;
        }
        let settings: Settings = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Invalid(e.to_string()))?;
        settings.validate()?;
        Ok(settings)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max_body_bytes == 0 {
            return Err(ConfigError::Invalid(
                "max_body_bytes must be above 0".into(),
            ));
        }
        if self.session.idle_timeout_minutes <= 0 || self.session.absolute_timeout_hours <= 0 {
            return Err(ConfigError::Invalid(
                "session timeouts must be above 0".into(),
            ));
        }
        if self.session.login_attempts_per_minute == 0 {
            return Err(ConfigError::Invalid(
                "session.login_attempts_per_minute must be above 0".into(),
            ));
        }
        // A send makes two Payson calls (read, then ship) under one claim; if the lease ran
        // out while the ship request could still take effect, a second send could follow.
        let needed_ms = 2 * self
            .payson
            .request_timeout_ms
            .max(self.payson.connect_timeout_ms)
            + self.send.late_apply_margin_ms;
        if self.send.claim_lease_secs <= 0 || (self.send.claim_lease_secs as u64) * 1000 < needed_ms
        {
            return Err(ConfigError::Invalid(format!(
                "send.claim_lease_secs must cover two Payson requests (payson.request_timeout_ms) \
                 plus send.late_apply_margin_ms: at least {} s",
                needed_ms.div_ceil(1000)
            )));
        }
        if self.reconcile.concurrency == 0
            || self.reconcile.per_company_per_second == 0
            || self.reconcile.batch <= 0
        {
            return Err(ConfigError::Invalid(
                "reconcile.concurrency, per_company_per_second and batch must be above 0".into(),
            ));
        }
        for (name, p) in &self.oidc {
            let slug_ok = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !slug_ok {
                return Err(ConfigError::Invalid(format!(
                    "oidc.{name}: provider names are lower-case letters, digits and '-'"
                )));
            }
            if url::Url::parse(&p.issuer).is_err() || p.client_id.is_empty() {
                return Err(ConfigError::Invalid(format!(
                    "oidc.{name}: issuer must be a URL and client_id is required"
                )));
            }
            if let Some(a) = p
                .algorithms
                .iter()
                .find(|a| !ALGORITHMS.contains(&a.as_str()))
            {
                return Err(ConfigError::Invalid(format!(
                    "oidc.{name}: algorithm {a} is not accepted (asymmetric signatures only)"
                )));
            }
            // ID tokens carry the client id as their audience: with the same value an ID
            // token (meant for us, not for the API) would pass as an API access token.
            if p.api_audience.as_deref() == Some(p.client_id.as_str()) {
                return Err(ConfigError::Invalid(format!(
                    "oidc.{name}: api_audience must differ from client_id, or ID tokens would pass as API tokens"
                )));
            }
        }
        Ok(())
    }
}

/// Environment values are TOML literals when they parse as one (`true`, `20000`), else strings.
fn env_value(raw: &str) -> toml::Value {
    format!("v = {raw}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .filter(|v| !v.is_table())
        .unwrap_or_else(|| toml::Value::String(raw.to_owned()))
}

fn insert_path(
    table: &mut toml::Table,
    path: &[String],
    value: toml::Value,
) -> Result<(), ConfigError> {
    match path {
        [] => Ok(()),
        [last] => {
            table.insert(last.clone(), value);
            Ok(())
        }
        [first, rest @ ..] => {
            let entry = table
                .entry(first.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            match entry {
                toml::Value::Table(t) => insert_path(t, rest, value),
                _ => Err(ConfigError::Invalid(format!("{first} is not a section"))),
            }
        }
    }
}

/// `[api]`: ServiceStack's surface around the operations (README "ServiceStack").
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiSettings {
    /// Most requests one auto-batched call may carry.
    pub max_batch: usize,
    /// Origins (`https://app.example`, or `*`) whose browser scripts may call the API.
    /// Empty: no CORS headers at all. Never with credentials: bearer tokens only.
    pub cors_allowed_origins: Vec<String>,
    pub cors_allowed_methods: Vec<String>,
    pub cors_allowed_headers: Vec<String>,
    pub cors_max_age_secs: u32,
    /// The header of the metadata pages.
    pub metadata_header: String,
}

impl Default for ApiSettings {
    fn default() -> Self {
        let list = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect();
        Self {
            max_batch: 100,
            cors_allowed_origins: Vec::new(),
            cors_allowed_methods: list(&["GET", "POST", "PUT", "OPTIONS"]),
            cors_allowed_headers: list(&["Content-Type", "Authorization", "x-api-key"]),
            cors_max_age_secs: 600,
            metadata_header: "checkout-desk".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_file_and_parses_types() {
        let dir = std::env::temp_dir().join(format!("cd-cfg-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:9000\"\n[payson]\nrequest_timeout_ms = 1000\n",
        )
        .unwrap();
        let s = Settings::load(
            Some(&file),
            [
                (
                    "CHECKOUT_DESK_PAYSON__REQUEST_TIMEOUT_MS".to_string(),
                    "2500".to_string(),
                ),
                (
                    "CHECKOUT_DESK_REQUIRE_API_KEY".to_string(),
                    "true".to_string(),
                ),
                (
                    "CHECKOUT_DESK_DATABASE_URL".to_string(),
                    "postgres://u:pw@h/db".to_string(),
                ),
                ("OTHER".to_string(), "x".to_string()),
            ],
        )
        .unwrap();
        assert_eq!(s.listen, "0.0.0.0:9000");
        assert_eq!(s.payson.request_timeout_ms, 2500);
        assert!(s.require_api_key);
        assert_eq!(s.database_url, "postgres://u:pw@h/db");
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("pw@"), "{dbg}");
    }

    #[test]
    fn oidc_providers_from_file_with_secret_from_env() {
        let dir = std::env::temp_dir().join(format!("cd-cfg-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.toml");
        std::fs::write(
            &file,
            "[oidc.keycloak]\nissuer = \"https://id.example/realms/b\"\nclient_id = \"desk\"\n",
        )
        .unwrap();
        let s = Settings::load(
            Some(&file),
            [(
                "CHECKOUT_DESK_OIDC__KEYCLOAK__CLIENT_SECRET".to_string(),
                "s3cret".to_string(),
            )],
        )
        .unwrap();
        let p = &s.oidc["keycloak"];
        assert_eq!(p.client_secret, "s3cret");
        assert_eq!(p.roles_claim, "realm_access.roles");
        assert_eq!(p.first_sign_in, FirstSignIn::Link);
        assert!(p.roles_from_claims);
        assert!(
            !format!("{s:?}").contains("s3cret"),
            "secrets never in Debug"
        );
        // Symmetric algorithms are refused outright.
        std::fs::write(
            &file,
            "[oidc.k]\nissuer = \"https://id.example\"\nclient_id = \"d\"\nalgorithms = [\"HS256\"]\n",
        )
        .unwrap();
        assert!(Settings::load(Some(&file), []).is_err());
        // An API audience equal to the client id is refused.
        std::fs::write(
            &file,
            "[oidc.k]\nissuer = \"https://id.example\"\nclient_id = \"d\"\napi_audience = \"d\"\n",
        )
        .unwrap();
        let err = Settings::load(Some(&file), []).err().map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("api_audience")));
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err = Settings::load(None, [("CHECKOUT_DESK_LISTN".to_string(), "x".to_string())]);
        assert!(err.is_err());
    }

    #[test]
    fn redacts_database_password() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}

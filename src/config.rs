//! Configuration: an optional TOML file, then `CHECKOUT_DESK_*` environment variables
//! (`__` separates sections: `CHECKOUT_DESK_PAYSON__REQUEST_TIMEOUT_MS=20000`).

use std::time::Duration;

use serde::Deserialize;

use crate::domain::AddressList;

mod api;
mod digest;
pub use api::ApiSettings;
pub use digest::{DigestSettings, Secret, SmtpSettings, SmtpTls};

mod limits;
pub use limits::{AuthSettings, HttpSettings};

mod load;
mod oidc;

pub use oidc::{ALGORITHMS, FirstSignIn, OidcProviderSettings};

pub const ENV_PREFIX: &str = "CHECKOUT_DESK_";

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on, e.g. `127.0.0.1:8080` (port 0 picks a free port).
    pub listen: String,
    /// The URL users reach the server at (`https://desk.example.com`). Every absolute URL
    /// the server makes (OpenID redirects, links in e-mails) and the origin that the CSRF
    /// check expects come from it, never from request headers. Empty: `http://` + the
    /// address the server listens on, for local use; required when OpenID is configured.
    pub public_url: String,
    /// `sqlite://data/checkout-desk.db` (default) or `postgres://user@host/db`.
    pub database_url: String,
    /// 32 bytes, base64: encrypts Payson API keys at rest. Required; never logged.
    pub secret_key: String,
    /// Require a valid `x-api-key` on every API call, not only when one is sent.
    pub require_api_key: bool,
    /// Reverse proxies (addresses and CIDR ranges) whose `X-Forwarded-For` / `Forwarded`
    /// entries are believed: the client is the right-most forwarded address that is not one
    /// of them. Empty (default): the peer address, whatever the headers say.
    pub trusted_proxies: AddressList,
    /// Replaced by `trusted_proxies`; kept only to say so instead of "unknown field".
    #[serde(rename = "trust_forwarded_for")]
    pub retired_trust_forwarded_for: Option<bool>,
    /// Largest request body the API reads.
    pub max_body_bytes: usize,
    /// tracing filter, e.g. `info,checkout_desk=debug`.
    pub log: String,
    /// `text` (default) or `json`: one JSON object per line, for a log collector.
    pub log_format: LogFormat,
    /// Bearer token that `/metrics` requires; unset, `/metrics` is not served.
    pub metrics_token: Option<String>,
    pub payson: PaysonSettings,
    pub send: SendSettings,
    pub reconcile: ReconcileSettings,
    pub session: SessionSettings,
    pub auth: AuthSettings,
    pub http: HttpSettings,
    pub smtp: SmtpSettings,
    pub digest: DigestSettings,
    /// OpenID Connect providers by short name (`[oidc.keycloak]`), used for browser
    /// sign-in and for JWT bearer tokens on the API.
    pub oidc: std::collections::BTreeMap<String, OidcProviderSettings>,
    pub api: ApiSettings,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
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
    /// Rows of bulk send jobs sent at once, per instance.
    pub bulk_concurrency: usize,
    /// How often an idle instance looks for bulk send rows to work on; 0: this instance
    /// runs no bulk send worker (jobs wait for an instance that does).
    pub bulk_poll_ms: u64,
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
            public_url: String::new(),
            database_url: "sqlite://data/checkout-desk.db".into(),
            secret_key: String::new(),
            require_api_key: false,
            trusted_proxies: AddressList::default(),
            retired_trust_forwarded_for: None,
            max_body_bytes: 64 * 1024,
            log: "info".into(),
            log_format: LogFormat::Text,
            metrics_token: None,
            payson: PaysonSettings::default(),
            send: SendSettings::default(),
            reconcile: ReconcileSettings::default(),
            session: SessionSettings::default(),
            auth: AuthSettings::default(),
            http: HttpSettings::default(),
            smtp: SmtpSettings::default(),
            digest: DigestSettings::default(),
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
            bulk_concurrency: 4,
            bulk_poll_ms: 1_000,
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

impl Settings {
    /// Fills an empty `public_url` with the address actually listened on.
    pub fn settle_public_url(&mut self, listening: std::net::SocketAddr) {
        if self.public_url.is_empty() {
            self.public_url = format!("http://{listening}");
        }
        self.public_url = self.public_url.trim_end_matches('/').to_owned();
    }

    /// `public_url` + an absolute path.
    pub fn absolute_url(&self, path: &str) -> String {
        format!("{}{path}", self.public_base())
    }

    /// The origin browsers send in `Origin` for our own pages.
    pub fn public_origin(&self) -> String {
        url::Url::parse(&self.public_base())
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default()
    }

    pub fn served_over_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    fn public_base(&self) -> String {
        if self.public_url.is_empty() {
            format!("http://{}", self.listen)
        } else {
            self.public_url.trim_end_matches('/').to_owned()
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
            .field("trusted_proxies", &self.trusted_proxies.to_string())
            .field("log", &self.log)
            .field("log_format", &self.log_format)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "<redacted>"),
            )
            .field("payson", &self.payson)
            .field("send", &self.send)
            .field("reconcile", &self.reconcile)
            .field("session", &self.session)
            .field("auth", &self.auth)
            .field("http", &self.http)
            .field("smtp", &self.smtp)
            .field("digest", &self.digest)
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
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.retired_trust_forwarded_for.is_some() {
            return Err(ConfigError::Invalid(
                "trust_forwarded_for is replaced by trusted_proxies: list your reverse proxy's \
                 addresses, e.g. trusted_proxies = [\"10.0.0.2\"]"
                    .into(),
            ));
        }
        if !self.public_url.is_empty() {
            let ok = url::Url::parse(&self.public_url).is_ok_and(|u| {
                matches!(u.scheme(), "http" | "https")
                    && u.host().is_some()
                    && u.query().is_none()
                    && u.path() == "/"
            });
            if !ok {
                return Err(ConfigError::Invalid(format!(
                    "public_url must be an http(s) URL with no path, e.g. https://desk.example.com \
                     (got {:?})",
                    self.public_url
                )));
            }
        } else if !self.oidc.is_empty() {
            return Err(ConfigError::Invalid(
                "public_url is required when OpenID providers are configured: their redirect \
                 URIs are built from it"
                    .into(),
            ));
        }
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
        if self.send.bulk_concurrency == 0 {
            return Err(ConfigError::Invalid(
                "send.bulk_concurrency must be above 0".into(),
            ));
        }
        if self.reconcile.concurrency == 0
            || self.reconcile.per_company_per_second == 0
            || self.reconcile.batch <= 0
        {
            return Err(ConfigError::Invalid(
                "reconcile.concurrency, per_company_per_second and batch must be above 0".into(),
            ));
        }
        limits::validate(&self.auth, &self.http, &self.payson).map_err(ConfigError::Invalid)?;
        api::validate(&self.api).map_err(ConfigError::Invalid)?;
        digest::validate(&self.smtp, &self.digest, &self.public_url)?;
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    /// A settings file of its own, holding `text`.
    fn config_file(text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cd-cfg-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.toml");
        std::fs::write(&file, text).unwrap();
        file
    }

    /// The environment as `load` reads it: each name as given.
    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn env_overrides_file_and_parses_types() {
        let file = config_file("listen = \"0.0.0.0:9000\"\n[payson]\nrequest_timeout_ms = 1000\n");
        let s = Settings::load(
            Some(&file),
            vars(&[
                ("CHECKOUT_DESK_PAYSON__REQUEST_TIMEOUT_MS", "2500"),
                ("CHECKOUT_DESK_REQUIRE_API_KEY", "true"),
                ("CHECKOUT_DESK_DATABASE_URL", "postgres://u:pw@h/db"),
                ("OTHER", "x"),
            ]),
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
        let file = config_file(
            "public_url = \"https://desk.example\"\n[oidc.keycloak]\nissuer = \"https://id.example/realms/b\"\nclient_id = \"desk\"\n",
        );
        let s = Settings::load(
            Some(&file),
            vars(&[("CHECKOUT_DESK_OIDC__KEYCLOAK__CLIENT_SECRET", "s3cret")]),
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
        let refusal = |text: &str| {
            Settings::load(Some(&config_file(text)), [])
                .err()
                .map(|e| e.to_string())
        };
        // Symmetric algorithms are refused outright.
        assert!(refusal(
            "public_url = \"https://desk.example\"\n[oidc.k]\nissuer = \"https://id.example\"\nclient_id = \"d\"\nalgorithms = [\"HS256\"]\n",
        )
        .is_some());
        // An API audience equal to the client id is refused.
        let err = refusal(
            "public_url = \"https://desk.example\"\n[oidc.k]\nissuer = \"https://id.example\"\nclient_id = \"d\"\napi_audience = \"d\"\n",
        );
        assert!(err.is_some_and(|e| e.contains("api_audience")));
        // OpenID without public_url: its redirect URI would have to come from `Host`.
        let err = refusal("[oidc.k]\nissuer = \"https://id.example\"\nclient_id = \"d\"\n");
        assert!(err.is_some_and(|e| e.contains("public_url is required")));
    }

    #[test]
    fn public_url_and_trusted_proxies() {
        let env = |k: &str, v: &str| [(format!("CHECKOUT_DESK_{k}"), v.to_string())];
        let s = Settings::load(None, env("TRUSTED_PROXIES", r#"["10.0.0.0/8", "::1"]"#)).unwrap();
        assert_eq!(s.trusted_proxies.to_string(), "10.0.0.0/8, ::1");
        assert!(Settings::load(None, env("TRUSTED_PROXIES", r#"["10.0.0.x"]"#)).is_err());
        let err = Settings::load(None, env("TRUST_FORWARDED_FOR", "true")).err();
        assert!(err.is_some_and(|e| e.to_string().contains("trusted_proxies")));
        for bad in [
            "desk.example",
            "ftp://desk.example",
            "https://desk.example/app",
        ] {
            assert!(
                Settings::load(None, env("PUBLIC_URL", bad)).is_err(),
                "{bad}"
            );
        }
        let mut s = Settings::load(None, env("PUBLIC_URL", "https://desk.example/")).unwrap();
        s.settle_public_url("127.0.0.1:9".parse().unwrap());
        assert_eq!(s.absolute_url("/login"), "https://desk.example/login");
        assert_eq!(s.public_origin(), "https://desk.example");
        assert!(s.served_over_https());
        let mut s = Settings::default();
        assert_eq!(s.absolute_url("/x"), "http://127.0.0.1:8080/x");
        s.settle_public_url("127.0.0.1:4711".parse().unwrap());
        assert_eq!(s.public_origin(), "http://127.0.0.1:4711");
        assert!(!s.served_over_https());
    }

    #[test]
    fn environment_values_take_the_type_of_their_setting() {
        let s = Settings::load(
            None,
            vars(&[
                ("CHECKOUT_DESK_METRICS_TOKEN", "123456"),
                ("CHECKOUT_DESK_LOG", "true"),
                ("CHECKOUT_DESK_PAYSON__REQUEST_TIMEOUT_MS", "2500"),
                ("CHECKOUT_DESK_REQUIRE_API_KEY", "true"),
            ]),
        )
        .unwrap();
        assert_eq!(s.metrics_token.as_deref(), Some("123456"));
        assert_eq!(s.log, "true");
        assert_eq!(s.payson.request_timeout_ms, 2500);
        assert!(s.require_api_key);
        // A number setting given text names the variable.
        let err = Settings::load(
            None,
            vars(&[("CHECKOUT_DESK_PAYSON__REQUEST_TIMEOUT_MS", "soon")]),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(
            err.contains("CHECKOUT_DESK_PAYSON__REQUEST_TIMEOUT_MS"),
            "{err}"
        );
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err = Settings::load(None, vars(&[("CHECKOUT_DESK_LISTN", "x")]));
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

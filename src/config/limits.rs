//! The resource limits: password hashing slots, how long a body may take, how long
//! `/readyz` waits for the database, how long shutdown lets requests finish.

use std::time::Duration;

use serde::Deserialize;

/// Password hashing: Argon2id needs 19 MiB per computation, so only this many run at once.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// Argon2 computations (sign-ins, password changes) running at once.
    pub password_concurrency: usize,
    /// How long a sign-in waits for a free slot before it is answered 503.
    pub password_wait_ms: u64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            password_concurrency: 2,
            password_wait_ms: 2_000,
        }
    }
}

/// Limits on what a client can make the server hold.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    /// A request body must arrive within this long (from the first byte the handler
    /// reads), else 408.
    pub body_read_timeout_ms: u64,
    /// `/readyz` waits this long for the database before answering 503 (below 1 s, so a
    /// probe with a 1 s timeout always gets an answer).
    pub ready_timeout_ms: u64,
    /// On SIGTERM/SIGINT, requests in flight get this long to finish (new ones are
    /// refused). Longer than a Payson call, so a send under way is answered and audited.
    pub shutdown_drain_secs: u64,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            body_read_timeout_ms: 10_000,
            ready_timeout_ms: 700,
            shutdown_drain_secs: 30,
        }
    }
}

impl HttpSettings {
    pub fn body_read_timeout(&self) -> Duration {
        Duration::from_millis(self.body_read_timeout_ms)
    }
    pub fn ready_timeout(&self) -> Duration {
        Duration::from_millis(self.ready_timeout_ms)
    }
    pub fn shutdown_drain(&self) -> Duration {
        Duration::from_secs(self.shutdown_drain_secs)
    }
}

/// Part of `Settings::validate`.
pub(super) fn validate(
    auth: &AuthSettings,
    http: &HttpSettings,
    payson: &super::PaysonSettings,
) -> Result<(), String> {
    if auth.password_concurrency == 0 || auth.password_wait_ms == 0 {
        return Err("auth.password_concurrency and auth.password_wait_ms must be above 0".into());
    }
    if http.body_read_timeout_ms == 0 {
        return Err("http.body_read_timeout_ms must be above 0".into());
    }
    if !(1..1000).contains(&http.ready_timeout_ms) {
        return Err(
            "http.ready_timeout_ms must be between 1 and 999, so /readyz answers within 1 s".into(),
        );
    }
    let payson_call_ms = payson.request_timeout_ms + payson.connect_timeout_ms;
    if http.shutdown_drain_secs.saturating_mul(1000) <= payson_call_ms {
        return Err(format!(
            "http.shutdown_drain_secs must exceed payson.request_timeout_ms + \
             payson.connect_timeout_ms, so a send under way can finish: more than {} s",
            payson_call_ms / 1000
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_limits_load_and_are_checked() {
        let env = |k: &str, v: &str| (format!("CHECKOUT_DESK_{k}"), v.to_string());
        let s = super::super::Settings::load(
            None,
            [
                env("AUTH__PASSWORD_CONCURRENCY", "3"),
                env("HTTP__BODY_READ_TIMEOUT_MS", "250"),
            ],
        )
        .unwrap();
        assert_eq!(s.auth.password_concurrency, 3);
        assert_eq!(s.auth.password_wait_ms, 2_000);
        assert_eq!(s.http.body_read_timeout(), Duration::from_millis(250));
        assert_eq!(s.http.ready_timeout_ms, 700);
        assert_eq!(s.http.shutdown_drain(), Duration::from_secs(30));
        for bad in [
            env("AUTH__PASSWORD_CONCURRENCY", "0"),
            env("AUTH__PASSWORD_WAIT_MS", "0"),
            env("HTTP__BODY_READ_TIMEOUT_MS", "0"),
            env("HTTP__READY_TIMEOUT_MS", "1000"),
            // Not above the default 20 s request + 5 s connect timeouts.
            env("HTTP__SHUTDOWN_DRAIN_SECS", "25"),
        ] {
            assert!(
                super::super::Settings::load(None, [bad.clone()]).is_err(),
                "{bad:?}"
            );
        }
    }
}

//! `[smtp]` and `[digest]`: how mail leaves the server, and the daily expiry digest.

use serde::Deserialize;

use super::ConfigError;

/// A secret setting: read like a string, never shown by `Debug`.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() {
            "<unset>"
        } else {
            "<redacted>"
        })
    }
}

/// How the SMTP connection is protected.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SmtpTls {
    /// Plain text (a relay on the same host or network only).
    None,
    /// Plain connection upgraded with STARTTLS, required (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpSettings {
    /// The SMTP server; empty: no mail is sent (the digest needs one).
    pub host: String,
    /// 0: the usual port for `tls` (25, 587 or 465).
    pub port: u16,
    pub tls: SmtpTls,
    /// Sign in to the server when set (PLAIN or LOGIN, over TLS unless `tls = "none"`).
    pub username: String,
    pub password: Secret,
    /// The sender, `desk@example.com` or `Checkout desk <desk@example.com>`.
    pub from: String,
    /// Whole SMTP conversation, per mail.
    pub timeout_secs: u64,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        Self {
            host: String::new(),
            port: 0,
            tls: SmtpTls::default(),
            username: String::new(),
            password: Secret::default(),
            from: String::new(),
            timeout_secs: 30,
        }
    }
}

impl SmtpSettings {
    pub fn port(&self) -> u16 {
        match (self.port, self.tls) {
            (0, SmtpTls::None) => 25,
            (0, SmtpTls::Starttls) => 587,
            (0, SmtpTls::Tls) => 465,
            (p, _) => p,
        }
    }

    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.timeout_secs)
    }
}

/// The daily e-mail to each company's write administrators listing checkouts about to
/// expire at Payson (README "Daily digest").
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DigestSettings {
    pub enabled: bool,
    /// UTC hour from which the day's digest is due (0–23).
    pub hour: u32,
    /// Checkouts expiring within this many days are listed.
    pub window_days: i64,
    /// A company-day claimed this long ago and still `sending` is taken over (its
    /// instance died); must exceed a run's SMTP time.
    pub stale_after_secs: i64,
    /// A company-day whose sending failed is tried again by the background run at most
    /// this often (the operator's `digest send` retries at once), so an SMTP outage costs
    /// one attempt and one audit event per company every few minutes, not every run.
    pub retry_after_secs: i64,
}

impl Default for DigestSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            hour: 6,
            window_days: 7,
            stale_after_secs: 900,
            retry_after_secs: 300,
        }
    }
}

pub(super) fn validate(
    smtp: &SmtpSettings,
    digest: &DigestSettings,
    public_url: &str,
) -> Result<(), ConfigError> {
    let invalid = |m: &str| Err(ConfigError::Invalid(m.to_owned()));
    if !smtp.host.is_empty() {
        if smtp.from.trim().is_empty() {
            return invalid("smtp.from is required when smtp.host is set");
        }
        if smtp.timeout_secs == 0 {
            return invalid("smtp.timeout_secs must be above 0");
        }
        if smtp.username.is_empty() != smtp.password.is_empty() {
            return invalid("smtp.username and smtp.password go together");
        }
    }
    if !digest.enabled {
        return Ok(());
    }
    if smtp.host.is_empty() {
        return invalid("digest.enabled needs [smtp] host and from");
    }
    if digest.hour > 23 {
        return invalid("digest.hour is an hour of the day, 0 to 23 (UTC)");
    }
    if !(1..=58).contains(&digest.window_days) {
        return invalid("digest.window_days must be between 1 and 58");
    }
    if digest.retry_after_secs < 0 {
        return invalid("digest.retry_after_secs must not be negative");
    }
    if (digest.stale_after_secs as u64) < 2 * smtp.timeout_secs || digest.stale_after_secs <= 0 {
        return invalid("digest.stale_after_secs must be at least twice smtp.timeout_secs");
    }
    // The mail's links are absolute: they go to the configured public URL.
    if !matches!(url::Url::parse(public_url), Ok(u) if u.scheme() == "http" || u.scheme() == "https")
    {
        return invalid("digest.enabled needs public_url (the desk's address, for the links)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smtp() -> SmtpSettings {
        SmtpSettings {
            host: "mail.example".into(),
            from: "desk@example.com".into(),
            ..SmtpSettings::default()
        }
    }

    #[test]
    fn ports_follow_the_tls_mode_unless_given() {
        let mut s = smtp();
        assert_eq!(s.port(), 587);
        s.tls = SmtpTls::Tls;
        assert_eq!(s.port(), 465);
        s.tls = SmtpTls::None;
        assert_eq!(s.port(), 25);
        s.port = 2525;
        assert_eq!(s.port(), 2525);
    }

    #[test]
    fn the_password_never_shows() {
        let mut s = smtp();
        s.username = "u".into();
        s.password = Secret::new("hunter2-secret");
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("hunter2"), "{dbg}");
        assert!(dbg.contains("<redacted>"), "{dbg}");
    }

    #[test]
    fn validation() {
        let on = DigestSettings {
            enabled: true,
            ..DigestSettings::default()
        };
        let url = "https://desk.example";
        assert!(validate(&smtp(), &on, url).is_ok());
        assert!(validate(&SmtpSettings::default(), &on, url).is_err());
        assert!(validate(&SmtpSettings::default(), &DigestSettings::default(), url).is_ok());
        let no_from = SmtpSettings {
            from: String::new(),
            ..smtp()
        };
        assert!(validate(&no_from, &DigestSettings::default(), url).is_err());
        let half_auth = SmtpSettings {
            username: "u".into(),
            ..smtp()
        };
        assert!(validate(&half_auth, &DigestSettings::default(), url).is_err());
        for bad in [
            DigestSettings {
                hour: 24,
                ..on.clone()
            },
            DigestSettings {
                window_days: 0,
                ..on.clone()
            },
            DigestSettings {
                window_days: 59,
                ..on.clone()
            },
            DigestSettings {
                stale_after_secs: 10,
                ..on.clone()
            },
        ] {
            assert!(validate(&smtp(), &bad, url).is_err(), "{bad:?}");
        }
        assert!(validate(&smtp(), &on, "not a url").is_err());
    }
}

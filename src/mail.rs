//! Sending mail: a small `Mailer` the services call (held in `AppState`, so tests and the
//! demo choose it as they choose Payson's base URL), and its SMTP implementation on
//! lettre over rustls (the TLS stack reqwest and sqlx already use).

use std::future::Future;
use std::pin::Pin;

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{SmtpSettings, SmtpTls};

/// One plain-text message to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("no SMTP server is configured ([smtp] host)")]
    NotConfigured,
    #[error("invalid address {0}")]
    Address(String),
    #[error("cannot build the message: {0}")]
    Build(String),
    /// The server refused, or could not be reached or spoken to.
    #[error("SMTP: {0}")]
    Smtp(String),
}

pub type MailFuture<'a> = Pin<Box<dyn Future<Output = Result<(), MailError>> + Send + 'a>>;

pub trait Mailer: Send + Sync + 'static {
    fn send<'a>(&'a self, mail: &'a Mail) -> MailFuture<'a>;
}

/// Used when `[smtp]` has no host: every send fails, saying so.
pub struct NoMailer;

impl Mailer for NoMailer {
    fn send<'a>(&'a self, _: &'a Mail) -> MailFuture<'a> {
        Box::pin(async { Err(MailError::NotConfigured) })
    }
}

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    timeout: std::time::Duration,
}

impl SmtpMailer {
    pub fn new(settings: &SmtpSettings) -> Result<Self, MailError> {
        let from = settings
            .from
            .parse::<Mailbox>()
            .map_err(|_| MailError::Address(settings.from.clone()))?;
        Ok(Self {
            transport: transport(settings)?,
            from,
            timeout: settings.timeout(),
        })
    }
}

/// The transport `settings` describe: how the connection is protected, where, as whom.
pub fn transport(settings: &SmtpSettings) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
    let host = settings.host.as_str();
    let smtp = |e: lettre::transport::smtp::Error| MailError::Smtp(e.to_string());
    let builder = match settings.tls {
        // Plain text, on purpose (a local relay): nothing is upgraded.
        SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        // STARTTLS is required: a server that does not offer it gets nothing, not plain text.
        SmtpTls::Starttls => {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host).map_err(smtp)?
        }
        SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(smtp)?,
    };
    let mut builder = builder
        .port(settings.port())
        .timeout(Some(settings.timeout()));
    if !settings.username.is_empty() {
        builder = builder.credentials(Credentials::new(
            settings.username.clone(),
            settings.password.expose().to_owned(),
        ));
    }
    Ok(builder.build())
}

impl Mailer for SmtpMailer {
    fn send<'a>(&'a self, mail: &'a Mail) -> MailFuture<'a> {
        Box::pin(async move {
            let to = mail
                .to
                .parse::<Mailbox>()
                .map_err(|_| MailError::Address(mail.to.clone()))?;
            let message = Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(mail.subject.clone())
                .header(ContentType::TEXT_PLAIN)
                .body(mail.text.clone())
                .map_err(|e| MailError::Build(e.to_string()))?;
            // lettre's own timeout covers connecting, not a server that stops answering
            // mid-conversation; the whole exchange gets this one.
            match tokio::time::timeout(self.timeout, self.transport.send(message)).await {
                Ok(sent) => sent.map(|_| ()).map_err(|e| MailError::Smtp(e.to_string())),
                Err(_) => Err(MailError::Smtp(format!(
                    "no answer within {} s",
                    self.timeout.as_secs()
                ))),
            }
        })
    }
}

/// The mailer `settings` call for: SMTP when a host is set, else none.
pub fn from_settings(settings: &SmtpSettings) -> Result<std::sync::Arc<dyn Mailer>, MailError> {
    if settings.host.is_empty() {
        return Ok(std::sync::Arc::new(NoMailer));
    }
    Ok(std::sync::Arc::new(SmtpMailer::new(settings)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    fn settings(tls: SmtpTls) -> SmtpSettings {
        SmtpSettings {
            host: "mail.example".into(),
            tls,
            from: "Checkout desk <desk@example.com>".into(),
            ..SmtpSettings::default()
        }
    }

    #[test]
    fn every_tls_mode_builds_with_and_without_credentials() {
        for tls in [SmtpTls::None, SmtpTls::Starttls, SmtpTls::Tls] {
            assert!(SmtpMailer::new(&settings(tls)).is_ok(), "{tls:?}");
            let auth = SmtpSettings {
                username: "desk".into(),
                password: Secret::new("pw"),
                ..settings(tls)
            };
            assert!(SmtpMailer::new(&auth).is_ok(), "{tls:?} with credentials");
        }
    }

    #[test]
    fn a_bad_sender_is_refused_and_no_host_means_no_mailer() {
        let bad = SmtpSettings {
            from: "not an address".into(),
            ..settings(SmtpTls::None)
        };
        assert!(matches!(SmtpMailer::new(&bad), Err(MailError::Address(_))));
        assert!(from_settings(&SmtpSettings::default()).is_ok());
    }

    #[tokio::test]
    async fn without_a_host_sending_says_so() {
        let m = Mail {
            to: "a@example.com".into(),
            subject: "s".into(),
            text: "t".into(),
        };
        let err = NoMailer.send(&m).await.err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("no SMTP server is configured ([smtp] host)")
        );
    }
}

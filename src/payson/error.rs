use std::fmt::Write as _;

/// One entry of Payson's `errors[]`, e.g. `{"property":"Order.Currency","message":…}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaysonFieldError {
    pub property: String,
    pub message: String,
}

/// What can go wrong talking to Payson. The variants separate "nothing was sent" from
/// "sent, outcome unknown": only the latter needs re-reading before any retry.
///
/// No variant ever carries the API key or the `Authorization` header: transport errors keep
/// only their innermost cause, which never contains the request.
#[derive(Debug, thiserror::Error)]
pub enum PaysonError {
    #[error("Payson rejected the credentials (401)")]
    Unauthorized,
    #[error("Payson does not know this checkout (404)")]
    NotFound,
    #[error("Payson refused the request ({status}): {}", refused_text(.message, .errors))]
    Refused {
        status: u16,
        message: String,
        errors: Vec<PaysonFieldError>,
    },
    #[error("Payson could not be reached: {0}")]
    NotSent(String),
    #[error("Payson did not answer in time")]
    Timeout,
    #[error("the connection to Payson was lost: {0}")]
    Dropped(String),
    #[error("Payson's answer could not be read: {0}")]
    Malformed(String),
    #[error("Payson client configuration: {0}")]
    Config(String),
}

impl PaysonError {
    /// The request may have reached Payson and been applied: re-read before retrying.
    /// A 5xx says Payson failed somewhere, not that it applied nothing (a 4xx with its
    /// error body does say that).
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Self::Timeout | Self::Dropped(_) | Self::Malformed(_) => true,
            Self::Refused { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// A short stable name for metrics labels: `unauthorized`, `not_found`, `refused`,
    /// `unreachable` (nothing sent), `timeout`, `dropped`, `malformed`, `config`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::NotFound => "not_found",
            Self::Refused { .. } => "refused",
            Self::NotSent(_) => "unreachable",
            Self::Timeout => "timeout",
            Self::Dropped(_) => "dropped",
            Self::Malformed(_) => "malformed",
            Self::Config(_) => "config",
        }
    }

    /// Payson's own words, when it said any: `message; Property: message; …`.
    pub fn payson_message(&self) -> Option<String> {
        match self {
            Self::Refused {
                message, errors, ..
            } => {
                let text = refused_text_joined(message, errors, "; ");
                (!text.is_empty()).then_some(text)
            }
            _ => None,
        }
    }
}

fn field_text(e: &PaysonFieldError) -> String {
    match (e.property.is_empty(), e.message.is_empty()) {
        (true, _) => e.message.clone(),
        (false, true) => e.property.clone(),
        (false, false) => format!("{}: {}", e.property, e.message),
    }
}

fn refused_text_joined(message: &str, errors: &[PaysonFieldError], sep: &str) -> String {
    std::iter::once(message.to_owned())
        .chain(errors.iter().map(field_text))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(sep)
}

/// `The request is invalid. (Order.Currency: Invalid currency)` for `Display`.
fn refused_text(message: &str, errors: &[PaysonFieldError]) -> String {
    let mut out = message.to_owned();
    let fields: Vec<String> = errors
        .iter()
        .map(field_text)
        .filter(|t| !t.is_empty())
        .collect();
    if !fields.is_empty() {
        let _ = write!(out, " ({})", fields.join("; "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused() -> PaysonError {
        PaysonError::Refused {
            status: 400,
            message: "The request is invalid.".into(),
            errors: vec![PaysonFieldError {
                property: "Order.Currency".into(),
                message: "Invalid currency".into(),
            }],
        }
    }

    #[test]
    fn refused_display_and_message_include_the_field_errors() {
        let e = refused();
        assert_eq!(
            e.to_string(),
            "Payson refused the request (400): The request is invalid. (Order.Currency: Invalid currency)"
        );
        assert_eq!(
            e.payson_message().as_deref(),
            Some("The request is invalid.; Order.Currency: Invalid currency")
        );
        assert!(!e.outcome_unknown());
    }

    #[test]
    fn only_sent_requests_have_an_unknown_outcome() {
        assert!(PaysonError::Timeout.outcome_unknown());
        assert!(PaysonError::Dropped("reset".into()).outcome_unknown());
        assert!(PaysonError::Malformed("x".into()).outcome_unknown());
        assert!(!PaysonError::NotSent("refused".into()).outcome_unknown());
        assert!(!PaysonError::Unauthorized.outcome_unknown());
        assert!(!PaysonError::NotFound.outcome_unknown());
        assert!(!PaysonError::Config("x".into()).outcome_unknown());
        let server_error = |status| PaysonError::Refused {
            status,
            message: String::new(),
            errors: vec![],
        };
        assert!(server_error(500).outcome_unknown());
        assert!(server_error(503).outcome_unknown());
        assert!(!server_error(409).outcome_unknown());
        assert_eq!(PaysonError::Timeout.payson_message(), None);
    }
}

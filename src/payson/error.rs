/// One entry of Payson's `errors[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaysonFieldError {
    pub property: String,
    pub message: String,
}

/// What can go wrong talking to Payson. The variants separate "nothing was sent" from
/// "sent, outcome unknown": only the latter needs re-reading before any retry.
#[derive(Debug, thiserror::Error)]
pub enum PaysonError {
    #[error("Payson rejected the credentials (401)")]
    Unauthorized,
    #[error("Payson does not know this checkout (404)")]
    NotFound,
    #[error("Payson refused the request ({status}): {message}")]
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
    /// The request may have reached Payson and been applied.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, Self::Timeout | Self::Dropped(_) | Self::Malformed(_))
    }

    /// Payson's own words, when it said any.
    pub fn payson_message(&self) -> Option<String> {
        match self {
            Self::Refused {
                message, errors, ..
            } => {
                let mut parts = vec![message.clone()];
                parts.extend(errors.iter().map(|e| {
                    if e.property.is_empty() {
                        e.message.clone()
                    } else {
                        format!("{}: {}", e.property, e.message)
                    }
                }));
                Some(
                    parts
                        .into_iter()
                        .filter(|p| !p.is_empty())
                        .collect::<Vec<_>>()
                        .join("; "),
                )
            }
            _ => None,
        }
    }
}

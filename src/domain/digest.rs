//! The daily expiry digest's values: a user's own settings, the language a mail is
//! written in, and where a company-day's digest stands.

use chrono::{DateTime, Utc};

/// The language of what the server writes to a person outside a page (the digest mail).
/// The desk's pages choose theirs per request; a mail has no request, so it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    #[default]
    En,
    Sv,
}

impl Language {
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Sv => "sv",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "en" => Some(Self::En),
            "sv" => Some(Self::Sv),
            _ => None,
        }
    }
}

/// A user's own preferences. Without a stored row: the digest on, no language chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserSettings {
    /// Whether the user gets the daily digest (only write administrators ever do).
    pub digest: bool,
    /// The language mails to the user are written in; `None`: English.
    pub language: Option<Language>,
}

impl Default for UserSettings {
    fn default() -> Self {
        Self {
            digest: true,
            language: None,
        }
    }
}

named_enum! {
    /// Where one company-day's digest stands (`digest_sends.state`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum DigestState {
        /// Claimed by an instance that is sending it (or died doing so: taken over when stale).
        Sending => "sending",
        Sent => "sent",
        /// Some mail could not be sent; the next run retries the recipients not yet mailed.
        Failed => "failed",
        /// Nothing to say (nothing expiring, or nobody to tell): no mail, and none later that day.
        Empty => "empty",
    }
}

/// One company-day's row, as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestSend {
    pub state: DigestState,
    pub owner: String,
    pub claimed_at: DateTime<Utc>,
    pub attempts: i64,
    pub mails: i64,
    pub error: Option<String>,
}

/// A user of a company with their settings, as the digest considers them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestRecipient {
    pub user: super::User,
    pub settings: UserSettings,
}

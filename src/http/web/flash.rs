//! One-time messages: set by a POST, shown once by the page it redirects to. They are
//! kept typed, so the page renders them in the reader's language (`Tr::flash`).

use actix_session::Session;
use serde::{Deserialize, Serialize};

use crate::error::{Connected, Problem};

const KEY: &str = "flash";

/// A change that was made, as its page reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Notice {
    CompanyAdded(String),
    PaysonSaved,
    Connected(Connected),
    KeyRevoked(String),
    UserAdded(String),
    /// The roles' stored names, comma-separated (the page shows them in words).
    RolesSaved(String),
    TimeZoneSaved(String),
    UserDisabled,
    UserEnabled,
    TokenRevoked(String),
    SettingsSaved,
    /// A payment request sent from the worklist: the checkout as a person names it
    /// (customer and booking) and its status name now.
    CheckoutSent(String, String),
    /// *Refresh from Payson* found the status we had.
    RefreshedNoChange,
    /// *Refresh from Payson* found a new status (its name).
    RefreshedNow(String),
}

/// A message for the next page: the change made, or why it was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Flash {
    Done(Notice),
    Refused(Problem),
}

impl Flash {
    /// Whether it reports success (the page styles it so).
    pub fn ok(&self) -> bool {
        matches!(self, Self::Done(_))
    }
}

pub fn set(session: &Session, flash: Flash) {
    // A flash that cannot be stored is lost, not an error: the change itself happened.
    let _ = session.insert(KEY, flash);
}

pub fn take(session: &Session) -> Option<Flash> {
    // actix-session marks the session changed by any `remove`, even of a key it does not
    // hold, and a changed session is written back: without this check every page that
    // shows a flash would cost a session write.
    if !session.contains_key(KEY) {
        return None;
    }
    // One left by an older version (plain text) is dropped, not shown.
    session.remove_as::<Flash>(KEY).and_then(Result::ok)
}

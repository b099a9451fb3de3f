//! One-time messages: set by a POST, shown once by the page it redirects to.

use actix_session::Session;

const KEY: &str = "flash";

/// A message for the next page: whether it reports success, and its text.
pub type Flash = (bool, String);

pub fn set(session: &Session, ok: bool, message: impl Into<String>) {
    // A flash that cannot be stored is lost, not an error: the change itself happened.
    let _ = session.insert(KEY, (ok, message.into()));
}

pub fn take(session: &Session) -> Option<Flash> {
    session.remove_as::<Flash>(KEY).and_then(Result::ok)
}

//! Who is signed in: the session names a user, who is re-read on every request so that
//! disabling them or changing their roles takes effect at once.

use actix_session::Session;
use chrono::Duration;

use crate::auth::session_store::USER_ID_KEY;
use crate::domain::{Principal, UserId};
use crate::error::AppError;
use crate::state::AppState;

const LOGIN_AT_KEY: &str = "login_at";
/// The OpenID provider this session signed in with, for sign-out at the provider.
const PROVIDER_KEY: &str = "oidc_provider";
const ID_TOKEN_KEY: &str = "oidc_id_token";
/// When this session was last seen; rewritten at most once a minute, which is what renews
/// the idle timeout (so a page view does not cost a session write).
const SEEN_AT_KEY: &str = "seen_at";
const SEEN_EVERY_SECS: i64 = 60;

pub fn start(state: &AppState, session: &Session, user: UserId) -> Result<(), AppError> {
    // A new session id at sign-in, so a planted session cannot be taken over.
    session.renew();
    session.remove("csrf");
    session
        .insert(USER_ID_KEY, user.to_string())
        .map_err(AppError::internal)?;
    session
        .insert(LOGIN_AT_KEY, state.clock.now().timestamp())
        .map_err(AppError::internal)?;
    Ok(())
}

/// The signed-in principal, or `None` (ending sessions that are too old or whose user
/// is gone or disabled).
pub async fn current(state: &AppState, session: &Session) -> Result<Option<Principal>, AppError> {
    let Some(id) = session
        .get::<String>(USER_ID_KEY)
        .map_err(AppError::internal)?
    else {
        return Ok(None);
    };
    let login_at = session
        .get::<i64>(LOGIN_AT_KEY)
        .map_err(AppError::internal)?
        .unwrap_or(0);
    let max_age = Duration::hours(state.settings.session.absolute_timeout_hours);
    if state.clock.now().timestamp() - login_at > max_age.num_seconds() {
        session.purge();
        return Ok(None);
    }
    // The user row read with the session, if it was read for this user.
    let loaded = id
        .parse()
        .ok()
        .and_then(|id| crate::auth::session_store::loaded_user(session, id));
    let principal = match loaded {
        Some(user) => crate::service::signin::session_user_principal(user.as_ref()),
        None => crate::service::signin::session_principal(state, &id).await?,
    };
    let now = state.clock.now().timestamp();
    let seen_at = session
        .get::<i64>(SEEN_AT_KEY)
        .map_err(AppError::internal)?
        .unwrap_or(0);
    if now - seen_at >= SEEN_EVERY_SECS {
        session
            .insert(SEEN_AT_KEY, now)
            .map_err(AppError::internal)?;
    }
    if principal.is_none() {
        session.purge();
    }
    Ok(principal)
}

/// Like `current`, but a missing sign-in is an error that sends the browser to /login.
pub async fn require(state: &AppState, session: &Session) -> Result<Principal, AppError> {
    current(state, session).await?.ok_or(AppError::Unauthorized)
}

/// The provider this session signed in with and the ID token it gave (the
/// `id_token_hint` of sign-out; server-side, the cookie holds only the session key).
pub fn set_provider(session: &Session, provider: &str, id_token: &str) -> Result<(), AppError> {
    session
        .insert(PROVIDER_KEY, provider)
        .map_err(AppError::internal)?;
    session
        .insert(ID_TOKEN_KEY, id_token)
        .map_err(AppError::internal)
}

pub fn id_token(session: &Session) -> Option<String> {
    session.get::<String>(ID_TOKEN_KEY).ok().flatten()
}

pub fn provider(session: &Session) -> Option<String> {
    session.get::<String>(PROVIDER_KEY).ok().flatten()
}

//! actix-session's `SessionStore` on our own database: the cookie carries a random key,
//! the database keeps its SHA-256 and the state, so a logout or a disabled user takes
//! effect at once on every instance (no Redis needed).

use std::collections::HashMap;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration as CookieDuration;
use chrono::Duration;
use rand::Rng;
use rand::distr::Alphanumeric;

use actix_session::Session;
use serde::{Deserialize, Serialize};

use crate::clock::SharedClock;
use crate::crypto::sha256_hex;
use crate::domain::{CompanyId, RoleSet, User, UserId};
use crate::store::{SessionWrite, Store};

/// The session key under which the signed-in user's id is kept.
pub const USER_ID_KEY: &str = "user_id";

/// Where `load` puts the user row it read with the session (one statement for both).
/// It lives only for the request: `save` and `update` never write it back.
const LOADED_USER_KEY: &str = "_loaded_user";

/// What `load` read of the session's user: `user` is `None` when the row is gone. The
/// password hash is left out: it has no business in a session's state.
#[derive(Serialize, Deserialize)]
struct LoadedUser {
    named: UserId,
    user: Option<UserFields>,
}

#[derive(Serialize, Deserialize)]
struct UserFields {
    email: String,
    display_name: String,
    company: Option<CompanyId>,
    roles: String,
    disabled: bool,
    created_at: chrono::DateTime<chrono::Utc>,
}

/// The row of user `id` as this request's session load read it: `Some(None)` when the
/// session names `id` and that user is gone; `None` when nothing was read for `id` (a
/// session renewed for another user in this request), so the caller reads it itself.
pub fn loaded_user(session: &Session, id: UserId) -> Option<Option<User>> {
    let loaded = session.get::<LoadedUser>(LOADED_USER_KEY).ok()??;
    if loaded.named != id {
        return None;
    }
    let Some(u) = loaded.user else {
        return Some(None);
    };
    Some(Some(User {
        id,
        email: u.email,
        display_name: u.display_name,
        password_hash: None,
        company_id: u.company,
        roles: RoleSet::parse_list(&u.roles).ok()?,
        disabled: u.disabled,
        created_at: u.created_at,
    }))
}

/// The state as stored: without what `load` added for the request.
fn stored_text(state: &HashMap<String, String>) -> serde_json::Result<String> {
    if !state.contains_key(LOADED_USER_KEY) {
        return serde_json::to_string(state);
    }
    let kept: HashMap<&String, &String> = state
        .iter()
        .filter(|(k, _)| *k != LOADED_USER_KEY)
        .collect();
    serde_json::to_string(&kept)
}

#[derive(Clone)]
pub struct DbSessionStore {
    store: Store,
    clock: SharedClock,
}

impl DbSessionStore {
    pub fn new(store: Store, clock: SharedClock) -> Self {
        Self { store, clock }
    }

    fn expiry(&self, ttl: &CookieDuration) -> chrono::DateTime<chrono::Utc> {
        self.clock.now() + Duration::seconds(ttl.whole_seconds().max(1))
    }

    /// The row a save or an update writes: now, expiring after `ttl`.
    fn write<'a>(
        &self,
        key_hash: &'a str,
        state: &HashMap<String, String>,
        text: &'a str,
        ttl: &CookieDuration,
    ) -> SessionWrite<'a> {
        SessionWrite {
            key_hash,
            user: user_of(state),
            state: text,
            now: self.clock.now(),
            expires_at: self.expiry(ttl),
        }
    }
}

fn user_of(state: &HashMap<String, String>) -> Option<UserId> {
    // actix-session stores every value JSON-encoded.
    state
        .get(USER_ID_KEY)
        .and_then(|v| serde_json::from_str::<String>(v).ok())
        .and_then(|s| s.parse().ok())
}

fn new_key() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(64)
        .map(char::from)
        .collect()
}

impl SessionStore for DbSessionStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<HashMap<String, String>>, LoadError> {
        let Some((text, named, user)) = self
            .store
            .session_load_with_user(&sha256_hex(key.as_ref()), self.clock.now())
            .await
            .map_err(|e| LoadError::Other(e.into()))?
        else {
            return Ok(None);
        };
        let mut state: HashMap<String, String> =
            serde_json::from_str(&text).map_err(|e| LoadError::Deserialization(e.into()))?;
        if let Some(named) = named {
            let loaded = LoadedUser {
                named,
                user: user.map(|u| UserFields {
                    email: u.email,
                    display_name: u.display_name,
                    company: u.company_id,
                    roles: u.roles.to_list(),
                    disabled: u.disabled,
                    created_at: u.created_at,
                }),
            };
            let json = serde_json::to_string(&loaded).map_err(|e| LoadError::Other(e.into()))?;
            state.insert(LOADED_USER_KEY.to_owned(), json);
        }
        Ok(Some(state))
    }

    async fn save(
        &self,
        state: HashMap<String, String>,
        ttl: &CookieDuration,
    ) -> Result<SessionKey, SaveError> {
        let text = stored_text(&state).map_err(|e| SaveError::Serialization(e.into()))?;
        let key = new_key();
        let hash = sha256_hex(&key);
        self.store
            .session_insert(&self.write(&hash, &state, &text, ttl))
            .await
            .map_err(|e| SaveError::Other(e.into()))?;
        SessionKey::try_from(key).map_err(|e| SaveError::Other(e.into()))
    }

    async fn update(
        &self,
        key: SessionKey,
        state: HashMap<String, String>,
        ttl: &CookieDuration,
    ) -> Result<SessionKey, UpdateError> {
        let text = stored_text(&state).map_err(|e| UpdateError::Serialization(e.into()))?;
        let hash = sha256_hex(key.as_ref());
        let updated = self
            .store
            .session_update(&self.write(&hash, &state, &text, ttl))
            .await
            .map_err(|e| UpdateError::Other(e.into()))?;
        if updated {
            return Ok(key);
        }
        // The session ended meanwhile (logout elsewhere, expiry): start a new one rather
        // than resurrect the old key.
        self.save(state, ttl)
            .await
            .map_err(|e| UpdateError::Other(anyhow::anyhow!("{e}")))
    }

    async fn update_ttl(
        &self,
        key: &SessionKey,
        ttl: &CookieDuration,
    ) -> Result<(), anyhow::Error> {
        self.store
            .session_touch(&sha256_hex(key.as_ref()), self.expiry(ttl))
            .await?;
        Ok(())
    }

    async fn delete(&self, key: &SessionKey) -> Result<(), anyhow::Error> {
        self.store.session_delete(&sha256_hex(key.as_ref())).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_load_adds_is_never_stored() {
        let state = HashMap::from([
            (USER_ID_KEY.to_owned(), "\"u\"".to_owned()),
            (LOADED_USER_KEY.to_owned(), "{}".to_owned()),
        ]);
        let stored: HashMap<String, String> =
            serde_json::from_str(&stored_text(&state).unwrap()).unwrap();
        assert_eq!(stored.keys().collect::<Vec<_>>(), [USER_ID_KEY]);
    }
}

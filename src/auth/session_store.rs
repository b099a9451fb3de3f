//! actix-session's `SessionStore` on our own database: the cookie carries a random key,
//! the database keeps its SHA-256 and the state, so a logout or a disabled user takes
//! effect at once on every instance (no Redis needed).

use std::collections::HashMap;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration as CookieDuration;
use chrono::Duration;
use rand::Rng;
use rand::distr::Alphanumeric;

use crate::clock::SharedClock;
use crate::crypto::sha256_hex;
use crate::domain::UserId;
use crate::store::{SessionWrite, Store};

/// The session key under which the signed-in user's id is kept.
pub const USER_ID_KEY: &str = "user_id";

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
        let state = self
            .store
            .session_load(&sha256_hex(key.as_ref()), self.clock.now())
            .await
            .map_err(|e| LoadError::Other(e.into()))?;
        state
            .map(|s| serde_json::from_str(&s).map_err(|e| LoadError::Deserialization(e.into())))
            .transpose()
    }

    async fn save(
        &self,
        state: HashMap<String, String>,
        ttl: &CookieDuration,
    ) -> Result<SessionKey, SaveError> {
        let text = serde_json::to_string(&state).map_err(|e| SaveError::Serialization(e.into()))?;
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
        let text =
            serde_json::to_string(&state).map_err(|e| UpdateError::Serialization(e.into()))?;
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

//! The provider's signing keys (JWKS): cached for `jwks_cache_secs`, fetched again on an
//! unknown `kid` or an old set, at most once per cooldown (failures count), one fetch at a
//! time, and nobody waits long for it.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;
use serde_json::Value;

use super::{Oidc, OidcError, Provider, invalid};

/// The key set is fetched at most this often, whether the last fetch worked or not.
const JWKS_COOLDOWN_SECS: i64 = 10;
/// A caller waits at most this long for someone else's key-set fetch...
const JWKS_WAIT: Duration = Duration::from_secs(3);
/// ...and a fetch of its own takes at most this long.
const JWKS_FETCH_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Default)]
pub(super) struct KeyCache {
    keys: HashMap<String, (DecodingKey, Option<Algorithm>)>,
    /// Keys without a `kid`; used only when the token names none either.
    anonymous: Vec<(DecodingKey, Option<Algorithm>)>,
    /// The last fetch that worked.
    fetched_at: Option<DateTime<Utc>>,
    /// The last fetch tried, worked or not: the cooldown counts from it.
    attempted_at: Option<DateTime<Utc>>,
}

impl Oidc {
    async fn fetch_keys(&self, p: &Provider) -> Result<(), OidcError> {
        let md = self.metadata(p).await?;
        #[derive(Deserialize)]
        struct Set {
            keys: Vec<Value>,
        }
        let set: Set = self.get_json(&md.jwks_uri).await?;
        let now = self.clock.now();
        let mut cache = KeyCache {
            fetched_at: Some(now),
            attempted_at: Some(now),
            ..KeyCache::default()
        };
        for raw in set.keys {
            // A key we cannot use (encryption keys, unknown types) is skipped, not fatal.
            let Ok(jwk) = serde_json::from_value::<Jwk>(raw) else {
                continue;
            };
            if matches!(
                jwk.common.public_key_use,
                Some(jsonwebtoken::jwk::PublicKeyUse::Encryption)
            ) {
                continue;
            }
            let Ok(key) = DecodingKey::from_jwk(&jwk) else {
                continue;
            };
            let alg = jwk
                .common
                .key_algorithm
                .and_then(|a| format!("{a:?}").parse::<Algorithm>().ok());
            match jwk.common.key_id {
                Some(kid) => {
                    cache.keys.insert(kid, (key, alg));
                }
                None => cache.anonymous.push((key, alg)),
            }
        }
        *p.keys.write().await = cache;
        Ok(())
    }

    /// The key for `kid` from a key set younger than `jwks_cache_secs`. An unknown `kid`
    /// or an old set fetches the set again, at most once per cooldown (failures count),
    /// one fetch at a time; nobody waits more than `JWKS_WAIT` for another's fetch.
    pub(super) async fn key(
        &self,
        p: &Provider,
        kid: Option<&str>,
    ) -> Result<(DecodingKey, Option<Algorithm>), OidcError> {
        let lifetime = p.settings.jwks_cache_secs;
        let decide = |c: &KeyCache| -> Option<Result<(DecodingKey, Option<Algorithm>), OidcError>> {
            let now = self.clock.now();
            let age = |at: Option<DateTime<Utc>>| at.map(|at| (now - at).num_seconds());
            let fresh = age(c.fetched_at).is_some_and(|a| a < lifetime);
            if fresh && let Some(k) = pick_key(c, kid) {
                return Some(Ok(k));
            }
            if age(c.attempted_at).is_some_and(|a| a < JWKS_COOLDOWN_SECS) {
                // Tried a moment ago: answer from what we have instead of asking again.
                return Some(if fresh {
                    Err(invalid("unknown signing key"))
                } else {
                    Err(OidcError::Unreachable(
                        "the provider's signing keys could not be fetched".into(),
                    ))
                });
            }
            None
        };
        if let Some(answer) = decide(&*p.keys.read().await) {
            return answer;
        }
        let Ok(_flight) = tokio::time::timeout(JWKS_WAIT, p.refresh.lock()).await else {
            return Err(OidcError::Unreachable(
                "the provider's signing keys are still being fetched".into(),
            ));
        };
        // Another request may have fetched (or failed) while we waited.
        if let Some(answer) = decide(&*p.keys.read().await) {
            return answer;
        }
        p.keys.write().await.attempted_at = Some(self.clock.now());
        match tokio::time::timeout(JWKS_FETCH_TIMEOUT, self.fetch_keys(p)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(e),
            Err(_) => {
                return Err(OidcError::Unreachable(
                    "the provider's signing keys took too long to fetch".into(),
                ));
            }
        }
        pick_key(&*p.keys.read().await, kid).ok_or_else(|| invalid("unknown signing key"))
    }
}

/// The key a token names by `kid`. A token without one is verified only against a key set
/// of exactly one key (with or without a `kid` of its own), never by trying several.
fn pick_key(c: &KeyCache, kid: Option<&str>) -> Option<(DecodingKey, Option<Algorithm>)> {
    match kid {
        Some(k) => c.keys.get(k).cloned(),
        None if c.keys.len() + c.anonymous.len() == 1 => {
            c.keys.values().next().or(c.anonymous.first()).cloned()
        }
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> (DecodingKey, Option<Algorithm>) {
        (DecodingKey::from_secret(b"k"), Some(Algorithm::RS256))
    }

    #[test]
    fn a_token_without_kid_needs_a_single_key() {
        let mut one_named = KeyCache::default();
        one_named.keys.insert("a".into(), key());
        assert!(pick_key(&one_named, None).is_some(), "the one key, named");
        assert!(pick_key(&one_named, Some("a")).is_some());
        assert!(pick_key(&one_named, Some("b")).is_none());
        let mut one_anonymous = KeyCache::default();
        one_anonymous.anonymous.push(key());
        assert!(pick_key(&one_anonymous, None).is_some());
        assert!(pick_key(&one_anonymous, Some("a")).is_none());
        let mut two = one_named;
        two.anonymous.push(key());
        assert!(pick_key(&two, None).is_none(), "never a guess between keys");
        assert!(pick_key(&KeyCache::default(), None).is_none());
    }
}

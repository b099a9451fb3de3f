//! Argon2id password hashing (PHC strings, parameters stored with the hash), run through
//! a few slots: each verification needs 19 MiB, so unbounded concurrency is unbounded
//! memory. A slot owns its memory buffer and reuses it, so the process does not keep
//! asking the allocator for (and then holding on to) fresh 19 MiB blocks.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::Semaphore;

fn params() -> Params {
    // OWASP's first recommended setting: m = 19 MiB, t = 2, p = 1.
    Params::new(19 * 1024, 2, 1, None).unwrap_or_default()
}

fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
}

/// No slot became free within the configured wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

/// The bounded, buffer-reusing runner every Argon2 computation of the server goes through.
pub struct PasswordSlots {
    slots: Arc<Semaphore>,
    wait: Duration,
    /// At most one buffer per slot: only a permit holder takes one out.
    buffers: Mutex<Vec<Vec<Block>>>,
}

impl PasswordSlots {
    pub fn new(concurrency: usize, wait: Duration) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(concurrency.max(1))),
            wait,
            buffers: Mutex::new(Vec::new()),
        }
    }

    /// Checks `password` against a stored PHC string; a malformed hash never verifies.
    /// `Busy` when no slot came free within the wait (a sign-in answers 503).
    pub async fn verify(&self, password: String, phc: String) -> Result<bool, Busy> {
        let permit = tokio::time::timeout(self.wait, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| Busy)?
            .map_err(|_| Busy)?;
        let ok = self
            .on_slot(move |mem| verify_with(&password, &phc, mem))
            .await;
        drop(permit);
        Ok(ok.unwrap_or(false))
    }

    /// A new hash for a password being set. Waits as long as it takes: only
    /// administrators set passwords, and failing their form for load would be worse.
    pub async fn hash(&self, password: String) -> Result<String, argon2::password_hash::Error> {
        let permit = self
            .slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| argon2::password_hash::Error::Crypto)?;
        let out = self
            .on_slot(move |mem| hash_with(&password, mem))
            .await
            .unwrap_or(Err(argon2::password_hash::Error::Crypto));
        drop(permit);
        out
    }

    /// Runs `f` on the blocking pool (Argon2 is slow on purpose) with this slot's buffer.
    async fn on_slot<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Option<T> {
        let mut mem = self.take_buffer();
        let joined = tokio::task::spawn_blocking(move || {
            let out = f(&mut mem);
            (out, mem)
        })
        .await
        .ok()?;
        let (out, mem) = joined;
        self.put_buffer(mem);
        Some(out)
    }

    fn take_buffer(&self) -> Vec<Block> {
        self.buffers
            .lock()
            .map(|mut b| b.pop())
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    fn put_buffer(&self, mem: Vec<Block>) {
        if let Ok(mut b) = self.buffers.lock() {
            b.push(mem);
        }
    }
}

/// The first `count` blocks of the slot's buffer; a hash stored with more memory than
/// ours gets a buffer of its own, so the pooled ones stay at our size.
fn with_memory<T>(mem: &mut Vec<Block>, count: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
    let ours = params().block_count();
    if count > ours {
        return f(&mut vec![Block::default(); count]);
    }
    if mem.len() < count {
        mem.resize(count, Block::default());
    }
    f(&mut mem[..count])
}

fn verify_with(password: &str, phc: &str, mem: &mut Vec<Block>) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(hash.algorithm) else {
        return false;
    };
    let version = hash
        .version
        .map(Version::try_from)
        .unwrap_or(Ok(Version::V0x13));
    let (Ok(version), Ok(params)) = (version, Params::try_from(&hash)) else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let count = params.block_count();
    let argon = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; expected.len()];
    let computed = with_memory(mem, count, |blocks| {
        argon.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, blocks)
    });
    // `Output`'s equality is constant-time.
    computed.is_ok() && Output::new(&out).is_ok_and(|o| o == expected)
}

fn hash_with(password: &str, mem: &mut Vec<Block>) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_buf)?.to_vec();
    let argon = argon2();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    with_memory(mem, params().block_count(), |blocks| {
        argon.hash_password_into_with_memory(password.as_bytes(), &salt_bytes, &mut out, blocks)
    })?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: (&params()).try_into()?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out)?),
    };
    Ok(phc.to_string())
}

/// A hash outside the slots, for a value computed once (the dummy hash unknown
/// accounts are checked against).
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    hash_with(password, &mut Vec::new())
}

/// Verifies outside the slots (tests and the command line's one-off checks).
pub fn verify_password(password: &str, phc: &str) -> bool {
    verify_with(password, phc, &mut Vec::new())
}

/// Refuses passwords too short to be worth hashing.
pub fn check_strength(password: &str) -> Result<(), &'static str> {
    if password.chars().count() < 12 {
        return Err("a password needs at least 12 characters");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    #[test]
    fn hashes_with_argon2id_and_verifies() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not-a-hash"));
        assert!(check_strength("short").is_err());
        // The crate's own verifier agrees with ours, both ways.
        let parsed = PasswordHash::new(&h).unwrap();
        assert!(
            argon2()
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
        let salt = SaltString::generate(&mut OsRng);
        let theirs = argon2().hash_password(b"pw", &salt).unwrap().to_string();
        assert!(verify_password("pw", &theirs));
        assert!(!verify_password("pv", &theirs));
    }

    #[tokio::test]
    async fn slots_reuse_buffers_and_refuse_when_full() {
        let slots = Arc::new(PasswordSlots::new(1, Duration::from_millis(50)));
        let h = slots.hash("a long password".into()).await.unwrap();
        assert!(
            slots
                .verify("a long password".into(), h.clone())
                .await
                .unwrap()
        );
        assert!(!slots.verify("another".into(), h.clone()).await.unwrap());
        assert_eq!(
            slots.buffers.lock().unwrap().len(),
            1,
            "one slot, one buffer"
        );
        // With the one slot taken, a verification gives up after the wait.
        let held = slots.slots.clone().acquire_owned().await.unwrap();
        assert_eq!(slots.verify("x".into(), h.clone()).await, Err(Busy));
        drop(held);
        assert!(slots.verify("a long password".into(), h).await.unwrap());
    }
}

//! Secrets at rest and token hashing.
//!
//! Payson API keys are encrypted with XChaCha20-Poly1305 under a key from configuration;
//! API tokens and company API keys are high-entropy, so a SHA-256 digest is enough to
//! store them (unlike passwords, which use Argon2id in `auth::password`).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the secret key must be 32 bytes, base64-encoded")]
    BadKey,
    #[error("a stored secret could not be decrypted (wrong secret key or corrupted data)")]
    Decrypt,
}

/// Encrypts and decrypts secrets stored in the database.
#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    /// From the configured key: 32 bytes in standard or URL-safe base64.
    pub fn from_base64(key: &str) -> Result<Self, CryptoError> {
        let bytes = STANDARD
            .decode(key.trim())
            .or_else(|_| URL_SAFE_NO_PAD.decode(key.trim()))
            .map_err(|_| CryptoError::BadKey)?;
        if bytes.len() != 32 {
            return Err(CryptoError::BadKey);
        }
        let cipher = XChaCha20Poly1305::new_from_slice(&bytes).map_err(|_| CryptoError::BadKey)?;
        Ok(Self { cipher })
    }

    /// A fresh random key in the form `from_base64` reads.
    pub fn generate_key() -> String {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        STANDARD.encode(key)
    }

    /// `v1:` + base64(nonce || ciphertext).
    pub fn encrypt(&self, plaintext: &str) -> String {
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        // Encryption with a valid key and in-memory buffers cannot fail.
        let ct = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), plaintext.as_bytes())
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        format!("v1:{}", STANDARD.encode(out))
    }

    pub fn decrypt(&self, stored: &str) -> Result<String, CryptoError> {
        let data = stored
            .strip_prefix("v1:")
            .and_then(|b| STANDARD.decode(b).ok())
            .ok_or(CryptoError::Decrypt)?;
        if data.len() < 24 + 16 {
            return Err(CryptoError::Decrypt);
        }
        let (nonce, ct) = data.split_at(24);
        let pt = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), ct)
            .map_err(|_| CryptoError::Decrypt)?;
        String::from_utf8(pt).map_err(|_| CryptoError::Decrypt)
    }
}

/// Hex SHA-256, used to store and look up API tokens and company API keys.
pub fn sha256_hex(input: &str) -> String {
    let digest = Sha256::digest(input.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new API token: `cdt_` + 32 random bytes, URL-safe base64.
pub fn new_api_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("cdt_{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Constant-time comparison for secrets such as CSRF tokens.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypts_round_trip_and_detects_wrong_key() {
        let k = SecretBox::generate_key();
        let sb = SecretBox::from_base64(&k).unwrap();
        let enc = sb.encrypt("2acab30d-fe50-426f-90d7-8c60a7eb31d4");
        assert!(!enc.contains("2acab30d"));
        assert_ne!(
            enc,
            sb.encrypt("2acab30d-fe50-426f-90d7-8c60a7eb31d4"),
            "nonce must differ"
        );
        assert_eq!(
            sb.decrypt(&enc).unwrap(),
            "2acab30d-fe50-426f-90d7-8c60a7eb31d4"
        );
        let other = SecretBox::from_base64(&SecretBox::generate_key()).unwrap();
        assert!(other.decrypt(&enc).is_err());
        assert!(SecretBox::from_base64("c2hvcnQ=").is_err());
    }

    #[test]
    fn tokens_are_random_and_hash_is_stable() {
        let a = new_api_token();
        assert!(a.starts_with("cdt_") && a.len() > 40);
        assert_ne!(a, new_api_token());
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

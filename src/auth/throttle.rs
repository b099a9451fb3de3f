//! Sign-in rate limits per account and per address (governor, MIT), so guessing a
//! password is slow whether one account or many are tried.

use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

pub struct LoginThrottle {
    by_account: DefaultKeyedRateLimiter<String>,
    by_address: DefaultKeyedRateLimiter<String>,
}

impl LoginThrottle {
    pub fn new(per_minute: u32) -> Self {
        let account = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let address =
            NonZeroU32::new(per_minute.max(1).saturating_mul(4)).unwrap_or(NonZeroU32::MIN);
        Self {
            by_account: RateLimiter::keyed(Quota::per_minute(account)),
            by_address: RateLimiter::keyed(Quota::per_minute(address)),
        }
    }

    /// Counts one attempt; false when either limit is exhausted.
    pub fn allow(&self, email: &str, address: &str) -> bool {
        let account_ok = self
            .by_account
            .check_key(&email.trim().to_lowercase())
            .is_ok();
        let address_ok = self.by_address.check_key(&address.to_owned()).is_ok();
        account_ok && address_ok
    }

    /// Forgets keys whose limits have fully recovered, so memory stays bounded by the
    /// recent attempts rather than by every address and e-mail ever tried.
    pub fn forget_idle(&self) {
        for limiter in [&self.by_account, &self.by_address] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// Keys remembered now (for tests and metrics).
    pub fn remembered(&self) -> usize {
        self.by_account.len() + self.by_address.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_account_and_per_address() {
        let t = LoginThrottle::new(2);
        assert!(t.allow("a@x", "1.1.1.1"));
        assert!(t.allow("A@x", "1.1.1.2"));
        assert!(!t.allow("a@x", "1.1.1.3"), "third try on one account");
        for i in 0..8 {
            let _ = t.allow(&format!("u{i}@x"), "9.9.9.9");
        }
        assert!(
            !t.allow("fresh@x", "9.9.9.9"),
            "one address trying many accounts"
        );
    }

    #[test]
    fn idle_keys_are_forgotten_and_busy_ones_kept() {
        // 60,000 a minute: one attempt is replenished within a millisecond.
        let t = LoginThrottle::new(60_000);
        for i in 0..100 {
            assert!(t.allow(&format!("u{i}@x"), &format!("10.0.0.{i}")));
        }
        assert_eq!(t.remembered(), 200);
        std::thread::sleep(std::time::Duration::from_millis(50));
        t.forget_idle();
        assert_eq!(t.remembered(), 0, "every limit has recovered");
        // A key still below its full allowance is kept.
        let slow = LoginThrottle::new(1);
        assert!(slow.allow("a@x", "1.1.1.1"));
        slow.forget_idle();
        assert_eq!(slow.remembered(), 2);
        assert!(
            !slow.allow("a@x", "1.1.1.2"),
            "the limit is not reset by forgetting"
        );
    }
}

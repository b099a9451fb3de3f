//! What API callers present (product.md §2): `Authorization: Bearer <api token or JWT>`
//! and, when sent (or when required), `x-api-key: <company key>`. The checks themselves
//! are `service::signin::api_principal`.

use std::net::IpAddr;

use crate::domain::AddressList;

/// What the caller presented, taken from the request headers.
#[derive(Default)]
pub struct ApiCredentials {
    pub bearer: Option<String>,
    pub api_key: Option<String>,
    pub remote_ip: Option<IpAddr>,
}

impl std::fmt::Debug for ApiCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiCredentials")
            .field("bearer", &self.bearer.as_ref().map(|_| "<redacted>"))
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("remote_ip", &self.remote_ip)
            .finish()
    }
}

/// Our own API tokens (`cdt_…`) never contain dots; a JWT has exactly two.
pub fn looks_like_jwt(token: &str) -> bool {
    token.split('.').count() == 3
}

/// `allowed` is the key's comma-separated list of addresses and CIDR ranges; empty
/// allows any address. A stored list that no longer parses allows nothing (fail closed).
pub fn ip_allowed(allowed: &str, ip: Option<IpAddr>) -> bool {
    match AddressList::parse(allowed) {
        Ok(list) if list.is_empty() => true,
        Ok(list) => ip.is_some_and(|ip| list.contains(ip)),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_allow_list() {
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        assert!(ip_allowed("", ip("10.0.0.1")));
        assert!(ip_allowed("127.0.0.1, 10.0.0.1", ip("10.0.0.1")));
        assert!(ip_allowed("127.0.0.1", ip("::ffff:127.0.0.1")));
        assert!(!ip_allowed("127.0.0.1", ip("127.0.0.2")));
        assert!(!ip_allowed("127.0.0.1", None));
        assert!(ip_allowed("10.0.0.0/8", ip("10.9.8.7")));
        assert!(!ip_allowed("10.0.0.0/8", ip("11.0.0.1")));
        assert!(!ip_allowed("10.0.0.x", ip("10.0.0.1")));
    }
}

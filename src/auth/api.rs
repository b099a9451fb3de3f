//! What API callers present (product.md §2): `Authorization: Bearer <api token or JWT>`
//! and, when sent (or when required), `x-api-key: <company key>`. The checks themselves
//! are `service::signin::api_principal`.

use std::net::IpAddr;

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

/// `allowed` is a comma-separated list; empty allows any address.
pub fn ip_allowed(allowed: &str, ip: Option<IpAddr>) -> bool {
    let list: Vec<&str> = allowed
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if list.is_empty() {
        return true;
    }
    let Some(ip) = ip else { return false };
    list.iter()
        .filter_map(|s| s.parse::<IpAddr>().ok())
        .any(|a| {
            // An IPv4 client may arrive as an IPv4-mapped IPv6 address.
            a == ip || Some(a) == ip_to_v4(ip)
        })
}

fn ip_to_v4(ip: IpAddr) -> Option<IpAddr> {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4),
        IpAddr::V4(_) => None,
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
    }
}

//! Addresses and CIDR ranges, as allow-lists and trusted proxies are written.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;
use serde::Deserialize;

/// One address (`10.0.0.1`, `::1`) or range (`10.0.0.0/8`, `2001:db8::/32`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct AddressRange(IpNet);

/// Why an entry is not an address or a range; carries the entry as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an IP address or CIDR range")]
pub struct NotAnAddress(pub String);

impl FromStr for AddressRange {
    type Err = NotAnAddress;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Ok(net) = s.parse::<IpNet>() {
            return Ok(Self(net.trunc()));
        }
        s.parse::<IpAddr>()
            .map(|ip| Self(IpNet::from(ip)))
            .map_err(|_| NotAnAddress(s.to_owned()))
    }
}

impl TryFrom<String> for AddressRange {
    type Error = NotAnAddress;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl fmt::Display for AddressRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A single address reads as itself, not as `/32`.
        if self.0.prefix_len() == self.0.max_prefix_len() {
            self.0.addr().fmt(f)
        } else {
            self.0.fmt(f)
        }
    }
}

impl AddressRange {
    /// An IPv4 client may arrive as an IPv4-mapped IPv6 address; it matches IPv4 ranges.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(&ip) || canonical(ip).is_some_and(|v4| self.0.contains(&v4))
    }
}

fn canonical(ip: IpAddr) -> Option<IpAddr> {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4),
        IpAddr::V4(_) => None,
    }
}

/// A list of addresses and ranges; empty means "no restriction" to an allow-list and
/// "no proxy is trusted" to the forwarded-address rule.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct AddressList(Vec<AddressRange>);

impl AddressList {
    /// Comma-separated, as an administrator types it; blank entries are ignored.
    pub fn parse(list: &str) -> Result<Self, NotAnAddress> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|r| r.contains(ip))
    }
}

impl fmt::Display for AddressList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            r.fmt(f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ranges_and_single_addresses() {
        let l = AddressList::parse("10.0.0.0/8, 192.168.1.7 ,2001:db8::/32").unwrap();
        assert!(l.contains(ip("10.200.3.4")));
        assert!(l.contains(ip("192.168.1.7")));
        assert!(!l.contains(ip("192.168.1.8")));
        assert!(l.contains(ip("2001:db8::1")));
        assert!(!l.contains(ip("2001:db9::1")));
        assert!(!l.contains(ip("11.0.0.1")));
        // IPv4-mapped IPv6, as a dual-stack listener reports an IPv4 peer.
        assert!(l.contains(ip("::ffff:10.1.2.3")));
        assert_eq!(l.to_string(), "10.0.0.0/8, 192.168.1.7, 2001:db8::/32");
    }

    #[test]
    fn host_bits_are_dropped_and_garbage_refused() {
        assert_eq!(
            "10.1.2.3/8".parse::<AddressRange>().unwrap().to_string(),
            "10.0.0.0/8"
        );
        assert_eq!(
            AddressList::parse("10.0.0.1, 10.0.0.x"),
            Err(NotAnAddress("10.0.0.x".into()))
        );
        assert!("10.0.0.0/33".parse::<AddressRange>().is_err());
        assert!(AddressList::parse(" , ").unwrap().is_empty());
    }
}

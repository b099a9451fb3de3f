use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Why a GUID could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a valid GUID")]
pub struct GuidError(pub String);

/// Parses a GUID the way ServiceStack does: dashed, 32 hex digits, or either in braces
/// or parentheses; surrounding whitespace is ignored.
pub fn parse_guid(input: &str) -> Result<Uuid, GuidError> {
    let s = input.trim();
    let inner = s
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .or_else(|| s.strip_prefix('(').and_then(|r| r.strip_suffix(')')))
        .unwrap_or(s);
    // Only the two plain forms: Uuid::parse_str would also take URNs, which .NET does not.
    let ok_shape = match inner.len() {
        32 => inner.bytes().all(|b| b.is_ascii_hexdigit()),
        36 => inner.bytes().enumerate().all(|(i, b)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                b == b'-'
            } else {
                b.is_ascii_hexdigit()
            }
        }),
        _ => false,
    };
    if !ok_shape {
        return Err(GuidError(input.to_owned()));
    }
    Uuid::parse_str(inner).map_err(|_| GuidError(input.to_owned()))
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            pub fn new_random() -> Self {
                Self(Uuid::new_v4())
            }
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }

        impl FromStr for $name {
            type Err = GuidError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                parse_guid(s).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // Always the dashed lower-case form, as BokaMera's JSON and XML use.
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }
    };
}

id_type!(
    /// A Payson checkout id (checkout ids are Payson's own).
    CheckoutId
);
id_type!(
    /// A company (one booking supplier with its own Payson merchant account).
    CompanyId
);
id_type!(
    /// A user of checkout-desk.
    UserId
);
id_type!(
    /// A bulk send job: one submitted bulk form.
    BulkJobId
);

impl CheckoutId {
    /// The first 8 hex digits: enough to tell a list's rows apart at a glance (the full id
    /// is on the checkout's own page).
    pub fn short(&self) -> String {
        let mut s = self.to_string();
        s.truncate(8);
        s
    }
}

impl CompanyId {
    /// BokaMera treats the all-zero GUID like an absent `CompanyId`.
    pub fn from_request(u: Uuid) -> Option<Self> {
        (!u.is_nil()).then_some(Self(u))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_guid_forms() {
        let want = Uuid::parse_str("6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f").unwrap();
        for s in [
            "6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f",
            "6F1C2D3E-4A5B-4C6D-8E7F-0A1B2C3D4E5F",
            "6f1c2d3e4a5b4c6d8e7f0a1b2c3d4e5f",
            "{6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f}",
            "(6f1c2d3e4a5b4c6d8e7f0a1b2c3d4e5f)",
            " 6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f ",
        ] {
            assert_eq!(parse_guid(s).unwrap(), want, "{s}");
        }
    }

    #[test]
    fn rejects_malformed_guids() {
        for s in [
            "",
            "abc",
            "6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5",
            "6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5g",
            "urn:uuid:6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f",
            "{6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f",
            "6f1c2d3e4a5b-4c6d-8e7f-0a1b2c3d4e5f0",
        ] {
            assert!(parse_guid(s).is_err(), "{s}");
        }
    }

    #[test]
    fn nil_company_means_own_company() {
        assert_eq!(CompanyId::from_request(Uuid::nil()), None);
    }
}

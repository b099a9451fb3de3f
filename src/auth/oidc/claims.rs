//! From a validated token's claims to who the caller is: subject, e-mail, roles and
//! company, by the provider's configured claim names.

use serde_json::Value;

use super::{Identity, OidcError, Provider, invalid};
use crate::domain::{CompanyId, Role, RoleSet};

/// A claim by dotted path (`realm_access.roles`); a literal key with dots wins.
fn claim<'a>(claims: &'a Value, path: &str) -> Option<&'a Value> {
    if let Some(v) = claims.get(path) {
        return Some(v);
    }
    path.split('.').try_fold(claims, |v, k| v.get(k))
}

/// Roles we do not know are ignored (a provider carries many roles of other systems).
pub fn map_identity(p: &Provider, claims: &Value) -> Result<Identity, OidcError> {
    let s = &p.settings;
    let subject = claims
        .get("sub")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid("the token names no subject"))?;
    let roles = match claim(claims, &s.roles_claim) {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .filter_map(|r| Role::parse(r).ok())
            .collect(),
        Some(Value::String(r)) => r
            .split([' ', ','])
            .filter_map(|r| Role::parse(r).ok())
            .collect(),
        _ => RoleSet::empty(),
    };
    let company = match claim(claims, &s.company_claim) {
        None | Some(Value::Null) => None,
        Some(Value::String(c)) => Some(
            c.parse::<CompanyId>()
                .map_err(|_| invalid("the company claim is not a company id"))?,
        ),
        Some(_) => return Err(invalid("the company claim is not a company id")),
    };
    let email = claim(claims, &s.email_claim)
        .and_then(Value::as_str)
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty());
    // Some providers send the boolean as a string.
    let email_verified = match claims.get("email_verified") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    };
    let name = claims
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Ok(Identity {
        provider: p.name.clone(),
        subject: subject.to_owned(),
        email,
        email_verified,
        name,
        roles,
        company,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::OidcProviderSettings;
    use tokio::sync::{Mutex, RwLock};

    use super::super::KeyCache;

    fn provider() -> Provider {
        let s: OidcProviderSettings =
            toml::from_str("issuer = \"https://id.example\"\nclient_id = \"desk\"\n").unwrap();
        Provider {
            name: "kc".into(),
            settings: s,
            metadata: RwLock::new(None),
            keys: RwLock::new(KeyCache::default()),
            refresh: Mutex::new(()),
        }
    }

    #[test]
    fn keycloak_claims_map_to_roles_and_company() {
        let p = provider();
        let c = serde_json::json!({
            "sub": "u1",
            "email": "Anna@Example.SE",
            "email_verified": true,
            "realm_access": {"roles": ["bookingsupplier-administrator-write", "offline_access"]},
            "company_id": "7b1f3c1e-2a4d-4f0e-9a77-0c5b2f6d9e11"
        });
        let id = map_identity(&p, &c).unwrap();
        assert_eq!(id.email.as_deref(), Some("anna@example.se"));
        assert!(id.email_verified);
        assert!(id.roles.contains(Role::AdminWrite));
        assert_eq!(id.roles.iter().count(), 1);
        assert!(id.company.is_some());
        for (given, verified) in [
            (serde_json::json!("true"), true),
            (serde_json::json!("TRUE"), true),
            (serde_json::json!("false"), false),
            (serde_json::json!(1), false),
            (serde_json::json!(false), false),
        ] {
            let c = serde_json::json!({"sub": "u1", "email": "a@b.se", "email_verified": given});
            assert_eq!(
                map_identity(&p, &c).unwrap().email_verified,
                verified,
                "{given}"
            );
        }
        let bad = serde_json::json!({"sub": "u1", "company_id": "acme"});
        assert!(map_identity(&p, &bad).is_err());
        assert!(map_identity(&p, &serde_json::json!({"email": "x"})).is_err());
    }
}

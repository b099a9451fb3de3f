//! `[api]`: ServiceStack's surface around the operations.

use serde::Deserialize;

/// `[api]`: ServiceStack's surface around the operations (README "ServiceStack").
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiSettings {
    /// Most requests one auto-batched call may carry.
    pub max_batch: usize,
    /// Origins (`https://app.example`, or `*`) whose browser scripts may call the API.
    /// Empty: no CORS headers at all. Never with credentials: bearer tokens only.
    pub cors_allowed_origins: Vec<String>,
    pub cors_allowed_methods: Vec<String>,
    pub cors_allowed_headers: Vec<String>,
    pub cors_max_age_secs: u32,
    /// The header of the metadata pages.
    pub metadata_header: String,
}

impl Default for ApiSettings {
    fn default() -> Self {
        let list = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect();
        Self {
            max_batch: 100,
            cors_allowed_origins: Vec::new(),
            cors_allowed_methods: list(&["GET", "POST", "PUT", "OPTIONS"]),
            cors_allowed_headers: list(&["Content-Type", "Authorization", "x-api-key"]),
            cors_max_age_secs: 600,
            metadata_header: "checkout-desk".into(),
        }
    }
}

/// Checked at start-up: actix-cors refuses (by panicking) an origin, method or header it
/// cannot use, so a mistake here must stop the server with a message instead.
pub(super) fn validate(api: &ApiSettings) -> Result<(), String> {
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    };
    for o in &api.cors_allowed_origins {
        let o = o.trim().trim_end_matches('/');
        let ok = o == "*"
            || url::Url::parse(o).is_ok_and(|u| {
                matches!(u.scheme(), "http" | "https")
                    && u.host().is_some()
                    && u.path() == "/"
                    && u.query().is_none()
                    && u.username().is_empty()
            });
        if !ok {
            return Err(format!(
                "api.cors_allowed_origins: {o:?} is not an origin such as https://app.example (or \"*\")"
            ));
        }
    }
    if let Some(m) = api.cors_allowed_methods.iter().find(|m| !token(m)) {
        return Err(format!(
            "api.cors_allowed_methods: {m:?} is not an HTTP method"
        ));
    }
    if let Some(h) = api.cors_allowed_headers.iter().find(|h| !token(h)) {
        return Err(format!(
            "api.cors_allowed_headers: {h:?} is not a header name"
        ));
    }
    if api.max_batch == 0 {
        return Err("api.max_batch must be above 0".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cors_settings_that_actix_cors_would_refuse_stop_the_start() {
        let with = |origins: &[&str]| ApiSettings {
            cors_allowed_origins: origins.iter().map(|o| o.to_string()).collect(),
            ..ApiSettings::default()
        };
        assert!(
            validate(&with(&[
                "https://app.example",
                "http://localhost:3000/",
                "*"
            ]))
            .is_ok()
        );
        for bad in [
            "app.example",
            "https://app.example/path",
            "ftp://x.example",
            "https://",
        ] {
            assert!(validate(&with(&[bad])).is_err(), "{bad}");
        }
        let mut s = ApiSettings::default();
        s.cors_allowed_headers.push("Bad Header".into());
        assert!(validate(&s).is_err());
    }
}

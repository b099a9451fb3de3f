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

//! The `[oidc.<name>]` sections: one OpenID provider each.

use serde::Deserialize;

/// Token signature algorithms a provider may use. Asymmetric only: an HMAC "signed"
/// with the provider's public key must fail.
pub const ALGORITHMS: &[&str] = &[
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA",
];

/// Who may sign in through a provider for the first time.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FirstSignIn {
    /// Create a local user with the roles and company the claims give.
    Create,
    /// Link to an existing local user with the same, provider-verified e-mail.
    #[default]
    Link,
    /// Only users already linked may sign in.
    Refuse,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcProviderSettings {
    /// Shown on the login page: "Sign in with <display_name>".
    #[serde(default)]
    pub display_name: String,
    /// The issuer; `<issuer>/.well-known/openid-configuration` is read unless all
    /// endpoints below are given.
    pub issuer: String,
    #[serde(default)]
    pub authorization_endpoint: Option<String>,
    #[serde(default)]
    pub token_endpoint: Option<String>,
    #[serde(default)]
    pub jwks_uri: Option<String>,
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
    pub client_id: String,
    #[serde(default)]
    pub client_secret: String,
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// Dotted path of the claim holding BokaMera role names (Keycloak: `realm_access.roles`).
    #[serde(default = "default_roles_claim")]
    pub roles_claim: String,
    #[serde(default = "default_company_claim")]
    pub company_claim: String,
    #[serde(default = "default_email_claim")]
    pub email_claim: String,
    #[serde(default)]
    pub first_sign_in: FirstSignIn,
    /// Roles and company come from the claims (written to the user at each sign-in).
    /// Off for providers without such claims (Google): the desk's own assignments stay.
    #[serde(default = "default_true")]
    pub roles_from_claims: bool,
    /// The `aud` API access tokens must carry; without it the API does not accept this
    /// provider's tokens.
    #[serde(default)]
    pub api_audience: Option<String>,
    /// Further issuers whose access tokens the API accepts from this provider (its keys),
    /// e.g. Entra ID's v1 `https://sts.windows.net/<tenant>/` beside the v2.0 issuer.
    #[serde(default)]
    pub api_issuers: Vec<String>,
    /// Signature algorithms accepted (never taken from the token alone).
    #[serde(default = "default_algorithms")]
    pub algorithms: Vec<String>,
    /// Clock skew allowed on `exp`, `nbf` and `iat`.
    #[serde(default = "default_leeway")]
    pub leeway_secs: i64,
    /// How long a fetched key set is trusted before it is fetched again, so a key the
    /// provider removed stops working within this time.
    #[serde(default = "default_jwks_cache")]
    pub jwks_cache_secs: i64,
}

impl OidcProviderSettings {
    /// The issuers an API access token may name: the provider's own, then `api_issuers`.
    pub fn api_issuers(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.issuer.as_str()).chain(self.api_issuers.iter().map(String::as_str))
    }
}

fn default_scopes() -> Vec<String> {
    vec!["openid".into(), "email".into(), "profile".into()]
}
fn default_roles_claim() -> String {
    "realm_access.roles".into()
}
fn default_company_claim() -> String {
    "company_id".into()
}
fn default_email_claim() -> String {
    "email".into()
}
fn default_algorithms() -> Vec<String> {
    vec!["RS256".into()]
}
fn default_true() -> bool {
    true
}
fn default_leeway() -> i64 {
    60
}
fn default_jwks_cache() -> i64 {
    300
}

impl std::fmt::Debug for OidcProviderSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcProviderSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("roles_claim", &self.roles_claim)
            .field("company_claim", &self.company_claim)
            .field("first_sign_in", &self.first_sign_in)
            .field("api_audience", &self.api_audience)
            .finish_non_exhaustive()
    }
}

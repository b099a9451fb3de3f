//! OpenID Connect (product.md §2, §3): provider metadata (discovery, cached), signing keys
//! (JWKS, cached, refreshed on an unknown `kid` at most once per cooldown), the browser
//! code flow with PKCE through the `oauth2` crate, validation of ID tokens and of JWT
//! access tokens, and the mapping of claims to BokaMera roles and a company.
//!
//! Token times are checked against the injected clock, not the system's, so tests can
//! expire tokens.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::Validation;
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    StandardRevocableToken, StandardTokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::{Mutex, RwLock};

use keys::KeyCache;

use crate::clock::SharedClock;
use crate::config::{OidcProviderSettings, Settings};
use crate::domain::{CompanyId, RoleSet};

mod claims;
mod keys;

pub use crate::config::ALGORITHMS;
pub use claims::map_identity;

/// Discovery is re-read after this long.
const METADATA_TTL_SECS: i64 = 3600;
/// Largest answer read from a provider.
const MAX_ANSWER_BYTES: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The provider did not answer (down, timeout, refused connection).
    #[error("The identity provider could not be reached")]
    Unreachable(String),
    /// The provider answered, but not as OpenID Connect says it must.
    #[error("The identity provider gave an unusable answer")]
    BadProvider(String),
    /// The user or the provider refused (denied consent, login cancelled).
    #[error("Sign-in was refused at the identity provider ({0})")]
    Denied(String),
    /// A token or a callback that does not hold: bad signature, wrong audience, expired,
    /// replayed code, wrong state or nonce.
    #[error("The sign-in could not be verified ({0})")]
    Invalid(String),
}

fn invalid(why: impl Into<String>) -> OidcError {
    OidcError::Invalid(why.into())
}

/// The endpoints of a provider (from discovery or from configuration).
#[derive(Debug, Clone, Deserialize)]
pub struct Metadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
}

pub struct Provider {
    pub name: String,
    pub settings: OidcProviderSettings,
    metadata: RwLock<Option<(Metadata, DateTime<Utc>)>>,
    keys: RwLock<KeyCache>,
    /// One key-set fetch at a time (single flight).
    refresh: Mutex<()>,
}

impl Provider {
    /// The name shown to people: "Sign in with <label>".
    pub fn label(&self) -> &str {
        if self.settings.display_name.is_empty() {
            &self.name
        } else {
            &self.settings.display_name
        }
    }
}

/// Who the provider says signed in, mapped to our terms.
#[derive(Debug, Clone)]
pub struct Identity {
    pub provider: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: String,
    pub roles: RoleSet,
    pub company: Option<CompanyId>,
}

/// What the browser flow keeps in the (server-side) session between the redirect to the
/// provider and its callback.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingLogin {
    pub provider: String,
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    pub redirect_uri: String,
    pub started_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct IdTokenField {
    #[serde(default)]
    id_token: Option<String>,
}
impl ExtraTokenFields for IdTokenField {}

type OidcClient = oauth2::Client<
    BasicErrorResponse,
    StandardTokenResponse<IdTokenField, BasicTokenType>,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// All configured providers, sharing one HTTP client that follows no redirects.
pub struct Oidc {
    providers: BTreeMap<String, Arc<Provider>>,
    http: reqwest::Client,
    clock: SharedClock,
}

impl Oidc {
    pub fn new(settings: &Settings, clock: SharedClock) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            // The oauth2 crate's warning: a redirect-following client is an SSRF risk.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15))
            .build()?;
        let providers = settings
            .oidc
            .iter()
            .map(|(name, s)| {
                let p = Provider {
                    name: name.clone(),
                    settings: s.clone(),
                    metadata: RwLock::new(None),
                    keys: RwLock::new(KeyCache::default()),
                    refresh: Mutex::new(()),
                };
                (name.clone(), Arc::new(p))
            })
            .collect();
        Ok(Self {
            providers,
            http,
            clock,
        })
    }

    pub fn provider(&self, name: &str) -> Option<&Arc<Provider>> {
        self.providers.get(name)
    }

    pub fn providers(&self) -> impl Iterator<Item = &Arc<Provider>> {
        self.providers.values()
    }

    /// Whether any provider's tokens are accepted on the API.
    pub fn accepts_api_tokens(&self) -> bool {
        self.providers
            .values()
            .any(|p| p.settings.api_audience.is_some())
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, OidcError> {
        let resp = self
            .http
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| OidcError::Unreachable(e.to_string()))?;
        if !resp.status().is_success() {
            return Err(OidcError::BadProvider(format!(
                "{url} answered {}",
                resp.status()
            )));
        }
        let body = read_capped(resp)
            .await
            .map_err(|e| OidcError::Unreachable(e.to_string()))?;
        serde_json::from_slice(&body).map_err(|e| OidcError::BadProvider(format!("{url}: {e}")))
    }

    /// The provider's endpoints: configured ones, else discovery (cached; a failure is
    /// not cached).
    pub async fn metadata(&self, p: &Provider) -> Result<Metadata, OidcError> {
        let s = &p.settings;
        if let (Some(a), Some(t), Some(j)) =
            (&s.authorization_endpoint, &s.token_endpoint, &s.jwks_uri)
        {
            return Ok(Metadata {
                issuer: s.issuer.clone(),
                authorization_endpoint: a.clone(),
                token_endpoint: t.clone(),
                jwks_uri: j.clone(),
                end_session_endpoint: s.end_session_endpoint.clone(),
            });
        }
        let now = self.clock.now();
        if let Some((m, at)) = &*p.metadata.read().await
            && (now - *at).num_seconds() < METADATA_TTL_SECS
        {
            return Ok(m.clone());
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            s.issuer.trim_end_matches('/')
        );
        let mut m: Metadata = self.get_json(&url).await?;
        // OpenID Connect Discovery §4.3: the document must name the issuer we asked.
        if m.issuer != s.issuer {
            return Err(OidcError::BadProvider(format!(
                "discovery names issuer {} instead of {}",
                m.issuer, s.issuer
            )));
        }
        if let Some(e) = &s.end_session_endpoint {
            m.end_session_endpoint = Some(e.clone());
        }
        *p.metadata.write().await = Some((m.clone(), now));
        Ok(m)
    }

    /// Checks signature (key from the JWKS, algorithm pinned by configuration and the
    /// key), issuer, audience, expiry, not-before and issued-at; returns the claims.
    pub async fn verify_jwt(
        &self,
        p: &Provider,
        token: &str,
        audience: &str,
        issuers: &[&str],
    ) -> Result<Value, OidcError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid("malformed token"))?;
        let alg_name = format!("{:?}", header.alg);
        if !p.settings.algorithms.contains(&alg_name) {
            return Err(invalid(format!("algorithm {alg_name} is not accepted")));
        }
        let (key, key_alg) = self.key(p, header.kid.as_deref()).await?;
        if key_alg.is_some_and(|a| a != header.alg) {
            return Err(invalid("the algorithm does not match the signing key"));
        }
        let mut v = Validation::new(header.alg);
        v.set_issuer(issuers);
        v.set_audience(&[audience]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Times are checked below against our clock.
        v.validate_exp = false;
        v.validate_nbf = false;
        let data = jsonwebtoken::decode::<Value>(token, &key, &v).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind as K;
            invalid(match e.kind() {
                K::InvalidSignature => "bad signature",
                K::InvalidAudience => "wrong audience",
                K::InvalidIssuer => "wrong issuer",
                K::MissingRequiredClaim(_) => "a required claim is missing",
                K::InvalidAlgorithm | K::InvalidAlgorithmName => "wrong algorithm",
                _ => "malformed token",
            })
        })?;
        let claims = data.claims;
        let now = self.clock.now().timestamp();
        let leeway = p.settings.leeway_secs;
        let num = |name: &str| claims.get(name).and_then(Value::as_i64);
        match num("exp") {
            Some(exp) if exp + leeway >= now => {}
            Some(_) => return Err(invalid("the token has expired")),
            None => return Err(invalid("a required claim is missing")),
        }
        if num("nbf").is_some_and(|nbf| nbf - leeway > now) {
            return Err(invalid("the token is not valid yet"));
        }
        if num("iat").is_some_and(|iat| iat - leeway > now) {
            return Err(invalid("the token was issued in the future"));
        }
        Ok(claims)
    }

    /// The provider whose issuer the token names and whose API tokens we accept.
    pub async fn authenticate_bearer(
        &self,
        token: &str,
    ) -> Result<(Arc<Provider>, Identity), OidcError> {
        // The issuer is read unverified only to choose whose keys verify the token.
        let unverified: Value = jsonwebtoken::dangerous::insecure_decode_claims(token)
            .map_err(|_| invalid("malformed token"))?;
        let iss = unverified.get("iss").and_then(Value::as_str).unwrap_or("");
        let p = self
            .providers
            .values()
            .find(|p| {
                p.settings.api_audience.is_some() && p.settings.api_issuers().any(|i| i == iss)
            })
            .ok_or_else(|| invalid("unknown issuer"))?;
        let audience = p.settings.api_audience.as_deref().unwrap_or_default();
        let issuers: Vec<&str> = p.settings.api_issuers().collect();
        let claims = self.verify_jwt(p, token, audience, &issuers).await?;
        // Only ID tokens carry the nonce of a browser sign-in; an access token never does.
        // (With api_audience required to differ from client_id, an ID token also fails
        // the audience check; this holds even for providers that mint odd audiences.)
        if claims.get("nonce").is_some() {
            return Err(invalid("an ID token is not an API access token"));
        }
        let identity = map_identity(p, &claims)?;
        Ok((p.clone(), identity))
    }

    /// Step 1 of the browser flow: where to send the browser, and what to remember.
    pub async fn begin(
        &self,
        p: &Provider,
        redirect_uri: &str,
    ) -> Result<(String, PendingLogin), OidcError> {
        let md = self.metadata(p).await?;
        let client = self.client(p, &md, redirect_uri)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let nonce = CsrfToken::new_random();
        let mut req = client
            .authorize_url(CsrfToken::new_random)
            .set_pkce_challenge(challenge)
            .add_extra_param("nonce", nonce.secret().clone());
        // Without `openid` there is no ID token; never let configuration forget it.
        if !p.settings.scopes.iter().any(|s| s == "openid") {
            req = req.add_scope(Scope::new("openid".into()));
        }
        for s in &p.settings.scopes {
            req = req.add_scope(Scope::new(s.clone()));
        }
        let (url, state) = req.url();
        Ok((
            url.to_string(),
            PendingLogin {
                provider: p.name.clone(),
                state: state.secret().clone(),
                nonce: nonce.secret().clone(),
                verifier: verifier.secret().clone(),
                redirect_uri: redirect_uri.to_owned(),
                started_at: self.clock.now().timestamp(),
            },
        ))
    }

    /// Step 2: exchange the code (with the PKCE verifier) and validate the ID token.
    /// Returns the identity and the ID token itself (the `id_token_hint` of sign-out).
    pub async fn finish(
        &self,
        p: &Provider,
        pending: &PendingLogin,
        code: &str,
    ) -> Result<(Identity, String), OidcError> {
        let md = self.metadata(p).await?;
        let client = self.client(p, &md, &pending.redirect_uri)?;
        let http = self.http.clone();
        let send = move |req: oauth2::HttpRequest| {
            let http = http.clone();
            async move { execute(&http, req).await }
        };
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier.clone()))
            .request_async(&send)
            .await
            .map_err(|e| match e {
                oauth2::RequestTokenError::ServerResponse(r) => {
                    invalid(format!("the provider refused the code: {}", r.error()))
                }
                oauth2::RequestTokenError::Request(e) => OidcError::Unreachable(e.to_string()),
                other => OidcError::BadProvider(other.to_string()),
            })?;
        let id_token = token
            .extra_fields()
            .id_token
            .as_deref()
            .ok_or_else(|| OidcError::BadProvider("no id_token in the token answer".into()))?;
        let issuer = [p.settings.issuer.as_str()];
        let claims = self
            .verify_jwt(p, id_token, &p.settings.client_id, &issuer)
            .await?;
        // With several audiences, OpenID Connect Core §3.1.3.7 wants azp to be us.
        if claims.get("aud").is_some_and(Value::is_array)
            && claims.get("azp").and_then(Value::as_str) != Some(&p.settings.client_id)
        {
            return Err(invalid("the ID token was issued to another client"));
        }
        let nonce = claims.get("nonce").and_then(Value::as_str).unwrap_or("");
        if !crate::crypto::constant_time_eq(nonce.as_bytes(), pending.nonce.as_bytes()) {
            return Err(invalid("wrong nonce"));
        }
        Ok((map_identity(p, &claims)?, id_token.to_owned()))
    }

    fn client(
        &self,
        p: &Provider,
        md: &Metadata,
        redirect_uri: &str,
    ) -> Result<OidcClient, OidcError> {
        let bad = |e: url::ParseError| OidcError::BadProvider(e.to_string());
        let mut c = oauth2::Client::new(ClientId::new(p.settings.client_id.clone()))
            .set_auth_uri(AuthUrl::new(md.authorization_endpoint.clone()).map_err(bad)?)
            .set_token_uri(TokenUrl::new(md.token_endpoint.clone()).map_err(bad)?)
            .set_redirect_uri(RedirectUrl::new(redirect_uri.to_owned()).map_err(bad)?);
        if !p.settings.client_secret.is_empty() {
            c = c.set_client_secret(ClientSecret::new(p.settings.client_secret.clone()));
        }
        Ok(c)
    }
}

/// oauth2's HTTP calls over our reqwest (the crate's own adapter is for another reqwest).
async fn execute(
    http: &reqwest::Client,
    req: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, reqwest::Error> {
    let (parts, body) = req.into_parts();
    let resp = http
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = read_capped(resp).await?;
    let mut out = oauth2::http::Response::new(body);
    *out.status_mut() = status;
    *out.headers_mut() = headers;
    Ok(out)
}

async fn read_capped(mut resp: reqwest::Response) -> Result<Vec<u8>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

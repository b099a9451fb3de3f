//! A real OpenID provider for the sign-in tests (panva's `oidc-provider`, run by Node from
//! `tests/oidc/`), an app that trusts it as provider `test`, and an agent that signs in
//! through the provider's own login and consent forms, as a browser without JavaScript
//! would.

use std::process::{Child, Command};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use checkout_desk::config::{FirstSignIn, OidcProviderSettings};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Digest;

use super::browser::{Browser, Jar};
use super::{Db, Options, TestApp, free_port, spawn_with};

pub const CLIENT_ID: &str = "checkout-desk";
const CLIENT_SECRET: &str = "test-client-secret";
pub const AUDIENCE: &str = "checkout-desk-api";
/// Where the test itself, as an API client, receives codes (never contacted).
const API_CLIENT_REDIRECT: &str = "http://127.0.0.1:9/cb";
pub const IDP_PASSWORD: &str = "idp password";

/// A running provider; killed when dropped.
pub struct IdP {
    pub issuer: String,
    child: Child,
    _dir: TempDir,
}

struct TempDir(std::path::PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Drop for IdP {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl IdP {
    /// Starts `tests/oidc/provider.mjs` on `port` with `config` (see its header).
    pub async fn start(port: u16, config: Value) -> IdP {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc");
        assert!(
            root.join("node_modules/oidc-provider").exists(),
            "the test OpenID provider is not installed: run `npm ci --prefix tests/oidc` (.ci/run does)"
        );
        let dir = std::env::temp_dir().join(format!("cd-idp-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("config.json");
        std::fs::write(&file, config.to_string()).unwrap();
        let (child, issuer) =
            checkout_desk::demo::demo_idp::spawn_provider(&root.join("provider.mjs"), port, &file)
                .await
                .expect("the OpenID provider starts");
        IdP {
            issuer,
            child,
            _dir: TempDir(dir),
        }
    }

    /// The provider's signing key as a PEM public key (for the HS256 confusion attack).
    pub async fn public_key_pem(&self) -> String {
        let jwks: Value = reqwest::get(format!("{}/jwks", self.issuer))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        node(&format!(
            "process.stdout.write(require('crypto').createPublicKey({{key: {}, format: 'jwk'}}).export({{type: 'spki', format: 'pem'}}))",
            jwks["keys"][0]
        ))
    }
}

/// Runs a Node one-liner and returns its stdout.
pub fn node(script: &str) -> String {
    let out = Command::new("node").args(["-e", script]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub struct IdpUser {
    pub sub: &'static str,
    pub email: &'static str,
    pub verified: bool,
    pub roles: Vec<&'static str>,
    pub company: Option<String>,
}

/// The provider's configuration for `app`: our client (and the test's own API client),
/// and people carrying BokaMera roles and a company id.
pub fn idp_config(app: &TestApp, users: &[IdpUser]) -> Value {
    let users: Vec<Value> = users
        .iter()
        .map(|u| {
            json!({
                "sub": u.sub, "password": IDP_PASSWORD, "email": u.email,
                "email_verified": u.verified, "name": format!("Name of {}", u.sub),
                "roles": u.roles, "company_id": u.company,
            })
        })
        .collect();
    json!({
        "clients": [{
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": [
                callback_url(app),
                API_CLIENT_REDIRECT,
            ],
            "post_logout_redirect_uris": [format!("{}/login", app.address)],
        }],
        "users": users,
        "access_token_audience": AUDIENCE,
        "access_token_ttl": 300,
    })
}

pub fn provider_settings(issuer: &str, policy: FirstSignIn) -> OidcProviderSettings {
    let mut s: OidcProviderSettings = toml::from_str(&format!(
        "issuer = \"{issuer}\"\nclient_id = \"{CLIENT_ID}\"\nclient_secret = \"{CLIENT_SECRET}\"\n\
         display_name = \"Test IdP\"\nscopes = [\"openid\", \"email\", \"profile\", \"roles\"]\n\
         api_audience = \"{AUDIENCE}\"\n"
    ))
    .unwrap();
    s.first_sign_in = policy;
    s
}

/// The usual cast: the Acme writer (a local user already), a new Acme reader the desk has
/// never seen, someone with an unverified address, someone without roles and the other
/// company's writer; and a second provider account with the Acme writer's verified
/// address (whoever got that mailbox).
pub fn cast(app: &TestApp) -> Vec<IdpUser> {
    let acme = Some(app.company.id.to_string());
    vec![
        IdpUser {
            sub: "u-writer",
            email: "writer@acme.test",
            verified: true,
            roles: vec!["bookingsupplier-administrator-write", "offline_access"],
            company: acme.clone(),
        },
        IdpUser {
            sub: "u-newreader",
            email: "new.reader@acme.test",
            verified: true,
            roles: vec!["bookingsupplier-administrator-read"],
            company: acme.clone(),
        },
        IdpUser {
            sub: "u-unverified",
            email: "reader@acme.test",
            verified: false,
            roles: vec!["bookingsupplier-administrator-write"],
            company: acme.clone(),
        },
        IdpUser {
            sub: "u-noroles",
            email: "noroles@acme.test",
            verified: true,
            roles: vec![],
            company: acme,
        },
        IdpUser {
            sub: "u-ghost",
            email: "ghost@nowhere.test",
            verified: true,
            roles: vec!["bookingsupplier-administrator-write"],
            company: Some(uuid::Uuid::new_v4().to_string()),
        },
        IdpUser {
            sub: "u-other",
            email: "writer@other.test",
            verified: true,
            roles: vec!["bookingsupplier-administrator-write"],
            company: Some(app.other_company.id.to_string()),
        },
        IdpUser {
            sub: "u-writer-again",
            email: "writer@acme.test",
            verified: true,
            roles: vec!["bookingsupplier-administrator-write"],
            company: Some(app.company.id.to_string()),
        },
    ]
}

/// Where the provider sends the desk's browser back.
pub fn callback_url(app: &TestApp) -> String {
    format!("{}/login/oidc/test/callback", app.address)
}

/// An app with provider `test` and that provider running.
pub async fn app_with_idp(db: Db, policy: FirstSignIn, manual_clock: bool) -> (TestApp, IdP) {
    app_with_idp_roles(db, policy, manual_clock, true).await
}

pub async fn app_with_idp_roles(
    db: Db,
    policy: FirstSignIn,
    manual_clock: bool,
    roles_from_claims: bool,
) -> (TestApp, IdP) {
    let port = free_port();
    let issuer = format!("http://127.0.0.1:{port}");
    let mut opts = Options::new(db);
    opts.manual_clock = manual_clock;
    opts.settings = Box::new(move |s| {
        let mut p = provider_settings(&issuer, policy);
        p.roles_from_claims = roles_from_claims;
        s.oidc.insert("test".into(), p);
    });
    let app = spawn_with(opts).await;
    let users = cast(&app);
    let idp = IdP::start(port, idp_config(&app, &users)).await;
    (app, idp)
}

/// What the person does at the provider.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum AtProvider {
    Consent,
    Deny,
}

/// A browser without JavaScript at the desk (`browser`) and at the provider.
pub struct Agent<'a> {
    pub browser: Browser<'a>,
    pub idp: &'a IdP,
    http: reqwest::Client,
    idp_jar: Jar,
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_owned()
}

fn form_action(html: &str, suffix: &str) -> Option<String> {
    html.split("action=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .find(|a| a.ends_with(suffix))
}

impl<'a> Agent<'a> {
    pub fn new(app: &'a TestApp, idp: &'a IdP) -> Self {
        Self {
            browser: Browser::new(app),
            idp,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                // Below the app's 5 s keep-alive: a reused connection the server is closing
                // would fail a request at random under load.
                .pool_idle_timeout(std::time::Duration::from_secs(4))
                .build()
                .unwrap(),
            idp_jar: Jar::default(),
        }
    }

    fn abs(&self, url: &str) -> String {
        if url.starts_with('/') {
            format!("{}{url}", self.idp.issuer)
        } else {
            url.to_owned()
        }
    }

    pub async fn idp_get(&mut self, url: &str) -> reqwest::Response {
        let r = self
            .http
            .get(self.abs(url))
            .header("cookie", self.idp_jar.header())
            .send()
            .await
            .unwrap();
        self.idp_jar.keep(&r);
        r
    }

    async fn idp_post(&mut self, url: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let r = self
            .http
            .post(self.abs(url))
            .header("cookie", self.idp_jar.header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(form).unwrap())
            .send()
            .await
            .unwrap();
        self.idp_jar.keep(&r);
        r
    }

    /// Follows the provider's pages from `authorize_url` until it sends the browser to
    /// a redirect URI starting with `back_to`; returns that URL.
    pub async fn at_provider(
        &mut self,
        authorize_url: &str,
        login: &str,
        action: AtProvider,
        back_to: &str,
    ) -> String {
        let mut next = authorize_url.to_owned();
        for _ in 0..12 {
            if next.starts_with(back_to) {
                return next;
            }
            let r = self.idp_get(&next).await;
            if r.status() == StatusCode::SEE_OTHER || r.status() == StatusCode::FOUND {
                next = location(&r);
                continue;
            }
            assert_eq!(r.status(), StatusCode::OK, "provider page {next}");
            let html = r.text().await.unwrap();
            let r = if action == AtProvider::Deny {
                let abort = form_action(&html, "/abort").expect("an abort form");
                self.idp_post(&abort, &[]).await
            } else if let Some(a) = form_action(&html, "/login") {
                self.idp_post(&a, &[("login", login), ("password", IDP_PASSWORD)])
                    .await
            } else if let Some(a) = form_action(&html, "/confirm") {
                self.idp_post(&a, &[]).await
            } else {
                panic!("unexpected provider page: {html}");
            };
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "provider form answer");
            next = location(&r);
        }
        panic!("the provider never sent the browser back");
    }

    /// "Sign in with Test IdP" up to the provider's redirect back (not yet followed).
    pub async fn start_sign_in(&mut self, login: &str, action: AtProvider) -> String {
        let r = self.browser.get("/login/oidc/test").await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in start");
        assert!(
            self.browser.jar.has("cd_oidc"),
            "the pending sign-in cookie"
        );
        let authorize = location(&r);
        assert!(authorize.starts_with(&self.idp.issuer), "{authorize}");
        for p in [
            "code_challenge_method=S256",
            "state=",
            "nonce=",
            "code_challenge=",
        ] {
            assert!(authorize.contains(p), "{p} in {authorize}");
        }
        let back = callback_url(self.browser.app);
        self.at_provider(&authorize, login, action, &back).await
    }

    /// The whole flow; returns the callback's answer.
    pub async fn sign_in(&mut self, login: &str) -> reqwest::Response {
        let callback = self.start_sign_in(login, AtProvider::Consent).await;
        self.browser.get(&callback).await
    }
}

fn pkce() -> (String, String) {
    let verifier = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let challenge = B64URL.encode(sha2::Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// The test as an API client: a code flow of its own, then the token endpoint.
/// Returns the token answer (access_token is a JWT for `AUDIENCE`, id_token for us).
pub async fn tokens_for(app: &TestApp, idp: &IdP, login: &str) -> Value {
    let mut agent = Agent::new(app, idp);
    let (verifier, challenge) = pkce();
    let mut url = url::Url::parse(&format!("{}/auth", idp.issuer)).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", CLIENT_ID)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid email profile roles")
        .append_pair("redirect_uri", API_CLIENT_REDIRECT)
        .append_pair("state", "s")
        .append_pair("nonce", "n")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    let back = agent
        .at_provider(
            url.as_str(),
            login,
            AtProvider::Consent,
            API_CLIENT_REDIRECT,
        )
        .await;
    let code = url::Url::parse(&back)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no code in {back}"));
    let r = agent
        .http
        .post(format!("{}/token", idp.issuer))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", API_CLIENT_REDIRECT),
                ("code_verifier", &verifier),
            ])
            .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

pub async fn access_token(app: &TestApp, idp: &IdP, login: &str) -> String {
    tokens_for(app, idp, login).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

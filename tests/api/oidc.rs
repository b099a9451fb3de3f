//! Sign-in through a real OpenID provider (panva's `oidc-provider`, run by Node from
//! `tests/oidc/`) and its JWT access tokens on the API. The test drives the provider's
//! own login and consent forms, as a browser without JavaScript would.

use std::collections::HashMap;
use std::process::{Child, Command};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use checkout_desk::clock::Clock;
use checkout_desk::config::{FirstSignIn, OidcProviderSettings};
use checkout_desk::domain::{AuditAction, Role, RoleSet};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Digest;

use crate::helpers::{Db, Options, TestApp, spawn_with};

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

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
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
fn node(script: &str) -> String {
    let out = Command::new("node").args(["-e", script]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// An RSA key the provider never published: (PKCS#1 DER of the private key).
pub fn foreign_rsa_der() -> Vec<u8> {
    let b64 = node(
        "const {privateKey} = require('crypto').generateKeyPairSync('rsa', {modulusLength: 2048}); \
         process.stdout.write(privateKey.export({type: 'pkcs1', format: 'der'}).toString('base64'))",
    );
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .unwrap()
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
                format!("{}/login/oidc/test/callback", app.address),
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
/// company's writer.
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
    ]
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

/// Cookies by name (the provider scopes some by path; the newest of a name is the one
/// that matters at each step).
#[derive(Default, Clone)]
pub struct Jar(HashMap<String, String>);

impl Jar {
    pub fn keep(&mut self, resp: &reqwest::Response) {
        for v in resp.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            let (name, value) = v.split(';').next().unwrap().split_once('=').unwrap();
            let lower = v.to_ascii_lowercase();
            if value.is_empty() || lower.contains("max-age=0") || lower.contains("1970") {
                self.0.remove(name);
            } else {
                self.0.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    pub fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }
}

/// What the person does at the provider.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum AtProvider {
    Consent,
    Deny,
}

/// A browser without JavaScript: one jar for the app, one for the provider.
pub struct Agent<'a> {
    pub app: &'a TestApp,
    pub idp: &'a IdP,
    pub http: reqwest::Client,
    pub app_jar: Jar,
    pub idp_jar: Jar,
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
            app,
            idp,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            app_jar: Jar::default(),
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

    pub async fn app_get(&mut self, path_or_url: &str) -> reqwest::Response {
        let url = if path_or_url.starts_with('/') {
            self.app.url(path_or_url)
        } else {
            path_or_url.to_owned()
        };
        let r = self
            .http
            .get(url)
            .header("cookie", self.app_jar.header())
            .send()
            .await
            .unwrap();
        self.app_jar.keep(&r);
        r
    }

    async fn idp_get(&mut self, url: &str) -> reqwest::Response {
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
        let r = self.app_get("/login/oidc/test").await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in start");
        assert!(self.app_jar.has("cd_oidc"), "the pending sign-in cookie");
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
        let back = format!("{}/login/oidc/test/callback", self.app.address);
        self.at_provider(&authorize, login, action, &back).await
    }

    /// The whole flow; returns the callback's answer.
    pub async fn sign_in(&mut self, login: &str) -> reqwest::Response {
        let callback = self.start_sign_in(login, AtProvider::Consent).await;
        self.app_get(&callback).await
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

fn claims_of(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&B64URL.decode(payload).unwrap()).unwrap()
}

async fn get_checkout(
    app: &TestApp,
    id: impl std::fmt::Display,
    bearer: &str,
) -> reqwest::Response {
    app.client
        .get(app.url(&format!("/payment/payson/v2/checkout/{id}")))
        .bearer_auth(bearer)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
}

// ---- browser sign-in ----

#[tokio::test]
async fn sign_in_with_provider_links_the_user_and_takes_roles_from_claims() {
    let (app, idp) = app_with_idp(Db::Sqlite, FirstSignIn::Link, false).await;
    // Locally the writer has lost the write role; the provider's claims restore it.
    let writer = app
        .state
        .store
        .user_by_email("writer@acme.test")
        .await
        .unwrap()
        .unwrap();
    app.state
        .store
        .set_user_roles(writer.id, RoleSet::empty().with(Role::AdminRead), None)
        .await
        .unwrap();
    let login = app.url("/login");
    let page = reqwest::get(&login).await.unwrap().text().await.unwrap();
    assert!(page.contains("href=\"/login/oidc/test\"") && page.contains("Sign in with Test IdP"));

    let mut agent = Agent::new(&app, &idp);
    let r = agent.sign_in("u-writer").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(agent.app_jar.has("cd_session"), "a session is started");
    assert!(
        !agent.app_jar.has("cd_oidc"),
        "the pending sign-in is used up"
    );
    let page = r.text().await.unwrap();
    assert!(page.contains("url=/checkouts"), "{page}");
    let page = agent.app_get("/checkouts").await.text().await.unwrap();
    assert!(page.contains("writer@acme.test"), "{page}");
    let u = app.state.store.user(writer.id).await.unwrap().unwrap();
    assert_eq!(
        u.roles,
        RoleSet::empty().with(Role::AdminWrite),
        "roles from the claims"
    );
    assert_eq!(
        u.company_id,
        Some(app.company.id),
        "company from the claims"
    );
    let linked = app
        .state
        .store
        .user_by_identity("test", "u-writer")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(linked.id, writer.id);
    let events = app
        .state
        .store
        .audit_events(&Default::default(), 500)
        .await
        .unwrap();
    assert!(
        events.iter().any(|e| e.event.action == AuditAction::Login
            && e.event.message.contains("signed in with test")),
        "sign-in audited"
    );

    // Under the Link policy a person the desk does not know is refused, in plain words.
    let mut stranger = Agent::new(&app, &idp);
    let r = stranger.sign_in("u-newreader").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("No checkout-desk user has this e-mail address"),
        "{page}"
    );
    assert!(
        !stranger.app_jar.has("cd_session")
            || stranger.app_get("/checkouts").await.status() == StatusCode::SEE_OTHER
    );
    // An unverified address never links, even to an existing user.
    let mut unverified = Agent::new(&app, &idp);
    let r = unverified.sign_in("u-unverified").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("did not confirm"));
}

#[tokio::test]
async fn without_roles_from_claims_the_desk_keeps_its_own_assignments() {
    let (app, idp) = app_with_idp_roles(Db::Sqlite, FirstSignIn::Link, false, false).await;
    let writer = app
        .state
        .store
        .user_by_email("writer@acme.test")
        .await
        .unwrap()
        .unwrap();
    let read_only = RoleSet::empty().with(Role::AdminRead);
    app.state
        .store
        .set_user_roles(writer.id, read_only, Some(app.company.id))
        .await
        .unwrap();
    let mut agent = Agent::new(&app, &idp);
    assert_eq!(agent.sign_in("u-writer").await.status(), StatusCode::OK);
    let u = app.state.store.user(writer.id).await.unwrap().unwrap();
    assert_eq!(u.roles, read_only, "the claimed write role is not taken");
    // The API too: the token's write role does not let this user send.
    let id = app.ready().await;
    let jwt = access_token(&app, &idp, "u-writer").await;
    assert_eq!(get_checkout(&app, id, &jwt).await.status(), StatusCode::OK);
    let r = app
        .put(&app.send_path(id), Some(&jwt))
        .await
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn first_sign_in_creates_or_refuses_by_policy() {
    let (app, idp) = app_with_idp(Db::Postgres, FirstSignIn::Create, false).await;
    let mut agent = Agent::new(&app, &idp);
    let r = agent.sign_in("u-newreader").await;
    assert_eq!(r.status(), StatusCode::OK);
    let u = app
        .state
        .store
        .user_by_email("new.reader@acme.test")
        .await
        .unwrap()
        .expect("created at first sign-in");
    assert_eq!(u.roles, RoleSet::empty().with(Role::AdminRead));
    assert_eq!(u.company_id, Some(app.company.id));
    assert!(u.password_hash.is_none(), "no local password");
    drop(idp);

    let (app, idp) = app_with_idp(Db::Sqlite, FirstSignIn::Refuse, false).await;
    let mut agent = Agent::new(&app, &idp);
    let r = agent.sign_in("u-writer").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("not linked"));
}

#[tokio::test]
async fn denied_consent_bad_state_replayed_code_and_wrong_nonce_are_refused() {
    let (app, idp) = app_with_idp(Db::Sqlite, FirstSignIn::Link, false).await;
    // Denied at the provider.
    let mut agent = Agent::new(&app, &idp);
    let callback = agent.start_sign_in("u-writer", AtProvider::Deny).await;
    assert!(callback.contains("error=access_denied"), "{callback}");
    let r = agent.app_get(&callback).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Sign-in was refused at the identity provider"),
        "{page}"
    );
    assert_eq!(
        agent.app_get("/checkouts").await.status(),
        StatusCode::SEE_OTHER,
        "not signed in"
    );

    // A callback whose state is not the one this browser started with.
    let mut agent = Agent::new(&app, &idp);
    let callback = agent.start_sign_in("u-writer", AtProvider::Consent).await;
    let forged = callback.replace("state=", "state=x");
    let r = agent.app_get(&forged).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("wrong state"));
    // ... nor one from a browser that never started a sign-in (login CSRF).
    let mut other = Agent::new(&app, &idp);
    let r = other.app_get(&callback).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("no sign-in was started"));

    // A code used twice: the second time the provider refuses it.
    let mut agent = Agent::new(&app, &idp);
    let callback = agent.start_sign_in("u-writer", AtProvider::Consent).await;
    let pending = agent.app_jar.clone();
    assert_eq!(agent.app_get(&callback).await.status(), StatusCode::OK);
    let mut replay = Agent::new(&app, &idp);
    replay.app_jar = pending;
    let r = replay.app_get(&callback).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let page = r.text().await.unwrap();
    assert!(page.contains("refused the code"), "{page}");

    // A nonce changed on the way: the ID token carries another one.
    let mut agent = Agent::new(&app, &idp);
    let r = agent.app_get("/login/oidc/test").await;
    let authorize = location(&r).replace("nonce=", "nonce=tampered");
    let back = format!("{}/login/oidc/test/callback", app.address);
    let callback = agent
        .at_provider(&authorize, "u-writer", AtProvider::Consent, &back)
        .await;
    let r = agent.app_get(&callback).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("wrong nonce"));

    let events = app
        .state
        .store
        .audit_events(&Default::default(), 500)
        .await
        .unwrap();
    let refusals = events
        .iter()
        .filter(|e| {
            e.event.action == AuditAction::Login
                && e.event.message.contains("sign-in with provider failed")
        })
        .count();
    assert!(refusals >= 4, "each refusal is audited ({refusals})");
}

#[tokio::test]
async fn provider_down_is_a_plain_message() {
    let port = free_port();
    let issuer = format!("http://127.0.0.1:{port}");
    let mut opts = Options::new(Db::Sqlite);
    opts.settings = Box::new(move |s| {
        s.oidc
            .insert("test".into(), provider_settings(&issuer, FirstSignIn::Link));
    });
    let app = spawn_with(opts).await;
    let r = app
        .client
        .get(app.url("/login/oidc/test"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("could not be reached")
            && page.contains("<form method=\"post\" action=\"/login\">"),
        "{page}"
    );
    let r = app
        .client
        .get(app.url("/login/oidc/nosuch"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn sign_out_ends_the_session_here_and_at_the_provider() {
    let (app, idp) = app_with_idp(Db::Sqlite, FirstSignIn::Link, false).await;
    let mut agent = Agent::new(&app, &idp);
    assert_eq!(agent.sign_in("u-writer").await.status(), StatusCode::OK);
    let page = agent.app_get("/checkouts").await.text().await.unwrap();
    let token = crate::web_signin::csrf_in(&page);
    let r = agent
        .http
        .post(app.url("/logout"))
        .header("cookie", agent.app_jar.header())
        .header("origin", &app.address)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf_token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    let to = page
        .split("id=\"provider-logout\"")
        .next()
        .and_then(|s| s.rsplit("href=\"").next())
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    assert!(
        to.starts_with(&format!("{}/session/end?", idp.issuer)),
        "{to}"
    );
    assert!(to.contains("client_id=checkout-desk") && to.contains("post_logout_redirect_uri="));
    // The provider shows its sign-out confirmation for us.
    let r = agent.idp_get(&to).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        agent.app_get("/checkouts").await.status(),
        StatusCode::SEE_OTHER
    );
}

// ---- JWT bearer tokens on the API ----

#[tokio::test]
async fn api_accepts_provider_tokens_per_role_like_its_own_tokens() {
    let (app, idp) = app_with_idp(Db::Postgres, FirstSignIn::Create, false).await;
    let id = app.ready().await;
    let writer_jwt = access_token(&app, &idp, "u-writer").await;
    let claims = claims_of(&writer_jwt);
    assert_eq!(claims["aud"], AUDIENCE);
    // Same answer as with a checkout-desk API token.
    let with_jwt = get_checkout(&app, id, &writer_jwt).await;
    assert_eq!(with_jwt.status(), StatusCode::OK);
    let with_token = get_checkout(&app, id, &app.tokens.writer).await;
    assert_eq!(
        with_jwt.text().await.unwrap(),
        with_token.text().await.unwrap()
    );
    // A reader may look but not send.
    let reader_jwt = access_token(&app, &idp, "u-newreader").await;
    assert_eq!(
        get_checkout(&app, id, &reader_jwt).await.status(),
        StatusCode::OK
    );
    let r = app
        .put(&app.send_path(id), Some(&reader_jwt))
        .await
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // No role at all.
    let none_jwt = access_token(&app, &idp, "u-noroles").await;
    assert_eq!(
        get_checkout(&app, id, &none_jwt).await.status(),
        StatusCode::FORBIDDEN
    );
    // A token whose person the desk may not admit is the one 401, not a 404 or 409:
    // an unverified address, a company the desk does not know.
    for who in ["u-unverified", "u-ghost"] {
        let jwt = access_token(&app, &idp, who).await;
        let r = get_checkout(&app, id, &jwt).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{who}");
    }
    // Another company's administrator does not see our checkout.
    let other_jwt = access_token(&app, &idp, "u-other").await;
    assert_eq!(
        get_checkout(&app, id, &other_jwt).await.status(),
        StatusCode::NOT_FOUND
    );
    // The writer sends the payment request with the provider's token.
    let r = app
        .put(&app.send_path(id), Some(&writer_jwt))
        .await
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["Status"], "Shipped");
    let events = app.audit_for(id).await;
    assert!(
        events
            .iter()
            .any(|e| e.event.action == AuditAction::SendPaymentRequest
                && e.event.actor.contains("writer@acme.test")
                && e.event.outcome == checkout_desk::domain::AuditOutcome::Success),
        "the send is audited as a JWT call"
    );
}

fn forge(header: Value, claims: &Value, sign: impl Fn(&[u8]) -> Vec<u8>) -> String {
    let h = B64URL.encode(header.to_string());
    let c = B64URL.encode(claims.to_string());
    let sig = B64URL.encode(sign(format!("{h}.{c}").as_bytes()));
    format!("{h}.{c}.{sig}")
}

#[tokio::test]
async fn api_refuses_expired_foreign_and_forged_tokens() {
    let (app, idp) = app_with_idp(Db::Sqlite, FirstSignIn::Create, true).await;
    let id = app.ready().await;
    let tokens = tokens_for(&app, &idp, "u-writer").await;
    let good = tokens["access_token"].as_str().unwrap().to_owned();
    assert_eq!(get_checkout(&app, id, &good).await.status(), StatusCode::OK);
    let claims = claims_of(&good);
    let unauthorized = |r: reqwest::Response| async move {
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let body: Value = r.json().await.unwrap();
        assert_eq!(
            body["ResponseStatus"]["ErrorCode"], "Unauthorized",
            "{body}"
        );
    };
    // The ID token is for the desk's client, not for the API: wrong audience.
    let id_token = tokens["id_token"].as_str().unwrap();
    unauthorized(get_checkout(&app, id, id_token).await).await;
    // alg "none".
    let none = forge(json!({"alg": "none", "typ": "JWT"}), &claims, |_| {
        Vec::new()
    });
    unauthorized(get_checkout(&app, id, &none).await).await;
    // HS256 "signed" with the provider's public key.
    let pem = idp.public_key_pem().await;
    let hs = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(pem.as_bytes()),
    )
    .unwrap();
    unauthorized(get_checkout(&app, id, &hs).await).await;
    // RS256 with a key the provider never published (unknown kid, and no kid at all).
    let der = foreign_rsa_der();
    let key = jsonwebtoken::EncodingKey::from_rsa_der(&der);
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some("rotated-away".into());
    let foreign = jsonwebtoken::encode(&header, &claims, &key).unwrap();
    unauthorized(get_checkout(&app, id, &foreign).await).await;
    // The provider's kid on a foreign signature.
    header.kid =
        serde_json::from_slice::<Value>(&B64URL.decode(good.split('.').next().unwrap()).unwrap())
            .unwrap()["kid"]
            .as_str()
            .map(str::to_owned);
    let stolen_kid = jsonwebtoken::encode(&header, &claims, &key).unwrap();
    unauthorized(get_checkout(&app, id, &stolen_kid).await).await;
    // A tampered payload (more roles) under the provider's real signature.
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    let mut more = claims.clone();
    more["realm_access"]["roles"] = json!(["superadmin"]);
    parts[1] = B64URL.encode(more.to_string());
    unauthorized(get_checkout(&app, id, &parts.join(".")).await).await;
    // Expired: past exp plus the minute of leeway.
    let clock = app.clock.clone().unwrap();
    let exp = claims["exp"].as_i64().unwrap();
    clock.set(chrono::DateTime::from_timestamp(exp + 60, 0).unwrap());
    assert_eq!(
        get_checkout(&app, id, &good).await.status(),
        StatusCode::OK,
        "still inside the leeway"
    );
    clock.set(chrono::DateTime::from_timestamp(exp + 61, 0).unwrap());
    unauthorized(get_checkout(&app, id, &good).await).await;
    // Each refusal is audited with its reason.
    let events = app
        .state
        .store
        .audit_events(&Default::default(), 500)
        .await
        .unwrap();
    let reasons: Vec<&str> = events
        .iter()
        .filter(|e| e.event.message.starts_with("API access token refused"))
        .map(|e| e.event.message.as_str())
        .collect();
    for why in [
        "wrong audience",
        "algorithm",
        "unknown signing key",
        "bad signature",
        "expired",
    ] {
        assert!(
            reasons.iter().any(|m| m.contains(why)),
            "{why} in {reasons:?}"
        );
    }
}

/// A fresh RSA key: (PKCS#1 DER of the private key, its public JWK with `kid`).
fn rsa_key(kid: &str) -> (Vec<u8>, Value) {
    let out = node(&format!(
        "const c = require('crypto'); const {{privateKey, publicKey}} = c.generateKeyPairSync('rsa', {{modulusLength: 2048}}); \
         const jwk = publicKey.export({{format: 'jwk'}}); jwk.kid = '{kid}'; jwk.alg = 'RS256'; jwk.use = 'sig'; \
         process.stdout.write(JSON.stringify({{der: privateKey.export({{type: 'pkcs1', format: 'der'}}).toString('base64'), jwk}}))"
    ));
    let v: Value = serde_json::from_str(&out).unwrap();
    let der = base64::engine::general_purpose::STANDARD
        .decode(v["der"].as_str().unwrap())
        .unwrap();
    (der, v["jwk"].clone())
}

struct SharedJwks(std::sync::Arc<std::sync::Mutex<Value>>);

impl wiremock::Respond for SharedJwks {
    fn respond(&self, _: &wiremock::Request) -> wiremock::ResponseTemplate {
        wiremock::ResponseTemplate::new(200).set_body_json(self.0.lock().unwrap().clone())
    }
}

#[tokio::test]
async fn signing_keys_are_cached_and_refetched_on_an_unknown_kid_after_a_cooldown() {
    let jwks_server = wiremock::MockServer::start().await;
    let keys = std::sync::Arc::new(std::sync::Mutex::new(json!({"keys": []})));
    wiremock::Mock::given(wiremock::matchers::path("/jwks"))
        .respond_with(SharedJwks(keys.clone()))
        .mount(&jwks_server)
        .await;
    let jwks_uri = format!("{}/jwks", jwks_server.uri());
    let mut opts = Options::new(Db::Sqlite);
    opts.manual_clock = true;
    opts.settings = Box::new(move |s| {
        // Explicit endpoints: no discovery needed.
        let mut p = provider_settings("https://idp.example", FirstSignIn::Create);
        p.authorization_endpoint = Some("https://idp.example/auth".into());
        p.token_endpoint = Some("https://idp.example/token".into());
        p.jwks_uri = Some(jwks_uri.clone());
        p.scopes = vec!["email".into()];
        s.oidc.insert("test".into(), p);
    });
    let app = spawn_with(opts).await;
    // Explicit endpoints need no discovery; `openid` is asked for even when not configured.
    let r = app
        .client
        .get(app.url("/login/oidc/test"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let authorize = url::Url::parse(&location(&r)).unwrap();
    assert!(authorize.as_str().starts_with("https://idp.example/auth?"));
    let scope = authorize
        .query_pairs()
        .find(|(k, _)| k == "scope")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    assert_eq!(scope, "openid email");
    let id = app.ready().await;
    let clock = app.clock.clone().unwrap();
    let (der1, jwk1) = rsa_key("k1");
    let (der2, jwk2) = rsa_key("k2");
    *keys.lock().unwrap() = json!({"keys": [jwk1]});
    let company = app.company.id.to_string();
    let token = |der: &[u8], kid: &str| {
        let now = clock.now().timestamp();
        let claims = json!({
            "iss": "https://idp.example", "aud": AUDIENCE, "sub": "u-writer",
            "iat": now, "nbf": now, "exp": now + 300,
            "email": "writer@acme.test", "email_verified": true, "company_id": company,
            "realm_access": {"roles": ["bookingsupplier-administrator-write"]},
        });
        let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        h.kid = Some(kid.into());
        jsonwebtoken::encode(&h, &claims, &jsonwebtoken::EncodingKey::from_rsa_der(der)).unwrap()
    };
    let fetches = || async { jwks_server.received_requests().await.unwrap().len() };

    assert_eq!(
        get_checkout(&app, id, &token(&der1, "k1")).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        get_checkout(&app, id, &token(&der1, "k1")).await.status(),
        StatusCode::OK
    );
    assert_eq!(fetches().await, 1, "the key set is cached");
    // The provider rotates to k2. Right after a fetch, an unknown kid does not refetch.
    *keys.lock().unwrap() = json!({"keys": [jwk2]});
    assert_eq!(
        get_checkout(&app, id, &token(&der2, "k2")).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(fetches().await, 1, "cooldown");
    // After the cooldown the unknown kid refetches once and the new key works.
    clock.advance(chrono::Duration::seconds(11));
    assert_eq!(
        get_checkout(&app, id, &token(&der2, "k2")).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        get_checkout(&app, id, &token(&der2, "k2")).await.status(),
        StatusCode::OK
    );
    assert_eq!(fetches().await, 2);
    // A flood of unknown kids costs one fetch per cooldown, not one per request.
    clock.advance(chrono::Duration::seconds(11));
    for i in 0..5 {
        let r = get_checkout(&app, id, &token(&der1, &format!("junk-{i}"))).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(fetches().await, 3);
    // The retired key is gone with the refetch.
    assert_eq!(
        get_checkout(&app, id, &token(&der1, "k1")).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

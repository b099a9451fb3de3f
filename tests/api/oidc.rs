//! Sign-in through a real OpenID provider (`helpers::idp`) and its JWT access tokens on
//! the API. The tests drive the provider's own login and consent forms, as a browser
//! without JavaScript would.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use checkout_desk::clock::Clock;
use checkout_desk::config::FirstSignIn;
use checkout_desk::domain::{AuditAction, Role, RoleSet};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::api::Format;
use crate::helpers::browser::{Browser, location};
use crate::helpers::idp::{
    AUDIENCE, Agent, AtProvider, access_token, app_with_idp, app_with_idp_roles, callback_url,
    node, provider_settings, tokens_for,
};
use crate::helpers::{Db, Options, TestApp, free_port, spawn_with};

/// An RSA key the provider never published: (PKCS#1 DER of the private key).
fn foreign_rsa_der() -> Vec<u8> {
    let b64 = node(
        "const {privateKey} = require('crypto').generateKeyPairSync('rsa', {modulusLength: 2048}); \
         process.stdout.write(privateKey.export({type: 'pkcs1', format: 'der'}).toString('base64'))",
    );
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .unwrap()
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
    app.get_checkout_api(id, Format::Negotiated)
        .token(bearer)
        .accept("application/json")
        .send()
        .await
}

/// Sends the payment request with `bearer`.
async fn send_with(
    app: &TestApp,
    id: checkout_desk::domain::CheckoutId,
    bearer: &str,
) -> reqwest::Response {
    app.put_send_payment_request(id, Format::Negotiated)
        .token(bearer)
        .send()
        .await
}

// ---- browser sign-in ----

#[tokio::test]
async fn sign_in_with_provider_links_the_user_and_takes_roles_from_claims() {
    let (app, idp) = app_with_idp(Db::Sqlite, FirstSignIn::Link, false).await;
    // Locally the writer has lost the write role; the provider's claims restore it.
    let writer = app.user("writer@acme.test").await;
    app.state
        .store
        .set_user_roles(writer.id, RoleSet::empty().with(Role::AdminRead), None)
        .await
        .unwrap();
    let page = Browser::new(&app).get_html("/login").await;
    assert!(page.contains("href=\"/login/oidc/test\"") && page.contains("Sign in with Test IdP"));

    let mut agent = Agent::new(&app, &idp);
    let r = agent.sign_in("u-writer").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(agent.browser.jar.has("cd_session"), "a session is started");
    assert!(
        !agent.browser.jar.has("cd_oidc"),
        "the pending sign-in is used up"
    );
    let page = r.text().await.unwrap();
    assert!(page.contains("url=/checkouts"), "{page}");
    let page = agent.browser.get_checkouts_html().await;
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
    let events = app.audit_all().await;
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
        !stranger.browser.jar.has("cd_session")
            || stranger.browser.get("/checkouts").await.status() == StatusCode::SEE_OTHER
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
    let writer = app.user("writer@acme.test").await;
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
    let r = send_with(&app, id, &jwt).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn first_sign_in_creates_or_refuses_by_policy() {
    let (app, idp) = app_with_idp(Db::Postgres, FirstSignIn::Create, false).await;
    let mut agent = Agent::new(&app, &idp);
    let r = agent.sign_in("u-newreader").await;
    assert_eq!(r.status(), StatusCode::OK);
    let u = app.user("new.reader@acme.test").await;
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

/// The sign-in answered `status` with `text` on the login page, and nobody is signed in.
async fn refused_and_signed_out(
    agent: &mut Agent<'_>,
    r: reqwest::Response,
    status: StatusCode,
    text: &str,
) {
    assert_eq!(r.status(), status);
    let page = r.text().await.unwrap();
    assert!(page.contains(text), "{page}");
    assert_eq!(
        agent.browser.get("/checkouts").await.status(),
        StatusCode::SEE_OTHER,
        "not signed in"
    );
}

/// A second account of the same provider with the same verified e-mail does not get the
/// user another account is linked to: refused with a plain message, and audited.
#[tokio::test]
async fn a_second_provider_account_is_not_linked_to_a_linked_user() {
    let (app, idp) = app_with_idp(Db::Postgres, FirstSignIn::Link, false).await;
    let mut agent = Agent::new(&app, &idp);
    assert_eq!(agent.sign_in("u-writer").await.status(), StatusCode::OK);
    let mut intruder = Agent::new(&app, &idp);
    let r = intruder.sign_in("u-writer-again").await;
    let text = "already linked to another account at this provider";
    refused_and_signed_out(&mut intruder, r, StatusCode::FORBIDDEN, text).await;
    // The first account still signs in.
    let mut again = Agent::new(&app, &idp);
    assert_eq!(again.sign_in("u-writer").await.status(), StatusCode::OK);
    let refused = app
        .audit_all()
        .await
        .into_iter()
        .filter(|e| {
            e.event.action == AuditAction::Login
                && e.event.http_status == 403
                && e.event
                    .message
                    .contains("already linked to another account")
        })
        .count();
    assert_eq!(refused, 1);
}

#[tokio::test]
async fn denied_consent_bad_state_replayed_code_and_wrong_nonce_are_refused() {
    let (app, idp) = app_with_idp(Db::Sqlite, FirstSignIn::Link, false).await;
    // Denied at the provider.
    let mut agent = Agent::new(&app, &idp);
    let callback = agent.start_sign_in("u-writer", AtProvider::Deny).await;
    assert!(callback.contains("error=access_denied"), "{callback}");
    let r = agent.browser.get(&callback).await;
    let text = "Sign-in was refused at the identity provider";
    refused_and_signed_out(&mut agent, r, StatusCode::FORBIDDEN, text).await;

    // A callback whose state is not the one this browser started with.
    let mut agent = Agent::new(&app, &idp);
    let callback = agent.start_sign_in("u-writer", AtProvider::Consent).await;
    let forged = callback.replace("state=", "state=x");
    let r = agent.browser.get(&forged).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("wrong state"));
    // ... nor one from a browser that never started a sign-in (login CSRF).
    let mut other = Agent::new(&app, &idp);
    let r = other.browser.get(&callback).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("no sign-in was started"));

    // A code used twice: the second time the provider refuses it.
    let mut agent = Agent::new(&app, &idp);
    let callback = agent.start_sign_in("u-writer", AtProvider::Consent).await;
    let pending = agent.browser.jar.clone();
    assert_eq!(agent.browser.get(&callback).await.status(), StatusCode::OK);
    let mut replay = Agent::new(&app, &idp);
    replay.browser.jar = pending;
    let r = replay.browser.get(&callback).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let page = r.text().await.unwrap();
    assert!(page.contains("refused the code"), "{page}");

    // A nonce changed on the way: the ID token carries another one.
    let mut agent = Agent::new(&app, &idp);
    let r = agent.browser.get("/login/oidc/test").await;
    let authorize = location(&r).replace("nonce=", "nonce=tampered");
    let back = callback_url(&app);
    let callback = agent
        .at_provider(&authorize, "u-writer", AtProvider::Consent, &back)
        .await;
    let r = agent.browser.get(&callback).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("wrong nonce"));

    let events = app.audit_all().await;
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
    let r = Browser::new(&app).get("/login/oidc/test").await;
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("could not be reached")
            && page.contains("<form method=\"post\" action=\"/login\">"),
        "{page}"
    );
    let r = Browser::new(&app).get("/login/oidc/nosuch").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// The redirect URI comes from public_url: `Host`, `X-Forwarded-Host` and
/// `X-Forwarded-Proto` are the client's to forge (issue 12 point 2).
#[tokio::test]
async fn the_redirect_uri_ignores_forged_host_headers() {
    let (app, _idp) = app_with_idp(Db::Sqlite, FirstSignIn::Link, false).await;
    let b = Browser::new(&app);
    let r = b
        .request(reqwest::Method::GET, "/login/oidc/test")
        .header("host", "attacker.example")
        .header("x-forwarded-host", "attacker.example")
        .header("x-forwarded-proto", "https")
        .header("forwarded", "host=attacker.example;proto=https")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = location(&r);
    let url = reqwest::Url::parse(to).unwrap();
    let redirect = url
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    assert_eq!(
        redirect,
        format!("{}/login/oidc/test/callback", app.address)
    );
    // The pending-sign-in cookie is not marked Secure because of a forged proto either.
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with("cd_oidc="))
        .unwrap();
    assert!(!cookie.to_ascii_lowercase().contains("secure"), "{cookie}");
}

#[tokio::test]
async fn sign_out_ends_the_session_here_and_at_the_provider() {
    let (app, idp) = app_with_idp(Db::Sqlite, FirstSignIn::Link, false).await;
    let mut agent = Agent::new(&app, &idp);
    assert_eq!(agent.sign_in("u-writer").await.status(), StatusCode::OK);
    agent.browser.get_checkouts_html().await;
    let r = agent.browser.post_logout().await;
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
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    assert!(
        to.starts_with(&format!("{}/session/end?", idp.issuer)),
        "{to}"
    );
    assert!(to.contains("client_id=checkout-desk") && to.contains("post_logout_redirect_uri="));
    // The ID token of this sign-in, so the provider need not guess whose session ends.
    let hint = url::Url::parse(&to)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "id_token_hint")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no id_token_hint in {to}"));
    let claims: Value = jsonwebtoken::dangerous::insecure_decode_claims(&hint).unwrap();
    assert_eq!(claims["sub"], "u-writer");
    assert_eq!(claims["aud"], "checkout-desk");
    // The provider shows its sign-out confirmation for us.
    let r = agent.idp_get(&to).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        agent.browser.get("/checkouts").await.status(),
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
    let r = send_with(&app, id, &reader_jwt).await;
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
    let r = send_with(&app, id, &writer_jwt).await;
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
    let events = app.audit_all().await;
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

/// Provider `https://idp.example` with explicit endpoints (no discovery) and its key set
/// at `jwks_uri`.
fn explicit_provider(jwks_uri: &str) -> checkout_desk::config::OidcProviderSettings {
    let mut p = provider_settings("https://idp.example", FirstSignIn::Create);
    p.authorization_endpoint = Some("https://idp.example/auth".into());
    p.token_endpoint = Some("https://idp.example/token".into());
    p.jwks_uri = Some(jwks_uri.to_owned());
    p
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
        let mut p = explicit_provider(&jwks_uri);
        p.scopes = vec!["email".into()];
        // Entra ID's v1 access tokens name another issuer than its v2.0 ID tokens.
        p.api_issuers = vec!["https://sts.idp.example/tenant/".into()];
        s.oidc.insert("test".into(), p);
    });
    let app = spawn_with(opts).await;
    // Explicit endpoints need no discovery; `openid` is asked for even when not configured.
    let r = Browser::new(&app).get("/login/oidc/test").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let authorize = url::Url::parse(location(&r)).unwrap();
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
    // A key the provider removes stops working once the cached set is older than
    // jwks_cache_secs (300), though no unknown kid asks for a refetch.
    *keys.lock().unwrap() = json!({"keys": []});
    assert_eq!(
        get_checkout(&app, id, &token(&der2, "k2")).await.status(),
        StatusCode::OK,
        "still cached"
    );
    clock.advance(chrono::Duration::seconds(301));
    assert_eq!(
        get_checkout(&app, id, &token(&der2, "k2")).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(fetches().await, 4);
    // An ID token (it carries the nonce of a browser sign-in) is not an API token.
    *keys.lock().unwrap() = json!({"keys": [jwk1]});
    clock.advance(chrono::Duration::seconds(11));
    let good = token(&der1, "k1");
    assert_eq!(get_checkout(&app, id, &good).await.status(), StatusCode::OK);
    let mut claims: Value = jsonwebtoken::dangerous::insecure_decode_claims(&good).unwrap();
    claims["nonce"] = json!("n-0S6_WzA2Mj");
    let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    h.kid = Some("k1".into());
    let id_token =
        jsonwebtoken::encode(&h, &claims, &jsonwebtoken::EncodingKey::from_rsa_der(&der1)).unwrap();
    assert_eq!(
        get_checkout(&app, id, &id_token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // Another issuer of this provider's keys, when configured as such; no other.
    for (iss, want) in [
        ("https://sts.idp.example/tenant/", StatusCode::OK),
        ("https://evil.example", StatusCode::UNAUTHORIZED),
    ] {
        claims["iss"] = json!(iss);
        claims.as_object_mut().unwrap().remove("nonce");
        let t = jsonwebtoken::encode(&h, &claims, &jsonwebtoken::EncodingKey::from_rsa_der(&der1))
            .unwrap();
        assert_eq!(get_checkout(&app, id, &t).await.status(), want, "{iss}");
    }
}

/// While the key set cannot be fetched, callers neither refetch it each (the cooldown
/// counts failures) nor queue behind a hanging fetch for longer than a few seconds.
#[tokio::test]
async fn a_failing_or_hanging_key_set_is_asked_once_per_cooldown_and_nobody_waits_long() {
    for hang in [false, true] {
        let jwks_server = wiremock::MockServer::start().await;
        let answer = if hang {
            wiremock::ResponseTemplate::new(200)
                .set_body_json(json!({"keys": []}))
                .set_delay(std::time::Duration::from_secs(60))
        } else {
            wiremock::ResponseTemplate::new(500)
        };
        wiremock::Mock::given(wiremock::matchers::path("/jwks"))
            .respond_with(answer)
            .mount(&jwks_server)
            .await;
        let jwks_uri = format!("{}/jwks", jwks_server.uri());
        let mut opts = Options::new(Db::Sqlite);
        opts.manual_clock = true;
        opts.settings = Box::new(move |s| {
            s.oidc.insert("test".into(), explicit_provider(&jwks_uri));
        });
        let app = spawn_with(opts).await;
        let id = app.ready().await;
        let (der, _) = rsa_key("k1");
        let now = app.state.clock.now().timestamp();
        let claims = json!({
            "iss": "https://idp.example", "aud": AUDIENCE, "sub": "u-writer",
            "iat": now, "exp": now + 300, "email": "writer@acme.test", "email_verified": true,
        });
        let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        h.kid = Some("k1".into());
        let token =
            jsonwebtoken::encode(&h, &claims, &jsonwebtoken::EncodingKey::from_rsa_der(&der))
                .unwrap();
        let started = std::time::Instant::now();
        let calls = (0..6).map(|_| get_checkout(&app, id, &token));
        let statuses: Vec<_> = futures_util::future::join_all(calls)
            .await
            .into_iter()
            .map(|r| r.status())
            .collect();
        let waited = started.elapsed();
        assert!(
            statuses.iter().all(|s| *s == StatusCode::UNAUTHORIZED),
            "hang={hang}: {statuses:?}"
        );
        let fetches = jwks_server.received_requests().await.unwrap().len();
        assert_eq!(fetches, 1, "hang={hang}: one fetch per cooldown");
        // Without the bounds, six callers behind a 60 s answer wait minutes.
        assert!(
            waited < std::time::Duration::from_secs(20),
            "hang={hang}: waited {waited:?}"
        );
    }
}

//! Administration pages: who may do what, write-only Payson credentials, test
//! connection, company API keys, users, passwords and API tokens.

use reqwest::StatusCode;

use crate::helpers::{Db, spawn_app};
use crate::web_signin::{Browser, PASSWORD, csrf_in, global_user, location};

fn secret_in(html: &str) -> String {
    html.split("<code id=\"secret\">")
        .nth(1)
        .unwrap_or_else(|| panic!("no secret shown: {html}"))
        .split('<')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn companies_credentials_and_api_keys() {
    let app = spawn_app(Db::Sqlite).await;
    let origin = app.address.clone();
    let mut w = Browser::new(&app);
    w.login("writer@acme.test", PASSWORD).await;
    let page = w.get("/admin/companies").await.text().await.unwrap();
    assert!(
        page.contains("Acme Bokning AB") && !page.contains("Other Company AB"),
        "own company only"
    );
    assert!(
        !page.contains(&app.creds.api_key),
        "the Payson key is never rendered back"
    );
    assert!(!page.contains("Add a company") && !page.contains("href=\"/admin/users\""));
    let token = csrf_in(&page);
    // Test connection with the stored credentials.
    let r = w
        .post(
            &format!("/admin/companies/{}/test", app.company.id),
            &[("csrf_token", &token)],
            Some(&origin),
        )
        .await;
    assert_eq!(location(&r), "/admin/companies");
    let page = w.get("/admin/companies").await.text().await.unwrap();
    assert!(
        page.contains("Connected to Payson as 7001@merchant.test"),
        "{page}"
    );
    // Saving with an empty key keeps the stored one.
    let base = app.creds.base_url.clone();
    let agent = app.creds.agent_id.clone();
    w.post(
        &format!("/admin/companies/{}/payson", app.company.id),
        &[
            ("csrf_token", &token),
            ("agent_id", &agent),
            ("api_key", ""),
            ("base_url", &base),
        ],
        Some(&origin),
    )
    .await;
    w.post(
        &format!("/admin/companies/{}/test", app.company.id),
        &[("csrf_token", &token)],
        Some(&origin),
    )
    .await;
    assert!(
        w.get("/admin/companies")
            .await
            .text()
            .await
            .unwrap()
            .contains("Connected to Payson")
    );
    // A wrong key: the test says so in plain words.
    w.post(
        &format!("/admin/companies/{}/payson", app.company.id),
        &[
            ("csrf_token", &token),
            ("agent_id", &agent),
            ("api_key", "wrong-key"),
            ("base_url", &base),
        ],
        Some(&origin),
    )
    .await;
    w.post(
        &format!("/admin/companies/{}/test", app.company.id),
        &[("csrf_token", &token)],
        Some(&origin),
    )
    .await;
    assert!(
        w.get("/admin/companies")
            .await
            .text()
            .await
            .unwrap()
            .contains("Payson rejected the company&#39;s Payson credentials")
    );
    let stored = app
        .state
        .store
        .company(app.company.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        app.state
            .secrets
            .decrypt(&stored.payson_api_key_encrypted)
            .unwrap(),
        "wrong-key"
    );
    // Another company's credentials cannot be touched.
    let before = app
        .state
        .store
        .company(app.other_company.id)
        .await
        .unwrap()
        .unwrap();
    w.post(
        &format!("/admin/companies/{}/payson", app.other_company.id),
        &[
            ("csrf_token", &token),
            ("agent_id", "666"),
            ("api_key", "x"),
            ("base_url", "http://evil/"),
        ],
        Some(&origin),
    )
    .await;
    assert!(
        w.get("/admin/companies")
            .await
            .text()
            .await
            .unwrap()
            .contains("Company not found")
    );
    assert_eq!(
        app.state
            .store
            .company(app.other_company.id)
            .await
            .unwrap()
            .unwrap(),
        before
    );
    // An x-api-key, shown once, works on the API until revoked.
    let r = w
        .post(
            &format!("/admin/companies/{}/keys", app.company.id),
            &[
                ("csrf_token", &token),
                ("notes", "booking system"),
                ("allowed_ips", ""),
                ("expires_in_days", "30"),
            ],
            Some(&origin),
        )
        .await;
    let html = r.text().await.unwrap();
    let key = secret_in(&html);
    let id = app.checkout(false, "created").await;
    let get = |k: String| {
        app.client
            .get(app.url(&format!("/payment/payson/v2/checkout/{id}")))
            .bearer_auth(&app.tokens.writer)
            .header("x-api-key", k)
            .send()
    };
    assert_eq!(get(key.clone()).await.unwrap().status(), StatusCode::OK);
    let key_id = html
        .split(&format!("/admin/companies/{}/keys/", app.company.id))
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    w.post(
        &format!("/admin/companies/{}/keys/{key_id}/revoke", app.company.id),
        &[("csrf_token", &token)],
        Some(&origin),
    )
    .await;
    assert_eq!(get(key).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    // Readers manage nothing.
    let mut r = Browser::new(&app);
    r.login("reader@acme.test", PASSWORD).await;
    assert!(
        !r.get("/checkouts")
            .await
            .text()
            .await
            .unwrap()
            .contains("href=\"/admin/companies\"")
    );
    assert_eq!(
        r.get("/admin/companies").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(r.get("/admin/users").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(w.get("/admin/users").await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn superadmin_manages_users_and_tokens() {
    let app = spawn_app(Db::Postgres).await;
    global_user(
        &app,
        "boss@desk.test",
        checkout_desk::domain::Role::SuperAdmin,
    )
    .await;
    let origin = app.address.clone();
    let mut s = Browser::new(&app);
    s.login("boss@desk.test", PASSWORD).await;
    let page = s.get("/admin/users").await.text().await.unwrap();
    let token = csrf_in(&page);
    let company = app.company.id.to_string();
    s.post(
        "/admin/users",
        &[
            ("csrf_token", &token),
            ("email", "new@acme.test"),
            ("name", "New"),
            ("password", "another long password"),
            ("company", &company),
            ("role", "bookingsupplier-administrator-write"),
        ],
        Some(&origin),
    )
    .await;
    assert!(
        s.get("/admin/users")
            .await
            .text()
            .await
            .unwrap()
            .contains("User new@acme.test added")
    );
    let mut n = Browser::new(&app);
    assert_eq!(
        n.login("new@acme.test", "another long password")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let user = app
        .state
        .store
        .user_by_email("new@acme.test")
        .await
        .unwrap()
        .unwrap();
    // Disable: their session ends at once.
    s.post(
        &format!("/admin/users/{}/disabled", user.id),
        &[("csrf_token", &token), ("disabled", "true")],
        Some(&origin),
    )
    .await;
    assert_eq!(n.get("/checkouts").await.status(), StatusCode::SEE_OTHER);
    s.post(
        &format!("/admin/users/{}/disabled", user.id),
        &[("csrf_token", &token), ("disabled", "false")],
        Some(&origin),
    )
    .await;
    // Reset password: shown once; the old one stops working.
    let html = s
        .post(
            &format!("/admin/users/{}/password", user.id),
            &[("csrf_token", &token)],
            Some(&origin),
        )
        .await
        .text()
        .await
        .unwrap();
    let fresh = secret_in(&html);
    assert_eq!(
        n.login("new@acme.test", "another long password")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        n.login("new@acme.test", &fresh).await.status(),
        StatusCode::SEE_OTHER
    );
    // Roles: down to reader, so no more sending.
    s.post(
        &format!("/admin/users/{}/roles", user.id),
        &[
            ("csrf_token", &token),
            ("role", "bookingsupplier-administrator-read"),
            ("company", &company),
        ],
        Some(&origin),
    )
    .await;
    let id = app.ready().await;
    assert!(
        !n.get(&format!("/checkouts/{id}"))
            .await
            .text()
            .await
            .unwrap()
            .contains("Send payment request")
    );
    // An API token, shown once, works until revoked.
    let html = s
        .post(
            &format!("/admin/users/{}/tokens", user.id),
            &[("csrf_token", &token), ("name", "ci")],
            Some(&origin),
        )
        .await
        .text()
        .await
        .unwrap();
    let api_token = secret_in(&html);
    let get = || {
        app.client
            .get(app.url(&format!("/payment/payson/v2/checkout/{id}")))
            .bearer_auth(&api_token)
            .send()
    };
    assert_eq!(get().await.unwrap().status(), StatusCode::OK);
    let tokens = app.state.store.api_tokens(Some(user.id)).await.unwrap();
    let token_id = tokens.iter().find(|t| t.name == "ci").unwrap().id;
    assert!(
        html.contains(&format!("/admin/tokens/{token_id}/revoke")),
        "listed with a revoke button"
    );
    s.post(
        &format!("/admin/tokens/{token_id}/revoke"),
        &[("csrf_token", &token)],
        Some(&origin),
    )
    .await;
    assert_eq!(get().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    // A superadmin sees every company and may add one.
    let companies = s.get("/admin/companies").await.text().await.unwrap();
    assert!(
        companies.contains("Acme Bokning AB")
            && companies.contains("Other Company AB")
            && companies.contains("Add a company")
    );
}

#[tokio::test]
async fn administration_messages_and_errors_speak_swedish() {
    let app = spawn_app(Db::Sqlite).await;
    global_user(
        &app,
        "chef@desk.test",
        checkout_desk::domain::Role::SuperAdmin,
    )
    .await;
    let origin = app.address.clone();
    let mut s = Browser::new(&app);
    s.accept_language = Some("sv-SE,sv;q=0.9,en;q=0.5");
    s.login("chef@desk.test", PASSWORD).await;
    let page = s.get("/admin/companies").await.text().await.unwrap();
    assert!(
        page.contains("Lägg till ett företag") && page.contains("Testa anslutningen"),
        "{page}"
    );
    assert!(!page.contains("Add a company"));
    let token = csrf_in(&page);
    let r = s
        .post(
            "/admin/companies",
            &[
                ("csrf_token", &token),
                ("name", "Nya Salongen AB"),
                ("agent_id", "4"),
                ("api_key", "k"),
                ("base_url", ""),
            ],
            Some(&origin),
        )
        .await;
    assert_eq!(location(&r), "/admin/companies");
    let page = s.get("/admin/companies").await.text().await.unwrap();
    assert!(
        page.contains("Företaget Nya Salongen AB har lagts till"),
        "{page}"
    );
    // A refused change is explained in Swedish too.
    let r = s
        .post(
            "/admin/companies",
            &[
                ("csrf_token", &token),
                ("name", ""),
                ("agent_id", "4"),
                ("api_key", "k"),
            ],
            Some(&origin),
        )
        .await;
    assert_eq!(location(&r), "/admin/companies");
    let page = s.get("/admin/companies").await.text().await.unwrap();
    assert!(page.contains("Ett företag måste ha ett namn"), "{page}");
    let page = s.get("/admin/users").await.text().await.unwrap();
    assert!(
        page.contains("Lägg till en användare") && page.contains("Återställ lösenord"),
        "{page}"
    );
    // Error pages follow the reader's language; English readers keep English.
    let missing = format!("/checkouts/{}", uuid::Uuid::new_v4());
    let r = s.get(&missing).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Något gick fel") && page.contains("hittades inte"),
        "{page}"
    );
    s.accept_language = Some("en");
    let page = s.get(&missing).await.text().await.unwrap();
    assert!(
        page.contains("Something went wrong") && page.contains("not found"),
        "{page}"
    );
}

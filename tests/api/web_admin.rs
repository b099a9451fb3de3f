//! Administration pages: who may do what, write-only Payson credentials, test
//! connection, company API keys, users, passwords and API tokens.

use reqwest::StatusCode;

use checkout_desk::domain::Role;

use crate::helpers::api::Format;
use crate::helpers::browser::{Browser, location};
use crate::helpers::{Db, PASSWORD, global_user, spawn_app};

pub(crate) fn secret_in(html: &str) -> String {
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
    let mut w = Browser::signed_in(&app, "writer@acme.test").await;
    let page = w.get_html("/admin/companies").await;
    assert!(
        page.contains("Acme Bokning AB") && !page.contains("Other Company AB"),
        "own company only"
    );
    assert!(
        !page.contains(&app.creds.api_key),
        "the Payson key is never rendered back"
    );
    assert!(!page.contains("Add a company") && !page.contains("href=\"/admin/users\""));
    // Test connection with the stored credentials.
    let test_connection = format!("/admin/companies/{}/test", app.company.id);
    let r = w.post_form(&test_connection, &[]).await;
    assert_eq!(location(&r), "/admin/companies");
    let page = w.get_html("/admin/companies").await;
    assert!(
        page.contains("Connected to Payson as 7001@merchant.test"),
        "{page}"
    );
    // Saving with an empty key keeps the stored one; a wrong key: the test says so in
    // plain words.
    let save_payson = format!("/admin/companies/{}/payson", app.company.id);
    let (base, agent) = (app.creds.base_url.as_str(), app.creds.agent_id.as_str());
    for (api_key, shown) in [
        ("", "Connected to Payson"),
        (
            "wrong-key",
            "Payson rejected the company&#39;s Payson credentials",
        ),
    ] {
        let fields = [
            ("agent_id", agent),
            ("api_key", api_key),
            ("base_url", base),
        ];
        w.post_form(&save_payson, &fields).await;
        w.post_form(&test_connection, &[]).await;
        assert!(w.get_html("/admin/companies").await.contains(shown));
    }
    let stored = app.stored_company(app.company.id).await;
    assert_eq!(
        app.state
            .secrets
            .decrypt(&stored.payson_api_key_encrypted)
            .unwrap(),
        "wrong-key"
    );
    // Another company's credentials cannot be touched.
    let before = app.stored_company(app.other_company.id).await;
    w.post_form(
        &format!("/admin/companies/{}/payson", app.other_company.id),
        &[
            ("agent_id", "666"),
            ("api_key", "x"),
            ("base_url", "http://evil/"),
        ],
    )
    .await;
    assert!(
        w.get_html("/admin/companies")
            .await
            .contains("Company not found")
    );
    assert_eq!(app.stored_company(app.other_company.id).await, before);
    // An x-api-key, shown once, works on the API until revoked.
    let r = w
        .post_form(
            &format!("/admin/companies/{}/keys", app.company.id),
            &[
                ("notes", "booking system"),
                ("allowed_ips", ""),
                ("expires_in_days", "30"),
            ],
        )
        .await;
    let html = r.text().await.unwrap();
    let key = secret_in(&html);
    let id = app.checkout(false, "created").await;
    let get = |k: &str| {
        app.get_checkout_api(id, Format::Negotiated)
            .api_key(k)
            .send()
    };
    assert_eq!(get(&key).await.status(), StatusCode::OK);
    let key_id = html
        .split(&format!("/admin/companies/{}/keys/", app.company.id))
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    w.post_form(
        &format!("/admin/companies/{}/keys/{key_id}/revoke", app.company.id),
        &[("confirm", "yes")],
    )
    .await;
    assert_eq!(get(&key).await.status(), StatusCode::UNAUTHORIZED);
    // Readers manage nothing.
    let mut r = Browser::signed_in(&app, "reader@acme.test").await;
    assert!(
        !r.get_checkouts_html()
            .await
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
    global_user(&app, "boss@desk.test", Role::SuperAdmin).await;
    let mut s = Browser::signed_in(&app, "boss@desk.test").await;
    s.get_html("/admin/users").await;
    let company = app.company.id.to_string();
    s.post_form(
        "/admin/users",
        &[
            ("email", "new@acme.test"),
            ("name", "New"),
            ("password", "another long password"),
            ("company", &company),
            ("role", "bookingsupplier-administrator-write"),
        ],
    )
    .await;
    assert!(
        s.get_html("/admin/users")
            .await
            .contains("User new@acme.test added")
    );
    let mut n = Browser::new(&app);
    assert_eq!(
        n.login("new@acme.test", "another long password")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let user = app.user("new@acme.test").await;
    // Disable: their session ends at once.
    let disabled = format!("/admin/users/{}/disabled", user.id);
    s.post_form(&disabled, &[("disabled", "true"), ("confirm", "yes")])
        .await;
    assert_eq!(n.get("/checkouts").await.status(), StatusCode::SEE_OTHER);
    s.post_form(&disabled, &[("disabled", "false")]).await;
    // Reset password: shown once; the old one stops working.
    let html = s
        .post_form(
            &format!("/admin/users/{}/password", user.id),
            &[("confirm", "yes")],
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
    s.post_form(
        &format!("/admin/users/{}/roles", user.id),
        &[
            ("role", "bookingsupplier-administrator-read"),
            ("company", &company),
        ],
    )
    .await;
    let id = app.ready().await;
    assert!(
        !n.get_checkout_html(id)
            .await
            .contains("Send payment request")
    );
    // An API token, shown once, works until revoked.
    let html = s
        .post_form(
            &format!("/admin/users/{}/tokens", user.id),
            &[("name", "ci")],
        )
        .await
        .text()
        .await
        .unwrap();
    let api_token = secret_in(&html);
    let get = || {
        app.get_checkout_api(id, Format::Negotiated)
            .token(&api_token)
            .send()
    };
    assert_eq!(get().await.status(), StatusCode::OK);
    let tokens = app.state.store.api_tokens(Some(user.id)).await.unwrap();
    let token_id = tokens.iter().find(|t| t.name == "ci").unwrap().id;
    assert!(
        html.contains(&format!("/admin/tokens/{token_id}/revoke")),
        "listed with a revoke button"
    );
    s.post_form(
        &format!("/admin/tokens/{token_id}/revoke"),
        &[("confirm", "yes")],
    )
    .await;
    assert_eq!(get().await.status(), StatusCode::UNAUTHORIZED);
    // A superadmin sees every company and may add one.
    let companies = s.get_html("/admin/companies").await;
    assert!(
        companies.contains("Acme Bokning AB")
            && companies.contains("Other Company AB")
            && companies.contains("Add a company")
    );
}

#[tokio::test]
async fn administration_messages_and_errors_speak_swedish() {
    let app = spawn_app(Db::Sqlite).await;
    global_user(&app, "chef@desk.test", Role::SuperAdmin).await;
    let mut s = Browser::new(&app).with_language("sv-SE,sv;q=0.9,en;q=0.5");
    s.login("chef@desk.test", PASSWORD).await;
    let page = s.get_html("/admin/companies").await;
    assert!(
        page.contains("Lägg till ett företag") && page.contains("Testa anslutningen"),
        "{page}"
    );
    assert!(!page.contains("Add a company"));
    let r = s
        .post_form(
            "/admin/companies",
            &[
                ("name", "Nya Salongen AB"),
                ("agent_id", "4"),
                ("api_key", "k"),
                ("base_url", ""),
            ],
        )
        .await;
    assert_eq!(location(&r), "/admin/companies");
    let page = s.get_html("/admin/companies").await;
    assert!(
        page.contains("Företaget Nya Salongen AB har lagts till"),
        "{page}"
    );
    // A refused change is explained in Swedish too.
    let r = s
        .post_form(
            "/admin/companies",
            &[("name", ""), ("agent_id", "4"), ("api_key", "k")],
        )
        .await;
    assert_eq!(location(&r), "/admin/companies");
    let page = s.get_html("/admin/companies").await;
    assert!(page.contains("Ett företag måste ha ett namn"), "{page}");
    let page = s.get_html("/admin/users").await;
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
    let page = s.get_html(&missing).await;
    assert!(
        page.contains("Something went wrong") && page.contains("not found"),
        "{page}"
    );
}

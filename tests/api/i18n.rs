//! The desk in Swedish and English: typed messages reach the pages, counts choose their
//! form, and OpenID sign-in speaks the reader's language.

use checkout_desk::config::FirstSignIn;
use chrono::Duration;
use reqwest::StatusCode;

use crate::helpers::browser::{Browser, csrf_in};
use crate::helpers::idp::provider_settings;
use crate::helpers::{Db, Options, PASSWORD, free_port, global_user, spawn_app, spawn_with};

const SWEDISH: &str = "sv-SE,sv;q=0.9,en;q=0.5";

#[tokio::test]
async fn openid_sign_in_is_offered_and_explained_in_swedish() {
    // Nothing listens at the issuer, so starting a sign-in fails at once.
    let issuer = format!("http://127.0.0.1:{}", free_port());
    let mut opts = Options::new(Db::Sqlite);
    opts.settings = Box::new(move |s| {
        s.oidc
            .insert("test".into(), provider_settings(&issuer, FirstSignIn::Link));
    });
    let app = spawn_with(opts).await;
    let mut sv = Browser::new(&app);
    sv.accept_language = Some(SWEDISH);
    let login = sv.get("/login").await.text().await.unwrap();
    assert!(login.contains("Logga in med Test IdP"), "{login}");
    assert!(!login.contains("Sign in with"), "{login}");
    let r = sv.get("/login/oidc/test").await;
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Logga in med Test IdP: Inloggningstjänsten gick inte att nå"),
        "{page}"
    );
    assert!(!page.contains("Sign-in with") && !page.contains("Sign in with"));
    let page = Browser::new(&app)
        .get("/login/oidc/test")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Sign in with Test IdP: The identity provider could not be reached"),
        "{page}"
    );
}

#[tokio::test]
async fn counts_choose_singular_or_plural() {
    let app = spawn_app(Db::Sqlite).await;
    // Ready to ship 57½ days ago: Payson expires it in a day and a half.
    let id = app.checkout(false, "created").await;
    app.sim
        .transition(
            id.as_uuid(),
            "readyToShip",
            Some("card"),
            Some(app.state.clock.now() - Duration::hours(57 * 24 + 12)),
        )
        .unwrap();
    checkout_desk::service::checkouts::refresh_from_payson(&app.state, &app.company, id)
        .await
        .unwrap();
    let mut en = Browser::new(&app);
    en.login("writer@acme.test", PASSWORD).await;
    let list = en.get("/checkouts").await.text().await.unwrap();
    assert!(
        // 36 hours on: tomorrow or the day after by the company's calendar, with the time.
        (list.contains("expires tomorrow at ") || list.contains("expires in 2 days at "))
            && list.contains("1 checkout, SEK\u{a0}799.00"),
        "{list}"
    );
    assert!(list.contains(&format!("aria-label=\"Select {id}\"")));
    let bulk = en
        .get(&format!("/checkouts/bulk?id={id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        bulk.contains("Send 1 payment request?")
            && bulk.contains("Send 1 payment request</button>")
            && bulk.contains("1 of 1 selected will be sent"),
        "{bulk}"
    );
    let mut sv = Browser::new(&app);
    sv.accept_language = Some(SWEDISH);
    sv.login("writer@acme.test", PASSWORD).await;
    let list = sv.get("/checkouts").await.text().await.unwrap();
    assert!(
        (list.contains("löper ut i morgon kl. ") || list.contains("löper ut om 2 dagar kl. "))
            && list.contains("1 köp, 799,00\u{a0}kr"),
        "{list}"
    );
    assert!(list.contains(&format!("aria-label=\"Välj {id}\"")));
    let second = app.ready().await;
    let list = sv.get("/checkouts").await.text().await.unwrap();
    assert!(
        (list.contains("löper ut om 58 dagar") || list.contains("löper ut om 59 dagar"))
            && list.contains("2 köp, 1\u{a0}598,00\u{a0}kr"),
        "{list}"
    );
    let bulk = sv
        .get(&format!("/checkouts/bulk?id={id}&id={second}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        bulk.contains("Skicka 2 betalningsbegäranden?")
            && bulk.contains("2 av 2 valda skickas")
            && bulk.contains(">skickas</td>"),
        "{bulk}"
    );
    let bulk = sv
        .get(&format!("/checkouts/bulk?id={id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(bulk.contains("Skicka 1 betalningsbegäran?"), "{bulk}");
}

#[tokio::test]
async fn handlers_own_texts_speak_swedish() {
    let app = spawn_app(Db::Sqlite).await;
    let theirs = app.checkout(true, "readyToShip").await;
    let mut sv = Browser::new(&app);
    sv.accept_language = Some(SWEDISH);
    let r = sv.login("writer@acme.test", "not the password").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Fel e-post eller lösenord.")
    );
    // A checkout the reader may not see is skipped with the error in Swedish.
    sv.login("writer@acme.test", PASSWORD).await;
    let bulk = sv
        .get(&format!("/checkouts/bulk?id={theirs}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(bulk.contains("hoppas över: Köpet"), "{bulk}");
    assert!(bulk.contains("Skicka 0 betalningsbegäranden?"), "{bulk}");
    // A secret is labelled in Swedish, and the flash after a change too.
    global_user(
        &app,
        "chef@desk.test",
        checkout_desk::domain::Role::SuperAdmin,
    )
    .await;
    let mut chef = Browser::new(&app);
    chef.accept_language = Some(SWEDISH);
    chef.login("chef@desk.test", PASSWORD).await;
    let page = chef.get("/admin/companies").await.text().await.unwrap();
    let origin = app.address.clone();
    let r = chef
        .post(
            &format!("/admin/companies/{}/keys", app.company.id),
            &[
                ("csrf_token", &csrf_in(&page)),
                ("notes", "kassa"),
                ("allowed_ips", ""),
                ("expires_in_days", ""),
            ],
            Some(&origin),
        )
        .await;
    let page = r.text().await.unwrap();
    assert!(page.contains("Ny x-api-key (visas en gång)"), "{page}");
    assert!(page.contains("aria-label=\"Huvudmeny\""));
}

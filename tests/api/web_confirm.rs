//! What destroys asks first: resetting a password, disabling a user, revoking an API
//! token or a company API key. The action's POST without `confirm=yes` only renders the
//! confirmation (the consequence in the reader's language, a form carrying the CSRF
//! token and `confirm=yes`), changing nothing and auditing nothing; the confirming POST
//! acts once and is checked like every other desk form.

use reqwest::StatusCode;

use checkout_desk::domain::Role;

use crate::helpers::api::Format;
use crate::helpers::browser::{Browser, field, location};
use crate::helpers::{Db, PASSWORD, TestApp, global_user, spawn_app};
use crate::on_both;

const EN: &str = "en";
const SV: &str = "sv-SE,sv;q=0.9";

/// An action, its form's other fields, and the consequence it must name.
struct Action {
    path: String,
    fields: Vec<(&'static str, &'static str)>,
    en: String,
    sv: String,
}

fn actions(app: &TestApp, user: &str, token: &str, key: &str) -> Vec<Action> {
    let w = "writer@acme.test";
    let c = app.company.id;
    vec![
        Action {
            path: format!("/admin/users/{user}/password"),
            fields: vec![],
            en: format!(
                "{w} is signed out everywhere and the current password stops working at once."
            ),
            sv: format!(
                "{w} loggas ut överallt och det nuvarande lösenordet slutar fungera direkt."
            ),
        },
        Action {
            path: format!("/admin/tokens/{token}/revoke"),
            fields: vec![],
            en: format!("Revoke the API token ci of {w}?"),
            sv: format!("Återkalla API-token ci för {w}?"),
        },
        Action {
            path: format!("/admin/companies/{c}/keys/{key}/revoke"),
            fields: vec![],
            en: format!("Revoke the API key {key} (booking system) of Acme Bokning AB?"),
            sv: format!("Återkalla API-nyckeln {key} (booking system) för Acme Bokning AB?"),
        },
        Action {
            path: format!("/admin/users/{user}/disabled"),
            fields: vec![("disabled", "true")],
            en: format!("{w} is signed out everywhere and cannot sign in until enabled again"),
            sv: format!(
                "{w} loggas ut överallt och kan inte logga in förrän kontot aktiveras igen"
            ),
        },
    ]
}

async fn destructive_admin_actions_ask_first(db: Db) {
    let app = spawn_app(db).await;
    global_user(&app, "boss@desk.test", Role::SuperAdmin).await;
    let mut en = Browser::new(&app).with_language(EN);
    en.login("boss@desk.test", PASSWORD).await;
    en.get_html("/admin/users").await;
    let mut sv = Browser::new(&app).with_language(SV);
    sv.login("boss@desk.test", PASSWORD).await;
    sv.get_html("/admin/users").await;
    let mut victim = Browser::signed_in(&app, "writer@acme.test").await;
    let mut reader = Browser::signed_in(&app, "reader@acme.test").await;
    reader.get_html("/checkouts").await;
    let writer = app.user("writer@acme.test").await;
    let id = app.ready().await;

    // Something to revoke: an API token of the writer and a company API key.
    let html = en
        .post_form(
            &format!("/admin/users/{}/tokens", writer.id),
            &[("name", "ci")],
        )
        .await
        .text()
        .await
        .unwrap();
    let api_token = crate::web_admin::secret_in(&html);
    let html = en
        .post_form(
            &format!("/admin/companies/{}/keys", app.company.id),
            &[
                ("notes", "booking system"),
                ("allowed_ips", ""),
                ("expires_in_days", ""),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    let api_key = crate::web_admin::secret_in(&html);
    let token_id = app.state.store.api_tokens(Some(writer.id)).await.unwrap()[0].id;
    let key_id = app
        .state
        .store
        .company_api_keys(app.company.id)
        .await
        .unwrap()[0]
        .id;
    let by_token = || {
        app.get_checkout_api(id, Format::Negotiated)
            .token(&api_token)
            .send()
    };
    let by_key = || {
        app.get_checkout_api(id, Format::Negotiated)
            .api_key(&api_key)
            .send()
    };
    let actions = actions(
        &app,
        &writer.id.to_string(),
        &token_id.to_string(),
        &key_id.to_string(),
    );
    let audited = app.audit_all().await.len();
    let (en_csrf, sv_csrf) = (en.csrf("/admin/users").await, sv.csrf("/admin/users").await);

    // Without confirm=yes: the confirmation, in either language, and nothing else.
    for a in &actions {
        for (b, sentence, csrf) in [(&mut en, &a.en, &en_csrf), (&mut sv, &a.sv, &sv_csrf)] {
            let r = b.post_form(&a.path, &a.fields).await;
            assert_eq!(r.status(), StatusCode::OK, "{}", a.path);
            let html = r.text().await.unwrap();
            assert!(html.contains(sentence.as_str()), "{sentence} in {html}");
            assert!(html.contains(&format!("<form method=\"post\" action=\"{}\">", a.path)));
            assert_eq!(field(&html, "confirm"), "yes");
            assert_eq!(&field(&html, "csrf_token"), csrf);
            for (name, value) in &a.fields {
                assert_eq!(&field(&html, name), value, "{html}");
            }
            assert!(!html.contains("id=\"secret\""), "no password made: {html}");
        }
        // Anything but "yes" asks too.
        let mut fields = a.fields.clone();
        fields.push(("confirm", "true"));
        let html = en.post_form(&a.path, &fields).await.text().await.unwrap();
        assert!(html.contains(a.en.as_str()), "{html}");
    }
    // An id that is none is refused on the page it came from, not asked about.
    let r = en.post_form("/admin/tokens/not-an-id/revoke", &[]).await;
    assert_eq!(location(&r), "/admin/users");
    assert!(
        en.get_html("/admin/users")
            .await
            .contains("Token not found")
    );
    assert_eq!(app.audit_all().await.len(), audited, "nothing audited");
    let unchanged = app.user("writer@acme.test").await;
    assert!(!unchanged.disabled);
    assert_eq!(unchanged.password_hash, writer.password_hash);
    assert_eq!(victim.get("/checkouts").await.status(), StatusCode::OK);
    assert_eq!(by_token().await.status(), StatusCode::OK);
    assert_eq!(by_key().await.status(), StatusCode::OK);

    // The confirming POST is a desk form like any other: a forged token or a foreign
    // origin is refused before it acts.
    let origin = app.address.clone();
    for a in &actions {
        let mut fields = a.fields.clone();
        fields.push(("confirm", "yes"));
        let mut forged = fields.clone();
        forged.push(("csrf_token", "forged"));
        let r = en.post(&a.path, &forged, Some(&origin)).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{}", a.path);
        let mut foreign = fields.clone();
        foreign.push(("csrf_token", &en_csrf));
        let r = en
            .post(&a.path, &foreign, Some("https://evil.example"))
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{}", a.path);
    }
    assert_eq!(
        app.audit_all().await.len(),
        audited,
        "still nothing audited"
    );
    assert_eq!(by_token().await.status(), StatusCode::OK);

    // Someone who may not act is not asked either, and learns nothing of the target.
    for a in &actions {
        let r = reader.post_form(&a.path, &a.fields).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{}", a.path);
        let body = r.text().await.unwrap();
        assert!(!body.contains("writer@acme.test"), "{body}");
    }
    assert_eq!(app.audit_all().await.len(), audited);

    // The confirmation page's own form acts, once each.
    for a in &actions {
        let html = en.post_form(&a.path, &a.fields).await.text().await.unwrap();
        let mut fields = a.fields.clone();
        let confirm = field(&html, "confirm");
        fields.push(("confirm", &confirm));
        let r = en.post_form(&a.path, &fields).await;
        assert!(
            r.status() == StatusCode::OK || r.status() == StatusCode::SEE_OTHER,
            "{}: {}",
            a.path,
            r.status()
        );
        if r.status() == StatusCode::OK {
            // The reset answers with the new password, shown once.
            let html = r.text().await.unwrap();
            assert!(html.contains("id=\"secret\""), "{html}");
        } else {
            assert!(location(&r).starts_with("/admin/"), "{}", a.path);
        }
    }
    assert_eq!(app.audit_all().await.len(), audited + actions.len());
    let after = app.user("writer@acme.test").await;
    assert!(after.disabled);
    assert_ne!(after.password_hash, writer.password_hash);
    assert_eq!(
        victim.get("/checkouts").await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(by_token().await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(by_key().await.status(), StatusCode::UNAUTHORIZED);

    // Enabling undoes nothing, so it acts at once.
    let r = en
        .post_form(&actions[3].path, &[("disabled", "false")])
        .await;
    assert_eq!(location(&r), "/admin/users");
    assert!(!app.user("writer@acme.test").await.disabled);
}

on_both!(destructive_admin_actions_ask_first);

/// The steps in headless Chromium, as a person clicks them, at phone width too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirming_in_headless_chromium() {
    use crate::helpers::webdriver::Driver;
    let app = spawn_app(Db::Sqlite).await;
    global_user(&app, "boss@desk.test", Role::SuperAdmin).await;
    let writer = app.user("writer@acme.test").await;
    let d = Driver::start().await;
    d.run("confirming_in_headless_chromium", async {
        d.goto(&app.url("/login")).await;
        d.type_into("#email", "boss@desk.test").await;
        d.type_into("#password", PASSWORD).await;
        d.click("form[action='/login'] button[type=submit]").await;
        assert!(d.wait_url("/checkouts").await);
        d.goto(&app.url("/admin/users")).await;
        let reset = format!("form[action='/admin/users/{}/password'] button", writer.id);
        d.click(&reset).await;
        let consequence = d.text("#consequence").await;
        assert!(
            consequence.contains("writer@acme.test is signed out everywhere"),
            "{consequence}"
        );
        for width in [1366, 390] {
            d.set_window_size(width, 900).await;
            assert!(!d.overflows_sideways().await, "fits {width} px");
        }
        d.click(&format!("{reset}[type=submit]")).await;
        assert!(!d.text("#secret").await.is_empty(), "new password shown");
        // In Swedish: disable, confirmed from the page's own button.
        d.goto(&app.url("/admin/users")).await;
        d.click("button[name=lang]").await;
        d.wait_text("h1", "Användare").await;
        let disable = format!("form[action='/admin/users/{}/disabled'] button", writer.id);
        d.click(&disable).await;
        let consequence = d.text("#consequence").await;
        assert!(
            consequence.contains("kan inte logga in förrän kontot aktiveras igen"),
            "{consequence}"
        );
        assert!(!d.overflows_sideways().await, "fits 390 px in Swedish");
        d.click(&format!("{disable}[type=submit]")).await;
        d.wait_text("p[role=status]", "Användaren har stängts av")
            .await;
    })
    .await;
    let after = app.user("writer@acme.test").await;
    assert!(after.disabled);
    assert_ne!(after.password_hash, writer.password_hash);
}

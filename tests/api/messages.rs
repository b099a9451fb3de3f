//! What handlers and services tell a person reads in the reader's language: flashes
//! after an admin change, error pages, a failed single send and bulk send rows. The
//! English forms are the API's texts, asserted elsewhere; here Swedish, and that a kept
//! outcome renders in whichever language reads it later.

use reqwest::StatusCode;

use checkout_desk::domain::Role;

use crate::helpers::browser::{Browser, field, location};
use crate::helpers::{Db, PASSWORD, global_user, spawn_app};

const SWEDISH: &str = "sv-SE,sv;q=0.9,en;q=0.5";

#[tokio::test]
async fn flashes_after_admin_changes_are_swedish() {
    let app = spawn_app(Db::Sqlite).await;
    global_user(&app, "chef@desk.test", Role::SuperAdmin).await;
    let mut s = Browser::new(&app).with_language(SWEDISH);
    s.login("chef@desk.test", PASSWORD).await;
    let company = app.company.id;

    s.get_html("/admin/companies").await;
    let r = s
        .post_form(&format!("/admin/companies/{company}/test"), &[])
        .await;
    assert_eq!(location(&r), "/admin/companies");
    let page = s.get_html("/admin/companies").await;
    assert!(
        page.contains("Ansluten till Payson som 7001@merchant.test (handlare "),
        "{page}"
    );
    let keys = format!("/admin/companies/{company}/keys");
    // Days that are no number never reach the service: an error page, in Swedish.
    let r = s.post_form(&keys, &[("expires_in_days", "soon")]).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let page = r.text().await.unwrap();
    assert!(page.contains("Antal dagar måste vara ett tal"), "{page}");
    assert!(!page.contains("Days must be a number"));
    s.post_form(&keys, &[("expires_in_days", "9999")]).await;
    let page = s.get_html("/admin/companies").await;
    assert!(
        page.contains("Antal dagar måste vara ett tal från 1 till 3650"),
        "{page}"
    );

    let writer = app.user("writer@acme.test").await;
    s.get_html("/admin/users").await;
    let roles = format!("/admin/users/{}/roles", writer.id);
    s.post_form(
        &roles,
        &[
            ("role", "bookingsupplier-administrator-read"),
            ("company", &company.to_string()),
        ],
    )
    .await;
    let page = s.get_html("/admin/users").await;
    assert!(
        page.contains("Roller sparade: Administratör, endast läsa"),
        "{page}"
    );
    // A company role without a company is refused, in Swedish.
    s.post_form(&roles, &[("role", "bookingsupplier-administrator-read")])
        .await;
    let page = s.get_html("/admin/users").await;
    assert!(page.contains("Företagsroller kräver ett företag"), "{page}");
    let disabled = format!("/admin/users/{}/disabled", writer.id);
    s.post_form(&disabled, &[("disabled", "true"), ("confirm", "yes")])
        .await;
    assert!(
        s.get_html("/admin/users")
            .await
            .contains("Användaren har stängts av")
    );
    let me = app.user("chef@desk.test").await;
    s.post_form(
        &format!("/admin/users/{}/disabled", me.id),
        &[("disabled", "true"), ("confirm", "yes")],
    )
    .await;
    assert!(
        s.get_html("/admin/users")
            .await
            .contains("Du kan inte stänga av dig själv")
    );

    // The same kind of flash in English for an English reader.
    s.accept_language = Some("en");
    s.post_form(&disabled, &[("disabled", "false")]).await;
    let page = s.get_html("/admin/users").await;
    assert!(
        page.contains("User enabled") && !page.contains("aktiverats"),
        "{page}"
    );
}

#[tokio::test]
async fn error_pages_are_swedish() {
    let app = spawn_app(Db::Sqlite).await;
    let mut s = Browser::new(&app).with_language(SWEDISH);
    s.login("writer@acme.test", PASSWORD).await;
    let missing = uuid::Uuid::new_v4();
    let r = s.get(&format!("/checkouts/{missing}")).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let page = r.text().await.unwrap();
    assert!(
        page.contains(&format!("Köpet {missing} hittades inte")),
        "{page}"
    );
    let r = s.get("/checkouts/not-an-id").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.text().await.unwrap().contains("Köpet hittades inte"));
    // Validation errors: an empty bulk selection, a filter that cannot be read.
    let r = s.get("/checkouts/bulk").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let page = r.text().await.unwrap();
    assert!(page.contains("Välj minst ett köp"), "{page}");
    assert!(!page.contains("Select at least one checkout"));
    let r = s.get("/checkouts/bulk?id=nope").await;
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("&#39;nope&#39; är inget köp-id")
    );
    let r = s.get("/checkouts?status=Sometime").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Filtret läge är inte giltigt")
    );
    s.accept_language = Some("en");
    let page = s
        .get("/checkouts?status=Sometime")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("The status filter is not valid"), "{page}");
}

#[tokio::test]
async fn a_failed_send_is_told_in_the_readers_language() {
    let app = spawn_app(Db::Sqlite).await;
    let id = app.ready().await;
    app.refuse_next_update();
    let mut b = Browser::new(&app).with_language(SWEDISH);
    b.login("writer@acme.test", PASSWORD).await;
    let confirm = b.get_send_html(id).await;
    let r = b
        .post_send(id, &field(&confirm, "idempotency_key"), None)
        .await;
    let back = location(&r).to_owned();
    let page = b.get_html(&back).await;
    // Payson's own words stay as Payson wrote them, inside a Swedish sentence.
    assert!(
        page.contains("Betalningsbegäran skickades inte: Payson nekade: Merchant account locked. Köpet ligger kvar i arbetslistan."),
        "{page}"
    );
    // The outcome was kept as a code: read later in English, it is English.
    b.accept_language = Some("en");
    let page = b.get_html(&back).await;
    assert!(
        page.contains("The payment request was not sent: Payson refused: Merchant account locked. The checkout stays in the worklist."),
        "{page}"
    );
    b.accept_language = Some(SWEDISH);
    let confirm = b.get_send_html(id).await;
    let r = b
        .post_send(id, &field(&confirm, "idempotency_key"), None)
        .await;
    let page = b.get_html(location(&r)).await;
    assert!(
        page.contains("Betalningsbegäran skickad. Köpet är nu ”Skickat”."),
        "{page}"
    );
}

#[tokio::test]
async fn bulk_rows_are_swedish() {
    let app = spawn_app(Db::Sqlite).await;
    let a = app.ready().await;
    let theirs = app.checkout(true, "readyToShip").await;
    let mut w = Browser::new(&app).with_language(SWEDISH);
    w.login("writer@acme.test", PASSWORD).await;
    let preview = w
        .get_html(&format!("/checkouts/bulk?id={a}&id={theirs}"))
        .await;
    assert!(
        preview.contains(&format!("hoppas över: Köpet {theirs} hittades inte")),
        "{preview}"
    );
    let key = field(&preview, "idempotency_key");
    let r = w.post_bulk(&key, &[a.to_string()]).await;
    let job = location(&r).to_owned();
    let result = w.finished_job(&job).await;
    assert!(result.contains("skickad; nu ”Skickat”"), "{result}");
    assert!(!result.contains("sent; now"));

    let mut reader = Browser::new(&app).with_language(SWEDISH);
    reader.login("reader@acme.test", PASSWORD).await;
    let c = app.ready().await;
    reader.get_checkouts_html().await;
    let key = uuid::Uuid::new_v4().to_string();
    let r = reader.post_bulk(&key, &[c.to_string()]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let result = r.text().await.unwrap();
    assert!(result.contains("Behörighet saknas"), "{result}");
}

//! The checkout page: send with confirmation and idempotency, refresh, roles, escaping,
//! and the isolated snippet preview.

use checkout_desk::domain::{AuditAction, CheckoutStatus};
use futures_util::future::join_all;
use reqwest::StatusCode;

use crate::helpers::browser::{Browser, field, location};
use crate::helpers::{Db, spawn_app};

#[tokio::test]
async fn send_from_the_page_once_with_a_note() {
    let app = spawn_app(Db::Sqlite).await;
    let id = app.ready().await;
    let mut b = Browser::signed_in(&app, "writer@acme.test").await;
    let page = b.get_checkout_html(id).await;
    assert!(page.contains("Awaiting payment request") && page.contains("Send payment request"));
    assert!(
        page.contains("<strong>Created, not filled in yet</strong>")
            && page.contains("<strong>Awaiting payment request</strong>"),
        "timeline"
    );
    let confirm = b.get_send_html(id).await;
    assert!(
        confirm.contains("Payson will capture the payment of SEK\u{a0}799.00 from Tess T Persson &#60;tess@example.com&#62;; after this only a credit can undo it."),
        "{confirm}"
    );
    let key = field(&confirm, "idempotency_key");
    let note = Some("Customer called, ok to charge");
    let r = b.post_send(id, &key, note).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let back = location(&r).to_owned();
    assert!(back.starts_with(&format!("/checkouts/{id}?result=")));
    let page = b.get_html(&back).await;
    assert!(
        page.contains("Payment request sent. The checkout is now “Sent”."),
        "{page}"
    );
    assert!(page.contains("Shipped - 6") && page.contains("Note: Customer called, ok to charge"));
    assert!(page.contains("<dd id=\"status\">Sent — payment captured</dd>"));
    assert!(!page.contains("href=\"/checkouts/{id}/send\""));
    // The same form again (a resubmit): same outcome, nothing sent twice.
    let r = b.post_send(id, &key, note).await;
    assert_eq!(location(&r), back);
    assert_eq!(app.sim.ship_count(id.as_uuid()), 1);
    let f = checkout_desk::domain::AuditFilter {
        checkout_id: Some(id),
        action: Some(AuditAction::SendPaymentRequest),
        ..Default::default()
    };
    assert_eq!(app.audit(f, 10).await.len(), 1);
    let list = b.get_checkouts_html().await;
    assert!(!list.contains(&id.to_string()), "it left the worklist");

    // A double click: two submissions of one form at once.
    let id2 = app.ready().await;
    let confirm = b.get_send_html(id2).await;
    let key = field(&confirm, "idempotency_key");
    let path = format!("/checkouts/{id2}/send");
    let posts = (0..2).map(|_| b.form_request(&path, &[("idempotency_key", &key)]).send());
    let results = join_all(posts).await;
    let locations: Vec<String> = results
        .into_iter()
        .map(|r| location(&r.unwrap()).to_owned())
        .collect();
    assert_eq!(locations[0], locations[1]);
    assert_eq!(app.sim.ship_count(id2.as_uuid()), 1);
}

#[tokio::test]
async fn failures_are_plain_and_the_checkout_stays() {
    let app = spawn_app(Db::Postgres).await;
    let id = app.ready().await;
    app.refuse_next_update();
    let mut b = Browser::signed_in(&app, "writer@acme.test").await;
    let confirm = b.get_send_html(id).await;
    let r = b
        .post_send(id, &field(&confirm, "idempotency_key"), None)
        .await;
    let page = b.get_html(location(&r)).await;
    assert!(page.contains("The payment request was not sent: Payson refused: Merchant account locked. The checkout stays in the worklist."), "{page}");
    assert!(b.get_checkouts_html().await.contains(&id.to_string()));
    assert_eq!(app.local(id).await.status, CheckoutStatus::ReadyToShip);
    // Refresh from Payson picks up what Payson says.
    app.sim
        .transition(id.as_uuid(), "expired", None, None)
        .unwrap();
    b.get_checkout_html(id).await;
    let r = b.post_form(&format!("/checkouts/{id}/refresh"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(b.get_checkout_html(id).await.contains("Expired - 10"));
}

#[tokio::test]
async fn roles_and_companies_on_the_checkout_page() {
    let app = spawn_app(Db::Sqlite).await;
    let id = app.ready().await;
    let theirs = app.checkout(true, "readyToShip").await;
    let mut b = Browser::signed_in(&app, "reader@acme.test").await;
    let page = b.get_checkout_html(id).await;
    assert!(page.contains("ReadyToShip - 5"));
    assert!(
        !page.contains("Send payment request"),
        "a reader is not shown the button"
    );
    assert_eq!(
        b.get(&format!("/checkouts/{id}/send")).await.status(),
        StatusCode::FORBIDDEN
    );
    let r = b
        .post_send(id, &uuid::Uuid::new_v4().to_string(), None)
        .await;
    let shown = b.get_html(location(&r)).await;
    assert!(shown.contains("not sent: Invalid Role"), "{shown}");
    assert_eq!(app.sim.ship_count(id.as_uuid()), 0);
    // Another company's checkout does not exist for this user.
    assert_eq!(
        b.get(&format!("/checkouts/{theirs}")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.get(&format!("/checkouts/{theirs}/snippet"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.get("/checkouts/not-a-guid").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn hostile_text_is_inert_and_the_snippet_is_isolated() {
    let app = spawn_app(Db::Sqlite).await;
    let id = app.ready().await;
    let mut c = app.local(id).await;
    c.customer_name = "<script>alert('name')</script>".into();
    c.snippet = Some(format!(
        "{}<script>alert('snippet')</script>",
        c.snippet.clone().unwrap()
    ));
    app.state.store.upsert_checkout(&c).await.unwrap();
    let mut b = Browser::signed_in(&app, "writer@acme.test").await;
    for path in [
        "/checkouts".to_owned(),
        format!("/checkouts/{id}"),
        format!("/checkouts/{id}/send"),
    ] {
        let r = b.get(&path).await;
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        assert_eq!(r.headers()["cache-control"], "no-store");
        let html = r.text().await.unwrap();
        // Only the desk's own script files, never an inline or injected script.
        assert!(
            html.split("<script")
                .skip(1)
                .all(|tag| tag.starts_with(" src=\"/static/js/") && tag.contains("></script>")),
            "{path} has a script element that is not one of our files"
        );
        assert!(
            html.contains("&#60;script&#62;alert(&#39;name&#39;)&#60;/script&#62;"),
            "{path}"
        );
        assert!(
            !html.contains("paysonContainer"),
            "{path}: the snippet is never inlined"
        );
    }
    let page = b.get_checkout_html(id).await;
    assert!(page.contains(&format!("<iframe class=\"preview\" title=\"Payson checkout preview\" sandbox=\"allow-scripts allow-forms allow-popups\" src=\"/checkouts/{id}/snippet\">")));
    assert!(!page.contains("allow-same-origin"));
    let r = b.get(&format!("/checkouts/{id}/snippet")).await;
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.starts_with("default-src 'none'; script-src https://www.payson.se"),
        "{csp}"
    );
    assert!(csp.contains(&format!(
        "script-src https://www.payson.se https://test-www.payson.se https://embedded.payson.se {}",
        app.sim.origin()
    )));
    assert!(
        csp.contains("frame-ancestors 'self'")
            && !csp.contains("'unsafe-eval'")
            && !csp.contains("script-src 'self'")
    );
    assert_eq!(r.headers()["x-frame-options"], "SAMEORIGIN");
    let body = r.text().await.unwrap();
    assert!(
        body.contains("paysonContainer")
            && body.contains(&format!("{}/embedded/payson.js", app.sim.origin()))
    );
    // The preview requires a signed-in user who may see the checkout.
    let anon = Browser::new(&app)
        .get(&format!("/checkouts/{id}/snippet"))
        .await;
    assert_eq!(anon.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn bulk_send_previews_skips_and_sends_once() {
    let app = spawn_app(Db::Sqlite).await;
    let a = app.ready().await;
    let b = app.ready().await;
    let created = app.checkout(false, "created").await;
    let theirs = app.checkout(true, "readyToShip").await;
    let mut br = Browser::signed_in(&app, "writer@acme.test").await;
    let list = br.get_checkouts_html().await;
    assert!(
        list.contains(&format!("name=\"id\" value=\"{a}\"")) && list.contains("Preview bulk send")
    );
    let q = format!("/checkouts/bulk?id={a}&id={b}&id={created}&id={theirs}&id={a}");
    let preview = br.get_html(&q).await;
    assert!(
        preview.contains("2 of 4 selected will be sent, SEK\u{a0}1,598.00 in all."),
        "{preview}"
    );
    assert!(preview.contains("skipped: it is “Created, not filled in yet”"));
    assert!(
        preview.contains(&format!("Checkout {theirs} not found")),
        "another company's row is skipped as unknown"
    );
    assert_eq!(app.sim.counters().update, 0, "a preview sends nothing");
    let key = field(&preview, "idempotency_key");
    let ids = [a.to_string(), b.to_string()];
    // Confirming makes a background job and shows its progress page.
    let r = br.post_bulk(&key, &ids).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let job = location(&r).to_owned();
    assert!(job.starts_with("/checkouts/bulk/"), "{job}");
    let result = br.finished_job(&job).await;
    assert_eq!(result.matches("sent; now “Sent”").count(), 2, "{result}");
    // Resubmitted: the same job, nothing sent again.
    let again = br.post_bulk(&key, &ids).await;
    assert_eq!(location(&again), job);
    assert_eq!(
        (
            app.sim.ship_count(a.as_uuid()),
            app.sim.ship_count(b.as_uuid())
        ),
        (1, 1)
    );
    // Readers see no checkboxes and cannot send in bulk.
    let mut reader = Browser::signed_in(&app, "reader@acme.test").await;
    let c = app.ready().await;
    let list = reader.get_checkouts_html().await;
    assert!(!list.contains("Preview bulk send") && !list.contains("type=\"checkbox\""));
    let preview = reader.get_html(&format!("/checkouts/bulk?id={c}")).await;
    assert!(preview.contains("skipped: you may not send payment requests for this company"));
    let key = uuid::Uuid::new_v4().to_string();
    let r = reader.post_bulk(&key, &[c.to_string()]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.sim.ship_count(c.as_uuid()), 0);
    // Bad selections.
    assert_eq!(
        br.get("/checkouts/bulk").await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        br.get("/checkouts/bulk?id=nope").await.status(),
        StatusCode::BAD_REQUEST
    );
}

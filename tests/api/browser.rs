//! The admin desk in real headless Chromium (`helpers::webdriver`): sign-in, the
//! worklist, the preview, send and bulk send, and sign-in through the OpenID provider.

use crate::helpers::idp::{IDP_PASSWORD, app_with_idp};
use crate::helpers::webdriver::Driver;
use crate::helpers::{Db, PASSWORD, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_desk_in_headless_chromium() {
    let app = spawn_app(Db::Sqlite).await;
    let id = app.ready().await;
    let (x, y) = (app.ready().await, app.ready().await);
    let d = Driver::start().await;
    d.run("admin_desk_in_headless_chromium", async {
        // Sign in.
        d.goto(&app.url("/login")).await;
        d.type_into("#email", "writer@acme.test").await;
        d.type_into("#password", PASSWORD).await;
        d.click("form[action='/login'] button[type=submit]").await;
        // The worklist, with our checkout.
        // Lists show the first 8 hex digits of an id; the row links by the customer.
        let worklist = d.text("table.worklist").await;
        assert!(worklist.contains(&id.short()), "{worklist}");
        assert!(d.wait_url("/checkouts").await);
        // Open the checkout.
        d.click(&format!("a[href='/checkouts/{id}']")).await;
        assert_eq!(d.text("#status").await, "Awaiting payment request");
        // The preview iframe loads the simulator's embedded checkout through the snippet.
        d.frame("iframe.preview").await;
        d.frame("#paysonIframe").await;
        let embedded = d.text("h1").await;
        assert!(embedded.contains("Payson Checkout"), "{embedded}");
        d.top().await;
        if std::env::var("SCREENSHOTS").is_ok() {
            d.screenshot("checkout_page").await;
        }
        // Send → confirm → flash, status Shipped.
        d.click(&format!("a[href='/checkouts/{id}/send']")).await;
        let consequence = d.text("#consequence").await;
        assert!(
            consequence.contains("Payson will capture the payment"),
            "{consequence}"
        );
        d.type_into("#note", "sent from the browser test").await;
        d.click(&format!(
            "form[action='/checkouts/{id}/send'] button[type=submit]"
        ))
        .await;
        let flash = d.text("p[role=status]").await;
        assert!(
            flash.contains("Payment request sent. The checkout is now “Sent”."),
            "{flash}"
        );
        assert_eq!(d.text("#status").await, "Sent — payment captured");
        if std::env::var("SCREENSHOTS").is_ok() {
            d.screenshot("after_send").await;
        }
        assert!(
            d.text("#audit + table, section[aria-labelledby=audit]")
                .await
                .contains("sent from the browser test")
        );
        // Bulk send: tick two rows in the worklist, preview, confirm, per-row results.
        d.click("a[href='/checkouts']").await;
        d.click(&format!("input[type=checkbox][value='{x}']")).await;
        d.click(&format!("input[type=checkbox][value='{y}']")).await;
        d.click("#bulk-form button[type=submit]").await;
        let summary = d.text("#bulk-summary").await;
        assert!(
            summary.starts_with("2 of 2 selected will be sent"),
            "{summary}"
        );
        d.click("form[action='/checkouts/bulk'] button[type=submit]")
            .await;
        d.wait_text("h1", "Bulk send: results").await;
        assert_eq!(d.text("#bulk").await.matches("sent; now “Sent”").count(), 2);
        // Sign out.
        d.click("form[action='/logout'] button").await;
        assert!(d.wait_url("/login").await);
        d.goto(&app.url("/checkouts")).await;
        assert!(d.wait_url("/login").await, "signed out");
    })
    .await;
    assert_eq!(app.sim.ship_count(id.as_uuid()), 1);
    assert_eq!(
        (
            app.sim.ship_count(x.as_uuid()),
            app.sim.ship_count(y.as_uuid())
        ),
        (1, 1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_with_openid_provider_in_headless_chromium() {
    use checkout_desk::config::FirstSignIn;
    let (app, idp) = app_with_idp(Db::Sqlite, FirstSignIn::Link, false).await;
    let id = app.ready().await;
    let d = Driver::start().await;
    d.run("sign_in_with_openid_provider", async {
        d.goto(&app.url("/login")).await;
        d.click("a[href='/login/oidc/test']").await;
        // The provider's own pages: login, then consent.
        d.type_into("input[name=login]", "u-writer").await;
        d.type_into("input[name=password]", IDP_PASSWORD).await;
        d.click("form[action$='/login'] button[type=submit]").await;
        d.click("form[action$='/confirm'] button[type=submit]")
            .await;
        // Back at the desk, signed in with the roles the provider gave.
        assert!(d.wait_url("/checkouts").await, "lands on the worklist");
        let worklist = d.wait_text("table.worklist", &id.short()).await;
        assert!(worklist.contains(&id.short()));
        assert!(d.text("header").await.contains("writer@acme.test"));
        // Sign out here, then at the provider, and come back to the login page.
        d.click("form[action='/logout'] button").await;
        d.click("button[name=logout][value=yes]").await;
        assert!(d.wait_url("/login").await, "back at the login page");
        d.goto(&app.url("/checkouts")).await;
        assert!(d.wait_url("/login").await, "signed out");
    })
    .await;
    drop(idp);
}

//! The desk without dead ends (issue 10, points 1, 7, 8 and 9): a send from the worklist's
//! row (plain HTTP without JavaScript, and the dialog in headless Chromium), sign-in that
//! returns to the page asked for (local paths only), `/` and the 404 page with navigation,
//! what *Refresh from Payson* changed, the confirmation reached after sending, *Try
//! again* with a new key, a search that points at other statuses, and CSVs that Excel
//! opens (streamed, every row).

use reqwest::{Method, StatusCode};

use checkout_desk::domain::{CheckoutFilter, CheckoutId, CheckoutStatus};

use crate::helpers::browser::{Browser, field, location};
use crate::helpers::webdriver::Driver;
use crate::helpers::{Db, Options, PASSWORD, spawn_app, spawn_with};
use crate::on_both;

const SV: &str = "sv-SE,sv;q=0.9";

/// The row's own *Send* link for `id` on a worklist page, unescaped.
fn row_send_link(html: &str, id: CheckoutId) -> String {
    let marker = format!("href=\"/checkouts/{id}/send?back=");
    let i = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no Send on the row of {id}: {html}"));
    let href = html[i + "href=\"".len()..].split('"').next().unwrap();
    unescape(href)
}

/// An attribute's value as askama wrote it, unescaped.
fn unescape(s: &str) -> String {
    s.replace("&#38;", "&").replace("&amp;", "&")
}

async fn per_row_send_without_javascript(db: Db) {
    let app = spawn_app(db).await;
    let (id, other) = (app.ready().await, app.ready().await);
    let mut b = Browser::signed_in(&app, "writer@acme.test").await;
    // A filtered worklist: the row's Send carries the page back with it.
    let list = b.get_html("/checkouts?q=Tess").await;
    let href = row_send_link(&list, id);
    assert_eq!(
        href,
        format!("/checkouts/{id}/send?back=%2Fcheckouts%3Fq%3DTess")
    );
    // A reader sees the rows but no Send.
    let mut reader = Browser::signed_in(&app, "reader@acme.test").await;
    let theirs = reader.get_checkouts_html().await;
    assert!(
        theirs.contains(&id.to_string()) && !theirs.contains("row-send"),
        "{theirs}"
    );

    // The confirmation step, as from the checkout's page, with the consequence.
    let confirm = b.get_html(&href).await;
    assert!(
        confirm.contains("Payson will capture the payment of SEK\u{a0}799.00"),
        "{confirm}"
    );
    assert_eq!(field(&confirm, "back"), "/checkouts?q=Tess");
    let key = field(&confirm, "idempotency_key");
    let form = [
        ("idempotency_key", key.as_str()),
        ("back", "/checkouts?q=Tess"),
    ];
    let r = b.post_form(&format!("/checkouts/{id}/send"), &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/checkouts?q=Tess");
    let list = b.get_html("/checkouts?q=Tess").await;
    assert!(
        list.contains("Payment request sent for Tess T Persson (BK-1). The checkout is now Sent."),
        "{list}"
    );
    assert!(
        !list.contains(&format!("/checkouts/{id}/send")),
        "the row left the list"
    );
    assert!(list.contains(&format!("/checkouts/{other}/send")));
    assert_eq!(app.sim.ship_count(id.as_uuid()), 1);
    // Shown once.
    assert!(
        !b.get_html("/checkouts")
            .await
            .contains("Payment request sent for")
    );

    // A double click (the same form again) sends nothing more, and lands in the same place.
    let r = b.post_form(&format!("/checkouts/{id}/send"), &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/checkouts?q=Tess");
    assert_eq!(app.sim.ship_count(id.as_uuid()), 1);

    // Back to the confirmation after sending: it says so and offers no button.
    let again = b.get_html(&href).await;
    assert!(again.contains("id=\"already-sent\""), "{again}");
    assert!(again.contains("it is now Shipped"), "{again}");
    assert!(!again.contains("name=\"idempotency_key\""), "{again}");

    // A foreign `back` is not followed: the checkout's page shows the outcome instead.
    let confirm = b.get_send_html(other).await;
    let key = field(&confirm, "idempotency_key");
    let r = b
        .post_form(
            &format!("/checkouts/{other}/send"),
            &[("idempotency_key", &key), ("back", "//evil.example/")],
        )
        .await;
    assert!(
        location(&r).starts_with(&format!("/checkouts/{other}?result=")),
        "{}",
        location(&r)
    );
    assert_eq!(app.sim.ship_count(other.as_uuid()), 1);
}

async fn try_again_sends_with_a_new_key(db: Db) {
    let app = spawn_app(db).await;
    let id = app.ready().await;
    app.refuse_next_update();
    let mut b = Browser::signed_in(&app, "writer@acme.test").await;
    let list = b.get_checkouts_html().await;
    let confirm = b.get_html(&row_send_link(&list, id)).await;
    let first = field(&confirm, "idempotency_key");
    let r = b
        .post_form(
            &format!("/checkouts/{id}/send"),
            &[("idempotency_key", &first), ("back", "/checkouts?")],
        )
        .await;
    // Not sent: the checkout's page with the reason and Try again (not the worklist).
    let to = location(&r).to_owned();
    assert!(to.starts_with(&format!("/checkouts/{id}?result=")), "{to}");
    let page = b.get_html(&to).await;
    assert!(
        page.contains("Payson refused: Merchant account locked"),
        "{page}"
    );
    assert!(
        page.contains("The earlier attempt did not send anything. Try again sends a new payment request to Payson."),
        "{page}"
    );
    let retry_form = page.split("id=\"try-again\"").nth(1).expect("Try again");
    let retry = field(retry_form, "idempotency_key");
    assert_ne!(retry, first, "a new key");
    assert_eq!(field(retry_form, "back"), "/checkouts?");
    // The old key only finds its failure again; the new one sends.
    let r = b
        .post_form(
            &format!("/checkouts/{id}/send"),
            &[("idempotency_key", &first)],
        )
        .await;
    assert!(
        b.get_html(location(&r))
            .await
            .contains("Merchant account locked")
    );
    assert_eq!(app.sim.ship_count(id.as_uuid()), 0);
    let r = b
        .post_form(
            &format!("/checkouts/{id}/send"),
            &[("idempotency_key", &retry), ("back", "/checkouts?")],
        )
        .await;
    assert_eq!(location(&r), "/checkouts?");
    assert_eq!(app.sim.ship_count(id.as_uuid()), 1);
    assert_eq!(app.local(id).await.status, CheckoutStatus::Shipped);
}

on_both!(
    per_row_send_without_javascript,
    try_again_sends_with_a_new_key
);

#[tokio::test]
async fn sign_in_returns_to_the_page_asked_for_and_only_on_this_site() {
    // Enough sign-ins a minute for every attempt below.
    let mut opts = Options::new(Db::Sqlite);
    opts.settings = Box::new(|s| s.session.login_attempts_per_minute = 100);
    let app = spawn_with(opts).await;
    let id = app.ready().await;
    let mut b = Browser::new(&app);
    // `/` is the front door: sign-in for nobody, the worklist once signed in.
    let r = b.get("/").await;
    assert_eq!(
        (r.status(), location(&r)),
        (StatusCode::SEE_OTHER, "/login")
    );
    // A deep link asks for sign-in and remembers where it was going.
    let r = b.get(&format!("/checkouts/{id}?x=1")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = location(&r).to_owned();
    assert_eq!(to, format!("/login?next=%2Fcheckouts%2F{id}%3Fx%3D1"));
    let login = b.get_html(&to).await;
    assert_eq!(field(&login, "next"), format!("/checkouts/{id}?x=1"));
    let token = field(&login, "csrf_token");
    let origin = app.address.clone();
    let sign_in = |next: String| {
        vec![
            ("email", "writer@acme.test".to_owned()),
            ("password", PASSWORD.to_owned()),
            ("csrf_token", token.clone()),
            ("next", next),
        ]
    };
    let fields = sign_in(format!("/checkouts/{id}?x=1"));
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = b.post("/login", &fields, Some(&origin)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/checkouts/{id}?x=1"));
    let r = b.get("/").await;
    assert_eq!(location(&r), "/checkouts");

    // Open-redirect attempts land on the worklist.
    for evil in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/%0d%0aSet-Cookie:x",
    ] {
        let mut b = Browser::new(&app);
        let login = b
            .get_html(&format!("/login?next={}", urlencode(evil)))
            .await;
        // Only a path on this site is carried into the form.
        assert_eq!(
            login.contains("name=\"next\""),
            evil.starts_with("/%"),
            "{evil}"
        );
        let token = field(&login, "csrf_token");
        let r = b
            .post(
                "/login",
                &[
                    ("email", "writer@acme.test"),
                    ("password", PASSWORD),
                    ("csrf_token", &token),
                    ("next", evil),
                ],
                Some(&origin),
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{evil}");
        let to = location(&r);
        assert!(
            to == "/checkouts" || (evil.starts_with("/%") && to == evil),
            "{evil} → {to}"
        );
        // Already signed in: the sign-in page moves on, and never off-site.
        let r = b.get(&format!("/login?next={}", urlencode(evil))).await;
        assert!(location(&r).starts_with('/') && !location(&r).starts_with("//"));
    }
    // The API's description has a page of its own.
    let r = b.get("/api").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("sendpaymentrequest"));
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn not_found_and_error_pages_have_navigation() {
    let app = spawn_app(Db::Sqlite).await;
    let html_get = |b: &Browser<'_>, path: &str| {
        b.request(Method::GET, path)
            .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
    };
    // Nobody signed in: a page that offers sign-in.
    let b = Browser::new(&app);
    let r = html_get(&b, "/no/such/page").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Page not found") && page.contains("href=\"/login\""),
        "{page}"
    );
    // Signed in: the normal navigation and sign-out, in the reader's language.
    let mut b = Browser::signed_in(&app, "writer@acme.test").await;
    let page = html_get(&b, "/no/such/page")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("action=\"/logout\"") && page.contains("href=\"/checkouts\""),
        "{page}"
    );
    b.accept_language = Some(SV);
    let page = html_get(&b, "/nope")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Sidan finns inte") && page.contains("action=\"/logout\""),
        "{page}"
    );
    // An error page (a checkout that is not there) has them too.
    b.accept_language = None;
    let r = b.get(&format!("/checkouts/{}", uuid::Uuid::new_v4())).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("action=\"/logout\"") && page.contains("writer@acme.test"),
        "{page}"
    );

    // The API's routes and clients that do not ask for HTML keep ServiceStack's bodies.
    for path in [
        "/json/reply/NoSuchOperation",
        "/api/NoSuchOperation",
        "/no/such/page",
    ] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        let (code, message, _) = crate::helpers::ss_error(r).await;
        assert_eq!(
            (code.as_str(), message.as_str()),
            ("NotFound", "Not found"),
            "{path}"
        );
    }
    let r = app
        .client
        .get(app.url("/xml/reply/NoSuchOperation"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("<ErrorCode>NotFound</ErrorCode>")
    );
}

#[tokio::test]
async fn refresh_says_what_changed() {
    let app = spawn_app(Db::Sqlite).await;
    let id = app.ready().await;
    let mut b = Browser::signed_in(&app, "reader@acme.test").await;
    b.get_checkout_html(id).await;
    let r = b.post_form(&format!("/checkouts/{id}/refresh"), &[]).await;
    assert_eq!(location(&r), format!("/checkouts/{id}"));
    let page = b.get_checkout_html(id).await;
    assert!(page.contains("Refreshed from Payson: no change."), "{page}");
    // Once only.
    assert!(
        !b.get_checkout_html(id)
            .await
            .contains("Refreshed from Payson: no change.")
    );
    app.sim
        .transition(id.as_uuid(), "expired", None, None)
        .unwrap();
    b.post_form(&format!("/checkouts/{id}/refresh"), &[]).await;
    let page = b.get_checkout_html(id).await;
    assert!(
        page.contains("Refreshed from Payson. Now: Expired."),
        "{page}"
    );
    // In Swedish too.
    let mut sv = Browser::signed_in(&app, "reader@acme.test")
        .await
        .with_language(SV);
    sv.get_checkout_html(id).await;
    sv.post_form(&format!("/checkouts/{id}/refresh"), &[]).await;
    assert!(
        sv.get_checkout_html(id)
            .await
            .contains("Uppdaterat från Payson: ingen ändring.")
    );
}

#[tokio::test]
async fn a_search_that_finds_nothing_here_points_at_other_statuses() {
    let app = spawn_app(Db::Sqlite).await;
    let shipped = app.checkout(false, "shipped").await;
    let _ready = app.ready().await;
    let mut b = Browser::signed_in(&app, "writer@acme.test").await;
    let page = b.get_html(&format!("/checkouts?q={shipped}")).await;
    assert!(page.contains("Nothing matches."), "{page}");
    let elsewhere = page
        .split("id=\"elsewhere\"")
        .nth(1)
        .expect("a pointer elsewhere");
    assert!(
        elsewhere.contains("1 checkout in other statuses matches."),
        "{elsewhere}"
    );
    let href = elsewhere
        .split("href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let href = unescape(href);
    assert_eq!(href, format!("/checkouts?status=all&q={shipped}"));
    assert!(
        b.get_html(&href)
            .await
            .contains(&format!("/checkouts/{shipped}\""))
    );
    // A search that finds nothing anywhere says only that.
    let page = b.get_html("/checkouts?q=nobody-at-all").await;
    assert!(page.contains("Nothing matches.") && !page.contains("id=\"elsewhere\""));
}

async fn csv_for_excel_streamed_and_complete(db: Db) {
    let app = spawn_app(db).await;
    let id = app.ready().await;
    // Swedish: semicolons, a decimal comma and a byte-order mark.
    let mut sv = Browser::signed_in(&app, "writer@acme.test")
        .await
        .with_language(SV);
    let r = sv.get("/checkouts.csv").await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xef\xbb\xbf"), "byte-order mark");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("checkout;company;status;amount;currency")
    );
    let row = lines.next().unwrap();
    assert!(row.starts_with(&format!("\"{id}\";")), "{row}");
    assert!(
        row.contains(";\"799,00\";\"SEK\";\"Tess T Persson\";"),
        "{row}"
    );
    // English: commas and a decimal point, no mark; the page's choice overrides either way.
    let mut en = Browser::signed_in(&app, "writer@acme.test").await;
    let text = en.get("/checkouts.csv").await.text().await.unwrap();
    assert!(text.starts_with("checkout,company,status,amount"), "{text}");
    assert!(text.contains(",\"799.00\",\"SEK\","), "{text}");
    let excel = en
        .get("/checkouts.csv?format=excel")
        .await
        .bytes()
        .await
        .unwrap();
    assert!(excel.starts_with(b"\xef\xbb\xbfcheckout;company"));
    let plain = sv
        .get("/checkouts.csv?format=csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(plain.starts_with("checkout,company"));
    let page = sv.get_checkouts_html().await;
    assert!(
        page.contains("Excel (semikolon)") && page.contains("format=excel"),
        "{page}"
    );

    // More rows than a keyset page: all of them, streamed (chunked, no length up front).
    let template = app.local(id).await;
    let now = chrono::Utc::now();
    for i in 0..2_500 {
        let mut c = template.clone();
        c.id = CheckoutId::from(uuid::Uuid::new_v4());
        c.reference = format!("BULK-{i}");
        c.ready_to_ship_at = Some(now - chrono::Duration::minutes(i));
        c.refreshed_at = now;
        app.state.store.upsert_checkout(&c).await.unwrap();
    }
    let started = std::time::Instant::now();
    let mut r = en.get("/checkouts.csv").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()
            .get("transfer-encoding")
            .map(|v| v.to_str().unwrap()),
        Some("chunked")
    );
    assert!(r.headers().get("content-length").is_none());
    let (mut body, mut chunks) = (Vec::new(), 0);
    while let Some(chunk) = r.chunk().await.unwrap() {
        body.extend_from_slice(&chunk);
        chunks += 1;
    }
    eprintln!(
        "checkouts.csv on {db:?}, 2,501 rows: {} bytes in {chunks} chunks, {} ms",
        body.len(),
        started.elapsed().as_millis()
    );
    let text = String::from_utf8(body).unwrap();
    let ids: Vec<String> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().trim_matches('"').to_owned())
        .collect();
    // The same rows, in the same order, as one scan of the store.
    let f = CheckoutFilter {
        company: Some(app.company.id),
        status: Some(CheckoutStatus::ReadyToShip),
        ..Default::default()
    };
    let scan: Vec<String> = app
        .state
        .store
        .list_checkouts(&f.clone().into(), None, 10_000)
        .await
        .unwrap()
        .iter()
        .map(|c| c.id.to_string())
        .collect();
    assert_eq!(scan.len(), 2_501);
    assert_eq!(ids, scan);
}

on_both!(csv_for_excel_streamed_and_complete);

#[tokio::test]
async fn audit_and_notification_csvs_follow_the_language() {
    let app = spawn_app(Db::Sqlite).await;
    crate::helpers::global_user(
        &app,
        "boss@desk.test",
        checkout_desk::domain::Role::SuperAdmin,
    )
    .await;
    app.ready().await;
    let mut sv = Browser::signed_in(&app, "boss@desk.test")
        .await
        .with_language(SV);
    for path in ["/audit.csv", "/notifications.csv"] {
        let bytes = sv.get(path).await.bytes().await.unwrap();
        assert!(bytes.starts_with(b"\xef\xbb\xbf"), "{path}");
        let head = std::str::from_utf8(&bytes[3..])
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_owned();
        assert!(head.contains(';') && !head.contains(','), "{path}: {head}");
    }
    let mut en = Browser::signed_in(&app, "boss@desk.test").await;
    let audit = en.get("/audit.csv").await.text().await.unwrap();
    assert!(audit.starts_with("at,actor,company"), "{audit}");
    assert!(audit.lines().count() > 1, "{audit}");
    // The pages offer both dialects before downloading.
    for page in ["/audit", "/notifications"] {
        let html = sv.get_html(page).await;
        assert!(
            html.contains("Excel (semikolon)") && html.contains("format=csv"),
            "{page}"
        );
    }
}

/// Polls the page until `js` returns true (a row leaving the list has no element to
/// wait for).
async fn wait_for(d: &Driver, js: &str) -> bool {
    for _ in 0..100 {
        if d.execute(js, serde_json::json!([])).await.as_bool() == Some(true) {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_row_send_in_a_dialog_in_headless_chromium() {
    let app = spawn_app(Db::Sqlite).await;
    let ids = [
        app.ready().await,
        app.ready().await,
        app.ready().await,
        app.ready().await,
    ];
    let d = Driver::start().await;
    d.run("per_row_send_in_a_dialog", async {
        d.goto(&app.url("/login")).await;
        d.type_into("#email", "writer@acme.test").await;
        d.type_into("#password", PASSWORD).await;
        d.click("form[action='/login'] button[type=submit]").await;
        assert!(d.wait_url("/checkouts").await);
        let shots = [
            (1366, 900, "en"),
            (390, 844, "en"),
            (390, 844, "sv"),
            (1366, 900, "sv"),
        ];
        for (n, (w, h, lang)) in shots.into_iter().enumerate() {
            let id = ids[n];
            d.set_window_size(w, h).await;
            if n == 2 {
                // The language switch in the navigation.
                d.click("form[action='/lang'] button[name=lang]").await;
                d.wait_text("h1", "Väntar").await;
            }
            let row = format!("a.row-send[href^='/checkouts/{id}/send']");
            if n == 1 {
                // A refusal shows in the dialog; Try again sends with a new key.
                app.refuse_next_update();
            }
            d.click(&row).await;
            let sentence = if lang == "en" {
                "Payson will capture"
            } else {
                "Payson drar betalningen"
            };
            d.wait_text("#send-dialog-consequence", sentence).await;
            assert!(
                d.execute(
                    "return document.getElementById('send-dialog').open",
                    serde_json::json!([])
                )
                .await
                    == true
            );
            d.screenshot(&format!("flow_dialog_{w}_{lang}")).await;
            d.click("#send-dialog-send").await;
            if n == 1 {
                let error = d
                    .wait_text("#send-dialog-error", "Merchant account locked")
                    .await;
                assert!(
                    error.contains("The earlier attempt did not send anything"),
                    "{error}"
                );
                assert_eq!(d.text("#send-dialog-send").await, "Try again");
                d.screenshot(&format!("flow_dialog_failed_{w}_{lang}"))
                    .await;
                assert!(
                    wait_for(
                        &d,
                        "return !document.getElementById('send-dialog-send').disabled"
                    )
                    .await,
                    "a fresh key arrives"
                );
                d.click("#send-dialog-send").await;
            }
            let done = if lang == "en" {
                "Payment request sent for"
            } else {
                "Betalningsbegäran skickad för"
            };
            let status = d.wait_text("#row-send-status", done).await;
            assert!(status.contains("Tess T Persson (BK-1)"), "{status}");
            assert!(
                wait_for(
                    &d,
                    &format!("return !document.querySelector(\"a[href^='/checkouts/{id}/send']\")")
                )
                .await,
                "the row left the list"
            );
            assert!(
                d.execute(
                    "return !document.getElementById('send-dialog').open",
                    serde_json::json!([])
                )
                .await
                    == true
            );
        }
        // Nothing was left behind: the last row is gone and a reload agrees.
        d.goto(&app.url("/checkouts")).await;
        let body = d.text("main").await;
        for id in ids {
            assert!(!body.contains(&id.to_string()), "{id} still listed: {body}");
        }
    })
    .await;
    for id in ids {
        assert_eq!(app.sim.ship_count(id.as_uuid()), 1, "{id} shipped once");
    }
}

#[tokio::test]
async fn openid_sign_in_returns_to_the_page_asked_for() {
    use crate::helpers::idp::{Agent, AtProvider, app_with_idp, callback_url};
    let (app, idp) =
        app_with_idp(Db::Sqlite, checkout_desk::config::FirstSignIn::Link, false).await;
    let id = app.ready().await;
    for (next, lands) in [
        (format!("/checkouts/{id}"), format!("/checkouts/{id}")),
        ("//evil.example/".to_owned(), "/checkouts".to_owned()),
    ] {
        let mut agent = Agent::new(&app, &idp);
        // The sign-in page carries `next` into the provider link.
        let login = agent
            .browser
            .get_html(&format!("/login?next={}", urlencode(&next)))
            .await;
        let start = if next.starts_with("//") {
            assert!(login.contains("href=\"/login/oidc/test\""), "{login}");
            format!("/login/oidc/test?next={}", urlencode(&next))
        } else {
            let href = format!("/login/oidc/test?next={}", urlencode(&next));
            assert!(login.contains(&format!("href=\"{href}\"")), "{login}");
            href
        };
        let r = agent.browser.get(&start).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let authorize = location(&r).to_owned();
        let back = agent
            .at_provider(
                &authorize,
                "u-writer",
                AtProvider::Consent,
                &callback_url(&app),
            )
            .await;
        let page = agent.browser.get_html(&back).await;
        assert!(
            page.contains(&format!("content=\"0;url={lands}\""))
                && page.contains(&format!("href=\"{lands}\" id=\"continue\"")),
            "{page}"
        );
    }
}

//! The Payson notification log (product.md §4, issue 9 point 4): a row for every
//! notification, one re-read of Payson per burst, failed ones retried by `retry_failed`,
//! the log page with its filters and CSV, the checkout page's section, and the store's
//! statements on both backends.

use checkout_desk::domain::{
    CheckoutId, CheckoutStatus, CompanyId, NewNotification, Notification, NotificationFilter,
    NotificationResult, RetriedNotification, Role,
};
use checkout_desk::payson_sim::{Fault, FaultKind, SimEndpoint};
use checkout_desk::service::notifications::{FAILED_MESSAGE, MAX_RETRY_ATTEMPTS, retry_failed};
use checkout_desk::store::Store;
use chrono::{DateTime, Duration, DurationRound, Utc};
use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::browser::Browser;
use crate::helpers::webdriver::Driver;
use crate::helpers::{Db, PASSWORD, TestApp, fresh_database_url, global_user, spawn_app};
use crate::on_both;

/// The simulator's GET count, read from its control API as an outsider would.
async fn payson_gets(app: &TestApp) -> u64 {
    let v: Value = reqwest::get(format!("{}/_sim/counters", app.sim.origin()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["get"].as_u64().expect("a get counter")
}

/// The next `count` GETs at the simulator misbehave with `kind`.
fn break_gets(app: &TestApp, kind: FaultKind, count: u32) {
    app.sim.inject(Fault {
        endpoint: SimEndpoint::Get,
        kind,
        count,
        apply_first: false,
        apply_after_ms: None,
    });
}

async fn rows(app: &TestApp, f: NotificationFilter) -> Vec<Notification> {
    app.state.store.notifications(&f, 1000).await.unwrap()
}

async fn rows_of(app: &TestApp, id: CheckoutId) -> Vec<Notification> {
    rows(
        app,
        NotificationFilter {
            checkout_id: Some(id),
            ..Default::default()
        },
    )
    .await
}

/// Posts a notification for `id`: (status, `Success`, `Message`).
async fn notify(app: &TestApp, id: impl std::fmt::Display) -> (StatusCode, bool, String) {
    let resp = app.post_ipn(&format!("checkout={id}")).await;
    let status = resp.status();
    let v: Value = resp.json().await.unwrap();
    (
        status,
        v["Success"].as_bool().unwrap(),
        v["Message"].as_str().unwrap().to_owned(),
    )
}

on_both!(every_notification_is_logged_with_its_result);
async fn every_notification_is_logged_with_its_result(db: Db) {
    let app = spawn_app(db).await;
    let known = app.ready().await;
    let failing = app.ready().await;
    let unknown = uuid::Uuid::new_v4();

    app.sim
        .transition(known.as_uuid(), "expired", None, None)
        .unwrap();
    assert_eq!(
        notify(&app, known).await,
        (StatusCode::OK, true, "Stored status Expired - 10".into())
    );
    assert_eq!(
        notify(&app, unknown).await,
        (StatusCode::OK, false, "Unknown checkout".into())
    );
    // Payson down: the connection drops. The caller gets no internal detail.
    break_gets(&app, FaultKind::Drop, 1);
    let (status, success, message) = notify(&app, failing).await;
    assert_eq!((status, success), (StatusCode::SERVICE_UNAVAILABLE, false));
    assert_eq!(message, FAILED_MESSAGE);
    assert_eq!(
        app.post_ipn("checkout=not-a-guid").await.status(),
        StatusCode::BAD_REQUEST
    );

    let known_rows = rows_of(&app, known).await;
    assert_eq!(known_rows.len(), 1);
    let k = &known_rows[0].entry;
    assert_eq!(k.result, NotificationResult::Processed);
    assert_eq!(k.company_id, Some(app.company.id));
    assert_eq!(k.status_found, Some(CheckoutStatus::Expired));
    assert_eq!(k.remote_addr, "127.0.0.1");
    assert!(!k.request_id.is_empty() && k.error.is_none() && !k.shared_read);
    assert!((0..5_000).contains(&k.duration_ms), "{}", k.duration_ms);
    assert_eq!(app.local(known).await.status, CheckoutStatus::Expired);

    let unknown_rows = rows_of(&app, unknown.into()).await;
    assert_eq!(unknown_rows.len(), 1);
    let u = &unknown_rows[0].entry;
    assert_eq!(u.result, NotificationResult::UnknownCheckout);
    assert_eq!(
        (u.company_id, u.status_found, &u.error),
        (None, None, &None)
    );

    let failing_rows = rows_of(&app, failing).await;
    assert_eq!(failing_rows.len(), 1);
    let f = &failing_rows[0].entry;
    assert_eq!(f.result, NotificationResult::Failed);
    assert_eq!((f.company_id, f.status_found), (Some(app.company.id), None));
    let detail = f.error.as_deref().unwrap();
    assert!(detail.contains("Payson"), "{detail}");
    assert_ne!(
        detail, FAILED_MESSAGE,
        "the log keeps the detail the caller was spared"
    );

    let invalid = rows(
        &app,
        NotificationFilter {
            result: Some(NotificationResult::Invalid),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(invalid.len(), 1);
    assert_eq!(invalid[0].entry.checkout_id, None);
    // Newest first, four in all.
    let all = rows(&app, NotificationFilter::default()).await;
    assert_eq!(all.len(), 4);
    assert!(all.windows(2).all(|w| w[0].id > w[1].id));
}

on_both!(a_burst_rereads_payson_once);
async fn a_burst_rereads_payson_once(db: Db) {
    const BURST: usize = 20;
    let app = spawn_app(db).await;
    let id = app.ready().await;
    app.sim
        .transition(id.as_uuid(), "expired", None, None)
        .unwrap();
    // The one re-read takes long enough for the whole burst to arrive while it runs.
    break_gets(&app, FaultKind::Latency { ms: 800 }, 1);
    let before = payson_gets(&app).await;
    let answers = join_all((0..BURST).map(|_| notify(&app, id))).await;
    let after = payson_gets(&app).await;
    assert_eq!(after - before, 1, "{BURST} notifications, one Payson GET");
    for a in &answers {
        assert_eq!(
            a,
            &(StatusCode::OK, true, "Stored status Expired - 10".into())
        );
    }
    let logged = rows_of(&app, id).await;
    assert_eq!(logged.len(), BURST, "each notification is logged");
    assert!(
        logged
            .iter()
            .all(|n| n.entry.result == NotificationResult::Processed
                && n.entry.status_found == Some(CheckoutStatus::Expired))
    );
    assert_eq!(
        logged.iter().filter(|n| !n.entry.shared_read).count(),
        1,
        "one notification led the read, the others shared it"
    );
    assert!(
        logged.iter().any(|n| n.entry.duration_ms >= 500),
        "the leader waited on the slow read"
    );
    // Once the read is over, the next notification reads Payson again.
    notify(&app, id).await;
    assert_eq!(payson_gets(&app).await, after + 1);
}

on_both!(failed_notifications_are_retried_not_lost);
async fn failed_notifications_are_retried_not_lost(db: Db) {
    let app = spawn_app(db).await;
    let id = app.ready().await;
    break_gets(&app, FaultKind::Drop, 1);
    assert_eq!(notify(&app, id).await.0, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        rows_of(&app, id).await[0].entry.result,
        NotificationResult::Failed
    );
    // Payson moves on while we were down; the retry finds what it says now.
    app.sim
        .transition(id.as_uuid(), "expired", None, None)
        .unwrap();

    // Still down at the first retry: failed again, with one attempt counted.
    break_gets(
        &app,
        FaultKind::Status {
            code: 500,
            body: "{\"message\":\"Down for maintenance\"}".into(),
        },
        1,
    );
    assert_eq!(retry_failed(&app.state, 10).await.unwrap(), 1);
    let row = rows_of(&app, id).await.remove(0);
    assert_eq!(
        (row.entry.result, row.attempts),
        (NotificationResult::Failed, 1)
    );
    assert!(
        row.entry
            .error
            .as_deref()
            .unwrap()
            .contains("Down for maintenance"),
        "{:?}",
        row.entry.error
    );
    assert!(row.retried_at.is_some());
    assert_eq!(app.local(id).await.status, CheckoutStatus::ReadyToShip);

    // Two instances retrying at once: the row is re-processed once.
    let (a, b) = tokio::join!(retry_failed(&app.state, 10), retry_failed(&app.state, 10));
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    let retries = app
        .audit_for(id)
        .await
        .into_iter()
        .filter(|e| e.event.message.starts_with("Retried notification"))
        .count();
    assert_eq!(retries, 2, "one retry each pass, none twice");
    let row = rows_of(&app, id).await.remove(0);
    assert_eq!(row.entry.result, NotificationResult::Processed);
    assert_eq!(row.entry.status_found, Some(CheckoutStatus::Expired));
    assert_eq!((row.attempts, row.entry.error), (2, None));
    assert_eq!(app.local(id).await.status, CheckoutStatus::Expired);
    assert_eq!(
        rows_of(&app, id).await.len(),
        1,
        "a retry rewrites its row, adds none"
    );
    // Nothing left to retry.
    assert_eq!(retry_failed(&app.state, 10).await.unwrap(), 0);
}

#[tokio::test]
async fn with_the_database_gone_a_notification_is_not_answered_200() {
    let app = spawn_app(Db::Sqlite).await;
    let id = app.ready().await;
    app.state.store.close().await;
    // Neither read nor logged: Payson is asked to call again, told nothing internal.
    assert_eq!(
        notify(&app, id).await,
        (
            StatusCode::SERVICE_UNAVAILABLE,
            false,
            FAILED_MESSAGE.to_owned()
        )
    );
    assert!(
        retry_failed(&app.state, 10).await.is_err(),
        "the failed rows cannot be read"
    );
}

/// Seeds one processed, one unknown and one failed notification (the last for the other
/// company): (ours, unknown, theirs).
async fn seed(app: &TestApp) -> (CheckoutId, uuid::Uuid, CheckoutId) {
    let ours = app.ready().await;
    let theirs = app.checkout(true, "readyToShip").await;
    let unknown = uuid::Uuid::new_v4();
    assert_eq!(notify(app, ours).await.0, StatusCode::OK);
    assert_eq!(notify(app, unknown).await.0, StatusCode::OK);
    break_gets(app, FaultKind::Drop, 1);
    assert_eq!(notify(app, theirs).await.0, StatusCode::SERVICE_UNAVAILABLE);
    (ours, unknown, theirs)
}

#[tokio::test]
async fn the_log_page_is_for_superadmins_and_auditors_with_filters_and_csv() {
    let app = spawn_app(Db::Sqlite).await;
    let (ours, unknown, theirs) = seed(&app).await;
    let detail = rows_of(&app, theirs).await[0].entry.error.clone().unwrap();

    // A company administrator: no link, no page, no CSV.
    let mut w = Browser::signed_in(&app, "writer@acme.test").await;
    assert!(
        !w.get_checkouts_html()
            .await
            .contains("href=\"/notifications\"")
    );
    assert_eq!(
        w.get("/notifications").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        w.get("/notifications.csv").await.status(),
        StatusCode::FORBIDDEN
    );

    // A superadmin sees every company's rows and the internal detail.
    global_user(&app, "sam@desk.test", Role::SuperAdmin).await;
    let mut sa = Browser::signed_in(&app, "sam@desk.test").await;
    let html = sa.get_html("/notifications").await;
    assert!(html.contains("href=\"/notifications\""), "the nav links it");
    for id in [ours.to_string(), unknown.to_string(), theirs.to_string()] {
        assert!(html.contains(&id), "{id} listed");
    }
    assert!(html.contains("Acme Bokning AB") && html.contains("Other Company AB"));
    assert!(
        html.contains("Unknown checkout") && html.contains("Processed") && html.contains("Failed")
    );
    assert!(
        html.contains(&askama_escape(&detail)),
        "superadmins read the error"
    );

    // Filters: result, checkout, company, dates; an unreadable one is a 400.
    let failed = sa.get_html("/notifications?result=failed").await;
    assert!(failed.contains(&theirs.to_string()) && !failed.contains(&ours.to_string()));
    let one = sa
        .get_html(&format!("/notifications?checkout={ours}"))
        .await;
    assert!(one.contains(&ours.to_string()) && !one.contains(&theirs.to_string()));
    let other = sa
        .get_html(&format!("/notifications?company={}", app.other_company.id))
        .await;
    assert!(other.contains(&theirs.to_string()) && !other.contains(&ours.to_string()));
    assert!(
        !other.contains(&unknown.to_string()),
        "an unknown checkout has no company"
    );
    let today = Utc::now().format("%Y-%m-%d").to_string();
    let dated = sa
        .get_html(&format!("/notifications?from={today}&to={today}"))
        .await;
    assert!(dated.contains(&ours.to_string()));
    let long_ago = sa
        .get_html("/notifications?from=2001-01-01&to=2001-01-02")
        .await;
    assert!(!long_ago.contains(&ours.to_string()) && long_ago.contains("Nothing matches."));
    for bad in ["result=lost", "checkout=123", "company=x", "from=yesterday"] {
        assert_eq!(
            sa.get(&format!("/notifications?{bad}")).await.status(),
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    // Swedish.
    let mut sv = Browser::signed_in(&app, "sam@desk.test")
        .await
        .with_language("sv");
    let sv_html = sv.get_html("/notifications").await;
    assert!(sv_html.contains("Aviseringar från Payson") && sv_html.contains("Okänt köp"));

    // The CSV: exactly the filtered rows; the error column for superadmins only.
    let r = sa
        .get(&format!(
            "/notifications.csv?company={}",
            app.other_company.id
        ))
        .await;
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "id,received_at,checkout,company,source_address,status_found,result,duration_ms,shared_read,retries,error"
    );
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[1].contains(&format!(
            "\"{theirs}\",\"Other Company AB\",\"127.0.0.1\",\"\",\"failed\""
        )),
        "{}",
        lines[1]
    );
    assert!(
        lines[1].ends_with(&format!("\"{}\"", detail.replace('"', "\"\""))),
        "{}",
        lines[1]
    );
    let all = sa.get("/notifications.csv").await.text().await.unwrap();
    assert_eq!(all.lines().count(), 4);

    // An auditor reads the log and its CSV, without the internal detail.
    global_user(&app, "eva@audit.test", Role::Auditor).await;
    let mut a = Browser::signed_in(&app, "eva@audit.test").await;
    let html = a.get_html("/notifications").await;
    assert!(html.contains(&theirs.to_string()) && !html.contains(&askama_escape(&detail)));
    let csv = a
        .get("/notifications.csv?result=failed")
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.lines().nth(1).unwrap().ends_with(",\"\""), "{csv}");
}

/// `s` as askama writes it into HTML.
fn askama_escape(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

#[tokio::test]
async fn the_checkout_page_shows_its_notifications() {
    let app = spawn_app(Db::Sqlite).await;
    let id = app.ready().await;
    let other = app.ready().await;
    assert_eq!(notify(&app, id).await.0, StatusCode::OK);
    break_gets(&app, FaultKind::Drop, 1);
    assert_eq!(notify(&app, id).await.0, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(notify(&app, other).await.0, StatusCode::OK);
    let detail = rows_of(&app, id).await[0].entry.error.clone().unwrap();

    let mut r = Browser::signed_in(&app, "reader@acme.test").await;
    let html = r.get_checkout_html(id).await;
    let section = &html[html.find("aria-labelledby=\"notifications\"").unwrap()..];
    assert!(section.contains("Payson notifications"));
    assert_eq!(
        section.matches("<tr>").count(),
        3,
        "a head and two rows: {section}"
    );
    assert!(
        section.contains("Processed")
            && section.contains("Failed")
            && section.contains("127.0.0.1")
    );
    assert!(
        !section.contains(&askama_escape(&detail)),
        "company users get no internal detail"
    );
    // A checkout without notifications says so.
    let fresh = app.ready().await;
    let html = r.get_checkout_html(fresh).await;
    let section = &html[html.find("aria-labelledby=\"notifications\"").unwrap()..];
    assert!(section.contains("None yet."));

    global_user(&app, "sam@desk.test", Role::SuperAdmin).await;
    let mut sa = Browser::signed_in(&app, "sam@desk.test").await;
    let html = sa.get_checkout_html(id).await;
    assert!(
        html.contains(&askama_escape(&detail)),
        "superadmins read the error"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_page_in_headless_chromium() {
    let app = spawn_app(Db::Sqlite).await;
    let (ours, _, _) = seed(&app).await;
    // A retried row and a burst, so every kind of line shows.
    retry_failed(&app.state, 10).await.unwrap();
    break_gets(&app, FaultKind::Latency { ms: 300 }, 1);
    join_all((0..3).map(|_| notify(&app, ours))).await;
    let d = Driver::start().await;
    d.run("notification_log_in_headless_chromium", async {
        d.goto(&app.url("/login")).await;
        d.type_into("#email", "root@desk.test").await;
        d.type_into("#password", PASSWORD).await;
        d.click("form[action='/login'] button[type=submit]").await;
        assert!(d.wait_url("/checkouts").await);
        d.click("a[href='/notifications']").await;
        let table = d.wait_text("#notifications", &ours.to_string()).await;
        assert!(
            table.contains("Processed") && table.contains("answered from a shared re-read"),
            "{table}"
        );
        let shots = std::env::var("SCREENSHOTS").is_ok();
        for lang in ["en", "sv"] {
            if lang == "sv" {
                d.click("button[name=lang]").await;
                d.wait_text("h1", "Aviseringar från Payson").await;
            }
            for width in [1366, 390] {
                d.set_window_size(width, 1000).await;
                if shots {
                    d.screenshot(&format!("notifications_{lang}_{width}")).await;
                }
            }
        }
        d.goto(&app.url(&format!("/checkouts/{ours}#notifications")))
            .await;
        let section = d
            .wait_text("section[aria-labelledby=notifications]", "Behandlad")
            .await;
        assert!(section.contains("Aviseringar från Payson"), "{section}");
        if shots {
            for width in [1366, 390] {
                d.set_window_size(width, 1000).await;
                d.goto(&app.url(&format!("/checkouts/{ours}#notifications")))
                    .await;
                d.screenshot(&format!("checkout_notifications_sv_{width}"))
                    .await;
            }
        }
    })
    .await;
}

/// The store's statements for the log, run as written on each backend.
async fn store(db: Db) -> Store {
    let s = Store::connect(&fresh_database_url(db).await).await.unwrap();
    s.migrate().await.unwrap();
    s
}

fn now() -> DateTime<Utc> {
    Utc::now()
        .duration_trunc(Duration::microseconds(1))
        .unwrap()
}

fn entry(
    at: DateTime<Utc>,
    checkout: Option<CheckoutId>,
    company: Option<CompanyId>,
    result: NotificationResult,
) -> NewNotification {
    NewNotification {
        received_at: at,
        checkout_id: checkout,
        company_id: company,
        remote_addr: "10.0.0.7".into(),
        request_id: "r".into(),
        status_found: (result == NotificationResult::Processed).then_some(CheckoutStatus::Shipped),
        result,
        duration_ms: 42,
        error: (result == NotificationResult::Failed).then(|| "database error: gone".to_owned()),
        shared_read: result == NotificationResult::Processed,
    }
}

on_both!(store_keeps_filters_and_leases_the_log);
async fn store_keeps_filters_and_leases_the_log(db: Db) {
    let s = store(db).await;
    let t = now();
    let (a, b) = (CompanyId::new_random(), CompanyId::new_random());
    let (x, y) = (CheckoutId::new_random(), CheckoutId::new_random());
    let processed = entry(
        t - Duration::days(2),
        Some(x),
        Some(a),
        NotificationResult::Processed,
    );
    let p = s.append_notification(&processed).await.unwrap();
    let f1 = s
        .append_notification(&entry(
            t - Duration::days(1),
            Some(y),
            Some(b),
            NotificationResult::Failed,
        ))
        .await
        .unwrap();
    let u = s
        .append_notification(&entry(
            t,
            Some(CheckoutId::new_random()),
            None,
            NotificationResult::UnknownCheckout,
        ))
        .await
        .unwrap();
    let f2 = s
        .append_notification(&entry(t, Some(x), Some(a), NotificationResult::Failed))
        .await
        .unwrap();
    let ids = |v: Vec<Notification>| v.into_iter().map(|n| n.id).collect::<Vec<_>>();
    let find = |f: NotificationFilter| {
        let s = s.clone();
        async move { ids(s.notifications(&f, 100).await.unwrap()) }
    };

    // Round trip, newest first, every filter alone and the keyset cursor.
    let all = s
        .notifications(&NotificationFilter::default(), 100)
        .await
        .unwrap();
    assert_eq!(ids(all.clone()), [f2, u, f1, p]);
    let read_back = all.iter().find(|n| n.id == p).unwrap();
    assert_eq!(
        (&read_back.entry, read_back.attempts, read_back.retried_at),
        (&processed, 0, None)
    );
    assert_eq!(
        find(NotificationFilter {
            checkout_id: Some(x),
            ..Default::default()
        })
        .await,
        [f2, p]
    );
    assert_eq!(
        find(NotificationFilter {
            company_id: Some(b),
            ..Default::default()
        })
        .await,
        [f1]
    );
    assert_eq!(
        find(NotificationFilter {
            result: Some(NotificationResult::Failed),
            ..Default::default()
        })
        .await,
        [f2, f1]
    );
    assert_eq!(
        find(NotificationFilter {
            from: Some(t - Duration::days(1)),
            to: Some(t),
            ..Default::default()
        })
        .await,
        [f1],
        "from inclusive, to exclusive"
    );
    assert_eq!(
        find(NotificationFilter {
            before_id: Some(u),
            ..Default::default()
        })
        .await,
        [f1, p]
    );
    assert_eq!(
        s.notifications(&NotificationFilter::default(), 2)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        s.count_notifications(NotificationResult::Failed)
            .await
            .unwrap(),
        2
    );

    // Leases: only failed rows, one owner at a time, retaken once run out.
    assert_eq!(
        ids(s
            .retryable_notifications(t, MAX_RETRY_ATTEMPTS, 10)
            .await
            .unwrap()),
        [f1, f2],
        "oldest first"
    );
    let until = t + Duration::minutes(1);
    assert!(
        !s.lease_notification(p, "one", t, until, 5).await.unwrap(),
        "a processed row is not retried"
    );
    assert!(s.lease_notification(f1, "one", t, until, 5).await.unwrap());
    assert!(
        !s.lease_notification(f1, "two", t, until, 5).await.unwrap(),
        "leased"
    );
    assert!(
        !s.lease_notification(f1, "two", until, until + Duration::minutes(1), 5)
            .await
            .unwrap(),
        "a lease ending now holds"
    );
    assert_eq!(
        ids(s.retryable_notifications(t, 5, 10).await.unwrap()),
        [f2],
        "a leased row is not offered"
    );
    let later = until + Duration::microseconds(1);
    assert!(
        s.lease_notification(f1, "two", later, later + Duration::minutes(1), 5)
            .await
            .unwrap(),
        "run out: taken again"
    );
    let again = RetriedNotification {
        at: later,
        company_id: None,
        status_found: None,
        result: NotificationResult::Failed,
        error: Some("still down".into()),
    };
    assert!(
        !s.finish_notification_retry(f1, "one", &again)
            .await
            .unwrap(),
        "the first owner lost it"
    );
    assert!(
        s.finish_notification_retry(f1, "two", &again)
            .await
            .unwrap()
    );
    let row = s
        .notifications(
            &NotificationFilter {
                checkout_id: Some(y),
                ..Default::default()
            },
            1,
        )
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        (row.attempts, row.retried_at, row.entry.error.as_deref()),
        (1, Some(later), Some("still down"))
    );
    assert_eq!(
        row.entry.company_id,
        Some(b),
        "a retry that learns no company keeps the one known"
    );
    // The attempt cap: a row retried that often is no longer offered nor leased.
    assert_eq!(
        ids(s.retryable_notifications(later, 1, 10).await.unwrap()),
        [f2]
    );
    assert!(
        !s.lease_notification(f1, "three", later, later + Duration::minutes(1), 1)
            .await
            .unwrap()
    );
    // Retried into processed: it leaves the failed rows.
    assert!(
        s.lease_notification(f2, "three", later, later + Duration::minutes(1), 5)
            .await
            .unwrap()
    );
    let done = RetriedNotification {
        at: later,
        company_id: Some(a),
        status_found: Some(CheckoutStatus::Shipped),
        result: NotificationResult::Processed,
        error: None,
    };
    assert!(
        s.finish_notification_retry(f2, "three", &done)
            .await
            .unwrap()
    );
    assert!(
        !s.finish_notification_retry(f2, "three", &done)
            .await
            .unwrap(),
        "the lease is released"
    );
    assert_eq!(
        s.count_notifications(NotificationResult::Processed)
            .await
            .unwrap(),
        2
    );

    // Fifty leases of one row at once: one winner.
    let f3 = s
        .append_notification(&entry(t, Some(y), Some(b), NotificationResult::Failed))
        .await
        .unwrap();
    let owners: Vec<String> = (0..50).map(|i| format!("o{i}")).collect();
    let won = join_all(
        owners
            .iter()
            .map(|o| s.lease_notification(f3, o, later, later + Duration::minutes(1), 5)),
    )
    .await;
    assert_eq!(won.into_iter().filter(|w| *w.as_ref().unwrap()).count(), 1);
}

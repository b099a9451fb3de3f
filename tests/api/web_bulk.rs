//! Bulk send as a background job: the worklist's bulk controls, the preview, the job
//! (surviving a restart, run once by two instances), who may see it, failures first, bad
//! input; and the Swedish phone-sized walk-through in headless Chromium.

use std::time::{Duration, Instant};

use checkout_desk::domain::{AuditAction, BulkJobId, BulkRowState, CheckoutId, CheckoutStatus};
use checkout_desk::payson_sim::{Fault, FaultKind, SimEndpoint};
use checkout_desk::service::bulk;
use checkout_desk::service::send_once::submission_key;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::browser::{Browser, field, location};
use crate::helpers::webdriver::Driver;
use crate::helpers::{Db, Options, PASSWORD, TestApp, spawn_with};

/// An instance whose bulk worker looks for work every `poll_ms` (0: no worker).
fn with_worker(db: Db, poll_ms: u64) -> Options {
    let mut o = Options::new(db);
    o.settings = Box::new(move |s| s.send.bulk_poll_ms = poll_ms);
    o
}

/// A second instance on `a`'s database and simulator.
async fn second(a: &TestApp, poll_ms: u64) -> TestApp {
    let mut o = with_worker(
        if a.database_url.starts_with("postgres") {
            Db::Postgres
        } else {
            Db::Sqlite
        },
        poll_ms,
    );
    o.database_url = Some(a.database_url.clone());
    o.sim = Some(a.sim.clone());
    o.seed = false;
    spawn_with(o).await
}

/// The preview of `ids`, then its confirmation: the job page's path.
async fn start_job(br: &mut Browser<'_>, ids: &[CheckoutId]) -> String {
    let q: Vec<String> = ids.iter().map(|id| format!("id={id}")).collect();
    let preview = br
        .get_html(&format!("/checkouts/bulk?{}", q.join("&")))
        .await;
    let key = field(&preview, "idempotency_key");
    let all: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let r = br.post_bulk(&key, &all).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{:?}", r.text().await);
    location(&r).to_owned()
}

fn job_id(path: &str) -> BulkJobId {
    path.rsplit('/').next().unwrap().parse().unwrap()
}

/// The rows of the job's table, in page order: (class, text).
fn rows(html: &str) -> Vec<(String, String)> {
    let body = html
        .split("<tbody>")
        .nth(1)
        .unwrap()
        .split("</tbody>")
        .next()
        .unwrap();
    body.split("<tr class=\"")
        .skip(1)
        .map(|r| {
            let (class, rest) = r.split_once('"').unwrap();
            (class.to_owned(), rest.to_owned())
        })
        .collect()
}

fn one_update_each(app: &TestApp, ids: &[CheckoutId]) {
    for id in ids {
        let c = app.sim.checkout_counters(id.as_uuid());
        assert_eq!(
            (c.update, app.sim.ship_count(id.as_uuid())),
            (1, 1),
            "{id}: one PUT, one ship"
        );
    }
}

crate::on_both!(a_job_survives_a_restart, rows_are_taken_once);

/// Instance A (no worker of its own) takes the job and "dies" part-way: one row sent, one
/// taken by a worker that vanished, one whose submission began and never finished, one
/// untouched. Instance B, started on the same database, finishes the job; nothing reaches
/// Payson twice.
async fn a_job_survives_a_restart(db: Db) {
    let mut opts = with_worker(db, 0);
    opts.settings = Box::new(|s| {
        s.send.bulk_poll_ms = 0;
        s.send.bulk_concurrency = 1;
    });
    let a = spawn_with(opts).await;
    let ids = [
        a.ready().await,
        a.ready().await,
        a.ready().await,
        a.ready().await,
    ];
    let mut br = Browser::signed_in(&a, "writer@acme.test").await;
    let path = start_job(&mut br, &ids).await;
    let page = br.get_html(&path).await;
    assert!(
        page.contains("http-equiv=\"refresh\" content=\"2\""),
        "{page}"
    );
    assert!(page.contains("4 waiting"), "{page}");
    let store = &a.state.store;
    let job = store.bulk_job(job_id(&path)).await.unwrap().unwrap();
    // Row 0: sent by A (one row per take).
    assert_eq!(bulk::work_once(&a.state).await.unwrap(), 1);
    // Row 1: taken by a worker whose lease has run out (its instance died).
    let now = a.state.clock.now();
    let dead = store
        .bulk_take_rows("dead", now, now - chrono::Duration::seconds(1), 1)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].checkout_id, ids[1]);
    // Row 2: its send began (the submission is recorded) and the process died before
    // Payson was called.
    let key = submission_key(job.form_key, ids[2], true);
    assert!(
        store
            .submission_begin(&key, job.user_id, ids[2], now)
            .await
            .unwrap()
    );
    one_update_each(&a, &ids[..1]);
    assert_eq!(a.sim.counters().update, 1);

    let b = second(&a, 50).await;
    let mut br = Browser::signed_in(&b, "writer@acme.test").await;
    let summary = br.finished_job(&path).await;
    assert!(
        summary.contains("4 sent") && summary.contains("0 failed"),
        "{summary}"
    );
    let shown = rows(&summary);
    assert_eq!(shown.len(), 4);
    assert!(shown.iter().all(|(class, _)| class == "ok"), "{shown:?}");
    one_update_each(&a, &ids);
    assert_eq!(a.sim.counters().update, 4);
    let made = b
        .audit_all()
        .await
        .into_iter()
        .filter(|e| e.event.action == AuditAction::BulkSend)
        .count();
    assert_eq!(made, 1, "one job-created event");
}

/// Two owners racing for one job's rows: each row is taken by exactly one of them.
async fn rows_are_taken_once(db: Db) {
    let a = spawn_with(with_worker(db, 0)).await;
    let ids: Vec<CheckoutId> = {
        let mut v = Vec::new();
        for _ in 0..6 {
            v.push(a.ready().await);
        }
        v
    };
    let mut br = Browser::signed_in(&a, "writer@acme.test").await;
    let path = start_job(&mut br, &ids).await;
    let now = a.state.clock.now();
    let until = now + chrono::Duration::seconds(60);
    let store = &a.state.store;
    let (x, y) = tokio::join!(
        store.bulk_take_rows("x", now, until, 6),
        store.bulk_take_rows("y", now, until, 6)
    );
    let (x, y) = (x.unwrap(), y.unwrap());
    assert_eq!(x.len() + y.len(), 6, "x {x:?} y {y:?}");
    for r in &x {
        assert!(!y.iter().any(|o| o.position == r.position));
    }
    // Held rows are not taken again before their lease ends; afterwards they are.
    assert!(
        store
            .bulk_take_rows("z", now, until, 6)
            .await
            .unwrap()
            .is_empty()
    );
    let later = until + chrono::Duration::seconds(1);
    let z = store
        .bulk_take_rows("z", later, later + chrono::Duration::seconds(60), 6)
        .await
        .unwrap();
    assert_eq!(z.len(), 6);
    // A finish by an owner that lost the row changes nothing.
    let r = &x.first().or(y.first()).unwrap();
    assert!(
        !store
            .bulk_row_finish(r.job_id, r.position, "x", BulkRowState::Sent, "")
            .await
            .unwrap()
    );
    assert_eq!(job_id(&path), r.job_id);
    assert_eq!(a.sim.counters().update, 0, "taking rows sends nothing");
}

/// Two instances with workers on one PostgreSQL database run one job: every row reaches
/// Payson exactly once, whichever instance took it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_postgres_send_each_row_once() {
    let a = spawn_with(with_worker(Db::Postgres, 20)).await;
    let b = second(&a, 20).await;
    let mut ids = Vec::new();
    for _ in 0..8 {
        ids.push(a.ready().await);
    }
    // Slow answers, so both instances' workers are busy with the job at once.
    a.sim.inject(Fault {
        endpoint: SimEndpoint::Update,
        kind: FaultKind::Latency { ms: 150 },
        count: 8,
        apply_first: false,
        apply_after_ms: None,
    });
    let mut br = Browser::signed_in(&a, "writer@acme.test").await;
    let path = start_job(&mut br, &ids).await;
    let mut other = Browser::signed_in(&b, "writer@acme.test").await;
    let summary = other.finished_job(&path).await;
    assert!(summary.contains("8 sent"), "{summary}");
    one_update_each(&a, &ids);
    assert_eq!(a.sim.counters().update, 8);
}

/// Only the job's creator and superadmins see it; another company's administrator and a
/// reader are told it does not exist, and a reader cannot make one.
#[tokio::test]
async fn only_its_creator_and_superadmins_see_a_job() {
    let app = spawn_with(with_worker(Db::Sqlite, 20)).await;
    let id = app.ready().await;
    let mut writer = Browser::signed_in(&app, "writer@acme.test").await;
    let path = start_job(&mut writer, &[id]).await;
    writer.finished_job(&path).await;
    for who in ["writer@other.test", "reader@acme.test", "auditor@desk.test"] {
        let mut b = Browser::signed_in(&app, who).await;
        let r = b.get(&path).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{who}");
        let page = r.text().await.unwrap();
        assert!(
            !page.contains("Customer"),
            "{who}: nothing of the job shows"
        );
    }
    let mut root = Browser::signed_in(&app, "root@desk.test").await;
    assert!(root.finished_job(&path).await.contains("1 sent"));
    // Another company's administrator submitting the same form makes their own job, in
    // which the checkout is not found (and nothing is sent again).
    let mut theirs = Browser::signed_in(&app, "writer@other.test").await;
    let preview = theirs.get_html(&format!("/checkouts/bulk?id={id}")).await;
    assert!(
        !preview.contains("idempotency_key"),
        "nothing to send: no button"
    );
    let r = theirs
        .post_bulk(&uuid::Uuid::new_v4().to_string(), &[id.to_string()])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let other_path = location(&r).to_owned();
    assert_ne!(other_path, path);
    let summary = theirs.finished_job(&other_path).await;
    assert!(
        summary.contains(&format!("Checkout {id} not found")) && summary.contains("1 skipped"),
        "{summary}"
    );
    // A reader may not send at all.
    let mut reader = Browser::signed_in(&app, "reader@acme.test").await;
    let c = app.ready().await;
    let preview = reader.get_html(&format!("/checkouts/bulk?id={c}")).await;
    assert!(preview.contains("skipped: you may not send payment requests for this company"));
    assert!(!preview.contains("idempotency_key"), "no send button");
    let key = uuid::Uuid::new_v4().to_string();
    let r = reader.post_bulk(&key, &[c.to_string()]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.sim.checkout_counters(c.as_uuid()).update, 0);
    one_update_each(&app, &[id]);
}

/// The summary: failures first with Payson's reason, then skipped, then sent; counts and
/// totals; every row with its customer and amount. A resubmitted form shows the same job.
#[tokio::test]
async fn failures_come_first_with_paysons_reason() {
    let app = spawn_with(with_worker(Db::Sqlite, 20)).await;
    let ok = [app.ready().await, app.ready().await];
    let shipped = app.checkout(false, "shipped").await;
    let mut br = Browser::signed_in(&app, "writer@acme.test").await;
    let all = [ok[0], shipped, ok[1], app.ready().await];
    let before = app.sim.counters().update;
    let q: Vec<String> = all.iter().map(|id| format!("id={id}")).collect();
    let preview = br
        .get_html(&format!("/checkouts/bulk?{}", q.join("&")))
        .await;
    assert!(
        preview.contains("3 of 4 selected will be sent"),
        "{preview}"
    );
    assert!(preview.contains("skipped: it is “Sent”"), "{preview}");
    let key = field(&preview, "idempotency_key");
    app.refuse_next_update();
    let ids: Vec<String> = all.iter().map(ToString::to_string).collect();
    let r = br.post_bulk(&key, &ids).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let path = location(&r).to_owned();
    let summary = br.finished_job(&path).await;
    assert!(
        summary.contains("1 failed") && summary.contains("2 sent") && summary.contains("1 skipped"),
        "{summary}"
    );
    let shown = rows(&summary);
    let classes: Vec<&str> = shown.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(classes, ["failed", "skip", "ok", "ok"], "{summary}");
    assert!(
        shown[0].1.contains("Merchant account locked"),
        "{}",
        shown[0].1
    );
    for (_, row) in &shown {
        assert!(
            row.contains("Tess T Persson"),
            "a customer on every row: {row}"
        );
        assert!(row.contains("SEK"), "an amount on every row: {row}");
    }
    assert!(summary.contains("Sent: SEK"), "{summary}");
    // The same form again: the same job, nothing sent again.
    let again = br.post_bulk(&key, &ids).await;
    assert_eq!(location(&again), path);
    assert_eq!(app.sim.counters().update - before, 3);
}

/// Selections that cannot be sent change nothing: none, more than the cap, a bad id, no
/// CSRF token, an unknown job.
#[tokio::test]
async fn bad_input_changes_nothing() {
    let app = spawn_with(with_worker(Db::Sqlite, 20)).await;
    let id = app.ready().await;
    let mut br = Browser::signed_in(&app, "writer@acme.test").await;
    let preview = br.get_html(&format!("/checkouts/bulk?id={id}")).await;
    let key = field(&preview, "idempotency_key");
    let too_many: Vec<String> = (0..=bulk::MAX_ROWS)
        .map(|_| uuid::Uuid::new_v4().to_string())
        .collect();
    for (what, ids) in [
        ("none", vec![]),
        ("too many", too_many.clone()),
        ("bad id", vec![id.to_string(), "nope".into()]),
    ] {
        let r = br.post_bulk(&key, &ids).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{what}");
    }
    let r = br.post_bulk("not a key", &[id.to_string()]).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let no_csrf = br
        .request(reqwest::Method::POST, "/checkouts/bulk")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", &app.address)
        .body(format!("idempotency_key={key}&id={id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_csrf.status(), StatusCode::FORBIDDEN);
    for q in ["", "?id=nope", "?id=a&id=b"] {
        let r = br.get(&format!("/checkouts/bulk{q}")).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{q}");
    }
    let q: Vec<String> = too_many.iter().map(|i| format!("id={i}")).collect();
    let r = br.get(&format!("/checkouts/bulk?{}", q.join("&"))).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    for p in [
        "/checkouts/bulk/nope",
        &format!("/checkouts/bulk/{}", uuid::Uuid::new_v4()),
    ] {
        assert_eq!(br.get(p).await.status(), StatusCode::NOT_FOUND, "{p}");
    }
    // Nothing was made or sent: the form still makes its one job.
    assert_eq!(app.sim.counters().update, 0);
    let made = app
        .audit_all()
        .await
        .into_iter()
        .filter(|e| e.event.action == AuditAction::BulkSend)
        .count();
    assert_eq!(made, 0);
    let path = start_job(&mut br, &[id]).await;
    assert!(br.finished_job(&path).await.contains("1 sent"));
}

/// The worklist: checkboxes only where something can be sent, the bulk action above the
/// rows, "all N matching" with the cap said up front, ticks carried to the next page.
#[tokio::test]
async fn worklist_offers_bulk_send_only_where_it_can() {
    let app = spawn_with(with_worker(Db::Sqlite, 20)).await;
    // Made first, so it expires first and is on the superadmin's first page.
    let theirs = app.checkout(true, "readyToShip").await;
    let mut ids = Vec::new();
    for _ in 0..52 {
        ids.push(app.ready().await);
    }
    let mut root = Browser::signed_in(&app, "root@desk.test").await;
    let list = root.get_checkouts_html().await;
    assert!(
        list.contains(&format!("name=\"id\" value=\"{theirs}\"")),
        "superadmin may send for any company"
    );
    let mut br = Browser::signed_in(&app, "writer@acme.test").await;
    let list = br.get_checkouts_html().await;
    let bar = list.find("id=\"bulk-bar\"").unwrap();
    assert!(
        bar < list.find("<table class=\"worklist\"").unwrap(),
        "the action is above the rows"
    );
    assert!(
        list.contains("Select all 52 awaiting checkouts matching the filter"),
        "{list}"
    );
    assert!(list.contains("At most 500 checkouts per bulk send."));
    assert_eq!(list.matches("type=\"checkbox\" name=\"id\"").count(), 50);
    // "Next page" submits the form: the ticks of page one come along.
    let first_page: Vec<&CheckoutId> = ids
        .iter()
        .filter(|i| list.contains(&i.to_string()))
        .collect();
    let ticked = first_page[0];
    let next = crate::helpers::browser::next_page(&list);
    let page2 = br.get_html(&format!("{next}&id={ticked}")).await;
    assert!(
        page2.contains(&format!("type=\"hidden\" name=\"id\" value=\"{ticked}\"")),
        "{page2}"
    );
    assert!(page2.contains("1 more selected on other pages"));
    assert_eq!(page2.matches("type=\"checkbox\" name=\"id\"").count(), 2);
    // All matching: every one of the 52 in the preview.
    let all = br.get_html("/checkouts/bulk?all=1&status=awaiting").await;
    assert!(all.contains("52 of 52 selected will be sent"), "{all}");
    // Nothing sendable (shipped list, or a reader): no checkboxes, no bulk bar.
    let shipped = br
        .get_html(&format!(
            "/checkouts?status={}",
            CheckoutStatus::Shipped.name()
        ))
        .await;
    assert!(!shipped.contains("type=\"checkbox\"") && !shipped.contains("bulk-bar"));
    let mut reader = Browser::signed_in(&app, "reader@acme.test").await;
    let list = reader.get_checkouts_html().await;
    assert!(!list.contains("type=\"checkbox\"") && !list.contains("Preview bulk send"));
    assert_eq!(app.sim.counters().update, 0);
}

/// The JavaScript that `Driver::eval` runs for each row: shown, and wholly inside the
/// window once scrolled to.
const ROWS_VISIBLE: &str = r#"
const rows = Array.from(document.querySelectorAll(arguments[0]));
return rows.map((r) => {
  r.scrollIntoView({block: "center"});
  const b = r.getBoundingClientRect();
  const s = getComputedStyle(r);
  return {
    text: r.innerText,
    shown: s.display !== "none" && s.visibility !== "hidden" && b.width > 0 && b.height > 0,
    inside: b.left >= 0 && b.top >= 0 && b.right <= window.innerWidth && b.bottom <= window.innerHeight,
    rect: [b.left, b.top, b.right, b.bottom, window.innerWidth, window.innerHeight],
  };
});
"#;

/// What sticks out on the right, for the failure message.
const WIDER_THAN_WINDOW: &str = r#"
const d = document.documentElement;
return [d.scrollWidth, d.clientWidth, window.scrollX].concat(Array.from(document.querySelectorAll("body *"))
  .filter((e) => e.getBoundingClientRect().right + window.scrollX > d.clientWidth || e.scrollWidth > e.clientWidth + 1)
  .slice(0, 12)
  .map((e) => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right + window.scrollX) + " " + e.scrollWidth + "/" + e.clientWidth));
"#;

/// Back to the top of the page, so a screenshot shows the heading and counts.
async fn top(d: &Driver) {
    d.execute("window.scrollTo(0, 0); return true;", json!([]))
        .await;
}

async fn assert_rows_visible(d: &Driver, css: &str, n: usize) -> Vec<String> {
    let v: Value = d.execute(ROWS_VISIBLE, json!([css])).await;
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), n, "{v}");
    for r in rows {
        assert!(
            r["shown"] == true && r["inside"] == true,
            "row not visible: {r}"
        );
    }
    if d.overflows_sideways().await {
        let wide = d.execute(WIDER_THAN_WINDOW, json!([])).await;
        panic!("the page is wider than the window: {wide}");
    }
    rows.iter()
        .map(|r| r["text"].as_str().unwrap().to_owned())
        .collect()
}

/// As a new user would, on a phone in Swedish: five rows selected in the worklist, one of
/// which is sent meanwhile and one of which Payson refuses: three sent, one refused with
/// Payson's reason, one skipped, every row visible, nothing wider than the window.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_send_on_a_phone_in_swedish() {
    let app = spawn_with(with_worker(Db::Sqlite, 50)).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(app.ready().await);
    }
    let d = Driver::start().await;
    d.run("bulk_send_on_a_phone_in_swedish", async {
        d.set_window_size(390, 844).await;
        d.goto(&app.url("/login")).await;
        d.type_into("#email", "writer@acme.test").await;
        d.type_into("#password", PASSWORD).await;
        d.click("form[action='/login'] button[type=submit]").await;
        assert!(d.wait_url("/checkouts").await);
        d.click("form[action='/lang'] button").await;
        d.wait_text("h1", "Väntar").await;
        // "Select every row on this page" (shown by static/js/bulk.js) ticks all five.
        d.click("#select-page").await;
        let ticked = d
            .execute(
                "return document.querySelectorAll('input[name=id]:checked').length;",
                json!([]),
            )
            .await;
        assert_eq!(ticked, json!(5));
        d.screenshot("bulk_worklist_sv_390").await;
        d.set_window_size(1366, 900).await;
        d.screenshot("bulk_worklist_sv_1366").await;
        d.set_window_size(390, 844).await;
        // Meanwhile someone else sends one of them.
        let mut other = Browser::signed_in(&app, "root@desk.test").await;
        let confirm = other.get_send_html(ids[1]).await;
        let r = other
            .post_send(ids[1], &field(&confirm, "idempotency_key"), None)
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        d.click("#bulk-form button[type=submit]").await;
        let summary = d.wait_text("#bulk-summary", "av 5 valda skickas").await;
        assert!(summary.starts_with("4 av 5 valda skickas"), "{summary}");
        let preview = assert_rows_visible(&d, "#bulk tbody tr", 5).await;
        assert_eq!(
            preview.iter().filter(|r| r.contains("hoppas över")).count(),
            1,
            "{preview:?}"
        );
        top(&d).await;
        d.screenshot("bulk_preview_sv_390").await;
        app.refuse_next_update();
        d.click("form[action='/checkouts/bulk'] button[type=submit]")
            .await;
        let deadline = Instant::now() + Duration::from_secs(60);
        while !d.text("h1").await.contains("resultat") {
            assert!(Instant::now() < deadline, "the job did not finish");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(d.text("#count-sent").await, "3 skickade");
        assert_eq!(d.text("#count-failed").await, "1 misslyckades");
        assert_eq!(d.text("#count-skipped").await, "1 hoppades över");
        let rows = assert_rows_visible(&d, "#bulk tbody tr", 5).await;
        assert!(
            rows[0].contains("Merchant account locked"),
            "failures first: {rows:?}"
        );
        assert!(rows[1].contains("hoppas över"), "{rows:?}");
        top(&d).await;
        d.screenshot("bulk_summary_sv_390").await;
        d.set_window_size(1366, 900).await;
        assert_rows_visible(&d, "#bulk tbody tr", 5).await;
        top(&d).await;
        d.screenshot("bulk_summary_sv_1366").await;
        d.click("form[action='/lang'] button").await;
        d.wait_text("h1", "results").await;
        assert_rows_visible(&d, "#bulk tbody tr", 5).await;
        top(&d).await;
        d.screenshot("bulk_summary_en_1366").await;
        d.set_window_size(390, 844).await;
        assert_rows_visible(&d, "#bulk tbody tr", 5).await;
        top(&d).await;
        d.screenshot("bulk_summary_en_390").await;
    })
    .await;
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(app.sim.checkout_counters(id.as_uuid()).update, 1, "row {i}");
    }
}

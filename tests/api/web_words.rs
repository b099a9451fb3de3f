//! Plain words in both languages and times in the company's zone (issue 10, points 3
//! and 4): statuses named for people, expiry counted in the company's days, times on its
//! wall clock, the zone setting and its validation, the timeline's order, and Swedish
//! pages without English UI words.

use checkout_desk::domain::policy::Actor;
use checkout_desk::domain::{
    AuditAction, AuditOutcome, CheckoutId, CheckoutStatus, Role, TimeZone,
};
use checkout_desk::service::companies;
use checkout_desk::service::{Call, RequestMeta};
use chrono::{DateTime, Duration, TimeZone as _, Utc};
use reqwest::StatusCode;

use crate::helpers::browser::{Browser, field, location};
use crate::helpers::{Db, Options, TestApp, global_user, spawn_app, spawn_with};
use crate::on_both;

const SWEDISH: &str = "sv-SE,sv;q=0.9";

/// The app with its clock at `at`.
async fn app_at(db: Db, at: DateTime<Utc>) -> TestApp {
    let mut opts = Options::new(db);
    opts.manual_clock = true;
    let app = spawn_with(opts).await;
    app.clock.as_ref().unwrap().set(at);
    app
}

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

async fn set_zone(app: &TestApp, company: checkout_desk::domain::CompanyId, zone: &str) {
    companies::set_time_zone(
        Call::new(&app.state, Actor::Operator, &RequestMeta::internal("test")),
        company,
        zone,
    )
    .await
    .unwrap();
}

/// One of our checkouts, paid with `method` and sent to Payson (shipped).
async fn shipped_with(app: &TestApp, method: &str) -> CheckoutId {
    let id = app.checkout(false, "created").await;
    app.sim
        .transition(id.as_uuid(), "readyToShip", Some(method), None)
        .unwrap();
    let mut c = app
        .state
        .payson
        .get_checkout(&app.creds, id.as_uuid())
        .await
        .unwrap();
    c.set_status(CheckoutStatus::Shipped);
    app.state
        .payson
        .update_checkout(&app.creds, &c)
        .await
        .unwrap();
    checkout_desk::service::checkouts::refresh_from_payson(&app.state, &app.company, id)
        .await
        .unwrap();
    id
}

/// What a person reads: the text between tags and the attributes read aloud or shown
/// (`aria-label`, `placeholder`, `title`, `alt`), without folded technical details (the
/// API user's names, the stored log lines) or the language switch's own autonym.
fn visible(html: &str) -> String {
    let mut html = html.to_owned();
    while let Some(start) = html.find("<details class=\"") {
        let Some(len) = html[start..].find("</details>") else {
            break;
        };
        html.replace_range(start..start + len + "</details>".len(), " ");
    }
    let mut out = String::new();
    let mut rest = html.as_str();
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        out.push(' ');
        let close = rest[open..].find('>').map_or(rest.len(), |c| open + c + 1);
        let tag = &rest[open..close];
        for attr in ["aria-label=\"", "placeholder=\"", "title=\"", "alt=\""] {
            if let Some(i) = tag.find(attr) {
                let v = &tag[i + attr.len()..];
                out.push_str(v.split('"').next().unwrap_or(""));
                out.push(' ');
            }
        }
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

/// English UI words that must not appear on a Swedish page (whole words).
const ENGLISH: &[&str] = &[
    "Status",
    "Expires",
    "expires",
    "Customer",
    "Amount",
    "Send",
    "Sign out",
    "Awaiting",
    "Shipped",
    "ReadyToShip",
    "readyToShip",
    "Note:",
    "Payson:",
    "Select",
    "success",
    "rejected",
    "days",
    "day",
    "Checkout",
    "Worklist",
    "Search",
    "Filter",
    "Cancel",
    "Details",
    "Payment",
    "Refresh",
    "Audit",
    "Users",
    "Companies",
    "Settings",
    "None yet",
    "Created",
    "Expired",
    "card",
    "invoice",
    "Save",
    "Time zone",
    "superadmin",
];

fn english_words_in(page: &str) -> Vec<&'static str> {
    let text = visible(page);
    ENGLISH
        .iter()
        .copied()
        .filter(|w| {
            text.match_indices(w).any(|(i, _)| {
                let before = text[..i].chars().next_back();
                let after = text[i + w.len()..].chars().next();
                !before.is_some_and(char::is_alphanumeric)
                    && !after.is_some_and(char::is_alphanumeric)
            })
        })
        .collect()
}

#[tokio::test]
async fn statuses_are_named_for_people_in_both_languages() {
    let app = spawn_app(Db::Sqlite).await;
    let ready = app.ready().await;
    let card = app.checkout(false, "shipped").await;
    let invoice = shipped_with(&app, "invoice").await;
    let expired = app.checkout(false, "expired").await;
    let mut en = Browser::signed_in(&app, "writer@acme.test").await;
    let list = en.get_html("/checkouts?status=all").await;
    for words in [
        "Sent — payment captured",
        "Sent — invoice e-mailed",
        "Expired",
        // The filter's labels, with BokaMera's names as the values.
        "<option value=\"ReadyToShip\">Awaiting payment request</option>",
        "<option value=\"PaidToAccount\">Paid out</option>",
        "<option value=\"Canceled\">Cancelled</option>",
    ] {
        assert!(list.contains(words), "{words} in {list}");
    }
    assert!(!visible(&list).contains("ReadyToShip"), "{list}");
    // The filter's query values are as they were.
    let shipped = en.get_html("/checkouts?status=Shipped").await;
    assert!(
        shipped.contains(&card.to_string()) && !shipped.contains(&ready.to_string()),
        "{shipped}"
    );
    let page = en.get_checkout_html(card).await;
    assert!(
        page.contains("<dd id=\"status\">Sent — payment captured</dd>"),
        "{page}"
    );
    assert!(page.contains("<dd>Card</dd>"), "{page}");
    // BokaMera's and Payson's names only in the technical details.
    let technical = page.split("id=\"technical\"").nth(1).unwrap();
    assert!(
        technical.contains("Shipped - 6") && technical.contains("<code>shipped</code>"),
        "{page}"
    );
    assert!(!visible(&page).contains("Shipped - 6"));
    let page = en.get_checkout_html(invoice).await;
    assert!(page.contains("Sent — invoice e-mailed") && page.contains("<dd>Invoice</dd>"));

    let mut sv = Browser::signed_in(&app, "writer@acme.test")
        .await
        .with_language(SWEDISH);
    let list = sv.get_html("/checkouts?status=all").await;
    for words in [
        "Skickat — betalningen dragen",
        "Skickat — fakturan e-postad",
        "Utgånget",
        "<option value=\"ReadyToShip\">Väntar på betalningsbegäran</option>",
        "<option value=\"PaidToAccount\">Utbetalt</option>",
    ] {
        assert!(list.contains(words), "{words} in {list}");
    }
    let page = sv.get_checkout_html(expired).await;
    assert!(page.contains("<dd id=\"status\">Utgånget</dd>"), "{page}");
    assert!(page.contains("Tekniska uppgifter") && page.contains("Expired - 10"));
}

#[tokio::test]
async fn expiry_is_counted_in_the_companys_days_with_a_time_under_48_hours() {
    // 10:00 in Stockholm (UTC+1 in December).
    let now = utc(2026, 12, 3, 9, 0);
    let app = app_at(Db::Sqlite, now).await;
    let lifetime = Duration::days(59);
    // Each checkout became ReadyToShip so that it expires `hours` from now.
    let mut ids = Vec::new();
    for hours in [0, 23, 24, 47, 49, 24 * 30] {
        let id = app
            .ready_since(now - lifetime + Duration::hours(hours))
            .await;
        ids.push((hours, id));
    }
    let mut en = Browser::signed_in(&app, "writer@acme.test").await;
    let mut sv = Browser::signed_in(&app, "writer@acme.test")
        .await
        .with_language(SWEDISH);
    let (en_list, sv_list) = (en.get_checkouts_html().await, sv.get_checkouts_html().await);
    let expect = [
        (0, "expires today at 10:00", "löper ut i dag kl. 10:00"),
        (
            23,
            "expires tomorrow at 09:00",
            "löper ut i morgon kl. 09:00",
        ),
        (
            24,
            "expires tomorrow at 10:00",
            "löper ut i morgon kl. 10:00",
        ),
        (
            47,
            "expires in 2 days at 09:00",
            "löper ut om 2 dagar kl. 09:00",
        ),
        (49, "expires in 2 days<", "löper ut om 2 dagar<"),
        (24 * 30, "expires in 30 days<", "löper ut om 30 dagar<"),
    ];
    for (hours, english, swedish) in expect {
        assert!(
            en_list.contains(english),
            "{hours} h: {english} in {en_list}"
        );
        assert!(
            sv_list.contains(swedish),
            "{hours} h: {swedish} in {sv_list}"
        );
    }
    assert!(!en_list.contains("in 0 days") && !en_list.contains("in 1 days"));
    assert!(!sv_list.contains("om 1 dagar") && !sv_list.contains("om 0 dagar"));
    // The checkout page says it too, next to the date on the company's wall clock.
    let (_, tomorrow) = ids[1];
    let page = en.get_checkout_html(tomorrow).await;
    assert!(
        page.contains("4 Dec 2026, 09:00 <span class=\"badge\">expires tomorrow at 09:00</span>"),
        "{page}"
    );
    let page = sv.get_checkout_html(tomorrow).await;
    assert!(page.contains("4 dec. 2026 09:00"), "{page}");
    // In New York it is 04:00: the first expires today at 04:00, the next tomorrow at 03:00.
    set_zone(&app, app.company.id, "America/New_York").await;
    let list = en.get_checkouts_html().await;
    assert!(
        list.contains("expires today at 04:00") && list.contains("expires tomorrow at 03:00"),
        "{list}"
    );
}

#[tokio::test]
async fn times_follow_each_companys_zone_across_daylight_saving() {
    // One minute before Sweden moves its clocks forward (01:00 UTC on 29 March 2026)…
    let before = utc(2026, 3, 29, 0, 59);
    let app = app_at(Db::Sqlite, before).await;
    set_zone(&app, app.company.id, "Europe/Stockholm").await;
    set_zone(&app, app.other_company.id, "America/New_York").await;
    // …and one minute after.
    app.clock
        .as_ref()
        .unwrap()
        .set(before + Duration::minutes(2));
    set_zone(&app, app.company.id, "Europe/Stockholm").await;
    global_user(&app, "root2@desk.test", Role::SuperAdmin).await;
    let mut b = Browser::signed_in(&app, "root2@desk.test").await;
    let audit = b.get_html("/audit?action=company_changed").await;
    // Stockholm: 01:59 CET, then 03:01 CEST; New York (already on EDT): 20:59 the day before.
    for at in [
        "29 Mar 2026, 01:59",
        "29 Mar 2026, 03:01",
        "28 Mar 2026, 20:59",
    ] {
        assert!(audit.contains(&format!(">{at}</td>")), "{at} in {audit}");
    }
    assert!(
        !audit.contains("UTC") && !audit.contains("2026-03-29T"),
        "{audit}"
    );
    let mut sv = Browser::signed_in(&app, "root2@desk.test")
        .await
        .with_language(SWEDISH);
    let audit = sv.get_html("/audit?action=company_changed").await;
    assert!(audit.contains(">29 mars 2026 03:01</td>"), "{audit}");
    // The CSV stays machine-readable: ISO 8601 in UTC.
    let csv = b
        .get("/audit.csv?action=company_changed")
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains("2026-03-29T00:59:00Z"), "{csv}");
}

#[tokio::test]
async fn the_company_zone_is_set_on_the_companies_page_and_a_bad_one_changes_nothing() {
    let app = spawn_app(Db::Postgres).await;
    let mut b = Browser::signed_in(&app, "writer@acme.test").await;
    let page = b.get_html("/admin/companies").await;
    assert!(
        page.contains("value=\"Europe/Stockholm\""),
        "the default: {page}"
    );
    let path = format!("/admin/companies/{}/time-zone", app.company.id);
    let r = b.post_form(&path, &[("time_zone", "Mars/Olympus")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = b.get_html(location(&r)).await;
    assert!(
        page.contains("“Mars/Olympus” is not a time zone; use an IANA name such as Europe/Stockholm. Nothing was changed."),
        "{page}"
    );
    let stored = app.stored_company(app.company.id).await;
    assert_eq!(stored.time_zone, TimeZone::DEFAULT);
    let r = b
        .post_form(&path, &[("time_zone", "America/New_York")])
        .await;
    let page = b.get_html(location(&r)).await;
    assert!(
        page.contains("The company&#39;s times are now shown in America/New_York.")
            || page.contains("The company&#x27;s times are now shown in America/New_York."),
        "{page}"
    );
    assert!(page.contains("value=\"America/New_York\""));
    let stored = app.stored_company(app.company.id).await;
    assert_eq!(stored.time_zone.name(), "America/New_York");
    // Both attempts are in the audit log, the refused one as refused.
    let events = app.audit_all().await;
    let changes: Vec<_> = events
        .iter()
        .filter(|e| {
            e.event.action == AuditAction::CompanyChanged && e.event.actor == "writer@acme.test"
        })
        .map(|e| (e.event.outcome, e.event.message.clone()))
        .collect();
    assert!(changes.contains(&(
        AuditOutcome::Success,
        "Time zone set to America/New_York".into()
    )));
    assert!(
        changes
            .iter()
            .any(|(o, m)| *o == AuditOutcome::Rejected && m.contains("Mars/Olympus"))
    );
    // A reader may not change it, nor may another company's administrator.
    let mut reader = Browser::signed_in(&app, "reader@acme.test").await;
    reader.get_html("/checkouts").await;
    let r = reader
        .post_form(&path, &[("time_zone", "Europe/Oslo")])
        .await;
    let page = reader.get_html(location(&r)).await;
    assert!(!page.contains("Europe/Oslo"), "{page}");
    let mut other = Browser::signed_in(&app, "writer@other.test").await;
    other.get_html("/checkouts").await;
    other
        .post_form(&path, &[("time_zone", "Europe/Oslo")])
        .await;
    let stored = app.stored_company(app.company.id).await;
    assert_eq!(stored.time_zone.name(), "America/New_York");
}

on_both!(the_store_keeps_each_companys_zone);
async fn the_store_keeps_each_companys_zone(db: Db) {
    let app = spawn_app(db).await;
    let store = &app.state.store;
    assert_eq!(
        store
            .company(app.company.id)
            .await
            .unwrap()
            .unwrap()
            .time_zone,
        TimeZone::DEFAULT
    );
    let ny = TimeZone::parse("America/New_York").unwrap();
    assert!(
        store
            .update_company_time_zone(app.other_company.id, ny)
            .await
            .unwrap()
    );
    let zones = store.company_time_zones().await.unwrap();
    assert_eq!(zones.of(Some(app.other_company.id)), ny);
    assert_eq!(zones.of(Some(app.company.id)), TimeZone::DEFAULT);
    assert_eq!(zones.of(None), TimeZone::DEFAULT);
    let unknown = checkout_desk::domain::CompanyId::new_random();
    assert!(!store.update_company_time_zone(unknown, ny).await.unwrap());
    // A bad zone is refused before the store, with the reason, and nothing changes.
    let err = companies::set_time_zone(
        Call::new(&app.state, Actor::Operator, &RequestMeta::internal("test")),
        app.other_company.id,
        "Europe/Atlantis",
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("'Europe/Atlantis' is not a time zone"),
        "{err}"
    );
    assert_eq!(
        store
            .company(app.other_company.id)
            .await
            .unwrap()
            .unwrap()
            .time_zone,
        ny
    );
}

#[tokio::test]
async fn the_timeline_runs_from_created_with_who_sent() {
    let app = spawn_app(Db::Sqlite).await;
    let id = app.ready().await;
    let mut b = Browser::signed_in(&app, "writer@acme.test").await;
    let confirm = b.get_send_html(id).await;
    b.post_send(id, &field(&confirm, "idempotency_key"), None)
        .await;
    let page = b.get_checkout_html(id).await;
    let timeline = page
        .split("<ol class=\"timeline\">")
        .nth(1)
        .unwrap()
        .split("</ol>")
        .next()
        .unwrap();
    let at = |words: &str| {
        timeline
            .find(words)
            .unwrap_or_else(|| panic!("{words} in {timeline}"))
    };
    assert!(at("Created, not filled in yet") < at("Awaiting payment request"));
    assert!(at("Awaiting payment request") < at("Sent — payment captured"));
    assert!(timeline.contains("by writer@acme.test"), "{timeline}");
    // The audit events read as sentences, oldest first, with plain outcomes.
    let short = &id.to_string()[..8];
    assert!(
        page.contains(&format!(
            "writer@acme.test sent a payment request for checkout {short}"
        )),
        "{page}"
    );
    assert!(!visible(&page).contains("send_payment_request") && !page.contains("success ("));
}

#[tokio::test]
async fn audit_events_read_as_sentences_in_both_languages() {
    let app = spawn_app(Db::Sqlite).await;
    let id = app.ready().await;
    app.refuse_next_update();
    let mut w = Browser::signed_in(&app, "writer@acme.test").await;
    let confirm = w.get_send_html(id).await;
    w.post_send(
        id,
        &field(&confirm, "idempotency_key"),
        Some("Asked by phone"),
    )
    .await;
    let short = &id.to_string()[..8];
    let mut en = Browser::signed_in(&app, "auditor@desk.test").await;
    let page = en.get_html("/audit?action=send_payment_request").await;
    assert!(
        page.contains(&format!(
            "Payson refused the payment request writer@acme.test sent for checkout {short}"
        )),
        "{page}"
    );
    assert!(page.contains("<strong>Failed</strong>") && page.contains("Note: Asked by phone"));
    assert!(
        page.contains("<option value=\"send_payment_request\" selected>Payment requests</option>")
    );
    let mut sv = Browser::signed_in(&app, "auditor@desk.test")
        .await
        .with_language(SWEDISH);
    let page = sv.get_html("/audit?action=send_payment_request").await;
    assert!(
        page.contains(&format!(
            "Payson nekade betalningsbegäran som writer@acme.test skickade för köp {short}"
        )),
        "{page}"
    );
    assert!(
        page.contains("<strong>Misslyckades</strong>")
            && page.contains("Anteckning: Asked by phone")
    );
    assert!(page.contains("Payson svarade: "), "{page}");
}

#[tokio::test]
async fn swedish_pages_have_no_english_ui_words() {
    let app = spawn_app(Db::Sqlite).await;
    let ready = app.ready().await;
    let shipped = app.checkout(false, "shipped").await;
    let mut writer = Browser::signed_in(&app, "writer@acme.test")
        .await
        .with_language(SWEDISH);
    // A send with a note, so the checkout page and audit log have events to show.
    let second = app.ready().await;
    let confirm = writer.get_send_html(second).await;
    writer
        .post_send(
            second,
            &field(&confirm, "idempotency_key"),
            Some("Kunden ringde"),
        )
        .await;
    let mut pages = vec![
        ("worklist", writer.get_checkouts_html().await),
        (
            "all statuses",
            writer.get_html("/checkouts?status=all").await,
        ),
        ("checkout", writer.get_checkout_html(ready).await),
        ("sent checkout", writer.get_checkout_html(second).await),
        ("shipped checkout", writer.get_checkout_html(shipped).await),
        ("confirm", writer.get_send_html(ready).await),
        (
            "bulk preview",
            writer
                .get_html(&format!("/checkouts/bulk?id={ready}&id={shipped}"))
                .await,
        ),
        ("companies", writer.get_html("/admin/companies").await),
        ("settings", writer.get_html("/settings").await),
    ];
    let mut root = Browser::signed_in(&app, "root@desk.test")
        .await
        .with_language(SWEDISH);
    pages.extend([
        ("audit", root.get_html("/audit").await),
        ("notifications", root.get_html("/notifications").await),
        ("users", root.get_html("/admin/users").await),
        (
            "superadmin worklist",
            root.get_html("/checkouts?status=all").await,
        ),
        (
            "superadmin companies",
            root.get_html("/admin/companies").await,
        ),
    ]);
    let mut found = Vec::new();
    for (kind, page) in &pages {
        assert!(page.contains("lang=\"sv\""), "{kind} is Swedish");
        let words = english_words_in(page);
        if !words.is_empty() {
            found.push(format!("{kind}: {words:?}"));
        }
    }
    assert!(found.is_empty(), "English on Swedish pages: {found:#?}");
    // The check itself finds English where there is some.
    let english = Browser::signed_in(&app, "writer@acme.test")
        .await
        .get_checkout_html(ready)
        .await;
    let words = english_words_in(&english);
    assert!(
        words.contains(&"Status") && words.contains(&"Amount"),
        "{words:?}"
    );
}

/// `company time-zone` sets the zone as the companies page does; a bad one fails with the
/// reason and changes nothing.
#[tokio::test]
async fn the_cli_sets_a_companys_zone() {
    use std::process::Command;
    let app = spawn_app(Db::Sqlite).await;
    let run = |zone: &str| {
        Command::new(env!("CARGO_BIN_EXE_checkout-desk"))
            .args(["company", "time-zone", "--company"])
            .arg(app.company.id.to_string())
            .args(["--zone", zone])
            .env("CHECKOUT_DESK_DATABASE_URL", &app.database_url)
            .env(
                "CHECKOUT_DESK_SECRET_KEY",
                "3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            )
            .env("CHECKOUT_DESK_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = run("Europe/Atlantis");
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && text.contains("'Europe/Atlantis' is not a time zone"),
        "{text}"
    );
    let stored = app.stored_company(app.company.id).await;
    assert_eq!(stored.time_zone, TimeZone::DEFAULT);
    let out = run("America/New_York");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("now shows times in America/New_York"));
    let stored = app.stored_company(app.company.id).await;
    assert_eq!(stored.time_zone.name(), "America/New_York");
}

//! Behind a reverse proxy (issue 12 point 1 and 2): the client address is the right-most
//! forwarded entry that is not a trusted proxy, so what a client writes to the left of
//! `X-Forwarded-For` unlocks no address-bound key, dodges no sign-in limit and reaches no
//! audit line; absolute URLs and the CSRF origin come from `public_url`, never `Host`.

use checkout_desk::domain::{AddressList, AuditAction};
use reqwest::StatusCode;

use crate::helpers::api::Format;
use crate::helpers::browser::Browser;
use crate::helpers::{Db, Options, issue_company_api_key, spawn_with};

fn behind_proxy(db: Db) -> Options {
    let mut opts = Options::new(db);
    // The test client is the "proxy": it connects from 127.0.0.1.
    opts.settings = Box::new(|s| s.trusted_proxies = AddressList::parse("127.0.0.0/8").unwrap());
    opts
}

#[tokio::test]
async fn a_forged_left_entry_unlocks_no_key_and_reaches_no_audit_line() {
    let app = spawn_with(behind_proxy(Db::Sqlite)).await;
    let (_, key) = issue_company_api_key(&app.state, app.company.id, "", "10.9.8.0/24", None).await;
    for (forwarded, want, audited) in [
        // The client wrote the allowed address; the proxy appended the real one.
        (
            "10.9.8.7, 203.0.113.5",
            StatusCode::UNAUTHORIZED,
            "203.0.113.5",
        ),
        (
            "10.9.8.7,203.0.113.5",
            StatusCode::UNAUTHORIZED,
            "203.0.113.5",
        ),
        ("203.0.113.5, 10.9.8.7", StatusCode::OK, "10.9.8.7"),
        // A range, and a second trusted hop (127.0.0.9) the walk passes over.
        ("10.9.8.200, 127.0.0.9", StatusCode::OK, "10.9.8.200"),
    ] {
        let id = app.ready().await;
        let resp = app
            .put_send_payment_request(id, Format::Negotiated)
            .api_key(&key.to_string())
            .header("x-forwarded-for", forwarded)
            .send()
            .await;
        assert_eq!(resp.status(), want, "{forwarded}");
        let shipped = u32::from(want == StatusCode::OK);
        assert_eq!(app.sim.ship_count(id.as_uuid()), shipped, "{forwarded}");
        if want == StatusCode::OK {
            let events = app.audit_for(id).await;
            assert_eq!(events.len(), 1, "{forwarded}");
            assert_eq!(events[0].event.remote_addr, audited, "{forwarded}");
        }
    }
    // The refusals were audited with the real address, never the forged one.
    let refused: Vec<_> = app
        .audit_all()
        .await
        .into_iter()
        .filter(|e| e.event.http_status == 401)
        .collect();
    assert!(!refused.is_empty());
    assert!(
        refused.iter().all(|e| e.event.remote_addr == "203.0.113.5"),
        "{:?}",
        refused
            .iter()
            .map(|e| &e.event.remote_addr)
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn without_trusted_proxies_forwarded_headers_are_ignored() {
    let app = spawn_with(Options::new(Db::Postgres)).await;
    let (_, key) = issue_company_api_key(&app.state, app.company.id, "", "10.9.8.7", None).await;
    let id = app.ready().await;
    for (name, value) in [
        ("x-forwarded-for", "10.9.8.7"),
        ("forwarded", "for=10.9.8.7"),
        ("x-real-ip", "10.9.8.7"),
    ] {
        let resp = app
            .put_send_payment_request(id, Format::Negotiated)
            .api_key(&key.to_string())
            .header(name, value)
            .send()
            .await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{name}");
    }
    assert_eq!(app.sim.ship_count(id.as_uuid()), 0);
    let refused = app.audit_all().await;
    assert!(
        refused
            .iter()
            .filter(|e| e.event.http_status == 401)
            .all(|e| e.event.remote_addr == "127.0.0.1")
    );
}

#[tokio::test]
async fn rotating_forged_entries_does_not_dodge_the_sign_in_limit() {
    let mut opts = behind_proxy(Db::Sqlite);
    opts.settings = Box::new(|s| {
        s.trusted_proxies = AddressList::parse("127.0.0.1").unwrap();
        // Per address: four times this a minute.
        s.session.login_attempts_per_minute = 2;
    });
    let app = spawn_with(opts).await;
    let mut b = Browser::new(&app);
    let mut statuses = Vec::new();
    for i in 0..10 {
        b.csrf("/login").await;
        let email = format!("guess{i}@nowhere.test");
        let r = b
            .form_request(
                "/login",
                &[("email", &email), ("password", "wrong password!")],
            )
            .header("x-forwarded-for", format!("198.51.100.{i}, 203.0.113.77"))
            .send()
            .await
            .unwrap();
        statuses.push(r.status());
    }
    let throttled = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(throttled, 2, "8 tries a minute per address: {statuses:?}");
    let logins: Vec<_> = app
        .audit_all()
        .await
        .into_iter()
        .filter(|e| e.event.action == AuditAction::Login)
        .collect();
    assert_eq!(logins.len(), 10);
    assert!(logins.iter().all(|e| e.event.remote_addr == "203.0.113.77"));
}

#[tokio::test]
async fn the_csrf_origin_is_the_configured_one_not_the_host_header() {
    let app = spawn_with(Options::new(Db::Sqlite)).await;
    let mut b = Browser::new(&app);
    let token = b.csrf("/login").await;
    // Host and Origin agree with each other, not with public_url: refused.
    let r = b
        .request(reqwest::Method::POST, "/login")
        .header("host", "evil.example")
        .header("origin", "http://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "email=writer%40acme.test&password=x&csrf_token={token}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Our own origin passes the check (and then fails on the password).
    let r = b.login("writer@acme.test", "wrong password!").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

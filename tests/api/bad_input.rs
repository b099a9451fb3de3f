//! Malformed JSON/XML, XML with entity expansion, oversized and unsupported bodies:
//! a clear 4xx and nothing changed.

use checkout_desk::domain::CheckoutStatus;
use reqwest::StatusCode;

use crate::helpers::api::Format;
use crate::helpers::{Db, spawn_app, ss_error};

#[tokio::test]
async fn bad_bodies_change_nothing() {
    let app = spawn_app(Db::Sqlite).await;
    let id = app.ready().await;
    let gets_before = app.sim.counters().get;
    let big = format!("{{\"CompanyId\":\"{}\"}}", "x".repeat(200 * 1024));
    let cases: Vec<(&'static str, String, StatusCode)> = vec![
        ("application/json", "{\"CompanyId\": ".into(), StatusCode::BAD_REQUEST),
        ("application/json", "[\"a\"]".into(), StatusCode::BAD_REQUEST),
        ("application/xml", "<SendCheckoutPaymentRequest><CompanyId>".into(), StatusCode::BAD_REQUEST),
        ("application/xml", "<Wrong/>".into(), StatusCode::BAD_REQUEST),
        (
            "application/xml",
            r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]><SendCheckoutPaymentRequest><CompanyId>&lol2;</CompanyId></SendCheckoutPaymentRequest>"#.into(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "application/xml",
            r#"<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><SendCheckoutPaymentRequest><CompanyId>&xxe;</CompanyId></SendCheckoutPaymentRequest>"#.into(),
            StatusCode::BAD_REQUEST,
        ),
        ("application/json", big, StatusCode::PAYLOAD_TOO_LARGE),
        ("text/plain", "hello".into(), StatusCode::UNSUPPORTED_MEDIA_TYPE),
        ("application/json", "{\"CompanyId\": 12}".into(), StatusCode::BAD_REQUEST),
    ];
    for (ct, body, want) in cases {
        let resp = app
            .put_send_payment_request(id, Format::Negotiated)
            .body(ct, body.clone())
            .send()
            .await;
        assert_eq!(resp.status(), want, "{ct}: {}", &body[..body.len().min(80)]);
        let (code, msg, _) = ss_error(resp).await;
        assert!(!code.is_empty() && !msg.is_empty());
        assert!(!msg.contains("/etc/passwd") || msg.contains("DTD"), "{msg}");
    }
    assert_eq!(app.local(id).await.status, CheckoutStatus::ReadyToShip);
    assert_eq!(app.sim.counters().update, 0);
    assert_eq!(
        app.sim.counters().get,
        gets_before,
        "no bad request got as far as Payson"
    );
    assert_eq!(app.audit_for(id).await.len(), 9, "each rejection audited");
}

/// The database stays locked past the busy timeout: a clear 503, nothing sent to Payson,
/// and once the lock is gone the same request works.
#[tokio::test]
async fn busy_database_is_503_and_changes_nothing() {
    use sqlx::Connection;
    let app = spawn_app(Db::Sqlite).await;
    let id = app.ready().await;
    let mut locker = sqlx::SqliteConnection::connect(&app.database_url)
        .await
        .unwrap();
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut locker)
        .await
        .unwrap();
    let resp = app.send(id).await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let (code, msg, _) = ss_error(resp).await;
    assert_eq!(code, "ServiceUnavailable");
    assert!(msg.contains("busy"), "{msg}");
    sqlx::query("ROLLBACK").execute(&mut locker).await.unwrap();
    assert_eq!(app.sim.counters().update, 0);
    assert_eq!(app.local(id).await.status, CheckoutStatus::ReadyToShip);
    assert_eq!(app.send(id).await.status(), StatusCode::OK);
}

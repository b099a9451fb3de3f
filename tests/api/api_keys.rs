//! `x-api-key`: validated when sent, optionally required, limited by company, expiry
//! and address.

use chrono::Duration;
use reqwest::StatusCode;

use crate::helpers::api::Format;
use crate::helpers::{Db, Options, issue_company_api_key, spawn_with, ss_error};

#[tokio::test]
async fn api_keys_when_sent() {
    let mut opts = Options::new(Db::Sqlite);
    opts.manual_clock = true;
    let app = spawn_with(opts).await;
    let clock = app.clock.clone().unwrap();
    let now = app.state.clock.now();
    let (_, good) = issue_company_api_key(&app.state, app.company.id, "ok", "", None).await;
    let (_, other) = issue_company_api_key(&app.state, app.other_company.id, "", "", None).await;
    // A key issued for one day, two days ago.
    clock.set(now - Duration::days(2));
    let (_, expired) = issue_company_api_key(&app.state, app.company.id, "", "", Some(1)).await;
    clock.set(now);
    let (_, elsewhere) =
        issue_company_api_key(&app.state, app.company.id, "", "10.9.8.7", None).await;
    let (_, here) = issue_company_api_key(&app.state, app.company.id, "", "127.0.0.1", None).await;
    let (rec, revoked) = issue_company_api_key(&app.state, app.company.id, "", "", None).await;
    app.state
        .store
        .revoke_company_api_key(rec.id, now)
        .await
        .unwrap();
    let cases = [
        (good.to_string(), StatusCode::OK),
        (good.simple().to_string().to_uppercase(), StatusCode::OK),
        (here.to_string(), StatusCode::OK),
        (other.to_string(), StatusCode::UNAUTHORIZED),
        (expired.to_string(), StatusCode::UNAUTHORIZED),
        (elsewhere.to_string(), StatusCode::UNAUTHORIZED),
        (revoked.to_string(), StatusCode::UNAUTHORIZED),
        (uuid::Uuid::new_v4().to_string(), StatusCode::UNAUTHORIZED),
        ("not-a-guid".to_string(), StatusCode::UNAUTHORIZED),
    ];
    for (key, want) in cases {
        let id = app.ready().await;
        let resp = app
            .put_send_payment_request(id, Format::Negotiated)
            .api_key(&key)
            .send()
            .await;
        assert_eq!(resp.status(), want, "{key}");
        if want == StatusCode::UNAUTHORIZED {
            assert_eq!(ss_error(resp).await.1, "Not Authenticated");
            assert_eq!(app.sim.ship_count(id.as_uuid()), 0);
        }
    }
}

#[tokio::test]
async fn api_key_required_when_configured() {
    let mut opts = Options::new(Db::Sqlite);
    opts.settings = Box::new(|s| s.require_api_key = true);
    let app = spawn_with(opts).await;
    let id = app.ready().await;
    assert_eq!(app.send(id).await.status(), StatusCode::UNAUTHORIZED);
    let (_, key) = issue_company_api_key(&app.state, app.company.id, "", "", None).await;
    let resp = app
        .put_send_payment_request(id, Format::Negotiated)
        .api_key(&key.to_string())
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
}

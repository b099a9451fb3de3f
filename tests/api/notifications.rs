//! Payson's notification callback: never trusted, always re-read from Payson.

use checkout_desk::domain::CheckoutStatus;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Db, spawn_app};

#[tokio::test]
async fn callback_rereads_payson_and_answers_bokamera_shape() {
    let app = spawn_app(Db::Sqlite).await;
    let id = app.ready().await;
    app.sim
        .transition(id.as_uuid(), "expired", None, None)
        .unwrap();
    assert_eq!(app.local(id).await.status, CheckoutStatus::ReadyToShip);
    let resp = app.post_ipn(&format!("checkout={id}")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["Success"], true);
    assert_eq!(app.local(id).await.status, CheckoutStatus::Expired);
    // Unknown checkout: logged and answered 200 so Payson stops retrying.
    let resp = app
        .post_ipn(&format!("checkout={}", uuid::Uuid::new_v4()))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.json::<serde_json::Value>().await.unwrap()["Success"],
        false
    );
    let resp = app.post_ipn("").await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn simulator_notifications_reach_the_callback() {
    let app = spawn_app(Db::Sqlite).await;
    let body = json!({
        "merchant": {
            "checkoutUri": "https://shop.test/c", "confirmationUri": "https://shop.test/k",
            "notificationUri": app.url("/payment/payson/v2/ipncallback"), "termsUri": "https://shop.test/t"
        },
        "order": { "currency": "sek", "items": [ { "name": "Bokning", "unitPrice": 100, "quantity": 1, "taxRate": 0.25 } ] }
    });
    let created = app
        .state
        .payson
        .create_checkout(&app.creds, &body)
        .await
        .unwrap();
    let id = created.id().unwrap();
    checkout_desk::service::checkouts::refresh_from_payson(&app.state, &app.company, id.into())
        .await
        .unwrap();
    app.sim
        .transition(id, "readyToShip", Some("invoice"), None)
        .unwrap();
    let mut status = CheckoutStatus::Created;
    for _ in 0..50 {
        status = app.local(id.into()).await.status;
        if status == CheckoutStatus::ReadyToShip {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        status,
        CheckoutStatus::ReadyToShip,
        "the simulator's notification updated our copy"
    );
}

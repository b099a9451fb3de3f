//! ServiceStack's wire modifiers and auto-batching, as its clients use them: `?jsconfig=`
//! on responses and errors, `?callback=` (JSONP), `POST /api/{Op}[]` and CORS.

use checkout_desk::domain::{AuditOutcome, CheckoutStatus};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::api::Format;
use crate::helpers::{Db, Options, spawn_app, spawn_with};
use crate::on_both;

#[tokio::test]
async fn jsconfig_camel_case_on_responses_and_errors() {
    let app = spawn_app(Db::Sqlite).await;
    let id = app.ready().await;
    let resp = app
        .get_checkout_api(id, Format::Negotiated)
        .query("jsconfig=EmitCamelCaseNames:true")
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["id"], id.to_string());
    assert_eq!(body["status"], "ReadyToShip");
    assert!(body.get("Id").is_none(), "{body}");

    let resp = app
        .get_checkout_api("not-a-guid", Format::Negotiated)
        .query("jsconfig=eccn")
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body["responseStatus"]["errorCode"], "InvalidFormat",
        "{body}"
    );
    assert_eq!(body["responseStatus"]["errors"][0]["fieldName"], "Id");

    let resp = app
        .get_checkout_api(id, Format::Negotiated)
        .query("jsconfig=TextCase:SnakeCase")
        .send()
        .await;
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["status"], "ReadyToShip", "{body}");
    // PascalCase is what the server writes anyway; XML is never touched.
    let (_, xml) = app
        .get_checkout_api(id, Format::Xml)
        .query("jsconfig=eccn")
        .send_text()
        .await;
    assert!(xml.contains("<Status>ReadyToShip</Status>"), "{xml}");
}

#[tokio::test]
async fn jsconfig_exclude_default_values() {
    let app = spawn_app(Db::Sqlite).await;
    let resp = app.post_ipn("").await;
    let plain: Value = resp.json().await.unwrap();
    assert_eq!(plain["Success"], false, "{plain}");
    let resp = app
        .client
        .post(app.url("/payment/payson/v2/ipncallback?jsconfig=eccn,edv"))
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    assert!(body.get("success").is_none(), "{body}");
    assert!(body["message"].is_string(), "{body}");
}

#[tokio::test]
async fn jsonp_wraps_responses_and_errors_with_200() {
    let app = spawn_app(Db::Sqlite).await;
    let id = app.ready().await;
    let resp = app
        .get_checkout_api(id, Format::Negotiated)
        .query("callback=my.cb_1")
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    let text = resp.text().await.unwrap();
    let inner = text
        .strip_prefix("my.cb_1(")
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{text}"));
    let v: Value = serde_json::from_str(inner).unwrap();
    assert_eq!(v["Id"], id.to_string());

    let resp = app
        .get_checkout_api(id, Format::Negotiated)
        .anonymous()
        .query("callback=cb&jsconfig=eccn")
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::OK, "JSONP errors answer 200");
    let text = resp.text().await.unwrap();
    assert!(
        text.starts_with(r#"cb({"responseStatus":{"errorCode":"Unauthorized""#),
        "{text}"
    );

    // Other characters are reduced to `_`, as ServiceStack does: no name injects script.
    for (bad, called) in [
        ("alert(1)", "alert_1_"),
        ("a%20b", "a_b"),
        ("x-y", "x_y"),
        ("%3C%2Fscript%3E", "__script_"),
    ] {
        let resp = app
            .get_checkout_api(id, Format::Negotiated)
            .query(&format!("callback={bad}"))
            .send()
            .await;
        assert_eq!(resp.status(), StatusCode::OK, "{bad}");
        let text = resp.text().await.unwrap();
        assert!(text.starts_with(&format!("{called}({{")), "{bad}: {text}");
    }
}

on_both!(batch_sends_each_in_order_and_stops_at_the_first_failure);
async fn batch_sends_each_in_order_and_stops_at_the_first_failure(db: Db) {
    let app = spawn_app(db).await;
    let (a, b) = (app.ready().await, app.ready().await);
    let shipped = app.ready().await;
    assert_eq!(app.send(shipped).await.status(), StatusCode::OK);
    let after = app.ready().await;

    for path in [
        "/api/SendCheckoutPaymentRequest[]",
        "/json/reply/SendCheckoutPaymentRequest%5B%5D",
    ] {
        let resp = app.api(Method::POST, path).json(&json!([])).send().await;
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        assert_eq!(resp.json::<Value>().await.unwrap(), json!([]));
    }

    let resp = app
        .api(Method::POST, "/api/SendCheckoutPaymentRequest[]")
        .json(&json!([{"Id": a.to_string()}, {"id": b.to_string()}]))
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["x-autobatch-completed"], "2");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body[0]["Id"], a.to_string());
    assert_eq!(body[1]["Id"], b.to_string());
    assert_eq!(body[1]["Status"], "Shipped");
    for id in [a, b] {
        assert_eq!(app.sim.ship_count(id.as_uuid()), 1);
        let events = app.audit_for(id).await;
        assert_eq!(events.len(), 1, "one audit event per item");
        assert_eq!(events[0].event.outcome, AuditOutcome::Success);
    }

    // The second item is already shipped: the batch stops there, the third is not sent.
    let first = app.ready().await;
    let resp = app
        .api(Method::POST, "/json/reply/SendCheckoutPaymentRequest[]")
        .query("jsconfig=eccn")
        .json(&json!([{"Id": first.to_string()}, {"Id": shipped.to_string()}, {"Id": after.to_string()}]))
        .send()
        .await;
    assert!(resp.status().is_client_error(), "{}", resp.status());
    assert_eq!(resp.headers()["x-autobatch-completed"], "1");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body["responseStatus"]["meta"]["AutoBatchIndex"], "1",
        "{body}"
    );
    assert_eq!(app.local(first).await.status, CheckoutStatus::Shipped);
    assert_eq!(
        app.sim.ship_count(after.as_uuid()),
        0,
        "stopped before the third"
    );
    assert_eq!(app.local(after).await.status, CheckoutStatus::ReadyToShip);

    // A bad item is refused and audited like a single bad request.
    let resp = app
        .api(Method::POST, "/api/SendCheckoutPaymentRequest[]")
        .json(&json!([{"Id": "nope"}]))
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(resp.headers()["x-autobatch-completed"], "0");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["ResponseStatus"]["Meta"]["AutoBatchIndex"], "0");
}

on_both!(batch_checks_permissions_per_item_and_its_size);
async fn batch_checks_permissions_per_item_and_its_size(db: Db) {
    let app = spawn_with(Options {
        settings: Box::new(|s| s.api.max_batch = 2),
        ..Options::new(db)
    })
    .await;
    let ours = app.ready().await;
    let theirs = app.checkout(true, "readyToShip").await;
    let resp = app
        .api(Method::POST, "/api/SendCheckoutPaymentRequest[]")
        .json(&json!([{"Id": ours.to_string()}, {"Id": theirs.to_string()}]))
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(resp.headers()["x-autobatch-completed"], "1");
    assert_eq!(app.sim.ship_count(theirs.as_uuid()), 0);
    assert_eq!(app.local(ours).await.status, CheckoutStatus::Shipped);

    let resp = app
        .api(Method::POST, "/api/SendCheckoutPaymentRequest[]")
        .token(&app.tokens.reader)
        .json(&json!([{"Id": ours.to_string()}]))
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    let three: Vec<Value> = (0..3).map(|_| json!({"Id": ours.to_string()})).collect();
    let resp = app
        .api(Method::POST, "/api/SendCheckoutPaymentRequest[]")
        .json(&Value::Array(three))
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp.headers().get("x-autobatch-completed").is_none());

    let resp = app
        .api(Method::POST, "/api/PaysonCheckoutv2GetCheckout[]")
        .token(&app.tokens.reader)
        .json(&json!([{"Id": ours.to_string()}]))
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body[0]["Status"], "Shipped");
}

#[tokio::test]
async fn cors_preflight_only_for_configured_origins() {
    let app = spawn_with(Options {
        settings: Box::new(|s| s.api.cors_allowed_origins = vec!["https://app.example".into()]),
        ..Options::new(Db::Sqlite)
    })
    .await;
    let path = "/api/SendCheckoutPaymentRequest";
    let preflight = |origin: &'static str| {
        app.client
            .request(Method::OPTIONS, app.url(path))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
    };
    let resp = preflight("https://app.example").await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let h = resp.headers();
    assert_eq!(h["access-control-allow-origin"], "https://app.example");
    assert!(
        h["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("PUT")
    );
    assert!(
        h["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase()
            .contains("authorization")
    );
    assert!(h.get("access-control-allow-credentials").is_none());

    // Another origin's preflight is refused (actix-cors: 400) and allows nothing.
    let resp = preflight("https://evil.example").await.unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp.headers().get("access-control-allow-origin").is_none());

    let id = app.ready().await;
    let resp = app
        .get_checkout_api(id, Format::Negotiated)
        .header("origin", "https://app.example")
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    assert!(
        resp.headers()["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase()
            .contains("x-autobatch-completed")
    );
    // Desk pages never get CORS headers.
    let resp = app
        .client
        .get(app.url("/login"))
        .header("origin", "https://app.example")
        .send()
        .await
        .unwrap();
    assert!(resp.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn no_cors_by_default() {
    let app = spawn_app(Db::Sqlite).await;
    let resp = app
        .client
        .request(
            Method::OPTIONS,
            app.url("/payment/payson/v2/checkout/x/sendpaymentrequest"),
        )
        .header("origin", "https://app.example")
        .header("access-control-request-method", "PUT")
        .send()
        .await
        .unwrap();
    // No CORS layer at all: the route's own 405, and nothing allowed.
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(resp.headers().get("access-control-allow-origin").is_none());
    assert!(resp.headers().get("access-control-allow-methods").is_none());
}

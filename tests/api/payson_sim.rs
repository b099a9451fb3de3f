//! The Payson simulator driven over raw HTTP, the way any Payson client sees it:
//! Basic auth and ownership, request casing, the status rules of payson-api.md §4,
//! purchaseId/history, the embedded page, notifications, counters, every fault kind and
//! its control API. The last tests run the app's own Payson client against it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use checkout_desk::domain::CheckoutStatus;
use checkout_desk::payson::{PaysonClient, PaysonClientConfig, PaysonCredentials, PaysonError};
use checkout_desk::payson_sim::{
    self, Fault, FaultKind, SimAccount, SimConfig, SimEndpoint, SimHandle,
};
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use uuid::Uuid;

const AGENT: &str = "4";
const KEY: &str = "2acab30d-fe50-426f-90d7-8c60a7eb31d4";
/// A notificationUri that refuses at once: an unresolvable host would make the test
/// runtime wait for the background notifier's DNS lookup at shutdown.
const NOWHERE: &str = "http://127.0.0.1:9/notify";

async fn start() -> SimHandle {
    payson_sim::start(
        "127.0.0.1:0",
        SimConfig {
            accounts: vec![SimAccount {
                agent_id: "1001".into(),
                api_key: "other-key".into(),
                email: "other@example.com".into(),
            }],
            notify_max_attempts: 3,
            notify_base_delay: Duration::from_millis(30),
        },
    )
    .await
    .unwrap()
}

fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .build()
        .unwrap()
}

fn http() -> reqwest::Client {
    client(Duration::from_secs(5))
}

/// A create body in the casings real SDKs send: .NET PascalCase, PHP lowercase, camelCase,
/// with enum values in odd casing and fields Payson does not document.
fn body(notify: &str) -> Value {
    json!({
        "Merchant": {
            "CheckoutUri": "https://shop.example/checkout",
            "confirmationuri": "https://shop.example/confirm",
            "NotificationUri": notify,
            "termsUri": "https://shop.example/terms",
            "Reference": "BK-42"
        },
        "ORDER": {
            "Currency": "SEK",
            "Items": [
                { "Name": "Haircut", "UnitPrice": 125, "Quantity": 2, "TaxRate": 0.25, "Type": "SERVICE" },
                { "name": "Fee", "unitprice": 50, "quantity": 1, "taxrate": 0.25, "vendorNote": "n1" }
            ]
        },
        "Customer": { "FirstName": "Tess T", "lastname": "Persson", "EMAIL": "tess@example.com" },
        "description": "Booking 42",
        "bookingSystem": { "name": "BokaMera", "version": 3 }
    })
}

async fn create_with(sim: &SimHandle, body: &Value) -> Value {
    let r = http()
        .post(format!("{}Checkouts", sim.base_url()))
        .basic_auth(AGENT, Some(KEY))
        .json(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let doc: Value = r.json().await.unwrap();
    assert!(
        location.ends_with(&format!("/2.0/Checkouts/{}", doc["id"].as_str().unwrap())),
        "{location}"
    );
    doc
}

async fn create(sim: &SimHandle) -> (Uuid, Value) {
    let doc = create_with(sim, &body(NOWHERE)).await;
    (doc["id"].as_str().unwrap().parse().unwrap(), doc)
}

async fn get(sim: &SimHandle, id: Uuid) -> reqwest::Response {
    http()
        .get(format!("{}Checkouts/{id}", sim.base_url()))
        .basic_auth(AGENT, Some(KEY))
        .send()
        .await
        .unwrap()
}

async fn put(sim: &SimHandle, doc: &Value) -> reqwest::Response {
    http()
        .put(format!(
            "{}Checkouts/{}",
            sim.base_url(),
            doc["id"].as_str().unwrap()
        ))
        .basic_auth(AGENT, Some(KEY))
        .json(doc)
        .send()
        .await
        .unwrap()
}

/// GET, set the status, PUT the whole object back (what every Payson SDK does).
async fn put_status(sim: &SimHandle, id: Uuid, status: &str) -> reqwest::Response {
    let mut doc: Value = get(sim, id).await.json().await.unwrap();
    doc["status"] = json!(status);
    put(sim, &doc).await
}

async fn status_error(r: reqwest::Response) -> Value {
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let v: Value = r.json().await.unwrap();
    assert!(v["message"].is_string(), "{v}");
    v
}

fn time(v: &Value) -> DateTime<Utc> {
    let s = v.as_str().unwrap_or_else(|| panic!("not a timestamp: {v}"));
    assert!(s.ends_with('Z'), "UTC: {s}");
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Sends `req` and reads its JSON answer.
async fn json_of(req: reqwest::RequestBuilder) -> Value {
    req.send().await.unwrap().json().await.unwrap()
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn basic_auth_and_ownership() {
    let sim = start().await;
    let accounts = |agent: &str, key: Option<&str>, path: &str| {
        let mut req = http().get(format!("{}/2.0/{path}", sim.origin()));
        if let Some(k) = key {
            req = req.basic_auth(agent, Some(k));
        }
        req.send()
    };
    let r = accounts(AGENT, Some(KEY), "Accounts").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let acc: Value = r.json().await.unwrap();
    assert_eq!(acc["accountEmail"], "testagent-checkout2@payson.se");
    assert_eq!(acc["merchantId"], 4);
    assert_eq!(
        acc["enabledForpaymentPlan"], true,
        "Payson's own odd casing"
    );
    // Lower-case path, as Payson's .NET SDK sends it; a configured account.
    let r = accounts("1001", Some("other-key"), "accounts")
        .await
        .unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap()["accountEmail"],
        "other@example.com"
    );
    for (agent, key) in [(AGENT, Some("wrong")), ("5", Some(KEY)), (AGENT, None)] {
        let r = accounts(agent, key, "Accounts").await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{agent} {key:?}");
        assert!(r.bytes().await.unwrap().is_empty(), "401 has an empty body");
    }

    let (id, _) = create(&sim).await;
    let other = http()
        .get(format!("{}Checkouts/{id}", sim.base_url()))
        .basic_auth("1001", Some("other-key"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        other.status(),
        StatusCode::NOT_FOUND,
        "another account's checkout"
    );
    assert!(other.json::<Value>().await.unwrap()["message"].is_string());
    let unknown = get(&sim, Uuid::new_v4()).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(unknown.json::<Value>().await.unwrap()["message"].is_string());
    // Nor may the other account change it, or see it listed.
    let mut doc = sim.checkout_json(id).unwrap();
    doc["status"] = json!("canceled");
    let r = http()
        .put(format!("{}Checkouts/{id}", sim.base_url()))
        .basic_auth("1001", Some("other-key"))
        .json(&doc)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(sim.checkout_json(id).unwrap()["status"], "created");
    let list = json_of(
        http()
            .get(format!("{}Checkouts", sim.base_url()))
            .basic_auth("1001", Some("other-key")),
    )
    .await;
    assert_eq!(list["totalCount"], 0);

    // Accounts added at run time, through the handle and the control API.
    sim.add_account(SimAccount {
        agent_id: "77".into(),
        api_key: "k77".into(),
        email: "s@example.com".into(),
    });
    assert_eq!(
        accounts("77", Some("k77"), "Accounts")
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let r = http()
        .post(format!("{}/_sim/accounts", sim.origin()))
        .json(&json!({"agentId": "88", "apiKey": "k88", "email": "e@example.com"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let r = accounts("88", Some("k88"), "Accounts").await.unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap()["accountEmail"],
        "e@example.com"
    );
}

#[tokio::test]
async fn create_get_and_list_in_any_casing() {
    let sim = start().await;
    let (id, doc) = create(&sim).await;
    assert_eq!(doc["status"], "created");
    assert_eq!(doc["id"], id.to_string());
    assert_eq!(doc["purchaseId"], Value::Null);
    assert_eq!(
        doc["merchant"]["confirmationUri"],
        "https://shop.example/confirm"
    );
    assert_eq!(
        doc["merchant"]["notificationUri"], NOWHERE,
        "PascalCase in, camelCase stored"
    );
    assert_eq!(doc["merchant"]["reference"], "BK-42");
    assert_eq!(doc["customer"]["lastName"], "Persson");
    assert_eq!(
        doc["customer"]["type"], "person",
        "the default customer type"
    );
    assert_eq!(doc["description"], "Booking 42");
    assert_eq!(doc["order"]["currency"], "sek");
    let items = doc["order"]["items"].as_array().unwrap();
    assert_eq!(items[0]["name"], "Haircut");
    assert_eq!(items[0]["type"], "service", "enum values in any casing");
    assert_eq!(items[1]["type"], "physical");
    let (a, b) = (
        items[0]["itemId"].as_str().unwrap(),
        items[1]["itemId"].as_str().unwrap(),
    );
    assert!(Uuid::parse_str(a).is_ok() && Uuid::parse_str(b).is_ok() && a != b);
    // unitPrice includes tax: 250 + 50 = 300, tax 300·0.25/1.25 = 60.
    assert_eq!(doc["order"]["totalPriceIncludingTax"], json!(300.0));
    assert_eq!(doc["order"]["totalTaxAmount"], json!(60.0));
    assert_eq!(doc["order"]["totalPriceExcludingTax"], json!(240.0));
    assert_eq!(items[0]["totalTaxAmount"], json!(50.0));
    // Fields Payson does not document come back as they were sent.
    assert_eq!(
        doc["bookingSystem"],
        json!({"name": "BokaMera", "version": 3})
    );
    assert_eq!(items[1]["vendorNote"], "n1");
    assert!(time(&doc["history"]["created"]) <= Utc::now());
    assert!(time(&doc["expirationTime"]) > Utc::now());

    // Rounded to two decimals: 99.99·0.12/1.12 = 10.7132…
    let odd = create_with(
        &sim,
        &json!({
            "merchant": body(NOWHERE)["Merchant"],
            "order": { "currency": "eur", "items": [{ "name": "x", "unitPrice": 99.99, "quantity": 1, "taxRate": 0.12 }] },
            "customer": { "type": "BUSINESS" }
        }),
    )
    .await;
    assert_eq!(odd["order"]["currency"], "eur");
    assert_eq!(odd["order"]["totalTaxAmount"], json!(10.71));
    assert_eq!(odd["order"]["totalPriceExcludingTax"], json!(89.28));
    assert_eq!(odd["customer"]["type"], "business");

    let r = get(&sim, id).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        doc,
        "GET returns what create returned"
    );
    // Paths are case-insensitive.
    let r = http()
        .get(format!("{}checkouts/{id}", sim.base_url()))
        .basic_auth(AGENT, Some(KEY))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // A bad create is refused the Payson way.
    let r = http()
        .post(format!("{}checkouts", sim.base_url()))
        .basic_auth(AGENT, Some(KEY))
        .json(&json!({"merchant": body(NOWHERE)["Merchant"], "order": {"currency": "NOK", "items": [{"name": "x", "unitPrice": 1, "quantity": 1}]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_error(r).await["errors"][0]["property"],
        "Order.Currency"
    );

    // List: newest three, filtered by a status in any casing, paged.
    create(&sim).await;
    sim.transition(id, "readyToShip", None, None).unwrap();
    let list = |q: &'static str| {
        let url = format!("{}/2.0/checkouts?{q}", sim.origin());
        async move {
            let r = http()
                .get(url)
                .basic_auth(AGENT, Some(KEY))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            r.json::<Value>().await.unwrap()
        }
    };
    for q in [
        "status=READYTOSHIP",
        "status=ReadyToShip&page=1&pageSize=10",
    ] {
        let page = list(q).await;
        assert_eq!(page["totalCount"], 1, "{q}");
        assert_eq!(page["data"][0]["id"], id.to_string(), "{q}");
        assert_eq!(page["data"][0]["status"], "readyToShip", "{q}");
    }
    let page = list("status=created&page=1&pageSize=20").await;
    assert_eq!(
        (page["totalCount"].as_u64(), page["count"].as_u64()),
        (Some(2), Some(2))
    );
    let page = list("page=2&pageSize=2").await;
    assert_eq!(page["pageSize"], 2);
    assert_eq!(page["page"], 2);
    assert_eq!(page["totalPages"], 2);
    assert_eq!(page["totalCount"], 3);
    assert_eq!(page["count"], 1);
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn ship_only_from_ready_to_ship_with_purchase_id_and_history() {
    let sim = start().await;
    let (id, _) = create(&sim).await;
    let (id2, _) = create(&sim).await;
    let e = status_error(put_status(&sim, id, "shipped").await).await;
    assert_eq!(e["errors"][0]["property"], "Status");
    assert!(e["errors"][0]["message"].is_string());
    assert_eq!(sim.ship_count(id), 0);
    // Statuses only Payson sets are refused from the merchant.
    for s in [
        "readyToShip",
        "paidToAccount",
        "expired",
        "denied",
        "formsFilled",
    ] {
        status_error(put_status(&sim, id, s).await).await;
    }

    // Backdated (whole seconds, so it survives the millisecond format).
    let paid_at = DateTime::from_timestamp(Utc::now().timestamp() - 10 * 86_400, 0).unwrap();
    sim.transition(id, "readyToShip", Some("invoice"), Some(paid_at))
        .unwrap();
    sim.transition(id2, "readyToShip", None, None).unwrap();
    let doc: Value = get(&sim, id).await.json().await.unwrap();
    let doc2: Value = get(&sim, id2).await.json().await.unwrap();
    assert_eq!(doc["status"], "readyToShip");
    assert_eq!(doc["paymentMethod"], "invoice");
    let (p1, p2) = (
        doc["purchaseId"].as_i64().unwrap(),
        doc2["purchaseId"].as_i64().unwrap(),
    );
    assert!(p2 > p1, "purchase ids increase: {p1} {p2}");
    assert_eq!(time(&doc["history"]["readyToShip"]), paid_at);
    assert_eq!(
        time(&doc["expirationTime"]),
        paid_at + chrono::Duration::days(59),
        "Payson expires a readyToShip checkout after 59 days"
    );

    // The .NET SDK's casing: "Status":"SHIPPED".
    let mut ship = doc.clone();
    ship.as_object_mut().unwrap().remove("status");
    ship["Status"] = json!("SHIPPED");
    let r = put(&sim, &ship).await;
    assert_eq!(r.status(), StatusCode::OK);
    let shipped: Value = r.json().await.unwrap();
    assert_eq!(shipped["status"], "shipped");
    assert_eq!(shipped["purchaseId"].as_i64(), Some(p1), "kept");
    let (created, ready, shipped_at) = (
        time(&shipped["history"]["created"]),
        time(&shipped["history"]["readyToShip"]),
        time(&shipped["history"]["shipped"]),
    );
    assert!(
        created >= ready && shipped_at >= created,
        "backdated readyToShip"
    );
    assert_eq!(sim.ship_count(id), 1);
    // Shipping again is not a second ship: the status equals the current one, so the PUT
    // only updates allowed fields (a credit PUT carries status "shipped" too).
    let again = put(&sim, &shipped).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(sim.ship_count(id), 1, "no second ship transition");
    assert_eq!(
        time(&again.json::<Value>().await.unwrap()["history"]["shipped"]),
        shipped_at
    );
    for s in ["readyToShip", "created", "canceled", "paidToAccount"] {
        status_error(put_status(&sim, id, s).await).await;
    }
    // Payson moves it on; from paidToAccount the merchant cannot ship again.
    sim.transition(id, "paidToAccount", None, None).unwrap();
    assert!(sim.transition(id, "paidToAccount", None, None).is_err());
    assert!(sim.transition(id, "readyToShip", None, None).is_err());
    let doc: Value = get(&sim, id).await.json().await.unwrap();
    assert!(time(&doc["history"]["paidToAccount"]) >= shipped_at);
    status_error(put_status(&sim, id, "shipped").await).await;
    assert_eq!(sim.ship_count(id), 1);

    // The .NET SDK's numbers: 6 = Shipped.
    let mut num: Value = get(&sim, id2).await.json().await.unwrap();
    num["status"] = json!(6);
    assert_eq!(put(&sim, &num).await.status(), StatusCode::OK);
    assert_eq!(sim.ship_count(id2), 1);
}

#[tokio::test]
async fn cancel_rules() {
    let sim = start().await;
    // Merchant cancels before payment, and after payment before shipping.
    let (before, _) = create(&sim).await;
    let r = put_status(&sim, before, "CANCELED").await;
    assert_eq!(r.status(), StatusCode::OK);
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["status"], "canceled");
    assert!(time(&doc["history"]["canceled"]) <= Utc::now());
    for s in ["created", "shipped", "readyToShip"] {
        status_error(put_status(&sim, before, s).await).await;
    }
    assert!(sim.transition(before, "readyToShip", None, None).is_err());
    assert_eq!(
        put_status(&sim, before, "canceled").await.status(),
        StatusCode::OK,
        "no change"
    );

    let (ready, _) = create(&sim).await;
    sim.transition(ready, "readyToShip", Some("card"), None)
        .unwrap();
    assert_eq!(
        put_status(&sim, ready, "canceled").await.status(),
        StatusCode::OK
    );

    // Not after shipping, nor once Payson ended it.
    let (shipped, _) = create(&sim).await;
    sim.transition(shipped, "readyToShip", None, None).unwrap();
    assert_eq!(
        put_status(&sim, shipped, "shipped").await.status(),
        StatusCode::OK
    );
    status_error(put_status(&sim, shipped, "canceled").await).await;
    for end in ["expired", "denied"] {
        let (id, _) = create(&sim).await;
        sim.transition(id, end, None, None).unwrap();
        let doc: Value = get(&sim, id).await.json().await.unwrap();
        assert_eq!(doc["status"], end);
        assert!(doc["history"][end].is_string());
        status_error(put_status(&sim, id, "canceled").await).await;
    }
    // The customer may cancel only before paying; Payson expires a paid one too.
    let (customer, _) = create(&sim).await;
    sim.transition(customer, "canceled", None, None).unwrap();
    let (late, _) = create(&sim).await;
    sim.transition(late, "readyToShip", None, None).unwrap();
    assert!(sim.transition(late, "canceled", None, None).is_err());
    assert!(sim.transition(late, "denied", None, None).is_err());
    sim.transition(late, "expired", None, None).unwrap();
}

#[tokio::test]
async fn credit_rules() {
    let sim = start().await;
    let (id, doc) = create(&sim).await;
    let mut early = doc.clone();
    early["order"]["items"][0]["creditedAmount"] = json!(10);
    status_error(put(&sim, &early).await).await;
    sim.transition(id, "readyToShip", None, None).unwrap();
    let mut ready: Value = get(&sim, id).await.json().await.unwrap();
    ready["order"]["items"][0]["creditedAmount"] = json!(10);
    status_error(put(&sim, &ready).await).await;

    let shipped: Value = put_status(&sim, id, "shipped").await.json().await.unwrap();
    let mut credit = shipped.clone();
    credit["order"]["items"][0]["creditedAmount"] = json!(100);
    let r = put(&sim, &credit).await;
    assert_eq!(r.status(), StatusCode::OK);
    let after: Value = r.json().await.unwrap();
    assert_eq!(after["order"]["items"][0]["creditedAmount"], json!(100.0));
    assert_eq!(after["order"]["totalCreditedAmount"], json!(100.0));
    assert_eq!(after["status"], "shipped");
    // Never above the item's total (250).
    credit["order"]["items"][0]["creditedAmount"] = json!(250.01);
    let e = status_error(put(&sim, &credit).await).await;
    assert_eq!(e["errors"][0]["property"], "Order.Items[0].CreditedAmount");
    assert_eq!(
        get(&sim, id).await.json::<Value>().await.unwrap()["order"]["totalCreditedAmount"],
        json!(100.0),
        "a refused credit changes nothing"
    );
    // Still possible after Payson paid out, up to the total.
    sim.transition(id, "paidToAccount", None, None).unwrap();
    let mut full: Value = get(&sim, id).await.json().await.unwrap();
    full["order"]["items"][0]["creditedAmount"] = json!(250);
    full["order"]["items"][1]["creditedAmount"] = json!(50);
    let after: Value = put(&sim, &full).await.json().await.unwrap();
    assert_eq!(after["order"]["totalCreditedAmount"], json!(300.0));
    assert_eq!(after["status"], "paidToAccount");
}

#[tokio::test]
async fn same_status_put_updates_allowed_fields() {
    let sim = start().await;
    let (id, mut doc) = create(&sim).await;
    // Before payment the order, customer and merchant may change; totals follow.
    doc["order"]["items"][0]["quantity"] = json!(3);
    doc["Customer"] = json!({"firstname": "Ada"});
    doc.as_object_mut().unwrap().remove("customer");
    doc["merchant"]["reference"] = json!("BK-43");
    doc["extraAfterCreate"] = json!([1, 2]);
    let r = put(&sim, &doc).await;
    assert_eq!(r.status(), StatusCode::OK);
    let after: Value = r.json().await.unwrap();
    assert_eq!(after["status"], "created");
    assert_eq!(after["order"]["totalPriceIncludingTax"], json!(425.0));
    assert_eq!(
        after["order"]["items"][0]["itemId"],
        doc["order"]["items"][0]["itemId"]
    );
    assert_eq!(after["customer"]["firstName"], "Ada");
    assert_eq!(after["merchant"]["reference"], "BK-43");
    assert_eq!(after["extraAfterCreate"], json!([1, 2]));
    assert_eq!(after["bookingSystem"]["name"], "BokaMera");
    // Read-only members stay Payson's.
    let mut forged = after.clone();
    forged["purchaseId"] = json!(1);
    forged["history"] = json!({});
    forged["snippet"] = json!("<p>mine</p>");
    let r: Value = put(&sim, &forged).await.json().await.unwrap();
    assert_eq!(r["purchaseId"], Value::Null);
    assert_eq!(r["snippet"], after["snippet"]);
    assert!(r["history"]["created"].is_string());

    // After payment: the merchant reference may still change, the order may not.
    sim.transition(id, "readyToShip", None, None).unwrap();
    let mut paid: Value = get(&sim, id).await.json().await.unwrap();
    paid["merchant"]["reference"] = json!("BK-44");
    paid["order"]["items"][0]["unitPrice"] = json!(1);
    let r: Value = put(&sim, &paid).await.json().await.unwrap();
    assert_eq!(r["merchant"]["reference"], "BK-44");
    assert_eq!(r["order"]["totalPriceIncludingTax"], json!(425.0));
    assert_eq!(r["status"], "readyToShip");
}

fn form(fields: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(fields).unwrap()
}

#[tokio::test]
async fn embedded_page_pay_flow() {
    let sim = start().await;
    let mut b = body(NOWHERE);
    b["ORDER"]["Items"][0]["Name"] = json!("<img src=x onerror=alert(1)> \"Cut\" & 'Co'");
    b["Customer"]["FirstName"] = json!("\"><script>alert(2)</script>");
    let doc = create_with(&sim, &b).await;
    let id = doc["id"].as_str().unwrap().to_owned();
    let origin = sim.origin();
    assert_eq!(
        doc["snippet"],
        format!(
            "<div id='paysonContainer' url='{origin}/embedded/checkout?id={id}'></div><script src='{origin}/embedded/payson.js'></script>"
        )
    );

    let js = http()
        .get(format!("{origin}/embedded/payson.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(js.status(), StatusCode::OK);
    assert!(
        js.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/javascript")
    );
    let js = js.text().await.unwrap();
    assert!(
        js.contains("paysonContainer") && js.contains("iframe"),
        "{js}"
    );

    let url = format!("{origin}/embedded/checkout?id={id}");
    let page = http().get(&url).send().await.unwrap();
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = page.text().await.unwrap();
    assert!(
        !page.contains("<script"),
        "no inline script in a CSP iframe: {page}"
    );
    assert!(!page.contains("<img"), "{page}");
    assert!(
        page.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{page}"
    );
    assert!(page.contains("Pay by card") && page.contains("Pay by invoice"));
    assert!(page.contains("/embedded/checkout/pay"));
    let unknown = http()
        .get(format!("{origin}/embedded/checkout?id={}", Uuid::new_v4()))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    let pay = |method: &'static str| {
        let body = form(&[
            ("id", &id),
            ("method", method),
            ("firstName", "Tess"),
            ("lastName", "Persson"),
            ("email", "tess@example.com"),
        ]);
        let url = format!("{origin}/embedded/checkout/pay");
        async move {
            http()
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let r = pay("card").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let uid: Uuid = id.parse().unwrap();
    let after = sim.checkout_json(uid).unwrap();
    assert_eq!(after["status"], "readyToShip");
    assert_eq!(after["paymentMethod"], "card");
    assert_eq!(after["customer"]["firstName"], "Tess");
    assert!(after["purchaseId"].is_i64());
    // The merchant sees it over the API as well.
    let api: Value = get(&sim, uid).await.json().await.unwrap();
    assert_eq!(api["status"], "readyToShip");
    // The same snippet now shows the confirmation view.
    let confirmed = http().get(&url).send().await.unwrap().text().await.unwrap();
    assert!(
        !confirmed.contains("Pay by card") && !confirmed.contains("<form"),
        "{confirmed}"
    );
    assert!(
        confirmed.contains("Thank you") && confirmed.contains("readyToShip"),
        "{confirmed}"
    );
    // Paying twice is refused and changes nothing.
    assert_eq!(pay("invoice").await.status(), StatusCode::CONFLICT);
    assert_eq!(sim.checkout_json(uid).unwrap()["paymentMethod"], "card");
}

/// Each request's head and body, in arrival order.
type Seen = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A tiny merchant: records each request's head and body, answers with the next status
/// from `script` (then 200).
struct Receiver {
    url: String,
    seen: Seen,
}

async fn receiver(script: Vec<u16>) -> Receiver {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let log = seen.clone();
    tokio::spawn(async move {
        let mut script = script.into_iter();
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let head_end = loop {
                let n = sock.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    break None;
                }
                buf.extend_from_slice(&chunk[..n]);
                if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    break Some(p + 4);
                }
            };
            let Some(head_end) = head_end else { continue };
            let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
            let len: usize = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .unwrap_or(0);
            while buf.len() < head_end + len {
                let n = sock.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let status = script.next().unwrap_or(200);
            log.lock().unwrap().push((head, buf[head_end..].to_vec()));
            let reply =
                format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = sock.write_all(reply.as_bytes()).await;
            let _ = sock.shutdown().await;
        }
    });
    Receiver { url, seen }
}

#[tokio::test]
async fn notifications_reach_the_merchant_and_are_retried_after_a_500() {
    let sim = start().await;
    let merchant = receiver(vec![500]).await;
    let with_query = create_with(&sim, &body(&format!("{}/notify?ref=co2", merchant.url))).await;
    let id: Uuid = with_query["id"].as_str().unwrap().parse().unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        merchant.seen.lock().unwrap().is_empty(),
        "created does not notify"
    );

    sim.transition(id, "readyToShip", None, None).unwrap();
    let seen = merchant.seen.clone();
    wait_for("the retry", || sim.notifications().len() >= 2).await;
    let expected = format!("POST /notify?ref=co2&checkout={id} HTTP/1.1");
    for (head, body) in merchant.seen.lock().unwrap().iter() {
        assert_eq!(head.lines().next().unwrap(), expected);
        assert!(body.is_empty(), "an empty body");
    }
    let attempts: Vec<_> = sim
        .notifications()
        .into_iter()
        .filter(|n| n.checkout == id)
        .collect();
    assert_eq!(
        attempts.iter().map(|a| a.status).collect::<Vec<_>>(),
        vec![Some(500), Some(200)],
        "{attempts:?}"
    );
    assert_eq!(
        attempts[0].url,
        format!("{}/notify?ref=co2&checkout={id}", merchant.url)
    );

    // Every status the merchant may need to act on notifies: shipped (a merchant PUT),
    // paidToAccount; a URI without a query gets `?checkout=`.
    assert_eq!(
        put_status(&sim, id, "shipped").await.status(),
        StatusCode::OK
    );
    wait_for("shipped", || seen.lock().unwrap().len() >= 3).await;
    sim.transition(id, "paidToAccount", None, None).unwrap();
    wait_for("paidToAccount", || seen.lock().unwrap().len() >= 4).await;
    let plain = create_with(&sim, &body(&format!("{}/n", merchant.url))).await;
    let pid: Uuid = plain["id"].as_str().unwrap().parse().unwrap();
    sim.transition(pid, "denied", None, None).unwrap();
    wait_for("denied", || seen.lock().unwrap().len() >= 5).await;
    wait_for("the record", || sim.notifications().len() >= 5).await;
    let last = merchant.seen.lock().unwrap()[4].0.clone();
    assert!(
        last.starts_with(&format!("POST /n?checkout={pid} HTTP/1.1")),
        "{last}"
    );

    // The record is also served to out-of-process users.
    let notes = json_of(http().get(format!("{}/_sim/notifications", sim.origin()))).await;
    assert_eq!(notes.as_array().unwrap().len(), 5);
    assert_eq!(notes[0]["status"], 500);
}

#[tokio::test]
async fn notifications_retry_connection_errors_a_bounded_number_of_times() {
    let sim = start().await;
    // A port nobody listens on.
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap()
    };
    let doc = create_with(&sim, &body(&format!("http://{closed}/notify"))).await;
    let id: Uuid = doc["id"].as_str().unwrap().parse().unwrap();
    let t = Instant::now();
    sim.transition(id, "expired", None, None).unwrap();
    wait_for("three attempts", || sim.notifications().len() >= 3).await;
    // Backoff: 30 ms, then 60 ms.
    assert!(
        t.elapsed() >= Duration::from_millis(90),
        "{:?}",
        t.elapsed()
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let attempts = sim.notifications();
    assert_eq!(attempts.len(), 3, "bounded: {attempts:?}");
    for (i, a) in attempts.iter().enumerate() {
        assert_eq!(a.attempt, i as u32 + 1);
        assert_eq!(a.status, None);
        assert!(a.error.is_some());
    }
}

#[tokio::test]
async fn counters_count_every_request_including_faulted_ones() {
    let sim = start().await;
    let (id, _) = create(&sim).await;
    get(&sim, id).await;
    get(&sim, Uuid::new_v4()).await;
    http()
        .get(format!("{}Accounts", sim.base_url()))
        .send()
        .await
        .unwrap(); // 401
    sim.inject(Fault {
        endpoint: SimEndpoint::List,
        kind: FaultKind::Status {
            code: 500,
            body: "{}".into(),
        },
        count: 1,
        apply_first: false,
        apply_after_ms: None,
    });
    let r = http()
        .get(format!("{}Checkouts", sim.base_url()))
        .basic_auth(AGENT, Some(KEY))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    status_error(put_status(&sim, id, "shipped").await).await;
    let c = sim.counters();
    assert_eq!(
        (c.accounts, c.create, c.get, c.update, c.list),
        (1, 1, 3, 1, 1)
    );
    let served = json_of(http().get(format!("{}/_sim/counters", sim.origin()))).await;
    assert_eq!(
        served,
        json!({"accounts": 1, "create": 1, "get": 3, "update": 1, "list": 1})
    );
    assert_eq!(sim.ship_count(id), 0);
}

fn fault(endpoint: SimEndpoint, kind: FaultKind, count: u32, apply_first: bool) -> Fault {
    Fault {
        endpoint,
        kind,
        count,
        apply_first,
        apply_after_ms: None,
    }
}

#[tokio::test]
async fn latency_and_status_faults() {
    let sim = start().await;
    let (id, _) = create(&sim).await;
    sim.inject(fault(
        SimEndpoint::Get,
        FaultKind::Latency { ms: 300 },
        1,
        false,
    ));
    let t = Instant::now();
    let r = get(&sim, id).await;
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(r.status(), StatusCode::OK, "then normal");
    let t = Instant::now();
    get(&sim, id).await;
    assert!(
        t.elapsed() < Duration::from_millis(300),
        "only the next request"
    );
    // Latency armed through the control API works alike.
    let r = http()
        .post(format!("{}/_sim/faults", sim.origin()))
        .json(&json!({"endpoint": "get", "kind": {"type": "latency", "ms": 400}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let t = Instant::now();
    assert_eq!(get(&sim, id).await.status(), StatusCode::OK);
    assert!(t.elapsed() >= Duration::from_millis(400));

    // A status fault answers for Payson and touches nothing, for exactly `count` requests.
    sim.transition(id, "readyToShip", None, None).unwrap();
    sim.inject(fault(
        SimEndpoint::Update,
        FaultKind::Status {
            code: 503,
            body: r#"{"message":"busy"}"#.into(),
        },
        2,
        false,
    ));
    for _ in 0..2 {
        let r = put_status(&sim, id, "shipped").await;
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.text().await.unwrap(), r#"{"message":"busy"}"#);
    }
    assert_eq!(sim.checkout_json(id).unwrap()["status"], "readyToShip");
    assert_eq!(sim.ship_count(id), 0);
    assert_eq!(
        put_status(&sim, id, "shipped").await.status(),
        StatusCode::OK
    );
    assert_eq!(sim.ship_count(id), 1);

    // Armed and cleared through the control API, as the demo and browser tests do.
    let r = http()
        .post(format!("{}/_sim/faults", sim.origin()))
        .json(&json!({"endpoint": "accounts", "kind": {"type": "status", "code": 502, "body": ""}, "count": 5}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let accounts = || {
        http()
            .get(format!("{}Accounts", sim.base_url()))
            .basic_auth(AGENT, Some(KEY))
            .send()
    };
    assert_eq!(accounts().await.unwrap().status(), StatusCode::BAD_GATEWAY);
    assert_eq!(
        accounts().await.unwrap().status(),
        StatusCode::BAD_GATEWAY,
        "armed for `count` requests"
    );
    let r = http()
        .delete(format!("{}/_sim/faults", sim.origin()))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert_eq!(accounts().await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn timeout_fault_outlasts_the_client_and_applies_nothing() {
    let sim = start().await;
    let (id, _) = create(&sim).await;
    sim.transition(id, "readyToShip", None, None).unwrap();
    let mut doc = sim.checkout_json(id).unwrap();
    doc["status"] = json!("shipped");
    sim.inject(fault(SimEndpoint::Update, FaultKind::Timeout, 1, false));
    let t = Instant::now();
    let err = client(Duration::from_millis(300))
        .put(format!("{}Checkouts/{id}", sim.base_url()))
        .basic_auth(AGENT, Some(KEY))
        .json(&doc)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(t.elapsed() < Duration::from_secs(3));
    assert_eq!(sim.checkout_json(id).unwrap()["status"], "readyToShip");
    assert_eq!(sim.ship_count(id), 0);
    assert_eq!(
        put(&sim, &doc).await.status(),
        StatusCode::OK,
        "then normal"
    );
}

#[tokio::test]
async fn drop_fault_is_a_connection_error_not_a_response() {
    let sim = start().await;
    let (id, _) = create(&sim).await;
    let c = http();
    for endpoint in [SimEndpoint::Get, SimEndpoint::Create, SimEndpoint::Accounts] {
        sim.inject(fault(endpoint, FaultKind::Drop, 1, false));
        let req = match endpoint {
            SimEndpoint::Get => c.get(format!("{}Checkouts/{id}", sim.base_url())),
            SimEndpoint::Create => c
                .post(format!("{}Checkouts", sim.base_url()))
                .json(&body(NOWHERE)),
            _ => c.get(format!("{}Accounts", sim.base_url())),
        };
        let t = Instant::now();
        let result = req.basic_auth(AGENT, Some(KEY)).send().await;
        let err = match result {
            Ok(r) => panic!("{endpoint:?}: got an HTTP response {}", r.status()),
            Err(e) => e,
        };
        assert!(!err.is_timeout() && err.status().is_none(), "{err:?}");
        assert!(t.elapsed() < Duration::from_secs(2));
    }
    assert_eq!(sim.counters().create, 2);
    let list = json_of(
        c.get(format!("{}Checkouts", sim.base_url()))
            .basic_auth(AGENT, Some(KEY)),
    )
    .await;
    assert_eq!(list["totalCount"], 1, "the dropped create was not applied");
    assert_eq!(get(&sim, id).await.status(), StatusCode::OK, "then normal");
}

#[tokio::test]
async fn malformed_fault_is_a_200_that_is_not_json() {
    let sim = start().await;
    let (id, _) = create(&sim).await;
    sim.inject(fault(SimEndpoint::Get, FaultKind::Malformed, 1, false));
    let r = get(&sim, id).await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    assert!(get(&sim, id).await.json::<Value>().await.is_ok());
}

#[tokio::test]
async fn apply_first_ships_and_then_loses_the_answer() {
    let sim = start().await;
    for kind in [FaultKind::Timeout, FaultKind::Drop, FaultKind::Malformed] {
        let (id, _) = create(&sim).await;
        sim.transition(id, "readyToShip", None, None).unwrap();
        let mut doc = sim.checkout_json(id).unwrap();
        doc["status"] = json!("shipped");
        sim.inject(fault(SimEndpoint::Update, kind.clone(), 1, true));
        let result = client(Duration::from_millis(500))
            .put(format!("{}Checkouts/{id}", sim.base_url()))
            .basic_auth(AGENT, Some(KEY))
            .json(&doc)
            .send()
            .await;
        let answered_json = match result {
            Err(e) => {
                assert_eq!(
                    e.is_timeout(),
                    kind == FaultKind::Timeout,
                    "{kind:?}: {e:?}"
                );
                false
            }
            Ok(r) => r.json::<Value>().await.is_ok(),
        };
        assert!(!answered_json, "{kind:?}: the answer is lost");
        assert_eq!(
            sim.checkout_json(id).unwrap()["status"],
            "shipped",
            "{kind:?}"
        );
        assert_eq!(sim.ship_count(id), 1, "{kind:?}: applied once");
        assert_eq!(
            get(&sim, id).await.json::<Value>().await.unwrap()["status"],
            "shipped"
        );
    }
    // Without apply_first the same fault applies nothing.
    let (id, _) = create(&sim).await;
    sim.transition(id, "readyToShip", None, None).unwrap();
    sim.inject(fault(SimEndpoint::Update, FaultKind::Malformed, 1, false));
    assert_eq!(
        put_status(&sim, id, "shipped").await.status(),
        StatusCode::OK
    );
    assert_eq!(sim.ship_count(id), 0);
}

#[tokio::test]
async fn control_api_transitions() {
    let sim = start().await;
    let (id, _) = create(&sim).await;
    let transition = |id: Uuid, body: Value| {
        let url = format!("{}/_sim/checkouts/{id}/transition", sim.origin());
        async move { http().post(url).json(&body).send().await.unwrap().status() }
    };
    let r = transition(
        id,
        json!({"to": "readyToShip", "paymentMethod": "invoice", "at": "2026-01-15T08:00:00Z"}),
    )
    .await;
    assert!(r.is_success(), "{r}");
    let doc = sim.checkout_json(id).unwrap();
    assert_eq!(
        time(&doc["history"]["readyToShip"]),
        "2026-01-15T08:00:00Z".parse::<DateTime<Utc>>().unwrap()
    );
    assert_eq!(
        doc["history"]["readyToShip"], "2026-01-15T08:00:00.000Z",
        "Payson's millisecond format"
    );
    assert_eq!(doc["paymentMethod"], "invoice");
    assert_eq!(
        transition(id, json!({"to": "denied"})).await,
        StatusCode::CONFLICT
    );
    assert_eq!(
        transition(id, json!({"to": "nonsense"})).await,
        StatusCode::CONFLICT
    );
    assert_eq!(
        transition(Uuid::new_v4(), json!({"to": "readyToShip"})).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(sim.checkout_json(id).unwrap()["status"], "readyToShip");

    // Stopping frees the port even while a timeout fault holds a request.
    sim.inject(fault(SimEndpoint::Get, FaultKind::Timeout, 1, false));
    let held = tokio::spawn(get_with_timeout(sim.base_url(), id));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let t = Instant::now();
    sim.stop().await;
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    let _ = held.await;
    let after = http()
        .get(format!("{}Accounts", sim.base_url()))
        .send()
        .await;
    assert!(after.unwrap_err().is_connect());
}

async fn get_with_timeout(base: String, id: Uuid) -> Result<reqwest::Response, reqwest::Error> {
    client(Duration::from_secs(2))
        .get(format!("{base}Checkouts/{id}"))
        .basic_auth(AGENT, Some(KEY))
        .send()
        .await
}

/// The app's own Payson client with these timeouts.
fn payson_client(connect_timeout: Duration, request_timeout: Duration) -> PaysonClient {
    PaysonClient::new(&PaysonClientConfig {
        connect_timeout,
        request_timeout,
    })
    .unwrap()
}

fn creds(sim: &SimHandle) -> PaysonCredentials {
    PaysonCredentials {
        base_url: sim.base_url(),
        agent_id: AGENT.into(),
        api_key: KEY.into(),
    }
}

#[tokio::test]
async fn the_payson_client_creates_pays_and_ships_against_the_simulator() {
    let sim = start().await;
    let payson = payson_client(Duration::from_secs(2), Duration::from_secs(5));
    let c = creds(&sim);
    let account = payson.get_account(&c).await.unwrap();
    assert_eq!(account.account_email, "testagent-checkout2@payson.se");
    let created = payson.create_checkout(&c, &body(NOWHERE)).await.unwrap();
    assert_eq!(created.status(), CheckoutStatus::Created);
    let id = created.id().unwrap();
    sim.transition(id, "readyToShip", Some("card"), None)
        .unwrap();
    let mut remote = payson.get_checkout(&c, id).await.unwrap();
    assert_eq!(remote.status(), CheckoutStatus::ReadyToShip);
    assert!(remote.purchase_id().is_some());
    assert!(remote.history_time("readyToShip").is_some());
    assert_eq!(remote.merchant_reference(), Some("BK-42"));
    remote.set_status(CheckoutStatus::Shipped);
    let shipped = payson.update_checkout(&c, &remote).await.unwrap();
    assert_eq!(shipped.status(), CheckoutStatus::Shipped);
    assert_eq!(sim.ship_count(id), 1);
    assert_eq!(
        shipped.raw()["bookingSystem"]["name"],
        "BokaMera",
        "round trip keeps unknowns"
    );
    let page = payson
        .list_checkouts(&c, Some("shipped"), 1, 20)
        .await
        .unwrap();
    assert_eq!(page.data.len(), 1);
    // The rules reach the client as Payson's refusal.
    match payson.update_checkout(&c, &remote).await {
        Ok(_) => assert_eq!(sim.ship_count(id), 1),
        Err(e) => panic!("a same-status PUT is accepted: {e}"),
    }
    let mut cancel = shipped.clone();
    cancel.set_status(CheckoutStatus::Canceled);
    match payson.update_checkout(&c, &cancel).await {
        Err(PaysonError::Refused {
            status: 400,
            errors,
            ..
        }) => {
            assert_eq!(errors[0].property, "Status")
        }
        other => panic!("{other:?}"),
    }
    let wrong = PaysonCredentials {
        api_key: "nope".into(),
        ..c.clone()
    };
    assert!(matches!(
        payson.get_account(&wrong).await,
        Err(PaysonError::Unauthorized)
    ));
    assert!(matches!(
        payson.get_checkout(&c, Uuid::new_v4()).await,
        Err(PaysonError::NotFound)
    ));
}

#[tokio::test]
async fn the_payson_client_sees_each_fault_for_what_it_is() {
    let sim = start().await;
    let payson = payson_client(Duration::from_secs(1), Duration::from_millis(400));
    let c = creds(&sim);
    let id = payson
        .create_checkout(&c, &body(NOWHERE))
        .await
        .unwrap()
        .id()
        .unwrap();
    let check = |kind: FaultKind| {
        sim.inject(fault(SimEndpoint::Get, kind, 1, false));
        payson.get_checkout(&c, id)
    };
    assert!(matches!(
        check(FaultKind::Timeout).await,
        Err(PaysonError::Timeout)
    ));
    let dropped = check(FaultKind::Drop).await;
    assert!(
        matches!(dropped, Err(PaysonError::Dropped(_))),
        "{dropped:?}"
    );
    assert!(matches!(
        check(FaultKind::Malformed).await,
        Err(PaysonError::Malformed(_))
    ));
    let refused = check(FaultKind::Status {
        code: 500,
        body: r#"{"message":"boom"}"#.into(),
    })
    .await;
    assert!(
        matches!(refused, Err(PaysonError::Refused { status: 500, .. })),
        "{refused:?}"
    );
    let slow = check(FaultKind::Latency { ms: 100 }).await;
    assert!(slow.is_ok(), "{slow:?}");
}

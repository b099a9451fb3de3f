//! The Payson simulator over real HTTP: auth, casing, status rules, embedded checkout,
//! notifications, counters, faults and its control API.

use std::time::{Duration, Instant};

use checkout_desk::domain::CheckoutStatus;
use checkout_desk::payson::{PaysonClient, PaysonClientConfig, PaysonCredentials};
use checkout_desk::payson_sim::{self, Fault, FaultKind, SimConfig, SimEndpoint, SimHandle};
use reqwest::StatusCode;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const AGENT: &str = "4";
const KEY: &str = "2acab30d-fe50-426f-90d7-8c60a7eb31d4";

async fn sim() -> SimHandle {
    payson_sim::start(
        "127.0.0.1:0",
        SimConfig {
            notify_max_attempts: 3,
            notify_base_delay: Duration::from_millis(50),
            ..SimConfig::default()
        },
    )
    .await
    .unwrap()
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn order_body(notify: &str) -> Value {
    json!({
        "Merchant": { "CheckoutUri": "https://s/c", "ConfirmationUri": "https://s/k", "NotificationUri": notify, "TermsUri": "https://s/t", "Reference": "BK-7" },
        "order": { "CURRENCY": "SEK", "items": [
            { "Name": "<script>alert(1)</script>", "UnitPrice": 125, "Quantity": 2, "TaxRate": 0.25 },
            { "name": "Fee", "unitprice": 50, "quantity": 1, "taxrate": 0.25 }
        ] },
        "customer": { "FirstName": "Tess T", "lastname": "Persson", "Email": "tess@example.com" },
        "integrationExtra": { "kept": true }
    })
}

async fn create(sim: &SimHandle, notify: &str) -> Value {
    let resp = http()
        .post(format!("{}Checkouts", sim.base_url()))
        .basic_auth(AGENT, Some(KEY))
        .json(&order_body(notify))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert!(
        resp.headers()["location"]
            .to_str()
            .unwrap()
            .contains("/2.0/Checkouts/")
    );
    resp.json().await.unwrap()
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

#[tokio::test]
async fn auth_casing_totals_and_list() {
    let sim = sim().await;
    let r = http()
        .get(format!("{}Accounts", sim.base_url()))
        .basic_auth(AGENT, Some(KEY))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.json::<Value>().await.unwrap()["enabledForpaymentPlan"],
        true
    );
    let r = http()
        .get(format!("{}Accounts", sim.base_url()))
        .basic_auth(AGENT, Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().is_empty(), "401 with an empty body");

    let doc = create(&sim, "https://s/n").await;
    assert_eq!(doc["status"], "created");
    assert_eq!(
        doc["merchant"]["notificationUri"], "https://s/n",
        "keys stored in camelCase"
    );
    assert_eq!(doc["order"]["currency"], "sek");
    assert_eq!(doc["order"]["totalPriceIncludingTax"], json!(300.0));
    assert_eq!(doc["order"]["totalTaxAmount"], json!(60.0));
    assert_eq!(doc["customer"]["type"], "person");
    assert_eq!(
        doc["integrationExtra"],
        json!({"kept": true}),
        "unknown fields are kept"
    );
    assert!(doc["order"]["items"][0]["itemId"].is_string());
    assert_eq!(doc["purchaseId"], Value::Null);
    let id = doc["id"].as_str().unwrap();
    // Paths are case-insensitive.
    let r = http()
        .get(format!("{}checkouts/{id}", sim.base_url()))
        .basic_auth(AGENT, Some(KEY))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Another account cannot see it.
    sim.add_account(payson_sim::SimAccount {
        agent_id: "99".into(),
        api_key: "k".into(),
        email: "o@x".into(),
    });
    let r = http()
        .get(format!("{}Checkouts/{id}", sim.base_url()))
        .basic_auth("99", Some("k"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.json::<Value>().await.unwrap()["message"].is_string());
    // List with a status filter, any casing.
    create(&sim, "https://s/n").await;
    sim.transition(id.parse().unwrap(), "readyToShip", None, None)
        .unwrap();
    let r: Value = http()
        .get(format!(
            "{}Checkouts?status=ReadyToShip&page=1&pageSize=10",
            sim.base_url()
        ))
        .basic_auth(AGENT, Some(KEY))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (r["totalCount"].as_i64(), r["data"][0]["id"].as_str()),
        (Some(1), Some(id))
    );
    let c = sim.counters();
    assert_eq!((c.accounts, c.create, c.get, c.list), (2, 2, 2, 1));
}

#[tokio::test]
async fn status_rules_purchase_id_history_and_credit() {
    let sim = sim().await;
    let mut doc = create(&sim, "https://s/n").await;
    let id: uuid::Uuid = doc["id"].as_str().unwrap().parse().unwrap();
    // Shipping before payment is refused.
    doc["status"] = json!("shipped");
    let r = put(&sim, &doc).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errors"][0]["property"],
        "Status"
    );
    sim.transition(id, "readyToShip", Some("invoice"), None)
        .unwrap();
    let mut doc = sim.checkout_json(id).unwrap();
    assert_eq!(doc["status"], "readyToShip");
    assert!(doc["purchaseId"].as_i64().is_some());
    assert!(doc["history"]["readyToShip"].is_string());
    // A credit before shipping is refused.
    let mut early = doc.clone();
    early["order"]["items"][0]["creditedAmount"] = json!(10);
    assert_eq!(put(&sim, &early).await.status(), StatusCode::BAD_REQUEST);
    doc["status"] = json!("SHIPPED");
    let r = put(&sim, &doc).await;
    assert_eq!(r.status(), StatusCode::OK);
    let shipped: Value = r.json().await.unwrap();
    assert_eq!(shipped["status"], "shipped");
    assert!(shipped["history"]["shipped"].is_string());
    assert_eq!(sim.ship_count(id), 1);
    // The same status again changes nothing; cancel after shipping is refused.
    assert_eq!(put(&sim, &shipped).await.status(), StatusCode::OK);
    assert_eq!(sim.ship_count(id), 1);
    let mut cancel = shipped.clone();
    cancel["status"] = json!("canceled");
    assert_eq!(put(&sim, &cancel).await.status(), StatusCode::BAD_REQUEST);
    // Credits after shipping, capped at the item total.
    let mut credit = shipped.clone();
    credit["order"]["items"][0]["creditedAmount"] = json!(250);
    let r: Value = put(&sim, &credit).await.json().await.unwrap();
    assert_eq!(r["order"]["totalCreditedAmount"], json!(250.0));
    credit["order"]["items"][0]["creditedAmount"] = json!(251);
    assert_eq!(put(&sim, &credit).await.status(), StatusCode::BAD_REQUEST);
    sim.transition(id, "paidToAccount", None, None).unwrap();
    assert!(sim.transition(id, "readyToShip", None, None).is_err());
}

#[tokio::test]
async fn embedded_page_pays_and_escapes() {
    let sim = sim().await;
    let doc = create(&sim, "https://s/n").await;
    let snippet = doc["snippet"].as_str().unwrap();
    let url = snippet
        .split("url='")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap()
        .to_owned();
    assert!(url.starts_with(&sim.origin()));
    assert!(snippet.contains(&format!(
        "<script src='{}/embedded/payson.js'>",
        sim.origin()
    )));
    let js = http()
        .get(format!("{}/embedded/payson.js", sim.origin()))
        .send()
        .await
        .unwrap();
    assert!(
        js.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/javascript")
    );
    let page = http().get(&url).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !page.contains("<script>alert"),
        "{page}"
    );
    assert!(page.contains("Pay by invoice"));
    let id = doc["id"].as_str().unwrap();
    let r = http()
        .post(format!("{}/embedded/checkout/pay", sim.origin()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([
                ("id", id),
                ("method", "invoice"),
                ("firstName", "Tess T"),
                ("lastName", "Persson"),
                ("email", "t@example.com"),
            ])
            .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let after = sim.checkout_json(id.parse().unwrap()).unwrap();
    assert_eq!(
        (after["status"].as_str(), after["paymentMethod"].as_str()),
        (Some("readyToShip"), Some("invoice"))
    );
    let page = http().get(&url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Thank you") && !page.contains("Pay by card"));
}

#[tokio::test]
async fn notifications_are_posted_and_retried() {
    let sim = sim().await;
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/notify"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&receiver)
        .await;
    Mock::given(method("POST"))
        .and(path("/notify"))
        .and(query_param("ref", "co2"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let doc = create(&sim, &format!("{}/notify?ref=co2", receiver.uri())).await;
    let id: uuid::Uuid = doc["id"].as_str().unwrap().parse().unwrap();
    sim.transition(id, "readyToShip", None, None).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while sim
        .notifications()
        .iter()
        .filter(|n| n.checkout == id)
        .count()
        < 2
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
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
        format!("{}/notify?ref=co2&checkout={id}", receiver.uri())
    );
    let received = receiver.received_requests().await.unwrap();
    assert!(
        received
            .iter()
            .all(|r| r.url.query().unwrap().contains(&format!("checkout={id}")))
    );
}

#[tokio::test]
async fn faults_and_control_api() {
    let sim = sim().await;
    let base = sim.base_url();
    let doc = create(&sim, "https://s/n").await;
    let id = doc["id"].as_str().unwrap().to_owned();
    let get = |timeout_ms: u64| {
        let url = format!("{base}Checkouts/{id}");
        async move {
            reqwest::Client::builder()
                .timeout(Duration::from_millis(timeout_ms))
                .build()
                .unwrap()
                .get(url)
                .basic_auth(AGENT, Some(KEY))
                .send()
                .await
        }
    };
    // Armed through the control API, as the demo and browser tests do.
    let arm = |f: Value| {
        let url = format!("{}/_sim/faults", sim.origin());
        async move {
            assert_eq!(
                http().post(url).json(&f).send().await.unwrap().status(),
                StatusCode::NO_CONTENT
            )
        }
    };
    arm(json!({"endpoint": "get", "kind": {"type": "latency", "ms": 400}})).await;
    let t = Instant::now();
    assert_eq!(get(3000).await.unwrap().status(), StatusCode::OK);
    assert!(t.elapsed() >= Duration::from_millis(400));
    arm(json!({"endpoint": "get", "kind": {"type": "status", "code": 503, "body": "{\"message\":\"down\"}"}, "count": 2})).await;
    assert_eq!(
        get(3000).await.unwrap().status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        get(3000).await.unwrap().status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        get(3000).await.unwrap().status(),
        StatusCode::OK,
        "count ran out"
    );
    sim.inject(Fault {
        endpoint: SimEndpoint::Get,
        kind: FaultKind::Malformed,
        count: 1,
        apply_first: false,
    });
    let body = get(3000).await.unwrap().text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&body).is_err());
    sim.inject(Fault {
        endpoint: SimEndpoint::Get,
        kind: FaultKind::Timeout,
        count: 1,
        apply_first: false,
    });
    assert!(get(300).await.unwrap_err().is_timeout());
    sim.inject(Fault {
        endpoint: SimEndpoint::Get,
        kind: FaultKind::Drop,
        count: 1,
        apply_first: false,
    });
    let dropped = match get(3000).await {
        Err(e) => !e.is_timeout(),
        Ok(r) => r.bytes().await.is_err(),
    };
    assert!(dropped, "the connection was dropped, not answered");
    // apply_first: the ship is applied, then the answer is lost.
    let uid: uuid::Uuid = id.parse().unwrap();
    let r = http()
        .post(format!("{}/_sim/checkouts/{id}/transition", sim.origin()))
        .json(&json!({"to": "readyToShip", "paymentMethod": "card", "at": "2026-10-01T10:00:00Z"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        sim.checkout_json(uid).unwrap()["history"]["readyToShip"],
        "2026-10-01T10:00:00.000Z"
    );
    sim.inject(Fault {
        endpoint: SimEndpoint::Update,
        kind: FaultKind::Drop,
        count: 1,
        apply_first: true,
    });
    let mut doc = sim.checkout_json(uid).unwrap();
    doc["status"] = json!("shipped");
    let lost = match http()
        .put(format!("{base}Checkouts/{id}"))
        .basic_auth(AGENT, Some(KEY))
        .json(&doc)
        .send()
        .await
    {
        Err(_) => true,
        Ok(r) => r.bytes().await.is_err(),
    };
    assert!(lost);
    assert_eq!(sim.ship_count(uid), 1, "applied before the answer was lost");
    sim.clear_faults();
    let counters: Value = http()
        .get(format!("{}/_sim/counters", sim.origin()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(counters["get"], json!(7));
    assert_eq!(counters["update"], json!(1));
    let notes: Value = http()
        .get(format!("{}/_sim/notifications", sim.origin()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(notes.is_array());
}

#[tokio::test]
async fn the_real_client_against_the_simulator() {
    let sim = sim().await;
    let client = PaysonClient::new(&PaysonClientConfig::default()).unwrap();
    let creds = PaysonCredentials {
        base_url: sim.base_url(),
        agent_id: AGENT.into(),
        api_key: KEY.into(),
    };
    let account = client.get_account(&creds).await.unwrap();
    assert_eq!(account.account_email, "testagent-checkout2@payson.se");
    let created = client
        .create_checkout(&creds, &order_body("https://s/n"))
        .await
        .unwrap();
    let id = created.id().unwrap();
    sim.transition(id, "readyToShip", Some("card"), None)
        .unwrap();
    let mut c = client.get_checkout(&creds, id).await.unwrap();
    assert_eq!(c.status(), CheckoutStatus::ReadyToShip);
    assert!(c.purchase_id().is_some());
    assert!(c.history_time("readyToShip").is_some());
    assert_eq!(c.merchant_reference(), Some("BK-7"));
    c.set_status(CheckoutStatus::Shipped);
    let shipped = client.update_checkout(&creds, &c).await.unwrap();
    assert_eq!(shipped.status(), CheckoutStatus::Shipped);
    assert_eq!(shipped.raw()["integrationExtra"], json!({"kept": true}));
    let page = client
        .list_checkouts(&creds, Some("shipped"), 1, 10)
        .await
        .unwrap();
    assert_eq!(page.data.len(), 1);
    let wrong = PaysonCredentials {
        api_key: "nope".into(),
        ..creds
    };
    assert!(matches!(
        client.get_account(&wrong).await,
        Err(checkout_desk::payson::PaysonError::Unauthorized)
    ));
}

//! The Payson client against Payson's documented sample bodies (payson-api.md §2),
//! served verbatim by a mock server, and against transport failures.

use std::time::Duration;

use checkout_desk::domain::{CheckoutStatus, Currency, Money};
use checkout_desk::payson::{PaysonClient, PaysonClientConfig, PaysonCredentials, PaysonError};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TEST_AUTH: &str = "Basic NDoyYWNhYjMwZC1mZTUwLTQyNmYtOTBkNy04YzYwYTdlYjMxZDQ=";

fn client(timeout_ms: u64) -> PaysonClient {
    PaysonClient::new(&PaysonClientConfig {
        connect_timeout: Duration::from_millis(500),
        request_timeout: Duration::from_millis(timeout_ms),
    })
    .unwrap()
}

fn creds(base: &str) -> PaysonCredentials {
    PaysonCredentials {
        base_url: format!("{base}/2.0/"),
        agent_id: "4".into(),
        api_key: "2acab30d-fe50-426f-90d7-8c60a7eb31d4".into(),
    }
}

/// doc:create's response sample (its elided parts left out).
fn create_sample() -> Value {
    json!({ "status":"created", "id":"264d3bfd-f7a1-4122-8556-a56700f71eaa",
      "snippet":"<iframe id='checkoutIframe' name='checkoutIframe' src='http://embedded.payson.se/checkout?id=264d3bfd-f7a1-4122-8556-a56700f71eaa' style='width:100%; height: 100%' frameborder='0' scrolling='no'></iframe>",
      "customer":{"type":"person"},
      "order":{"currency":"sek","totalPriceExcludingTax":172.5,"totalPriceIncludingTax":250,"totalTaxAmount":77.5,
               "items":[{"itemId":"c363d219-191e-41df-a502-a56700f71eb6","discountRate":0,"name":"TestItem1","quantity":1,"taxRate":0.4}]} })
}

#[tokio::test]
async fn account_sample_with_basic_auth() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/2.0/Accounts"))
        .and(header("authorization", TEST_AUTH))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{ "accountEmail":"testagent-checkout2@payson.se", "status":"Approved", "merchantId":4,
  "enabledForInvoice":true, "enabledForpaymentPlan":true, "enabledForRecurringPayments":false }"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let a = client(2000)
        .get_account(&creds(&server.uri()))
        .await
        .unwrap();
    assert_eq!(a.account_email, "testagent-checkout2@payson.se");
    assert_eq!(a.merchant_id, 4);
    assert!(
        a.enabled_for_invoice && a.enabled_for_payment_plan && !a.enabled_for_recurring_payments
    );
}

#[tokio::test]
async fn create_sample_and_location_fallback() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/2.0/Checkouts"))
        .and(header("content-type", "application/json"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header(
                    "Location",
                    "https://api.payson.se/2.0/Checkouts/264d3bfd-f7a1-4122-8556-a56700f71eaa",
                )
                .set_body_json(create_sample()),
        )
        .mount(&server)
        .await;
    let body = json!({ "merchant": { "checkoutUri":"https://www.examplestore.com/checkout.php",
                "confirmationUri":"https://www.examplestore.com/confirmation.php",
                "notificationUri":"https://www.examplestore.com/notification.php",
                "termsUri":"https://www.examplestore.com/terms.php" },
      "order": { "currency":"SEK",
             "items":[ { "name":"Test product","unitPrice":399,"quantity":1,"taxRate":0.25,"reference":"product_001" } ] } });
    let c = client(2000)
        .create_checkout(&creds(&server.uri()), &body)
        .await
        .unwrap();
    assert_eq!(
        c.id().unwrap().to_string(),
        "264d3bfd-f7a1-4122-8556-a56700f71eaa"
    );
    assert_eq!(c.status(), CheckoutStatus::Created);
    assert_eq!(
        c.total_including_tax(),
        Some(Money::from_minor(25_000, Currency::Sek))
    );
    assert!(
        c.snippet()
            .unwrap()
            .starts_with("<iframe id='checkoutIframe'")
    );
    let sent: Value = server.received_requests().await.unwrap()[0]
        .body_json()
        .unwrap();
    assert_eq!(sent, body, "the request body is sent as given");

    // A 201 without a body: the id comes from Location and the checkout is read.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/2.0/Checkouts"))
        .respond_with(ResponseTemplate::new(201).insert_header(
            "Location",
            format!(
                "{}/2.0/Checkouts/264d3bfd-f7a1-4122-8556-a56700f71eaa",
                server.uri()
            ),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2.0/Checkouts/264d3bfd-f7a1-4122-8556-a56700f71eaa"))
        .respond_with(ResponseTemplate::new(200).set_body_json(create_sample()))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(2000)
        .create_checkout(&creds(&server.uri()), &body)
        .await
        .unwrap();
    assert_eq!(c.status_text(), Some("created"));
}

#[tokio::test]
async fn list_sample() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/2.0/Checkouts"))
        .and(query_param("status", "PaidToAccount"))
        .and(query_param("page", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{ "pageSize":20, "page":1, "totalPages":1, "count":1, "totalCount":1,
  "data":[ { "status":"paidToAccount", "id":"a9e48054-0000-4000-8000-000000000001", "snippet":"<iframe ...>",
             "customer":{"city":"Stan","country":"SE","identityNumber":"4605092222","email":"tester@subdomain.se",
                         "firstName":"Tess T","lastName":"Persson","postalCode":"99999","street":"Testgatan 1","type":"person"},
             "order":{"currency":"sek","totalPriceExcludingTax":315,"totalPriceIncludingTax":315,"totalTaxAmount":0,
                      "billingPeriod":"once","items":[{"itemId":"02c5d0cd-0000-4000-8000-000000000002","discountRate":0,"name":"Test","quantity":3}]} } ] }"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let page = client(2000)
        .list_checkouts(&creds(&server.uri()), Some("PaidToAccount"), 1, 20)
        .await
        .unwrap();
    assert_eq!(
        (page.page_size, page.total_count, page.data.len()),
        (20, 1, 1)
    );
    let c = &page.data[0];
    assert_eq!(c.status(), CheckoutStatus::PaidToAccount);
    assert_eq!(c.customer_name().as_deref(), Some("Tess T Persson"));
    assert_eq!(c.customer_email(), Some("tester@subdomain.se"));
    assert_eq!(
        c.total_including_tax(),
        Some(Money::from_minor(31_500, Currency::Sek))
    );
}

#[tokio::test]
async fn update_round_trip_keeps_unknown_fields() {
    let server = MockServer::start().await;
    let id = "264d3bfd-f7a1-4122-8556-a56700f71eaa";
    let mut doc = create_sample();
    doc["status"] = json!("readyToShip");
    doc["purchaseId"] = json!(3000123);
    doc["futureTopLevel"] = json!({"nested": [1, 2, {"deep": true}]});
    doc["order"]["items"][0]["futureItemField"] = json!("keep me");
    doc["merchant"] = json!({"reference": "BK-9", "partnerId": "x", "unknownMerchantField": 7});
    Mock::given(method("GET"))
        .and(path(format!("/2.0/Checkouts/{id}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(doc.clone()))
        .mount(&server)
        .await;
    let mut shipped = doc.clone();
    shipped["status"] = json!("shipped");
    Mock::given(method("PUT"))
        .and(path(format!("/2.0/Checkouts/{id}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(shipped.clone()))
        .expect(1)
        .mount(&server)
        .await;
    let cl = client(2000);
    let cr = creds(&server.uri());
    let mut c = cl.get_checkout(&cr, id.parse().unwrap()).await.unwrap();
    assert_eq!(c.purchase_id(), Some(3000123));
    assert_eq!(c.merchant_reference(), Some("BK-9"));
    c.set_status(CheckoutStatus::Shipped);
    let updated = cl.update_checkout(&cr, &c).await.unwrap();
    assert_eq!(updated.status(), CheckoutStatus::Shipped);
    let put = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.method.as_str() == "PUT")
        .unwrap();
    assert_eq!(
        put.body_json::<Value>().unwrap(),
        shipped,
        "only the status changed; everything else went back as read"
    );
    assert_eq!(put.headers.get("authorization").unwrap(), TEST_AUTH);
}

#[tokio::test]
async fn empty_put_answer_is_read_back() {
    let server = MockServer::start().await;
    let id = "264d3bfd-f7a1-4122-8556-a56700f71eaa";
    let mut doc = create_sample();
    doc["status"] = json!("shipped");
    Mock::given(method("PUT"))
        .and(path(format!("/2.0/Checkouts/{id}")))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/2.0/Checkouts/{id}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(doc))
        .expect(1)
        .mount(&server)
        .await;
    let c = checkout_desk::payson::PaysonCheckout::from_json(create_sample()).unwrap();
    let updated = client(2000)
        .update_checkout(&creds(&server.uri()), &c)
        .await
        .unwrap();
    assert_eq!(updated.status(), CheckoutStatus::Shipped);
}

#[tokio::test]
async fn payson_errors_are_classified() {
    let server = MockServer::start().await;
    let ok_id = "00000000-0000-4000-8000-000000000001";
    let cases: Vec<(&str, ResponseTemplate)> = vec![
        ("00000000-0000-4000-8000-000000000400", ResponseTemplate::new(400).set_body_raw(
            r#"{ "message": "The request is invalid.", "errors": [ { "property": "Order.Currency", "message": "Invalid currency" } ] }"#,
            "application/json")),
        ("00000000-0000-4000-8000-000000000401", ResponseTemplate::new(401)),
        ("00000000-0000-4000-8000-000000000404", ResponseTemplate::new(404).set_body_raw(r#"{"message":"Not found"}"#, "application/json")),
        ("00000000-0000-4000-8000-000000000500", ResponseTemplate::new(500).set_body_raw("null", "application/json")),
        ("00000000-0000-4000-8000-000000000200", ResponseTemplate::new(200).set_body_raw("<html>oops", "text/html")),
        (ok_id, ResponseTemplate::new(200).set_body_json(json!({"id": ok_id, "status": "somethingPaysonAddedLater"}))),
        ("00000000-0000-4000-8000-000000000999", ResponseTemplate::new(200).set_delay(Duration::from_secs(3)).set_body_json(json!({}))),
    ];
    for (id, resp) in cases {
        Mock::given(method("GET"))
            .and(path(format!("/2.0/Checkouts/{id}")))
            .respond_with(resp)
            .mount(&server)
            .await;
    }
    let cl = client(600);
    let cr = creds(&server.uri());
    let get = |id: &'static str| {
        let cl = cl.clone();
        let cr = cr.clone();
        async move { cl.get_checkout(&cr, id.parse().unwrap()).await }
    };
    match get("00000000-0000-4000-8000-000000000400").await {
        Err(e @ PaysonError::Refused { status: 400, .. }) => {
            let PaysonError::Refused {
                message, errors, ..
            } = &e
            else {
                unreachable!()
            };
            assert_eq!(message, "The request is invalid.");
            assert_eq!(
                (errors[0].property.as_str(), errors[0].message.as_str()),
                ("Order.Currency", "Invalid currency")
            );
            assert_eq!(
                e.payson_message().unwrap(),
                "The request is invalid.; Order.Currency: Invalid currency"
            );
            assert!(!e.outcome_unknown());
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        get("00000000-0000-4000-8000-000000000401").await,
        Err(PaysonError::Unauthorized)
    ));
    assert!(matches!(
        get("00000000-0000-4000-8000-000000000404").await,
        Err(PaysonError::NotFound)
    ));
    assert!(
        matches!(get("00000000-0000-4000-8000-000000000500").await, Err(PaysonError::Refused { status: 500, ref message, .. }) if message == "Internal Server Error")
    );
    let malformed = get("00000000-0000-4000-8000-000000000200")
        .await
        .unwrap_err();
    assert!(matches!(malformed, PaysonError::Malformed(_)) && malformed.outcome_unknown());
    let tolerated = get(ok_id).await.unwrap();
    assert_eq!(
        (tolerated.status(), tolerated.status_text()),
        (CheckoutStatus::None, Some("somethingPaysonAddedLater"))
    );
    let slow = get("00000000-0000-4000-8000-000000000999")
        .await
        .unwrap_err();
    assert!(
        matches!(slow, PaysonError::Timeout) && slow.outcome_unknown(),
        "{slow:?}"
    );
}

#[tokio::test]
async fn transport_failures_say_whether_anything_was_sent() {
    // Nothing listens: the request never left.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = client(1000)
        .get_checkout(
            &creds(&format!("http://127.0.0.1:{port}")),
            uuid::Uuid::new_v4(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, PaysonError::NotSent(_)) && !err.outcome_unknown(),
        "{err:?}"
    );

    // A server that reads the request and hangs up: sent, outcome unknown.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            drop(sock);
        }
    });
    let err = client(1000)
        .get_checkout(&creds(&format!("http://{addr}")), uuid::Uuid::new_v4())
        .await
        .unwrap_err();
    assert!(
        matches!(err, PaysonError::Dropped(_)) && err.outcome_unknown(),
        "{err:?}"
    );
    // Credentials never show up in errors or debug output.
    let c = creds("http://x");
    assert!(!format!("{c:?}").contains("2acab30d"));
    assert!(!format!("{err}").contains("2acab30d"));
}

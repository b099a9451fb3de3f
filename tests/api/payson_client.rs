//! The Payson client (src/payson) against mock servers serving Payson's documented sample
//! bodies (payson-api.md §2 and §6) and against transport failures: what is sent on the
//! wire, what is read back, and how every failure is classified.
//!
//! The samples are copied from payson-api.md. Where the doc elides text with `...` (which
//! is not JSON) the elision is dropped; where it elides an id (`a9e48054-...`) the id is
//! completed, because a checkout without a parseable id is rejected by design.

use std::time::Duration;

use checkout_desk::domain::{CheckoutStatus, Currency, Money};
use checkout_desk::payson::{
    PaysonCheckout, PaysonClient, PaysonClientConfig, PaysonCredentials, PaysonError,
};
use serde_json::{Value, json};
use uuid::Uuid;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const AGENT: &str = "4";
const KEY: &str = "2acab30d-fe50-426f-90d7-8c60a7eb31d4";
/// payson-api.md §1: base64("4:2acab30d-fe50-426f-90d7-8c60a7eb31d4").
const TEST_AUTH: &str = "Basic NDoyYWNhYjMwZC1mZTUwLTQyNmYtOTBkNy04YzYwYTdlYjMxZDQ=";
const CREATED_ID: &str = "264d3bfd-f7a1-4122-8556-a56700f71eaa";

/// §2.1 response sample, verbatim.
const ACCOUNT_SAMPLE: &str = r#"{ "accountEmail":"testagent-checkout2@payson.se", "status":"Approved", "merchantId":4,
  "enabledForInvoice":true, "enabledForpaymentPlan":true, "enabledForRecurringPayments":false }"#;

/// §2.2 minimal request sample, verbatim.
const CREATE_REQUEST_SAMPLE: &str = r#"{ "merchant": { "checkoutUri":"https://www.examplestore.com/checkout.php",
                "confirmationUri":"https://www.examplestore.com/confirmation.php",
                "notificationUri":"https://www.examplestore.com/notification.php",
                "termsUri":"https://www.examplestore.com/terms.php" },
  "order": { "currency":"SEK",
             "items":[ { "name":"Test product","unitPrice":399,"quantity":1,"taxRate":0.25,"reference":"product_001" } ] } }"#;

/// §2.2 response sample; only the two `...` elisions are dropped.
const CREATE_RESPONSE_SAMPLE: &str = r#"{ "status":"created", "id":"264d3bfd-f7a1-4122-8556-a56700f71eaa",
  "snippet":"<iframe id='checkoutIframe' name='checkoutIframe' src='http://embedded.payson.se/checkout?id=264d3bfd-...' style='width:100%; height: 100%' frameborder='0' scrolling='no'></iframe>",
  "customer":{"type":"person"},
  "order":{"currency":"sek","totalPriceExcludingTax":172.5,"totalPriceIncludingTax":250,"totalTaxAmount":77.5,
           "items":[{"itemId":"c363d219-191e-41df-a502-a56700f71eb6","discountRate":0,"name":"TestItem1","quantity":1,"taxRate":0.4}]} }"#;

/// §2.5 response sample; the elided ids completed and the `...` dropped.
const LIST_SAMPLE: &str = r#"{ "pageSize":20, "page":1, "totalPages":1, "count":2, "totalCount":2,
  "data":[ { "status":"paidToAccount", "id":"a9e48054-0000-4000-8000-000000000001", "snippet":"<iframe ...>",
             "customer":{"city":"Stan","country":"SE","identityNumber":"4605092222","email":"tester@subdomain.se",
                         "firstName":"Tess T","lastName":"Persson","postalCode":"99999","street":"Testgatan 1","type":"person"},
             "order":{"currency":"sek","totalPriceExcludingTax":315,"totalPriceIncludingTax":315,"totalTaxAmount":0,
                      "billingPeriod":"once","items":[{"itemId":"02c5d0cd-0000-4000-8000-000000000002","discountRate":0,"name":"Test","quantity":3}]} } ] }"#;

/// §6 error body shape, with the property RUBY's integration test saw for a bad currency.
const ERROR_SAMPLE: &str = r#"{ "message": "The request is invalid.", "errors": [ { "property": "Order.Currency", "message": "..." } ] }"#;

fn client_with(connect_ms: u64, request_ms: u64) -> PaysonClient {
    PaysonClient::new(&PaysonClientConfig {
        connect_timeout: Duration::from_millis(connect_ms),
        request_timeout: Duration::from_millis(request_ms),
    })
    .unwrap()
}

fn client() -> PaysonClient {
    client_with(1000, 3000)
}

/// The public test account against `base` (e.g. the mock server's URI), as `…/2.0/`.
fn creds(base: &str) -> PaysonCredentials {
    PaysonCredentials {
        base_url: format!("{base}/2.0/"),
        agent_id: AGENT.into(),
        api_key: KEY.into(),
    }
}

fn json_body(text: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(text.to_owned(), "application/json")
}

fn checkout_path(id: &str) -> String {
    format!("/2.0/Checkouts/{id}")
}

async fn requests(server: &MockServer, verb: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == verb)
        .collect()
}

/// No error text may ever carry the API key or the Authorization value.
fn assert_no_secret(e: &PaysonError) {
    for text in [e.to_string(), format!("{e:?}")] {
        assert!(
            !text.contains(KEY) && !text.contains("NDoyYWNh") && !text.contains("2acab30d"),
            "secret in {text}"
        );
    }
}

#[tokio::test]
async fn account_sample_is_read_with_the_exact_basic_auth_header() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/2.0/Accounts"))
        .and(header("authorization", TEST_AUTH))
        .and(header("accept", "application/json"))
        .respond_with(json_body(ACCOUNT_SAMPLE))
        .expect(1)
        .mount(&server)
        .await;
    let a = client().get_account(&creds(&server.uri())).await.unwrap();
    assert_eq!(a.account_email, "testagent-checkout2@payson.se");
    assert_eq!(a.status, "Approved");
    assert_eq!(a.merchant_id, 4);
    assert!(a.enabled_for_invoice);
    assert!(
        a.enabled_for_payment_plan,
        "read from enabledForpaymentPlan"
    );
    assert!(!a.enabled_for_recurring_payments);
    // Exactly one Authorization header, exactly this value.
    let reqs = requests(&server, "GET").await;
    let auth: Vec<_> = reqs[0].headers.get_all("authorization").iter().collect();
    assert_eq!(auth.len(), 1);
    assert_eq!(auth[0], TEST_AUTH);
}

#[tokio::test]
async fn account_flags_are_read_from_paysons_own_casing() {
    // Only the payment-plan flag set: a client reading the wrong key sees false.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/2.0/Accounts"))
        .respond_with(json_body(
            r#"{"accountEmail":"a@b.se","status":"Approved","merchantId":77,"enabledForInvoice":false,
                "enabledForpaymentPlan":true,"enabledForRecurringPayments":true,"futureFlag":"kept"}"#,
        ))
        .mount(&server)
        .await;
    let a = client().get_account(&creds(&server.uri())).await.unwrap();
    assert_eq!(
        (
            a.merchant_id,
            a.enabled_for_invoice,
            a.enabled_for_payment_plan,
            a.enabled_for_recurring_payments
        ),
        (77, false, true, true)
    );
    assert_eq!(a.raw.get("futureFlag"), Some(&json!("kept")));
}

#[tokio::test]
async fn wrong_credentials_are_unauthorized() {
    let server = MockServer::start().await;
    // 401 with an empty body, as payson-api.md §6 expects.
    Mock::given(method("GET"))
        .and(path("/2.0/Accounts"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let mut c = creds(&server.uri());
    c.api_key = "wrong-key".into();
    let err = client().get_account(&c).await.unwrap_err();
    assert!(matches!(err, PaysonError::Unauthorized), "{err:?}");
    assert!(!err.outcome_unknown());
    assert_eq!(err.payson_message(), None);
    let reqs = requests(&server, "GET").await;
    // base64("4:wrong-key")
    assert_eq!(reqs[0].headers["authorization"], "Basic NDp3cm9uZy1rZXk=");
}

#[tokio::test]
async fn create_sample_is_sent_as_given_and_read_from_the_201_body() {
    let server = MockServer::start().await;
    let body: Value = serde_json::from_str(CREATE_REQUEST_SAMPLE).unwrap();
    Mock::given(method("POST"))
        .and(path("/2.0/Checkouts"))
        .and(header("authorization", TEST_AUTH))
        .and(header("content-type", "application/json"))
        .and(header("accept", "application/json"))
        .and(body_json(&body))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header(
                    "Location",
                    format!("https://api.payson.se/2.0/Checkouts/{CREATED_ID}").as_str(),
                )
                .set_body_raw(CREATE_RESPONSE_SAMPLE, "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = client()
        .create_checkout(&creds(&server.uri()), &body)
        .await
        .unwrap();
    assert_eq!(c.id(), Some(CREATED_ID.parse().unwrap()));
    assert_eq!(c.status(), CheckoutStatus::Created);
    assert_eq!(c.status_text(), Some("created"));
    assert_eq!(
        c.total_including_tax(),
        Some(Money::from_minor(25_000, Currency::Sek))
    );
    assert!(
        c.snippet()
            .unwrap()
            .starts_with("<iframe id='checkoutIframe'")
    );
    assert_eq!(c.purchase_id(), None);
    assert_eq!(c.customer_name(), None);
    // The body wins: no follow-up GET.
    assert!(requests(&server, "GET").await.is_empty());
    // Everything Payson sent is kept.
    let sample: Value = serde_json::from_str(CREATE_RESPONSE_SAMPLE).unwrap();
    assert_eq!(Value::Object(c.into_raw()), sample);
}

#[tokio::test]
async fn create_without_a_usable_body_reads_the_checkout_named_by_location() {
    for (what, answer) in [
        ("no body", ResponseTemplate::new(201)),
        (
            "null body",
            ResponseTemplate::new(201).set_body_raw("null", "application/json"),
        ),
        (
            "garbage body",
            ResponseTemplate::new(201).set_body_raw("<html>created</html>", "text/html"),
        ),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/2.0/Checkouts"))
            .respond_with(answer.insert_header(
                "Location",
                format!("{}{}", server.uri(), checkout_path(CREATED_ID)).as_str(),
            ))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(checkout_path(CREATED_ID)))
            .and(header("authorization", TEST_AUTH))
            .respond_with(json_body(CREATE_RESPONSE_SAMPLE))
            .expect(1)
            .mount(&server)
            .await;
        let body: Value = serde_json::from_str(CREATE_REQUEST_SAMPLE).unwrap();
        let c = client()
            .create_checkout(&creds(&server.uri()), &body)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e:?}"));
        assert_eq!(c.id(), Some(CREATED_ID.parse().unwrap()), "{what}");
        assert_eq!(c.status(), CheckoutStatus::Created, "{what}");
        server.verify().await;
    }
}

#[tokio::test]
async fn create_without_body_or_location_is_malformed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/2.0/Checkouts"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    let err = client()
        .create_checkout(&creds(&server.uri()), &json!({}))
        .await
        .unwrap_err();
    assert!(
        matches!(err, PaysonError::Malformed(_)) && err.outcome_unknown(),
        "{err:?}"
    );
}

#[tokio::test]
async fn list_sample_with_its_query() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/2.0/Checkouts"))
        .and(query_param("status", "PaidToAccount"))
        .and(query_param("page", "1"))
        .and(query_param("pageSize", "20"))
        .and(header("authorization", TEST_AUTH))
        .respond_with(json_body(LIST_SAMPLE))
        .expect(1)
        .mount(&server)
        .await;
    let page = client()
        .list_checkouts(&creds(&server.uri()), Some("PaidToAccount"), 1, 20)
        .await
        .unwrap();
    assert_eq!(
        (
            page.page_size,
            page.page,
            page.total_pages,
            page.count,
            page.total_count
        ),
        (20, 1, 1, 2, 2)
    );
    assert_eq!(page.data.len(), 1);
    let c = &page.data[0];
    assert_eq!(
        c.id(),
        Some("a9e48054-0000-4000-8000-000000000001".parse().unwrap())
    );
    assert_eq!(c.status(), CheckoutStatus::PaidToAccount);
    assert_eq!(c.customer_name().as_deref(), Some("Tess T Persson"));
    assert_eq!(c.customer_email(), Some("tester@subdomain.se"));
    assert_eq!(
        c.customer_country(),
        Some("SE"),
        "the sample says `country`"
    );
    assert_eq!(
        c.total_including_tax(),
        Some(Money::from_minor(31_500, Currency::Sek))
    );
    let q = requests(&server, "GET").await[0]
        .url
        .query()
        .map(str::to_owned);
    assert_eq!(
        q.as_deref(),
        Some("status=PaidToAccount&page=1&pageSize=20")
    );
}

#[tokio::test]
async fn list_query_is_encoded_and_status_is_optional() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/2.0/Checkouts"))
        .respond_with(json_body(
            r#"{"pageSize":5,"page":3,"totalPages":3,"count":0,"totalCount":10,"data":[]}"#,
        ))
        .mount(&server)
        .await;
    let cl = client();
    // Base URL without the trailing slash.
    let mut cr = creds(&server.uri());
    cr.base_url = format!("{}/2.0", server.uri());
    let page = cl.list_checkouts(&cr, None, 3, 5).await.unwrap();
    assert_eq!((page.page, page.total_count, page.data.len()), (3, 10, 0));
    cl.list_checkouts(&cr, Some("a&b c=d"), 1, 20)
        .await
        .unwrap();
    let reqs = requests(&server, "GET").await;
    assert_eq!(reqs[0].url.path(), "/2.0/Checkouts");
    assert_eq!(reqs[0].url.query(), Some("page=3&pageSize=5"));
    let pairs: Vec<(String, String)> = reqs[1].url.query_pairs().into_owned().collect();
    assert_eq!(
        pairs,
        vec![
            ("status".into(), "a&b c=d".into()),
            ("page".into(), "1".into()),
            ("pageSize".into(), "20".into())
        ]
    );
}

#[tokio::test]
async fn amounts_are_exact_minor_units() {
    let server = MockServer::start().await;
    // JSON numbers that are not exact in binary floating point.
    let cases = [
        ("172.5", 17_250),
        ("250", 25_000),
        ("0.1", 10),
        ("19.99", 1_999),
        ("1234.56", 123_456),
        ("99999999.99", 9_999_999_999),
        ("315.10", 31_510),
    ];
    for (i, (amount, _)) in cases.iter().enumerate() {
        let id = format!("00000000-0000-4000-8000-{i:012}");
        Mock::given(method("GET"))
            .and(path(checkout_path(&id)))
            .respond_with(json_body(&format!(
                r#"{{"id":"{id}","status":"readyToShip","order":{{"currency":"sek","totalPriceIncludingTax":{amount}}}}}"#
            )))
            .mount(&server)
            .await;
    }
    let (cl, cr) = (client(), creds(&server.uri()));
    for (i, (amount, minor)) in cases.iter().enumerate() {
        let id = format!("00000000-0000-4000-8000-{i:012}");
        let c = cl.get_checkout(&cr, id.parse().unwrap()).await.unwrap();
        assert_eq!(
            c.total_including_tax(),
            Some(Money::from_minor(*minor, Currency::Sek)),
            "{amount}"
        );
    }
}

#[tokio::test]
async fn update_round_trip_puts_back_every_unknown_field() {
    let server = MockServer::start().await;
    // What Payson holds: the create sample paid, plus fields this client has never heard of
    // at every depth.
    let mut held: Value = serde_json::from_str(CREATE_RESPONSE_SAMPLE).unwrap();
    held["status"] = json!("readyToShip");
    held["purchaseId"] = json!(3_000_123);
    held["futureTopLevel"] = json!({"nested": [1, 2.5, {"deep": true, "n": null}]});
    held["merchant"] = json!({"checkoutUri":"https://www.examplestore.com/checkout.php",
        "reference": "BK-9", "partnerId": "x", "unknownMerchantField": 7});
    held["order"]["items"][0]["futureItemField"] = json!("keep me");
    held["order"]["futureOrderField"] = json!({"a": [{"b": "c"}]});
    held["history"] =
        json!({"created": "2024-05-01T10:00:00", "readyToShip": "2024-05-01T12:00:00+02:00"});
    Mock::given(method("GET"))
        .and(path(checkout_path(CREATED_ID)))
        .respond_with(ResponseTemplate::new(200).set_body_json(&held))
        .mount(&server)
        .await;
    let mut expected_put = held.clone();
    expected_put["status"] = json!("shipped");
    let mut answer = expected_put.clone();
    answer["history"]["shipped"] = json!("2024-05-02T08:00:00Z");
    Mock::given(method("PUT"))
        .and(path(checkout_path(CREATED_ID)))
        .respond_with(ResponseTemplate::new(200).set_body_json(&answer))
        .expect(1)
        .mount(&server)
        .await;

    let (cl, cr) = (client(), creds(&server.uri()));
    let mut c = cl
        .get_checkout(&cr, CREATED_ID.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(c.status(), CheckoutStatus::ReadyToShip);
    assert_eq!(c.purchase_id(), Some(3_000_123));
    assert_eq!(c.merchant_reference(), Some("BK-9"));
    assert_eq!(
        c.history_time("readyToShip").unwrap().to_rfc3339(),
        "2024-05-01T10:00:00+00:00"
    );
    assert_eq!(
        c.history_time("created").unwrap().to_rfc3339(),
        "2024-05-01T10:00:00+00:00",
        "no offset means UTC"
    );
    c.set_status(CheckoutStatus::Shipped);
    let updated = cl.update_checkout(&cr, &c).await.unwrap();
    assert_eq!(updated.status(), CheckoutStatus::Shipped);
    assert!(updated.history_time("shipped").is_some());

    let put = &requests(&server, "PUT").await[0];
    assert_eq!(
        put.body_json::<Value>().unwrap(),
        expected_put,
        "only the status changed; everything else went back as read"
    );
    // Key order survives too (serde_json preserve_order): the bytes match the held text.
    assert_eq!(
        String::from_utf8(put.body.clone()).unwrap(),
        serde_json::to_string(&expected_put).unwrap()
    );
    assert_eq!(put.headers["authorization"], TEST_AUTH);
    assert_eq!(put.headers["content-type"], "application/json");
}

#[tokio::test]
async fn empty_put_answer_is_followed_by_a_get() {
    // payson-api.md §2.4: the old doc answers 200 with Content-Length: 0 and Location.
    let with_location = |body: &'static str| {
        ResponseTemplate::new(200)
            .insert_header(
                "Location",
                format!("https://api.payson.se/2.0/Checkouts/{CREATED_ID}").as_str(),
            )
            .set_body_raw(body, "application/json")
    };
    for (what, answer) in [
        ("empty", with_location("")),
        ("null", with_location("null")),
        ("bare 200, no headers", ResponseTemplate::new(200)),
    ] {
        let server = MockServer::start().await;
        let mut after: Value = serde_json::from_str(CREATE_RESPONSE_SAMPLE).unwrap();
        after["status"] = json!("canceled");
        Mock::given(method("PUT"))
            .and(path(checkout_path(CREATED_ID)))
            .respond_with(answer)
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(checkout_path(CREATED_ID)))
            .respond_with(ResponseTemplate::new(200).set_body_json(&after))
            .expect(1)
            .mount(&server)
            .await;
        let mut c =
            PaysonCheckout::from_json(serde_json::from_str(CREATE_RESPONSE_SAMPLE).unwrap())
                .unwrap();
        c.set_status(CheckoutStatus::Canceled);
        let updated = client()
            .update_checkout(&creds(&server.uri()), &c)
            .await
            .unwrap();
        assert_eq!(updated.status(), CheckoutStatus::Canceled, "{what}");
        assert_eq!(updated.status_text(), Some("canceled"));
        server.verify().await;
    }
}

#[tokio::test]
async fn error_body_is_refused_with_property_and_message() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/2.0/Checkouts"))
        .respond_with(ResponseTemplate::new(400).set_body_raw(ERROR_SAMPLE, "application/json"))
        .mount(&server)
        .await;
    let mut body: Value = serde_json::from_str(CREATE_REQUEST_SAMPLE).unwrap();
    body["order"]["currency"] = json!("XYZ");
    let err = client()
        .create_checkout(&creds(&server.uri()), &body)
        .await
        .unwrap_err();
    let PaysonError::Refused {
        status,
        message,
        errors,
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(*status, 400);
    assert_eq!(message, "The request is invalid.");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].property, "Order.Currency");
    assert_eq!(errors[0].message, "...");
    assert!(!err.outcome_unknown(), "Payson answered: nothing happened");
    assert_eq!(
        err.payson_message().as_deref(),
        Some("The request is invalid.; Order.Currency: ...")
    );
    assert!(err.to_string().contains("Order.Currency"), "{err}");
    assert_no_secret(&err);
}

#[tokio::test]
async fn other_statuses_are_classified() {
    let server = MockServer::start().await;
    let id = |n: u32| format!("00000000-0000-4000-8000-{n:012}");
    let answers = [
        (
            404,
            ResponseTemplate::new(404)
                .set_body_raw(r#"{"message":"Not found"}"#, "application/json"),
        ),
        (
            401,
            ResponseTemplate::new(401).set_body_raw("null", "application/json"),
        ),
        (
            500,
            ResponseTemplate::new(500).set_body_raw("null", "application/json"),
        ),
        (
            502,
            ResponseTemplate::new(502).set_body_raw("<html>Bad gateway</html>", "text/html"),
        ),
        (409, ResponseTemplate::new(409)),
        (
            302,
            ResponseTemplate::new(302).insert_header("Location", "http://127.0.0.1:9/elsewhere"),
        ),
    ];
    for (n, answer) in answers {
        Mock::given(method("GET"))
            .and(path(checkout_path(&id(n))))
            .respond_with(answer)
            .mount(&server)
            .await;
    }
    let (cl, cr) = (client(), creds(&server.uri()));
    let get = |n: u32| {
        let (cl, cr) = (cl.clone(), cr.clone());
        async move {
            cl.get_checkout(&cr, id(n).parse().unwrap())
                .await
                .unwrap_err()
        }
    };
    let e = get(404).await;
    assert!(matches!(e, PaysonError::NotFound), "{e:?}");
    let e = get(401).await;
    assert!(matches!(e, PaysonError::Unauthorized), "{e:?}");
    for (n, reason) in [
        (500, "Internal Server Error"),
        (502, "Bad Gateway"),
        (409, "Conflict"),
    ] {
        let e = get(n).await;
        assert!(
            matches!(&e, PaysonError::Refused { status, message, errors } if u32::from(*status) == n && message == reason && errors.is_empty()),
            "{n}: {e:?}"
        );
        // A server error may have come after the change was applied; a 4xx says it was not.
        assert_eq!(e.outcome_unknown(), n >= 500, "{n}");
    }
    // Redirects are not followed: the credentials stay with Payson's host.
    let e = get(302).await;
    assert!(
        matches!(e, PaysonError::Refused { status: 302, .. }),
        "{e:?}"
    );
}

#[tokio::test]
async fn malformed_2xx_answers_are_outcome_unknown() {
    let server = MockServer::start().await;
    let bodies = [
        "<html>oops</html>",
        "[]",
        "null",
        "",
        r#"{"status":"readyToShip"}"#,
        r#"{"id":"not-a-uuid","status":"readyToShip"}"#,
        r#"{"id":"264d3bfd-f7a1-4122-8556-a56700f71eaa","#,
    ];
    for (i, b) in bodies.iter().enumerate() {
        Mock::given(method("GET"))
            .and(path(checkout_path(&format!(
                "00000000-0000-4000-8000-{i:012}"
            ))))
            .respond_with(json_body(b))
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/2.0/Accounts"))
        .respond_with(json_body("{}"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2.0/Checkouts"))
        .respond_with(json_body(
            r#"{"pageSize":20,"page":1,"data":{"not":"a list"}}"#,
        ))
        .mount(&server)
        .await;
    let (cl, cr) = (client(), creds(&server.uri()));
    for (i, b) in bodies.iter().enumerate() {
        let id = format!("00000000-0000-4000-8000-{i:012}").parse().unwrap();
        let e = cl.get_checkout(&cr, id).await.unwrap_err();
        assert!(
            matches!(e, PaysonError::Malformed(_)) && e.outcome_unknown(),
            "{b:?}: {e:?}"
        );
    }
    let e = cl.get_account(&cr).await.unwrap_err();
    assert!(matches!(e, PaysonError::Malformed(_)), "{e:?}");
    let e = cl.list_checkouts(&cr, None, 1, 20).await.unwrap_err();
    assert!(matches!(e, PaysonError::Malformed(_)), "{e:?}");
}

#[tokio::test]
async fn unknown_statuses_and_key_casing_are_tolerated() {
    let server = MockServer::start().await;
    let odd = "00000000-0000-4000-8000-000000000001";
    let pascal = "00000000-0000-4000-8000-000000000002";
    Mock::given(method("GET"))
        .and(path(checkout_path(odd)))
        .respond_with(json_body(&format!(
            r#"{{"id":"{odd}","status":"somethingPaysonAddedLater","order":{{"currency":"sek","totalPriceIncludingTax":10}}}}"#
        )))
        .mount(&server)
        .await;
    // The keys as a PascalCase .NET serializer would write them, and an upper-case status.
    Mock::given(method("GET"))
        .and(path(checkout_path(pascal)))
        .respond_with(json_body(&format!(
            r#"{{"Id":"{pascal}","Status":"READYTOSHIP","PurchaseId":42,
                "Customer":{{"FirstName":"Tess T","LastName":"Persson","Email":"t@e.se","CountryCode":"SE"}},
                "Merchant":{{"Reference":"BK-1"}},
                "Order":{{"Currency":"SEK","TotalPriceIncludingTax":172.5}},
                "History":{{"ReadyToShip":"2024-05-01T12:00:00"}}}}"#
        )))
        .mount(&server)
        .await;
    let (cl, cr) = (client(), creds(&server.uri()));
    let c = cl.get_checkout(&cr, odd.parse().unwrap()).await.unwrap();
    assert_eq!(c.status(), CheckoutStatus::None);
    assert_eq!(c.status_text(), Some("somethingPaysonAddedLater"));
    assert_eq!(
        c.total_including_tax(),
        Some(Money::from_minor(1_000, Currency::Sek))
    );

    let c = cl.get_checkout(&cr, pascal.parse().unwrap()).await.unwrap();
    assert_eq!(c.id(), Some(pascal.parse().unwrap()));
    assert_eq!(c.status(), CheckoutStatus::ReadyToShip);
    assert_eq!(c.purchase_id(), Some(42));
    assert_eq!(c.customer_name().as_deref(), Some("Tess T Persson"));
    assert_eq!(c.customer_email(), Some("t@e.se"));
    assert_eq!(c.customer_country(), Some("SE"));
    assert_eq!(c.merchant_reference(), Some("BK-1"));
    assert_eq!(
        c.total_including_tax(),
        Some(Money::from_minor(17_250, Currency::Sek))
    );
    assert_eq!(
        c.history_time("readyToShip").unwrap().to_rfc3339(),
        "2024-05-01T12:00:00+00:00"
    );
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(checkout_path(CREATED_ID)))
        .respond_with(json_body(CREATE_RESPONSE_SAMPLE).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let c =
        PaysonCheckout::from_json(serde_json::from_str(CREATE_RESPONSE_SAMPLE).unwrap()).unwrap();
    let started = std::time::Instant::now();
    let err = client_with(1000, 400)
        .update_checkout(&creds(&server.uri()), &c)
        .await
        .unwrap_err();
    assert!(
        matches!(err, PaysonError::Timeout) && err.outcome_unknown(),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the timeout was applied"
    );
    assert_eq!(
        requests(&server, "PUT").await.len(),
        1,
        "the request was sent"
    );
}

#[tokio::test]
async fn nothing_listening_is_not_sent() {
    let port = crate::helpers::free_port();
    let err = client()
        .get_checkout(&creds(&format!("http://127.0.0.1:{port}")), Uuid::new_v4())
        .await
        .unwrap_err();
    assert!(
        matches!(err, PaysonError::NotSent(_)) && !err.outcome_unknown(),
        "{err:?}"
    );
    assert_no_secret(&err);
}

#[tokio::test]
async fn a_connect_timeout_is_not_sent() {
    // A listener that never accepts, its accept queue filled: the kernel drops further
    // SYNs, so the client's connect hangs until connect_timeout. (A "non-routable"
    // address is no good here: sandboxes may intercept all outbound traffic.)
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..4 {
        if let Ok(Ok(s)) = tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            fillers.push(s);
        }
    }
    let started = std::time::Instant::now();
    let err = client_with(300, 5000)
        .get_account(&creds(&format!("http://{addr}")))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, PaysonError::NotSent(m) if m == "connect timed out")
            && !err.outcome_unknown(),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the connect timeout applied, not the request timeout"
    );
    drop((fillers, listener));
}

/// A server that reads one whole HTTP request, then closes without answering.
async fn hang_up_after_reading() -> (String, tokio::task::JoinHandle<Vec<u8>>) {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            let n = sock.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&got).to_string();
            if let Some(end) = text.find("\r\n\r\n") {
                let len = text[..end]
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                if got.len() >= end + 4 + len {
                    break;
                }
            }
        }
        drop(sock);
        got
    });
    (format!("http://{addr}"), task)
}

#[tokio::test]
async fn a_connection_dropped_after_the_request_is_dropped() {
    let (base, server) = hang_up_after_reading().await;
    let mut c =
        PaysonCheckout::from_json(serde_json::from_str(CREATE_RESPONSE_SAMPLE).unwrap()).unwrap();
    c.set_status(CheckoutStatus::Shipped);
    let err = client()
        .update_checkout(&creds(&base), &c)
        .await
        .unwrap_err();
    assert!(
        matches!(err, PaysonError::Dropped(_)) && err.outcome_unknown(),
        "{err:?}"
    );
    assert_no_secret(&err);
    // The whole request did arrive: this is "sent, outcome unknown", not "not sent".
    let got = String::from_utf8(server.await.unwrap()).unwrap();
    assert!(
        got.starts_with(&format!("PUT /2.0/Checkouts/{CREATED_ID} HTTP/1.1")),
        "{got}"
    );
    assert!(got.contains(r#""status":"shipped""#), "{got}");
}

#[tokio::test]
async fn credentials_never_show_in_debug_output() {
    let c = creds("https://test-api.payson.se");
    let d = format!("{c:?}");
    assert!(!d.contains(KEY), "{d}");
    assert!(d.contains("test-api.payson.se") && d.contains('4'));
    let cl = client();
    assert!(!format!("{cl:?}").contains(KEY));
}

#[tokio::test]
async fn a_bad_base_url_is_a_config_error_and_sends_nothing() {
    for base in ["not a url", "ftp://test-api.payson.se/2.0/", ""] {
        let c = PaysonCredentials {
            base_url: base.into(),
            agent_id: AGENT.into(),
            api_key: KEY.into(),
        };
        let err = client().get_account(&c).await.unwrap_err();
        assert!(matches!(err, PaysonError::Config(_)), "{base}: {err:?}");
        assert!(!err.outcome_unknown());
        assert_no_secret(&err);
    }
}

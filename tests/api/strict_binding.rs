//! Rule 3, strictly: a body (or query string) that is not a valid DTO is a 400 naming the
//! field in ServiceStack's ResponseStatus; members the DTO does not have are ignored; a
//! path value wins over the body. Nothing reaches Payson for a refused request.

use checkout_desk::domain::{CheckoutId, CheckoutStatus};
use reqwest::{Method, StatusCode};

use crate::helpers::api::Format;
use crate::helpers::{Db, TestApp, spawn_app, ss_error};
use crate::on_both;

const SEND: &str = "/json/reply/SendCheckoutPaymentRequest";
const GET: &str = "/json/reply/PaysonCheckoutv2GetCheckout";

/// A raw request (bytes, not only text) as the company writer; (status, code, field).
async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, String, Option<String>) {
    let resp = app
        .client
        .request(method, app.url(path))
        .bearer_auth(&app.tokens.writer)
        .header("accept", "application/json")
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let (code, _, field) = ss_error(resp).await;
    (status, code, field)
}

fn assert_names(
    what: &str,
    (status, code, field): (StatusCode, String, Option<String>),
    want_field: &str,
) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{what}");
    assert!(!code.is_empty(), "{what}: an ErrorCode");
    assert_eq!(field.as_deref(), Some(want_field), "{what}: FieldName");
}

async fn bodies_that_are_not_the_dto_name_the_field(db: Db) {
    let app = spawn_app(db).await;
    let id = app.ready().await;
    let before = app.sim.checkout_counters(id.as_uuid());
    let json = "application/json";
    let form = "application/x-www-form-urlencoded";
    let xml = "application/xml";
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (json, br#"{"Id":[1,2]}"#.to_vec(), "Id"),
        (json, format!(r#"{{"Id":"{id}","CompanyId":{{"a":1}}}}"#).into_bytes(), "CompanyId"),
        (json, br#"{"Id":12}"#.to_vec(), "Id"),
        (json, br#"{"Id":true}"#.to_vec(), "Id"),
        (json, format!("{{\"Id\":\"{id}\\u0000\"}}").into_bytes(), "Id"),
        (form, b"Id=%zz".to_vec(), "Id"),
        (form, b"Id=%E4%".to_vec(), "Id"),
        (form, b"Id=\xff\xfe".to_vec(), "Id"),
        (form, format!("Id={id}&CompanyId=%FF").into_bytes(), "CompanyId"),
        (form, format!("Id={id}%00").into_bytes(), "Id"),
        (
            xml,
            b"<SendCheckoutPaymentRequest><Id><Guid>1</Guid></Id></SendCheckoutPaymentRequest>"
                .to_vec(),
            "Id",
        ),
        (
            xml,
            format!("<SendCheckoutPaymentRequest><CompanyId><x/></CompanyId><Id>{id}</Id></SendCheckoutPaymentRequest>")
                .into_bytes(),
            "CompanyId",
        ),
        (
            xml,
            b"<SendCheckoutPaymentRequest><Id>\x00</Id></SendCheckoutPaymentRequest>".to_vec(),
            "Id",
        ),
    ];
    for (ct, body, field) in &cases {
        let what = format!("{ct} {}", String::from_utf8_lossy(body));
        for method in [Method::PUT, Method::POST] {
            let got = raw(&app, method.clone(), SEND, ct, body.clone()).await;
            assert_names(&what, got, field);
        }
    }
    // The query string binds too, on the send and the get routes.
    for path in [SEND, GET] {
        let method = if path == SEND {
            Method::PUT
        } else {
            Method::GET
        };
        for (query, field) in [
            ("Id=%zz".to_owned(), "Id"),
            (format!("Id={id}&CompanyId=%C3"), "CompanyId"),
            ("Id=%00".to_owned(), "Id"),
        ] {
            let got = raw(
                &app,
                method.clone(),
                &format!("{path}?{query}"),
                json,
                vec![],
            )
            .await;
            assert_names(&format!("{path}?{query}"), got, field);
        }
    }
    assert_eq!(app.local(id).await.status, CheckoutStatus::ReadyToShip);
    assert_eq!(app.sim.counters().update, 0, "nothing reached Payson");
    assert_eq!(app.sim.checkout_counters(id.as_uuid()), before);
}

async fn unknown_members_are_ignored_and_the_path_wins(db: Db) {
    let app = spawn_app(db).await;
    // Unknown members of any type (and badly encoded ones) do not stop a send.
    let id = app.ready().await;
    let body = format!(r#"{{"Id":"{id}","Extra":[1,{{"a":null}}],"Note":{{"x":1}}}}"#);
    let (status, text) = app
        .api(Method::PUT, SEND)
        .body("application/json", body)
        .send_text()
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let id = app.ready().await;
    let body = format!(
        "<SendCheckoutPaymentRequest><Extra><Deep>1</Deep></Extra><Id>{id}</Id></SendCheckoutPaymentRequest>"
    );
    let (status, text) = app.api(Method::PUT, SEND).xml(body).send_text().await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let id = app.ready().await;
    let body = format!("Other=%zz&Id={id}");
    let (status, text) = app
        .api(Method::POST, SEND)
        .body("application/x-www-form-urlencoded", body)
        .send_text()
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    // A path value wins over the body, even over a body value that could not be read.
    let id = app.ready().await;
    let other = CheckoutId::new_random();
    for body in [
        format!(r#"{{"Id":"{other}"}}"#),
        r#"{"Id":[1,2]}"#.to_owned(),
    ] {
        let resp = app
            .get_checkout_api(id, Format::Json)
            .body("application/json", body.clone())
            .send()
            .await;
        assert_eq!(resp.status(), StatusCode::OK, "{body}");
    }
    let resp = app
        .put_send_payment_request(id, Format::Negotiated)
        .body("application/json", r#"{"Id":[1,2]}"#)
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(app.local(id).await.status, CheckoutStatus::Shipped);
    assert_eq!(app.sim.checkout_counters(other.as_uuid()).update, 0);
}

async fn notification_query_is_strict_too(db: Db) {
    let app = spawn_app(db).await;
    let id = app.ready().await;
    let before = app.sim.checkout_counters(id.as_uuid());
    for query in [
        "checkout=%zz".to_owned(),
        format!("checkout={id}%FF"),
        "checkout=%00".to_owned(),
        "checkout[]=1".to_owned(),
    ] {
        let resp = app.post_ipn(&query).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{query}");
    }
    assert_eq!(
        app.sim.checkout_counters(id.as_uuid()),
        before,
        "no refused notification re-read Payson"
    );
    // A body is not read at all: the query names the checkout.
    let resp = app
        .client
        .post(app.url(&format!("/payment/payson/v2/ipncallback?checkout={id}")))
        .header("content-type", "application/json")
        .body(r#"{"checkout":[1,2]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

on_both!(
    bodies_that_are_not_the_dto_name_the_field,
    unknown_members_are_ignored_and_the_path_wins,
    notification_query_is_strict_too,
);

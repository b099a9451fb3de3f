//! Every route variant and format selector, request binding from path/query/body, key
//! casing and GUID forms, and the seed page's XML request as given.

use checkout_desk::domain::CheckoutStatus;
use reqwest::{Method, StatusCode};

use crate::helpers::api::Format;
use crate::helpers::{Db, Options, TestApp, spawn_app, spawn_with, ss_error};

async fn app() -> TestApp {
    spawn_app(Db::Sqlite).await
}

fn content_type(r: &reqwest::Response) -> String {
    r.headers()["content-type"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn format_selectors() {
    let app = app().await;
    use Format::{Json, Negotiated, Xml};
    // (path format, query, Accept) → expected format
    let cases: &[(Format, &str, Option<&str>, &str)] = &[
        (Negotiated, "", None, "application/json"),
        (Negotiated, "", Some("*/*"), "application/json"),
        (Json, "", Some("application/xml"), "application/json"),
        (Xml, "", Some("application/json"), "application/xml"),
        (
            Negotiated,
            "format=xml",
            Some("application/json"),
            "application/xml",
        ),
        (Xml, "format=json", None, "application/json"),
        (Negotiated, "", Some("application/xml"), "application/xml"),
        (Negotiated, "", Some("text/xml"), "application/xml"),
        (
            Negotiated,
            "",
            Some("application/json;q=0.4, application/xml;q=0.8"),
            "application/xml",
        ),
        (
            Negotiated,
            "",
            Some("application/xml;q=0.4, application/json"),
            "application/json",
        ),
        (
            Negotiated,
            "",
            Some("text/html, */*;q=0.1"),
            "application/json",
        ),
    ];
    for (format, query, accept, want) in cases {
        let id = app.ready().await;
        let mut req = app.put_send_payment_request(id, *format).query(query);
        if let Some(a) = accept {
            req = req.accept(a);
        }
        let resp = req.send().await;
        assert_eq!(
            resp.status(),
            StatusCode::OK,
            "{format:?} {query} {accept:?}"
        );
        assert!(
            content_type(&resp).starts_with(want),
            "{format:?} {query} {accept:?}: {}",
            content_type(&resp)
        );
    }
    // Nothing acceptable: 406 and nothing sent.
    let id = app.ready().await;
    let resp = app
        .put_send_payment_request(id, Negotiated)
        .accept("text/html")
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_ACCEPTABLE);
    let resp = app
        .put_send_payment_request(id, Negotiated)
        .query("format=csv")
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_ACCEPTABLE);
    assert_eq!(app.sim.ship_count(id.as_uuid()), 0);
}

#[tokio::test]
async fn predefined_servicestack_routes() {
    let app = app().await;
    // /json/reply with Id in a JSON body, PUT and POST.
    for method in [reqwest::Method::PUT, reqwest::Method::POST] {
        let id = app.ready().await;
        let resp = app
            .api(method.clone(), "/json/reply/SendCheckoutPaymentRequest")
            .json(&serde_json::json!({ "Id": id.to_string() }))
            .send()
            .await;
        assert_eq!(resp.status(), StatusCode::OK, "{method}");
        assert!(content_type(&resp).starts_with("application/json"));
    }
    // /xml/reply with the DataContract body.
    let id = app.ready().await;
    let body = format!(
        r#"<SendCheckoutPaymentRequest xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.datacontract.org/2004/07/BokaMera.API.ServiceModel.Dtos"><CompanyId>{}</CompanyId><Id>{id}</Id></SendCheckoutPaymentRequest>"#,
        app.company.id
    );
    let resp = app
        .api(Method::POST, "/xml/reply/SendCheckoutPaymentRequest")
        .xml(body)
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(content_type(&resp).starts_with("application/xml"));
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("<Status>Shipped</Status>")
    );
    // /api with Id in the query string, form body for CompanyId.
    let id = app.ready().await;
    let resp = app
        .api(Method::PUT, "/api/SendCheckoutPaymentRequest")
        .query(&format!("Id={id}"))
        .body(
            "application/x-www-form-urlencoded",
            format!("CompanyId={}", app.company.id),
        )
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(app.local(id).await.status, CheckoutStatus::Shipped);
    // Predefined route without any Id: 400 naming Id.
    let resp = app
        .api(Method::PUT, "/json/reply/SendCheckoutPaymentRequest")
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(ss_error(resp).await.2.as_deref(), Some("Id"));
    // A wrong method on the custom route: 405 in ServiceStack form.
    let resp = app
        .api(
            Method::GET,
            &format!("/payment/payson/v2/checkout/{id}/sendpaymentrequest"),
        )
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(ss_error(resp).await.0, "MethodNotAllowed");
}

#[tokio::test]
async fn key_casing_guid_forms_and_path_precedence() {
    let app = app().await;
    let company = app.company.id.to_string();
    let simple = company.replace('-', "");
    for (i, body) in [
        serde_json::json!({"companyid": company}),
        serde_json::json!({"COMPANYID": simple}),
        serde_json::json!({"companyId": format!("{{{}}}", company.to_uppercase())}),
        serde_json::json!({"CompanyId": null}),
        serde_json::json!({"CompanyId": ""}),
        serde_json::json!({"CompanyId": "00000000-0000-0000-0000-000000000000"}),
    ]
    .into_iter()
    .enumerate()
    {
        let id = app.ready().await;
        let resp = app
            .put_send_payment_request(id, Format::Negotiated)
            .json(&body)
            .send()
            .await;
        assert_eq!(resp.status(), StatusCode::OK, "case {i}: {body}");
    }
    // The path id in its other spellings.
    for form in [
        |u: uuid::Uuid| u.simple().to_string(),
        |u: uuid::Uuid| u.braced().to_string(),
        |u: uuid::Uuid| u.hyphenated().to_string().to_uppercase(),
    ] {
        let id = app.ready().await;
        let resp = app
            .put_send_payment_request(form(id.as_uuid()), Format::Negotiated)
            .send()
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(
            body["Id"],
            id.to_string(),
            "always answered in the dashed form"
        );
    }
    // Path wins over the body.
    let id = app.ready().await;
    let other = app.ready().await;
    let resp = app
        .put_send_payment_request(id, Format::Negotiated)
        .json(&serde_json::json!({"Id": other.to_string()}))
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(app.local(id).await.status, CheckoutStatus::Shipped);
    assert_eq!(app.local(other).await.status, CheckoutStatus::ReadyToShip);
}

#[tokio::test]
async fn seed_page_xml_request_as_given() {
    let app = app().await;
    let id = app.ready().await;
    // Exactly the seed page's body: all-zero CompanyId (= own company) and Id (the path wins).
    let seed = r#"<SendCheckoutPaymentRequest xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.datacontract.org/2004/07/BokaMera.API.ServiceModel.Dtos">
  <CompanyId>00000000-0000-0000-0000-000000000000</CompanyId>
  <Id>00000000-0000-0000-0000-000000000000</Id>
</SendCheckoutPaymentRequest>"#;
    let resp = app
        .put_send_payment_request(id, Format::Negotiated)
        .accept("application/xml")
        .xml(seed)
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body = resp.text().await.unwrap();
    assert!(body.starts_with(r#"<PaysonCheckoutV2Response xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.datacontract.org/2004/07/BokaMera.API.ServiceModel.Dtos"><Id>"#), "{body}");
    assert!(body.contains("<Status>Shipped</Status>"));
    // On a predefined route the seed's all-zero Id is an empty Id: 400 naming it.
    let (status, body) = app
        .api(Method::PUT, "/xml/reply/SendCheckoutPaymentRequest")
        .body("text/xml", seed)
        .send_text()
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("<FieldName>Id</FieldName>"));
}

#[tokio::test]
async fn get_checkout_sibling() {
    let app = app().await;
    let id = app.ready().await;
    for token in [&app.tokens.reader, &app.tokens.writer] {
        let resp = app
            .get_checkout_api(id, Format::Negotiated)
            .token(token)
            .send()
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["Status"], "ReadyToShip");
    }
    let (_, xml) = app
        .get_checkout_api(id, Format::Xml)
        .token(&app.tokens.reader)
        .send_text()
        .await;
    assert!(xml.contains("<Status>ReadyToShip</Status>"));
    // The superadmin naming the company; another company's writer, no roles (on the
    // predefined route) and nobody are refused.
    let cases = [
        (
            app.get_checkout_api(id, Format::Negotiated)
                .query(&format!("CompanyId={}", app.company.id))
                .token(&app.tokens.superadmin),
            StatusCode::OK,
        ),
        (
            app.get_checkout_api(id, Format::Negotiated)
                .token(&app.tokens.other_writer),
            StatusCode::NOT_FOUND,
        ),
        (
            app.api(Method::GET, "/json/reply/PaysonCheckoutv2GetCheckout")
                .query(&format!("Id={id}"))
                .token(&app.tokens.no_roles),
            StatusCode::FORBIDDEN,
        ),
        (
            app.get_checkout_api(id, Format::Negotiated).anonymous(),
            StatusCode::UNAUTHORIZED,
        ),
    ];
    for (i, (req, want)) in cases.into_iter().enumerate() {
        assert_eq!(req.send().await.status(), want, "case {i}");
    }
}

#[tokio::test]
async fn metrics_are_private_and_count_requests_and_sends() {
    // Not served at all without a token.
    let app = spawn_app(Db::Sqlite).await;
    let r = app.get_metrics(None).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let mut opts = Options::new(Db::Sqlite);
    opts.settings = Box::new(|s| s.metrics_token = Some("scrape-secret".into()));
    let app = spawn_with(opts).await;
    let id = app.ready().await;
    assert_eq!(app.send(id).await.status(), StatusCode::OK);
    for token in [None, Some("wrong")] {
        assert_eq!(
            app.get_metrics(token).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let r = app.get_metrics(Some("scrape-secret")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    let send_route = "route=\"/payment/payson/v2/checkout/{id}/sendpaymentrequest\"";
    assert!(
        text.lines()
            .any(|l| l.starts_with("checkout_desk_http_requests_total")
                && l.contains(send_route)
                && l.contains("method=\"PUT\"")
                && l.contains("status=\"200\"")
                && l.ends_with(" 1")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("checkout_desk_audit_events_total")
                && l.contains("action=\"send_payment_request\"")
                && l.contains("outcome=\"success\"")
                && l.ends_with(" 1")),
        "{text}"
    );
    assert!(text.contains("checkout_desk_http_request_duration_seconds_bucket"));
    assert!(!text.contains(&id.to_string()), "raw paths are not labels");
}

//! Rules 1–10 of product.md §2 for SendCheckoutPaymentRequest, in JSON and in XML.

use checkout_desk::domain::{AuditOutcome, CheckoutStatus};
use reqwest::StatusCode;

use crate::helpers::api::Format;
use crate::helpers::{Db, TestApp, spawn_app, ss_error};
use crate::on_both;

const XML_NS: &str = r#"xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.datacontract.org/2004/07/BokaMera.API.ServiceModel.Dtos""#;

async fn assert_unchanged(app: &TestApp, id: checkout_desk::domain::CheckoutId) {
    assert_eq!(
        app.local(id).await.status,
        CheckoutStatus::ReadyToShip,
        "local copy changed"
    );
    assert_eq!(
        app.sim.ship_count(id.as_uuid()),
        0,
        "Payson was asked to ship"
    );
}

on_both!(success_json_ships_once_and_audits);
async fn success_json_ships_once_and_audits(db: Db) {
    let app = spawn_app(db).await;
    let id = app.ready().await;
    let resp = app.send(id).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["Id"], id.to_string());
    assert_eq!(body["Status"], "Shipped");
    assert!(
        body["Snippet"]
            .as_str()
            .unwrap()
            .contains("paysonContainer")
    );
    assert_eq!(body.as_object().unwrap().len(), 3, "{body}");
    assert_eq!(app.sim.ship_count(id.as_uuid()), 1);
    assert_eq!(app.local(id).await.status, CheckoutStatus::Shipped);
    let remote = app.sim.checkout_json(id.as_uuid()).unwrap();
    assert_eq!(remote["status"], "shipped");
    let events = app.audit_for(id).await;
    assert_eq!(events.len(), 1);
    let e = &events[0].event;
    assert_eq!(e.outcome, AuditOutcome::Success);
    assert_eq!(e.actor, "writer@acme.test");
    assert_eq!(e.company_id, Some(app.company.id));
    assert_eq!(e.http_status, 200);
    assert_eq!(e.remote_addr, "127.0.0.1");
    assert!(!e.request_id.is_empty());
}

on_both!(success_xml_has_datacontract_shape);
async fn success_xml_has_datacontract_shape(db: Db) {
    let app = spawn_app(db).await;
    let id = app.ready().await;
    let resp = app.put_send_payment_request(id, Format::Xml).send().await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/xml")
    );
    let body = resp.text().await.unwrap();
    let prefix = format!("<PaysonCheckoutV2Response {XML_NS}><Id>{id}</Id><Snippet>");
    assert!(body.starts_with(&prefix), "{body}");
    assert!(
        body.ends_with("</Snippet><Status>Shipped</Status></PaysonCheckoutV2Response>"),
        "{body}"
    );
    // The snippet is HTML: it must arrive escaped, never as markup inside our XML.
    assert!(
        body.contains("&lt;div id=&apos;paysonContainer&apos;")
            || body.contains("&lt;div id='paysonContainer'"),
        "{body}"
    );
    assert!(!body.contains("<div"), "{body}");
}

on_both!(second_send_is_409_naming_status);
async fn second_send_is_409_naming_status(db: Db) {
    let app = spawn_app(db).await;
    let id = app.ready().await;
    assert_eq!(app.send(id).await.status(), StatusCode::OK);
    let resp = app.send(id).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let (code, msg, _) = ss_error(resp).await;
    assert_eq!(code, "Conflict");
    assert_eq!(
        msg,
        "The checkout must have status ReadyToShip - 5; it has Shipped - 6"
    );
    // XML error shape.
    let resp = app
        .put_send_payment_request(id, Format::Negotiated)
        .accept("application/xml")
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let body = resp.text().await.unwrap();
    assert!(body.starts_with(r#"<ErrorResponse xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.servicestack.net/types"><ResponseStatus><ErrorCode>Conflict</ErrorCode><Message>The checkout must have status ReadyToShip - 5; it has Shipped - 6</Message>"#), "{body}");
    assert_eq!(app.sim.ship_count(id.as_uuid()), 1);
    let outcomes: Vec<_> = app
        .audit_for(id)
        .await
        .iter()
        .map(|e| e.event.outcome)
        .collect();
    assert_eq!(
        outcomes,
        vec![
            AuditOutcome::Rejected,
            AuditOutcome::Rejected,
            AuditOutcome::Success
        ]
    );
}

on_both!(unauthenticated_is_401_servicestack);
async fn unauthenticated_is_401_servicestack(db: Db) {
    let app = spawn_app(db).await;
    let id = app.ready().await;
    for token in [None, Some("cdt_not-a-real-token"), Some("")] {
        let mut req = app
            .put_send_payment_request(id, Format::Negotiated)
            .anonymous();
        if let Some(t) = token {
            req = req.token(t);
        }
        let resp = req.send().await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(
            body,
            serde_json::json!({"ResponseStatus":{"ErrorCode":"Unauthorized","Message":"Not Authenticated","Errors":[]}})
        );
    }
    let resp = app
        .put_send_payment_request(id, Format::Xml)
        .anonymous()
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        resp.text().await.unwrap(),
        r#"<ErrorResponse xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.servicestack.net/types"><ResponseStatus><ErrorCode>Unauthorized</ErrorCode><Message>Not Authenticated</Message><Errors></Errors></ResponseStatus></ErrorResponse>"#
    );
    assert_unchanged(&app, id).await;
    let events = app.audit_for(id).await;
    assert_eq!(events.len(), 4);
    assert!(
        events
            .iter()
            .all(|e| e.event.actor == "anonymous" && e.event.http_status == 401)
    );
}

on_both!(revoked_token_and_disabled_user_are_401);
async fn revoked_token_and_disabled_user_are_401(db: Db) {
    let app = spawn_app(db).await;
    let id = app.ready().await;
    let writer = app.user("writer@acme.test").await;
    let issued = crate::helpers::issue_token(&app.state, writer.id).await;
    let (rec, token) = (issued.token, issued.secret);
    checkout_desk::service::tokens::revoke(
        checkout_desk::service::Call::new(
            &app.state,
            checkout_desk::domain::policy::Actor::Operator,
            &checkout_desk::service::RequestMeta::internal("test"),
        ),
        rec.id,
    )
    .await
    .unwrap();
    let resp = app
        .put_send_payment_request(id, Format::Negotiated)
        .token(&token)
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let user = app.user("writer@acme.test").await;
    app.state
        .store
        .set_user_disabled(user.id, true)
        .await
        .unwrap();
    assert_eq!(app.send(id).await.status(), StatusCode::UNAUTHORIZED);
    assert_unchanged(&app, id).await;
}

on_both!(wrong_role_is_403);
async fn wrong_role_is_403(db: Db) {
    let app = spawn_app(db).await;
    let id = app.ready().await;
    for token in [
        &app.tokens.reader,
        &app.tokens.auditor,
        &app.tokens.no_roles,
    ] {
        let resp = app
            .put_send_payment_request(id, Format::Negotiated)
            .token(token)
            .send()
            .await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        let (code, msg, _) = ss_error(resp).await;
        assert_eq!((code.as_str(), msg.as_str()), ("Forbidden", "Invalid Role"));
    }
    let (status, xml) = app
        .put_send_payment_request(id, Format::Xml)
        .token(&app.tokens.reader)
        .send_text()
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(xml.contains("<ErrorCode>Forbidden</ErrorCode><Message>Invalid Role</Message>"));
    assert_unchanged(&app, id).await;
}

on_both!(malformed_ids_are_400_naming_the_field);
async fn malformed_ids_are_400_naming_the_field(db: Db) {
    let app = spawn_app(db).await;
    let id = app.ready().await;
    let resp = app
        .put_send_payment_request("not-a-guid", Format::Negotiated)
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let (_, msg, field) = ss_error(resp).await;
    assert_eq!(field.as_deref(), Some("Id"));
    assert!(msg.contains("not a valid GUID"), "{msg}");
    let resp = app
        .put_send_payment_request(id, Format::Negotiated)
        .company_id("12345")
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(ss_error(resp).await.2.as_deref(), Some("CompanyId"));
    // XML error carries the field too.
    let (status, xml) = app
        .put_send_payment_request("1234", Format::Xml)
        .send_text()
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(xml.contains("<FieldName>Id</FieldName>"));
    assert_unchanged(&app, id).await;
}

on_both!(company_rules);
async fn company_rules(db: Db) {
    let app = spawn_app(db).await;
    let id = app.ready().await;
    // A writer naming another company: 404, as if it did not exist.
    let resp = app
        .put_send_payment_request(id, Format::Negotiated)
        .company_id(app.other_company.id)
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    // Another company's writer asking for our checkout: 404.
    let resp = app
        .put_send_payment_request(id, Format::Negotiated)
        .token(&app.tokens.other_writer)
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(ss_error(resp).await.0, "NotFound");
    // Superadmin without a company: CompanyId is required.
    let resp = app
        .put_send_payment_request(id, Format::Negotiated)
        .token(&app.tokens.superadmin)
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let (_, msg, field) = ss_error(resp).await;
    assert_eq!(
        (msg.as_str(), field.as_deref()),
        ("CompanyId is required", Some("CompanyId"))
    );
    // Superadmin naming the wrong company for this checkout: 404.
    let resp = app
        .put_send_payment_request(id, Format::Negotiated)
        .token(&app.tokens.superadmin)
        .company_id(app.other_company.id)
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_unchanged(&app, id).await;
    // Superadmin naming the right one: sent.
    let resp = app
        .put_send_payment_request(id, Format::Negotiated)
        .token(&app.tokens.superadmin)
        .company_id(app.company.id)
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(app.sim.ship_count(id.as_uuid()), 1);
}

on_both!(unknown_checkout_is_404);
async fn unknown_checkout_is_404(db: Db) {
    let app = spawn_app(db).await;
    let resp = app.send(uuid::Uuid::new_v4().into()).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(ss_error(resp).await.0, "NotFound");
}

on_both!(not_ready_is_409_and_payson_status_wins);
async fn not_ready_is_409_and_payson_status_wins(db: Db) {
    let app = spawn_app(db).await;
    // Payson has moved on (expired) while our copy still says ReadyToShip.
    let id = app.ready().await;
    app.sim
        .transition(id.as_uuid(), "expired", None, None)
        .unwrap();
    let resp = app.send(id).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert_eq!(
        ss_error(resp).await.1,
        "The checkout must have status ReadyToShip - 5; it has Expired - 10"
    );
    assert_eq!(
        app.local(id).await.status,
        CheckoutStatus::Expired,
        "local copy follows Payson"
    );
    assert_eq!(app.sim.counters().update, 0);
    // Our copy is stale the other way (Created, but Payson says readyToShip): sent.
    let id2 = app.checkout(false, "created").await;
    app.sim
        .transition(id2.as_uuid(), "readyToShip", Some("invoice"), None)
        .unwrap();
    let resp = app.send(id2).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(app.local(id2).await.status, CheckoutStatus::Shipped);
    // A checkout that never got paid: 409 naming Created.
    let id3 = app.checkout(false, "created").await;
    let resp = app.send(id3).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert_eq!(
        ss_error(resp).await.1,
        "The checkout must have status ReadyToShip - 5; it has Created - 1"
    );
}

/// Rules 4, 5, 8 and 9 answered in XML, and a null snippet in both formats.
#[tokio::test]
async fn remaining_rules_in_xml() {
    use checkout_desk::payson_sim::{Fault, FaultKind, SimEndpoint};
    let app = spawn_app(Db::Sqlite).await;
    let xml_put = |id: String, token: String, body: Option<String>| {
        let req = app.put_send_payment_request(id, Format::Xml).token(&token);
        let req = match body {
            Some(b) => req.xml(b),
            None => req,
        };
        req.send_text()
    };
    let code = |c: &str| format!("<ResponseStatus><ErrorCode>{c}</ErrorCode>");
    let id = app.ready().await;
    // Rule 4: another company named in the XML body.
    let body = format!(
        r#"<SendCheckoutPaymentRequest {XML_NS}><CompanyId>{}</CompanyId><Id>{id}</Id></SendCheckoutPaymentRequest>"#,
        app.other_company.id
    );
    let (s, t) = xml_put(id.to_string(), app.tokens.writer.clone(), Some(body)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(t.contains(&code("NotFound")), "{t}");
    let (s, t) = xml_put(id.to_string(), app.tokens.superadmin.clone(), None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        t.contains("<FieldName>CompanyId</FieldName><Message>CompanyId is required</Message>"),
        "{t}"
    );
    // Rule 5.
    let (s, t) = xml_put(
        uuid::Uuid::new_v4().to_string(),
        app.tokens.writer.clone(),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(t.contains(&code("NotFound")));
    // Rule 9: refused, then timed out.
    app.sim.inject(Fault {
        endpoint: SimEndpoint::Update,
        kind: FaultKind::Status {
            code: 400,
            body: r#"{"message":"Nope & <no>"}"#.into(),
        },
        count: 1,
        apply_first: false,
        apply_after_ms: None,
    });
    let (s, t) = xml_put(id.to_string(), app.tokens.writer.clone(), None).await;
    assert_eq!(s, StatusCode::BAD_GATEWAY);
    assert!(
        t.contains(&code("BadGateway")) && t.contains("Nope &amp; &lt;no&gt;"),
        "{t}"
    );
    app.sim.inject(Fault {
        endpoint: SimEndpoint::Update,
        kind: FaultKind::Timeout,
        count: 1,
        apply_first: false,
        apply_after_ms: None,
    });
    let (s, t) = xml_put(id.to_string(), app.tokens.writer.clone(), None).await;
    assert_eq!(s, StatusCode::GATEWAY_TIMEOUT);
    assert!(t.contains(&code("GatewayTimeout")));
    assert_unchanged(&app, id).await;
    // Rule 8: Payson's status wins (expired at Payson).
    app.sim
        .transition(id.as_uuid(), "expired", None, None)
        .unwrap();
    let (s, t) = xml_put(id.to_string(), app.tokens.writer.clone(), None).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(t.contains("it has Expired - 10"), "{t}");

    // A checkout without a snippet: omitted in JSON, i:nil in XML.
    let mut c = app.local(app.ready().await).await;
    c.snippet = None;
    app.state.store.upsert_checkout(&c).await.unwrap();
    let get = |format: Format| {
        app.get_checkout_api(c.id, format)
            .token(&app.tokens.reader)
            .send()
    };
    let json: serde_json::Value = get(Format::Negotiated).await.json().await.unwrap();
    assert_eq!(
        json,
        serde_json::json!({"Id": c.id.to_string(), "Status": "ReadyToShip"})
    );
    let xml = get(Format::Xml).await.text().await.unwrap();
    assert_eq!(
        xml,
        format!(
            r#"<PaysonCheckoutV2Response {XML_NS}><Id>{}</Id><Snippet i:nil="true" /><Status>ReadyToShip</Status></PaysonCheckoutV2Response>"#,
            c.id
        )
    );
}

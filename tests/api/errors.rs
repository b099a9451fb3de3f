//! How failures reach people and clients: error pages carry the request id the response
//! header carries, and the XML error documents leave the server byte for byte as the
//! golden files say.

use reqwest::StatusCode;

use crate::helpers::api::Format;
use crate::helpers::browser::Browser;
use crate::helpers::{Db, spawn_app, ss_error};

fn request_id(r: &reqwest::Response) -> String {
    r.headers()["x-request-id"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn error_pages_show_the_request_id_of_their_response() {
    let app = spawn_app(Db::Sqlite).await;
    let id = app.ready().await;
    let mut b = Browser::signed_in(&app, "writer@acme.test").await;
    // A row the store cannot read: an internal error.
    {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&app.database_url)
            .await
            .unwrap();
        sqlx::query("UPDATE checkouts SET currency = 'XYZ'")
            .execute(&mut c)
            .await
            .unwrap();
    }
    let r = b.get(&format!("/checkouts/{id}")).await;
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let rid = request_id(&r);
    assert_eq!(rid.len(), 32, "{rid}");
    let page = r.text().await.unwrap();
    assert!(
        page.contains(&format!("Request id: <code>{rid}</code>")),
        "{page}"
    );
    assert!(
        !page.contains("XYZ") && !page.contains("currency"),
        "{page}"
    );
    // Any error page, in the reader's language, with this response's own id.
    b.accept_language = Some("sv");
    let r = b.get(&format!("/checkouts/{}", uuid::Uuid::new_v4())).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let other = request_id(&r);
    assert_ne!(other, rid);
    let page = r.text().await.unwrap();
    assert!(
        page.contains(&format!("Begäran-id: <code>{other}</code>")),
        "{page}"
    );
    // The API says the same about the same row, and gives its own request id.
    let r = app.get_checkout_api(id, Format::Negotiated).send().await;
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let rid = request_id(&r);
    let (code, message, _) = ss_error(r).await;
    assert_eq!(code, "InternalServerError");
    assert_eq!(
        message,
        format!("An unexpected error occurred (request id {rid})")
    );
}

#[tokio::test]
async fn xml_error_and_notification_answers_on_the_wire() {
    let app = spawn_app(Db::Sqlite).await;
    let r = app
        .api(
            reqwest::Method::PUT,
            "/xml/reply/SendCheckoutPaymentRequest?Id=%3Ca%26b%22%3E",
        )
        .send()
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        r.headers()["content-type"],
        "application/xml; charset=utf-8"
    );
    assert_eq!(
        r.text().await.unwrap(),
        r#"<ErrorResponse xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.servicestack.net/types"><ResponseStatus><ErrorCode>InvalidFormat</ErrorCode><Message>&apos;Id&apos; is not a valid GUID: &apos;&lt;a&amp;b&quot;&gt;&apos;</Message><Errors><ResponseError><ErrorCode>InvalidFormat</ErrorCode><FieldName>Id</FieldName><Message>&apos;Id&apos; is not a valid GUID: &apos;&lt;a&amp;b&quot;&gt;&apos;</Message></ResponseError></Errors></ResponseStatus></ErrorResponse>"#
    );
    let r = app.post_ipn("format=xml").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        r.text().await.unwrap(),
        r#"<IpnCallBackResponse xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.datacontract.org/2004/07/BokaMera.API.ServiceModel.Dtos"><Message>The checkout query parameter is missing or not a GUID</Message><Success>false</Success></IpnCallBackResponse>"#
    );
}

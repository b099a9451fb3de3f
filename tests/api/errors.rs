//! How failures reach clients: the XML error documents and notification answers leave
//! the server byte for byte as the golden files say.

use reqwest::StatusCode;

use crate::helpers::{Db, spawn_app};

#[tokio::test]
async fn xml_error_and_notification_answers_on_the_wire() {
    let app = spawn_app(Db::Sqlite).await;
    let r = app
        .put(
            "/xml/reply/SendCheckoutPaymentRequest?Id=%3Ca%26b%22%3E",
            Some(&app.tokens.writer),
        )
        .await
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        r.headers()["content-type"],
        "application/xml; charset=utf-8"
    );
    assert_eq!(
        r.text().await.unwrap(),
        r#"<ErrorResponse xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.servicestack.net/types"><ResponseStatus><ErrorCode>InvalidFormat</ErrorCode><Message>&apos;Id&apos; is not a valid GUID: &apos;&lt;a&amp;b&quot;&gt;&apos;</Message><Errors><ResponseError><ErrorCode>InvalidFormat</ErrorCode><FieldName>Id</FieldName><Message>&apos;Id&apos; is not a valid GUID: &apos;&lt;a&amp;b&quot;&gt;&apos;</Message></ResponseError></Errors></ResponseStatus></ErrorResponse>"#
    );
    let r = app
        .client
        .post(app.url("/payment/payson/v2/ipncallback?format=xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        r.text().await.unwrap(),
        r#"<IpnCallBackResponse xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.datacontract.org/2004/07/BokaMera.API.ServiceModel.Dtos"><Message>The checkout query parameter is missing or not a GUID</Message><Success>false</Success></IpnCallBackResponse>"#
    );
}

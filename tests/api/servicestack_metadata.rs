//! The metadata pages, "Add ServiceStack Reference" and the OpenAPI document, read as a
//! ServiceStack user reads them: against BokaMera's own page (the seed), under the CSP.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{Db, TestApp, spawn_app};

const SEED: &str = include_str!("golden/SendCheckoutPaymentRequest.seed.txt");

fn unescape(s: &str) -> String {
    s.replace("&#60;", "<")
        .replace("&lt;", "<")
        .replace("&#62;", ">")
        .replace("&gt;", ">")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

/// The text of the first `<pre class="{class}">`.
fn pre(html: &str, class: &str) -> String {
    let open = format!("<pre class=\"{class}\">");
    let start = html.find(&open).map(|i| i + open.len()).expect(class);
    let end = html[start..].find("</pre>").expect("closed") + start;
    unescape(&html[start..end])
}

async fn get(app: &TestApp, path: &str) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let resp = app.client.get(app.url(path)).send().await.unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    (status, headers, resp.text().await.unwrap())
}

/// The desk's CSP, and nothing inline it would have to allow.
fn assert_desk_csp(headers: &reqwest::header::HeaderMap, html: &str) {
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("style-src 'self'"),
        "{csp}"
    );
    assert!(
        !html.contains("<script>") && !html.contains("<style") && !html.contains("style="),
        "no inline script or style"
    );
}

fn host(app: &TestApp) -> String {
    // The samples name the host the deployment is reached at.
    let url = &app.state.settings.public_url;
    url.split_once("://")
        .map_or(url.as_str(), |(_, h)| h)
        .trim_end_matches('/')
        .to_owned()
}

#[tokio::test]
async fn the_index_lists_the_three_operations() {
    let app = spawn_app(Db::Sqlite).await;
    let (status, headers, html) = get(&app, "/metadata").await;
    assert_eq!(status, StatusCode::OK);
    assert_desk_csp(&headers, &html);
    for op in [
        "SendCheckoutPaymentRequest",
        "PaysonCheckoutv2GetCheckout",
        "PaysonCheckout2IPNCallBack",
    ] {
        assert!(html.contains(&format!("/xml/metadata?op={op}")), "{op}");
        assert!(html.contains(&format!("/json/metadata?op={op}")), "{op}");
    }
    assert!(html.contains("<a class=\"brand\" href=\"/metadata\">checkout-desk</a>"));
    assert!(!html.contains("<script"), "the pages need no script at all");
}

#[tokio::test]
async fn the_xml_page_carries_what_bokameras_page_carries() {
    let app = spawn_app(Db::Sqlite).await;
    let (status, _, html) = get(&app, "/xml/metadata?op=SendCheckoutPaymentRequest").await;
    assert_eq!(status, StatusCode::OK);
    let text = unescape(&html);
    for line in [
        "Requires Authentication",
        "Requires any of the roles:bookingsupplier-administrator-write, superadmin",
        "The following routes are available for this service:",
        "/payment/payson/v2/checkout/{Id}/sendpaymentrequest",
        "If checkout has is awaiting admin to send payment request, this method is sending the payment reqeust (example when you want to send the payment request manually).",
        "SendCheckoutPaymentRequest Parameters:",
        "PaysonCheckoutV2Response Parameters:",
        "The company id, if empty will use the company id for the user you are logged in with.",
        "The checkout id. The checkout must have status ReadyToShip - 5",
        "<td>Guid?</td>",
        "<td>Payson2CheckoutStatus</td>",
        "Payson2CheckoutStatus Enum:",
        "To override the Content-type in your clients, use the HTTP Accept Header, append the .xml suffix or ?format=xml",
        "HTTP + XML",
        "The following are sample HTTP requests and responses. The placeholders shown need to be replaced with actual values.",
    ] {
        assert!(text.contains(line), "missing {line:?}");
    }
    // The enum in order.
    let values: Vec<&str> = text
        .split("<ul class=\"enum\">")
        .nth(1)
        .unwrap()
        .split("</ul>")
        .next()
        .unwrap()
        .split("<li>")
        .skip(1)
        .map(|v| v.split("</li>").next().unwrap())
        .collect();
    let seed_enum: Vec<&str> = SEED
        .split("Payson2CheckoutStatus Enum:\n")
        .nth(1)
        .unwrap()
        .split("\n\n")
        .next()
        .unwrap()
        .lines()
        .collect();
    assert_eq!(values, seed_enum);
    // The sample exchange exactly as the seed shows it, but for our host.
    let sample = format!(
        "{}\n{}",
        pre(&html, "sample request"),
        pre(&html, "sample response")
    );
    let seed_sample = SEED
        .split_once("PUT /payment")
        .map(|(_, rest)| format!("PUT /payment{rest}"))
        .unwrap()
        .replace("testapi.bokamera.se", &host(&app));
    assert_eq!(sample, seed_sample.trim_end());
}

#[tokio::test]
async fn the_json_page_and_the_other_operations() {
    let app = spawn_app(Db::Sqlite).await;
    let (_, _, html) = get(&app, "/json/metadata?op=SendCheckoutPaymentRequest").await;
    let text = unescape(&html);
    assert!(
        text.contains("To embed the response in a jsonp callback, append ?callback=myCallback")
    );
    assert!(
        pre(&html, "sample request")
            .ends_with(r#"{"CompanyId":"00000000-0000-0000-0000-000000000000"}"#)
    );
    assert!(pre(&html, "sample response").ends_with(r#"{"Snippet":"String","Status":"None"}"#));

    let (status, _, html) = get(&app, "/json/metadata?op=PaysonCheckout2IPNCallBack").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !html.contains("Requires Authentication"),
        "the notification is public"
    );
    assert!(html.contains("IpnCallBackResponse Parameters:"));
    assert!(!html.contains("Payson2CheckoutStatus Enum:"));

    let (status, _, html) = get(&app, "/xml/metadata?op=PaysonCheckoutv2GetCheckout").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("bookingsupplier-administrator-read"));
    assert_eq!(
        get(&app, "/xml/metadata?op=Nope").await.0,
        StatusCode::NOT_FOUND
    );

    // Swedish when the reader asks for it.
    let resp = app
        .client
        .get(app.url("/xml/metadata?op=SendCheckoutPaymentRequest"))
        .header("accept-language", "sv")
        .send()
        .await
        .unwrap();
    assert!(resp.text().await.unwrap().contains("Kräver inloggning"));
}

#[tokio::test]
async fn lang_shows_the_dtos_in_that_language() {
    let app = spawn_app(Db::Sqlite).await;
    for (lang, needle) in [
        ("csharp", "public virtual Guid? CompanyId { get; set; }"),
        (
            "typescript",
            "export class SendCheckoutPaymentRequest implements IReturn<PaysonCheckoutV2Response>, IPut",
        ),
        (
            "python",
            "class SendCheckoutPaymentRequest(IReturn[PaysonCheckoutV2Response], IPut):",
        ),
    ] {
        let (status, _, html) = get(
            &app,
            &format!("/json/metadata?op=SendCheckoutPaymentRequest&lang={lang}"),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(pre(&html, "code").contains(needle), "{lang}");
    }
}

#[tokio::test]
async fn types_are_served_for_every_language() {
    let app = spawn_app(Db::Sqlite).await;
    let (status, _, html) = get(&app, "/types").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!(
        "npx get-dtos typescript {}",
        app.state.settings.public_url.trim_end_matches('/')
    )));
    for lang in ["typescript", "mjs", "csharp", "python"] {
        let (status, headers, text) = get(&app, &format!("/types/{lang}")).await;
        assert_eq!(status, StatusCode::OK, "{lang}");
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain")
        );
        assert!(text.contains("BaseUrl: "), "{lang}");
        assert!(text.contains("PaysonCheckoutV2Response"), "{lang}");
    }
    let (_, _, cs) = get(&app, "/types/csharp?AddDataContractAttributes=true").await;
    assert!(cs.contains("[DataContract]") && cs.contains("[DataMember]"));
    assert_eq!(get(&app, "/types/cobol").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_openapi_document_describes_the_operations() {
    let app = spawn_app(Db::Sqlite).await;
    let (status, _, text) = get(&app, "/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let put = &doc["paths"]["/payment/payson/v2/checkout/{Id}/sendpaymentrequest"]["put"];
    assert_eq!(put["operationId"], "SendCheckoutPaymentRequest");
    assert!(put["responses"]["409"].is_object());
    assert_eq!(
        doc["components"]["securitySchemes"]["apiKey"]["name"],
        "x-api-key"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swagger_ui_renders_the_document_under_the_csp() {
    let app = spawn_app(Db::Sqlite).await;
    let (status, headers, html) = get(&app, "/swagger-ui/").await;
    assert_eq!(status, StatusCode::OK);
    assert_desk_csp(&headers, &html);
    let d = crate::helpers::webdriver::Driver::start().await;
    d.run("swagger_ui_renders_the_document_under_the_csp", async {
        // The operations appear only if the vendored script ran under the page's CSP.
        d.goto(&app.url("/swagger-ui/")).await;
        let paths = d.wait_text("#swagger-ui", "sendpaymentrequest").await;
        assert!(paths.contains("ipncallback"), "{paths}");
    })
    .await;
}

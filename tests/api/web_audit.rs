//! `/audit` and its CSV: who may see it, filters, and spreadsheet-safe cells.

use reqwest::StatusCode;

use checkout_desk::domain::Role;

use crate::helpers::api::Format;
use crate::helpers::browser::{Browser, field};
use crate::helpers::{Db, global_user, spawn_app};

#[tokio::test]
async fn auditors_find_events_and_export_them_safely() {
    let app = spawn_app(Db::Sqlite).await;
    let id = app.ready().await;
    let theirs = app.checkout(true, "readyToShip").await;
    // A send from the page with a note a spreadsheet would run as a formula.
    let mut w = Browser::signed_in(&app, "writer@acme.test").await;
    let confirm = w.get_send_html(id).await;
    let key = field(&confirm, "idempotency_key");
    let r = w
        .post_send(id, &key, Some("=HYPERLINK(\"http://evil\",\"x\")"))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // A send through the API by another company.
    let resp = app
        .put_send_payment_request(theirs, Format::Negotiated)
        .token(&app.tokens.other_writer)
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    // Company users do not see the audit log, nor its link.
    let html = w.get_checkouts_html().await;
    assert!(!html.contains("href=\"/audit\""));
    assert_eq!(w.get("/audit").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(w.get("/audit.csv").await.status(), StatusCode::FORBIDDEN);

    global_user(&app, "eva@audit.test", Role::Auditor).await;
    let mut a = Browser::signed_in(&app, "eva@audit.test").await;
    let all = a.get_html("/audit").await;
    assert!(all.contains("href=\"/audit\""));
    assert!(
        all.contains(&id.to_string()) && all.contains(&theirs.to_string()),
        "every company"
    );
    let only_other = a
        .get_html(&format!(
            "/audit?company={}&action=send_payment_request",
            app.other_company.id
        ))
        .await;
    assert!(only_other.contains(&theirs.to_string()) && !only_other.contains(&id.to_string()));
    let by_user = a
        .get_html("/audit?user=writer%40acme.test&outcome=success")
        .await;
    assert!(by_user.contains(&id.to_string()) && !by_user.contains(&theirs.to_string()));
    let none = a.get_html("/audit?from=2001-01-01&to=2001-01-02").await;
    assert!(!none.contains(&id.to_string()));
    assert_eq!(
        a.get("/audit?action=drop_tables").await.status(),
        StatusCode::BAD_REQUEST
    );

    let r = a
        .get(&format!("/audit.csv?company={}", app.company.id))
        .await;
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = r.text().await.unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "at,actor,company,checkout,action,outcome,http_status,address,message,payson_message,note"
    );
    let send = lines.find(|l| l.contains("send_payment_request")).unwrap();
    assert!(
        send.ends_with(",\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\""),
        "{send}"
    );
    assert!(send.contains("\"writer@acme.test\"") && send.contains("\"Acme Bokning AB\""));
    assert!(
        !csv.contains(&theirs.to_string()),
        "the CSV holds exactly the filtered rows"
    );
}

//! The admin desk's sign-in: server-side sessions, CSRF and same-origin checks, rate
//! limits, timeouts, and the worklist behind it.

use checkout_desk::domain::{AuditAction, Role};
use chrono::Duration;
use reqwest::StatusCode;

use crate::helpers::api::Format;
use crate::helpers::browser::{Browser, location, next_page};
use crate::helpers::{Db, Options, PASSWORD, global_user, spawn_app, spawn_with};

#[tokio::test]
async fn sign_in_worklist_and_sign_out() {
    let app = spawn_app(Db::Sqlite).await;
    let mine = app.ready().await;
    let theirs = app.checkout(true, "readyToShip").await;
    app.checkout(false, "created").await;
    let mut b = Browser::new(&app);
    // Not signed in: the worklist sends us to the login page.
    let r = b.get("/checkouts").await;
    assert_eq!(
        (r.status(), location(&r)),
        (StatusCode::SEE_OTHER, "/login")
    );
    let r = b.get("/login").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    let anonymous_cookie = b.session();
    let r = b.login("Writer@Acme.test", PASSWORD).await;
    assert_eq!(
        (r.status(), location(&r)),
        (StatusCode::SEE_OTHER, "/checkouts")
    );
    assert_ne!(
        b.session(),
        anonymous_cookie,
        "the session id is renewed at sign-in"
    );
    let html = b.get_checkouts_html().await;
    assert!(
        html.contains(&mine.to_string()),
        "own company's awaiting checkout listed"
    );
    assert!(
        !html.contains(&theirs.to_string()),
        "another company's is not"
    );
    assert!(
        html.contains("expires in 58 days") || html.contains("expires in 59 days"),
        "{html}"
    );
    assert!(
        html.contains("SEK\u{a0}799.00"),
        "amount per locale (English by default)"
    );
    // The database holds sessions by a 64-hex hash; the cookie's value is nowhere in it.
    {
        use sqlx::Connection;
        let cookie_value = b.jar.get("cd_session").unwrap().to_owned();
        let mut db = sqlx::SqliteConnection::connect(&app.database_url)
            .await
            .unwrap();
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT key_hash, state FROM sessions")
            .fetch_all(&mut db)
            .await
            .unwrap();
        assert!(!rows.is_empty());
        for (hash, state) in rows {
            assert!(
                hash.len() == 64 && hash.bytes().all(|c| c.is_ascii_hexdigit()),
                "{hash}"
            );
            assert!(!hash.contains(&cookie_value) && !state.contains(&cookie_value));
        }
    }
    // Sign out: the cookie is dead even if replayed.
    let stolen = b.jar.clone();
    let r = b.post_logout().await;
    assert_eq!(
        (r.status(), location(&r)),
        (StatusCode::SEE_OTHER, "/login")
    );
    b.jar = stolen;
    let r = b.get("/checkouts").await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "a purged session is gone server-side"
    );
    let f = checkout_desk::domain::AuditFilter {
        action: Some(AuditAction::Login),
        ..Default::default()
    };
    assert_eq!(app.audit(f, 10).await.len(), 1);
}

#[tokio::test]
async fn global_roles_see_every_company() {
    let app = spawn_app(Db::Postgres).await;
    let mine = app.ready().await;
    let theirs = app.checkout(true, "readyToShip").await;
    global_user(&app, "audit2@desk.test", Role::Auditor).await;
    let mut b = Browser::signed_in(&app, "audit2@desk.test").await;
    let html = b.get_checkouts_html().await;
    assert!(html.contains(&mine.to_string()) && html.contains(&theirs.to_string()));
    assert!(html.contains("Other Company AB") && html.contains("<th scope=\"col\">Company</th>"));
}

#[tokio::test]
async fn bad_passwords_csrf_and_cross_origin_are_refused() {
    let mut opts = Options::new(Db::Sqlite);
    opts.settings = Box::new(|s| s.session.login_attempts_per_minute = 3);
    let app = spawn_with(opts).await;
    let mut b = Browser::new(&app);
    let r = b.login("writer@acme.test", "wrong password!").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Wrong e-mail or password.")
    );
    let r = b.login("nobody@nowhere.test", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // No token, a wrong token, another site's Origin, no Origin at all: 403.
    let token = b.csrf("/login").await;
    let origin = app.address.clone();
    for (tok, org) in [
        ("", Some(origin.as_str())),
        ("forged", Some(origin.as_str())),
        (token.as_str(), Some("https://evil.example")),
        (token.as_str(), None),
    ] {
        let r = b
            .post(
                "/login",
                &[
                    ("email", "writer@acme.test"),
                    ("password", PASSWORD),
                    ("csrf_token", tok),
                ],
                org,
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{tok} {org:?}");
    }
    let r = app
        .client
        .post(app.url("/login"))
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "email=writer%40acme.test&password=x&csrf_token={token}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Rate limit: three tries per account per minute; the fourth waits.
    assert_eq!(
        b.login("writer@acme.test", "wrong again!!").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        b.login("writer@acme.test", "and again!!!!").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let r = b.login("writer@acme.test", PASSWORD).await;
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
}

#[tokio::test]
async fn disabled_users_and_timeouts_end_sessions() {
    let mut opts = Options::new(Db::Sqlite);
    opts.manual_clock = true;
    let app = spawn_with(opts).await;
    let clock = app.clock.clone().unwrap();
    let mut b = Browser::signed_in(&app, "writer@acme.test").await;
    assert_eq!(b.get("/checkouts").await.status(), StatusCode::OK);
    // Idle for longer than the idle timeout (30 min).
    clock.advance(Duration::minutes(31));
    assert_eq!(b.get("/checkouts").await.status(), StatusCode::SEE_OTHER);
    // Active, but past the absolute timeout (12 h).
    assert_eq!(
        b.login("writer@acme.test", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    for _ in 0..24 {
        clock.advance(Duration::minutes(29));
        assert_eq!(b.get("/checkouts").await.status(), StatusCode::OK);
    }
    clock.advance(Duration::minutes(29));
    assert_eq!(
        b.get("/checkouts").await.status(),
        StatusCode::SEE_OTHER,
        "12 h after sign-in"
    );
    // Disabling a user ends their session at the next request.
    assert_eq!(
        b.login("writer@acme.test", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let u = app.user("writer@acme.test").await;
    app.state.store.set_user_disabled(u.id, true).await.unwrap();
    assert_eq!(b.get("/checkouts").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        b.login("writer@acme.test", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn worklist_pages_by_keyset_soonest_first() {
    let app = spawn_app(Db::Sqlite).await;
    let mut ids = Vec::new();
    for days_ago in 0..60i64 {
        let paid_at = app.state.clock.now() - Duration::hours(days_ago * 23);
        ids.push(app.ready_since(paid_at).await);
    }
    let mut b = Browser::signed_in(&app, "reader@acme.test").await;
    let first = b.get_checkouts_html().await;
    // Oldest readyToShip expires soonest: it comes first, with the warning style absent
    // only when more than a week is left.
    let oldest = ids.last().unwrap().to_string();
    let pos = |html: &str, id: &str| html.find(id);
    assert!(pos(&first, &oldest) < pos(&first, &ids[30].to_string()));
    assert!(first.contains("badge warn"));
    let second = b.get_html(&next_page(&first)).await;
    let on = |html: &str| ids.iter().filter(|i| html.contains(&i.to_string())).count();
    assert_eq!((on(&first), on(&second)), (50, 10));
    assert!(!second.contains("rel=\"next\""));
}

#[tokio::test]
async fn worklist_filters_totals_and_csv() {
    let app = spawn_app(Db::Sqlite).await;
    let a = app.ready().await;
    let b = app.ready().await;
    let shipped = app.checkout(false, "shipped").await;
    let mut hostile = app.local(b).await;
    hostile.customer_name = "=cmd|' /C calc'!A0".into();
    app.state.store.upsert_checkout(&hostile).await.unwrap();
    let mut br = Browser::signed_in(&app, "writer@acme.test").await;
    let html = br.get_checkouts_html().await;
    assert!(
        html.contains("2 checkouts, SEK\u{a0}1,598.00"),
        "totals of the filter"
    );
    assert!(!html.contains(&shipped.to_string()));
    let html = br.get_html("/checkouts?status=Shipped").await;
    assert!(html.contains(&shipped.to_string()) && !html.contains(&a.to_string()));
    let html = br.get_html("/checkouts?status=all").await;
    assert!(html.contains(&shipped.to_string()) && html.contains(&a.to_string()));
    let html = br
        .get_html(&format!("/checkouts?q={}", &a.to_string()[..13]))
        .await;
    assert!(html.contains(&a.to_string()) && !html.contains(&b.to_string()));
    assert_eq!(
        br.get("/checkouts?status=Bogus").await.status(),
        StatusCode::BAD_REQUEST
    );
    // A company user cannot widen the filter to another company.
    let html = br
        .get_html(&format!("/checkouts?company={}", app.other_company.id))
        .await;
    assert!(
        html.contains(&a.to_string()),
        "the company filter is ignored for company users"
    );
    let csv = br.get_html("/checkouts.csv").await;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines.len(),
        3,
        "header + exactly the two filtered rows: {csv}"
    );
    assert!(
        csv.contains("\"'=cmd|' /C calc'!A0\""),
        "formula neutralised: {csv}"
    );
    assert!(csv.contains("\"799.00\",\"SEK\""));
}

#[tokio::test]
async fn swedish_and_english() {
    let app = spawn_app(Db::Sqlite).await;
    let id = app.ready().await;
    // Accept-Language decides before anything is chosen.
    let html = Browser::new(&app)
        .with_language("sv-SE,sv;q=0.9,en;q=0.5")
        .get_html("/login")
        .await;
    assert!(
        html.contains("<html lang=\"sv\">")
            && html.contains("Logga in")
            && html.contains("Lösenord")
    );
    let en = Browser::new(&app)
        .with_language("de, en;q=0.8")
        .get_html("/login")
        .await;
    assert!(en.contains("<html lang=\"en\">") && en.contains("Sign in"));
    // The switch sets a cookie that wins over Accept-Language, and amounts follow.
    let mut b = Browser::signed_in(&app, "writer@acme.test").await;
    let page = b.get_checkouts_html().await;
    assert!(page.contains("SEK\u{a0}799.00") && page.contains(">Svenska</button>"));
    let r = b.post_lang("sv", "/checkouts").await;
    assert_eq!(
        (r.status(), location(&r)),
        (StatusCode::SEE_OTHER, "/checkouts")
    );
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("lang="))
        .unwrap();
    assert!(
        cookie.starts_with("lang=sv") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    // The browser now sends the session and lang=sv; it asks for English in vain.
    b.accept_language = Some("en");
    let sv_page = b.get_checkouts_html().await;
    assert!(
        sv_page.contains("Väntar på betalningsbegäran")
            && sv_page.contains("799,00\u{a0}kr")
            && sv_page.contains("löper ut om"),
        "{sv_page}"
    );
    b.accept_language = None;
    let confirm = b.get_send_html(id).await;
    assert!(confirm.contains("Payson drar betalningen på 799,00\u{a0}kr från Tess T Persson"));
    // Off-site "back" targets are ignored; the switch needs the CSRF token like any form.
    let r = b.post_lang("en", "//evil.example/").await;
    assert_eq!(location(&r), "/checkouts");
    let r = b
        .post(
            "/lang",
            &[("csrf_token", "nope"), ("lang", "en")],
            Some(&app.address),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

/// Keyset pages stay stable while rows change between requests: nothing from page one
/// repeats, nothing still awaiting after the cursor is skipped, and rows that arrive
/// before the cursor do not push others off the page.
#[tokio::test]
async fn pagination_is_stable_while_rows_change() {
    let app = spawn_app(Db::Sqlite).await;
    let mut ids = Vec::new();
    for i in 0..60i64 {
        let paid_at = app.state.clock.now() - Duration::hours(i * 20);
        ids.push(app.ready_since(paid_at).await);
    }
    let mut b = Browser::signed_in(&app, "writer@acme.test").await;
    let first = b.get_checkouts_html().await;
    let next = next_page(&first);
    // A row is its link (the page's own links, such as a per-row send's way back, may
    // name a cursor id too).
    let on = |html: &str| {
        ids.iter()
            .copied()
            .filter(|i| html.contains(&format!("href=\"/checkouts/{i}\"")))
            .collect::<Vec<_>>()
    };
    let page_one = on(&first);
    assert_eq!(page_one.len(), 50);
    // Meanwhile: one row of page two is sent, and a new one arrives that sorts first.
    let page_two_before: Vec<_> = ids
        .iter()
        .copied()
        .filter(|i| !page_one.contains(i))
        .collect();
    let gone = page_two_before[3];
    assert_eq!(app.send(gone).await.status(), StatusCode::OK);
    let newcomer = app
        .ready_since(app.state.clock.now() - Duration::days(58))
        .await;
    let second = b.get_html(&next).await;
    let page_two = on(&second);
    assert!(page_two.iter().all(|i| !page_one.contains(i)), "no repeats");
    let expected: Vec<_> = page_two_before
        .iter()
        .copied()
        .filter(|i| *i != gone)
        .collect();
    assert_eq!(
        page_two, expected,
        "the rest, in order, without the sent one"
    );
    assert!(
        !second.contains(&newcomer.to_string()),
        "an earlier newcomer belongs to page one"
    );
    assert!(b.get_checkouts_html().await.contains(&newcomer.to_string()));
}

/// Every kind of response carries the security headers; signed-in pages are not cached;
/// HSTS is sent only over https.
#[tokio::test]
async fn security_headers_on_every_page_kind() {
    let app = spawn_app(Db::Sqlite).await;
    let id = app.ready().await;
    global_user(&app, "root2@desk.test", Role::SuperAdmin).await;
    let mut b = Browser::signed_in(&app, "root2@desk.test").await;
    let pages = [
        "/".to_owned(),
        "/login".to_owned(),
        "/healthz".to_owned(),
        "/checkouts".to_owned(),
        "/checkouts.csv".to_owned(),
        format!("/checkouts/{id}"),
        format!("/checkouts/{id}/send"),
        format!("/checkouts/bulk?id={id}"),
        format!("/checkouts/{}", uuid::Uuid::new_v4()),
        "/audit".to_owned(),
        "/audit.csv".to_owned(),
        "/admin/companies".to_owned(),
        "/admin/users".to_owned(),
        format!("/payment/payson/v2/checkout/{id}"),
        "/static/css/app.css".to_owned(),
    ];
    for path in pages {
        let r = b.get(&path).await;
        let h = r.headers();
        let csp = h
            .get("content-security-policy")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        assert!(
            csp.contains("default-src 'self'")
                && csp.contains("script-src 'self'")
                && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{path}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert!(
            h.get("strict-transport-security").is_none(),
            "{path}: no HSTS over http"
        );
        if !path.starts_with("/static") {
            assert_eq!(h["cache-control"], "no-store", "{path}");
        }
    }
    // The preview is the one page with its own policy, framed only by us.
    let r = b.get(&format!("/checkouts/{id}/snippet")).await;
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'self'")
    );
    // A forged X-Forwarded-Proto does not make it https...
    let r = app
        .client
        .get(app.url("/login"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("strict-transport-security").is_none());
    // ...an https public_url (behind a TLS-terminating proxy) does.
    let mut opts = Options::new(Db::Sqlite);
    opts.settings = Box::new(|s| s.public_url = "https://desk.example".into());
    let https = spawn_with(opts).await;
    let r = https.client.get(https.url("/login")).send().await.unwrap();
    assert!(
        r.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        cookie.starts_with("__host-") && cookie.contains("secure"),
        "{cookie}"
    );
}

#[tokio::test]
async fn a_signed_in_browser_may_call_the_api_with_the_form_rules() {
    let app = spawn_app(Db::Sqlite).await;
    let id = app.ready().await;
    let mut b = Browser::signed_in(&app, "writer@acme.test").await;
    let cookie = b.jar.header();
    // Reading needs only the session.
    let r = app
        .get_checkout_api(id, Format::Negotiated)
        .anonymous()
        .header("cookie", &cookie)
        .accept("application/json")
        .send()
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let token = b.csrf("/checkouts").await;
    let send = |csrf: Option<&str>, origin: &str| {
        let mut rb = app
            .put_send_payment_request(id, Format::Negotiated)
            .anonymous()
            .header("cookie", &cookie)
            .header("origin", origin)
            .accept("application/json");
        if let Some(t) = csrf {
            rb = rb.header("x-csrf-token", t);
        }
        rb.send()
    };
    // Sending needs the page's CSRF token and our own origin, like a form.
    let r = send(None, &app.address).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = send(Some(&token), "https://evil.example").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.sim.ship_count(id.as_uuid()), 0, "nothing was sent");
    let r = send(Some(&token), &app.address).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(app.sim.ship_count(id.as_uuid()), 1);
    // Without a session or a token it is the usual 401.
    let r = app
        .get_checkout_api(id, Format::Negotiated)
        .anonymous()
        .send()
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

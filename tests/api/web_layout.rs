//! Issue 10, layout: the worklist's overview (its numbers against a scan of the data, on
//! both backends, and its scoping), and every page kind in headless Chromium at 390 and
//! 1366 px, in English and Swedish: never wider than the window, 0 axe-core violations,
//! a screenshot of each under `target/screenshots/layout_*`.

use checkout_desk::domain::{
    AuthMethod, CheckoutFilter, CheckoutStatus, Currency, Principal, READY_TO_SHIP_LIFETIME_DAYS,
    Role,
};
use checkout_desk::service::overview::{Overview, overview};
use chrono::{DateTime, Duration, Utc};

use crate::helpers::webdriver::Driver;
use crate::helpers::{Db, PASSWORD, TestApp, global_user, spawn_app};
use crate::on_both;

async fn principal(app: &TestApp, email: &str) -> Principal {
    let u = app.user(email).await;
    Principal {
        user_id: u.id,
        email: u.email,
        company: u.company_id,
        roles: u.roles,
        method: AuthMethod::Session,
    }
}

/// Our company's checkout that became ReadyToShip so that it expires `days` days and
/// 12 hours from now (12 hours keep it clear of a bucket boundary while the test runs).
async fn expiring_in(app: &TestApp, days: i64) -> checkout_desk::domain::CheckoutId {
    let paid =
        Utc::now() + Duration::days(days - READY_TO_SHIP_LIFETIME_DAYS) + Duration::hours(12);
    app.ready_since(paid).await
}

/// What the overview should say, counted row by row from every checkout in the store.
/// `None` counts every company's.
async fn scan(
    app: &TestApp,
    now: DateTime<Utc>,
    company: bool,
) -> Vec<(Currency, i64, i64, i64, [i64; 8])> {
    let f = CheckoutFilter {
        company: company.then_some(app.company.id),
        ..Default::default()
    };
    let all = app
        .state
        .store
        .list_checkouts(&f.clone().into(), None, 10_000)
        .await
        .unwrap();
    let mut out: Vec<(Currency, i64, i64, i64, [i64; 8])> = Vec::new();
    for c in all
        .iter()
        .filter(|c| c.status == CheckoutStatus::ReadyToShip)
    {
        let Some(expires) = c.expires_at() else {
            continue;
        };
        let week = (0..7)
            .find(|k| expires < now + Duration::days(7 * (k + 1)))
            .unwrap_or(7) as usize;
        let cur = c.amount.currency();
        let i = match out.iter().position(|o| o.0 == cur) {
            Some(i) => i,
            None => {
                out.push((cur, 0, 0, 0, [0; 8]));
                out.len() - 1
            }
        };
        let o = &mut out[i];
        o.1 += 1;
        o.2 += c.amount.minor();
        o.3 += i64::from(week == 0);
        o.4[week] += c.amount.minor();
    }
    out.sort_by_key(|o| o.0.code());
    out
}

fn summary(o: &Overview) -> Vec<(Currency, i64, i64, i64, [i64; 8])> {
    o.currencies
        .iter()
        .map(|c| {
            (
                c.currency,
                c.count,
                c.sum_minor,
                c.expiring_soon,
                c.by_week_minor,
            )
        })
        .collect()
}

async fn overview_equals_a_scan(db: Db) {
    let app = spawn_app(db).await;
    for days in [0, 3, 6, 8, 20, 20, 40, 55] {
        expiring_in(&app, days).await;
    }
    // Theirs, and ones that await nothing: neither is in our company's overview.
    app.checkout(true, "readyToShip").await;
    app.checkout(true, "readyToShip").await;
    app.checkout(false, "shipped").await;
    app.checkout(false, "created").await;

    let now = Utc::now();
    let ours = overview(&app.state, &principal(&app, "writer@acme.test").await)
        .await
        .unwrap();
    assert_eq!(summary(&ours), scan(&app, now, true).await);
    // 8 of ours await; 3 expire within 7 days; weeks 0, 1, 2, 5, 7 hold them.
    let sek = &ours.currencies[0];
    assert_eq!((sek.count, sek.expiring_soon), (8, 3));
    assert_eq!(
        sek.by_week_minor.map(|m| m / 79_900),
        [3, 1, 2, 0, 0, 1, 0, 1],
        "{:?}",
        sek.by_week_minor
    );
    assert!(
        ours.companies.is_empty(),
        "no per-company lines for a company admin"
    );

    // A company admin of the other company sees only theirs.
    let theirs = overview(&app.state, &principal(&app, "writer@other.test").await)
        .await
        .unwrap();
    assert_eq!(theirs.currencies[0].count, 2);
    assert_eq!(theirs.expiring_soon(), 0);

    // Superadmins and auditors see every company's, with a line per company.
    for who in ["root@desk.test", "auditor@desk.test"] {
        let all = overview(&app.state, &principal(&app, who).await)
            .await
            .unwrap();
        assert_eq!(summary(&all), scan(&app, now, false).await, "{who}");
        assert_eq!(all.currencies[0].count, 10);
        let lines: Vec<(&str, i64)> = all
            .companies
            .iter()
            .map(|l| (l.name.as_str(), l.count))
            .collect();
        assert_eq!(lines, [("Acme Bokning AB", 8), ("Other Company AB", 2)]);
        assert_eq!(all.more_companies, 0);
    }

    // Someone without a viewing role is refused.
    let nobody = overview(&app.state, &principal(&app, "nobody@acme.test").await).await;
    assert!(nobody.is_err());
}

on_both!(overview_equals_a_scan);

/// At most `COMPANY_LINES` company lines, the largest amounts first, and how many more.
async fn company_lines_are_bounded(db: Db) {
    use checkout_desk::domain::Money;
    use checkout_desk::domain::policy::Actor;
    use checkout_desk::service::overview::COMPANY_LINES;
    use checkout_desk::service::{Call, RequestMeta, companies};
    let app = spawn_app(db).await;
    let model = app.local(app.ready().await).await;
    let extra = COMPANY_LINES + 2;
    for i in 0..extra {
        let company = companies::add(
            Call::new(&app.state, Actor::Operator, &RequestMeta::internal("test")),
            companies::NewCompany {
                id: None,
                name: format!("Firma {i:02}"),
                payson_agent_id: format!("9{i:03}"),
                payson_api_key: "key".into(),
                payson_base_url: Some(app.sim.base_url()),
            },
        )
        .await
        .unwrap();
        // Firma 00 has the least, each next one 1.00 more (all above Acme's 799.00).
        let mut c = model.clone();
        c.id = checkout_desk::domain::CheckoutId::new_random();
        c.company_id = company.id;
        c.amount = Money::from_minor(100_000 + 100 * i as i64, Currency::Sek);
        app.state.store.upsert_checkout(&c).await.unwrap();
    }
    let o = overview(&app.state, &principal(&app, "root@desk.test").await)
        .await
        .unwrap();
    assert_eq!(o.companies.len(), COMPANY_LINES);
    // The extra companies and Acme: 23 lines, 20 shown.
    assert_eq!(o.more_companies, extra + 1 - COMPANY_LINES);
    let names: Vec<&str> = o.companies.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names[0], format!("Firma {:02}", extra - 1));
    assert_eq!(
        names[COMPANY_LINES - 1],
        format!("Firma {:02}", extra - COMPANY_LINES)
    );
    assert!(!names.contains(&"Acme Bokning AB"), "{names:?}");
    assert_eq!(o.currencies[0].count, i64::try_from(extra).unwrap() + 1);
}

on_both!(company_lines_are_bounded);

/// The worklist shows the overview and its chart; other lists show none, and carry a
/// date column; rows link by customer and show short ids.
async fn overview_on_the_worklist(db: Db) {
    let app = spawn_app(db).await;
    let soon = expiring_in(&app, 2).await;
    expiring_in(&app, 30).await;
    let mut b = crate::helpers::browser::Browser::signed_in(&app, "writer@acme.test").await;
    let html = b.get_html("/checkouts").await;
    assert!(html.contains("id=\"overview\""), "{html}");
    assert!(
        html.contains("2 checkouts await a payment request: SEK\u{a0}1,598.00"),
        "{html}"
    );
    assert!(
        html.contains("1 expires within 7 days (SEK\u{a0}799.00)"),
        "{html}"
    );
    assert_eq!(html.matches("<rect class=\"bar").count(), 8, "{html}");
    assert!(html.contains("0–6 days: SEK\u{a0}799.00"), "{html}");
    assert!(!html.contains("style="), "no inline style (CSP)");
    assert!(html.contains(&format!(
        "<code title=\"{soon}\">{}</code>",
        &soon.to_string()[..8]
    )));
    assert!(
        html.contains(&format!("<a href=\"/checkouts/{soon}\">Tess T Persson</a>")),
        "{html}"
    );
    assert!(
        !html.contains("Acme Bokning AB</td>"),
        "no company lines for a company admin"
    );

    let all = b.get_html("/checkouts?status=all").await;
    assert!(!all.contains("id=\"overview\""));
    assert!(
        all.contains(&format!(
            "<time datetime=\"{}\"",
            Utc::now().format("%Y-%m-%d")
        )),
        "{all}"
    );

    let mut root = crate::helpers::browser::Browser::signed_in(&app, "root@desk.test").await;
    let html = root.get_html("/checkouts").await;
    assert!(html.contains("Awaiting per company"), "{html}");
    assert!(html.contains("Acme Bokning AB</td>"), "{html}");
}

on_both!(overview_on_the_worklist);

const AXE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/axe/node_modules/axe-core/axe.min.js"
);

/// Runs axe-core on the page; its violations, one line each.
async fn axe(d: &Driver, source: &str) -> Vec<String> {
    let loaded = d
        .execute(
            "return typeof window.axe === 'object';",
            serde_json::json!([]),
        )
        .await;
    if loaded != true {
        d.execute(&format!("{source}\nreturn true;"), serde_json::json!([]))
            .await;
    }
    let v = d
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] })
               .then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — '
                 + v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary).join(' | '))))
               .catch(e => done(['axe failed: ' + e]));",
            serde_json::json!([]),
        )
        .await;
    serde_json::from_value(v).expect("a list of violations")
}

/// The page at both widths: its document's width against the window's, axe, a screenshot.
async fn check(d: &Driver, axe_js: &str, lang: &str, name: &str, problems: &mut Vec<String>) {
    for (width, height) in [(390, 844), (1366, 900)] {
        d.set_window_size(width, height).await;
        let (scroll, client) = widths(d).await;
        eprintln!("width: {lang} {name} at {width}: document {scroll} px, window {client} px");
        if scroll > client {
            problems.push(format!(
                "{lang} {name} at {width}: document {scroll} px wide in a {client} px window; \
                 widest: {}",
                widest(d).await
            ));
        }
        for v in axe(d, axe_js).await {
            problems.push(format!("{lang} {name} at {width}: {v}"));
        }
        d.screenshot(&format!("layout_{lang}_{name}_{width}")).await;
    }
}

/// The innermost elements reaching past the window's right edge, to say what to fix.
async fn widest(d: &Driver) -> String {
    let v = d
        .execute(
            "const w = document.documentElement.clientWidth;
             return [...document.querySelectorAll('body *')]
               .filter(e => e.getBoundingClientRect().right > w + 1
                 && ![...e.children].some(c => c.getBoundingClientRect().right > w + 1))
               .slice(0, 5)
               .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                 + (e.className && e.className.baseVal === undefined ? '.' + e.className : '')
                 + ' ' + Math.round(e.getBoundingClientRect().right) + 'px: '
                 + (e.textContent || '').trim().slice(0, 40))
               .join(' | ');",
            serde_json::json!([]),
        )
        .await;
    v.as_str().unwrap_or_default().to_owned()
}

async fn widths(d: &Driver) -> (i64, i64) {
    let v = d
        .execute(
            "const e = document.documentElement; return [e.scrollWidth, e.clientWidth];",
            serde_json::json!([]),
        )
        .await;
    (v[0].as_i64().unwrap(), v[1].as_i64().unwrap())
}

async fn sign_in(d: &Driver, app: &TestApp, email: &str) {
    d.goto(&app.url("/login")).await;
    d.type_into("#email", email).await;
    d.type_into("#password", PASSWORD).await;
    d.click("form[action='/login'] button[type=submit]").await;
    assert!(d.wait_url("/checkouts").await, "signed in as {email}");
}

async fn sign_out(d: &Driver) {
    d.click("form[action='/logout'] button").await;
    assert!(d.wait_url("/login").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_fits_and_passes_axe_in_headless_chromium() {
    let axe_js = std::fs::read_to_string(AXE)
        .unwrap_or_else(|e| panic!("{AXE}: {e}; run `npm ci --prefix tests/axe` (see .ci/run)"));
    let app = spawn_app(Db::Sqlite).await;
    global_user(&app, "boss@desk.test", Role::SuperAdmin).await;
    let shown = expiring_in(&app, 2).await;
    for days in [5, 12, 30, 50] {
        expiring_in(&app, days).await;
    }
    app.checkout(true, "readyToShip").await;
    app.checkout(false, "shipped").await;
    // Two to bulk-send in each language.
    let mut bulk = Vec::new();
    for _ in 0..4 {
        bulk.push(expiring_in(&app, 40).await);
    }
    let writer = app.user("writer@acme.test").await;
    let d = Driver::start().await;
    let mut problems = Vec::new();
    d.run("every_page_fits_and_passes_axe", async {
        for (i, lang) in ["en", "sv"].into_iter().enumerate() {
            d.goto(&app.url("/login")).await;
            if lang == "sv" {
                d.click("button[name=lang]").await;
                d.wait_text("h1", "Logga in").await;
            }
            let p = &mut problems;
            check(&d, &axe_js, lang, "login", p).await;
            for (name, path) in [
                ("api", "/api"),
                ("page_not_found_signed_out", "/no-such-page"),
                ("metadata", "/metadata"),
                (
                    "metadata_operation",
                    "/json/metadata?op=SendCheckoutPaymentRequest",
                ),
                ("types", "/types"),
            ] {
                d.goto(&app.url(path)).await;
                check(&d, &axe_js, lang, name, p).await;
            }

            // Swagger UI is vendored as it comes: its own markup fails axe (contrast,
            // nested controls, an unlabelled select), so here only its width is checked.
            d.goto(&app.url("/swagger-ui/")).await;
            d.wait_text("body", "SendCheckoutPaymentRequest").await;
            for (width, height) in [(390, 844), (1366, 900)] {
                d.set_window_size(width, height).await;
                let (scroll, client) = widths(&d).await;
                if scroll > client {
                    p.push(format!("{lang} swagger_ui at {width}: document {scroll} px wide in a {client} px window"));
                }
                d.screenshot(&format!("layout_{lang}_swagger_ui_{width}")).await;
            }

            // A company administrator's pages.
            sign_in(&d, &app, "writer@acme.test").await;
            check(&d, &axe_js, lang, "worklist", p).await;
            // The rows as cards, further down the phone-sized page.
            d.set_window_size(390, 844).await;
            d.execute(
                "document.querySelector('table.worklist').scrollIntoView(); return true;",
                serde_json::json!([]),
            )
            .await;
            d.screenshot(&format!("layout_{lang}_worklist_rows_390"))
                .await;
            let ids = bulk[2 * i..2 * i + 2]
                .iter()
                .map(|id| format!("id={id}"))
                .collect::<Vec<_>>()
                .join("&");
            for (name, path) in [
                ("worklist_all", "/checkouts?status=all".to_owned()),
                ("worklist_shipped", "/checkouts?status=Shipped".to_owned()),
                ("checkout", format!("/checkouts/{shown}")),
                ("confirm", format!("/checkouts/{shown}/send")),
                ("settings", "/settings".to_owned()),
                (
                    "error_not_found",
                    "/checkouts/00000000-0000-4000-8000-000000000000".to_owned(),
                ),
                ("error_bad_filter", "/checkouts?status=nonsense".to_owned()),
                ("page_not_found", "/no-such-page".to_owned()),
                ("bulk_preview", format!("/checkouts/bulk?{ids}")),
            ] {
                d.goto(&app.url(&path)).await;
                check(&d, &axe_js, lang, name, p).await;
            }
            d.click("form[action='/checkouts/bulk'] button[type=submit]")
                .await;
            d.wait_text("h1", if lang == "en" { "results" } else { "resultat" })
                .await;
            check(&d, &axe_js, lang, "bulk_result", p).await;
            sign_out(&d).await;

            // A superadmin's.
            sign_in(&d, &app, "boss@desk.test").await;
            check(&d, &axe_js, lang, "worklist_superadmin", p).await;
            for (name, path) in [
                ("audit", "/audit"),
                ("notifications", "/notifications"),
                ("companies", "/admin/companies"),
                ("users", "/admin/users"),
            ] {
                d.goto(&app.url(path)).await;
                check(&d, &axe_js, lang, name, p).await;
            }
            d.click(&format!(
                "form[action='/admin/users/{}/password'] button",
                writer.id
            ))
            .await;
            d.text("#consequence").await;
            check(&d, &axe_js, lang, "admin_confirm", p).await;
            sign_out(&d).await;
        }
        assert!(
            problems.is_empty(),
            "{} problems:\n{}",
            problems.len(),
            problems.join("\n")
        );
    })
    .await;
}

/// The full id on the checkout page is text anyone can select; with JavaScript a button
/// copies it (CSP-clean: a script file of our own).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_checkout_id_copies_in_headless_chromium() {
    let app = spawn_app(Db::Sqlite).await;
    let id = app.ready().await;
    let d = Driver::start().await;
    d.run("the_checkout_id_copies", async {
        sign_in(&d, &app, "writer@acme.test").await;
        // The row links by the customer's name and shows the short id.
        let worklist = d.text("table.worklist").await;
        assert!(worklist.contains(&id.to_string()[..8]), "{worklist}");
        assert!(!worklist.contains(&id.to_string()), "{worklist}");
        d.click(&format!("a[href='/checkouts/{id}']")).await;
        assert_eq!(d.text("#checkout-id").await, id.to_string());
        d.click("button[data-copy=checkout-id]").await;
        let copied = d.wait_text("button[data-copy=checkout-id]", "Copied").await;
        assert_eq!(copied, "Copied");
        // What was copied, read back (reading needs a permission writing does not).
        d.grant("clipboard-read").await;
        let clip = d
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 navigator.clipboard.readText().then(done, e => done('refused: ' + e));",
                serde_json::json!([]),
            )
            .await;
        assert_eq!(clip, id.to_string());
    })
    .await;
}

//! `/metrics` (issue 12 point 7): the OpenMetrics content type, build info, Payson calls by
//! endpoint and outcome with their durations, reconciliation and notification counters,
//! the pool and the checkouts awaiting a payment request, on both databases.

use checkout_desk::domain::{CheckoutId, CheckoutStatus, Currency};
use checkout_desk::payson_sim::{Fault, FaultKind, SimEndpoint};
use checkout_desk::service::{checkouts, reconcile};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Db, Options, TestApp, spawn_with};
use crate::on_both;

const TOKEN: &str = "scrape-secret";

async fn app_with_metrics(db: Db) -> TestApp {
    let mut opts = Options::new(db);
    opts.settings = Box::new(|s| s.metrics_token = Some(TOKEN.into()));
    spawn_with(opts).await
}

/// The value of the one sample of `name` whose labels include every pair of `labels`.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let found: Vec<f64> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            let (n, set) = match series.split_once('{') {
                Some((n, rest)) => (n, rest.strip_suffix('}')?),
                None => (series, ""),
            };
            let wanted = n == name
                && labels
                    .iter()
                    .all(|(k, v)| set.split(',').any(|p| p == format!("{k}=\"{v}\"")));
            wanted.then(|| value.parse().ok()).flatten()
        })
        .collect();
    assert!(found.len() <= 1, "{name} {labels:?} is ambiguous:\n{text}");
    found.first().copied()
}

async fn scrape(app: &TestApp) -> String {
    let r = app.get_metrics(Some(TOKEN)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-type"],
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    let text = r.text().await.unwrap();
    assert!(text.ends_with("# EOF\n"), "an OpenMetrics body:\n{text}");
    text
}

/// A readyToShip checkout in euros (the helpers' checkouts are in kronor).
async fn ready_in_euros(app: &TestApp, unit_price: f64) -> CheckoutId {
    let body = json!({
        "merchant": {
            "checkoutUri": "https://shop.test/checkout", "confirmationUri": "https://shop.test/confirmation",
            "notificationUri": "https://shop.test/notification", "termsUri": "https://shop.test/terms",
            "reference": "BK-EUR"
        },
        "customer": { "firstName": "Eve", "lastName": "Euro", "email": "eve@example.com" },
        "order": { "currency": "eur", "items": [ { "name": "Booking", "unitPrice": unit_price, "quantity": 1, "taxRate": 0.25 } ] }
    });
    let created = app
        .state
        .payson
        .create_checkout(&app.creds, &body)
        .await
        .unwrap();
    let id = created.id().unwrap();
    app.sim
        .transition(id, "readyToShip", Some("card"), None)
        .unwrap();
    checkouts::refresh_from_payson(&app.state, &app.company, id.into())
        .await
        .unwrap();
    id.into()
}

on_both!(every_family_after_a_send_a_timeout_a_run_and_a_notification);
async fn every_family_after_a_send_a_timeout_a_run_and_a_notification(db: Db) {
    let app = app_with_metrics(db).await;
    let text = scrape(&app).await;
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        sample(&text, "checkout_desk_build_info", &[("version", version)]),
        Some(1.0),
        "{text}"
    );
    // The pool, on either database: it has served the seeding, so it holds a connection.
    let in_use = sample(
        &text,
        "checkout_desk_db_pool_connections",
        &[("state", "in_use")],
    );
    let idle = sample(
        &text,
        "checkout_desk_db_pool_connections",
        &[("state", "idle")],
    );
    let (in_use, idle) = (in_use.expect(&text), idle.expect(&text));
    assert!(
        in_use >= 0.0 && idle >= 0.0 && in_use + idle >= 1.0,
        "{text}"
    );
    let update = |outcome| [("endpoint", "update"), ("outcome", outcome)];
    let calls = "checkout_desk_payson_requests_total";
    assert_eq!(
        sample(&text, calls, &update("ok")),
        None,
        "nothing sent yet"
    );

    // A send, then a send that times out.
    let sent = app.ready().await;
    assert_eq!(app.send(sent).await.status(), StatusCode::OK);
    let stuck = app.ready().await;
    app.sim.inject(Fault {
        endpoint: SimEndpoint::Update,
        kind: FaultKind::Timeout,
        count: 1,
        apply_first: false,
        apply_after_ms: None,
    });
    assert_eq!(app.send(stuck).await.status(), StatusCode::GATEWAY_TIMEOUT);
    // Payson's notification for the sent one; one without a checkout.
    assert_eq!(
        app.post_ipn(&format!("checkout={sent}")).await.status(),
        StatusCode::OK
    );
    assert_eq!(app.post_ipn("").await.status(), StatusCode::BAD_REQUEST);
    let report = reconcile::run_once(&app.state).await.unwrap();

    let text = scrape(&app).await;
    assert_eq!(sample(&text, calls, &update("ok")), Some(1.0), "{text}");
    assert_eq!(
        sample(&text, calls, &update("timeout")),
        Some(1.0),
        "{text}"
    );
    // The helpers created the checkouts through the same client.
    let creates = [("endpoint", "create"), ("outcome", "ok")];
    assert!(
        sample(&text, calls, &creates).unwrap_or(0.0) >= 2.0,
        "{text}"
    );
    assert!(
        sample(&text, calls, &[("endpoint", "get"), ("outcome", "ok")]).unwrap_or(0.0) >= 1.0,
        "{text}"
    );
    // Two updates timed; the one that timed out waited the whole request timeout (1.5 s
    // in the tests), so it sits above the 1.024 s bucket and in a finite one.
    let durations = "checkout_desk_payson_request_duration_seconds";
    let on_update = [("endpoint", "update")];
    let count = sample(&text, &format!("{durations}_count"), &on_update);
    assert_eq!(count, Some(2.0), "{text}");
    let sum = sample(&text, &format!("{durations}_sum"), &on_update).unwrap();
    assert!(sum >= 1.5, "{text}");
    let bucket = |le| {
        sample(
            &text,
            &format!("{durations}_bucket"),
            &[("endpoint", "update"), ("le", le)],
        )
        .unwrap()
    };
    assert!(bucket("1.024") <= 1.0, "{text}");
    assert_eq!(bucket("32.768"), 2.0, "{text}");
    // Request durations reach past the Payson timeout too.
    assert!(
        text.lines()
            .any(|l| l
                .starts_with("checkout_desk_http_request_duration_seconds_bucket{le=\"32.768\"")),
        "{text}"
    );

    // Reconciliation: one run, its counters equal to its report.
    let runs = "checkout_desk_reconcile_runs_total";
    assert_eq!(
        sample(&text, runs, &[("result", "ok")]),
        Some(1.0),
        "{text}"
    );
    let items = "checkout_desk_reconcile_items_total";
    for (what, n) in [
        ("claims_settled", report.claims_settled),
        ("refreshed", report.refreshed),
        ("changed", report.changed),
        ("payson_failures", report.payson_failures),
    ] {
        assert_eq!(
            sample(&text, items, &[("item", what)]),
            Some(n as f64),
            "{what}: {text}"
        );
    }
    let received = "checkout_desk_notifications_received_total";
    for (result, n) in [("processed", 1.0), ("invalid", 1.0)] {
        assert_eq!(
            sample(&text, received, &[("result", result)]),
            Some(n),
            "{result}: {text}"
        );
    }
    assert_eq!(sample(&text, received, &[("result", "failed")]), None);
}

on_both!(awaiting_gauges_are_the_ready_to_ship_checkouts_per_currency);
async fn awaiting_gauges_are_the_ready_to_ship_checkouts_per_currency(db: Db) {
    let app = app_with_metrics(db).await;
    let text = scrape(&app).await;
    let awaiting = "checkout_desk_checkouts_awaiting";
    let amount = "checkout_desk_checkouts_awaiting_amount";
    assert_eq!(
        sample(&text, awaiting, &[("currency", "SEK")]),
        None,
        "{text}"
    );

    // Of ours and another company's; one shipped, one still created: neither awaits.
    let mut ids = vec![
        app.ready().await,
        app.ready().await,
        app.checkout(true, "readyToShip").await,
    ];
    ids.push(ready_in_euros(&app, 12.5).await);
    ids.push(ready_in_euros(&app, 100.0).await);
    let shipped = app.ready().await;
    assert_eq!(app.send(shipped).await.status(), StatusCode::OK);
    ids.push(shipped);
    ids.push(app.checkout(false, "created").await);

    let text = scrape(&app).await;
    for currency in [Currency::Sek, Currency::Eur] {
        let (mut n, mut minor) = (0, 0);
        for id in &ids {
            let c = app.local(*id).await;
            if c.status == CheckoutStatus::ReadyToShip && c.amount.currency() == currency {
                n += 1;
                minor += c.amount.minor();
            }
        }
        let l = [("currency", currency.code())];
        assert_eq!(sample(&text, awaiting, &l), Some(f64::from(n)), "{text}");
        assert_eq!(
            sample(&text, amount, &l),
            Some(minor as f64 / 100.0),
            "{text}"
        );
    }
    // 3 × 799 SEK, 112.50 EUR: the sums above are not vacuous.
    assert_eq!(sample(&text, amount, &[("currency", "SEK")]), Some(2397.0));
    assert_eq!(sample(&text, amount, &[("currency", "EUR")]), Some(112.5));

    // Sending one lowers the gauge at the next scrape.
    assert_eq!(app.send(ids[0]).await.status(), StatusCode::OK);
    let text = scrape(&app).await;
    assert_eq!(
        sample(&text, awaiting, &[("currency", "SEK")]),
        Some(2.0),
        "{text}"
    );
}

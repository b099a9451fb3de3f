//! Rule 7: many concurrent sends of one checkout → exactly one update reaches Payson,
//! on one instance and on several instances sharing one PostgreSQL database.

use checkout_desk::domain::CheckoutStatus;
use checkout_desk::payson_sim::{Fault, FaultKind, SimEndpoint};
use futures_util::future::join_all;
use reqwest::StatusCode;

use crate::helpers::api::Format;
use crate::helpers::{Db, Options, TestApp, spawn_app, spawn_with};
use crate::on_both;

/// Slows Payson's next update down so that concurrent requests really overlap.
fn slow_next_update(app: &TestApp) {
    app.sim.inject(Fault {
        endpoint: SimEndpoint::Update,
        kind: FaultKind::Latency { ms: 300 },
        count: 1,
        apply_first: false,
        apply_after_ms: None,
    });
}

on_both!(fifty_concurrent_sends_one_put);
async fn fifty_concurrent_sends_one_put(db: Db) {
    let app = spawn_app(db).await;
    let id = app.ready().await;
    slow_next_update(&app);
    let before = app.sim.counters().update;
    let statuses = join_all((0..50).map(|_| async { app.send(id).await.status() })).await;
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let conflict = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!(ok, 1, "{statuses:?}");
    assert_eq!(conflict, 49, "{statuses:?}");
    assert_eq!(
        app.sim.counters().update - before,
        1,
        "exactly one PUT reached Payson"
    );
    assert_eq!(app.sim.ship_count(id.as_uuid()), 1);
    assert_eq!(app.local(id).await.status, CheckoutStatus::Shipped);
    assert_eq!(app.audit_for(id).await.len(), 50, "every outcome audited");
}

/// Two server instances, one PostgreSQL database, one Payson: the claim lives in the
/// database, so it holds across processes' worth of instances.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_sharing_postgres_ship_once() {
    let a = spawn_app(Db::Postgres).await;
    let mut opts = Options::new(Db::Postgres);
    opts.database_url = Some(a.database_url.clone());
    opts.sim = Some(a.sim.clone());
    opts.seed = false;
    let b = spawn_with(opts).await;
    let id = a.ready().await;
    slow_next_update(&a);
    let before = a.sim.counters().update;
    // Alternately at each instance, always as a's writer (b seeded no users).
    let sends = (0..50).map(|i| {
        let at = if i % 2 == 0 { &a } else { &b };
        let req = at
            .put_send_payment_request(id, Format::Negotiated)
            .token(&a.tokens.writer);
        async move { req.send().await.status() }
    });
    let statuses = join_all(sends).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        49,
        "{statuses:?}"
    );
    assert_eq!(a.sim.counters().update - before, 1);
    assert_eq!(b.local(id).await.status, CheckoutStatus::Shipped);
}

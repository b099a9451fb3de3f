//! Background reconciliation, one run at a time (`reconcile::run_once`), with the clock in
//! the test's hand: what it re-reads, what it audits, what it purges, and that two
//! instances running it at once change and audit each thing once.

use checkout_desk::domain::{AuditAction, CheckoutStatus, ClaimState};
use checkout_desk::payson_sim::{Fault, FaultKind, SimEndpoint};
use checkout_desk::service::reconcile;
use chrono::Duration;
use reqwest::StatusCode;

use crate::helpers::{Db, Options, TestApp, spawn_with};
use crate::on_both;

async fn app(db: Db) -> TestApp {
    spawn_with(Options {
        manual_clock: true,
        ..Options::new(db)
    })
    .await
}

fn advance(app: &TestApp, d: Duration) {
    app.clock.as_ref().unwrap().advance(d);
}

on_both!(stale_and_expired_checkouts_are_reread_and_changes_audited);
async fn stale_and_expired_checkouts_are_reread_and_changes_audited(db: Db) {
    let app = app(db).await;
    let now = app.state.clock.now();
    let moved = app.ready().await;
    let fresh = app.ready().await;
    let old = app.ready_since(now - Duration::days(60)).await;
    // Payson moves one on without telling us (the notification is lost).
    app.sim
        .transition(moved.as_uuid(), "expired", None, None)
        .unwrap();

    // Nothing is stale yet: nothing is read.
    let gets = app.sim.counters().get;
    let r = reconcile::run_once(&app.state).await.unwrap();
    assert_eq!((r.refreshed, r.changed), (0, 0), "{r:?}");
    assert_eq!(app.sim.counters().get, gets);

    // Ten minutes on, only the one past its 59-day expiry is re-read.
    advance(&app, Duration::seconds(601));
    let before = app.local(old).await.refreshed_at;
    let r = reconcile::run_once(&app.state).await.unwrap();
    assert_eq!(r.refreshed, 1, "{r:?}");
    assert!(app.local(old).await.refreshed_at > before);
    assert_eq!(app.local(moved).await.status, CheckoutStatus::ReadyToShip);

    // Past `stale_after`, every non-final checkout is re-read; the moved one changes.
    advance(
        &app,
        Duration::seconds(app.state.settings.reconcile.stale_after_secs + 1),
    );
    let r = reconcile::run_once(&app.state).await.unwrap();
    assert_eq!((r.refreshed, r.changed), (3, 1), "{r:?}");
    assert_eq!(app.local(moved).await.status, CheckoutStatus::Expired);
    assert_eq!(app.local(fresh).await.status, CheckoutStatus::ReadyToShip);
    let events = app.audit_for(moved).await;
    let e = events
        .iter()
        .find(|e| e.event.action == AuditAction::RefreshCheckout)
        .expect("the change is audited");
    assert_eq!(e.event.actor, "reconciliation");
    assert!(
        e.event.message.contains("ReadyToShip - 5 → Expired"),
        "{}",
        e.event.message
    );
    assert!(
        !app.audit_for(fresh)
            .await
            .iter()
            .any(|e| e.event.action == AuditAction::RefreshCheckout),
        "an unchanged checkout is not audited"
    );
    // Read just now, and the expired one is final: the next run reads nothing.
    let gets = app.sim.counters().get;
    let r = reconcile::run_once(&app.state).await.unwrap();
    assert_eq!(r.refreshed, 0, "{r:?}");
    assert_eq!(app.sim.counters().get, gets);
}

on_both!(a_failed_notification_is_processed_again_by_a_run);
async fn a_failed_notification_is_processed_again_by_a_run(db: Db) {
    let app = app(db).await;
    let id = app.ready().await;
    app.sim
        .transition(id.as_uuid(), "expired", None, None)
        .unwrap();
    app.sim.inject(Fault {
        endpoint: SimEndpoint::Get,
        kind: FaultKind::Status {
            code: 500,
            body: String::new(),
        },
        count: 1,
        apply_first: false,
        apply_after_ms: None,
    });
    let resp = app.post_ipn(&format!("checkout={id}")).await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(app.local(id).await.status, CheckoutStatus::ReadyToShip);
    let r = reconcile::run_once(&app.state).await.unwrap();
    assert_eq!(r.notifications_retried, 1, "{r:?}");
    assert_eq!(app.local(id).await.status, CheckoutStatus::Expired);
}

on_both!(two_instances_settle_each_open_claim_once);
async fn two_instances_settle_each_open_claim_once(db: Db) {
    let a = app(db).await;
    // A second instance on the same database and the same Payson.
    let b = spawn_with(Options {
        database_url: Some(a.database_url.clone()),
        sim: Some(a.sim.clone()),
        seed: false,
        ..Options::new(db)
    })
    .await;
    // Claims left in flight by a process that died, on checkouts Payson shipped.
    let mut ids = Vec::new();
    for _ in 0..20 {
        let id = a.ready().await;
        // Leases that ended before either instance's "now" (b runs on the real clock,
        // a on a manual one started earlier), however long this setup takes.
        let t = a.state.clock.now() - Duration::seconds(10);
        assert!(
            a.state
                .store
                .try_claim_send(id, "dead-request", t, t + Duration::seconds(1))
                .await
                .unwrap()
        );
        let mut c = a
            .state
            .payson
            .get_checkout(&a.creds, id.as_uuid())
            .await
            .unwrap();
        c.set_status(CheckoutStatus::Shipped);
        a.state.payson.update_checkout(&a.creds, &c).await.unwrap();
        ids.push(id);
    }
    advance(&a, Duration::seconds(5));
    if let Some(c) = &b.clock {
        c.advance(Duration::seconds(5));
    }
    let (ra, rb) = tokio::join!(reconcile::run_once(&a.state), reconcile::run_once(&b.state));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.claims_settled + rb.claims_settled, 20, "{ra:?} {rb:?}");
    for id in ids {
        let claim = a.state.store.claim(id).await.unwrap().unwrap();
        assert_eq!(claim.state, ClaimState::Done);
        assert_eq!(a.local(id).await.status, CheckoutStatus::Shipped);
        let sent: Vec<_> = a
            .audit_for(id)
            .await
            .into_iter()
            .filter(|e| e.event.action == AuditAction::SendPaymentRequest)
            .collect();
        assert_eq!(sent.len(), 1, "one settlement, one event");
        assert_eq!(sent[0].event.actor, "reconciliation");
        assert_eq!(
            sent[0].event.request_id, "dead-request",
            "linked to the send"
        );
    }
}

on_both!(runs_purge_sessions_and_old_submissions);
async fn runs_purge_sessions_and_old_submissions(db: Db) {
    let app = app(db).await;
    let mut browser = crate::helpers::browser::Browser::signed_in(&app, "writer@acme.test").await;
    let id = app.ready().await;
    let form = browser.get_send_html(id).await;
    let key = crate::helpers::browser::field(&form, "idempotency_key");
    browser.post_send(id, &key, None).await;
    assert!(
        app.state
            .store
            .submission(&key, app.user("writer@acme.test").await.id)
            .await
            .unwrap()
            .is_some()
    );
    advance(
        &app,
        Duration::days(app.state.settings.reconcile.keep_submissions_days + 1),
    );
    let r = reconcile::run_once(&app.state).await.unwrap();
    assert!(r.purged_sessions >= 1, "{r:?}");
    assert_eq!(r.purged_submissions, 1, "{r:?}");
    assert!(
        app.state
            .store
            .submission(&key, app.user("writer@acme.test").await.id)
            .await
            .unwrap()
            .is_none()
    );
}

#[test]
fn a_claim_lease_shorter_than_the_payson_timeouts_is_refused_at_start_up() {
    let mut s = checkout_desk::config::Settings {
        secret_key: "x".into(),
        ..Default::default()
    };
    assert!(s.validate().is_ok(), "the defaults cover themselves");
    // Two 20 s Payson calls and a 30 s margin need a 70 s lease.
    s.send.claim_lease_secs = 69;
    let e = s.validate().unwrap_err().to_string();
    assert!(e.contains("at least 70 s"), "{e}");
    s.send.claim_lease_secs = 70;
    assert!(s.validate().is_ok());
    s.payson.request_timeout_ms = 30_000;
    assert!(
        s.validate().is_err(),
        "a longer Payson timeout needs a longer lease"
    );
}

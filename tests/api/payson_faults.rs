//! Rule 9: Payson refusing, timing out, dropping the connection or answering garbage.
//! The caller gets 502/504, the checkout stays ReadyToShip and listed, the outcome is
//! audited, and nothing is ever shipped twice.

use checkout_desk::domain::{AuditOutcome, CheckoutStatus};
use checkout_desk::payson_sim::{Fault, FaultKind, SimEndpoint};
use reqwest::StatusCode;

use checkout_desk::service::reconcile;

use crate::helpers::{Db, Options, free_port, spawn_app, spawn_with, ss_error};
use crate::on_both;

fn fault(endpoint: SimEndpoint, kind: FaultKind, apply_first: bool) -> Fault {
    Fault {
        endpoint,
        kind,
        count: 1,
        apply_first,
        apply_after_ms: None,
    }
}

on_both!(payson_refusing_is_502_with_its_message);
async fn payson_refusing_is_502_with_its_message(db: Db) {
    let app = spawn_app(db).await;
    let id = app.ready().await;
    app.sim.inject(fault(
        SimEndpoint::Update,
        FaultKind::Status {
            code: 400,
            body: r#"{"message":"The request is invalid.","errors":[{"property":"Status","message":"Not allowed today"}]}"#.into(),
        },
        false,
    ));
    let resp = app.send(id).await;
    assert_eq!(resp.status(), StatusCode::BAD_GATEWAY);
    let (code, msg, _) = ss_error(resp).await;
    assert_eq!(code, "BadGateway");
    assert!(
        msg.contains("The request is invalid.") && msg.contains("Not allowed today"),
        "{msg}"
    );
    assert_eq!(app.local(id).await.status, CheckoutStatus::ReadyToShip);
    let e = &app.audit_for(id).await[0].event;
    assert_eq!(e.outcome, AuditOutcome::Failed);
    assert_eq!(e.http_status, 502);
    assert!(
        e.payson_message
            .as_deref()
            .unwrap_or("")
            .contains("Not allowed today")
    );
    // Nothing changed at Payson, so trying again is allowed and works.
    assert_eq!(app.send(id).await.status(), StatusCode::OK);
    assert_eq!(app.sim.ship_count(id.as_uuid()), 1);
}

/// Successful "sent" events for a checkout: there must be exactly one per shipped checkout.
async fn sent_events(
    app: &crate::helpers::TestApp,
    id: checkout_desk::domain::CheckoutId,
) -> usize {
    app.audit_for(id)
        .await
        .iter()
        .filter(|e| {
            e.event.action == checkout_desk::domain::AuditAction::SendPaymentRequest
                && e.event.outcome == AuditOutcome::Success
        })
        .count()
}

on_both!(payson_timeout_is_504_and_retry_waits_for_the_deadline);
async fn payson_timeout_is_504_and_retry_waits_for_the_deadline(db: Db) {
    let app = spawn_with(Options {
        manual_clock: true,
        ..Options::new(db)
    })
    .await;
    let id = app.ready().await;
    app.sim
        .inject(fault(SimEndpoint::Update, FaultKind::Timeout, false));
    let resp = app.send(id).await;
    assert_eq!(resp.status(), StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(ss_error(resp).await.0, "GatewayTimeout");
    assert_eq!(app.local(id).await.status, CheckoutStatus::ReadyToShip);
    assert_eq!(
        app.audit_for(id).await[0].event.outcome,
        AuditOutcome::Unknown
    );
    let claim = app.state.store.claim(id).await.unwrap().unwrap();
    assert_eq!(claim.state, checkout_desk::domain::ClaimState::Unknown);
    // Before the deadline a retry re-reads Payson (still readyToShip, which proves
    // nothing: the request may yet be applied) and is refused without sending.
    let (gets, updates) = (app.sim.counters().get, app.sim.counters().update);
    let resp = app.send(id).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let (code, msg, _) = ss_error(resp).await;
    assert_eq!(code, "Conflict");
    assert!(msg.contains("being confirmed with Payson"), "{msg}");
    assert!(
        app.sim.counters().get > gets,
        "the refusal triggered a re-read"
    );
    assert_eq!(app.sim.counters().update, updates, "no second update");
    // After the deadline Payson still says readyToShip: the old request is dead, and the
    // retry ships exactly once.
    app.clock
        .as_ref()
        .unwrap()
        .advance(chrono::Duration::seconds(
            app.state.settings.send.claim_lease_secs + 1,
        ));
    assert_eq!(app.send(id).await.status(), StatusCode::OK);
    assert_eq!(app.sim.ship_count(id.as_uuid()), 1);
    assert_eq!(app.sim.checkout_counters(id.as_uuid()).ship_requests, 1);
    assert_eq!(sent_events(&app, id).await, 1);
    let settled = app.audit_for(id).await;
    assert!(
        settled
            .iter()
            .any(|e| e.event.actor == "reconciliation"
                && e.event.message.contains("can be sent again")),
        "the settlement is audited"
    );
}

on_both!(a_request_payson_applies_late_is_never_sent_twice);
async fn a_request_payson_applies_late_is_never_sent_twice(db: Db) {
    let app = spawn_app(db).await;
    let id = app.ready().await;
    // Payson holds the request past our client's timeout (1.5 s) and applies it at 2.5 s:
    // the immediate re-read still sees readyToShip.
    app.sim.inject(Fault {
        apply_after_ms: Some(2_500),
        ..fault(SimEndpoint::Update, FaultKind::Timeout, false)
    });
    assert_eq!(app.send(id).await.status(), StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(app.local(id).await.status, CheckoutStatus::ReadyToShip);
    // Retried at once, as an impatient user would: refused, nothing sent.
    assert_eq!(app.send(id).await.status(), StatusCode::CONFLICT);
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    assert_eq!(
        app.sim.ship_count(id.as_uuid()),
        1,
        "Payson applied it late"
    );
    // The next attempt re-reads, finds it shipped and says so; the claim is settled.
    let resp = app.send(id).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert!(ss_error(resp).await.1.contains("Shipped"));
    assert_eq!(app.local(id).await.status, CheckoutStatus::Shipped);
    assert_eq!(app.sim.checkout_counters(id.as_uuid()).ship_requests, 1);
    assert_eq!(
        sent_events(&app, id).await,
        1,
        "one sent event, by reconciliation"
    );
    let claim = app.state.store.claim(id).await.unwrap().unwrap();
    assert_eq!(claim.state, checkout_desk::domain::ClaimState::Done);
}

on_both!(reconciliation_settles_a_late_apply_without_any_retry);
async fn reconciliation_settles_a_late_apply_without_any_retry(db: Db) {
    let app = spawn_app(db).await;
    let id = app.ready().await;
    // Answered 500 at once, applied 300 ms later.
    app.sim.inject(Fault {
        apply_after_ms: Some(300),
        ..fault(
            SimEndpoint::Update,
            FaultKind::Status {
                code: 500,
                body: String::new(),
            },
            false,
        )
    });
    let resp = app.send(id).await;
    assert!(resp.status().is_server_error(), "{}", resp.status());
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let report = reconcile::run_once(&app.state).await.unwrap();
    assert_eq!(
        app.local(id).await.status,
        CheckoutStatus::Shipped,
        "{report:?}"
    );
    assert_eq!(sent_events(&app, id).await, 1);
    // A second run changes nothing and audits nothing.
    let events = app.audit_for(id).await.len();
    reconcile::run_once(&app.state).await.unwrap();
    assert_eq!(app.audit_for(id).await.len(), events);
    assert_eq!(app.sim.checkout_counters(id.as_uuid()).ship_requests, 1);
}

on_both!(lost_answer_after_payson_applied_is_resolved_by_reading);
async fn lost_answer_after_payson_applied_is_resolved_by_reading(db: Db) {
    let app = spawn_app(db).await;
    // Payson applies the change, then the connection drops: we re-read and see Shipped.
    let id = app.ready().await;
    app.sim
        .inject(fault(SimEndpoint::Update, FaultKind::Drop, true));
    let resp = app.send(id).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(app.local(id).await.status, CheckoutStatus::Shipped);
    assert_eq!(app.sim.ship_count(id.as_uuid()), 1);

    // The answer is lost and Payson processes the update late, after we answered 504:
    // the next attempt reads Payson first, finds it shipped and sends nothing.
    let id2 = app.ready().await;
    app.sim
        .inject(fault(SimEndpoint::Update, FaultKind::Timeout, false));
    assert_eq!(app.send(id2).await.status(), StatusCode::GATEWAY_TIMEOUT);
    let mut late = app
        .state
        .payson
        .get_checkout(&app.creds, id2.as_uuid())
        .await
        .unwrap();
    late.set_status(CheckoutStatus::Shipped);
    app.state
        .payson
        .update_checkout(&app.creds, &late)
        .await
        .unwrap();
    let updates = app.sim.counters().update;
    let resp = app.send(id2).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert_eq!(
        app.sim.counters().update,
        updates,
        "no second update after an unknown outcome"
    );
    assert_eq!(app.sim.ship_count(id2.as_uuid()), 1);
    assert_eq!(app.local(id2).await.status, CheckoutStatus::Shipped);
}

on_both!(dropped_connection_and_garbage_are_504_unchanged);
async fn dropped_connection_and_garbage_are_504_unchanged(db: Db) {
    let app = spawn_app(db).await;
    for kind in [FaultKind::Drop, FaultKind::Malformed] {
        let id = app.ready().await;
        app.sim
            .inject(fault(SimEndpoint::Update, kind.clone(), false));
        let resp = app.send(id).await;
        assert_eq!(resp.status(), StatusCode::GATEWAY_TIMEOUT, "{kind:?}");
        assert_eq!(
            app.local(id).await.status,
            CheckoutStatus::ReadyToShip,
            "{kind:?}"
        );
        assert_eq!(app.sim.ship_count(id.as_uuid()), 0, "{kind:?}");
        assert_eq!(
            app.audit_for(id).await[0].event.outcome,
            AuditOutcome::Unknown
        );
    }
}

on_both!(payson_get_failing_is_502_or_504);
async fn payson_get_failing_is_502_or_504(db: Db) {
    let app = spawn_app(db).await;
    let id = app.ready().await;
    app.sim.inject(fault(
        SimEndpoint::Get,
        FaultKind::Status {
            code: 500,
            body: r#"{"message":"Internal error"}"#.into(),
        },
        false,
    ));
    let resp = app.send(id).await;
    assert_eq!(resp.status(), StatusCode::BAD_GATEWAY);
    assert!(ss_error(resp).await.1.contains("Internal error"));
    app.sim
        .inject(fault(SimEndpoint::Get, FaultKind::Timeout, false));
    assert_eq!(app.send(id).await.status(), StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(app.sim.counters().update, 0);
    assert_eq!(app.local(id).await.status, CheckoutStatus::ReadyToShip);
}

on_both!(payson_unreachable_is_504);
async fn payson_unreachable_is_504(db: Db) {
    let app = spawn_app(db).await;
    let id = app.ready().await;
    // Point the company at a port nobody listens on.
    let closed = free_port();
    let enc = app.state.secrets.encrypt(&app.creds.api_key);
    app.state
        .store
        .update_company_payson(
            app.company.id,
            &app.creds.agent_id,
            &enc,
            &format!("http://127.0.0.1:{closed}/2.0/"),
        )
        .await
        .unwrap();
    let resp = app.send(id).await;
    assert_eq!(resp.status(), StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(app.local(id).await.status, CheckoutStatus::ReadyToShip);
    let e = &app.audit_for(id).await[0].event;
    assert_eq!(e.http_status, 504);
}

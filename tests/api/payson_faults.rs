//! Rule 9: Payson refusing, timing out, dropping the connection or answering garbage.
//! The caller gets 502/504, the checkout stays ReadyToShip and listed, the outcome is
//! audited, and nothing is ever shipped twice.

use checkout_desk::domain::{AuditOutcome, CheckoutStatus};
use checkout_desk::payson_sim::{Fault, FaultKind, SimEndpoint};
use reqwest::StatusCode;

use crate::helpers::{Db, free_port, spawn_app, ss_error};
use crate::on_both;

fn fault(endpoint: SimEndpoint, kind: FaultKind, apply_first: bool) -> Fault {
    Fault {
        endpoint,
        kind,
        count: 1,
        apply_first,
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

on_both!(payson_timeout_is_504_and_retry_rereads_first);
async fn payson_timeout_is_504_and_retry_rereads_first(db: Db) {
    let app = spawn_app(db).await;
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
    // The retry asks Payson first (still readyToShip) and then ships exactly once.
    let gets_before = app.sim.counters().get;
    assert_eq!(app.send(id).await.status(), StatusCode::OK);
    assert!(app.sim.counters().get > gets_before);
    assert_eq!(app.sim.ship_count(id.as_uuid()), 1);
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

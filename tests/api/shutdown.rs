//! Issue 12, point 8: SIGTERM while a send waits on a slow Payson. `/readyz` turns 503 at
//! once, a new request is refused with 503 (health still answers), the send finishes with
//! 200, Payson shipped it once, its audit event exists, and the process exits cleanly.

use std::process::Command;
use std::time::{Duration, Instant};

use checkout_desk::domain::{AuditAction, AuditOutcome, ClaimState};
use checkout_desk::payson_sim::{Fault, FaultKind, SimEndpoint};
use reqwest::StatusCode;

use crate::helpers::{Db, Options, spawn_with};
use crate::logs::Server;
use crate::on_both;

/// Payson takes 3 s to ship; a call may take 4 s, so the 10 s drain covers it.
const SLOW_PAYSON: [(&str, &str); 6] = [
    ("CHECKOUT_DESK_PAYSON__REQUEST_TIMEOUT_MS", "4000"),
    ("CHECKOUT_DESK_PAYSON__CONNECT_TIMEOUT_MS", "500"),
    ("CHECKOUT_DESK_SEND__LATE_APPLY_MARGIN_MS", "500"),
    ("CHECKOUT_DESK_SEND__CLAIM_LEASE_SECS", "9"),
    ("CHECKOUT_DESK_HTTP__SHUTDOWN_DRAIN_SECS", "10"),
    ("CHECKOUT_DESK_RECONCILE__INTERVAL_SECS", "1"),
];

on_both!(sigterm_lets_a_send_in_flight_finish_and_refuses_new_requests);
async fn sigterm_lets_a_send_in_flight_finish_and_refuses_new_requests(db: Db) {
    let app = spawn_with(Options::new(db)).await;
    let id = app.ready().await;
    let other = app.ready().await;
    let mut server = Server::start(&app, &SLOW_PAYSON).await;
    app.sim.inject(Fault {
        endpoint: SimEndpoint::Update,
        kind: FaultKind::Latency { ms: 3000 },
        count: 1,
        apply_first: false,
        apply_after_ms: None,
    });
    let send = tokio::spawn(
        app.client
            .put(server.url(&format!(
                "/payment/payson/v2/checkout/{id}/sendpaymentrequest"
            )))
            .bearer_auth(&app.tokens.writer)
            .header("accept", "application/json")
            .json(&serde_json::json!({ "Id": id.to_string() }))
            .send(),
    );
    // The send is in flight once its claim is.
    let started = Instant::now();
    while !matches!(
        app.state.store.claim(id).await.unwrap().map(|c| c.state),
        Some(ClaimState::InFlight)
    ) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no claim taken"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let killed = Command::new("kill")
        .args(["-TERM", &server.pid()])
        .status()
        .unwrap();
    assert!(killed.success());

    // Draining: not ready, health still answers, new work refused.
    let started = Instant::now();
    loop {
        let r = app.client.get(server.url("/readyz")).send().await.unwrap();
        if r.status() == StatusCode::SERVICE_UNAVAILABLE {
            break;
        }
        assert_eq!(r.status(), StatusCode::OK);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "readyz stayed 200"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        !send.is_finished(),
        "the send was still in flight when draining began"
    );
    let r = app.client.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .client
        .get(server.url(&format!("/payment/payson/v2/checkout/{other}")))
        .bearer_auth(&app.tokens.writer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().contains_key("x-request-id"));
    assert!(r.text().await.unwrap().contains("shutting down"));
    let r = app
        .client
        .get(server.url("/login"))
        .header("accept-language", "sv")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.text().await.unwrap().contains("stängs av"));

    let answer = send
        .await
        .unwrap()
        .expect("the send in flight was answered");
    assert_eq!(answer.status(), StatusCode::OK, "{:?}", answer.text().await);
    assert_eq!(app.sim.checkout_counters(id.as_uuid()).ship_requests, 1);
    let sent = app.audit_for(id).await;
    assert_eq!(
        sent.iter()
            .filter(|e| {
                e.event.action == AuditAction::SendPaymentRequest
                    && e.event.outcome == AuditOutcome::Success
            })
            .count(),
        1,
        "one sent event: {sent:?}"
    );
    let started = Instant::now();
    let status = loop {
        if let Some(s) = server.child.try_wait().unwrap() {
            break s;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "did not exit");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "clean exit after the drain: {status:?}");
    let log = server.stop().await.join("\n");
    assert!(log.contains("shutting down"), "{log}");
}

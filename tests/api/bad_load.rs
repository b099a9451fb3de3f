//! ≥ 10,000 generated bad requests (issue 9, point 9; the generator is
//! `bad_requests.rs`) against one server: no answer is a 5xx, nothing changes (checkouts,
//! claims, Payson's per-checkout counters, successful audit events, processed
//! notifications, users), and afterwards the server is ready and a real send works.

use std::collections::BTreeMap;
use std::time::Instant;

use checkout_desk::domain::{AuditFilter, AuditOutcome, CheckoutId, NotificationResult};
use futures_util::StreamExt;
use reqwest::StatusCode;

use crate::bad_requests::{BadRequest, Ids, REQUESTS, Rng, fire, generate};
use crate::helpers::{Db, TestApp, spawn_app};
use crate::on_both;

/// What may not change, whatever the requests said.
#[derive(Debug, PartialEq)]
struct Snapshot {
    checkouts: Vec<String>,
    claims: Vec<String>,
    payson: Vec<String>,
    payson_total: String,
    checkout_count: i64,
    processed_notifications: i64,
    successful_audit_events: usize,
    users: usize,
}

async fn snapshot(app: &TestApp, ids: &[CheckoutId]) -> Snapshot {
    let s = &app.state.store;
    let mut checkouts = Vec::new();
    let mut claims = Vec::new();
    let mut payson = Vec::new();
    for id in ids {
        checkouts.push(format!("{:?}", s.checkout(*id).await.unwrap()));
        claims.push(format!("{:?}", s.claim(*id).await.unwrap()));
        payson.push(format!("{:?}", app.sim.checkout_counters(id.as_uuid())));
    }
    let successes = AuditFilter {
        outcome: Some(AuditOutcome::Success),
        ..AuditFilter::default()
    };
    Snapshot {
        checkouts,
        claims,
        payson,
        payson_total: format!("{:?}", app.sim.counters()),
        checkout_count: s.count_checkouts().await.unwrap(),
        processed_notifications: s
            .count_notifications(NotificationResult::Processed)
            .await
            .unwrap(),
        successful_audit_events: s.audit_events(&successes, 100_000).await.unwrap().len(),
        users: s.users().await.unwrap().len(),
    }
}

async fn ten_thousand_bad_requests_change_nothing(db: Db) {
    let app = spawn_app(db).await;
    let ready = app.ready().await;
    let shipped = app.checkout(false, "shipped").await;
    let others = app.checkout(true, "readyToShip").await;
    let known = [ready, shipped, others];
    let ids = Ids {
        real: known.to_vec(),
    };
    let before = snapshot(&app, &known).await;
    let mut rng = Rng::new(0x9E37_79B9_7F4A_7C15);
    let requests: Vec<BadRequest> = (0..REQUESTS).map(|_| generate(&mut rng, &ids)).collect();
    let started = Instant::now();
    let answers: Vec<(String, Result<u16, String>)> = futures_util::stream::iter(requests)
        .map(|r| {
            let what = format!("{} {}", r.method, r.path);
            let app = &app;
            async move {
                (
                    what,
                    fire(&app.client, &app.address, &app.tokens.writer, r).await,
                )
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let took = started.elapsed();
    let mut by_status: BTreeMap<u16, usize> = BTreeMap::new();
    let mut bad = Vec::new();
    for (what, a) in &answers {
        match a {
            Ok(s) => {
                *by_status.entry(*s).or_default() += 1;
                if *s >= 500 {
                    bad.push(format!("{s} for {what}"));
                }
                // The successes a bad request may get: a notification for a checkout
                // that is not ours is acknowledged so that Payson stops retrying, and
                // and the login page is a page anyone may read.
                let harmless = what.contains("/ipncallback?checkout=")
                    || what == "GET /login"
                    || what == "HEAD /login";
                if (200..300).contains(s) && !harmless {
                    bad.push(format!("{s} for {what}"));
                }
            }
            Err(e) => bad.push(e.clone()),
        }
    }
    println!("{REQUESTS} bad requests in {took:?}: {by_status:?}");
    assert!(
        bad.is_empty(),
        "{} bad answers, e.g. {:#?}",
        bad.len(),
        &bad[..bad.len().min(10)]
    );
    assert_eq!(snapshot(&app, &known).await, before, "nothing changed");
    // Healthy after: ready, and a real send still works.
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(app.send(ready).await.status(), StatusCode::OK);
    assert_eq!(app.sim.checkout_counters(ready.as_uuid()).ship_requests, 1);
}

on_both!(ten_thousand_bad_requests_change_nothing);

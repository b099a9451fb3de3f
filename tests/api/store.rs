//! Store edge cases beyond `store_suite`: timestamp order on SQLite's TEXT encoding,
//! corrupt stored values, key conflicts, and connecting.

use checkout_desk::domain::{
    ApiToken, AuditAction, AuditFilter, AuditOutcome, Checkout, CheckoutStatus, Company, CompanyId,
    Currency, Money, NewAuditEvent, PaymentMethod, Role, RoleSet, User, UserId,
};
use checkout_desk::store::{Store, StoreError};
use chrono::{DateTime, Duration, DurationRound, Utc};

use crate::helpers::{Db, fresh_database_url};
use crate::on_both;

async fn store(db: Db) -> Store {
    let s = Store::connect(&fresh_database_url(db).await).await.unwrap();
    s.migrate().await.unwrap();
    s
}

/// A whole second, so the values below mix encodings with no, 3, 6 and 9 fraction digits
/// (`…:05+00:00`, `…:05.001+00:00`, `…:05.000001+00:00`) — SQLite compares them as text.
/// Whole microseconds only: PostgreSQL keeps no finer precision.
fn whole_second() -> DateTime<Utc> {
    Utc::now().duration_trunc(Duration::seconds(1)).unwrap()
}

fn company() -> Company {
    Company {
        id: CompanyId::new_random(),
        name: "A".into(),
        payson_agent_id: "4".into(),
        payson_api_key_encrypted: "v1:abc".into(),
        payson_base_url: "https://test-api.payson.se/2.0/".into(),
        created_at: whole_second(),
    }
}

fn checkout(company: CompanyId) -> Checkout {
    let t = whole_second();
    Checkout {
        id: checkout_desk::domain::CheckoutId::new_random(),
        company_id: company,
        status: CheckoutStatus::ReadyToShip,
        payson_status: "readyToShip".into(),
        amount: Money::from_minor(100, Currency::Sek),
        payment_method: PaymentMethod::Card,
        customer_name: "Tess".into(),
        customer_email: "tess@example.com".into(),
        reference: "BK-1".into(),
        snippet: None,
        purchase_id: None,
        history_json: "{}".into(),
        ready_to_ship_at: Some(t),
        created_at: t,
        updated_at: t,
        refreshed_at: t,
    }
}

fn event(at: DateTime<Utc>, actor: &str) -> NewAuditEvent {
    NewAuditEvent {
        at,
        actor_user_id: None,
        actor: actor.into(),
        company_id: None,
        checkout_id: None,
        action: AuditAction::Login,
        outcome: AuditOutcome::Success,
        http_status: 200,
        remote_addr: "127.0.0.1".into(),
        request_id: "r".into(),
        message: "m".into(),
        payson_message: None,
        note: None,
    }
}

on_both!(timestamps_compare_in_time_order);
async fn timestamps_compare_in_time_order(db: Db) {
    let s = store(db).await;
    let c = company();
    s.insert_company(&c).await.unwrap();
    let co = checkout(c.id);
    s.upsert_checkout(&co).await.unwrap();
    let t = whole_second();
    let us = Duration::microseconds(1);
    let ms = Duration::milliseconds(1);

    // Lease until exactly `t` (no fraction digits).
    assert!(s.try_claim_send(co.id, "r1", t - ms, t).await.unwrap());
    assert!(
        !s.try_claim_send(co.id, "r2", t, t + ms).await.unwrap(),
        "a lease ending now has not run out"
    );
    assert!(
        s.try_claim_send(co.id, "r3", t + us, t + Duration::seconds(1))
            .await
            .unwrap(),
        "1 µs after a whole-second lease it has run out"
    );
    // Lease until t+1s (no fraction); now has fraction digits and is earlier.
    assert!(
        !s.try_claim_send(
            co.id,
            "r4",
            t + Duration::milliseconds(500),
            t + Duration::seconds(9)
        )
        .await
        .unwrap(),
        "t+0.5s is before a lease until t+1s"
    );
    assert!(
        !s.try_claim_send(
            co.id,
            "r4",
            t + Duration::seconds(1),
            t + Duration::seconds(9)
        )
        .await
        .unwrap()
    );
    assert!(
        s.try_claim_send(
            co.id,
            "r5",
            t + Duration::seconds(1) + us,
            t + Duration::seconds(2) + Duration::milliseconds(500)
        )
        .await
        .unwrap()
    );
    // Lease with 3 fraction digits, now a whole second later.
    assert!(
        s.try_claim_send(
            co.id,
            "r6",
            t + Duration::seconds(3),
            t + Duration::seconds(9)
        )
        .await
        .unwrap()
    );
    assert_eq!(s.claim(co.id).await.unwrap().unwrap().owner, "r6");

    // Audit from (inclusive) / to (exclusive) across mixed encodings.
    let times = [
        ("whole", t),
        ("us", t + us),
        ("ms", t + ms),
        ("half", t + Duration::milliseconds(500)),
        ("next", t + Duration::seconds(1)),
    ];
    for (name, at) in times {
        s.append_audit(&event(at, name)).await.unwrap();
    }
    let actors = |from, to| {
        let s = s.clone();
        async move {
            s.audit_events(
                &AuditFilter {
                    from: Some(from),
                    to: Some(to),
                    ..Default::default()
                },
                100,
            )
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.event.actor)
            .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        actors(t + us, t + Duration::seconds(1)).await,
        ["half", "ms", "us"]
    );
    assert_eq!(actors(t, t + us).await, ["whole"]);
    assert_eq!(
        actors(t + Duration::milliseconds(2), t + Duration::seconds(2)).await,
        ["next", "half"]
    );

    // Sessions expire strictly after `expires_at`.
    s.session_insert("k", None, "{}", t, t + ms).await.unwrap();
    assert!(s.session_load("k", t).await.unwrap().is_some());
    assert!(s.session_load("k", t + us).await.unwrap().is_some());
    assert!(s.session_load("k", t + ms).await.unwrap().is_none());
    assert_eq!(s.sessions_purge_expired(t).await.unwrap(), 0);
    assert_eq!(s.sessions_purge_expired(t + ms).await.unwrap(), 1);
}

on_both!(bad_stored_values_are_corrupt);
async fn bad_stored_values_are_corrupt(db: Db) {
    let s = store(db).await;
    let c = company();
    s.insert_company(&c).await.unwrap();
    let co = checkout(c.id);
    s.upsert_checkout(&co).await.unwrap();
    s.execute_raw_for_tests("UPDATE checkouts SET currency = 'XYZ'")
        .await
        .unwrap();
    assert!(
        matches!(s.checkout(co.id).await, Err(StoreError::Corrupt(_))),
        "unknown currency"
    );
    // The status column itself only takes the twelve names.
    assert!(
        s.execute_raw_for_tests("UPDATE checkouts SET status = 'Bogus'")
            .await
            .is_err()
    );

    let u = User {
        id: UserId::new_random(),
        email: "ada@example.com".into(),
        display_name: "Ada".into(),
        password_hash: None,
        company_id: None,
        roles: RoleSet::empty().with(Role::Auditor),
        disabled: false,
        created_at: whole_second(),
    };
    s.insert_user(&u).await.unwrap();
    s.execute_raw_for_tests("UPDATE users SET roles = 'wizard'")
        .await
        .unwrap();
    assert!(matches!(s.user(u.id).await, Err(StoreError::Corrupt(_))));

    s.execute_raw_for_tests(
        "INSERT INTO audit_events (at, actor, action, outcome, http_status, remote_addr, request_id, message) \
         VALUES ('2026-01-01T00:00:00+00:00', 'x', 'login', 'success', 70000, '', '', '')",
    )
    .await
    .unwrap();
    assert!(matches!(
        s.audit_events(&AuditFilter::default(), 10).await,
        Err(StoreError::Corrupt(_))
    ));
}

on_both!(duplicate_keys_are_conflicts);
async fn duplicate_keys_are_conflicts(db: Db) {
    let s = store(db).await;
    let c = company();
    s.insert_company(&c).await.unwrap();
    // Primary key (SQLite 1555, PostgreSQL 23505).
    assert!(matches!(
        s.insert_company(&c).await,
        Err(StoreError::Conflict(_))
    ));
    let u = User {
        id: UserId::new_random(),
        email: "ada@example.com".into(),
        display_name: "Ada".into(),
        password_hash: None,
        company_id: Some(c.id),
        roles: RoleSet::empty(),
        disabled: false,
        created_at: whole_second(),
    };
    s.insert_user(&u).await.unwrap();
    let t = ApiToken {
        id: uuid::Uuid::new_v4(),
        user_id: u.id,
        name: "ci".into(),
        token_hash: "h".into(),
        created_at: whole_second(),
        revoked_at: None,
    };
    s.insert_api_token(&t).await.unwrap();
    // Unique token hash under a new id (SQLite 2067).
    let again = ApiToken {
        id: uuid::Uuid::new_v4(),
        ..t.clone()
    };
    assert!(matches!(
        s.insert_api_token(&again).await,
        Err(StoreError::Conflict(_))
    ));
    // A foreign-key failure is not a conflict.
    let orphan = ApiToken {
        id: uuid::Uuid::new_v4(),
        user_id: UserId::new_random(),
        token_hash: "h2".into(),
        ..t
    };
    assert!(matches!(
        s.insert_api_token(&orphan).await,
        Err(StoreError::Database(_))
    ));
}

#[tokio::test]
async fn sqlite_connect_creates_missing_directories() {
    let dir = std::env::temp_dir()
        .join("checkout-desk-tests")
        .join(uuid::Uuid::new_v4().simple().to_string())
        .join("nested");
    let file = dir.join("desk.db");
    let s = Store::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    s.migrate().await.unwrap();
    s.migrate().await.unwrap();
    s.ping().await.unwrap();
    assert!(file.exists());
    s.close().await;
    assert!(Store::connect("mysql://localhost/x").await.is_err());
}

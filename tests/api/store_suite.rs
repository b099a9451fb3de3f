//! The store facade, method by method, on SQLite and on PostgreSQL: round trips, the
//! rules the database itself enforces, timestamp order on SQLite's TEXT encoding, corrupt
//! stored values, key conflicts, and connecting.

use checkout_desk::domain::{
    ApiToken, AuditAction, AuditFilter, AuditOutcome, Checkout, CheckoutFilter, CheckoutId,
    CheckoutStatus, ClaimState, Company, CompanyApiKey, CompanyId, Currency, Money, NewAuditEvent,
    PaymentMethod, Role, RoleSet, User, UserId,
};
use checkout_desk::store::{Backend, SessionWrite, Store, StoreError};
use chrono::{DateTime, Duration, DurationRound, Utc};
use futures_util::future::join_all;
use sqlx::Connection;

use crate::helpers::{Db, fresh_database_url};
use crate::on_both;

/// A migrated store on a fresh database, and that database's URL for [`Raw`].
async fn store_at(db: Db) -> (Store, Raw) {
    let url = fresh_database_url(db).await;
    let s = Store::connect(&url).await.unwrap();
    s.migrate().await.unwrap();
    assert_eq!(
        s.backend(),
        if db == Db::Sqlite {
            Backend::Sqlite
        } else {
            Backend::Postgres
        }
    );
    (s, Raw(url))
}

async fn store(db: Db) -> Store {
    store_at(db).await.0
}

/// The store's database reached directly, past the store (which has no way to run SQL as
/// given): to plant values the store never writes, and to prove the database itself
/// refuses things.
struct Raw(String);

impl Raw {
    /// Runs one statement on a connection of its own: the statement's result (a connection
    /// that cannot be opened fails the test instead).
    async fn execute(&self, sql: &'static str) -> Result<u64, sqlx::Error> {
        if self.0.starts_with("sqlite:") {
            let mut c = sqlx::SqliteConnection::connect(&self.0).await.unwrap();
            sqlx::query(sql)
                .execute(&mut c)
                .await
                .map(|r| r.rows_affected())
        } else {
            let mut c = sqlx::PgConnection::connect(&self.0).await.unwrap();
            sqlx::query(sql)
                .execute(&mut c)
                .await
                .map(|r| r.rows_affected())
        }
    }

    /// The first column of every row `sql` returns, as text.
    async fn texts(&self, sql: &'static str) -> Vec<String> {
        if self.0.starts_with("sqlite:") {
            let mut c = sqlx::SqliteConnection::connect(&self.0).await.unwrap();
            sqlx::query_scalar(sql).fetch_all(&mut c).await.unwrap()
        } else {
            let mut c = sqlx::PgConnection::connect(&self.0).await.unwrap();
            sqlx::query_scalar(sql).fetch_all(&mut c).await.unwrap()
        }
    }
}

/// Microsecond precision survives both backends.
fn now() -> DateTime<Utc> {
    Utc::now()
        .duration_trunc(Duration::microseconds(1))
        .unwrap()
}

/// A whole second, so the values below mix encodings with no, 3, 6 and 9 fraction digits
/// (`…:05+00:00`, `…:05.001+00:00`, `…:05.000001+00:00`) — SQLite compares them as text.
/// Whole microseconds only: PostgreSQL keeps no finer precision.
fn whole_second() -> DateTime<Utc> {
    Utc::now().duration_trunc(Duration::seconds(1)).unwrap()
}

fn company(name: &str) -> Company {
    Company {
        id: CompanyId::new_random(),
        name: name.into(),
        payson_agent_id: "4".into(),
        payson_api_key_encrypted: "v1:abc".into(),
        payson_base_url: "https://test-api.payson.se/2.0/".into(),
        created_at: now(),
        time_zone: checkout_desk::domain::TimeZone::DEFAULT,
    }
}

fn user(email: &str, company: Option<CompanyId>) -> User {
    User {
        id: UserId::new_random(),
        email: email.into(),
        display_name: "Ada".into(),
        password_hash: Some("$argon2id$x".into()),
        company_id: company,
        roles: RoleSet::empty()
            .with(Role::AdminWrite)
            .with(Role::AdminRead),
        disabled: false,
        created_at: now(),
    }
}

fn token(user: UserId, hash: &str) -> ApiToken {
    ApiToken {
        id: uuid::Uuid::new_v4(),
        user_id: user,
        name: "ci".into(),
        token_hash: hash.into(),
        created_at: now(),
        revoked_at: None,
    }
}

fn checkout(company: CompanyId, status: CheckoutStatus) -> Checkout {
    let t = now();
    Checkout {
        id: CheckoutId::new_random(),
        company_id: company,
        status,
        payson_status: status.payson_name().into(),
        amount: Money::from_minor(123_450, Currency::Sek),
        payment_method: PaymentMethod::Invoice,
        customer_name: "Tess T Persson".into(),
        customer_email: "tess@example.com".into(),
        reference: "BK-1".into(),
        snippet: Some("<div id='paysonContainer'></div>".into()),
        purchase_id: Some(3_000_001),
        history_json: r#"{"created":"2026-01-01T00:00:00Z"}"#.into(),
        ready_to_ship_at: Some(t - Duration::days(3)),
        created_at: t - Duration::days(4),
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

on_both!(companies_users_round_trip);
async fn companies_users_round_trip(db: Db) {
    let s = store(db).await;
    let a = company("A");
    let b = company("B");
    s.insert_company(&a).await.unwrap();
    s.insert_company(&b).await.unwrap();
    assert_eq!(s.company(a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(s.company(CompanyId::new_random()).await.unwrap(), None);
    assert_eq!(s.companies().await.unwrap(), vec![a.clone(), b.clone()]);
    assert!(
        s.update_company_payson(a.id, "5", "v1:def", "http://x/2.0/")
            .await
            .unwrap()
    );
    let a2 = s.company(a.id).await.unwrap().unwrap();
    assert_eq!(
        (
            a2.payson_agent_id.as_str(),
            a2.payson_api_key_encrypted.as_str()
        ),
        ("5", "v1:def")
    );

    let u = user("ada@example.com", Some(a.id));
    s.insert_user(&u).await.unwrap();
    assert_eq!(s.user(u.id).await.unwrap(), Some(u.clone()));
    assert_eq!(
        s.user_by_email("ADA@Example.com").await.unwrap(),
        Some(u.clone())
    );
    let dup = user("Ada@example.com", None);
    assert!(matches!(
        s.insert_user(&dup).await,
        Err(StoreError::Conflict(_))
    ));
    let sso = User {
        password_hash: None,
        company_id: None,
        roles: RoleSet::empty(),
        ..user("sso@example.com", None)
    };
    s.insert_user(&sso).await.unwrap();
    assert_eq!(s.user(sso.id).await.unwrap(), Some(sso.clone()));
    assert_eq!(s.users().await.unwrap().len(), 2);
    assert!(s.set_user_password(u.id, "$argon2id$y").await.unwrap());
    let roles = RoleSet::empty().with(Role::Auditor);
    assert!(s.set_user_roles(u.id, roles, None).await.unwrap());
    assert!(s.set_user_disabled(u.id, true).await.unwrap());
    let u2 = s.user(u.id).await.unwrap().unwrap();
    assert_eq!(
        (
            u2.password_hash.as_deref(),
            u2.roles,
            u2.company_id,
            u2.disabled
        ),
        (Some("$argon2id$y"), roles, None, true)
    );
    assert!(
        !s.set_user_disabled(UserId::new_random(), true)
            .await
            .unwrap()
    );
    // A user of a company that does not exist is refused by the foreign key.
    assert!(
        s.insert_user(&user("ghost@example.com", Some(CompanyId::new_random())))
            .await
            .is_err()
    );
}

on_both!(tokens_and_company_keys);
async fn tokens_and_company_keys(db: Db) {
    let s = store(db).await;
    let c = company("A");
    s.insert_company(&c).await.unwrap();
    let u = user("ada@example.com", Some(c.id));
    s.insert_user(&u).await.unwrap();
    let t = token(u.id, "h1");
    s.insert_api_token(&t).await.unwrap();
    let (found, fu) = s.active_token_by_hash("h1").await.unwrap().unwrap();
    assert_eq!((found, fu.id), (t.clone(), u.id));
    assert_eq!(s.api_tokens(Some(u.id)).await.unwrap(), vec![t.clone()]);
    assert_eq!(s.api_tokens(None).await.unwrap().len(), 1);
    assert!(s.revoke_api_token(t.id, now()).await.unwrap());
    assert!(
        !s.revoke_api_token(t.id, now()).await.unwrap(),
        "revoking twice changes nothing"
    );
    assert!(s.active_token_by_hash("h1").await.unwrap().is_none());
    assert!(s.active_token_by_hash("nope").await.unwrap().is_none());

    let k = CompanyApiKey {
        id: uuid::Uuid::new_v4(),
        company_id: c.id,
        key_hash: "k1".into(),
        notes: "booking system".into(),
        allowed_ips: "127.0.0.1".into(),
        created_at: now(),
        expires_at: Some(now() + Duration::days(30)),
        revoked_at: None,
    };
    s.insert_company_api_key(&k).await.unwrap();
    assert_eq!(
        s.company_api_key_by_hash("k1").await.unwrap(),
        Some(k.clone())
    );
    assert_eq!(s.company_api_keys(c.id).await.unwrap(), vec![k.clone()]);
    assert!(s.revoke_company_api_key(k.id, now()).await.unwrap());
    assert!(
        s.company_api_key_by_hash("k1")
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_some()
    );
    assert!(matches!(
        s.insert_company_api_key(&k).await,
        Err(StoreError::Conflict(_))
    ));
}

on_both!(checkouts_upsert_and_read);
async fn checkouts_upsert_and_read(db: Db) {
    let s = store(db).await;
    let c = company("A");
    s.insert_company(&c).await.unwrap();
    // A page of the list (read as one JSON value on SQLite) holds the same checkout as
    // reading it alone, every field, whatever its text holds.
    let listed = |status| {
        let f = CheckoutFilter {
            status: Some(status),
            ..Default::default()
        };
        let s = &s;
        async move { s.list_checkouts(&f.into(), None, 10).await.unwrap() }
    };
    let mut co = checkout(c.id, CheckoutStatus::ReadyToShip);
    co.customer_name = "Åsa \"Q\" Öberg \\ \u{1F600}\n\ttab".into();
    co.reference = "'; DROP TABLE checkouts; --".into();
    s.upsert_checkout(&co).await.unwrap();
    assert_eq!(s.checkout(co.id).await.unwrap(), Some(co.clone()));
    assert_eq!(listed(CheckoutStatus::ReadyToShip).await, [co.clone()]);
    co.status = CheckoutStatus::Shipped;
    co.payson_status = "shipped".into();
    co.snippet = None;
    co.purchase_id = None;
    co.ready_to_ship_at = None;
    co.amount = Money::from_minor(-5, Currency::Eur);
    s.upsert_checkout(&co).await.unwrap();
    assert_eq!(s.checkout(co.id).await.unwrap(), Some(co.clone()));
    assert_eq!(listed(CheckoutStatus::Shipped).await, [co.clone()]);
    assert_eq!(listed(CheckoutStatus::ReadyToShip).await, []);
    assert_eq!(s.count_checkouts().await.unwrap(), 1);
    assert_eq!(s.checkout(CheckoutId::new_random()).await.unwrap(), None);
    // A checkout of a company that does not exist is refused.
    assert!(
        s.upsert_checkout(&checkout(CompanyId::new_random(), CheckoutStatus::Created))
            .await
            .is_err()
    );
}

on_both!(claims_follow_their_rules);
async fn claims_follow_their_rules(db: Db) {
    let s = store(db).await;
    let c = company("A");
    s.insert_company(&c).await.unwrap();
    let co = checkout(c.id, CheckoutStatus::ReadyToShip);
    s.upsert_checkout(&co).await.unwrap();
    let t = now();
    let lease = t + Duration::seconds(60);
    assert!(
        s.try_claim_send(co.id, "r1", t, lease).await.unwrap(),
        "free → claimed"
    );
    assert!(
        !s.try_claim_send(co.id, "r2", t + Duration::seconds(1), lease)
            .await
            .unwrap(),
        "held → refused"
    );
    assert!(
        !s.finish_claim(co.id, "r2", ClaimState::Failed)
            .await
            .unwrap(),
        "only the owner finishes"
    );
    // A lease that ran out (the holder died) is open, but never taken for a new send:
    // its request may still take effect at Payson.
    let later = t + Duration::seconds(61);
    assert!(
        !s.try_claim_send(co.id, "r3", later, later + Duration::seconds(60))
            .await
            .unwrap(),
        "in flight past its lease → not claimable"
    );
    let open = s.open_claims(later, 10).await.unwrap();
    assert_eq!(open.len(), 1);
    assert!(
        s.open_claims(t, 10).await.unwrap().is_empty(),
        "not open within its lease"
    );
    assert!(
        s.finish_claim(co.id, "r1", ClaimState::Unknown)
            .await
            .unwrap(),
        "its holder may still finish it"
    );
    assert_eq!(
        s.claims_in_state(ClaimState::Unknown).await.unwrap().len(),
        1
    );
    assert!(
        !s.try_claim_send(co.id, "r4", t + Duration::seconds(62), lease)
            .await
            .unwrap(),
        "unknown → not claimable"
    );
    assert_eq!(
        s.open_claims(t, 10).await.unwrap().len(),
        1,
        "unknown is open"
    );
    // Settling is conditional on the very claim: once, with its event, never twice.
    let claim = s.claim(co.id).await.unwrap().unwrap();
    let event = |msg: &str| NewAuditEvent {
        at: t,
        actor_user_id: None,
        actor: "reconciliation".into(),
        company_id: Some(c.id),
        checkout_id: Some(co.id),
        action: AuditAction::SendPaymentRequest,
        outcome: AuditOutcome::Failed,
        http_status: 409,
        remote_addr: "local".into(),
        request_id: "r1".into(),
        message: msg.into(),
        payson_message: None,
        note: None,
    };
    let mut fresh = co.clone();
    fresh.payson_status = "readyToShip (re-read)".into();
    assert!(
        s.settle_claim(&claim, ClaimState::Failed, Some(&fresh), &event("first"))
            .await
            .unwrap()
    );
    assert!(
        !s.settle_claim(&claim, ClaimState::Done, Some(&co), &event("second"))
            .await
            .unwrap(),
        "already settled → nothing changes"
    );
    assert_eq!(
        s.checkout(co.id).await.unwrap().unwrap().payson_status,
        "readyToShip (re-read)",
        "the checkout is written with the winning settlement only"
    );
    let events = s
        .audit_events(
            &AuditFilter {
                checkout_id: Some(co.id),
                ..Default::default()
            },
            10,
        )
        .await
        .unwrap();
    assert_eq!(
        events
            .iter()
            .map(|e| e.event.message.as_str())
            .collect::<Vec<_>>(),
        ["first"]
    );
    assert!(
        s.try_claim_send(co.id, "r5", t + Duration::seconds(63), lease)
            .await
            .unwrap(),
        "failed → re-claimable"
    );
    assert!(s.finish_claim(co.id, "r5", ClaimState::Done).await.unwrap());
    assert!(
        !s.try_claim_send(
            co.id,
            "r6",
            t + Duration::days(365),
            t + Duration::days(366)
        )
        .await
        .unwrap(),
        "done → never"
    );
    let claim = s.claim(co.id).await.unwrap().unwrap();
    assert_eq!(
        (claim.owner.as_str(), claim.state),
        ("r5", ClaimState::Done)
    );
}

on_both!(fifty_concurrent_claims_one_winner);
async fn fifty_concurrent_claims_one_winner(db: Db) {
    let s = store(db).await;
    let c = company("A");
    s.insert_company(&c).await.unwrap();
    let co = checkout(c.id, CheckoutStatus::ReadyToShip);
    s.upsert_checkout(&co).await.unwrap();
    let t = now();
    let results = join_all((0..50).map(|i| {
        let s = s.clone();
        async move {
            s.try_claim_send(co.id, &format!("r{i}"), t, t + Duration::seconds(60))
                .await
                .unwrap()
        }
    }))
    .await;
    assert_eq!(results.iter().filter(|w| **w).count(), 1, "{results:?}");
}

on_both!(audit_is_append_only_and_filterable);
async fn audit_is_append_only_and_filterable(db: Db) {
    let (s, raw) = store_at(db).await;
    let a = company("A");
    let b = company("B");
    s.insert_company(&a).await.unwrap();
    s.insert_company(&b).await.unwrap();
    let u = UserId::new_random();
    let co = CheckoutId::new_random();
    let t0 = now();
    let mut ids = Vec::new();
    for i in 0..6i64 {
        let e = NewAuditEvent {
            at: t0 + Duration::seconds(i),
            actor_user_id: (i % 2 == 0).then_some(u),
            actor: format!("user{i}"),
            company_id: Some(if i < 4 { a.id } else { b.id }),
            checkout_id: (i == 1).then_some(co),
            action: if i == 5 {
                AuditAction::Login
            } else {
                AuditAction::SendPaymentRequest
            },
            outcome: if i == 2 {
                AuditOutcome::Failed
            } else {
                AuditOutcome::Success
            },
            http_status: 200,
            remote_addr: "127.0.0.1".into(),
            request_id: format!("req{i}"),
            message: "m".into(),
            payson_message: (i == 2).then(|| "Payson said no".into()),
            note: (i == 3).then(|| "called the customer".into()),
        };
        let id = s.append_audit(&e).await.unwrap();
        ids.push(id);
        if i == 2 {
            let all = s.audit_events(&AuditFilter::default(), 1).await.unwrap();
            assert_eq!(all[0].event, e, "round trip of every field");
        }
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    let q = |f: AuditFilter| {
        let s = s.clone();
        async move {
            s.audit_events(&f, 100)
                .await
                .unwrap()
                .iter()
                .map(|e| e.event.actor.clone())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        q(AuditFilter::default()).await,
        ["user5", "user4", "user3", "user2", "user1", "user0"]
    );
    assert_eq!(
        q(AuditFilter {
            company_id: Some(b.id),
            ..Default::default()
        })
        .await,
        ["user5", "user4"]
    );
    assert_eq!(
        q(AuditFilter {
            checkout_id: Some(co),
            ..Default::default()
        })
        .await,
        ["user1"]
    );
    assert_eq!(
        q(AuditFilter {
            actor_user_id: Some(u),
            ..Default::default()
        })
        .await,
        ["user4", "user2", "user0"]
    );
    assert_eq!(
        q(AuditFilter {
            action: Some(AuditAction::Login),
            ..Default::default()
        })
        .await,
        ["user5"]
    );
    assert_eq!(
        q(AuditFilter {
            outcome: Some(AuditOutcome::Failed),
            ..Default::default()
        })
        .await,
        ["user2"]
    );
    assert_eq!(
        q(AuditFilter {
            from: Some(t0 + Duration::seconds(2)),
            to: Some(t0 + Duration::seconds(4)),
            ..Default::default()
        })
        .await,
        ["user3", "user2"]
    );
    assert_eq!(
        q(AuditFilter {
            before_id: Some(ids[3]),
            ..Default::default()
        })
        .await,
        ["user2", "user1", "user0"]
    );
    assert_eq!(
        s.audit_events(&AuditFilter::default(), 2)
            .await
            .unwrap()
            .len(),
        2
    );
    // The database itself refuses to change or remove an event.
    for sql in [
        "UPDATE audit_events SET message = 'x'",
        "DELETE FROM audit_events",
    ] {
        let err = raw.execute(sql).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(
        s.audit_events(&AuditFilter::default(), 100)
            .await
            .unwrap()
            .len(),
        6
    );
}

/// PostgreSQL's SQLSTATE is not read as a SQLite result code: 22021 (a NUL byte in text)
/// is a refusal, not "busy" (22021 & 0xff would be SQLite's BUSY).
#[tokio::test]
async fn postgres_refusals_are_not_busy() {
    let s = store(Db::Postgres).await;
    let err = s.user_by_email("nul\0@example.com").await.unwrap_err();
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");
}

/// A database that stays locked is reported as busy, not as a generic failure.
#[tokio::test]
async fn sqlite_locked_database_is_busy() {
    let url = fresh_database_url(Db::Sqlite).await;
    let s = Store::connect(&url).await.unwrap();
    s.migrate().await.unwrap();
    // Another connection holds the write lock longer than the 5 s busy timeout.
    use sqlx::Connection;
    let mut other = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut other)
        .await
        .unwrap();
    let start = std::time::Instant::now();
    let err = s.insert_company(&company("A")).await.unwrap_err();
    assert!(matches!(err, StoreError::Busy), "{err:?}");
    assert!(
        start.elapsed() >= std::time::Duration::from_secs(4),
        "waited for the busy timeout first"
    );
    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
    s.insert_company(&company("A")).await.unwrap();
}

on_both!(checkout_filters_totals_and_keyset);
async fn checkout_filters_totals_and_keyset(db: Db) {
    let s = store(db).await;
    let a = company("A");
    let b = company("B");
    s.insert_company(&a).await.unwrap();
    s.insert_company(&b).await.unwrap();
    let t = now();
    let mut awaiting = Vec::new();
    for i in 0..7i64 {
        let mut c = checkout(if i < 5 { a.id } else { b.id }, CheckoutStatus::ReadyToShip);
        c.ready_to_ship_at = Some(t - Duration::days(i));
        c.customer_name = format!("Kund {i}");
        c.reference = if i == 3 {
            "BK_50%".into()
        } else {
            format!("BK-{i}")
        };
        s.upsert_checkout(&c).await.unwrap();
        awaiting.push(c);
    }
    let mut shipped = checkout(a.id, CheckoutStatus::Shipped);
    shipped.amount = Money::from_minor(1000, Currency::Eur);
    s.upsert_checkout(&shipped).await.unwrap();
    let ids = |v: Vec<Checkout>| v.into_iter().map(|c| c.id).collect::<Vec<_>>();
    let ready = CheckoutFilter {
        status: Some(CheckoutStatus::ReadyToShip),
        ..Default::default()
    };
    // Soonest-expiring (oldest readyToShip) first, across pages with no gaps or repeats.
    let first = s
        .list_checkouts(&ready.clone().into(), None, 4)
        .await
        .unwrap();
    let last = first.last().unwrap();
    let second = s
        .list_checkouts(
            &ready.clone().into(),
            Some((last.ready_to_ship_at.unwrap(), last.id)),
            4,
        )
        .await
        .unwrap();
    let mut expected: Vec<_> = awaiting.iter().rev().map(|c| c.id).collect();
    let mut got = ids(first);
    got.extend(ids(second));
    assert_eq!(got, expected);
    // Company, text (wildcards are literal), dates.
    let f = CheckoutFilter {
        company: Some(b.id),
        ..ready.clone()
    };
    assert_eq!(
        s.list_checkouts(&f.clone().into(), None, 50)
            .await
            .unwrap()
            .len(),
        2
    );
    let f = CheckoutFilter {
        text: Some("bk_50%".into()),
        ..ready.clone()
    };
    assert_eq!(
        ids(s.list_checkouts(&f.clone().into(), None, 50).await.unwrap()),
        vec![awaiting[3].id]
    );
    let f = CheckoutFilter {
        text: Some("BK_".into()),
        ..ready.clone()
    };
    assert_eq!(
        s.list_checkouts(&f.clone().into(), None, 50)
            .await
            .unwrap()
            .len(),
        1,
        "_ is not a wildcard"
    );
    let f = CheckoutFilter {
        text: Some(awaiting[6].id.to_string()[..8].to_owned()),
        ..ready.clone()
    };
    assert_eq!(
        ids(s.list_checkouts(&f.clone().into(), None, 50).await.unwrap()),
        vec![awaiting[6].id]
    );
    let f = CheckoutFilter {
        from: Some(t - Duration::days(2) - Duration::hours(1)),
        to: Some(t - Duration::hours(12)),
        ..ready.clone()
    };
    expected = vec![awaiting[2].id, awaiting[1].id];
    assert_eq!(
        ids(s.list_checkouts(&f.clone().into(), None, 50).await.unwrap()),
        expected
    );
    // Other statuses: newest first; "all" includes everything.
    let f = CheckoutFilter {
        status: Some(CheckoutStatus::Shipped),
        ..Default::default()
    };
    assert_eq!(
        ids(s.list_checkouts(&f.clone().into(), None, 50).await.unwrap()),
        vec![shipped.id]
    );
    assert_eq!(
        s.list_checkouts(&CheckoutFilter::default().into(), None, 50)
            .await
            .unwrap()
            .len(),
        8
    );
    // Totals per currency of everything matched.
    assert_eq!(
        s.checkout_totals(&ready).await.unwrap(),
        vec![(Currency::Sek, 7, 7 * 123_450)]
    );
    let all = s.checkout_totals(&CheckoutFilter::default()).await.unwrap();
    assert_eq!(
        all,
        vec![(Currency::Eur, 1, 1000), (Currency::Sek, 7, 7 * 123_450)]
    );
    // Unfiltered totals come from the trigger-kept counts; they must always agree with
    // adding up the rows (an empty text matches every row and takes that path).
    let agree = |label: &'static str| {
        let s = &s;
        let (a, b) = (a.id, b.id);
        async move {
            for company in [None, Some(a), Some(b)] {
                for status in [
                    None,
                    Some(CheckoutStatus::ReadyToShip),
                    Some(CheckoutStatus::Shipped),
                ] {
                    let f = CheckoutFilter {
                        company,
                        status,
                        ..Default::default()
                    };
                    let scanned = CheckoutFilter {
                        text: Some(String::new()),
                        ..f.clone()
                    };
                    assert_eq!(
                        s.checkout_totals(&f).await.unwrap(),
                        s.checkout_totals(&scanned).await.unwrap(),
                        "{label}: {company:?} {status:?}"
                    );
                }
            }
        }
    };
    agree("after inserts").await;
    // A status change, an amount change and a move to another company.
    let mut c = awaiting[0].clone();
    c.status = CheckoutStatus::Shipped;
    s.upsert_checkout(&c).await.unwrap();
    let mut c = awaiting[1].clone();
    c.amount = Money::from_minor(99, Currency::Sek);
    s.upsert_checkout(&c).await.unwrap();
    let mut c = awaiting[6].clone();
    c.company_id = a.id;
    s.upsert_checkout(&c).await.unwrap();
    agree("after updates").await;
    assert_eq!(
        s.checkout_totals(&CheckoutFilter {
            company: Some(a.id),
            status: Some(CheckoutStatus::Shipped),
            ..Default::default()
        })
        .await
        .unwrap(),
        vec![(Currency::Eur, 1, 1000), (Currency::Sek, 1, 123_450)]
    );
}

on_both!(text_search_ignores_case_beyond_ascii_and_old_rows_are_filled_in);
async fn text_search_ignores_case_beyond_ascii_and_old_rows_are_filled_in(db: Db) {
    let (s, raw) = store_at(db).await;
    let a = company("A");
    s.insert_company(&a).await.unwrap();
    let mut c = checkout(a.id, CheckoutStatus::ReadyToShip);
    c.customer_name = "ÅSA Öberg".into();
    c.customer_email = "Asa.Oberg@Example.SE".into();
    s.upsert_checkout(&c).await.unwrap();
    let found = |text: &str| {
        let s = &s;
        let f = CheckoutFilter {
            text: Some(text.into()),
            ..Default::default()
        };
        async move {
            s.list_checkouts(&f.clone().into(), None, 10)
                .await
                .unwrap()
                .len()
        }
    };
    for text in [
        "åsa",
        "öBERG",
        "asa.oberg@example.se",
        &c.id.to_string()[..8],
    ] {
        assert_eq!(found(text).await, 1, "{text}");
    }
    assert_eq!(found("åsa x").await, 0);
    // A row written before the column existed is filled in at the next start.
    raw.execute("UPDATE checkouts SET search_text = ''")
        .await
        .unwrap();
    assert_eq!(found("åsa").await, 0);
    s.migrate().await.unwrap();
    assert_eq!(found("åsa").await, 1);
}

on_both!(timestamps_compare_in_time_order);
async fn timestamps_compare_in_time_order(db: Db) {
    let s = store(db).await;
    let c = company("A");
    s.insert_company(&c).await.unwrap();
    let co = checkout(c.id, CheckoutStatus::ReadyToShip);
    s.upsert_checkout(&co).await.unwrap();
    let t = whole_second();
    let us = Duration::microseconds(1);
    let ms = Duration::milliseconds(1);

    // A claim in flight until exactly `t` (no fraction digits) is open only after `t`.
    assert!(s.try_claim_send(co.id, "r1", t - ms, t).await.unwrap());
    assert!(
        s.open_claims(t, 10).await.unwrap().is_empty(),
        "a lease ending now has not run out"
    );
    assert_eq!(
        s.open_claims(t + us, 10).await.unwrap().len(),
        1,
        "1 µs after a whole-second lease it has run out"
    );
    // Work leases compare the same way across encodings.
    let lease = "refresh:x";
    assert!(s.try_lease(lease, "r1", t - ms, t).await.unwrap());
    assert!(
        !s.try_lease(lease, "r2", t, t + ms).await.unwrap(),
        "a lease ending now has not run out"
    );
    assert!(
        s.try_lease(lease, "r3", t + us, t + Duration::seconds(1))
            .await
            .unwrap(),
        "1 µs after a whole-second lease it has run out"
    );
    // Lease until t+1s (no fraction); now has fraction digits and is earlier.
    assert!(
        !s.try_lease(
            lease,
            "r4",
            t + Duration::milliseconds(500),
            t + Duration::seconds(9)
        )
        .await
        .unwrap(),
        "t+0.5s is before a lease until t+1s"
    );
    assert!(
        !s.try_lease(
            lease,
            "r4",
            t + Duration::seconds(1),
            t + Duration::seconds(9)
        )
        .await
        .unwrap()
    );
    assert!(
        s.try_lease(
            lease,
            "r5",
            t + Duration::seconds(1) + us,
            t + Duration::seconds(2) + Duration::milliseconds(500)
        )
        .await
        .unwrap()
    );
    // Lease with 3 fraction digits, now a whole second later.
    assert!(
        s.try_lease(
            lease,
            "r6",
            t + Duration::seconds(3),
            t + Duration::seconds(9)
        )
        .await
        .unwrap()
    );
    assert!(
        !s.try_lease(
            lease,
            "r7",
            t + Duration::seconds(8),
            t + Duration::seconds(9)
        )
        .await
        .unwrap()
    );
    s.release_lease(lease, "r6").await.unwrap();
    assert!(
        s.try_lease(
            lease,
            "r7",
            t + Duration::seconds(8),
            t + Duration::seconds(9)
        )
        .await
        .unwrap(),
        "released → free"
    );

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
    let session = SessionWrite {
        key_hash: "k",
        user: None,
        state: "{}",
        now: t,
        expires_at: t + ms,
    };
    s.session_insert(&session).await.unwrap();
    assert!(s.session_load("k", t).await.unwrap().is_some());
    assert!(s.session_load("k", t + us).await.unwrap().is_some());
    assert!(s.session_load("k", t + ms).await.unwrap().is_none());
    assert_eq!(s.sessions_purge_expired(t).await.unwrap(), 0);
    assert_eq!(s.sessions_purge_expired(t + ms).await.unwrap(), 1);
}

on_both!(bad_stored_values_are_corrupt);
async fn bad_stored_values_are_corrupt(db: Db) {
    let (s, raw) = store_at(db).await;
    let c = company("A");
    s.insert_company(&c).await.unwrap();
    let co = checkout(c.id, CheckoutStatus::ReadyToShip);
    s.upsert_checkout(&co).await.unwrap();
    raw.execute("UPDATE checkouts SET currency = 'XYZ'")
        .await
        .unwrap();
    assert!(
        matches!(s.checkout(co.id).await, Err(StoreError::Corrupt(_))),
        "unknown currency"
    );
    let awaiting = CheckoutFilter {
        status: Some(CheckoutStatus::ReadyToShip),
        ..Default::default()
    };
    assert!(
        matches!(
            s.list_checkouts(&awaiting.into(), None, 10).await,
            Err(StoreError::Corrupt(_))
        ),
        "unknown currency in a page of the list"
    );
    // The status column itself only takes the twelve names.
    assert!(
        raw.execute("UPDATE checkouts SET status = 'Bogus'")
            .await
            .is_err()
    );

    let u = User {
        roles: RoleSet::empty().with(Role::Auditor),
        ..user("ada@example.com", None)
    };
    s.insert_user(&u).await.unwrap();
    raw.execute("UPDATE users SET roles = 'wizard'")
        .await
        .unwrap();
    assert!(matches!(s.user(u.id).await, Err(StoreError::Corrupt(_))));
    // A malformed id is corrupt too, never a panic or a silently different id.
    raw.execute("UPDATE users SET roles = 'auditor', id = 'not-a-guid'")
        .await
        .unwrap();
    assert!(
        matches!(s.users().await, Err(StoreError::Corrupt(_))),
        "malformed user id"
    );
    let k = CompanyApiKey {
        id: uuid::Uuid::new_v4(),
        company_id: c.id,
        key_hash: "k1".into(),
        notes: String::new(),
        allowed_ips: String::new(),
        created_at: now(),
        expires_at: None,
        revoked_at: None,
    };
    s.insert_company_api_key(&k).await.unwrap();
    raw.execute("UPDATE company_api_keys SET id = '{not-a-guid}'")
        .await
        .unwrap();
    assert!(
        matches!(
            s.company_api_key_by_hash("k1").await,
            Err(StoreError::Corrupt(_))
        ),
        "malformed key id"
    );

    raw.execute(
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

on_both!(ids_are_stored_as_dashed_lower_case_text);
/// Ids are stored as dashed lower-case text, whatever form they were parsed from: the form
/// every existing row has, so old and new rows compare equal in SQL.
async fn ids_are_stored_as_dashed_lower_case_text(db: Db) {
    let (s, raw) = store_at(db).await;
    let c = Company {
        id: "{6F1C2D3E4A5B4C6D8E7F0A1B2C3D4E5F}".parse().unwrap(),
        ..company("A")
    };
    s.insert_company(&c).await.unwrap();
    let u = user("ada@example.com", Some(c.id));
    s.insert_user(&u).await.unwrap();
    let t = token(u.id, "h1");
    s.insert_api_token(&t).await.unwrap();
    assert_eq!(
        raw.texts("SELECT id FROM companies").await,
        ["6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f"]
    );
    assert_eq!(
        raw.texts("SELECT company_id FROM users").await,
        ["6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f"]
    );
    assert_eq!(
        raw.texts("SELECT id FROM api_tokens").await,
        [t.id.hyphenated().to_string()]
    );
    assert_eq!(s.company(c.id).await.unwrap(), Some(c));
}

on_both!(duplicate_keys_are_conflicts);
async fn duplicate_keys_are_conflicts(db: Db) {
    let s = store(db).await;
    let c = company("A");
    s.insert_company(&c).await.unwrap();
    // Primary key (SQLite 1555, PostgreSQL 23505).
    assert!(matches!(
        s.insert_company(&c).await,
        Err(StoreError::Conflict(_))
    ));
    let u = user("ada@example.com", Some(c.id));
    s.insert_user(&u).await.unwrap();
    let t = token(u.id, "h");
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

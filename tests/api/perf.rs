//! What the worklist's fast paths must not change (issue 13), on SQLite and PostgreSQL:
//! a search answered through the search index finds exactly what a substring scan finds,
//! pages built from one row-value bound neither skip nor repeat, and bounded totals
//! equal adding up the listed rows when exact and say "more than N" exactly when more
//! than N rows match; a page's session and user, read in one statement, and its cached
//! overview follow changes made at another instance.

use std::collections::BTreeMap;

use checkout_desk::domain::{
    Checkout, CheckoutFilter, CheckoutId, CheckoutStatus, Company, CompanyId, Currency,
    FilterTotals, Money, PaymentMethod, RoleSet,
};
use checkout_desk::service::overview::overview;
use checkout_desk::service::overview_cache::overview_for_page;
use checkout_desk::service::{checkouts, signin};
use checkout_desk::store::Store;
use chrono::{DateTime, Duration, DurationRound, Utc};
use reqwest::StatusCode;

use crate::helpers::browser::Browser;
use crate::helpers::{Db, Options, TestApp, fresh_database_url, spawn_app, spawn_with};
use crate::on_both;

fn now() -> DateTime<Utc> {
    Utc::now()
        .duration_trunc(Duration::microseconds(1))
        .unwrap()
}

async fn store(db: Db) -> Store {
    let s = Store::connect(&fresh_database_url(db).await).await.unwrap();
    s.migrate().await.unwrap();
    s
}

fn company(name: &str) -> Company {
    Company {
        id: CompanyId::new_random(),
        name: name.into(),
        payson_agent_id: "4".into(),
        payson_api_key_encrypted: "v1:abc".into(),
        payson_base_url: "https://test-api.payson.se/2.0/".into(),
        time_zone: checkout_desk::domain::TimeZone::DEFAULT,
        created_at: now(),
    }
}

const NAMES: [&str; 8] = [
    "Åsa Öberg",
    "ÅSA LUND",
    "Per \"Pelle\" Ek",
    "Kund 50%",
    "a_b Nilsson",
    "Lars Nilsson",
    "Anna Svensson",
    "Erik Svensson",
];

/// `n` checkouts over two companies: every other one awaiting, the rest shipped or
/// canceled, days apart (two at the very same instant, for the id tie-break), in SEK and
/// EUR.
async fn seed(s: &Store, n: i64) -> (Vec<Checkout>, [CompanyId; 2]) {
    let a = company("A");
    let b = company("B");
    s.insert_company(&a).await.unwrap();
    s.insert_company(&b).await.unwrap();
    let t = now();
    let mut all = Vec::new();
    for i in 0..n {
        let status = match i % 4 {
            0 | 2 => CheckoutStatus::ReadyToShip,
            1 => CheckoutStatus::Shipped,
            _ => CheckoutStatus::Canceled,
        };
        let at = t - Duration::days(i / 2) - Duration::hours(i % 2);
        let c = Checkout {
            id: CheckoutId::new_random(),
            company_id: if i % 3 == 0 { b.id } else { a.id },
            status,
            payson_status: status.payson_name().into(),
            amount: Money::from_minor(
                1000 + i,
                if i % 5 == 0 {
                    Currency::Eur
                } else {
                    Currency::Sek
                },
            ),
            payment_method: PaymentMethod::Card,
            customer_name: NAMES[(i as usize) % NAMES.len()].into(),
            customer_email: format!("kund{i}@example.com"),
            reference: format!("BK-{i}"),
            snippet: None,
            purchase_id: Some(i),
            history_json: "{}".into(),
            ready_to_ship_at: Some(if i == 7 { t - Duration::days(3) } else { at }),
            created_at: if i == 7 { t - Duration::days(3) } else { at } - Duration::hours(1),
            updated_at: t,
            refreshed_at: t,
        };
        s.upsert_checkout(&c).await.unwrap();
        all.push(c);
    }
    (all, [a.id, b.id])
}

/// What the list must show for `f`, worked out here from the rows themselves.
fn scan(all: &[Checkout], f: &CheckoutFilter) -> Vec<CheckoutId> {
    let awaiting = f.is_awaiting();
    let mut rows: Vec<&Checkout> = all
        .iter()
        .filter(|c| f.company.is_none_or(|x| c.company_id == x))
        .filter(|c| f.status.is_none_or(|s| c.status == s))
        .filter(|c| {
            f.text.as_deref().is_none_or(|t| {
                format!(
                    "{}\n{}\n{}\n{}",
                    c.customer_name, c.customer_email, c.reference, c.id
                )
                .to_lowercase()
                .contains(&t.trim().to_lowercase())
            })
        })
        .filter(|c| {
            let at = if awaiting {
                c.ready_to_ship_at.unwrap()
            } else {
                c.created_at
            };
            f.from.is_none_or(|x| at >= x) && f.to.is_none_or(|x| at < x)
        })
        .collect();
    if awaiting {
        rows.sort_by_key(|c| (c.ready_to_ship_at, c.id.to_string()));
    } else {
        rows.sort_by_key(|c| std::cmp::Reverse((c.created_at, c.id.to_string())));
    }
    rows.into_iter().map(|c| c.id).collect()
}

/// The ids of the first `limit` rows the store lists for `f`.
async fn listed(s: &Store, f: &CheckoutFilter, limit: i64) -> Vec<CheckoutId> {
    s.list_checkouts(&f.clone().into(), None, limit)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect()
}

fn totals_of(all: &[Checkout], ids: &[CheckoutId]) -> Vec<(Currency, i64, i64)> {
    let mut m: BTreeMap<&str, (Currency, i64, i64)> = BTreeMap::new();
    for c in all.iter().filter(|c| ids.contains(&c.id)) {
        let e = m
            .entry(c.amount.currency().code())
            .or_insert((c.amount.currency(), 0, 0));
        e.1 += 1;
        e.2 += c.amount.minor();
    }
    m.into_values().collect()
}

/// Every filter the tests try: each company and none, awaiting, shipped and all, texts
/// (Unicode case, quotes, wildcards taken literally, shorter than a trigram, an id part,
/// none matching, e-mail addresses and their parts) and a date range.
fn filters(all: &[Checkout], companies: [CompanyId; 2]) -> Vec<CheckoutFilter> {
    let t = now();
    let mut out = Vec::new();
    let texts = [
        None,
        Some("åsa".to_owned()),
        Some("ÅSA".to_owned()),
        Some("öb".to_owned()),
        Some("\"pelle\"".to_owned()),
        Some("50%".to_owned()),
        Some("a_b".to_owned()),
        Some("svensson".to_owned()),
        Some(" Nilsson ".to_owned()),
        Some(all[5].id.to_string()[..8].to_owned()),
        Some("kund1".to_owned()),
        Some("nobody here".to_owned()),
        // E-mail addresses: the index is asked for the local part with its `@`, each
        // candidate still checked against the whole text.
        Some(all[7].customer_email.to_uppercase()),
        Some(format!(
            "{}.org",
            all[7].customer_email.trim_end_matches(".com")
        )),
        Some("nd1@example.com".to_owned()),
        Some("1@example".to_owned()),
        Some("@example.com".to_owned()),
    ];
    let ranges = [
        (None, None),
        (Some(t - Duration::days(6)), Some(t - Duration::days(2))),
        (Some(t - Duration::days(3)), None),
    ];
    for company in [None, Some(companies[0]), Some(companies[1])] {
        for status in [
            Some(CheckoutStatus::ReadyToShip),
            Some(CheckoutStatus::Shipped),
            None,
        ] {
            for text in &texts {
                for (from, to) in ranges {
                    out.push(CheckoutFilter {
                        company,
                        status,
                        text: text.clone(),
                        from,
                        to,
                    });
                }
            }
        }
    }
    out
}

on_both!(search_and_pages_match_a_scan);
async fn search_and_pages_match_a_scan(db: Db) {
    let s = store(db).await;
    let (mut all, companies) = seed(&s, 40).await;
    // A changed e-mail is found by its new text only (the index follows updates).
    all[9].customer_email = "renamed@example.org".into();
    s.upsert_checkout(&all[9]).await.unwrap();
    let renamed = CheckoutFilter {
        text: Some("renamed@".into()),
        status: None,
        ..Default::default()
    };
    assert_eq!(
        s.list_checkouts(&renamed.clone().into(), None, 50)
            .await
            .unwrap()
            .len(),
        1
    );
    let old = CheckoutFilter {
        text: Some("kund9@".into()),
        status: None,
        ..Default::default()
    };
    assert!(
        s.list_checkouts(&old.clone().into(), None, 50)
            .await
            .unwrap()
            .is_empty()
    );

    for f in filters(&all, companies) {
        let expected = scan(&all, &f);
        let got = listed(&s, &f, 1000).await;
        assert_eq!(got, expected, "{f:?}");
        // Pages of 3 from the cursor of each page's last row: the same rows, in order.
        let mut paged = Vec::new();
        let mut after = None;
        loop {
            let page = s.list_checkouts(&f.clone().into(), after, 3).await.unwrap();
            let Some(last) = page.last() else { break };
            after = Some((
                if f.is_awaiting() {
                    last.ready_to_ship_at.unwrap()
                } else {
                    last.created_at
                },
                last.id,
            ));
            paged.extend(page.iter().map(|c| c.id));
            assert!(paged.len() <= expected.len(), "pages repeat: {f:?}");
        }
        assert_eq!(paged, expected, "paged: {f:?}");
    }
}

on_both!(bounded_totals_are_exact_or_say_more_than);
async fn bounded_totals_are_exact_or_say_more_than(db: Db) {
    let s = store(db).await;
    let (all, companies) = seed(&s, 40).await;
    for f in filters(&all, companies) {
        let matching = scan(&all, &f);
        let exact = totals_of(&all, &matching);
        let unfiltered = f.text.is_none() && f.from.is_none() && f.to.is_none();
        for bound in [0, 1, 3, matching.len() as i64, 1000] {
            let got = s
                .checkout_totals_bounded(&f.clone().into(), bound)
                .await
                .unwrap();
            let want = if unfiltered || matching.len() as i64 <= bound {
                FilterTotals::Exact(exact.clone())
            } else {
                FilterTotals::MoreThan(bound)
            };
            assert_eq!(got, want, "bound {bound}: {f:?}");
        }
        // The exact totals agree too.
        assert_eq!(s.checkout_totals(&f).await.unwrap(), exact, "{f:?}");
    }
}

/// Two instances sharing one database (the second seeds nothing).
async fn two_instances(db: Db) -> (TestApp, TestApp) {
    let a = spawn_app(db).await;
    let mut opts = Options::new(db);
    opts.database_url = Some(a.database_url.clone());
    opts.sim = Some(a.sim.clone());
    opts.seed = false;
    let b = spawn_with(opts).await;
    (a, b)
}

/// A page reads its session and the session's user in one statement: a role change, a
/// disabled user and a sign-out at one instance take effect at the next request at
/// another instance sharing the database (nothing about them is kept in memory).
async fn session_and_user_are_read_fresh_across_instances(db: Db) {
    let (a, b) = two_instances(db).await;
    let mut browser = Browser::signed_in(&a, "writer@acme.test").await;
    let at_b = b.url("/checkouts");
    assert_eq!(browser.get(&at_b).await.status(), StatusCode::OK);
    let u = a.user("writer@acme.test").await;
    a.state
        .store
        .set_user_roles(u.id, RoleSet::empty(), u.company_id)
        .await
        .unwrap();
    assert_eq!(
        browser.get(&at_b).await.status(),
        StatusCode::FORBIDDEN,
        "roles taken away at the other instance"
    );
    a.state
        .store
        .set_user_roles(u.id, u.roles, u.company_id)
        .await
        .unwrap();
    assert_eq!(browser.get(&at_b).await.status(), StatusCode::OK);
    a.state.store.set_user_disabled(u.id, true).await.unwrap();
    assert_eq!(
        browser.get(&at_b).await.status(),
        StatusCode::SEE_OTHER,
        "disabled at the other instance"
    );
    a.state.store.set_user_disabled(u.id, false).await.unwrap();
    let mut browser = Browser::signed_in(&a, "writer@acme.test").await;
    assert_eq!(browser.get(&at_b).await.status(), StatusCode::OK);
    let session = browser.jar.clone();
    browser.get_html("/checkouts").await;
    assert_eq!(browser.post_logout().await.status(), StatusCode::SEE_OTHER);
    browser.jar = session;
    assert_eq!(
        browser.get(&at_b).await.status(),
        StatusCode::SEE_OTHER,
        "signed out at the other instance"
    );
}

/// The worklist's overview is reused only while nothing it adds up has changed: a new
/// awaiting checkout stored by another instance shows in the next page's overview.
async fn cached_overview_follows_another_instances_changes(db: Db) {
    let (a, b) = two_instances(db).await;
    a.ready().await;
    let u = a.user("writer@acme.test").await;
    let p = signin::session_user_principal(Some(&u)).unwrap();
    let f = CheckoutFilter {
        status: Some(CheckoutStatus::ReadyToShip),
        ..CheckoutFilter::default()
    };
    let page = |app: &TestApp| {
        let (state, p, f) = (app.state.clone(), p.clone(), f.clone());
        async move {
            let totals = checkouts::listing(&p, f.clone())
                .unwrap()
                .totals(&state)
                .await
                .unwrap();
            overview_for_page(&state, &p, &f, &totals).await.unwrap()
        }
    };
    let first = page(&b).await;
    assert_eq!(*first, overview(&b.state, &p).await.unwrap());
    assert!(
        std::sync::Arc::ptr_eq(&first, &page(&b).await),
        "nothing changed: the same overview"
    );
    a.ready().await;
    let second = page(&b).await;
    assert_eq!(*second, overview(&b.state, &p).await.unwrap());
    assert_eq!(second.currencies[0].count, first.currencies[0].count + 1);
}

on_both!(
    session_and_user_are_read_fresh_across_instances,
    cached_overview_follows_another_instances_changes
);

on_both!(totals_of_a_search_with_many_candidates_match_a_scan);
/// A search the index finds in more rows than the store reads as hits (2,000): every
/// company's totals are counted from the index's matches as they come (SQLite), a
/// company's and the list from the table; all still equal a scan, exact or "more than N".
async fn totals_of_a_search_with_many_candidates_match_a_scan(db: Db) {
    let s = store(db).await;
    let (all, companies) = seed(&s, 2100).await;
    let t = now();
    for company in [None, Some(companies[0])] {
        for status in [
            Some(CheckoutStatus::ReadyToShip),
            Some(CheckoutStatus::Shipped),
            None,
        ] {
            // Every row, a tenth of them, and every row in another case with spaces.
            for text in ["example.com", "kund2", " EXAMPLE.COM "] {
                for (from, to) in [
                    (None, None),
                    (Some(t - Duration::days(300)), Some(t - Duration::days(100))),
                ] {
                    let f = CheckoutFilter {
                        company,
                        status,
                        text: Some(text.into()),
                        from,
                        to,
                    };
                    let matching = scan(&all, &f);
                    let exact = totals_of(&all, &matching);
                    for bound in [0, 1000, matching.len() as i64, 5000] {
                        let got = s
                            .checkout_totals_bounded(&f.clone().into(), bound)
                            .await
                            .unwrap();
                        let want = if matching.len() as i64 <= bound {
                            FilterTotals::Exact(exact.clone())
                        } else {
                            FilterTotals::MoreThan(bound)
                        };
                        assert_eq!(got, want, "bound {bound}: {f:?}");
                    }
                    let first = listed(&s, &f, 50).await;
                    assert_eq!(first, matching[..matching.len().min(50)], "{f:?}");
                }
            }
        }
    }
}

/// The bundled SQLite is built without memory statistics (`.cargo/config.toml`): with
/// them, each of its allocations takes one process-wide mutex, on which request threads
/// queued freeing row values under load.
#[tokio::test]
async fn sqlite_keeps_no_memory_statistics() {
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect("sqlite::memory:")
        .await
        .unwrap();
    let options: Vec<String> =
        sqlx::query_scalar("SELECT compile_options FROM pragma_compile_options")
            .fetch_all(&mut c)
            .await
            .unwrap();
    assert!(
        options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
        "compiled with {options:?}"
    );
}

/// A statement is compiled once per connection and then only re-run: the bundled SQLite
/// keeps its query planner stability guarantee (`.cargo/config.toml`). Without it, a
/// statement whose plan could depend on a bound value — a LIKE pattern, or a range on an
/// indexed column once statistics exist (the bundled SQLite has STAT4) — is compiled
/// again at every execution, since sqlx binds every value each time; the worklist's
/// statements have both.
#[tokio::test]
async fn sqlite_statements_are_not_compiled_again_for_new_values() {
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect("sqlite::memory:")
        .await
        .unwrap();
    for sql in [
        "CREATE TABLE t (k TEXT NOT NULL, v TEXT NOT NULL)",
        "CREATE INDEX t_k ON t (k)",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) \
         INSERT INTO t SELECT printf('k%03d', i), printf('v%d', i % 7) FROM n",
        "ANALYZE",
    ] {
        sqlx::query(sql).execute(&mut c).await.unwrap();
    }
    const SQL: &str = "SELECT count(*) FROM t WHERE k > $1 AND ($2 IS NULL OR v LIKE $2)";
    let mut counts = Vec::new();
    for i in 0..6 {
        let pattern = (i % 2 == 0).then(|| format!("%{i}%"));
        let n: i64 = sqlx::query_scalar(SQL)
            .bind(format!("k{:03}", i * 80))
            .bind(pattern)
            .fetch_one(&mut c)
            .await
            .unwrap();
        counts.push(n);
    }
    // The values did reach the statement (each run counted its own rows).
    assert_eq!(counts, [71, 420, 49, 260, 25, 100], "counts per run");
    let (runs, recompiled): (i64, i64) =
        sqlx::query_as("SELECT run, reprep FROM sqlite_stmt WHERE sql = $1")
            .bind(SQL)
            .fetch_one(&mut c)
            .await
            .unwrap();
    assert_eq!((runs, recompiled), (6, 0), "(runs, compiled again)");
}

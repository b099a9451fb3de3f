//! `cargo bench --bench worklist`: the worklist page (signed in over HTTP, like a browser)
//! at 10,000 and 1,000,000 checkouts over 1,000 companies, on SQLite and PostgreSQL.
//! Prints p50/p99 of the page time seen on loopback and the ratio 1M / 10k; asserts
//! nothing. `BENCH_LARGE` changes the large size; PostgreSQL is `TEST_POSTGRES_URL`.

#![allow(
    clippy::unwrap_used,
    clippy::cast_precision_loss,
    clippy::disallowed_methods
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use checkout_desk::clock::SystemClock;
use checkout_desk::config::Settings;
use checkout_desk::crypto::SecretBox;
use checkout_desk::domain::policy::Actor;
use checkout_desk::domain::{Company, CompanyId, Role, RoleSet};
use checkout_desk::service::{RequestMeta, users};
use checkout_desk::startup::Application;

const COMPANIES: usize = 1000;
const REQUESTS: usize = 400;
const CONCURRENCY: usize = 16;
const LOAD_REQUESTS: usize = 3000;

async fn fresh_url(pg: bool) -> String {
    if !pg {
        let dir = std::env::temp_dir().join(format!("cd-wl-{}", uuid::Uuid::new_v4().simple()));
        return format!("sqlite://{}/wl.db", dir.display());
    }
    use sqlx::Connection;
    let admin_url = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let mut conn = sqlx::PgConnection::connect(&admin_url).await.unwrap();
    let name = format!("cd_bench_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .unwrap();
    format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0)
}

/// The databases this bench made (PostgreSQL `cd_bench_*`, SQLite `cd-wl-*` folders).
async fn drop_bench_databases() {
    use sqlx::Connection;
    let admin_url = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let mut conn = sqlx::PgConnection::connect(&admin_url).await.unwrap();
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'cd_bench_%'")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    for name in names {
        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        let _ = sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await;
    }
    if let Ok(dir) = std::fs::read_dir(std::env::temp_dir()) {
        for e in dir.flatten() {
            if e.file_name().to_string_lossy().starts_with("cd-wl-") {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

/// Bulk rows straight in SQL: half awaiting (readyToShip 0–58 days ago), half shipped.
async fn seed(url: &str, pg: bool, n: usize) {
    use sqlx::Connection;
    let sql = if pg {
        format!(
            "INSERT INTO checkouts SELECT lpad(to_hex(i), 8, '0') || '-0000-4000-8000-' || lpad(to_hex(i), 12, '0'), \
             'c0000000-0000-4000-8000-' || lpad(to_hex(i % {COMPANIES}), 12, '0'), \
             CASE WHEN i % 2 = 0 THEN 'ReadyToShip' ELSE 'Shipped' END, CASE WHEN i % 2 = 0 THEN 'readyToShip' ELSE 'shipped' END, \
             10000 + i % 90000, 'SEK', 'card', 'Kund ' || i, 'kund' || i || '@example.com', 'BK-' || i, NULL, i, '{{}}', \
             now() - ((i % 59) || ' days')::interval - (i % 86400 || ' seconds')::interval, now() - interval '60 days', now(), now(), \
             'kund ' || i || chr(10) || 'kund' || i || '@example.com' || chr(10) || 'bk-' || i \
             FROM generate_series(1, {n}) AS i"
        )
    } else {
        format!(
            "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) \
             INSERT INTO checkouts SELECT printf('%08x-0000-4000-8000-%012x', i, i), printf('c0000000-0000-4000-8000-%012x', i % {COMPANIES}), \
             CASE WHEN i % 2 = 0 THEN 'ReadyToShip' ELSE 'Shipped' END, CASE WHEN i % 2 = 0 THEN 'readyToShip' ELSE 'shipped' END, \
             10000 + i % 90000, 'SEK', 'card', 'Kund ' || i, 'kund' || i || '@example.com', 'BK-' || i, NULL, i, '{{}}', \
             strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now', '-' || (i % 59) || ' days', '-' || (i % 86400) || ' seconds'), \
             strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now', '-60 days'), strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'), strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'), \
             'kund ' || i || char(10) || 'kund' || i || '@example.com' || char(10) || 'bk-' || i FROM s"
        )
    };
    if pg {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut c)
            .await
            .unwrap();
        // A million inserts in one statement leave a million dead versions of the
        // trigger-kept counts rows; autovacuum would clear them in production, so the
        // bench measures after the same.
        sqlx::query("VACUUM ANALYZE").execute(&mut c).await.unwrap();
    } else {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut c)
            .await
            .unwrap();
        sqlx::query("ANALYZE").execute(&mut c).await.unwrap();
    }
}

fn field(html: &str, name: &str) -> String {
    let m = format!("name=\"{name}\" value=\"");
    html[html.find(&m).unwrap() + m.len()..]
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

/// The worklist page of a company administrator and of a superadmin: p50/p99 one at a
/// time, and throughput with concurrent clients.
async fn measure(pg: bool, n: usize) -> Measured {
    let url = fresh_url(pg).await;
    let settings = Settings {
        listen: "127.0.0.1:0".into(),
        database_url: url.clone(),
        secret_key: SecretBox::generate_key(),
        ..Settings::default()
    };
    let app = Application::build_with_clock(settings, Arc::new(SystemClock))
        .await
        .unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    for i in 0..COMPANIES {
        let id: CompanyId = format!("c0000000-0000-4000-8000-{i:012x}").parse().unwrap();
        let c = Company {
            id,
            name: format!("Company {i}"),
            payson_agent_id: "4".into(),
            payson_api_key_encrypted: state.secrets.encrypt("k"),
            payson_base_url: "http://127.0.0.1:9/2.0/".into(),
            created_at: state.clock.now(),
            time_zone: checkout_desk::domain::TimeZone::DEFAULT,
        };
        state.store.insert_company(&c).await.unwrap();
    }
    let t = Instant::now();
    seed(&url, pg, n).await;
    let seeded = t.elapsed();
    let company: CompanyId = "c0000000-0000-4000-8000-000000000008".parse().unwrap();
    users::add(
        &state,
        Actor::Operator,
        &RequestMeta::internal("bench"),
        users::NewUser {
            email: "a@bench.test".into(),
            display_name: String::new(),
            password: Some("bench password 123".into()),
            company_id: Some(company),
            roles: RoleSet::empty().with(Role::AdminWrite),
        },
    )
    .await
    .unwrap();
    users::add(
        &state,
        Actor::Operator,
        &RequestMeta::internal("bench"),
        users::NewUser {
            email: "root@bench.test".into(),
            display_name: String::new(),
            password: Some("bench password 123".into()),
            company_id: None,
            roles: RoleSet::empty().with(Role::SuperAdmin),
        },
    )
    .await
    .unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = format!("{base}/checkouts");
    let admin_cookie = login(&client, &base, "a%40bench.test").await;
    let root_cookie = login(&client, &base, "root%40bench.test").await;
    let (a50, a99, rows) = timed(&client, &page, &admin_cookie).await;
    let (s50, s99, _) = timed(&client, &page, &root_cookie).await;
    let rps = load(&client, &page, &admin_cookie).await;
    println!(
        "  {:<10} {:>9} checkouts  seeded in {:>6.1} s\n    company admin ({rows:>2} rows) p50 {:>6.2} ms  p99 {:>6.2} ms  {rps:>7.0} req/s ({CONCURRENCY} clients)\n    superadmin    (50 rows) p50 {:>6.2} ms  p99 {:>6.2} ms",
        if pg { "PostgreSQL" } else { "SQLite" },
        n,
        seeded.as_secs_f64(),
        a50.as_secs_f64() * 1e3,
        a99.as_secs_f64() * 1e3,
        s50.as_secs_f64() * 1e3,
        s99.as_secs_f64() * 1e3,
    );
    Measured {
        admin_p50: a50,
        admin_p99: a99,
        super_p50: s50,
        super_p99: s99,
        rps,
        rows,
    }
}

struct Measured {
    admin_p50: Duration,
    admin_p99: Duration,
    super_p50: Duration,
    super_p99: Duration,
    rps: f64,
    rows: usize,
}

/// Signs in over HTTP like a browser; returns the session cookie.
async fn login(client: &reqwest::Client, base: &str, email: &str) -> String {
    let cookie_of = |r: &reqwest::Response| {
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned()
    };
    let form = client.get(format!("{base}/login")).send().await.unwrap();
    let cookie = cookie_of(&form);
    let token = field(&form.text().await.unwrap(), "csrf_token");
    let r = client
        .post(format!("{base}/login"))
        .header("cookie", &cookie)
        .header("origin", base)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "email={email}&password=bench+password+123&csrf_token={token}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER, "signed in");
    cookie_of(&r)
}

/// One request at a time: p50, p99 and the rows the page showed.
async fn timed(client: &reqwest::Client, url: &str, cookie: &str) -> (Duration, Duration, usize) {
    let mut times = Vec::new();
    let mut rows = 0;
    for i in 0..REQUESTS + 20 {
        let t = Instant::now();
        let r = client
            .get(url)
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        let body = r.text().await.unwrap();
        rows = body.matches("name=\"id\" value=").count();
        assert!(body.contains("expires in"));
        if i >= 20 {
            times.push(t.elapsed());
        }
    }
    times.sort();
    let p = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    (p(0.5), p(0.99), rows)
}

/// Requests per second with `CONCURRENCY` clients at once.
async fn load(client: &reqwest::Client, url: &str, cookie: &str) -> f64 {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let t = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let (client, url, cookie, next) = (
            client.clone(),
            url.to_owned(),
            cookie.to_owned(),
            next.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < LOAD_REQUESTS {
                let r = client
                    .get(&url)
                    .header("cookie", &cookie)
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().is_success());
                r.bytes().await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    LOAD_REQUESTS as f64 / t.elapsed().as_secs_f64()
}

/// The ceiling: a bare actix-web handler rendering the same template from memory.
async fn ceiling(rows: usize) -> f64 {
    use actix_web::{App, HttpResponse, HttpServer, web};
    let server = HttpServer::new(move || {
        App::new().route(
            "/checkouts",
            web::get().to(move || async move {
                HttpResponse::Ok()
                    .content_type("text/html; charset=utf-8")
                    .body(checkout_desk::http::web::render_sample_worklist(rows))
            }),
        )
    })
    .workers(2)
    .bind("127.0.0.1:0")
    .unwrap();
    let addr = server.addrs()[0];
    tokio::spawn(server.run());
    let client = reqwest::Client::new();
    load(&client, &format!("http://{addr}/checkouts"), "").await
}

#[actix_web::main]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let large: usize = std::env::var("BENCH_LARGE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    println!(
        "worklist page ({COMPANIES} companies, 50 rows a page, {REQUESTS} timed requests, loopback)"
    );
    let mut rows = 0;
    let mut best_rps: f64 = 0.0;
    for pg in [false, true] {
        let small = measure(pg, 10_000).await;
        let big = measure(pg, large).await;
        let r = |a: Duration, b: Duration| b.as_secs_f64() / a.as_secs_f64();
        println!(
            "    cost ratio {large} / 10000: company admin p50 {:.2} p99 {:.2}; superadmin p50 {:.2} p99 {:.2}",
            r(small.admin_p50, big.admin_p50),
            r(small.admin_p99, big.admin_p99),
            r(small.super_p50, big.super_p50),
            r(small.super_p99, big.super_p99),
        );
        rows = big.rows;
        best_rps = best_rps.max(big.rps);
    }
    drop_bench_databases().await;
    let ceiling = ceiling(rows).await;
    println!(
        "  ceiling (bare actix handler rendering the same template with {rows} rows from memory): {ceiling:.0} req/s; best worklist at {large}: {best_rps:.0} req/s, ratio {:.2}",
        best_rps / ceiling
    );
}

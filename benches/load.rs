//! `bench/run` (which builds the release server, then runs `cargo bench --bench load`):
//! every worklist view and the API measured like a user's load. For each backend and size
//! it bulk-loads checkouts over 1,000 companies (PostgreSQL by COPY, SQLite by one
//! prepared insert in one transaction), starts the release server as a child process,
//! signs in over HTTP and drives each view with `wrk -t1 -c16` (an external process). The
//! ceiling is this binary re-run as a bare actix-web handler rendering the same worklist
//! template from memory, measured by the same wrk in the same run. Prints numbers; asserts
//! only that every measured response was a success.
//!
//! Settings (environment): `BENCH_SIZES` (default `10000,1000000`), `BENCH_BACKENDS`
//! (`sqlite,postgres`), `BENCH_SECS` (seconds of load per view, default 5), `BENCH_SENDS`
//! (checkouts prepared for the send view, default 12000), `BENCH_VIEWS` (the views to
//! measure, parts of their names: `company admin,API send`; default all), `BENCH_BIN` (the server,
//! default `target/release/checkout-desk`), `TEST_POSTGRES_URL`.

#![allow(
    clippy::unwrap_used,
    clippy::cast_precision_loss,
    clippy::disallowed_methods,
    clippy::too_many_lines
)]

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use checkout_desk::clock::SystemClock;
use checkout_desk::config::Settings;
use checkout_desk::crypto::SecretBox;
use checkout_desk::domain::policy::Actor;
use checkout_desk::domain::{CheckoutId, CheckoutStatus, Company, CompanyId, Role, RoleSet};
use checkout_desk::payson::PaysonCredentials;
use checkout_desk::payson_sim::{self, SimAccount, SimConfig, SimHandle};
use checkout_desk::service::{Call, RequestMeta, checkouts, tokens, users};
use chrono::{DateTime, Utc};
use futures_util::{StreamExt, stream};
use serde_json::json;

const COMPANIES: usize = 1000;
/// The company the company administrator belongs to (and the company filter shows).
const ADMIN_COMPANY: usize = 8;
const CONNECTIONS: usize = 16;
const SURNAMES: [&str; 20] = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Jansson",
    "Hansson",
    "Bengtsson",
    "Lindberg",
    "Jakobsson",
    "Magnusson",
    "Lindström",
    "Lindqvist",
];
const FIRST_NAMES: [&str; 7] = ["Anna", "Erik", "Maria", "Lars", "Karin", "Per", "Åsa"];

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn company_id(i: usize) -> String {
    format!("c0000000-0000-4000-8000-{i:012x}")
}

fn checkout_id(i: usize) -> String {
    format!("{i:08x}-0000-4000-8000-{i:012x}")
}

/// One generated checkout: half awaiting (readyToShip 0–58 days ago), the rest shipped,
/// canceled or expired; names from common Swedish ones, so "svensson" matches 1 in 20.
struct Gen {
    id: String,
    company: String,
    status: &'static str,
    payson_status: &'static str,
    amount: i64,
    name: String,
    email: String,
    reference: String,
    ready_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    search_text: String,
}

fn generate(i: usize, now: DateTime<Utc>) -> Gen {
    let (status, payson_status) = if i.is_multiple_of(2) {
        ("ReadyToShip", "readyToShip")
    } else {
        match (i / 2) % 4 {
            0 | 1 => ("Shipped", "shipped"),
            2 => ("Canceled", "canceled"),
            _ => ("Expired", "expired"),
        }
    };
    let ready_at = now
        - chrono::Duration::days((i % 59) as i64)
        - chrono::Duration::seconds((i % 86_400) as i64);
    let id = checkout_id(i);
    let name = format!("{} {}", FIRST_NAMES[i % 7], SURNAMES[(i / 7) % 20]);
    let email = format!("kund{i}@example.com");
    let reference = format!("BK-{i}");
    // The application's own search text: name, e-mail, reference and id, lower-cased.
    let search_text = format!("{name}\n{email}\n{reference}\n{id}").to_lowercase();
    Gen {
        id,
        company: company_id(i % COMPANIES),
        status,
        payson_status,
        amount: 10_000 + (i % 90_000) as i64,
        name,
        email,
        reference,
        ready_at,
        created_at: ready_at - chrono::Duration::hours(1),
        search_text,
    }
}

/// A database of its own for one run: a SQLite file or a new PostgreSQL database.
async fn fresh_url(pg: bool, tag: &str) -> String {
    if !pg {
        let dir =
            std::env::temp_dir().join(format!("cd-load-{tag}-{}", uuid::Uuid::new_v4().simple()));
        return format!("sqlite://{}/load.db", dir.display());
    }
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&pg_admin_url()).await.unwrap();
    let name = format!("cd_load_{tag}_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .unwrap();
    format!("{}/{name}", pg_admin_url().rsplit_once('/').unwrap().0)
}

fn pg_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Drops what `fresh_url` made.
async fn drop_database(url: &str) {
    use sqlx::Connection;
    if let Some(path) = url.strip_prefix("sqlite://") {
        if let Some(dir) = std::path::Path::new(path).parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
        return;
    }
    let name = url.rsplit_once('/').unwrap().1;
    let mut conn = sqlx::PgConnection::connect(&pg_admin_url()).await.unwrap();
    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    let _ = sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut conn)
        .await;
}

/// PostgreSQL: one COPY of every row with the row triggers off, then the trigger-kept
/// counts rebuilt from the rows in one statement and the tables analysed.
async fn bulk_load_pg(url: &str, n: usize, now: DateTime<Utc>) {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query("SET session_replication_role = replica")
        .execute(&mut c)
        .await
        .unwrap();
    // The trigram index is built once after the load rather than row by row (as in
    // migrations/postgres/0014_search_index.sql).
    sqlx::query("DROP INDEX checkouts_search_trgm")
        .execute(&mut c)
        .await
        .unwrap();
    let mut copy = c
        .copy_in_raw(
            "COPY checkouts (id, company_id, status, payson_status, amount_minor, currency, payment_method, \
             customer_name, customer_email, reference, snippet, purchase_id, history_json, ready_to_ship_at, \
             created_at, updated_at, refreshed_at, search_text) FROM STDIN",
        )
        .await
        .unwrap();
    let ts = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M:%S%.6f+00").to_string();
    let now_s = ts(now);
    let mut buf = String::with_capacity(1 << 20);
    for i in 1..=n {
        let g = generate(i, now);
        // COPY text format: the only special characters in these values are the newlines
        // of the search text.
        let _ = writeln!(
            buf,
            "{}\t{}\t{}\t{}\t{}\tSEK\tcard\t{}\t{}\t{}\t\\N\t{i}\t{{}}\t{}\t{}\t{now_s}\t{now_s}\t{}",
            g.id,
            g.company,
            g.status,
            g.payson_status,
            g.amount,
            g.name,
            g.email,
            g.reference,
            ts(g.ready_at),
            ts(g.created_at),
            g.search_text.replace('\n', "\\n"),
        );
        if buf.len() > (1 << 20) - 1024 {
            copy.send(buf.as_bytes()).await.unwrap();
            buf.clear();
        }
    }
    copy.send(buf.as_bytes()).await.unwrap();
    copy.finish().await.unwrap();
    sqlx::query("SET session_replication_role = DEFAULT")
        .execute(&mut c)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO checkout_counts (company_id, status, currency, n, sum_minor) \
         SELECT company_id, status, currency, COUNT(*), SUM(amount_minor) FROM checkouts GROUP BY 1, 2, 3 \
         ON CONFLICT (company_id, status, currency) DO UPDATE SET n = excluded.n, sum_minor = excluded.sum_minor",
    )
    .execute(&mut c)
    .await
    .unwrap();
    sqlx::query(
        "CREATE INDEX checkouts_search_trgm ON checkouts USING gin (search_text gin_trgm_ops)",
    )
    .execute(&mut c)
    .await
    .unwrap();
    sqlx::query("VACUUM ANALYZE").execute(&mut c).await.unwrap();
}

/// SQLite: one transaction, one prepared insert executed per row (the triggers run).
async fn bulk_load_sqlite(url: &str, n: usize, now: DateTime<Utc>) {
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
    let mut tx = c.begin().await.unwrap();
    for i in 1..=n {
        let g = generate(i, now);
        sqlx::query(
            "INSERT INTO checkouts (id, company_id, status, payson_status, amount_minor, currency, payment_method, \
             customer_name, customer_email, reference, snippet, purchase_id, history_json, ready_to_ship_at, \
             created_at, updated_at, refreshed_at, search_text) \
             VALUES ($1, $2, $3, $4, $5, 'SEK', 'card', $6, $7, $8, NULL, $9, '{}', $10, $11, $12, $12, $13)",
        )
        .bind(g.id)
        .bind(g.company)
        .bind(g.status)
        .bind(g.payson_status)
        .bind(g.amount)
        .bind(g.name)
        .bind(g.email)
        .bind(g.reference)
        .bind(i as i64)
        .bind(g.ready_at)
        .bind(g.created_at)
        .bind(now)
        .bind(g.search_text)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    sqlx::query("ANALYZE").execute(&mut c).await.unwrap();
}

/// What one backend and size was prepared with.
struct Prepared {
    url: String,
    secret_key: String,
    api_token: String,
    api_get_id: String,
    send_ids: Vec<String>,
    load_secs: f64,
}

/// The database: migrated, 1,000 companies, the checkouts, two users (a company
/// administrator and a superadmin, password `bench password 123`), an API token and
/// `sends` checkouts of the company that exist at the simulator, ready to ship.
async fn prepare(pg: bool, n: usize, sim: &SimHandle, sends: usize) -> Prepared {
    let url = fresh_url(pg, &n.to_string()).await;
    let secret_key = SecretBox::generate_key();
    let settings = Settings {
        listen: "127.0.0.1:0".into(),
        database_url: url.clone(),
        secret_key: secret_key.clone(),
        ..Settings::default()
    };
    let state = checkout_desk::startup::build_state(settings, Arc::new(SystemClock))
        .await
        .unwrap();
    let now = Utc::now();
    for i in 0..COMPANIES {
        let c = Company {
            id: company_id(i).parse().unwrap(),
            name: format!("Company {i:04}"),
            payson_agent_id: format!("{}", 7000 + i),
            payson_api_key_encrypted: state.secrets.encrypt("bench-key"),
            payson_base_url: sim.base_url(),
            time_zone: checkout_desk::domain::TimeZone::DEFAULT,
            created_at: now,
        };
        state.store.insert_company(&c).await.unwrap();
    }
    let t = Instant::now();
    if pg {
        bulk_load_pg(&url, n, now).await;
    } else {
        bulk_load_sqlite(&url, n, now).await;
    }
    let load_secs = t.elapsed().as_secs_f64();
    let company: CompanyId = company_id(ADMIN_COMPANY).parse().unwrap();
    let meta = RequestMeta::internal("bench");
    let admin = users::add(
        Call::new(&state, Actor::Operator, &meta),
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
        Call::new(&state, Actor::Operator, &meta),
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
    let api_token = tokens::issue(Call::new(&state, Actor::Operator, &meta), admin.id, "bench")
        .await
        .unwrap()
        .secret;
    // Checkouts to send: created at the simulator, moved to readyToShip, read into our copy.
    let agent = format!("{}", 7000 + ADMIN_COMPANY);
    sim.add_account(SimAccount {
        agent_id: agent.clone(),
        api_key: "bench-key".into(),
        email: "b@x".into(),
    });
    let creds = PaysonCredentials {
        base_url: sim.base_url(),
        agent_id: agent,
        api_key: "bench-key".into(),
    };
    let company_row = state.store.company(company).await.unwrap().unwrap();
    let body = json!({
        "merchant": { "checkoutUri": "https://s/c", "confirmationUri": "https://s/k", "notificationUri": "https://s/n", "termsUri": "https://s/t" },
        "order": { "currency": "sek", "items": [ { "name": "Bokning", "unitPrice": 500, "quantity": 1, "taxRate": 0.25 } ] }
    });
    let send_ids: Vec<String> = stream::iter(0..sends)
        .map(|_| {
            let (state, creds, body, company_row) = (&state, &creds, &body, &company_row);
            async move {
                let c = state.payson.create_checkout(creds, body).await.unwrap();
                let id = c.id().unwrap();
                sim.transition(id, "readyToShip", Some("card"), None)
                    .unwrap();
                checkouts::refresh_from_payson(state, company_row, CheckoutId::from(id))
                    .await
                    .unwrap();
                id.to_string()
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    state.store.close().await;
    Prepared {
        url,
        secret_key,
        api_token,
        // A generated checkout of the administrator's company.
        api_get_id: checkout_id(COMPANIES + ADMIN_COMPANY),
        send_ids,
        load_secs,
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The release server as a child process; returns it once `/healthz` answers, with the
/// time that took (start-up: open and migrate the database, bind, answer).
async fn start_server(bin: &str, p: &Prepared) -> (Child, String, Duration) {
    let port = free_port();
    let t = Instant::now();
    let child = Command::new(bin)
        .arg("serve")
        .env("CHECKOUT_DESK_LISTEN", format!("127.0.0.1:{port}"))
        .env("CHECKOUT_DESK_DATABASE_URL", &p.url)
        .env("CHECKOUT_DESK_SECRET_KEY", &p.secret_key)
        .env("CHECKOUT_DESK_LOG", "warn")
        // Background re-reads would add Payson calls to what is measured.
        .env("CHECKOUT_DESK_RECONCILE__INTERVAL_SECS", "0")
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {bin} (run bench/run, which builds it): {e}"));
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    loop {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await
            && r.status().is_success()
        {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(120),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    (child, base, t.elapsed())
}

/// The ceiling, run as its own process: `load --ceiling` prints its port, then serves
/// `/checkouts` (the worklist template with 50 rows rendered from memory per request) and
/// `/json` (a checkout's JSON from memory).
fn ceiling_main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use actix_web::{App, HttpResponse, HttpServer, web};
        let json = format!(
            "{{\"Id\":\"{}\",\"Status\":\"ReadyToShip\",\"Amount\":100.00}}",
            checkout_id(1)
        );
        let server = HttpServer::new(move || {
            let json = json.clone();
            App::new()
                .route(
                    "/checkouts",
                    web::get().to(|| async {
                        HttpResponse::Ok()
                            .content_type("text/html; charset=utf-8")
                            .body(checkout_desk::http::web::render_sample_worklist(50))
                    }),
                )
                .route(
                    "/json",
                    web::get().to(move || {
                        let json = json.clone();
                        async move {
                            HttpResponse::Ok()
                                .content_type("application/json; charset=utf-8")
                                .body(json)
                        }
                    }),
                )
        })
        .workers(2)
        .bind("127.0.0.1:0")
        .unwrap();
        println!("{}", server.addrs()[0].port());
        server.run().await.unwrap();
    });
}

fn start_ceiling() -> (Child, String) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .arg("--ceiling")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, format!("http://127.0.0.1:{}", line.trim()))
}

fn field(html: &str, name: &str) -> String {
    let m = format!("name=\"{name}\" value=\"");
    html[html.find(&m).unwrap() + m.len()..]
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

/// Signs in over HTTP like a browser; returns the session cookie.
async fn login(base: &str, email: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
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

/// What one wrk run printed.
#[derive(Clone, Copy, Default)]
struct Wrk {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    requests: u64,
    non_2xx: u64,
}

fn parse_ms(s: &str) -> f64 {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len()));
    let v: f64 = num.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => v / 1e3,
        "ms" => v,
        "s" => v * 1e3,
        "m" => v * 60e3,
        _ => f64::NAN,
    }
}

fn wrk(url: &str, connections: usize, secs: u64, headers: &[String], script: Option<&str>) -> Wrk {
    let mut cmd = Command::new("wrk");
    cmd.args([
        "-t1",
        &format!("-c{connections}"),
        &format!("-d{secs}s"),
        "--latency",
        "--timeout",
        "10s",
    ]);
    for h in headers {
        cmd.args(["-H", h]);
    }
    if let Some(s) = script {
        cmd.args(["-s", s]);
    }
    let out = cmd
        .arg(url)
        .output()
        .expect("wrk is installed (apt install wrk)");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut w = Wrk::default();
    for line in text.lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        match parts.as_slice() {
            ["50%", v] => w.p50_ms = parse_ms(v),
            ["99%", v] => w.p99_ms = parse_ms(v),
            ["Requests/sec:", v] => w.rps = v.parse().unwrap_or(0.0),
            [n, "requests", "in", ..] => w.requests = n.parse().unwrap_or(0),
            ["Non-2xx", "or", "3xx", "responses:", n] => w.non_2xx = n.parse().unwrap_or(0),
            _ => {}
        }
    }
    w
}

/// One view: a name, a path and how it is authenticated (a cookie or a bearer token).
struct View {
    name: &'static str,
    path: String,
    header: String,
    /// The ceiling it is compared with: the worklist page or the JSON answer.
    json: bool,
}

/// One measured view at one size.
#[derive(Clone, Copy, Default)]
struct Measured {
    load: Wrk,
    single_p50_ms: f64,
    /// The server's CPU time (user and system, all threads) per request under load: what
    /// a view costs, less swayed than req/s by a busy machine.
    cpu_ms: f64,
    /// Rows the page showed (worklist pages) or bytes (CSV, API).
    rows: usize,
}

async fn measure_view(base: &str, pid: u32, v: &View, secs: u64) -> Measured {
    let client = reqwest::Client::new();
    let (name, value) = v.header.split_once(": ").unwrap();
    let r = client
        .get(format!("{base}{}", v.path))
        .header(name, value)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}: {}", v.name, r.status());
    let body = r.text().await.unwrap();
    let rows = if v.path.contains(".csv") {
        body.lines().count().saturating_sub(1)
    } else if v.json {
        1
    } else {
        assert!(
            body.contains("<table") || body.contains("checkout"),
            "{}: a worklist page",
            v.name
        );
        body.matches("name=\"id\" value=")
            .count()
            .max(body.matches("<tr").count().saturating_sub(1))
    };
    let url = format!("{base}{}", v.path);
    let headers = [v.header.clone()];
    // Warm-up (connections, caches), then the load, then one connection for the latency
    // of a single request.
    wrk(&url, CONNECTIONS, 1, &headers, None);
    let cpu_before = cpu_secs(pid);
    let load = wrk(&url, CONNECTIONS, secs, &headers, None);
    let cpu = cpu_secs(pid) - cpu_before;
    let single = wrk(&url, 1, 2.min(secs), &headers, None);
    assert_eq!(
        load.non_2xx, 0,
        "{}: every response under load a success",
        v.name
    );
    Measured {
        load,
        single_p50_ms: single.p50_ms,
        cpu_ms: cpu * 1e3 / load.requests.max(1) as f64,
        rows,
    }
}

/// The send view: each connection sends payment requests for checkouts not sent yet,
/// from a list; returns the measurement and how many succeeded.
fn measure_sends(base: &str, p: &Prepared, secs: u64) -> (Wrk, u64) {
    let dir = std::env::temp_dir().join(format!("cd-load-lua-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let ids = dir.join("ids.txt");
    std::fs::write(&ids, p.send_ids.join("\n")).unwrap();
    let script = dir.join("send.lua");
    std::fs::write(
        &script,
        format!(
            "local ids = {{}}\nfor line in io.lines(\"{}\") do ids[#ids + 1] = line end\n\
             local i = 0\n\
             request = function()\n  i = i + 1\n  local id = ids[((i - 1) % #ids) + 1]\n  \
             return wrk.format(\"PUT\", \"/payment/payson/v2/checkout/\" .. id .. \"/sendpaymentrequest\", nil, \"\")\nend\n",
            ids.display()
        ),
    )
    .unwrap();
    let w = wrk(
        &format!("{base}/"),
        CONNECTIONS,
        secs,
        &[format!("Authorization: Bearer {}", p.api_token)],
        Some(script.to_str().unwrap()),
    );
    let _ = std::fs::remove_dir_all(&dir);
    (w, w.requests.saturating_sub(w.non_2xx))
}

/// How many of the send list our database holds as shipped, read after the server stopped.
async fn shipped_in_our_records(p: &Prepared) -> u64 {
    let settings = Settings {
        listen: "127.0.0.1:0".into(),
        database_url: p.url.clone(),
        secret_key: p.secret_key.clone(),
        ..Settings::default()
    };
    let state = checkout_desk::startup::build_state(settings, Arc::new(SystemClock))
        .await
        .unwrap();
    let mut shipped = 0;
    for id in &p.send_ids {
        let c = state.store.checkout(id.parse().unwrap()).await.unwrap();
        if c.is_some_and(|c| c.status == CheckoutStatus::Shipped) {
            shipped += 1;
        }
    }
    state.store.close().await;
    shipped
}

/// User and system CPU seconds `pid` has used so far, all its threads (`/proc/<pid>/stat`).
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command's closing parenthesis; utime and stime are the 12th
    // and 13th of them, in clock ticks (100 a second on Linux).
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: Vec<f64> = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse().ok())
        .collect();
    ticks.iter().sum::<f64>() / 100.0
}

fn rss_mb(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (kb("VmRSS:"), kb("VmHWM:"))
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Everything measured for one backend and size.
struct Run {
    views: Vec<Measured>,
    sends: Wrk,
    sends_ok: u64,
    /// The server's CPU time per send under load.
    sends_cpu_ms: f64,
    payson_updates: u64,
    most_per_checkout: u64,
    /// Checkouts of the send list our own database records as shipped after the run: each
    /// Payson update must be one of them (no outcome left unknown).
    shipped_here: u64,
    startup: Duration,
    rss: (f64, f64),
    load_secs: f64,
}

fn views(p: &Prepared, admin: &str, root: &str) -> Vec<View> {
    let today = Utc::now().date_naive();
    let day = |d: i64| {
        (today - chrono::Duration::days(d))
            .format("%Y-%m-%d")
            .to_string()
    };
    let company = company_id(ADMIN_COMPANY);
    // One customer of the administrator's company, awaiting (even) at every size.
    let one = COMPANIES * 4 + ADMIN_COMPANY;
    let cookie = |c: &str| format!("Cookie: {c}");
    let page = |name, path: String, c: &str| View {
        name,
        path,
        header: cookie(c),
        json: false,
    };
    vec![
        page("company admin worklist", "/checkouts".into(), admin),
        page("superadmin worklist", "/checkouts".into(), root),
        page(
            "superadmin status all",
            "/checkouts?status=all".into(),
            root,
        ),
        page(
            "search one customer",
            format!("/checkouts?q=kund{one}%40example.com"),
            root,
        ),
        page(
            "search many (svensson)",
            "/checkouts?q=svensson".into(),
            root,
        ),
        page(
            "10-day range",
            format!("/checkouts?from={}&to={}", day(20), day(11)),
            root,
        ),
        page(
            "company filter",
            format!("/checkouts?company={company}"),
            root,
        ),
        page(
            "CSV of a filter",
            format!("/checkouts.csv?company={company}&q=johansson"),
            root,
        ),
        View {
            name: "API GET checkout",
            path: format!("/payment/payson/v2/checkout/{}", p.api_get_id),
            header: format!("Authorization: Bearer {}", p.api_token),
            json: true,
        },
    ]
}

async fn run_one(
    bin: &str,
    pg: bool,
    n: usize,
    secs: u64,
    sim: &SimHandle,
    sends: usize,
) -> (Vec<&'static str>, Run) {
    let p = prepare(pg, n, sim, sends).await;
    let (child, base, startup) = start_server(bin, &p).await;
    let admin = login(&base, "a%40bench.test").await;
    let root = login(&base, "root%40bench.test").await;
    let only = selected_views();
    let picked = |name: &str| {
        only.as_ref()
            .is_none_or(|o| o.iter().any(|w| name.contains(w.as_str())))
    };
    let vs: Vec<View> = views(&p, &admin, &root)
        .into_iter()
        .filter(|v| picked(v.name))
        .collect();
    let mut measured = Vec::new();
    for v in &vs {
        let m = measure_view(&base, child.id(), v, secs).await;
        eprintln!(
            "    {:<26} {:>8.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  single p50 {:>6.2} ms  CPU {:>5.3} ms/req  ({} rows)",
            v.name, m.load.rps, m.load.p50_ms, m.load.p99_ms, m.single_p50_ms, m.cpu_ms, m.rows
        );
        measured.push(m);
    }
    let cpu_before = cpu_secs(child.id());
    let (sends_w, sends_ok) = if picked("API send") {
        measure_sends(&base, &p, secs.min(3))
    } else {
        (Wrk::default(), 0)
    };
    let sends_cpu_ms = (cpu_secs(child.id()) - cpu_before) * 1e3 / sends_w.requests.max(1) as f64;
    // Sends wrk cut off at its end may still finish at the server: count at the simulator
    // once they have, per checkout (exactly once: no checkout updated twice).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let per_checkout: Vec<u64> = p
        .send_ids
        .iter()
        .map(|id| sim.checkout_counters(id.parse().unwrap()).update)
        .collect();
    let payson_updates = per_checkout.iter().sum::<u64>();
    let most_per_checkout = per_checkout.iter().copied().max().unwrap_or(0);
    let rss = rss_mb(child.id());
    stop(child);
    let shipped_here = shipped_in_our_records(&p).await;
    drop_database(&p.url).await;
    (
        vs.iter().map(|v| v.name).collect(),
        Run {
            views: measured,
            sends: sends_w,
            sends_ok,
            sends_cpu_ms,
            payson_updates,
            most_per_checkout,
            shipped_here,
            startup,
            rss,
            load_secs: p.load_secs,
        },
    )
}

/// `BENCH_VIEWS`: the views to measure, as comma-separated parts of their names
/// (`BENCH_VIEWS="company admin,API"`); every view when unset.
fn selected_views() -> Option<Vec<String>> {
    std::env::var("BENCH_VIEWS")
        .ok()
        .map(|v| v.split(',').map(|w| w.trim().to_owned()).collect())
}

fn main() {
    if std::env::args().any(|a| a == "--ceiling") {
        ceiling_main();
        return;
    }
    // `cargo test --all-targets` runs this binary without `--bench`: do nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(bench());
}

async fn bench() {
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .unwrap_or_else(|_| "10000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let backends: Vec<bool> = std::env::var("BENCH_BACKENDS")
        .unwrap_or_else(|_| "sqlite,postgres".into())
        .split(',')
        .map(|s| s.trim().starts_with('p'))
        .collect();
    let secs: u64 = env_or("BENCH_SECS", 5);
    let sends: usize = env_or("BENCH_SENDS", 12_000);
    let bin = std::env::var("BENCH_BIN").unwrap_or_else(|_| {
        format!(
            "{}/target/release/checkout-desk",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    let uptime = || std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    eprintln!("load average before: {}", uptime().trim());

    let (ceiling, cbase) = start_ceiling();
    let cv = |path: &str, json| View {
        name: "ceiling",
        path: path.into(),
        header: "X-Bench: 1".into(),
        json,
    };
    let page_ceiling = measure_view(&cbase, ceiling.id(), &cv("/checkouts", false), secs).await;
    let json_ceiling = measure_view(&cbase, ceiling.id(), &cv("/json", true), secs).await;
    stop(ceiling);
    eprintln!(
        "  ceiling: worklist page {:.0} pages/s (p99 {:.2} ms, CPU {:.3} ms/page), JSON {:.0} req/s (CPU {:.3} ms/req)",
        page_ceiling.load.rps,
        page_ceiling.load.p99_ms,
        page_ceiling.cpu_ms,
        json_ceiling.load.rps,
        json_ceiling.cpu_ms
    );

    let sim = payson_sim::start(
        "127.0.0.1:0",
        SimConfig {
            notify_max_attempts: 1,
            ..SimConfig::default()
        },
    )
    .await
    .unwrap();
    let mut results: Vec<(bool, usize, Vec<&'static str>, Run)> = Vec::new();
    for &pg in &backends {
        for &n in &sizes {
            eprintln!(
                "  {} {n} checkouts",
                if pg { "PostgreSQL" } else { "SQLite" }
            );
            let (names, run) = run_one(&bin, pg, n, secs, &sim, sends).await;
            results.push((pg, n, names, run));
        }
    }

    println!(
        "\nworklist views and API, wrk -t1 -c{CONNECTIONS}, {secs} s a view, {COMPANIES} companies; load average {}",
        uptime().trim()
    );
    println!(
        "ceiling (bare actix-web + askama, same template, 50 rows from memory): {:.0} pages/s, p99 {:.2} ms; bare JSON handler {:.0} req/s\n",
        page_ceiling.load.rps, page_ceiling.load.p99_ms, json_ceiling.load.rps
    );
    println!(
        "| backend | checkouts | view | req/s | p50 ms | p99 ms | single p50 ms | / ceiling | growth req/s (small/large) | server CPU ms/req | rows |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (pg, n, names, run) in &results {
        let smallest = results
            .iter()
            .find(|(p2, _, _, _)| p2 == pg)
            .map(|(_, _, _, r)| r)
            .unwrap();
        for (i, (name, m)) in names.iter().zip(&run.views).enumerate() {
            let ceiling = if name.starts_with("API") {
                json_ceiling.load.rps
            } else {
                page_ceiling.load.rps
            };
            let growth = smallest.views[i].load.rps / m.load.rps;
            println!(
                "| {} | {n} | {name} | {:.0} | {:.2} | {:.2} | {:.2} | {:.3} | {:.2} | {:.3} | {} |",
                if *pg { "PostgreSQL" } else { "SQLite" },
                m.load.rps,
                m.load.p50_ms,
                m.load.p99_ms,
                m.single_p50_ms,
                m.load.rps / ceiling,
                growth,
                m.cpu_ms,
                m.rows,
            );
        }
        if run.sends.requests == 0 {
            continue; // not picked by BENCH_VIEWS
        }
        println!(
            "| {} | {n} | API send (simulator) | {:.0} | {:.2} | {:.2} | | | | {:.3} | {} answered 2xx, {} other answers, {} cut off by wrk's end; {} Payson updates, at most {} per checkout; {} shipped in our records |",
            if *pg { "PostgreSQL" } else { "SQLite" },
            run.sends.rps,
            run.sends.p50_ms,
            run.sends.p99_ms,
            run.sends_cpu_ms,
            run.sends_ok,
            run.sends.non_2xx,
            run.payson_updates.saturating_sub(run.sends.requests),
            run.payson_updates,
            run.most_per_checkout,
            run.shipped_here,
        );
    }
    println!("\n| backend | checkouts | bulk load s | start-up ms | RSS MB at end | peak RSS MB |");
    println!("|---|---|---|---|---|---|");
    for (pg, n, _, run) in &results {
        println!(
            "| {} | {n} | {:.1} | {:.0} | {:.1} | {:.1} |",
            if *pg { "PostgreSQL" } else { "SQLite" },
            run.load_secs,
            run.startup.as_secs_f64() * 1e3,
            run.rss.0,
            run.rss.1,
        );
    }
    sim.stop().await;
}

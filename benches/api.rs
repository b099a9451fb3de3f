//! `cargo bench --bench api`: throughput and latency of the API against the Payson
//! simulator, as a ratio to the machine's ceiling (a bare actix-web handler answering the
//! same bytes from memory), plus start-up time and resident memory. Prints numbers; it
//! asserts nothing. Client, server and simulator share this process and its 2 cores, so
//! compare runs on the same machine rather than reading the numbers as absolute.

#![allow(clippy::unwrap_used, clippy::cast_precision_loss)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};
use checkout_desk::clock::SystemClock;
use checkout_desk::config::Settings;
use checkout_desk::crypto::SecretBox;
use checkout_desk::domain::policy::Actor;
use checkout_desk::domain::{CheckoutId, Role, RoleSet};
use checkout_desk::payson::PaysonCredentials;
use checkout_desk::payson_sim::{self, SimAccount, SimConfig};
use checkout_desk::service::{Call, RequestMeta, checkouts, companies, tokens, users};
use checkout_desk::startup::Application;
use futures_util::{StreamExt, stream};
use serde_json::json;

const CONCURRENCY: usize = 32;

struct Run {
    requests: usize,
    errors: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Run {
    fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
    fn pct(&self, p: f64) -> Duration {
        let mut l = self.latencies.clone();
        l.sort();
        l.get(((l.len() as f64 * p) as usize).min(l.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    }
    fn print(&self, name: &str) {
        println!(
            "{name:<34} {:>8.0} req/s   p50 {:>7.2} ms   p99 {:>7.2} ms   ({} requests, {} errors)",
            self.rps(),
            self.pct(0.50).as_secs_f64() * 1e3,
            self.pct(0.99).as_secs_f64() * 1e3,
            self.requests,
            self.errors
        );
    }
}

/// Sends the requests `make` builds, `CONCURRENCY` at a time.
async fn load(n: usize, make: impl Fn(usize) -> reqwest::RequestBuilder) -> Run {
    let start = Instant::now();
    let results: Vec<(bool, Duration)> = stream::iter((0..n).map(make))
        .map(|rb| async move {
            let t = Instant::now();
            let ok = match rb.send().await {
                Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                Err(_) => false,
            };
            (ok, t.elapsed())
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    Run {
        requests: n,
        errors: results.iter().filter(|(ok, _)| !ok).count(),
        elapsed: start.elapsed(),
        latencies: results.into_iter().map(|(_, d)| d).collect(),
    }
}

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(str::to_owned)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

#[actix_web::main]
async fn main() {
    // `cargo test --all-targets` runs this binary without `--bench`: do nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let sends: usize = std::env::var("BENCH_SENDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let gets: usize = std::env::var("BENCH_GETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let sim = payson_sim::start(
        "127.0.0.1:0",
        SimConfig {
            notify_max_attempts: 1,
            ..SimConfig::default()
        },
    )
    .await
    .unwrap();
    let dir = std::env::temp_dir().join(format!("cd-bench-{}", uuid::Uuid::new_v4().simple()));
    let settings = Settings {
        listen: "127.0.0.1:0".into(),
        database_url: format!("sqlite://{}/bench.db", dir.display()),
        secret_key: SecretBox::generate_key(),
        ..Settings::default()
    };
    let t = Instant::now();
    let app = Application::build_with_clock(settings, Arc::new(SystemClock))
        .await
        .unwrap();
    let startup = t.elapsed();
    let base = format!("http://127.0.0.1:{}", app.port());
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());

    sim.add_account(SimAccount {
        agent_id: "9001".into(),
        api_key: "bench-key".into(),
        email: "b@x".into(),
    });
    let op = Actor::Operator;
    let meta = RequestMeta::internal("bench");
    let company = companies::add(
        Call::new(&state, op, &meta),
        companies::NewCompany {
            id: None,
            name: "Bench AB".into(),
            payson_agent_id: "9001".into(),
            payson_api_key: "bench-key".into(),
            payson_base_url: Some(sim.base_url()),
        },
    )
    .await
    .unwrap();
    let creds = PaysonCredentials {
        base_url: sim.base_url(),
        agent_id: "9001".into(),
        api_key: "bench-key".into(),
    };
    let user = users::add(
        Call::new(&state, op, &meta),
        users::NewUser {
            email: "bench@x.test".into(),
            display_name: String::new(),
            password: None,
            company_id: Some(company.id),
            roles: RoleSet::empty().with(Role::AdminWrite),
        },
    )
    .await
    .unwrap();
    let token = tokens::issue(Call::new(&state, op, &meta), user.id, "bench")
        .await
        .unwrap()
        .secret;

    let body = json!({
        "merchant": { "checkoutUri": "https://s/c", "confirmationUri": "https://s/k", "notificationUri": "https://s/n", "termsUri": "https://s/t" },
        "order": { "currency": "sek", "items": [ { "name": "Bokning", "unitPrice": 500, "quantity": 1, "taxRate": 0.25 } ] }
    });
    let mut ids: Vec<CheckoutId> = Vec::new();
    for _ in 0..sends {
        let c = state.payson.create_checkout(&creds, &body).await.unwrap();
        let id = c.id().unwrap();
        sim.transition(id, "readyToShip", Some("card"), None)
            .unwrap();
        checkouts::refresh_from_payson(&state, &company, id.into())
            .await
            .unwrap();
        ids.push(id.into());
    }

    // The ceiling: the same response bytes from memory, no auth, no database.
    let canned = format!("{{\"Id\":\"{}\",\"Status\":\"ReadyToShip\"}}", ids[0]);
    let canned2 = canned.clone();
    let ceiling = HttpServer::new(move || {
        let body = canned2.clone();
        App::new().route(
            "/x",
            web::get().to(move || {
                let body = body.clone();
                async move {
                    HttpResponse::Ok()
                        .content_type("application/json; charset=utf-8")
                        .body(body)
                }
            }),
        )
    })
    .workers(2)
    .disable_signals()
    .bind("127.0.0.1:0")
    .unwrap();
    let ceiling_addr = ceiling.addrs()[0];
    tokio::spawn(ceiling.run());

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()
        .unwrap();
    // Warm up connections and caches.
    let _ = load(500, |_| client.get(format!("http://{ceiling_addr}/x"))).await;
    let c = load(gets, |_| client.get(format!("http://{ceiling_addr}/x"))).await;
    let g = load(gets, |i| {
        client
            .get(format!(
                "{base}/payment/payson/v2/checkout/{}",
                ids[i % ids.len()]
            ))
            .bearer_auth(&token)
    })
    .await;
    // ServiceStack's modifiers rewrite the rendered JSON; batches carry 100 reads each.
    let gj = load(gets, |i| {
        client
            .get(format!(
                "{base}/payment/payson/v2/checkout/{}?jsconfig=eccn,edv&callback=cb",
                ids[i % ids.len()]
            ))
            .bearer_auth(&token)
    })
    .await;
    let batch: Vec<_> = ids
        .iter()
        .take(100)
        .map(|id| json!({ "Id": id.to_string() }))
        .collect();
    let batches = (gets / 100).max(1);
    let gb = load(batches, |_| {
        client
            .post(format!("{base}/api/PaysonCheckoutv2GetCheckout[]"))
            .json(&batch)
            .bearer_auth(&token)
    })
    .await;
    let rss_after_gets = rss_mb();
    let puts_before = sim.counters().update;
    let s = load(sends, |i| {
        client
            .put(format!(
                "{base}/payment/payson/v2/checkout/{}/sendpaymentrequest",
                ids[i]
            ))
            .bearer_auth(&token)
    })
    .await;
    let puts = sim.counters().update - puts_before;

    println!(
        "checkout-desk API benchmark (SQLite, {CONCURRENCY} concurrent clients, all in one process)"
    );
    println!(
        "start-up (open + migrate database, bind): {:.1} ms",
        startup.as_secs_f64() * 1e3
    );
    c.print("ceiling: bare actix handler");
    g.print("GET checkout (token auth + read)");
    s.print("PUT sendpaymentrequest (to sim)");
    gj.print("GET + ?jsconfig=eccn,edv&callback");
    gb.print("POST GetCheckout[] (batches)");
    println!(
        "jsconfig+JSONP / plain GET ratio: {:.2}; batched reads: {:.0} items/s ({} per batch)",
        gj.rps() / g.rps(),
        gb.rps() * batch.len() as f64,
        batch.len()
    );
    println!("GET / ceiling ratio:  {:.2}", g.rps() / c.rps());
    println!(
        "send / ceiling ratio: {:.2}  (each send = 2 Payson calls + 4 writes)",
        s.rps() / c.rps()
    );
    println!("Payson updates counted by the simulator: {puts} for {sends} sends");
    println!(
        "resident memory of the whole process (server + simulator + client): {rss_after_gets:.1} MB after GETs, {:.1} MB at end",
        rss_mb()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

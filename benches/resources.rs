//! `cargo bench --bench resources`: the real (release) binary as a child process, on
//! SQLite, under 50 concurrent wrong-password sign-ins and then the 10,000 generated bad
//! requests of `tests/api/bad_requests.rs`. Prints its resident memory (VmRSS sampled
//! every 10 ms, and VmHWM, the kernel's high-water mark) after start, after the sign-ins
//! and after the bad requests, with timings and answers by status; asserts nothing.
//! `BENCH_PASSWORD_CONCURRENCY` overrides `auth.password_concurrency` (default 2).

#![allow(
    clippy::unwrap_used,
    clippy::cast_precision_loss,
    clippy::disallowed_methods
)]

#[path = "../tests/api/bad_requests.rs"]
mod bad_requests;
#[path = "../tests/api/child.rs"]
mod child;

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use checkout_desk::domain::CheckoutId;
use futures_util::StreamExt;

const BIN: &str = env!("CARGO_BIN_EXE_checkout-desk");
const SIGN_INS: usize = 50;

/// `VmRSS` and `VmHWM` of `pid`, in kB.
fn memory(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (kb("VmRSS:"), kb("VmHWM:"))
}

/// The highest VmRSS seen since the last `take`.
struct Sampler {
    peak: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl Sampler {
    fn start(pid: u32) -> Sampler {
        let peak = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (p, s) = (peak.clone(), stop.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                p.fetch_max(memory(pid).0, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        Sampler { peak, stop }
    }

    fn take(&self) -> u64 {
        self.peak.swap(0, Ordering::Relaxed)
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The command line against the bench database, as an operator would; its stdout.
fn cli(db_url: &str, key: &str, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .env("CHECKOUT_DESK_DATABASE_URL", db_url)
        .env("CHECKOUT_DESK_SECRET_KEY", key)
        .env("CHECKOUT_DESK_LOG", "error")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A company with a write administrator; the administrator's API token, so that the bad
/// requests get past authentication to the binding.
fn seed(db_url: &str, key: &str) -> String {
    let company = uuid::Uuid::new_v4().to_string();
    cli(db_url, key, &["migrate"]);
    cli(
        db_url,
        key,
        &[
            "company",
            "add",
            "--name",
            "Bench AB",
            "--agent-id",
            "4711",
            "--api-key",
            "bench",
            "--id",
            &company,
        ],
    );
    cli(
        db_url,
        key,
        &[
            "user",
            "add",
            "--email",
            "writer@bench.test",
            "--roles",
            "bookingsupplier-administrator-write",
            "--company",
            &company,
        ],
    );
    let out = cli(
        db_url,
        key,
        &["token", "issue", "--user", "writer@bench.test"],
    );
    out.lines().nth(1).unwrap().trim().to_owned()
}

fn start(db_url: &str, key: &str, concurrency: &str) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let child = Command::new(BIN)
        .arg("serve")
        .env("CHECKOUT_DESK_LISTEN", format!("127.0.0.1:{port}"))
        .env("CHECKOUT_DESK_PUBLIC_URL", &base)
        .env("CHECKOUT_DESK_DATABASE_URL", db_url)
        .env("CHECKOUT_DESK_SECRET_KEY", key)
        .env("CHECKOUT_DESK_RECONCILE__INTERVAL_SECS", "0")
        // Fifty sign-ins from one address must reach the password check, not the throttle.
        .env("CHECKOUT_DESK_SESSION__LOGIN_ATTEMPTS_PER_MINUTE", "1000")
        .env("CHECKOUT_DESK_AUTH__PASSWORD_CONCURRENCY", concurrency)
        .env("CHECKOUT_DESK_AUTH__PASSWORD_WAIT_MS", "30000")
        .env("CHECKOUT_DESK_LOG", "error")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Server { child, base }
}

/// A browser's sign-in: the login page for its session cookie and CSRF token, then the
/// form with a wrong password. Its status and how long the POST took.
async fn wrong_sign_in(client: &reqwest::Client, base: &str, i: usize) -> (u16, Duration) {
    let page = client.get(format!("{base}/login")).send().await.unwrap();
    let cookie: Vec<String> = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next().map(str::to_owned))
        .collect();
    let html = page.text().await.unwrap();
    let m = "name=\"csrf_token\" value=\"";
    let token = html[html.find(m).unwrap() + m.len()..]
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let started = Instant::now();
    let body =
        format!("email=nobody{i}%40bench.test&password=wrong+password+{i}&csrf_token={token}");
    let r = client
        .post(format!("{base}/login"))
        .header("cookie", cookie.join("; "))
        .header("origin", base)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), started.elapsed())
}

fn mb(kb: u64) -> String {
    format!("{:.1} MB", kb as f64 / 1024.0)
}

#[tokio::main]
async fn main() {
    // `cargo test --all-targets` runs this binary without `--bench`: do nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let concurrency =
        std::env::var("BENCH_PASSWORD_CONCURRENCY").unwrap_or_else(|_| "2".to_owned());
    let dir = std::env::temp_dir().join(format!("cd-res-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}/res.db", dir.display());
    let key = checkout_desk::crypto::SecretBox::generate_key();
    let token = seed(&db, &key);
    let server = start(&db, &key, &concurrency);
    let pid = server.child.id();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    child::wait_until_up(&client, &format!("{}/readyz", server.base)).await;
    let sampler = Sampler::start(pid);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (rss, _) = memory(pid);
    sampler.take();
    println!("password_concurrency = {concurrency}");
    println!("after start: VmRSS {}", mb(rss));

    let t = Instant::now();
    let answers: Vec<(u16, Duration)> = futures_util::stream::iter(0..SIGN_INS)
        .map(|i| wrong_sign_in(&client, &server.base, i))
        .buffer_unordered(SIGN_INS)
        .collect()
        .await;
    let took = t.elapsed();
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    for (s, _) in &answers {
        *statuses.entry(*s).or_default() += 1;
    }
    let mut times: Vec<Duration> = answers.iter().map(|a| a.1).collect();
    times.sort();
    let (rss, hwm) = memory(pid);
    println!(
        "{SIGN_INS} concurrent wrong-password sign-ins: {took:?} in all, p50 {:?}, max {:?}, {statuses:?}",
        times[times.len() / 2],
        times[times.len() - 1]
    );
    println!(
        "  peak VmRSS {}, VmHWM {}, VmRSS after {}",
        mb(sampler.take()),
        mb(hwm),
        mb(rss)
    );

    let ids = bad_requests::Ids {
        real: vec![CheckoutId::new_random()],
    };
    let mut rng = bad_requests::Rng::new(0x9E37_79B9_7F4A_7C15);
    let requests: Vec<_> = (0..bad_requests::REQUESTS)
        .map(|_| bad_requests::generate(&mut rng, &ids))
        .collect();
    let t = Instant::now();
    let answers: Vec<Result<u16, String>> = futures_util::stream::iter(requests)
        .map(|r| bad_requests::fire(&client, &server.base, &token, r))
        .buffer_unordered(16)
        .collect()
        .await;
    let took = t.elapsed();
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    for a in &answers {
        let key = match a {
            Ok(s) => s.to_string(),
            Err(_) => "no answer".to_owned(),
        };
        *statuses.entry(key).or_default() += 1;
    }
    let (rss, hwm) = memory(pid);
    println!(
        "{} bad requests, 16 at a time: {took:?} ({:.0}/s), {statuses:?}",
        bad_requests::REQUESTS,
        bad_requests::REQUESTS as f64 / took.as_secs_f64()
    );
    println!(
        "  peak VmRSS {}, VmHWM {} (whole run), VmRSS after {}",
        mb(sampler.take()),
        mb(hwm),
        mb(rss)
    );
    drop(sampler);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

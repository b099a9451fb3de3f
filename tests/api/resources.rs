//! Bounded resources (issue 9, point 6): password checks through a few slots, request
//! bodies under a deadline, `/readyz` within a second, malformed HTTP not logged as an
//! error. Memory itself is measured by `cargo bench --bench resources`.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use checkout_desk::domain::AuditAction;
use futures_util::StreamExt;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::browser::Browser;
use crate::helpers::{Db, Options, TestApp, free_port, fresh_database_url, spawn_with};
use crate::on_both;

/// Writes `head` and `body_part` on a fresh connection, then waits (sending nothing more)
/// for the first answer line; how long it took.
async fn short_body(app: &TestApp, head: &str, body_part: &str) -> (String, Duration) {
    let addr = app.address.trim_start_matches("http://").to_owned();
    let mut s = TcpStream::connect(addr).await.unwrap();
    let started = Instant::now();
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(body_part.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf))
        .await
        .expect("an answer before the client gives up")
        .unwrap();
    let text = String::from_utf8_lossy(&buf[..n]).into_owned();
    (
        text.lines().next().unwrap_or("").to_owned(),
        started.elapsed(),
    )
}

async fn a_body_shorter_than_announced_is_408(db: Db) {
    let mut opts = Options::new(db);
    opts.settings = Box::new(|s| s.http.body_read_timeout_ms = 300);
    let app = spawn_with(opts).await;
    let id = app.ready().await;
    let token = app.tokens.writer.clone();
    let api = format!(
        "PUT /payment/payson/v2/checkout/{id}/sendpaymentrequest HTTP/1.1\r\nHost: x\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/json\r\n\
         Content-Length: 100\r\n\r\n"
    );
    let predefined = format!(
        "POST /json/reply/SendCheckoutPaymentRequest HTTP/1.1\r\nHost: x\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: 500\r\n\r\n"
    );
    let login = "POST /login HTTP/1.1\r\nHost: x\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 80\r\n\r\n"
        .to_owned();
    for (head, part) in [
        (api, "{\"Id\":"),
        (predefined, "Id="),
        (login, "email=a%40b.test&pass"),
    ] {
        let (status, took) = short_body(&app, &head, part).await;
        assert!(
            status.contains(" 408 "),
            "{status} for {}",
            head.lines().next().unwrap()
        );
        assert!(
            took >= Duration::from_millis(250) && took < Duration::from_secs(3),
            "answered after {took:?}"
        );
    }
    // The notification route reads no body: it answers at once, short body or not.
    let ipn = format!(
        "POST /payment/payson/v2/ipncallback?checkout={id} HTTP/1.1\r\nHost: x\r\n\
         Content-Length: 50\r\n\r\n"
    );
    let (status, _) = short_body(&app, &ipn, "x").await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert_eq!(app.sim.checkout_counters(id.as_uuid()).update, 0);
    // A whole body still works.
    assert_eq!(app.send(id).await.status(), StatusCode::OK);
}

/// Sign-ins beyond the password slots wait `password_wait_ms`, then get 503 with the
/// typed message, audited; the others are checked as usual.
async fn sign_ins_beyond_the_slots_are_503_and_audited(db: Db) {
    let mut opts = Options::new(db);
    opts.settings = Box::new(|s| {
        s.auth.password_concurrency = 1;
        s.auth.password_wait_ms = 1;
    });
    let app = spawn_with(opts).await;
    let answers: Vec<(StatusCode, String)> = futures_util::stream::iter(0..12)
        .map(|i| {
            let app = &app;
            async move {
                let lang = if i % 2 == 0 { "en" } else { "sv" };
                let mut b = Browser::new(app).with_language(lang);
                let r = b
                    .login(&format!("nobody{i}@acme.test"), "wrong password!")
                    .await;
                (r.status(), r.text().await.unwrap())
            }
        })
        .buffer_unordered(12)
        .collect()
        .await;
    let busy: Vec<_> = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    let wrong = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::UNAUTHORIZED)
        .count();
    assert!(
        !busy.is_empty(),
        "one slot, 12 at once: some found none free"
    );
    assert!(wrong >= 1, "whoever got the slot was checked");
    assert_eq!(busy.len() + wrong, 12, "{answers:?}");
    for (_, body) in &busy {
        let en = body.contains("Too many sign-ins are being checked right now");
        let sv = body.contains("Just nu kontrolleras för många inloggningar");
        assert!(en || sv, "{body}");
    }
    let audited = app
        .audit_all()
        .await
        .into_iter()
        .filter(|e| e.event.action == AuditAction::Login && e.event.http_status == 503)
        .count();
    assert_eq!(audited, busy.len(), "each refusal audited");
    // Nothing else changed: a real sign-in works once the crowd is gone.
    crate::helpers::add_user(&app.state, "late@acme.test", &[], Some(&app.company)).await;
    Browser::signed_in(&app, "late@acme.test").await;
}

on_both!(
    a_body_shorter_than_announced_is_408,
    sign_ins_beyond_the_slots_are_503_and_audited,
);

/// A TCP proxy to PostgreSQL that can be frozen: connections stay open and nothing
/// more is forwarded, as when the database host stops answering.
struct FreezableProxy {
    port: u16,
    frozen: Arc<AtomicBool>,
    tasks: Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl FreezableProxy {
    async fn start(upstream: &str) -> FreezableProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let frozen = Arc::new(AtomicBool::new(false));
        let tasks = Arc::new(std::sync::Mutex::new(Vec::new()));
        let upstream = upstream.to_owned();
        let (f, t) = (frozen.clone(), tasks.clone());
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(&upstream).await else {
                    continue;
                };
                let (cr, cw) = client.into_split();
                let (sr, sw) = server.into_split();
                let mut t = t.lock().unwrap();
                t.push(tokio::spawn(pump(cr, sw, f.clone())));
                t.push(tokio::spawn(pump(sr, cw, f.clone())));
            }
        });
        tasks.lock().unwrap().push(accept);
        FreezableProxy {
            port,
            frozen,
            tasks,
        }
    }

    /// The database is gone: the port refuses connections, open ones are closed.
    fn close(&self) {
        for t in self.tasks.lock().unwrap().drain(..) {
            t.abort();
        }
    }
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    frozen: Arc<AtomicBool>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let Ok(n) = from.read(&mut buf).await else {
            return;
        };
        if n == 0 {
            return;
        }
        while frozen.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

async fn readyz(app: &TestApp) -> (StatusCode, Duration) {
    let started = Instant::now();
    let r = app
        .client
        .get(app.url("/readyz"))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap();
    (r.status(), started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_answers_within_a_second_when_the_database_hangs() {
    let proxy = FreezableProxy::start("127.0.0.1:5432").await;
    let real = fresh_database_url(Db::Postgres).await;
    let via_proxy = real.replacen("127.0.0.1:5432", &format!("127.0.0.1:{}", proxy.port), 1);
    assert_ne!(real, via_proxy, "the test database is at 127.0.0.1:5432");
    let mut opts = Options::new(Db::Postgres);
    opts.database_url = Some(via_proxy);
    let app = spawn_with(opts).await;
    assert_eq!(readyz(&app).await.0, StatusCode::OK);
    proxy.frozen.store(true, Ordering::SeqCst);
    for _ in 0..3 {
        let (status, took) = readyz(&app).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(took < Duration::from_secs(1), "answered after {took:?}");
    }
    proxy.frozen.store(false, Ordering::SeqCst);
    let started = Instant::now();
    while readyz(&app).await.0 != StatusCode::OK {
        assert!(started.elapsed() < Duration::from_secs(15), "ready again");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_503_within_a_second_when_the_database_is_gone() {
    let proxy = FreezableProxy::start("127.0.0.1:5432").await;
    let real = fresh_database_url(Db::Postgres).await;
    let via_proxy = real.replacen("127.0.0.1:5432", &format!("127.0.0.1:{}", proxy.port), 1);
    let mut opts = Options::new(Db::Postgres);
    opts.database_url = Some(via_proxy);
    let app = spawn_with(opts).await;
    assert_eq!(readyz(&app).await.0, StatusCode::OK);
    proxy.close();
    tokio::time::sleep(Duration::from_millis(100)).await;
    for _ in 0..3 {
        let (status, took) = readyz(&app).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(took < Duration::from_secs(1), "answered after {took:?}");
    }
}

const BIN: &str = env!("CARGO_BIN_EXE_checkout-desk");

/// The real binary's log while it receives garbage: warnings, never an ERROR line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_http_is_logged_below_error() {
    let port = free_port();
    let db = fresh_database_url(Db::Sqlite).await;
    let mut child = Command::new(BIN)
        .arg("serve")
        .env("CHECKOUT_DESK_LISTEN", format!("127.0.0.1:{port}"))
        .env("CHECKOUT_DESK_DATABASE_URL", &db)
        .env(
            "CHECKOUT_DESK_SECRET_KEY",
            checkout_desk::crypto::SecretBox::generate_key(),
        )
        .env("CHECKOUT_DESK_RECONCILE__INTERVAL_SECS", "0")
        .env("CHECKOUT_DESK_LOG", "info")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    crate::child::wait_until_up(&client, &format!("{base}/healthz")).await;
    for garbage in [
        &b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"NOT HTTP AT ALL\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost\x00: x\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ] {
        let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let _ = s.write_all(garbage).await;
        let mut buf = vec![0u8; 1024];
        let _ = tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf)).await;
    }
    // Still serving.
    let r = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(300)).await;
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = log.lines().filter(|l| l.contains("ERROR")).collect();
    assert!(errors.is_empty(), "ERROR lines: {errors:#?}");
    assert!(
        log.lines()
            .any(|l| l.contains("WARN") && l.contains("actix_http")),
        "the client faults are still logged, as warnings:\n{log}"
    );
}

//! Never twice, never lost: bursts of sends against the real binary while it is killed,
//! while a second instance shares its PostgreSQL, and while PostgreSQL restarts. Each
//! test then lets reconciliation run and asserts figures from Payson's side (the
//! simulator's per-checkout counters) and ours (store, claims, audit log):
//! 0 double ships, 0 checkouts whose status differs from Payson's, exactly one "sent"
//! audit event per shipped checkout, no claim left open once the outcome is known.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use checkout_desk::domain::{AuditAction, AuditFilter, AuditOutcome, CheckoutId, ClaimState};
use checkout_desk::payson_sim::{Fault, FaultKind, SimEndpoint};
use futures_util::StreamExt;

use crate::helpers::{Db, Options, TestApp, free_port, spawn_with};
use crate::on_both;

const BIN: &str = env!("CARGO_BIN_EXE_checkout-desk");

/// Timings short enough for a test, checked by the server like any configuration: a
/// lease covering two 1 s Payson calls and a 0.5 s late-apply margin.
const CHILD_ENV: [(&str, &str); 6] = [
    ("CHECKOUT_DESK_PAYSON__REQUEST_TIMEOUT_MS", "1000"),
    ("CHECKOUT_DESK_PAYSON__CONNECT_TIMEOUT_MS", "500"),
    ("CHECKOUT_DESK_SEND__LATE_APPLY_MARGIN_MS", "500"),
    ("CHECKOUT_DESK_SEND__CLAIM_LEASE_SECS", "3"),
    ("CHECKOUT_DESK_RECONCILE__INTERVAL_SECS", "1"),
    ("CHECKOUT_DESK_LOG", "warn"),
];

/// One server process of the real binary.
struct Instance {
    child: Child,
    address: String,
}

impl Instance {
    async fn start(app: &TestApp, database_url: &str) -> Instance {
        let port = free_port();
        let child = Command::new(BIN)
            .arg("serve")
            .envs(CHILD_ENV)
            .env("CHECKOUT_DESK_LISTEN", format!("127.0.0.1:{port}"))
            .env("CHECKOUT_DESK_DATABASE_URL", database_url)
            .env("CHECKOUT_DESK_SECRET_KEY", &app.state.settings.secret_key)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let address = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        loop {
            if let Ok(r) = app.client.get(format!("{address}/readyz")).send().await
                && r.status().is_success()
            {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "server did not start"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Instance { child, address }
    }

    /// kill -9.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn ready_checkouts(app: &TestApp, n: usize) -> Vec<CheckoutId> {
    futures_util::stream::iter(0..n)
        .map(|_| app.ready())
        .buffer_unordered(16)
        .collect()
        .await
}

/// Sends every checkout once, `concurrency` at a time, spread over `addresses`; calls
/// `midway` once half of the answers are in. Answers that never came count as `None`.
async fn burst(
    app: &TestApp,
    addresses: &[String],
    ids: &[CheckoutId],
    concurrency: usize,
    midway: impl FnOnce(),
) -> Vec<(CheckoutId, Option<u16>)> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let mut answers = Vec::new();
    let mut midway = Some(midway);
    let mut stream = futures_util::stream::iter(ids.iter().enumerate())
        .map(|(i, id)| {
            let url = format!(
                "{}/payment/payson/v2/checkout/{id}/sendpaymentrequest",
                addresses[i % addresses.len()]
            );
            let req = client
                .put(url)
                .bearer_auth(&app.tokens.writer)
                .header("Accept", "application/json")
                .json(&serde_json::json!({ "Id": id.to_string() }));
            async move { (*id, req.send().await.ok().map(|r| r.status().as_u16())) }
        })
        .buffer_unordered(concurrency);
    while let Some(a) = stream.next().await {
        answers.push(a);
        if answers.len() == ids.len() / 2
            && let Some(f) = midway.take()
        {
            f();
        }
    }
    answers
}

/// What the store and Payson say once reconciliation had its time.
#[derive(Debug, Default)]
struct Figures {
    double_ships: usize,
    mismatched: usize,
    shipped: usize,
    sent_events_wrong: usize,
    open_claims: usize,
}

async fn figures(app: &TestApp, ids: &[CheckoutId]) -> Figures {
    let mut f = Figures::default();
    let events = app
        .state
        .store
        .audit_events(
            &AuditFilter {
                action: Some(AuditAction::SendPaymentRequest),
                outcome: Some(AuditOutcome::Success),
                ..Default::default()
            },
            100_000,
        )
        .await
        .unwrap();
    let mut sent: HashMap<CheckoutId, usize> = HashMap::new();
    for e in events {
        if let Some(id) = e.event.checkout_id {
            *sent.entry(id).or_default() += 1;
        }
    }
    for id in ids {
        let at_payson = app.sim.checkout_json(id.as_uuid()).unwrap()["status"]
            .as_str()
            .unwrap()
            .to_owned();
        let counters = app.sim.checkout_counters(id.as_uuid());
        if counters.ship_requests > 1 {
            f.double_ships += 1;
        }
        let local = app.local(*id).await;
        if local.payson_status != at_payson {
            f.mismatched += 1;
        }
        let expected_events = usize::from(at_payson == "shipped");
        f.shipped += expected_events;
        if sent.get(id).copied().unwrap_or(0) != expected_events {
            f.sent_events_wrong += 1;
        }
        if let Some(c) = app.state.store.claim(*id).await.unwrap()
            && matches!(c.state, ClaimState::InFlight | ClaimState::Unknown)
        {
            f.open_claims += 1;
        }
    }
    f
}

/// Polls until the figures are clean (or `limit` passes) and returns the last ones.
async fn converged(app: &TestApp, ids: &[CheckoutId], limit: Duration) -> Figures {
    let started = Instant::now();
    loop {
        let f = figures(app, ids).await;
        let clean = f.mismatched == 0 && f.sent_events_wrong == 0 && f.open_claims == 0;
        if clean || started.elapsed() > limit {
            return f;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn assert_clean(f: &Figures, what: &str) {
    assert_eq!(f.double_ships, 0, "{what}: double ships {f:?}");
    assert_eq!(
        f.mismatched, 0,
        "{what}: status differs from Payson's {f:?}"
    );
    assert_eq!(
        f.sent_events_wrong, 0,
        "{what}: not one sent event per shipped {f:?}"
    );
    assert_eq!(f.open_claims, 0, "{what}: claims left open {f:?}");
}

/// Payson answers each ship request after 150 ms, so a burst has many in flight.
fn slow_ships(app: &TestApp) {
    app.sim.inject(Fault {
        endpoint: SimEndpoint::Update,
        kind: FaultKind::Latency { ms: 150 },
        count: 100_000,
        apply_first: false,
        apply_after_ms: None,
    });
}

/// After the faults: every checkout still readyToShip is sent again, once, and ships.
async fn resend_the_rest(app: &TestApp, address: &str, ids: &[CheckoutId]) {
    app.sim.clear_faults();
    let rest: Vec<CheckoutId> = futures_util::stream::iter(ids)
        .filter_map(|id| async move {
            (app.sim.checkout_json(id.as_uuid()).unwrap()["status"] == "readyToShip").then_some(*id)
        })
        .collect()
        .await;
    let answers = burst(app, &[address.to_owned()], &rest, 32, || {}).await;
    assert!(answers.iter().all(|(_, a)| *a == Some(200)), "{answers:?}");
    let f = converged(app, ids, Duration::from_secs(10)).await;
    assert_clean(&f, "after re-sending");
    assert_eq!(f.shipped, ids.len(), "{f:?}");
}

fn base_app(db: Db) -> Options {
    Options::new(db)
}

on_both!(kill_9_during_a_burst_then_restart_converges);
async fn kill_9_during_a_burst_then_restart_converges(db: Db) {
    let app = spawn_with(base_app(db)).await;
    let ids = ready_checkouts(&app, 240).await;
    slow_ships(&app);
    let mut server = Instance::start(&app, &app.database_url).await;
    let address = server.address.clone();
    let answers = burst(&app, &[address], &ids, 64, || server.kill()).await;
    let lost = answers.iter().filter(|(_, a)| a.is_none()).count();
    assert!(lost > 0, "the kill cut some sends off: {answers:?}");
    let server = Instance::start(&app, &app.database_url).await;
    // One lease (3 s) plus reconciliation runs every second.
    let f = converged(&app, &ids, Duration::from_secs(15)).await;
    assert_clean(&f, "after kill -9 and restart");
    eprintln!("kill -9: {lost} answers lost, {} shipped, {f:?}", f.shipped);
    resend_the_rest(&app, &server.address, &ids).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_postgres_one_killed_mid_burst_converge() {
    let app = spawn_with(base_app(Db::Postgres)).await;
    let ids = ready_checkouts(&app, 240).await;
    slow_ships(&app);
    let mut a = Instance::start(&app, &app.database_url).await;
    let b = Instance::start(&app, &app.database_url).await;
    let addresses = [a.address.clone(), b.address.clone()];
    let answers = burst(&app, &addresses, &ids, 64, || a.kill()).await;
    let lost = answers.iter().filter(|(_, a)| a.is_none()).count();
    assert!(lost > 0, "the kill cut some sends off");
    // Only the survivor reconciles what the dead one left in flight.
    let f = converged(&app, &ids, Duration::from_secs(15)).await;
    assert_clean(&f, "two instances, one killed");
    eprintln!(
        "two instances: {lost} answers lost, {} shipped, {f:?}",
        f.shipped
    );
    resend_the_rest(&app, &b.address, &ids).await;
}

/// A PostgreSQL cluster of the test's own (initdb on a temp dir, its own port), so the
/// shared one is never disturbed.
struct PrivateCluster {
    bin: std::path::PathBuf,
    dir: std::path::PathBuf,
    port: u16,
}

impl PrivateCluster {
    fn pg(&self, tool: &str, args: &[&str]) {
        let tool = self.bin.join(tool);
        // PostgreSQL refuses to run as root; CI runs as root, so run it as `postgres`.
        let out = if is_root() {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&tool)
                .args(args)
                .output()
        } else {
            Command::new(&tool).args(args).output()
        }
        .unwrap();
        assert!(
            out.status.success(),
            "{tool:?} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn start() -> PrivateCluster {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL's server binaries under /usr/lib/postgresql")
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|p| p.join("initdb").exists())
            .max()
            .expect("initdb");
        let dir = std::env::temp_dir().join(format!("cd-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        if is_root() {
            let ok = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(&dir)
                .status()
                .unwrap();
            assert!(ok.success());
        }
        let c = PrivateCluster {
            bin,
            dir,
            port: free_port(),
        };
        let d = c.dir.to_str().unwrap().to_owned();
        c.pg(
            "initdb",
            &["-D", &d, "-A", "trust", "-U", "postgres", "--no-sync"],
        );
        c.pg_ctl("start");
        c
    }

    fn pg_ctl(&self, what: &str) {
        let d = self.dir.to_str().unwrap().to_owned();
        let opts = format!(
            "-p {} -k {d} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port
        );
        let log = format!("{d}/log.txt");
        match what {
            "stop" => self.pg("pg_ctl", &["-D", &d, "-m", "fast", "-w", "stop"]),
            _ => self.pg("pg_ctl", &["-D", &d, "-o", &opts, "-l", &log, "-w", what]),
        }
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let d = self.dir.to_str().unwrap_or_default().to_owned();
        let tool = self.bin.join("pg_ctl");
        let args = ["-D", d.as_str(), "-m", "immediate", "stop"];
        let _ = if is_root() {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(tool)
                .args(args)
                .output()
        } else {
            Command::new(tool).args(args).output()
        };
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_during_a_burst_tells_the_truth_and_converges() {
    let cluster = PrivateCluster::start();
    let app = spawn_with(Options {
        database_url: Some(cluster.url()),
        ..base_app(Db::Postgres)
    })
    .await;
    let ids = ready_checkouts(&app, 200).await;
    slow_ships(&app);
    let server = Instance::start(&app, &cluster.url()).await;
    let address = server.address.clone();
    let answers = burst(&app, std::slice::from_ref(&address), &ids, 48, || {
        cluster.pg_ctl("stop");
        std::thread::sleep(Duration::from_millis(1_500));
        cluster.pg_ctl("start");
    })
    .await;
    let f = converged(&app, &ids, Duration::from_secs(20)).await;
    assert_clean(&f, "after PostgreSQL restarted");
    // The truth in the answers: every 200 is a checkout Payson shipped, and no checkout
    // Payson shipped was answered 503 "the database is busy; nothing was changed".
    let mut false_answers = Vec::new();
    for (id, a) in &answers {
        let shipped = app.sim.checkout_json(id.as_uuid()).unwrap()["status"] == "shipped";
        let sent_now = app.sim.checkout_counters(id.as_uuid()).ship_requests == 1;
        match a {
            Some(200) if !shipped => false_answers.push((*id, *a)),
            Some(503) if shipped && sent_now => false_answers.push((*id, *a)),
            _ => {}
        }
    }
    assert!(false_answers.is_empty(), "{false_answers:?}");
    assert_eq!(
        busy_events_for_shipped(&app, &ids).await,
        0,
        "audit says 'nothing was changed' for a shipped checkout"
    );
    let ok = answers.iter().filter(|(_, a)| *a == Some(200)).count();
    let refused = answers
        .iter()
        .filter(|(_, a)| matches!(a, Some(500..)))
        .count();
    eprintln!(
        "PostgreSQL restart: {ok} × 200, {refused} × 5xx, {} shipped, {f:?}",
        f.shipped
    );
    resend_the_rest(&app, &address, &ids).await;
}

/// Audit events claiming nothing changed, for checkouts Payson shipped in that attempt.
async fn busy_events_for_shipped(app: &TestApp, ids: &[CheckoutId]) -> usize {
    let mut n = 0;
    for id in ids {
        if app.sim.checkout_json(id.as_uuid()).unwrap()["status"] != "shipped" {
            continue;
        }
        let events = app.audit_for(*id).await;
        n += events
            .iter()
            .filter(|e| e.event.message.contains("nothing was changed"))
            .count();
    }
    n
}

on_both!(every_payson_fault_on_get_and_put_ends_shipped_exactly_once);
async fn every_payson_fault_on_get_and_put_ends_shipped_exactly_once(db: Db) {
    use checkout_desk::service::reconcile;
    let app = spawn_with(Options {
        manual_clock: true,
        ..Options::new(db)
    })
    .await;
    let clock = app.clock.clone().unwrap();
    let refused = r#"{"message":"The request is invalid.","errors":[{"property":"Status","message":"Not now"}]}"#;
    let status = |code: u16, body: &str| FaultKind::Status {
        code,
        body: body.to_owned(),
    };
    // (kind, apply first, apply after ms): the client times out at 1.5 s.
    let kinds = [
        (status(500, ""), false, None),
        (status(503, ""), true, None),
        (status(400, refused), false, None),
        (FaultKind::Latency { ms: 2_500 }, false, None),
        (FaultKind::Timeout, false, None),
        (FaultKind::Timeout, true, None),
        (FaultKind::Drop, false, None),
        (FaultKind::Drop, true, None),
        (FaultKind::Malformed, false, None),
        (FaultKind::Malformed, true, None),
        (FaultKind::Timeout, false, Some(2_000)),
        (status(500, ""), false, Some(300)),
    ];
    let mut ids = Vec::new();
    for endpoint in [SimEndpoint::Get, SimEndpoint::Update] {
        for (kind, apply_first, apply_after_ms) in &kinds {
            let id = app.ready().await;
            ids.push(id);
            app.sim.inject(Fault {
                endpoint,
                kind: kind.clone(),
                count: 1,
                apply_first: *apply_first,
                apply_after_ms: *apply_after_ms,
            });
            let first = app.send(id).await.status().as_u16();
            let case = format!(
                "{endpoint:?} {kind:?} first={apply_first} after={apply_after_ms:?} → {first}"
            );
            // A late apply (or a slow answer's apply) lands meanwhile, within the margin
            // the design assumes; then the clock passes the claim's deadline. (Jumping the
            // clock past a Payson that is still working would be a Payson later than
            // `late_apply_margin_ms`, which no claim can cover.)
            let late = match kind {
                FaultKind::Latency { ms } => Some(*ms),
                _ => *apply_after_ms,
            };
            tokio::time::sleep(Duration::from_millis(late.map_or(0, |ms| ms + 300))).await;
            clock.advance(chrono::Duration::seconds(
                app.state.settings.send.claim_lease_secs + 1,
            ));
            reconcile::run_once(&app.state).await.unwrap();
            if app.sim.checkout_json(id.as_uuid()).unwrap()["status"] == "readyToShip" {
                let again = app.send(id).await.status().as_u16();
                assert_eq!(again, 200, "{case}: the retry ships");
            }
            let f = figures(&app, &[id]).await;
            assert_clean(&f, &case);
            assert_eq!(f.shipped, 1, "{case}");
            assert_eq!(
                app.sim.checkout_counters(id.as_uuid()).ship_requests,
                1,
                "{case}"
            );
        }
    }
    app.sim.clear_faults();
    assert_clean(&figures(&app, &ids).await, "all cases");
}

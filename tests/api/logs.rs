//! Issue 12, point 6: the real binary's log. One access line per request (method, route
//! pattern, status, duration, request id, client), the request id on every line logged
//! during the request (a Payson client warning), an `X-Request-Id` kept only from a
//! trusted proxy, and JSON lines that parse.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use checkout_desk::payson_sim::{Fault, FaultKind, SimEndpoint};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{Db, Options, TestApp, free_port, spawn_with};

const BIN: &str = env!("CARGO_BIN_EXE_checkout-desk");

/// The real binary on the test app's database (and so its simulator), its stderr kept.
pub struct Server {
    pub child: Child,
    pub address: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    pub async fn start(app: &TestApp, env: &[(&str, &str)]) -> Server {
        let port = free_port();
        let mut child = Command::new(BIN)
            .arg("serve")
            .env("CHECKOUT_DESK_LISTEN", format!("127.0.0.1:{port}"))
            .env("CHECKOUT_DESK_DATABASE_URL", &app.database_url)
            .env("CHECKOUT_DESK_SECRET_KEY", &app.state.settings.secret_key)
            .env("CHECKOUT_DESK_RECONCILE__INTERVAL_SECS", "0")
            .env("CHECKOUT_DESK_LOG", "info")
            .env_remove("RUST_LOG")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().unwrap();
        let lines = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        let address = format!("http://127.0.0.1:{port}");
        crate::child::wait_until_up(&app.client, &format!("{address}/healthz")).await;
        Server {
            child,
            address,
            log,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn pid(&self) -> String {
        self.child.id().to_string()
    }

    /// Stops the process and returns everything it logged.
    pub async fn stop(mut self) -> Vec<String> {
        // Lines of the last requests may still be on their way through the pipe.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let _ = self.child.kill();
        let _ = self.child.wait();
        tokio::time::sleep(Duration::from_millis(100)).await;
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn request_id(r: &reqwest::Response) -> String {
    r.headers()
        .get("x-request-id")
        .expect("every response carries x-request-id")
        .to_str()
        .unwrap()
        .to_owned()
}

/// What the server answered: method, the route pattern the access line must name, status,
/// request id.
type Seen = (&'static str, &'static str, u16, String);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_access_lines_one_per_request_with_its_id() {
    let app = spawn_with(Options::new(Db::Sqlite)).await;
    let ready = app.ready().await;
    let server = Server::start(&app, &[("CHECKOUT_DESK_LOG_FORMAT", "json")]).await;
    let c = &app.client;
    let mut seen: Vec<Seen> = Vec::new();

    // Not from a trusted proxy (there are none): the offered id is replaced.
    let r = c
        .get(server.url("/healthz"))
        .header("x-request-id", "forged-by-client")
        .send()
        .await
        .unwrap();
    let id = request_id(&r);
    assert_ne!(id, "forged-by-client");
    seen.push(("GET", "/healthz", r.status().as_u16(), id));

    let r = c
        .get(server.url(&format!("/payment/payson/v2/checkout/{ready}")))
        .bearer_auth(&app.tokens.writer)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let id = request_id(&r);
    seen.push(("GET", "/payment/payson/v2/checkout/{id}", 200, id));

    let r = c.get(server.url("/no/such/page")).send().await.unwrap();
    let id = request_id(&r);
    seen.push(("GET", "(unmatched)", r.status().as_u16(), id));

    // Payson drops the connection on the send's read: the client's warning is logged
    // inside the request's span.
    app.sim.inject(Fault {
        endpoint: SimEndpoint::Get,
        kind: FaultKind::Drop,
        count: 1,
        apply_first: false,
        apply_after_ms: None,
    });
    let r = c
        .put(server.url(&format!(
            "/payment/payson/v2/checkout/{ready}/sendpaymentrequest"
        )))
        .bearer_auth(&app.tokens.writer)
        .header("accept", "application/json")
        .json(&serde_json::json!({ "Id": ready.to_string() }))
        .send()
        .await
        .unwrap();
    let send_id = request_id(&r);
    seen.push((
        "PUT",
        "/payment/payson/v2/checkout/{id}/sendpaymentrequest",
        r.status().as_u16(),
        send_id.clone(),
    ));

    let lines = server.stop().await;
    let parsed: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let access: Vec<&Value> = parsed.iter().filter(|v| v["target"] == "access").collect();
    // The wait-until-up polls are logged too; each of ours exactly once.
    for (method, route, status, id) in &seen {
        let mine: Vec<&&Value> = access
            .iter()
            .filter(|v| v["fields"]["request_id"] == id.as_str())
            .collect();
        assert_eq!(mine.len(), 1, "one access line for {id}: {lines:#?}");
        let f = &mine[0]["fields"];
        assert_eq!(f["method"], *method, "{f}");
        assert_eq!(f["route"], *route, "{f}");
        assert_eq!(f["status"], *status, "{f}");
        assert!(f["duration_ms"].is_u64(), "{f}");
        assert_eq!(f["client"], "127.0.0.1", "{f}");
    }
    let warning = parsed
        .iter()
        .find(|v| v["fields"]["message"] == "payson request failed")
        .unwrap_or_else(|| panic!("the Payson client warned: {lines:#?}"));
    assert_eq!(warning["level"], "WARN");
    assert_eq!(
        warning["span"]["request_id"], send_id,
        "the warning carries the send's request id: {warning}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trusted_proxys_request_id_is_kept_in_the_text_log() {
    let app = spawn_with(Options::new(Db::Sqlite)).await;
    let server = Server::start(
        &app,
        &[("CHECKOUT_DESK_TRUSTED_PROXIES", "[\"127.0.0.1\"]")],
    )
    .await;
    let get = |id: &'static str| {
        app.client
            .get(server.url("/healthz"))
            .header("x-request-id", id)
            .send()
    };
    let kept = request_id(&get("proxy-7f3a.b_c-1").await.unwrap());
    assert_eq!(kept, "proxy-7f3a.b_c-1");
    // Not a sane token, even from a trusted proxy: replaced.
    let long: &'static str = "x".repeat(65).leak();
    for bad in ["has space", "semi;colon", long] {
        let id = request_id(&get(bad).await.unwrap());
        assert_ne!(id, bad);
        assert!(id.len() <= 64 && !id.is_empty());
    }
    let lines = server.stop().await;
    let access: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("request_id=proxy-7f3a.b_c-1"))
        .collect();
    assert_eq!(access.len(), 1, "{lines:#?}");
    let line = access[0];
    for part in [
        " INFO ",
        "route=\"/healthz\"",
        "status=200",
        "method=\"GET\"",
        "duration_ms=",
    ] {
        assert!(line.contains(part), "{part} in {line}");
    }
}

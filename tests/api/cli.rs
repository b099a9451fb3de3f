//! The binary as an operator and a new user meet it: `company add`, `user add`,
//! `token issue|revoke`, and `demo` with its printed curl line.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::helpers::api::Format;
use crate::helpers::{Db, Options, fresh_database_url, spawn_with};

const BIN: &str = env!("CARGO_BIN_EXE_checkout-desk");

fn cli(db_url: &str, key: &str, args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new(BIN)
        .args(args)
        .env("CHECKOUT_DESK_DATABASE_URL", db_url)
        .env("CHECKOUT_DESK_SECRET_KEY", key)
        .env("CHECKOUT_DESK_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{args:?}: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn after<'a>(text: &'a str, marker: &str) -> &'a str {
    let i = text
        .find(marker)
        .unwrap_or_else(|| panic!("no '{marker}' in {text}"));
    text[i + marker.len()..].split_whitespace().next().unwrap()
}

#[tokio::test]
async fn operator_commands_end_to_end() {
    let db = fresh_database_url(Db::Sqlite).await;
    let key = checkout_desk::crypto::SecretBox::generate_key();
    cli(&db, &key, &["migrate"], None);
    let out = cli(
        &db,
        &key,
        &[
            "company",
            "add",
            "--name",
            "Salong AB",
            "--agent-id",
            "4",
            "--api-key",
            "2acab30d-fe50-426f-90d7-8c60a7eb31d4",
        ],
        None,
    );
    let company = after(&out, "added: ").to_owned();
    let out = cli(
        &db,
        &key,
        &[
            "user",
            "add",
            "--email",
            "Admin@Salong.se",
            "--roles",
            "bookingsupplier-administrator-write",
            "--company",
            &company,
            "--password-stdin",
        ],
        Some("a very long password\n"),
    );
    assert!(out.contains("admin@salong.se"), "{out}");
    assert!(
        !out.contains("a very long password"),
        "password must not be echoed"
    );
    let out = cli(
        &db,
        &key,
        &[
            "token",
            "issue",
            "--user",
            "admin@salong.se",
            "--name",
            "booking",
        ],
        None,
    );
    let token = out
        .lines()
        .find(|l| l.starts_with("cdt_"))
        .unwrap()
        .trim()
        .to_owned();
    let token_id = after(&out, "token id: ").to_owned();

    // The stored company key is encrypted, and the token only stored as a hash.
    let store = checkout_desk::store::Store::connect(&db).await.unwrap();
    let c = store.companies().await.unwrap().remove(0);
    assert!(!c.payson_api_key_encrypted.contains("2acab30d"));
    let (rec, _) = store
        .active_token_by_hash(&checkout_desk::crypto::sha256_hex(&token))
        .await
        .unwrap()
        .unwrap();
    assert_ne!(rec.token_hash, token);

    // The token authenticates against a server on the same database.
    let mut opts = Options::new(Db::Sqlite);
    opts.database_url = Some(db.clone());
    opts.seed = false;
    let k = key.clone();
    opts.settings = Box::new(move |s| s.secret_key = k.clone());
    let app = spawn_with(opts).await;
    let unknown = uuid::Uuid::new_v4();
    let get = || {
        app.get_checkout_api(unknown, Format::Negotiated)
            .token(&token)
            .send()
    };
    let resp = get().await;
    assert_eq!(
        resp.status(),
        StatusCode::NOT_FOUND,
        "authenticated: an unknown checkout is 404"
    );
    cli(&db, &key, &["token", "revoke", &token_id], None);
    let resp = get().await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

/// Starts `demo` on free ports in a fresh data folder and waits for its welcome text.
fn start_demo(extra: &[&str]) -> (std::process::Child, String, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("cd-demo-{}", uuid::Uuid::new_v4().simple()));
    let mut child = Command::new(BIN)
        .args(["demo", "--port", "0", "--sim-port", "0"])
        .args(extra)
        .arg("--data-dir")
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut text = String::new();
    let deadline = Instant::now() + Duration::from_secs(90);
    while !text.contains("Stop with Ctrl+C") {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| {
                let _ = child.kill();
                panic!("demo did not finish starting: {text}")
            });
        text.push_str(&line);
        text.push('\n');
    }
    (child, text, dir)
}

/// Starts `demo` as a new user would, then follows its printed instructions.
#[tokio::test]
async fn demo_prints_a_working_curl_line() {
    let (mut child, text, dir) = start_demo(&["--checkouts", "40"]);
    let result = async {
        let token = after(&text, "Authorization: Bearer ")
            .trim_end_matches('\'')
            .to_owned();
        let curl = text
            .lines()
            .find(|l| l.contains("curl -i -X PUT") && l.contains("application/json"))
            .unwrap();
        let url = curl.split_whitespace().last().unwrap().to_owned();
        assert!(text.contains("superadmin@demo.local") && text.contains("auditor@demo.local"));
        let client = reqwest::Client::new();
        let put = |u: String, t: String| {
            let c = client.clone();
            async move {
                c.put(u)
                    .bearer_auth(t)
                    .header("Accept", "application/json")
                    .send()
                    .await
                    .unwrap()
            }
        };
        let resp = put(url.clone(), token.clone()).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(
            resp.json::<serde_json::Value>().await.unwrap()["Status"],
            "Shipped"
        );
        assert_eq!(
            put(url.clone(), token.clone()).await.status(),
            StatusCode::CONFLICT
        );
        let xml = client
            .put(format!("{url}.xml"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(xml.status(), StatusCode::CONFLICT);
        assert!(xml.text().await.unwrap().starts_with("<ErrorResponse"));
        let wrong = put(url.clone(), "cdt_wrong".into()).await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            wrong.json::<serde_json::Value>().await.unwrap()["ResponseStatus"]["ErrorCode"],
            "Unauthorized"
        );
    };
    let outcome = tokio::time::timeout(Duration::from_secs(60), result).await;
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    outcome.expect("demo checks timed out");
}

/// `checkout-desk payson-sim --port 0` serves Payson's API with the public test account.
#[tokio::test]
async fn payson_sim_command_serves_the_api() {
    let mut child = Command::new(BIN)
        .args(["payson-sim", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = after(&line, "Payson simulator at ").to_owned();
    let resp = reqwest::Client::new()
        .get(format!("{base}Accounts"))
        .basic_auth("4", Some("2acab30d-fe50-426f-90d7-8c60a7eb31d4"))
        .send()
        .await
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.json::<serde_json::Value>().await.unwrap()["accountEmail"],
        "testagent-checkout2@payson.se"
    );
}

/// `demo --oidc` starts the test OpenID provider beside the demo and offers it on the
/// login page; the provider accepts the demo's client and redirect URI.
#[tokio::test]
async fn demo_with_oidc_offers_sign_in_with_its_provider() {
    let (mut child, text, dir) = start_demo(&["--checkouts", "20", "--oidc", "--oidc-port", "0"]);
    let result = async {
        let url = after(&text, "demo is running at ")
            .split_whitespace()
            .next()
            .unwrap()
            .to_owned();
        let issuer = after(&text, "a real OpenID provider at ")
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let login = client.get(format!("{url}/login")).send().await.unwrap();
        assert!(
            login
                .text()
                .await
                .unwrap()
                .contains("Sign in with Demo IdP")
        );
        let r = client
            .get(format!("{url}/login/oidc/demo-idp"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let authorize = r.headers()["location"].to_str().unwrap().to_owned();
        assert!(authorize.starts_with(&issuer), "{authorize} from {issuer}");
        // The provider knows the demo's client and redirect URI: it asks the person to log in.
        let r = client.get(&authorize).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let next = r.headers()["location"].to_str().unwrap().to_owned();
        assert!(next.starts_with("/interaction/"), "{next}");
    };
    let outcome = tokio::time::timeout(Duration::from_secs(60), result).await;
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    outcome.expect("demo checks timed out");
}

/// `config check` on a file with a mistake names the line; a digits-only secret from the
/// environment stays text; secrets are never printed.
#[test]
fn config_check_names_the_line_and_never_prints_secrets() {
    let dir = std::env::temp_dir().join(format!("cd-check-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config.toml");
    let key = "3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let check = |env: &[(&str, &str)]| {
        let mut c = Command::new(BIN);
        c.args(["--config", file.to_str().unwrap(), "config", "check"])
            .env_clear()
            .env("CHECKOUT_DESK_SECRET_KEY", key);
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!text.contains(key) && !text.contains("123456"), "{text}");
        (out.status.success(), text)
    };
    std::fs::write(
        &file,
        "listen = \"127.0.0.1:9000\"\n\n[payson]\nrequest_timeout_ms = \"soon\"\n",
    )
    .unwrap();
    let (ok, text) = check(&[]);
    assert!(!ok);
    assert!(
        text.contains("line 4") && text.contains("payson.request_timeout_ms"),
        "{text}"
    );
    // The claim lease must cover the Payson timeouts: refused with the reason.
    std::fs::write(&file, "[send]\nclaim_lease_secs = 5\n").unwrap();
    let (ok, text) = check(&[]);
    assert!(!ok && text.contains("claim_lease_secs"), "{text}");
    // OpenID without public_url.
    std::fs::write(
        &file,
        "[oidc.k]\nissuer = \"https://id.example\"\nclient_id = \"desk\"\n",
    )
    .unwrap();
    let (ok, text) = check(&[]);
    assert!(!ok && text.contains("public_url is required"), "{text}");
    // A good file; a digits-only metrics token from the environment is text, not a number.
    std::fs::write(&file, "public_url = \"https://desk.example\"\n").unwrap();
    let (ok, text) = check(&[
        ("CHECKOUT_DESK_METRICS_TOKEN", "123456"),
        ("CHECKOUT_DESK_PAYSON__REQUEST_TIMEOUT_MS", "nope"),
    ]);
    assert!(
        !ok && text.contains("CHECKOUT_DESK_PAYSON__REQUEST_TIMEOUT_MS"),
        "{text}"
    );
    let (ok, text) = check(&[("CHECKOUT_DESK_METRICS_TOKEN", "123456")]);
    assert!(ok, "{text}");
    assert!(text.contains("Configuration OK") && text.contains("https://desk.example"));
}

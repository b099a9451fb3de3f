//! The admin desk in real headless Chromium, driven over the W3C WebDriver protocol
//! (chromedriver + plain HTTP). `.ci/run` installs chromium and chromium-driver; without
//! them this test fails rather than skips. A failing run saves a screenshot under
//! `target/screenshots/`.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use serde_json::{Value, json};

use crate::helpers::{Db, spawn_app};
use crate::web_signin::PASSWORD;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver {
    child: Child,
    base: String,
    session: String,
    http: reqwest::Client,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    async fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let child = Command::new(&bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {bin} ({e}); install chromium and chromium-driver (see README)"
                )
            });
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(r) = http.get(format!("{base}/status")).send().await
                && r.json::<Value>()
                    .await
                    .map(|v| v["value"]["ready"] == true)
                    .unwrap_or(false)
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile =
            std::env::temp_dir().join(format!("cd-chromium-{}", uuid::Uuid::new_v4().simple()));
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                         format!("--user-data-dir={}", profile.display()), "--window-size=1280,1000"]
            }
        }}});
        let v: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {v}"))
            .to_owned();
        Driver {
            child,
            base,
            session,
            http,
        }
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut rb = self.http.request(method, url);
        rb = rb.json(&body.unwrap_or_else(|| json!({})));
        let v: Value = rb.send().await.unwrap().json().await.unwrap();
        if let Some(err) = v["value"]["error"].as_str() {
            panic!("WebDriver {path}: {err}: {}", v["value"]["message"]);
        }
        v["value"].clone()
    }

    async fn goto(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    /// Waits up to 10 s for the element to appear.
    async fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let url = format!("{}/session/{}/element", self.base, self.session);
            let v: Value = self
                .http
                .post(url)
                .json(&json!({"using": "css selector", "value": css}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if let Some(id) = v["value"][ELEMENT].as_str() {
                return id.to_owned();
            }
            assert!(Instant::now() < deadline, "no element {css}: {v}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.cmd(reqwest::Method::POST, &format!("/element/{id}/click"), None)
            .await;
    }

    async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    async fn text(&self, css: &str) -> String {
        let id = self.find(css).await;
        self.cmd(reqwest::Method::GET, &format!("/element/{id}/text"), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Waits up to 10 s for a navigation to land on a URL ending in `suffix`.
    async fn wait_url(&self, suffix: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.url().await.ends_with(suffix) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }

    /// Waits up to 10 s until the element's text contains `needle` (the page may still
    /// be navigating when a click returns).
    async fn wait_text(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let url = format!("{}/session/{}/element", self.base, self.session);
            let v: Value = self
                .http
                .post(url)
                .json(&json!({"using": "css selector", "value": css}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if let Some(id) = v["value"][ELEMENT].as_str() {
                let url = format!("{}/session/{}/element/{id}/text", self.base, self.session);
                let t: Value = self
                    .http
                    .get(url)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                if let Some(text) = t["value"].as_str().filter(|t| t.contains(needle)) {
                    return text.to_owned();
                }
            }
            assert!(Instant::now() < deadline, "no {css} containing {needle:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn url(&self) -> String {
        self.cmd(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    async fn frame(&self, css: &str) {
        let id = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            "/frame",
            Some(json!({ "id": { ELEMENT: id } })),
        )
        .await;
    }

    async fn top(&self) {
        self.cmd(reqwest::Method::POST, "/frame", Some(json!({ "id": null })))
            .await;
    }

    async fn screenshot(&self, name: &str) {
        let url = format!("{}/session/{}/screenshot", self.base, self.session);
        if let Ok(r) = self.http.get(url).send().await
            && let Ok(v) = r.json::<Value>().await
            && let Some(b64) = v["value"].as_str()
        {
            use base64::Engine as _;
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
            let _ = std::fs::create_dir_all(&dir);
            if let Ok(png) = base64::engine::general_purpose::STANDARD.decode(b64) {
                let path = dir.join(format!("{name}.png"));
                let _ = std::fs::write(&path, png);
                eprintln!("screenshot saved to {}", path.display());
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_desk_in_headless_chromium() {
    let app = spawn_app(Db::Sqlite).await;
    let id = app.ready().await;
    let (x, y) = (app.ready().await, app.ready().await);
    let d = Driver::start().await;
    let scenario = async {
        // Sign in.
        d.goto(&app.url("/login")).await;
        d.type_into("#email", "writer@acme.test").await;
        d.type_into("#password", PASSWORD).await;
        d.click("form[action='/login'] button[type=submit]").await;
        // The worklist, with our checkout.
        let worklist = d.text("table.worklist").await;
        assert!(worklist.contains(&id.to_string()), "{worklist}");
        assert!(d.wait_url("/checkouts").await);
        // Open the checkout.
        d.click(&format!("a[href='/checkouts/{id}']")).await;
        assert_eq!(d.text("#status").await, "ReadyToShip - 5");
        // The preview iframe loads the simulator's embedded checkout through the snippet.
        d.frame("iframe.preview").await;
        d.frame("#paysonIframe").await;
        let embedded = d.text("h1").await;
        assert!(embedded.contains("Payson Checkout"), "{embedded}");
        d.top().await;
        if std::env::var("SCREENSHOTS").is_ok() {
            d.screenshot("checkout_page").await;
        }
        // Send → confirm → flash, status Shipped.
        d.click(&format!("a[href='/checkouts/{id}/send']")).await;
        let consequence = d.text("#consequence").await;
        assert!(
            consequence.contains("Payson will capture the payment"),
            "{consequence}"
        );
        d.type_into("#note", "sent from the browser test").await;
        d.click(&format!(
            "form[action='/checkouts/{id}/send'] button[type=submit]"
        ))
        .await;
        let flash = d.text("p[role=status]").await;
        assert!(
            flash.contains("Payment request sent. The checkout is now Shipped."),
            "{flash}"
        );
        assert_eq!(d.text("#status").await, "Shipped - 6");
        if std::env::var("SCREENSHOTS").is_ok() {
            d.screenshot("after_send").await;
        }
        assert!(
            d.text("#audit + table, section[aria-labelledby=audit]")
                .await
                .contains("sent from the browser test")
        );
        // Bulk send: tick two rows in the worklist, preview, confirm, per-row results.
        d.click("a[href='/checkouts']").await;
        d.click(&format!("input[type=checkbox][value='{x}']")).await;
        d.click(&format!("input[type=checkbox][value='{y}']")).await;
        d.click("#bulk-form button[type=submit]").await;
        let summary = d.text("#bulk-summary").await;
        assert!(
            summary.starts_with("2 of 2 selected will be sent"),
            "{summary}"
        );
        d.click("form[action='/checkouts/bulk'] button[type=submit]")
            .await;
        d.wait_text("h1", "Bulk send: results").await;
        assert_eq!(
            d.text("#bulk").await.matches("sent; now Shipped").count(),
            2
        );
        // Sign out.
        d.click("form[action='/logout'] button").await;
        assert!(d.wait_url("/login").await);
        d.goto(&app.url("/checkouts")).await;
        assert!(d.wait_url("/login").await, "signed out");
    };
    if let Err(panic) = std::panic::AssertUnwindSafe(scenario).catch_unwind().await {
        d.screenshot("admin_desk_in_headless_chromium").await;
        std::panic::resume_unwind(panic);
    }
    assert_eq!(app.sim.ship_count(id.as_uuid()), 1);
    assert_eq!(
        (
            app.sim.ship_count(x.as_uuid()),
            app.sim.ship_count(y.as_uuid())
        ),
        (1, 1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_with_openid_provider_in_headless_chromium() {
    use crate::oidc::app_with_idp;
    use checkout_desk::config::FirstSignIn;
    let (app, idp) = app_with_idp(Db::Sqlite, FirstSignIn::Link, false).await;
    let id = app.ready().await;
    let d = Driver::start().await;
    let scenario = async {
        d.goto(&app.url("/login")).await;
        d.click("a[href='/login/oidc/test']").await;
        // The provider's own pages: login, then consent.
        d.type_into("input[name=login]", "u-writer").await;
        d.type_into("input[name=password]", crate::oidc::IDP_PASSWORD)
            .await;
        d.click("form[action$='/login'] button[type=submit]").await;
        d.click("form[action$='/confirm'] button[type=submit]")
            .await;
        // Back at the desk, signed in with the roles the provider gave.
        assert!(d.wait_url("/checkouts").await, "lands on the worklist");
        let worklist = d.wait_text("table.worklist", &id.to_string()).await;
        assert!(worklist.contains(&id.to_string()));
        assert!(d.text("header").await.contains("writer@acme.test"));
        // Sign out here, then at the provider, and come back to the login page.
        d.click("form[action='/logout'] button").await;
        d.click("button[name=logout][value=yes]").await;
        assert!(d.wait_url("/login").await, "back at the login page");
        d.goto(&app.url("/checkouts")).await;
        assert!(d.wait_url("/login").await, "signed out");
    };
    if let Err(panic) = std::panic::AssertUnwindSafe(scenario).catch_unwind().await {
        d.screenshot("sign_in_with_openid_provider").await;
        std::panic::resume_unwind(panic);
    }
    drop(idp);
}

//! Real headless Chromium, driven over the W3C WebDriver protocol (chromedriver + plain
//! HTTP). `.ci/run` installs chromium and chromium-driver; without them a test fails
//! rather than skips. `Driver::run` saves a screenshot under `target/screenshots/` when
//! a scenario fails.

use std::future::Future;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use reqwest::Method;
use serde_json::{Value, json};

use super::free_port;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Driver {
    child: Child,
    base: String,
    session: String,
    http: reqwest::Client,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // End the session first: chromedriver then quits its Chromium, which killing
        // chromedriver alone would leave running (a full run left seven behind).
        let _ = self.end_session();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    /// `DELETE /session/{id}`, blocking (a `Drop` cannot await): one request on a plain
    /// socket, answered when the browser has quit.
    fn end_session(&self) -> std::io::Result<()> {
        use std::io::{Read, Write};
        let addr = self.base.trim_start_matches("http://");
        let mut s = std::net::TcpStream::connect(addr)?;
        s.set_read_timeout(Some(Duration::from_secs(10)))?;
        write!(
            s,
            "DELETE /session/{} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n",
            self.session
        )?;
        let mut answer = Vec::new();
        s.read_to_end(&mut answer)?;
        Ok(())
    }

    pub async fn start() -> Driver {
        let port = free_port();
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

    /// Runs `scenario`; if it panics, saves a screenshot named `name` and panics on.
    pub async fn run(&self, name: &str, scenario: impl Future<Output = ()>) {
        if let Err(panic) = std::panic::AssertUnwindSafe(scenario).catch_unwind().await {
            self.screenshot(name).await;
            std::panic::resume_unwind(panic);
        }
    }

    /// One WebDriver command, its answer as JSON (an error answer included).
    async fn raw(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let rb = self
            .http
            .request(method, url)
            .json(&body.unwrap_or_else(|| json!({})));
        rb.send().await.unwrap().json().await.unwrap()
    }

    /// One WebDriver command that must succeed.
    async fn cmd(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let v = self.raw(method, path, body).await;
        Self::value_of(path, &v).clone()
    }

    /// A command's value; its error fails the test.
    fn value_of<'v>(path: &str, v: &'v Value) -> &'v Value {
        if let Some(err) = v["value"]["error"].as_str() {
            panic!("WebDriver {path}: {err}: {}", v["value"]["message"]);
        }
        &v["value"]
    }

    pub async fn goto(&self, url: &str) {
        self.cmd(Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    /// The element's id, or the answer that says why there is none.
    async fn try_find(&self, css: &str) -> Result<String, Value> {
        let v = self
            .raw(
                Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v["value"][ELEMENT].as_str().map(str::to_owned).ok_or(v)
    }

    /// Waits up to 10 s for the element to appear.
    async fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let v = match self.try_find(css).await {
                Ok(id) => return id,
                Err(v) => v,
            };
            assert!(Instant::now() < deadline, "no element {css}: {v}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.cmd(Method::POST, &format!("/element/{id}/click"), None)
            .await;
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.cmd(
            Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    pub async fn text(&self, css: &str) -> String {
        // A page that reloads itself (a running bulk job's) may replace the element
        // between finding it and reading it: then it is found again on the new page.
        for _ in 0..20 {
            let id = self.find(css).await;
            let path = format!("/element/{id}/text");
            let v = self.raw(Method::GET, &path, None).await;
            if v["value"]["error"].as_str() == Some("stale element reference") {
                continue;
            }
            return Self::value_of(&path, &v)
                .as_str()
                .unwrap_or_default()
                .to_owned();
        }
        panic!("{css}: replaced on every read");
    }

    /// Waits up to 10 s for a navigation to land on a URL ending in `suffix`.
    pub async fn wait_url(&self, suffix: &str) -> bool {
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
    /// be navigating when a click returns, so a vanished element is tried again).
    pub async fn wait_text(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(id) = self.try_find(css).await {
                let t = self
                    .raw(Method::GET, &format!("/element/{id}/text"), None)
                    .await;
                if let Some(text) = t["value"].as_str().filter(|t| t.contains(needle)) {
                    return text.to_owned();
                }
            }
            assert!(Instant::now() < deadline, "no {css} containing {needle:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn url(&self) -> String {
        self.cmd(Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Switches into the iframe matching `css`.
    pub async fn frame(&self, css: &str) {
        let id = self.find(css).await;
        self.cmd(
            Method::POST,
            "/frame",
            Some(json!({ "id": { ELEMENT: id } })),
        )
        .await;
    }

    /// Back to the top-level page.
    pub async fn top(&self) {
        self.cmd(Method::POST, "/frame", Some(json!({ "id": null })))
            .await;
    }

    /// Resizes the window to `width` × `height` CSS pixels (to look at a page narrow or wide).
    pub async fn set_window_size(&self, width: u32, height: u32) {
        self.cmd(
            Method::POST,
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        )
        .await;
    }

    /// Whether the page is wider than the window (it would scroll sideways).
    pub async fn overflows_sideways(&self) -> bool {
        let js = "const e = document.documentElement; return e.scrollWidth > e.clientWidth;";
        self.cmd(
            Method::POST,
            "/execute/sync",
            Some(json!({ "script": js, "args": [] })),
        )
        .await
        .as_bool()
        .expect("a boolean")
    }

    /// Grants the page a permission (W3C Permissions, e.g. "clipboard-read").
    pub async fn grant(&self, permission: &str) {
        self.cmd(
            Method::POST,
            "/permissions",
            Some(json!({ "descriptor": { "name": permission }, "state": "granted" })),
        )
        .await;
    }

    /// Runs `script` (a function body) in the page with `args`; its return value.
    pub async fn execute(&self, script: &str, args: Value) -> Value {
        self.cmd(
            Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Runs `script`, which calls its last argument with the result, and waits for that.
    pub async fn execute_async(&self, script: &str, args: Value) -> Value {
        self.cmd(
            Method::POST,
            "/execute/async",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    pub async fn screenshot(&self, name: &str) {
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

//! A browser without JavaScript at the admin desk: it keeps the cookies the desk sets,
//! sends our Origin on forms and remembers the CSRF token of the last page it read, with
//! one method per page or form the tests use. The OpenID tests drive the same browser
//! (`idp::Agent`), so both see the desk alike.

use std::collections::BTreeMap;
use std::fmt::Display;

use reqwest::{Method, RequestBuilder, Response, StatusCode};

use super::{PASSWORD, TestApp};

/// Cookies by name (the newest of a name is the one that matters at each step).
#[derive(Default, Clone, Debug, PartialEq, Eq)]
pub struct Jar(BTreeMap<String, String>);

impl Jar {
    pub fn keep(&mut self, resp: &Response) {
        for v in resp.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            let (name, value) = v.split(';').next().unwrap().split_once('=').unwrap();
            let lower = v.to_ascii_lowercase();
            if value.is_empty() || lower.contains("max-age=0") || lower.contains("1970") {
                self.0.remove(name);
            } else {
                self.0.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    /// The `Cookie` header a browser would send.
    pub fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

pub struct Browser<'a> {
    pub app: &'a TestApp,
    pub jar: Jar,
    pub accept_language: Option<&'static str>,
    /// From the last page read that had a form; `post_form` sends it.
    csrf: Option<String>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            jar: Jar::default(),
            accept_language: None,
            csrf: None,
        }
    }

    /// A browser signed in as `email` with `PASSWORD`.
    pub async fn signed_in(app: &'a TestApp, email: &str) -> Browser<'a> {
        let mut b = Browser::new(app);
        let r = b.login(email, PASSWORD).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "signed in as {email}");
        b
    }

    pub fn with_language(mut self, accept_language: &'static str) -> Self {
        self.accept_language = Some(accept_language);
        self
    }

    /// The session cookie as `cd_session=…`, if signed in or started.
    pub fn session(&self) -> Option<String> {
        self.jar
            .get("cd_session")
            .map(|v| format!("cd_session={v}"))
    }

    /// Keeps the response's cookies; the session cookie must never reach scripts or
    /// other sites.
    fn keep(&mut self, resp: &Response) {
        for v in resp.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            if v.starts_with("cd_session=") {
                let attrs = v.to_ascii_lowercase();
                assert!(
                    attrs.contains("httponly") && attrs.contains("samesite=strict"),
                    "{v}"
                );
            }
        }
        self.jar.keep(resp);
    }

    /// A request to a path of the desk (or a whole URL) with our cookies and language.
    pub fn request(&self, method: Method, path_or_url: &str) -> RequestBuilder {
        let url = if path_or_url.starts_with('/') {
            self.app.url(path_or_url)
        } else {
            path_or_url.to_owned()
        };
        let mut rb = self.app.client.request(method, url);
        if let Some(l) = self.accept_language {
            rb = rb.header("accept-language", l);
        }
        if !self.jar.is_empty() {
            rb = rb.header("cookie", self.jar.header());
        }
        rb
    }

    pub async fn get(&mut self, path_or_url: &str) -> Response {
        let resp = self.request(Method::GET, path_or_url).send().await.unwrap();
        self.keep(&resp);
        resp
    }

    /// The page's HTML, whatever its status; remembers its CSRF token.
    pub async fn get_html(&mut self, path: &str) -> String {
        let html = self.get(path).await.text().await.unwrap();
        if html.contains(CSRF_MARKER) {
            self.csrf = Some(csrf_in(&html));
        }
        html
    }

    /// A form post exactly as given: the tests of the CSRF and Origin checks use it.
    pub async fn post(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
        origin: Option<&str>,
    ) -> Response {
        let mut rb = self
            .request(Method::POST, path)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(form).unwrap());
        if let Some(o) = origin {
            rb = rb.header("origin", o);
        }
        let resp = rb.send().await.unwrap();
        self.keep(&resp);
        resp
    }

    /// A form as our own page submits it: the CSRF token first, then `fields`, from our
    /// Origin. Not sent, and the answer's cookies not kept: for simultaneous submissions.
    pub fn form_request(&self, path: &str, fields: &[(&str, &str)]) -> RequestBuilder {
        let token = self
            .csrf
            .as_deref()
            .expect("read a page with a form before posting one");
        let mut form = vec![("csrf_token", token)];
        form.extend_from_slice(fields);
        self.request(Method::POST, path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", &self.app.address)
            .body(serde_urlencoded::to_string(form).unwrap())
    }

    /// Posts a form as our own page submits it (see `form_request`).
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        let resp = self.form_request(path, fields).send().await.unwrap();
        self.keep(&resp);
        resp
    }

    /// The CSRF token of the page at `path`.
    pub async fn csrf(&mut self, path: &str) -> String {
        let html = self.get_html(path).await;
        csrf_in(&html)
    }

    pub async fn login(&mut self, email: &str, password: &str) -> Response {
        let token = self.csrf("/login").await;
        let origin = self.app.address.clone();
        let resp = self
            .post(
                "/login",
                &[
                    ("email", email),
                    ("password", password),
                    ("csrf_token", &token),
                ],
                Some(&origin),
            )
            .await;
        // Signing in starts a new session: the old page's token is no longer ours.
        self.csrf = None;
        resp
    }

    pub async fn post_logout(&mut self) -> Response {
        self.post_form("/logout", &[]).await
    }

    /// The language switch: `lang`, then back to `back`.
    pub async fn post_lang(&mut self, lang: &str, back: &str) -> Response {
        self.post_form("/lang", &[("lang", lang), ("back", back)])
            .await
    }

    pub async fn get_checkouts_html(&mut self) -> String {
        self.get_html("/checkouts").await
    }

    pub async fn get_checkout_html(&mut self, id: impl Display) -> String {
        self.get_html(&format!("/checkouts/{id}")).await
    }

    /// The confirmation page of the send button.
    pub async fn get_send_html(&mut self, id: impl Display) -> String {
        self.get_html(&format!("/checkouts/{id}/send")).await
    }

    /// Confirms the send with the confirmation page's idempotency key.
    pub async fn post_send(
        &mut self,
        id: impl Display,
        idempotency_key: &str,
        note: Option<&str>,
    ) -> Response {
        let mut fields = vec![("idempotency_key", idempotency_key)];
        fields.extend(note.map(|n| ("note", n)));
        self.post_form(&format!("/checkouts/{id}/send"), &fields)
            .await
    }

    /// Confirms a bulk send of `ids` with the preview's idempotency key.
    /// A bulk job's page once nothing is left to send (it stops refreshing itself),
    /// polling like the page does.
    pub async fn finished_job(&mut self, path: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let html = self.get_html(path).await;
            if !html.contains("http-equiv=\"refresh\"") {
                return html;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the job did not finish: {html}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    pub async fn post_bulk(&mut self, idempotency_key: &str, ids: &[String]) -> Response {
        let mut fields = vec![("idempotency_key", idempotency_key)];
        fields.extend(ids.iter().map(|id| ("id", id.as_str())));
        self.post_form("/checkouts/bulk", &fields).await
    }
}

const CSRF_MARKER: &str = "name=\"csrf_token\" value=\"";

/// The value of the form field `name` in `html`.
pub fn field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let i = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"));
    html[i + marker.len()..]
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

pub fn csrf_in(html: &str) -> String {
    field(html, "csrf_token")
}

pub fn location(r: &Response) -> &str {
    r.headers()["location"].to_str().unwrap()
}

/// The worklist's `rel="next"` link, unescaped; for someone who may send, the bulk form's
/// "next page" button (which carries the ticks) as the link it submits with nothing ticked.
pub fn next_page(html: &str) -> String {
    if let Some((before, _)) = html.split_once("id=\"next-page\"") {
        let button = before.rsplit("<button").next().unwrap();
        let cursor = field(button, "after")
            .replace("&#43;", "+")
            .replace("&#124;", "|");
        return format!(
            "/checkouts?{}",
            serde_urlencoded::to_string([("after", cursor)]).unwrap()
        );
    }
    let next = html
        .split("rel=\"next\"")
        .next()
        .unwrap()
        .rsplit("href=\"")
        .next()
        .unwrap();
    next.split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

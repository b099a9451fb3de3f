//! One method per API route the tests call: each starts the request as a client would
//! (the company writer's bearer token, our route's path), so a test states only what
//! differs — another token, a format, a body, a header — and then sends it.

use std::fmt::Display;

use checkout_desk::domain::CheckoutId;
use reqwest::{Method, Response};
use serde_json::Value;

use super::TestApp;

/// The format named by the path: none (chosen by `Accept` or `?format=`), `.json` or `.xml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Negotiated,
    Json,
    Xml,
}

impl Format {
    fn suffix(self) -> &'static str {
        match self {
            Format::Negotiated => "",
            Format::Json => ".json",
            Format::Xml => ".xml",
        }
    }
}

enum Body {
    None,
    Json(Value),
    Text(&'static str, String),
}

/// An API request being put together; nothing is sent before `send`.
#[must_use = "an ApiRequest does nothing until it is sent"]
pub struct ApiRequest<'a> {
    app: &'a TestApp,
    method: Method,
    path: String,
    token: Option<String>,
    headers: Vec<(&'static str, String)>,
    body: Body,
}

impl<'a> ApiRequest<'a> {
    fn new(app: &'a TestApp, method: Method, path: String) -> Self {
        Self {
            app,
            method,
            path,
            token: Some(app.tokens.writer.clone()),
            headers: Vec::new(),
            body: Body::None,
        }
    }

    /// As the holder of this bearer token instead of the company writer.
    pub fn token(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }

    /// Without an Authorization header.
    pub fn anonymous(mut self) -> Self {
        self.token = None;
        self
    }

    /// `?query` after the path (nothing when empty).
    pub fn query(mut self, query: &str) -> Self {
        if !query.is_empty() {
            self.path = format!("{}?{query}", self.path);
        }
        self
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn accept(self, accept: &str) -> Self {
        self.header("accept", accept)
    }

    pub fn api_key(self, key: &str) -> Self {
        self.header("x-api-key", key)
    }

    pub fn json(mut self, body: &Value) -> Self {
        self.body = Body::Json(body.clone());
        self
    }

    /// The JSON body `{"CompanyId": "<id>"}`.
    pub fn company_id(self, id: impl Display) -> Self {
        self.json(&serde_json::json!({ "CompanyId": id.to_string() }))
    }

    /// A body sent as `content_type` exactly as given.
    pub fn body(mut self, content_type: &'static str, body: impl Into<String>) -> Self {
        self.body = Body::Text(content_type, body.into());
        self
    }

    pub fn xml(self, body: impl Into<String>) -> Self {
        self.body("application/xml", body)
    }

    /// Sends it; the answer's status and body.
    pub async fn send_text(self) -> (reqwest::StatusCode, String) {
        let resp = self.send().await;
        (resp.status(), resp.text().await.unwrap())
    }

    pub async fn send(self) -> Response {
        let mut rb = self
            .app
            .client
            .request(self.method, self.app.url(&self.path));
        if let Some(t) = &self.token {
            rb = rb.bearer_auth(t);
        }
        for (name, value) in self.headers {
            rb = rb.header(name, value);
        }
        rb = match self.body {
            Body::None => rb,
            Body::Json(v) => rb.json(&v),
            Body::Text(content_type, text) => rb.header("content-type", content_type).body(text),
        };
        rb.send().await.unwrap()
    }
}

impl TestApp {
    /// Any API route, e.g. the predefined `/json/reply/SendCheckoutPaymentRequest`.
    pub fn api(&self, method: Method, path: &str) -> ApiRequest<'_> {
        ApiRequest::new(self, method, path.to_owned())
    }

    /// `PUT /payment/payson/v2/checkout/{id}/sendpaymentrequest[.json|.xml]`.
    pub fn put_send_payment_request(&self, id: impl Display, format: Format) -> ApiRequest<'_> {
        let path = format!(
            "/payment/payson/v2/checkout/{id}/sendpaymentrequest{}",
            format.suffix()
        );
        ApiRequest::new(self, Method::PUT, path)
    }

    /// `GET /payment/payson/v2/checkout/{id}[.json|.xml]`.
    pub fn get_checkout_api(&self, id: impl Display, format: Format) -> ApiRequest<'_> {
        let path = format!("/payment/payson/v2/checkout/{id}{}", format.suffix());
        ApiRequest::new(self, Method::GET, path)
    }

    /// Sends the payment request as the company writer, JSON.
    pub async fn send(&self, id: CheckoutId) -> Response {
        self.put_send_payment_request(id, Format::Negotiated)
            .send()
            .await
    }

    /// Payson's notification callback with `query` (e.g. `checkout=<id>`; none when empty).
    pub async fn post_ipn(&self, query: &str) -> Response {
        let mut path = "/payment/payson/v2/ipncallback".to_owned();
        if !query.is_empty() {
            path = format!("{path}?{query}");
        }
        self.client.post(self.url(&path)).send().await.unwrap()
    }

    /// `GET /metrics`, with the scrape token when given.
    pub async fn get_metrics(&self, token: Option<&str>) -> Response {
        let mut rb = self.client.get(self.url("/metrics"));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        rb.send().await.unwrap()
    }
}

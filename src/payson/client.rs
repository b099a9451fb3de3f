//! One pooled reqwest client; credentials are per call because every company has its own
//! Payson merchant account.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use uuid::Uuid;

use super::model::{PaysonAccount, PaysonCheckout, PaysonCheckoutPage, get};
use super::{PaysonError, PaysonFieldError};

/// A company's Payson account. `Debug` never shows the API key.
#[derive(Clone)]
pub struct PaysonCredentials {
    /// e.g. `https://api.payson.se/2.0/`, with or without the trailing slash.
    pub base_url: String,
    pub agent_id: String,
    pub api_key: String,
}

impl std::fmt::Debug for PaysonCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaysonCredentials")
            .field("base_url", &self.base_url)
            .field("agent_id", &self.agent_id)
            .field("api_key", &"<redacted>")
            .finish()
    }
}

#[derive(Clone, Debug)]
pub struct PaysonClientConfig {
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
}

impl Default for PaysonClientConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(20),
        }
    }
}

#[derive(Clone)]
pub struct PaysonClient {
    http: reqwest::Client,
}

impl PaysonClient {
    pub fn new(cfg: &PaysonClientConfig) -> Result<Self, PaysonError> {
        let http = reqwest::Client::builder()
            .connect_timeout(cfg.connect_timeout)
            .timeout(cfg.request_timeout)
            // Payson never redirects an API call; following one could leak credentials.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("checkout-desk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| PaysonError::Config(e.to_string()))?;
        Ok(Self { http })
    }

    pub async fn get_account(&self, c: &PaysonCredentials) -> Result<PaysonAccount, PaysonError> {
        let (_, body) = self.call(c, Method::GET, "Accounts", None).await?;
        PaysonAccount::from_json(parse_json(&body)?)
    }

    /// `POST /Checkouts`: 201 with the checkout, or an id in `Location` to fetch.
    pub async fn create_checkout(
        &self,
        c: &PaysonCredentials,
        body: &Value,
    ) -> Result<PaysonCheckout, PaysonError> {
        let (location, text) = self.call(c, Method::POST, "Checkouts", Some(body)).await?;
        if !text.trim().is_empty() {
            return PaysonCheckout::from_json(parse_json(&text)?);
        }
        let id = location
            .as_deref()
            .and_then(|l| l.trim_end_matches('/').rsplit('/').next())
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(|| PaysonError::Malformed("created without a body or a Location".into()))?;
        self.get_checkout(c, id).await
    }

    pub async fn get_checkout(
        &self,
        c: &PaysonCredentials,
        id: Uuid,
    ) -> Result<PaysonCheckout, PaysonError> {
        let (_, body) = self
            .call(c, Method::GET, &format!("Checkouts/{id}"), None)
            .await?;
        PaysonCheckout::from_json(parse_json(&body)?)
    }

    /// `PUT /Checkouts/{id}` with the whole object. Older Payson versions answer 200 with
    /// an empty body; then the checkout is read back.
    pub async fn update_checkout(
        &self,
        c: &PaysonCredentials,
        checkout: &PaysonCheckout,
    ) -> Result<PaysonCheckout, PaysonError> {
        let id = checkout
            .id()
            .ok_or_else(|| PaysonError::Config("the checkout has no id".into()))?;
        let body = Value::Object(checkout.raw().clone());
        let (_, text) = self
            .call(c, Method::PUT, &format!("Checkouts/{id}"), Some(&body))
            .await?;
        if text.trim().is_empty() {
            return self.get_checkout(c, id).await;
        }
        PaysonCheckout::from_json(parse_json(&text)?)
    }

    pub async fn list_checkouts(
        &self,
        c: &PaysonCredentials,
        status: Option<&str>,
        page: u32,
        page_size: u32,
    ) -> Result<PaysonCheckoutPage, PaysonError> {
        let mut query: Vec<(&str, String)> = vec![
            ("page", page.to_string()),
            ("pageSize", page_size.to_string()),
        ];
        if let Some(s) = status {
            query.insert(0, ("status", s.to_owned()));
        }
        let qs =
            serde_urlencoded::to_string(&query).map_err(|e| PaysonError::Config(e.to_string()))?;
        let (_, body) = self
            .call(c, Method::GET, &format!("Checkouts?{qs}"), None)
            .await?;
        PaysonCheckoutPage::from_json(parse_json(&body)?)
    }

    /// Sends one request; returns the `Location` header and the body of a 2xx answer.
    async fn call(
        &self,
        c: &PaysonCredentials,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(Option<String>, String), PaysonError> {
        let url = format!("{}/{path}", c.base_url.trim_end_matches('/'));
        let mut req = self
            .http
            .request(method.clone(), &url)
            .basic_auth(&c.agent_id, Some(&c.api_key))
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(b) = body {
            req = req.json(b);
        }
        tracing::debug!(%method, path, "payson request");
        let resp = req.send().await.map_err(classify)?;
        let status = resp.status();
        let location = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = resp.text().await.map_err(classify)?;
        tracing::debug!(%method, path, status = status.as_u16(), "payson answered");
        if status.is_success() {
            return Ok((location, text));
        }
        Err(match status {
            StatusCode::UNAUTHORIZED => PaysonError::Unauthorized,
            StatusCode::NOT_FOUND => PaysonError::NotFound,
            _ => refused(status, &text),
        })
    }
}

/// Sorts a transport error into "never sent" and "sent, outcome unknown".
fn classify(e: reqwest::Error) -> PaysonError {
    if e.is_connect() {
        PaysonError::NotSent(root_cause(&e))
    } else if e.is_timeout() {
        PaysonError::Timeout
    } else if e.is_builder() {
        PaysonError::Config(root_cause(&e))
    } else {
        PaysonError::Dropped(root_cause(&e))
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

fn parse_json(text: &str) -> Result<Value, PaysonError> {
    serde_json::from_str(text).map_err(|e| PaysonError::Malformed(format!("not JSON ({e})")))
}

/// Payson's error body: `{"message": …, "errors": [{"property": …, "message": …}]}`.
fn refused(status: StatusCode, text: &str) -> PaysonError {
    let parsed = serde_json::from_str::<Value>(text).ok();
    let obj = parsed.as_ref().and_then(Value::as_object);
    let message = obj
        .and_then(|o| get(o, "message"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned());
    let errors = obj
        .and_then(|o| get(o, "errors"))
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_object)
                .map(|e| PaysonFieldError {
                    property: get(e, "property")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                    message: get(e, "message")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                })
                .collect()
        })
        .unwrap_or_default();
    PaysonError::Refused {
        status: status.as_u16(),
        message,
        errors,
    }
}
